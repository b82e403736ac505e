# redis-sentinel-lib.sh - a Redis master, one replica and three Sentinels on loopback,
# for tests and bench/ (sourced, POSIX sh).  Every process is a real redis-server
# (the Sentinels "redis-server FILE --sentinel" with their config files in the work
# directory), started by rs_start and stopped by rs_stop, on free ports:
#   rs_start DIR     start them in DIR; sets RS_MASTER RS_REPLICA (ports),
#                    RS_SENTINELS ("127.0.0.1:P, 127.0.0.1:P, 127.0.0.1:P"), RS_S1
#                    (the first Sentinel's port) and RS_NAME (mymaster); waits until
#                    the replica is in sync and every Sentinel knows the replica and
#                    the two other Sentinels, so that a failover can be agreed.
#                    The Sentinels judge the master down after 1000 ms and give a
#                    failover 3000 ms (down-after-milliseconds, failover-timeout).
#   rs_master        print the port of the master the first Sentinel names
#   rs_kill PORT     SIGKILL the redis-server on PORT
#   rs_wait_master OLDPORT SECONDS
#                    wait until the Sentinels name a master other than OLDPORT and
#                    it answers ROLE master; false if not within SECONDS
#   rs_stop          stop every process rs_start started
# Needs redis-server and redis-cli; returns 1 with a message on stderr on failure.
# Safe in a script run with set -eu.  A caller stops them from its EXIT trap, and
# should trap PIPE too, as a reader that goes away (| head) ends the script.
RS_NAME=mymaster
RS_DIR=

. "$top_srcdir/tests/port-lib.sh"

# rs_pick - RS_PORT a free port, claimed for this script (port-lib.sh)
rs_pick() {
    port_pick || return 1
    RS_PORT=$PORT_PICKED
}

rs_cli() { redis-cli -h 127.0.0.1 -p "$@"; }

# rs_server PORT [ARGS...] - one daemonized redis-server on 127.0.0.1:PORT
rs_server() {
    _rs_p=$1
    shift
    redis-server --port "$_rs_p" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --pidfile "$RS_DIR/redis-$_rs_p.pid" --logfile "$RS_DIR/redis-$_rs_p.log" \
        --dir "$RS_DIR" "$@" > /dev/null 2>&1 || {
        echo "redis-server on $_rs_p does not start: $(cat "$RS_DIR/redis-$_rs_p.log")" >&2
        return 1
    }
}

# rs_until SECONDS CMD... - poll CMD every 0.1 s, bounded
rs_until() {
    _rs_n=$(($1 * 10))
    shift
    while [ "$_rs_n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        _rs_n=$((_rs_n - 1))
    done
    "$@"
}

rs_answers() { [ "$(rs_cli "$1" ping 2> /dev/null)" = PONG ]; }
rs_in_sync() { rs_cli "$RS_REPLICA" info replication 2> /dev/null | grep -q 'master_link_status:up'; }
# rs_sentinel_ready PORT - that Sentinel knows the replica and two other Sentinels
rs_sentinel_ready() {
    rs_cli "$1" sentinel replicas "$RS_NAME" 2> /dev/null | grep -qx "$RS_REPLICA" &&
        [ "$(rs_cli "$1" sentinel sentinels "$RS_NAME" 2> /dev/null | grep -c '^name$')" -eq 2 ]
}

rs_start() {
    RS_DIR=$1
    RS_PIDS=
    mkdir -p "$RS_DIR" || return 1
    rs_pick && RS_MASTER=$RS_PORT || return 1
    rs_pick && RS_REPLICA=$RS_PORT || return 1
    rs_server "$RS_MASTER" || return 1
    rs_server "$RS_REPLICA" --replicaof 127.0.0.1 "$RS_MASTER" || return 1
    RS_SENTINELS=
    RS_SPORTS=
    for _rs_k in 1 2 3; do
        rs_pick || return 1
        cat > "$RS_DIR/sentinel-$RS_PORT.conf" << EOF
port $RS_PORT
bind 127.0.0.1
daemonize yes
pidfile "$RS_DIR/redis-$RS_PORT.pid"
logfile "$RS_DIR/sentinel-$RS_PORT.log"
dir "$RS_DIR"
sentinel monitor $RS_NAME 127.0.0.1 $RS_MASTER 2
sentinel down-after-milliseconds $RS_NAME 1000
sentinel failover-timeout $RS_NAME 3000
sentinel parallel-syncs $RS_NAME 1
EOF
        redis-server "$RS_DIR/sentinel-$RS_PORT.conf" --sentinel > /dev/null 2>&1 || {
            echo "Sentinel on $RS_PORT does not start: $(cat "$RS_DIR/sentinel-$RS_PORT.log")" >&2
            return 1
        }
        RS_SENTINELS="$RS_SENTINELS${RS_SENTINELS:+, }127.0.0.1:$RS_PORT"
        RS_SPORTS="$RS_SPORTS $RS_PORT"
    done
    RS_S1=${RS_SPORTS# }
    RS_S1=${RS_S1%% *}
    for _rs_p in "$RS_MASTER" "$RS_REPLICA" $RS_SPORTS; do
        rs_until 10 rs_answers "$_rs_p" || {
            echo "redis-server on $_rs_p does not answer" >&2
            return 1
        }
    done
    rs_until 20 rs_in_sync || {
        echo "the replica does not sync: $(tail -5 "$RS_DIR/redis-$RS_REPLICA.log")" >&2
        return 1
    }
    for _rs_p in $RS_SPORTS; do
        rs_until 30 rs_sentinel_ready "$_rs_p" || {
            echo "Sentinel $_rs_p does not see the replica and the others:" \
                "$(tail -5 "$RS_DIR/sentinel-$_rs_p.log")" >&2
            return 1
        }
    done
}

rs_master() {
    rs_cli "$RS_S1" sentinel get-master-addr-by-name "$RS_NAME" 2> /dev/null | sed -n 2p
}

rs_kill() {
    if [ -f "$RS_DIR/redis-$1.pid" ]; then
        kill -KILL "$(cat "$RS_DIR/redis-$1.pid")" 2> /dev/null || :
    fi
}

# rs_moved OLD - every Sentinel names a master other than OLD, and it is the master
rs_moved() {
    for _rs_p in $RS_SPORTS; do
        _rs_m=$(rs_cli "$_rs_p" sentinel get-master-addr-by-name "$RS_NAME" 2> /dev/null | sed -n 2p)
        [ -n "$_rs_m" ] && [ "$_rs_m" != "$1" ] || return 1
    done
    rs_cli "$_rs_m" role 2> /dev/null | head -1 | grep -qx master
}
rs_wait_master() { rs_until "$2" rs_moved "$1"; }

rs_stop() {
    [ -n "$RS_DIR" ] || return 0
    # (safe under set -e: a server killed before has left its pid file)
    for _rs_f in "$RS_DIR"/redis-*.pid; do
        if [ -f "$_rs_f" ]; then
            kill -KILL "$(cat "$_rs_f")" 2> /dev/null || :
        fi
    done
    RS_DIR=
}
