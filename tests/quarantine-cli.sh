#!/bin/sh
# quarantine-cli.sh - "mailvet quarantine" as an operator uses it: list (every filter,
# --json, newest first), find --queue-id (exact, every entry of it, exit 1 for none),
# show (record, reasons, object tree, headers; --json; --raw
# byte for byte), release to Postfix's smtp-sink (the envelope, the body, --to, a
# refusal at the dot and nobody listening leave the entry held), delete (the record
# stays, deleted), purge (age, size, with the suffixes of mailvet.yaml; overflow and
# unknown suffixes and bare numbers refused), and every exit status: 0 done, 1 unknown id,
# 2 failure, 64 usage.  One entry is changed by two processes at once: while a release
# waits for the server's answer to its data (tests/slow-smtp.py holds it), delete and
# purge of that entry are refused or skipped, and the release ends with the record
# released and the message in place; the delete after it works.  A damaged index
# (cut short, only its header, one line changed or nonsense) is found by list, which
# says so on stderr and answers from the records; a record that does not parse is
# listed as damaged, and delete and purge (by age) remove it.  Entries are written by tests/qstore-helper with
# quarantine_store(), the daemon's own code.  Lists 100,000 entries and prints the
# time as a diagnostic (no threshold; QUARANTINE_BULK=0 skips it).
# JSON is read with jq.  TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
HELPER=$top_builddir/tests/qstore-helper

PLAN=93
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
[ -x "$HELPER" ] || bail "$HELPER not built (make -C tests qstore-helper)"
command -v jq >/dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"

