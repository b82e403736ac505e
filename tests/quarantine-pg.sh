#!/bin/sh
# quarantine-pg.sh - the quarantine in PostgreSQL (quarantine_store: postgresql), with a
# real server this test starts (tests/pg-lib.sh, password authentication over TCP), as
# an operator meets it: mailvetd refuses to start on a database whose schema is not
# migrated, with one line naming "mailvet quarantine migrate", and so do the tool's
# commands; a migrate whose connection breaks says why in one line (exit 2) and applies
# nothing; migrate prints what it applies, and nothing the second time; a schema newer
# than mailvet is refused.  Entries stored by two hosts (tests/qstore-helper -c, the
# daemon's qstore_put()) are listed from either, each with its host; find --queue-id,
# show (the host, the record, the message byte for byte), release from host B of an
# entry held on host A (to the release port A recorded, smtp-sink there; to B's own
# with quarantine_release_route: local), delete, purge by size and by age.  The
# password is in no output, no log line and not in check-config.  mailvetd on the
# migrated database starts.  The daemon's 451 while PostgreSQL is down is
# milter/t-quarantine-pg.lua.  mailvet-console on the same database: --check counts
# the fleet's entries, the list has a Host column with both hosts, a message's page
# names its host, and a delete there is what every host then sees.  A store while
# another session holds the table fails at the default statement timeout (30 s) with
# PostgreSQL's reason; mailvetd started then starts, and warns that the store is
# unusable.  Every result skips when PostgreSQL's server binaries
# are missing.  TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
MAILVETD=$top_builddir/milter/mailvetd/mailvetd
CONSOLE=$top_builddir/milter/console/mailvet-console
HELPER=$top_builddir/tests/qstore-helper

PLAN=41
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
[ -x "$MAILVETD" ] || bail "$MAILVETD not built"
[ -x "$CONSOLE" ] || bail "$CONSOLE not built"
command -v curl > /dev/null 2>&1 || bail "curl is required (apt-get install curl)"
[ -x "$HELPER" ] || bail "$HELPER not built (make -C tests qstore-helper)"
command -v jq > /dev/null 2>&1 || bail "jq is required to read mailvet's JSON"

if ! pg_find; then
    while [ "$n" -lt "$PLAN" ]; do skip "$PG_WHY"; done
    exit 0
fi

