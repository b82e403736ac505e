# port-lib.sh - TCP ports for the tests' own servers (sourced by the scripts and
# by postfix-lib.sh, pg-lib.sh and redis-sentinel-lib.sh).
#
#   port_in_use PORT   true if a local TCP socket (v4 or v6, any state) uses PORT
#   port_listening PORT  true if a socket listens on PORT (any local address)
#   port_pick          PORT_PICKED = a port nothing uses, claimed for this script
#
# A port is picked below the kernel's ephemeral range (ip_local_port_range), so no
# outgoing connection (a Postfix smtp client, a libpq or hiredis client) can take it
# as its source port between the pick and the server's bind: a port picked inside
# that range was once taken so, and the private Postfix did not start.  Each pick is
# claimed in a directory every test script of this user shares, under a lock
# (flock, util-linux), so two scripts running at once never pick the same port; a
# claim whose script has ended is taken over.

port_in_use() {
    _pt_hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2> /dev/null |
        awk -v p="$_pt_hex" 'NR > 1 { n = split($2, a, ":"); if (a[n] == p) f = 1 }
                           END { exit !f }'
}

port_listening() {
    _pt_hex=$(printf '%04X' "$1")
    cat /proc/net/tcp /proc/net/tcp6 2> /dev/null |
        awk -v p="$_pt_hex" 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); if (a[n] == p) f = 1 }
                           END { exit !f }'
}

# port_claim PORT - claim PORT for this script; false if a live script holds it (or
# this one does already).  Under a lock on the claims, so that two scripts that find
# the same stale claim do not both take it over.
port_claim() {
    (
        flock 9 || exit 1
        _pt_c=$PORT_CLAIMS/$1
        if [ -d "$_pt_c" ]; then
            _pt_owner=$(cat "$_pt_c/pid" 2> /dev/null)
            [ "$_pt_owner" != "$$" ] || exit 1
            [ -z "$_pt_owner" ] || [ ! -d "/proc/$_pt_owner" ] || exit 1
            rm -rf "$_pt_c"
        fi
        mkdir "$_pt_c" && echo "$$" > "$_pt_c/pid"
    ) 9> "$PORT_CLAIMS/.lock"
}

port_pick() {
    PORT_CLAIMS=${PORT_CLAIMS:-${TMPDIR:-/tmp}/mailvet-test-ports.$(id -u)}
    mkdir -p "$PORT_CLAIMS" || return 1
    # Below the ephemeral range when it leaves room (Linux: 32768-60999 by default).
    _pt_eph=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2> /dev/null)
    if [ "${_pt_eph:-0}" -gt 12000 ]; then
        _pt_lo=10000
        _pt_n=$((_pt_eph - 10000))
    else
        _pt_lo=20000
        _pt_n=40000
    fi
    _pt_base=$((($$ * 131 + ${PORT_SALT:-0}) % _pt_n))
    _pt_i=0
    while [ $_pt_i -lt 400 ]; do
        _pt_p=$((_pt_lo + (_pt_base + _pt_i * 97) % _pt_n))
        _pt_i=$((_pt_i + 1))
        port_in_use "$_pt_p" && continue
        port_claim "$_pt_p" || continue
        # The claim made, the port must still be unused.
        port_in_use "$_pt_p" && continue
        PORT_PICKED=$_pt_p
        return 0
    done
    echo "port_pick: no free port in $_pt_lo-$((_pt_lo + _pt_n - 1))" >&2
    return 1
}