work_dir quarantine-cli
SINKDIR=
SINK_PID=
SLOW_PID=
cleanup() {
    [ -z "$SINK_PID" ] || kill "$SINK_PID" 2>/dev/null
    [ -z "$SLOW_PID" ] || kill "$SLOW_PID" 2>/dev/null
    [ -z "$SINKDIR" ] || rm -rf "$SINKDIR"
    [ -z "${BULK:-}" ] || rm -rf "$BULK"
    [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

Q=$W/q
. "$top_srcdir/tests/port-lib.sh"
# free_port - PORT = a free port, claimed for this script
free_port() {
    port_pick || bail "no free port"
    PORT=$PORT_PICKED
}
free_port
SINK_PORT=$PORT
free_port
DEAD_PORT=$PORT
cat > "$W/mailvet.yaml" <<EOF
quarantine_dir: $Q
quarantine_release_host: 127.0.0.1
quarantine_release_port: $SINK_PORT
quarantine_max_age: 720h
EOF
sed "s/^quarantine_release_port: .*/quarantine_release_port: $DEAD_PORT/" \
    "$W/mailvet.yaml" > "$W/dead.yaml"

# q NAME ARGS... - mailvet quarantine; stdout in $W/NAME.out, stderr in $W/NAME.err,
# exit status in RC
q() {
    _name=$1
    shift
    "$MAILVET" quarantine -c "$W/mailvet.yaml" "$@" > "$W/$_name.out" 2> "$W/$_name.err"
    RC=$?
}
show() {
    diag "exit $RC; stdout:"
    sed 's/^/#   /' "$W/$1.out" | head -40
    diag "stderr:"
    sed 's/^/#   /' "$W/$1.err"
}
# want NAME RC DESC [TEST...] - ok when the exit status is RC and TEST succeeds
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
# jqt NAME FILTER - FILTER is true of NAME's JSON output
jqt() {
    jq -e "$2" "$W/$1.out" > /dev/null 2>&1
}
has() { grep -q -- "$2" "$W/$1.out"; }
err_has() { grep -q -- "$2" "$W/$1.err"; }
lines() { [ "$(wc -l < "$W/$1.out" | tr -d ' ')" -eq "$2" ]; }

# --- an empty store ---------------------------------------------------------------
q empty list
want empty 0 "list: a store not yet created lists nothing, exit 0" lines empty 0
q empty-json list --json
want empty-json 0 "list --json: an empty store is []" jqt empty-json '. == []'

# --- entries ----------------------------------------------------------------------
printf 'From: <mallory@example.com>\r\nTo: <alice@example.net>\r\nSubject: Invoice 42\r\n\r\nPlease see the invoice.\r\n.a dot line\r\n..two dots\r\nend\r\n' \
    > "$W/msg.eml"
printf '%s' '{"verdict":"infected","action":"quarantine","score":100,"reasons":["Eicar-Test-Signature"],"hits":[],"objects":[{"path":"2","name":"eicar.com","type":"application/x-dosexec","size":68,"depth":0,"signatures":["Eicar-Test-Signature"]}]}' \
    > "$W/eicar.json"
A=$("$HELPER" -m "$W/msg.eml" "$Q" 2> "$W/helper.err") &&
    B=$("$HELPER" -s eve@example.org -r bob@example.net -j "$W/eicar.json" "$Q" 2>> "$W/helper.err") &&
    C=$("$HELPER" -s "" -r carol@example.net -r dave@example.net "$Q" 2>> "$W/helper.err") ||
    bail "qstore-helper failed: $(cat "$W/helper.err")"
diag "entries: A=$A B=$B C=$C"
mode=$(stat -c %a "$Q")
check "the store is created 0700 (got $mode)" [ "$mode" = 700 ]
mode=$(stat -c %a "$Q/$A.json")
check "records are 0600 (got $mode)" [ "$mode" = 600 ]

# --- list -------------------------------------------------------------------------
q list list
want list 0 "list: three entries, one line each" lines list 3
first=$(cut -d' ' -f1 < "$W/list.out" | head -1)
check "list: newest first ($C first, got $first)" [ "$first" = "$C" ]
q json list --json
want json 0 "list --json: an array of three" jqt json 'length == 3'
check "list --json: newest first" jqt json "[.[].id] == [\"$C\", \"$B\", \"$A\"]"
check "list --json: the fields of an entry" jqt json \
    ".[2] | .id == \"$A\" and .state == \"held\" and .verdict == \"campaign\" and .score == 12
      and .sender == \"mallory@example.com\" and .recipients == [\"alice@example.net\"]
      and .reasons == [\"avaddon.lure\"] and .campaigns == [\"avaddon\"]
      and (.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\")) and .size > 0"
check "list --json: the null sender is \"\"" jqt json ".[0].sender == \"\""

# filter NAME WANT-IDS DESC ARGS... - list --json ARGS gives exactly WANT-IDS
filter() {
    _n=$1 _want=$2 _d=$3
    shift 3
    q "$_n" list --json "$@"
    _got=$(jq -r '[.[].id] | join(" ")' "$W/$_n.out" 2>/dev/null)
    if [ "$RC" -eq 0 ] && [ "$_got" = "$_want" ]; then ok "$_d"; else
        not_ok "$_d"; diag "want: $_want"; diag "got:  $_got"; show "$_n"; fi
}
filter f-sender "$B" "list --sender '*@example.org'" --sender '*@example.org'
filter f-sender-case "$A" "list --sender is case-insensitive" --sender 'MALLORY@Example.COM'
filter f-sender-class "$A" "list --sender '[l-n]?llory@*': the glob dialect of rules and lists" \
    --sender '[l-n]?llory@*'
filter f-sender-escape "" "list --sender 'mallory\\*': a backslash makes '*' literal" \
    --sender 'mallory\*'
filter f-rcpt "$C" "list --recipient dave@example.net (any recipient)" --recipient dave@example.net
filter f-campaign "$C $A" "list --campaign avaddon" --campaign avaddon
filter f-reason "$B" "list --reason 'eicar*'" --reason 'eicar*'
filter f-since "$C $B $A" "list --since 1h" --since 1h
filter f-until "" "list --until 1h (an hour ago)" --until 1h
filter f-rfc3339 "" "list --since 2999-01-01T00:00:00Z" --since 2999-01-01T00:00:00Z
filter f-offset "$C $B $A" "list --since 2000-01-01T00:00:00+02:00 --until 2999-01-01" \
    --since 2000-01-01T00:00:00+02:00 --until 2999-01-01
filter f-state "$C $B $A" "list --state held" --state held
filter f-both "$A" "list --campaign avaddon --sender 'mallory@*' (all must hold)" \
    --campaign avaddon --sender 'mallory@*'
q bad-since list --since yesterday
want bad-since 64 "list --since yesterday: exit 64 naming the option" err_has bad-since "--since yesterday"
q bad-state list --state gone
want bad-state 64 "list --state gone: exit 64"

# --- find --queue-id (a store of its own) ------------------------------------------
sed "s|^quarantine_dir: .*|quarantine_dir: $W/qf|" "$W/mailvet.yaml" > "$W/find.yaml"
F=$("$HELPER" -Q 9FIND1 -s finder@example.org "$W/qf") &&
    "$HELPER" -q -n 3 "$W/qf" && "$HELPER" -q -Q 9FIND2 "$W/qf" || bail "qstore-helper failed"
# qf NAME ARGS... - mailvet quarantine on that store, as q
qf() {
    _name=$1
    shift
    "$MAILVET" quarantine -c "$W/find.yaml" "$@" > "$W/$_name.out" 2> "$W/$_name.err"
    RC=$?
}
qf find find --queue-id 9FIND1
want find 0 "find --queue-id: exit 0, that one entry's line" \
    sh -c "[ \$(wc -l < '$W/find.out') -eq 1 ] && grep -q '^$F .*<finder@example.org>' '$W/find.out'"
qf find-json find --queue-id 9FIND1 --json
want find-json 0 "find --queue-id --json: the entry with its queue id" jqt find-json \
    "length == 1 and .[0].id == \"$F\" and .[0].queue_id == \"9FIND1\""
qf find-case find --queue-id 9find1
want find-case 1 "find --queue-id of another case: exit 1 (queue ids are exact)" \
    err_has find-case "no entry with queue id 9find1 in $W/qf"
qf find-none find --queue-id NOSUCHQ --json
none_found() { err_has find-none "no entry with queue id NOSUCHQ" && jqt find-none '. == []'; }
want find-none 1 "find --queue-id of no entry: exit 1, says so, [] on stdout" none_found
qf find-usage find
want find-usage 64 "find without --queue-id: exit 64" err_has find-usage "give --queue-id QID"
qf find-many find --queue-id 4Xy7Rz1 --json
want find-many 0 "find --queue-id shared by several entries: every one of them" jqt find-many \
    'length == 3 and all(.[]; .queue_id == "4Xy7Rz1")'

# --- show -------------------------------------------------------------------------
q show show "$A"
want show 0 "show: exit 0, the id and the state" has show "^id: *$A"
check "show: reasons" sh -c "grep -A1 '^reasons:' '$W/show.out' | grep -q 'avaddon.lure'"
check "show: the object tree, the member indented under its archive" \
    grep -q '^    IMG_0042.jpg.js .*FOUND Mailvet.Avaddon.JsDownloader' "$W/show.out"
check "show: the headers" grep -q '^  Subject: Invoice 42' "$W/show.out"
check "show: the history" grep -q 'held *by mailvetd' "$W/show.out"
q show-json show --json "$A"
want show-json 0 "show --json: the record" jqt show-json \
    ".id == \"$A\" and .state == \"held\" and .queue_id == \"4Xy7Rz1\" and
     .client_addr == \"192.0.2.7\" and (.hits | length) == 1 and (.objects | length) == 2 and
     (.history | length) == 1 and .generation == 1"
q raw show --raw "$A"
want raw 0 "show --raw: the message byte for byte" cmp -s "$W/raw.out" "$W/msg.eml"
q unknown show 01HZX3K5V7ABCDEFGHJKMNPQRS
want unknown 1 "show of an unknown id: exit 1 naming it" err_has unknown "01HZX3K5V7ABCDEFGHJKMNPQRS: no such entry"
q badid show ../../etc/passwd
want badid 1 "show ../../etc/passwd: exit 1, not an id" err_has badid "not a quarantine id"
q show-two show "$A" "$B"
want show-two 64 "show of two ids: exit 64"

# --- release ----------------------------------------------------------------------
SINK_OK=
if command -v smtp-sink > /dev/null 2>&1; then
    SINKDIR=$(mktemp -d "${TMPDIR:-/tmp}/mailvet-qsink-XXXXXX") && chmod 755 "$SINKDIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postfix "$SINKDIR" 2>/dev/null
        set -- -u postfix
    else
        set --
    fi
    smtp-sink -4 "$@" -h sink.example.com -d "$SINKDIR/msg." "127.0.0.1:$SINK_PORT" 8 \
        > "$W/sink.out" 2>&1 &
    SINK_PID=$!
    for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        port_listening "$SINK_PORT" && break
        sleep 0.1
    done
    if port_listening "$SINK_PORT"; then SINK_OK=1; else
        diag "smtp-sink did not start: $(cat "$W/sink.out")"; fi
fi
# sunk N - the sink holds N messages (waiting a little for its write)
sunk() {
    for _i in 1 2 3 4 5 6 7 8 9 10; do
        [ "$(find "$SINKDIR" -type f -name 'msg.*' | wc -l)" -eq "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# sunk_body FILE - the message of smtp-sink's dump FILE, without the sink's X- and
# Received lines (smtp-sink writes LF line ends and a closing blank line)
sunk_body() {
    awk 'skip && /^\t/ { next } { skip = 0 }
         NR <= 5 && /^X-/ { next } /^Received:/ && !seen { seen = 1; skip = 1; next }
         { print }' "$1" | sed '$d'
}
if [ -n "$SINK_OK" ]; then
    q rel release "$A"
    want rel 0 "release: exit 0 after the sink's 250" has rel "$A: released"
    if sunk 1; then
        dump=$(find "$SINKDIR" -type f -name 'msg.*')
        ok "release: the sink got the message"
        check "release: the original envelope (MAIL FROM, RCPT TO)" \
            sh -c "grep -qx 'X-Mail-Args: <mallory@example.com>' '$dump' &&
                   grep -qx 'X-Rcpt-Args: <alice@example.net>' '$dump'"
        tr -d '\r' < "$W/msg.eml" > "$W/msg.lf"
        sunk_body "$dump" > "$W/sunk.lf"
        if cmp -s "$W/sunk.lf" "$W/msg.lf"; then
            ok "release: the body arrives intact, dot lines included"
        else
            not_ok "release: the body arrives intact, dot lines included"
            diff "$W/msg.lf" "$W/sunk.lf" | sed 's/^/#   /'
        fi
        rm -f "$dump"
    else
        not_ok "release: the sink got the message"
        skip "release: the original envelope (no message)"
        skip "release: the body arrives intact (no message)"
    fi
    q rel-json show --json "$A"
    want rel-json 0 "release: the record says released, with the 250 in its history" jqt rel-json \
        ".state == \"released\" and (.history | length) == 2 and
         (.history[1].detail | test(\"250\")) and .history[1].state == \"released\""
    q rel-to release --to postmaster@example.net "$C"
    if [ "$RC" -eq 0 ] && sunk 1 &&
        grep -qx 'X-Rcpt-Args: <postmaster@example.net>' "$SINKDIR"/msg.* &&
        grep -qx 'X-Mail-Args: <>' "$SINKDIR"/msg.*; then
        ok "release --to: the given recipient, the null sender kept"
    else
        not_ok "release --to: the given recipient, the null sender kept"; show rel-to
    fi
    rm -f "$SINKDIR"/msg.*
    q rel-unknown release 01HZX3K5V7ABCDEFGHJKMNPQRS "$B"
    want rel-unknown 1 "release of an unknown id and a good one: exit 1, the good one released" \
        sunk 1
    rm -f "$SINKDIR"/msg.*
else
    for _d in "release: exit 0" "release: the sink got the message" "release: the envelope" \
        "release: the body" "release: the record says released" "release --to" \
        "release of an unknown id"; do
        skip "$_d (smtp-sink not available)"
    done
fi
D=$("$HELPER" "$Q") || bail "qstore-helper failed"
"$MAILVET" quarantine -c "$W/dead.yaml" release "$D" > "$W/rel-dead.out" 2> "$W/rel-dead.err"
RC=$?
want rel-dead 2 "release with nobody listening: exit 2, says it is still held" \
    err_has rel-dead "$D: not released, still held: 127.0.0.1:$DEAD_PORT: connect"
q dead-json show --json "$D"
want dead-json 0 "release that failed: the record stays held" jqt dead-json \
    '.state == "held" and (.history | length) == 1'

# --- delete -----------------------------------------------------------------------
q del delete "$D"
want del 0 "delete: exit 0" has del "$D: deleted"
check "delete: the message is gone" [ ! -e "$Q/$D.eml" ]
q del-json show --json "$D"
want del-json 0 "delete: the record stays, deleted, with who did it" jqt del-json \
    ".state == \"deleted\" and .history[-1].state == \"deleted\" and (.history[-1].by | length) > 0"
q del-list list --state deleted --json
want del-list 0 "list --state deleted: the deleted entry" jqt del-list "[.[].id] == [\"$D\"]"
q del-again delete "$D"
want del-again 0 "delete again: exit 0, already deleted" has del-again "already deleted"
q rel-del release "$D"
want rel-del 1 "release of a deleted entry: exit 1" err_has rel-del "$D: deleted"
q raw-del show --raw "$D"
want raw-del 1 "show --raw of a deleted entry: exit 1"
q del-unknown delete 01HZX3K5V7ABCDEFGHJKMNPQRS
want del-unknown 1 "delete of an unknown id: exit 1"

# --- purge ------------------------------------------------------------------------
q purge-none purge --older-than 30d
want purge-none 0 "purge --older-than 30d: nothing that young goes" has purge-none "purged 0 entries"
q purge-4t purge --max-size 4T --older-than 2w
want purge-4t 0 "purge --max-size 4T --older-than 2w: the grammar of mailvet.yaml" \
    has purge-4t "purged 0 entries"
q purge-huge purge --older-than 40000000000w
want purge-huge 64 "purge --older-than 40000000000w: overflow refused, exit 64" \
    err_has purge-huge "--older-than 40000000000w: too large a duration"
# a bare number: seconds to one reader, milliseconds to another; refused with the units
q purge-bare purge --older-than 3600
want purge-bare 64 "purge --older-than 3600: a duration without its unit is refused, exit 64" \
    err_has purge-bare "--older-than 3600: a duration needs a unit: 3600s, 3600ms, 1h \.\.\."
q list-bare list --since 180
want list-bare 64 "list --since 180: a duration without its unit is refused, exit 64" \
    err_has list-bare "--since 180: a duration needs a unit: 180s, 180ms, 3m \.\.\."
q purge-suffix purge --max-size 1P
want purge-suffix 64 "purge --max-size 1P: an unknown suffix refused, exit 64" \
    err_has purge-suffix "--max-size 1P: not a size"
q purge-list list
want purge-list 0 "purge: the entries are all still listed" lines purge-list 4
q purge-all purge --max-size 0
want purge-all 0 "purge --max-size 0: everything goes" has purge-all "purged 4 entries"
q purge-after list --json
check "purge: nothing left, no file of an entry" \
    sh -c "jq -e 'length == 0' '$W/purge-after.out' > /dev/null &&
           [ -z \"\$(find '$Q' -name '*.eml' -o -name '*.json' | head -1)\" ]"
q purge-bad purge --older-than soon
want purge-bad 64 "purge --older-than soon: exit 64"

# --- usage, directory -------------------------------------------------------------
q usage frobnicate
want usage 64 "an unknown command: exit 64"
chmod 750 "$Q"
q open list
want open 2 "a store open to group: refused, exit 2, says how to fix it" err_has open "chmod 0700"
chmod 700 "$Q"
: > "$W/afile"
sed "s|^quarantine_dir: .*|quarantine_dir: $W/afile|" "$W/mailvet.yaml" > "$W/afile.yaml"
"$MAILVET" quarantine -c "$W/afile.yaml" list > "$W/afile.out" 2> "$W/afile.err"
RC=$?
want afile 2 "a quarantine_dir that is a file: exit 2, says so and how to fix it" \
    eval '[ "$(cat "$W/afile.err")" = "mailvet quarantine list: $W/afile: not a directory; move what is there away (mailvetd then makes the directory), or set quarantine_dir to a directory" ]'
"$MAILVET" quarantine -c "$W/nonexistent.yaml" list > /dev/null 2> "$W/noconf.err"
RC=$?
check "a missing config file: exit 78 (EX_CONFIG)" [ "$RC" -eq 78 ]

# --- one entry, two processes: a delete and a purge while a release is in flight -------
# its own store, and an SMTP server that holds its answer to the data until told
if command -v python3 > /dev/null 2>&1; then
    free_port
    GATE=$W/gate
    mkdir -p "$GATE"
    python3 "$top_srcdir/tests/slow-smtp.py" "$PORT" "$GATE" > "$W/slow-smtp.log" 2>&1 &
    SLOW_PID=$!
    for _i in $(seq 50); do
        [ -e "$GATE/listening" ] && break
        sleep 0.1
    done
    [ -e "$GATE/listening" ] || bail "slow-smtp.py does not start: $(cat "$W/slow-smtp.log")"
    printf 'quarantine_dir: %s\nquarantine_release_host: 127.0.0.1\nquarantine_release_port: %s\n' \
        "$W/q2" "$PORT" > "$W/slow.yaml"
    # qs NAME ARGS... - as q, on the second store
    qs() {
        _name=$1
        shift
        "$MAILVET" quarantine -c "$W/slow.yaml" "$@" > "$W/$_name.out" 2> "$W/$_name.err"
        RC=$?
    }
    # release_held NAME - start a release of $E in the background, wait until the server
    # holds its answer to the data
    release_held() {
        rm -f "$GATE/at-dot" "$GATE/go"
        "$MAILVET" quarantine -c "$W/slow.yaml" release "$E" > "$W/$1.out" 2> "$W/$1.err" &
        REL_PID=$!
        for _i in $(seq 300); do
            [ -e "$GATE/at-dot" ] && return 0
            sleep 0.1
        done
        diag "the release never reached the end of its data"
    }
    # release_end NAME - let the server answer, wait for the release; RC its status
    release_end() {
        touch "$GATE/go"
        wait "$REL_PID"
        RC=$?
    }
    delivered() { [ "$(cat "$GATE/delivered" 2>/dev/null | wc -l)" -eq "$1" ]; }
    E=$("$HELPER" "$W/q2") || bail "qstore-helper failed"

    release_held rel-slow
    qs del-busy delete "$E"
    want del-busy 2 "delete while a release of the entry is in flight: refused, exit 2, says busy" \
        err_has del-busy "$E: not deleted: busy"
    release_end rel-slow
    want rel-slow 0 "the release in flight ends: exit 0, delivered once" delivered 1
    qs slow-json show --json "$E"
    want slow-json 0 "after both: the record says released and the message is still there" \
        sh -c "jq -e '.state == \"released\"' '$W/slow-json.out' > /dev/null && [ -e '$W/q2/$E.eml' ]"

    release_held rel-slow2
    qs purge-busy purge --max-size 0
    want purge-busy 0 "purge --max-size 0 while a release of the entry is in flight: the entry left" \
        sh -c "grep -q 'purged 0 entries' '$W/purge-busy.out' &&
               grep -q '^left 1 entries another process was releasing' '$W/purge-busy.out' &&
               [ -e '$W/q2/$E.json' ]"
    release_end rel-slow2
    want rel-slow2 0 "the second release ends: exit 0, delivered again" delivered 2

    qs del-after delete "$E"
    qs del-after-json show --json "$E"
    want del-after-json 0 "delete afterwards: held, released, released, deleted; the message gone" \
        sh -c "jq -e '[.history[].state] == [\"held\", \"released\", \"released\", \"deleted\"]' \
                   '$W/del-after-json.out' > /dev/null && [ ! -e '$W/q2/$E.eml' ]"
    kill "$SLOW_PID" 2>/dev/null
    SLOW_PID=
else
    for _d in "delete during a release" "the release in flight ends" "after both" \
        "purge during a release" "the second release ends" "delete afterwards"; do
        skip "$_d (python3 not installed)"
    done
fi

# --- a damaged index, a damaged record -------------------------------------------------
Q3=$W/q3
printf 'quarantine_dir: %s\nquarantine_max_age: 720h\n' "$Q3" > "$W/dmg.yaml"
# qd NAME ARGS... - as q, on the third store
qd() {
    _name=$1
    shift
    "$MAILVET" quarantine -c "$W/dmg.yaml" "$@" > "$W/$_name.out" 2> "$W/$_name.err"
    RC=$?
}
for _i in 1 2 3 4; do
    "$HELPER" "$Q3" >> "$W/dmg-ids" || bail "qstore-helper failed"
done
qd dmg-list0 list
[ "$RC" -eq 0 ] && [ ! -s "$W/dmg-list0.err" ] || diag "the first list of the third store: $(cat "$W/dmg-list0.err")"
cp "$Q3/index" "$W/index.good"
# damaged NAME DESC - list answers every entry, exit 0, and says on stderr that the
# index was damaged and rebuilt from the 4 records; a second list says nothing
damaged() {
    qd "$1" list
    qd "$1-again" list
    if [ "$RC" -eq 0 ] && lines "$1" 4 && err_has "$1" "^quarantine: index damaged (.*), rebuilt from 4 records$" &&
        lines "$1-again" 4 && [ ! -s "$W/$1-again.err" ]; then
        ok "$2"
    else
        not_ok "$2"; show "$1"
    fi
    cp "$W/index.good" "$Q3/index"
}
head -c "$(( $(wc -c < "$Q3/index") * 2 / 3 ))" "$W/index.good" > "$Q3/index"
damaged dmg-cut "an index cut short: list says it was damaged, rebuilds it, lists all 4"
head -n 1 "$W/index.good" > "$Q3/index"
damaged dmg-header "an index of its header only: list says so, lists all 4"
sed '3s/mallory/mallorx/' "$W/index.good" > "$Q3/index"
damaged dmg-line "one line of the index changed: found and rebuilt, lists all 4"
check "one line changed: the rebuilt index lists the sender of the record" \
    sh -c "! grep -q mallorx '$W/dmg-line.out' && [ \$(grep -c '<mallory@example.com>' '$W/dmg-line.out') -eq 4 ]"
sed '3s/.*/nonsense/' "$W/index.good" > "$Q3/index"
damaged dmg-nonsense "a line of nonsense in the index: list says it was damaged (line 3)"
check "a line of nonsense: the line is named" err_has dmg-nonsense "index damaged (line 3)"

X=$(sed -n 2p "$W/dmg-ids")
head -c 40 "$Q3/$X.json" > "$W/x.json" && mv "$W/x.json" "$Q3/$X.json"
rm -f "$Q3/index"
qd dmg-rec list --json
want dmg-rec 0 "a record cut short: list --json shows it as damaged, with its id and time" jqt dmg-rec \
    "length == 4 and ([.[] | select(.state == \"damaged\")] | length) == 1 and
     (.[] | select(.state == \"damaged\") | .id == \"$X\" and
         (.time | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\")))"
check "a damaged record: stderr says the index was rebuilt, one record damaged" \
    err_has dmg-rec "^quarantine: index missing, rebuilt from 4 records (1 damaged)$"
qd dmg-state list --state damaged
only_x_damaged() { lines dmg-state 1 && has dmg-state "^$X .* damaged "; }
want dmg-state 0 "list --state damaged: the damaged entry" only_x_damaged
qd dmg-show show "$X"
want dmg-show 2 "show of a damaged record: exit 2, says it is damaged and how to remove it" \
    err_has dmg-show "$X: damaged: .*delete"
qd dmg-del delete "$X"
want dmg-del 0 "delete of a damaged record: exit 0" has dmg-del "$X: deleted"
qd dmg-del-json show --json "$X"
want dmg-del-json 0 "delete of a damaged record: the record says deleted and why; the message gone" \
    sh -c "jq -e '.state == \"deleted\" and .id == \"$X\" and (.damaged | length) > 0 and
                  (.history[-1].by | length) > 0' '$W/dmg-del-json.out' > /dev/null &&
           [ ! -e '$Q3/$X.eml' ]"

# an id of DAYS days ago (its first 10 characters: the time in ms, Crockford base32)
old_id() {
    _ms=$(( ($(date +%s) - $1 * 86400) * 1000 ))
    _id=
    for _k in 1 2 3 4 5 6 7 8 9 10; do
        _id=$(printf '%s' "0123456789ABCDEFGHJKMNPQRSTVWXYZ" | cut -c $(( _ms % 32 + 1 )))$_id
        _ms=$(( _ms / 32 ))
    done
    printf '%sAAAAAAAABBBBBBBB' "$_id"
}
OLD=$(old_id 40)
printf '{"id": "%s", "state": "he' "$OLD" > "$Q3/$OLD.json"
cp "$W/msg.eml" "$Q3/$OLD.eml"
chmod 600 "$Q3/$OLD.json" "$Q3/$OLD.eml"
qd dmg-purge purge --older-than 30d
old_gone() { has dmg-purge 'purged 1 entries' && [ ! -e "$Q3/$OLD.json" ] && [ ! -e "$Q3/$OLD.eml" ]; }
want dmg-purge 0 "purge --older-than 30d: a damaged record 40 days old goes, both files" old_gone
qd dmg-after list
four_undamaged() { lines dmg-after 4 && ! grep -q damaged "$W/dmg-after.out"; }
want dmg-after 0 "after the purge: the 4 entries left, nothing damaged" four_undamaged

# --- 100,000 entries: the time of a list, as a diagnostic -------------------------
N=${QUARANTINE_BULK:-100000}
BULK=
if [ "$N" -gt 0 ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    # on tmpfs: the fsyncs of 100,000 stores on a disk would take minutes
    BULK=$(mktemp -d /dev/shm/mailvet-qbulk-XXXXXX)
    printf 'quarantine_dir: %s/q\n' "$BULK" > "$BULK/mailvet.yaml"
    t0=$(date +%s.%N)
    "$HELPER" -q -n "$N" "$BULK/q" || bail "qstore-helper -n $N failed"
    t1=$(date +%s.%N)
    "$MAILVET" quarantine -c "$BULK/mailvet.yaml" list > "$W/bulk1.out"
    t2=$(date +%s.%N)
    "$MAILVET" quarantine -c "$BULK/mailvet.yaml" list --json --campaign avaddon > "$W/bulk2.out"
    t3=$(date +%s.%N)
    rm -f "$BULK/q/index"
    "$MAILVET" quarantine -c "$BULK/mailvet.yaml" list --state released > /dev/null
    t4=$(date +%s.%N)
    count=$(jq length "$W/bulk2.out")
    diag "$(awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" 'BEGIN {
        printf "%d stores: %.2f s (tmpfs); list: %.2f s; list --json --campaign: %.2f s; ", n,
            b - a, c - b, d - c
        printf "list after the index was removed (rebuilt from the records): %.2f s", e - d }')"
    if [ "$(wc -l < "$W/bulk1.out")" -eq "$N" ] && [ "$count" -eq "$N" ]; then
        ok "list of $N entries: every entry, once"
    else
        not_ok "list of $N entries: every entry, once (--json gave $count)"
    fi
    rm -rf "$BULK"
    BULK=
else
    skip "list of many entries (QUARANTINE_BULK=0 or no writable /dev/shm)"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n of $PLAN tests"
exit $((failed > 0))