work_dir quarantine-pg
SINKDIR=
SINK_PID=
DAEMON=
cleanup() {
    [ -z "$SINK_PID" ] || kill "$SINK_PID" 2> /dev/null
    [ -z "$DAEMON" ] || kill "$DAEMON" 2> /dev/null
    [ -z "$SINKDIR" ] || rm -rf "$SINKDIR"
    pg_cleanup
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

pg_start || bail "PostgreSQL: $PG_WHY"
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"

port_pick || bail "no free port"
SINK_PORT=$PORT_PICKED
port_pick || bail "no free port"
DEAD_PORT=$PORT_PICKED

# config NAME HOST PORT [KEY: VALUE]... - $W/NAME.yaml: the store in PostgreSQL as HOST,
# re-injecting at 127.0.0.1:PORT, and the daemon's keys
config() {
    _f=$W/$1.yaml
    cat > "$_f" << EOF
socket: unix:$W/$1.sock
user: ""
metrics_listen: ""
pid_file: $W/$1.pid
database: $W/samples/sigs
policy_dir: ""
tmpdir: $W
quarantine_dir: $W/q-$1
quarantine_store: postgresql
quarantine_db: "$PG_CONNINFO"
quarantine_host: $2
quarantine_release_host: 127.0.0.1
quarantine_release_port: $3
EOF
    shift 3
    for _kv in "$@"; do echo "$_kv" >> "$_f"; done
}
config a mx-a.example.com "$SINK_PORT"
config b mx-b.example.com "$DEAD_PORT"
config b-local mx-b.example.com "$DEAD_PORT" "quarantine_release_route: local"

# q NAME CONFIG ARGS... - mailvet quarantine; NAME.out, NAME.err, RC
q() {
    _name=$1 _cfg=$2
    shift 2
    "$MAILVET" quarantine -c "$W/$_cfg.yaml" "$@" > "$W/$_name.out" 2> "$W/$_name.err"
    RC=$?
}
show() {
    diag "exit $RC; stdout:"
    sed 's/^/#   /' "$W/$1.out" | head -20
    diag "stderr:"
    sed 's/^/#   /' "$W/$1.err" | head -20
}
want() {
    _n=$1 _rc=$2 _d=$3
    shift 3
    if [ "$RC" -eq "$_rc" ] && { [ $# -eq 0 ] || "$@"; }; then
        ok "$_d"
    else
        not_ok "$_d (want exit $_rc)"
        show "$_n"
    fi
}
has() { grep -q -- "$2" "$W/$1.out"; }
err_is() { [ "$(cat "$W/$1.err")" = "$2" ]; }
jqt() { jq -e "$2" "$W/$1.out" > /dev/null 2>&1; }

# --- the schema -------------------------------------------------------------------
HINT="postgresql: quarantine schema at version 0, this mailvet needs 1: run: mailvet quarantine migrate"
"$MAILVETD" -f -c "$W/a.yaml" > "$W/refuse.out" 2> "$W/refuse.err" &
DAEMON=$!
wait_until 30 gone "$DAEMON"
wait "$DAEMON"
RC=$?
DAEMON=
want refuse 78 "mailvetd on a database not migrated: exit 78 (EX_CONFIG)" \
    err_is refuse "mailvetd: $W/a.yaml: quarantine_db: $HINT"
check "mailvetd refused before making its socket" test ! -e "$W/a.sock"
q list0 a list
want list0 2 "list on a database not migrated: exit 2, one line naming the command" \
    err_is list0 "mailvet quarantine list: $HINT"
# a migration whose connection breaks on the way: another session creates a table of the
# same name and holds it uncommitted, the migration waits for it, and its backend is
# terminated.  One line with PostgreSQL's reason, exit 2, nothing applied (the migrate
# below applies it whole); the tool finished that connection twice before 46a1a26.
PG_DB=mailvet pg_sql "BEGIN; CREATE TABLE quarantine (held integer); SELECT pg_sleep(60);
    ROLLBACK" > /dev/null 2>&1 &
HOLDER=$!
# waiting - the pids of the tool's sessions (application mailvet) waiting for a lock;
# holding - the other session holds its table and sleeps
waiting() {
    PG_DB=mailvet pg_sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'mailvet'
        AND wait_event_type = 'Lock'"
}
holding() {
    [ "$(PG_DB=mailvet pg_sql "SELECT count(*) FROM pg_stat_activity
        WHERE query LIKE '%pg_sleep(60)%' AND wait_event = 'PgSleep'")" = 1 ]
}
wait_until 10 holding
"$MAILVET" quarantine -c "$W/a.yaml" migrate > "$W/migbreak.out" 2> "$W/migbreak.err" &
MIG=$!
wait_until 10 eval '[ -n "$(waiting)" ]'
PG_DB=mailvet pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE application_name = 'mailvet' AND wait_event_type = 'Lock'" > /dev/null
wait "$MIG"
RC=$?
want migbreak 2 "a migration whose connection breaks: exit 2, one line with PostgreSQL's reason" \
    eval '[ "$(wc -l < "$W/migbreak.err")" -eq 1 ] &&
          grep -q "^mailvet quarantine migrate: .*terminat" "$W/migbreak.err"'
kill "$HOLDER" 2> /dev/null
PG_DB=mailvet pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" > /dev/null 2>&1
wait "$HOLDER" 2> /dev/null
q mig1 a migrate
want mig1 0 "migrate: exit 0, prints the migration it applies and the version reached" \
    eval '[ "$(cat "$W/mig1.out")" = "mailvet quarantine migrate: applied 1: table quarantine (one row per held message, with its host) and its indexes
mailvet quarantine migrate: schema at version 1" ]'
q mig2 b migrate
want mig2 0 "migrate again (from the other host): nothing to apply" \
    eval '[ "$(cat "$W/mig2.out")" = "mailvet quarantine migrate: schema at version 1, nothing to apply" ]'
PG_DB=mailvet pg_sql "INSERT INTO mailvet_schema (version, description) VALUES (99, 'future')"
q newer a list
want newer 2 "a schema newer than mailvet is refused, naming the fix" \
    err_is newer "mailvet quarantine list: postgresql: quarantine schema at version 99, newer than this mailvet knows (1): upgrade mailvet"
PG_DB=mailvet pg_sql "DELETE FROM mailvet_schema WHERE version = 99"
sed 's/^quarantine_store: .*/quarantine_store: dir/' "$W/a.yaml" > "$W/dir.yaml"
q dirmig dir migrate
want dirmig 64 "migrate with quarantine_store dir: exit 64, says there is no schema" \
    grep -q "the directory store has no schema to migrate" "$W/dirmig.err"

# --- two hosts store; either lists ------------------------------------------------
printf 'From: <mallory@example.com>\r\nSubject: held on A\r\n\r\nbody\r\n.dot line\r\n' > "$W/msg.eml"
"$HELPER" -c "$W/a.yaml" -n 3 -Q AQID -m "$W/msg.eml" > "$W/ids-a" 2> "$W/helper.err"
"$HELPER" -c "$W/b.yaml" -Q BQID > "$W/ids-b" 2>> "$W/helper.err"
A1=$(sed -n 1p "$W/ids-a")
B1=$(sed -n 1p "$W/ids-b")
check "qstore-helper stores three entries as host A and one as host B" \
    test "$(cat "$W/ids-a" "$W/ids-b" | wc -l)" -eq 4
for h in a b; do
    q "list-$h" "$h" list
    want "list-$h" 0 "list from host $(echo $h | tr ab AB): the fleet's four entries, each with its host" \
        eval '[ "$(grep -c " mx-a.example.com " "$W/list-'$h'.out")" -eq 3 ] &&
              [ "$(grep -c " mx-b.example.com " "$W/list-'$h'.out")" -eq 1 ]'
done
q listj b list --json
want listj 0 "list --json: the host of each entry" \
    jqt listj "length == 4 and ([.[] | select(.host == \"mx-a.example.com\")] | length) == 3"
q find b find --queue-id AQID1
want find 0 "find --queue-id from host B: the entry held on A" \
    eval '[ "$(wc -l < "$W/find.out")" -eq 1 ] && grep -q "mx-a.example.com" "$W/find.out"'
q find0 a find --queue-id NOSUCH
want find0 1 "find --queue-id of no entry: exit 1, names the database without its password" \
    grep -q "no entry with queue id NOSUCH in postgresql (host=127.0.0.1 port=$PG_PORT dbname=mailvet user=mailvet)" "$W/find0.err"
q show b show "$A1"
want show 0 "show from host B: the record, with the host that holds it" \
    eval 'grep -q "^host: *mx-a.example.com$" "$W/show.out" && grep -q "^id: *$A1$" "$W/show.out"'
q raw b show --raw "$A1"
want raw 0 "show --raw: the message byte for byte" cmp -s "$W/raw.out" "$W/msg.eml"
q unknown b show 01M96FS6ZFSMAYJNXQ47GJED0J
want unknown 1 "show of an unknown id: exit 1, no such entry" grep -q "no such entry in postgresql" "$W/unknown.err"

# --- release from B of an entry held on A ------------------------------------------
SINK_OK=
if command -v smtp-sink > /dev/null 2>&1; then
    SINKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-pgsink-XXXXXX") && chmod 755 "$SINKDIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postfix "$SINKDIR" 2> /dev/null
        set -- -u postfix
    else
        set --
    fi
    smtp-sink -4 "$@" -h sink.example.com -d "$SINKDIR/msg." "127.0.0.1:$SINK_PORT" 8 \
        > "$W/sink.out" 2>&1 &
    SINK_PID=$!
    wait_until 5 port_listening "$SINK_PORT" && SINK_OK=1
fi
if [ -n "$SINK_OK" ]; then
    q rel b release "$A1"
    want rel 0 "release from host B of A's entry: exit 0, to the port A recorded" \
        has rel "$A1: released to 127.0.0.1:$SINK_PORT"
    check "the message arrived at A's re-injection port" \
        wait_until 5 eval '[ "$(find "$SINKDIR" -type f -name "msg.*" | wc -l)" -eq 1 ]'
    q relshow a show --json "$A1"
    want relshow 0 "the record says released, the delivery in its history" \
        jqt relshow ".state == \"released\" and (.history[-1].detail | startswith(\"to 127.0.0.1:$SINK_PORT \"))"
else
    skip "smtp-sink missing or did not start"
    skip "smtp-sink missing or did not start"
    skip "smtp-sink missing or did not start"
fi
A2=$(sed -n 2p "$W/ids-a")
q rellocal b-local release "$A2"
want rellocal 2 "quarantine_release_route: local sends to host B's own port (nobody there): exit 2" \
    grep -q "$A2: not released, still held: 127.0.0.1:$DEAD_PORT: connect" "$W/rellocal.err"
q relheld a list --state held
want relheld 0 "the entry that failed to release is still held" grep -q "^$A2 " "$W/relheld.out"

# --- delete, purge ----------------------------------------------------------------
q del a delete "$B1"
want del 0 "delete from host A of B's entry: exit 0" has del "$B1: deleted"
q delraw b show --raw "$B1"
want delraw 1 "show --raw of the deleted entry: exit 1, the message is gone" \
    grep -q "deleted" "$W/delraw.err"
q deljson b show --json "$B1"
want deljson 0 "the record stays, deleted, with who did it" \
    jqt deljson '.state == "deleted" and .history[-1].state == "deleted"'
q purge0 a purge --older-than 1h
want purge0 0 "purge --older-than 1h: nothing that young goes" \
    has purge0 "purged 0 entries (0 bytes) and 0 leftovers; kept 4 entries"
OLD=$(sed -n 3p "$W/ids-a")
PG_DB=mailvet pg_sql "UPDATE quarantine SET time = time - 7200 WHERE id = '$OLD'"
q purge1 a purge --older-than 1h
want purge1 0 "purge --older-than 1h: the entry two hours old goes" \
    has purge1 "purged 1 entries"
q purge1l b list
want purge1l 0 "and it is gone from the list of either host" \
    eval '! grep -q "^$OLD " "$W/purge1l.out" && [ "$(wc -l < "$W/purge1l.out")" -eq 3 ]'
"$HELPER" -c "$W/a.yaml" -n 5 -q 2>> "$W/helper.err"
PG_DB=mailvet pg_sql "UPDATE quarantine SET time = time - 60 WHERE id IN ('$A1', '$A2', '$B1')"
q purge2 b purge --max-size 8K
want purge2 0 "purge --max-size 8K: the oldest go until the rest fit" \
    eval 'grep -q "kept [0-9]* entries" "$W/purge2.out" &&
          [ "$(sed -n "s/.*kept [0-9]* entries (\([0-9]*\) bytes).*/\1/p" "$W/purge2.out")" -le 8192 ]'
q purge2l a list
want purge2l 0 "the three oldest went first" \
    eval '! grep -q "^$A1 \|^$A2 \|^$B1 " "$W/purge2l.out" && [ -s "$W/purge2l.out" ]'

# --- the console on the same database ---------------------------------------------
C1=$("$HELPER" -c "$W/b.yaml" -Q CONSOLEB 2>> "$W/helper.err")
port_pick || bail "no free port"
CPORT=$PORT_PICKED
config console mx-b.example.com "$DEAD_PORT" "console_listen: 127.0.0.1:$CPORT" \
    "console_users_file: $W/users" "console_audit_log: $W/audit.log"
CPASS='correct horse battery'
printf '%s\n' "$CPASS" | "$CONSOLE" -c "$W/console.yaml" --add-user alice > "$W/adduser.out" 2>&1
"$CONSOLE" -c "$W/console.yaml" --check > "$W/ccheck.out" 2> "$W/ccheck.err"
RC=$?
want ccheck 0 "mailvet-console --check on the database: the fleet's entries counted" \
    grep -q "and $(PG_DB=mailvet pg_sql "SELECT count(*) FROM quarantine") quarantined entr" "$W/ccheck.out"
"$CONSOLE" -c "$W/console.yaml" > "$W/console.out" 2> "$W/console.err" &
DAEMON=$!
B="http://127.0.0.1:$CPORT"
wait_until 10 curl -s -o /dev/null "$B/login"
curl -s -c "$W/jar" -o /dev/null --data-urlencode "user=alice" --data-urlencode "password=$CPASS" "$B/login"
curl -s -b "$W/jar" -o "$W/page.html" "$B/"
check "the console's list: a Host column, entries of both hosts in it" \
    eval 'grep -q "<th>Host</th>" "$W/page.html" &&
          grep -q "<td class=\"host\">mx-a.example.com</td>" "$W/page.html" &&
          grep -q "<td class=\"host\">mx-b.example.com</td>" "$W/page.html"'
curl -s -b "$W/jar" -o "$W/msgpage.html" "$B/message/$C1"
check "the console's message page names the holding host" \
    grep -q "mx-b.example.com" "$W/msgpage.html"
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$W/page.html" | head -n 1)
curl -s -b "$W/jar" -o "$W/del.html" -d "id=$C1&csrf=$CSRF" "$B/delete"
q cdel a show --json "$C1"
want cdel 0 "a delete in the console changes the row every host sees" \
    jqt cdel '.state == "deleted" and (.history[-1].by | startswith("console:alice"))'
kill "$DAEMON" 2> /dev/null
wait "$DAEMON" 2> /dev/null
DAEMON=

# --- a stalled database: a store is cancelled after 30 s, not waited on ----------
# Another session holds the tables (as a long ALTER TABLE or VACUUM FULL would) for 90
# s: the store (qstore_put(), the daemon's code) fails at the default statement
# timeout, with PostgreSQL's reason, long before the lock goes; the daemon answers that
# message 451 (milter/t-quarantine-pg.lua).  mailvetd, started meanwhile, checks the
# schema within the same timeout: it starts, and says the store is unusable.  Purge
# lifts the timeout and waits.
PG_DB=mailvet pg_sql "BEGIN; LOCK TABLE quarantine, mailvet_schema IN ACCESS EXCLUSIVE MODE;
    SELECT pg_sleep(90); COMMIT" > /dev/null 2>&1 &
LOCKER=$!
locked() {
    [ "$(PG_DB=mailvet pg_sql "SELECT count(*) FROM pg_locks WHERE granted AND
        mode = 'AccessExclusiveLock' AND relation IN ('quarantine'::regclass,
        'mailvet_schema'::regclass)")" = 2 ]
}
wait_until 10 locked
T0=$(date +%s)
"$MAILVETD" -f -c "$W/a.yaml" > "$W/stalld.out" 2> "$W/stalld.err" &
DAEMON=$!
"$HELPER" -c "$W/a.yaml" -Q STALLQ > "$W/stall.out" 2> "$W/stall.err"
RC=$?
T1=$(date +%s)
check "a store while the table is locked fails with the statement timeout, in 30 s ($((T1 - T0)) s)" \
    eval '[ "$RC" -ne 0 ] && grep -q "canceling statement due to statement timeout" "$W/stall.err" &&
          [ $((T1 - T0)) -ge 28 ] && [ $((T1 - T0)) -lt 45 ] && locked'
wait_until 60 eval 'grep -q "quarantine_db unusable" "$W/stalld.err" || gone "$DAEMON"'
T2=$(date +%s)
check "mailvetd started while the schema is locked: it serves, and says the store is unusable ($((T2 - T0)) s)" \
    eval 'test -S "$W/a.sock" && ! gone "$DAEMON" && locked &&
          grep -q "quarantine_db unusable, mail to quarantine gets 451 until it is fixed: .*canceling statement due to statement timeout" "$W/stalld.err"'
kill "$DAEMON" 2> /dev/null
wait "$DAEMON" 2> /dev/null
DAEMON=
kill "$LOCKER" 2> /dev/null
PG_DB=mailvet pg_sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
    WHERE query LIKE '%pg_sleep(90)%' AND pid <> pg_backend_pid()" > /dev/null 2>&1
wait "$LOCKER" 2> /dev/null

# --- the daemon on the migrated database; the password nowhere --------------------
"$MAILVETD" -f -c "$W/a.yaml" > "$W/daemon.out" 2> "$W/daemon.err" &
DAEMON=$!
wait_until 60 eval 'test -S "$W/a.sock" || gone "$DAEMON"'
check "mailvetd starts on the migrated database" test -S "$W/a.sock"
kill "$DAEMON" 2> /dev/null
wait "$DAEMON" 2> /dev/null
DAEMON=
"$MAILVETD" -n -c "$W/a.yaml" > "$W/check.out" 2>&1
check "mailvetd -n names the store: the database without its password, and this host" \
    grep -q "^# quarantine: quarantine_mode store, quarantine_store postgresql (host=127.0.0.1 port=$PG_PORT dbname=mailvet user=mailvet) as mx-a.example.com\$" "$W/check.out"
"$MAILVET" check-config -c "$W/a.yaml" > "$W/cc.out" 2>&1
check "check-config prints quarantine_db as (set)" grep -q '^quarantine_db: "(set)"' "$W/cc.out"
sed "s/password=[^ \"]*/password=wrong-$PG_PASSWORD-x/" "$W/a.yaml" > "$W/wrong.yaml"
q wrong wrong list
want wrong 2 "a wrong password: exit 2, libpq's reason" \
    grep -q "password authentication failed" "$W/wrong.err"
q wrongd wrong delete "$A1"
if grep -rl -- "$PG_PASSWORD" "$W"/*.out "$W"/*.err > "$W/leaks" 2>&1; then
    not_ok "the password is in no output or log line"
    diag "found in: $(cat "$W/leaks")"
else
    ok "the password is in no output or log line ($(ls "$W"/*.out "$W"/*.err | wc -l) files)"
fi

exit 0
