# lib.sh - TAP helpers shared by the shell tests (sourced, not run).
#   ok DESC / not_ok DESC      one numbered result; failed counts the failures
#   skip DESC                  a numbered "# SKIP" result (never a pass)
#   check DESC CMD...          ok when CMD succeeds, else not_ok
#   diag TEXT...               "# " comment lines
#   bail TEXT                  "Bail out!" and exit 1
#   work_dir NAME              W = a fresh directory under $top_builddir/tests/work,
#                              removed at exit unless KEEP_WORK is set
# The caller sets top_srcdir and top_builddir first.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
bail() { echo "Bail out! $*"; exit 1; }
check() {
    _d=$1
    shift
    if "$@"; then ok "$_d"; else not_ok "$_d"; fi
}
work_dir() {
    mkdir -p "$top_builddir/tests/work" || bail "cannot make tests/work"
    W=$(mktemp -d "$top_builddir/tests/work/$1-XXXXXX") || bail "mktemp failed"
    trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$W"' EXIT
    trap 'exit 1' INT TERM HUP
}
# gone PID - true once PID has exited (a zombie counts as gone)
gone() {
    [ ! -r "/proc/$1/status" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2> /dev/null
}
# wait_until SECONDS CMD... - poll CMD every 0.1 s, bounded; CMD's status at the end
wait_until() {
    _wu_i=0
    _wu_lim=$(($1 * 10))
    shift
    while [ $_wu_i -lt $_wu_lim ]; do
        "$@" && return 0
        sleep 0.1
        _wu_i=$((_wu_i + 1))
    done
    "$@"
}
