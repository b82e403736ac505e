#!/bin/sh
# structure.sh - MIME structure a sender bends to slip content past the scanner,
# through "mailvet scan --json" with the shipped policy (policies/) and the test
# signature set (policies/signatures-default: EICAR by its hash).  Each trick must
# come back with its reason named and never be delivered: infected and rejected
# where the content can still be found (as clamd finds it, or better), else
# unscannable and quarantined.  Plain mail next to them stays clean.
#
# Every sample is built here (EICAR at run time, example.com addresses):
#   control        EICAR in a well-formed multipart: infected
#   nest25         EICAR inside 25 nested multiparts (1.9 KB; max_mime_depth 20)
#   partial1/2     a message cut in two message/partial fragments (RFC 2046 5.2.2),
#                  EICAR's base64 split between them: neither holds it whole
#   partial-whole  the same message in one fragment (number=1, total=1)
#   noboundary     multipart/mixed without a boundary parameter (split on its
#                  first delimiter line: EICAR found, where clamscan finds none)
#   emptyboundary  boundary=""
#   noparts        a boundary that never appears (the parts use another)
#   nul-all        every delimiter line ends in a NUL byte (C strings stop there)
#   nul-one        only the delimiter before the attachment does (both found
#                  by libclamav in the whole message, as clamscan finds them)
#   esc-one        that delimiter ends in ESC
#   twotypes-mt    Content-Type multipart/mixed, then text/plain (GMime takes the
#                  last, a reader taking the first sees the attachment)
#   twotypes-tm    text/plain, then multipart/mixed
#   twoboundaries  boundary="a"; boundary="b" (the body split on b)
#   twoencodings   Content-Transfer-Encoding base64, then 7bit (GMime takes the
#                  last; the whole message given to libclamav finds EICAR, as
#                  clamscan does)
#   clean          a well-formed multipart with a text attachment: clean, accepted
#   sametype       the same Content-Type twice: clean, accepted
#   groups90k      a From of 30,000 nested address groups ("g:g:...x@example.com;;;",
#                  90 KB folded, within the 100 KiB a field may hold): GMime's address
#                  parser would recurse once per group; withheld from it, unscannable
#   groups-inner   the same From in a message/rfc822 part after EICAR: the parse
#                  stops before it, EICAR is found
#   groups-normal  "To: undisclosed-recipients:;" and "Cc: Team: a@example.com,
#                  b@example.com;": clean, accepted
# The groups items are scanned under "ulimit -s 2048" (in a subshell): a 2 MiB stack,
# which the first one ran out of before mailvet withheld such fields.
# When clamscan is installed, what it says of each sample (same signatures) is
# printed as a diagnostic, the comparison the checks above were set against.
# TAP on stdout; env: top_srcdir, top_builddir.  Needs jq and base64.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
SIGS=$top_builddir/policies/signatures-default

ITEMS="control nest25 partial1 partial2 partial-whole noboundary emptyboundary noparts
nul-all nul-one esc-one twotypes-mt twotypes-tm twoboundaries twoencodings clean sametype
groups90k groups-inner groups-normal"
NITEMS=$(echo "$ITEMS" | wc -w)
PLAN=$((NITEMS * 2))
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
for tool in jq base64; do
    command -v "$tool" > /dev/null 2>&1 || bail "$tool is required"
done
work_dir structure
mkdir "$W/tmp" || bail "cannot make $W/tmp"

# --- samples --------------------------------------------------------------------
B64=$(sh "$top_srcdir/tests/samples/eicar.sh" | base64) || bail "eicar.sh failed"
# hdr NAME: the message header fields before Content-Type
hdr() {
    printf 'From: sender@example.com\nTo: recipient@example.com\nSubject: %s\n' "$1"
    printf 'Message-ID: <structure.%s@example.com>\nMIME-Version: 1.0\n' "$1"
}
# att: EICAR as a base64 attachment, headers and body; txt: a text part
att() {
    printf 'Content-Type: application/octet-stream; name="eicar.com"\n'
    printf 'Content-Transfer-Encoding: base64\n'
    printf 'Content-Disposition: attachment; filename="eicar.com"\n\n%s\n' "$B64"
}
txt() { printf 'Content-Type: text/plain\n\nhello\n'; }
# mixed NAME CONTENT-TYPE-LINES OPEN SEP CLOSE: a text part and EICAR, delimited by
# the lines OPEN (before the text), SEP (before EICAR) and CLOSE, each given to
# printf as a format (so \000 and \033 work)
mixed() {
    {
        hdr "$1"
        printf -- "$2\n\n"
        printf -- "$3\n"
        txt
        printf -- "$4\n"
        att
        printf -- "$5\n"
    } > "$W/$1.eml"
}
ct='Content-Type: multipart/mixed; boundary="b"'
mixed control "$ct" '--b' '--b' '--b--'
mixed noboundary 'Content-Type: multipart/mixed' '--b' '--b' '--b--'
mixed emptyboundary 'Content-Type: multipart/mixed; boundary=""' '--b' '--b' '--b--'
mixed noparts "$ct" '--c' '--c' '--c--'
mixed nul-all "$ct" '--b\000' '--b\000' '--b--\000'
mixed nul-one "$ct" '--b' '--b\000' '--b--'
mixed esc-one "$ct" '--b' '--b\033' '--b--'
mixed twotypes-mt "$ct\nContent-Type: text/plain" '--b' '--b' '--b--'
mixed twotypes-tm "Content-Type: text/plain\n$ct" '--b' '--b' '--b--'
mixed twoboundaries 'Content-Type: multipart/mixed; boundary="a"; boundary="b"' '--a' '--b' \
    '--b--\n--a--'
{
    hdr twoencodings
    printf '%s\n\n--b\n' "$ct"
    txt
    printf -- '--b\nContent-Type: application/octet-stream; name="eicar.com"\n'
    printf 'Content-Transfer-Encoding: base64\nContent-Transfer-Encoding: 7bit\n\n%s\n--b--\n' "$B64"
} > "$W/twoencodings.eml"
# nest LEVELS: EICAR inside LEVELS multiparts
nest() {
    if [ "$1" -eq 0 ]; then
        att
        return
    fi
    printf 'Content-Type: multipart/mixed; boundary="n%s"\n\n--n%s\n' "$1" "$1"
    nest $(($1 - 1))
    printf -- '--n%s--\n' "$1"
}
{ hdr nest25; nest 25; } > "$W/nest25.eml"
# inner: the message that is cut into fragments
inner() {
    printf 'From: sender@example.com\nTo: recipient@example.com\nSubject: inner\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="i"\n\n--i\n'
    txt
    printf -- '--i\n'
    att
    printf -- '--i--\n'
}
inner > "$W/inner.txt"
# the first line of EICAR's base64 ends fragment 1
cut=$(grep -n "^$(echo "$B64" | head -c 8)" "$W/inner.txt" | cut -d: -f1)
[ -n "$cut" ] || bail "cannot find the base64 in the inner message"
frag() {
    hdr "$1"
    printf 'Content-Type: message/partial; id="%s@example.com"; number=%s; total=%s\n\n' \
        "$2" "$3" "$4"
}
{ frag partial1 p1 1 2; head -n "$cut" "$W/inner.txt"; } > "$W/partial1.eml"
{ frag partial2 p1 2 2; tail -n +$((cut + 1)) "$W/inner.txt"; } > "$W/partial2.eml"
{ frag partial-whole p2 1 1; cat "$W/inner.txt"; } > "$W/partial-whole.eml"
{
    hdr clean
    printf '%s\n\n--b\n' "$ct"
    txt
    printf -- '--b\nContent-Type: text/plain; name="notes.txt"\n'
    printf 'Content-Disposition: attachment; filename="notes.txt"\n\nnotes\n--b--\n'
} > "$W/clean.eml"
{
    hdr sametype
    printf 'Content-Type: text/plain; charset=us-ascii\nContent-Type: text/plain; charset=us-ascii\n'
    printf '\nhello\n'
} > "$W/sametype.eml"

# groups_from: a From of 30,000 nested address groups, folded every 70 bytes
groups_from() {
    printf 'From: '
    {
        yes 'g:' | head -n 30000 | tr -d '\n'
        printf 'x@example.com'
        yes ';' | head -n 30000 | tr -d '\n'
    } | fold -w 70 | sed '2,$s/^/ /'
    printf '\n'
}
{
    groups_from
    printf 'To: recipient@example.com\nSubject: groups90k\n\nhello\n'
} > "$W/groups90k.eml"
size=$(wc -c < "$W/groups90k.eml")
[ "$size" -gt 90000 ] && [ "$size" -lt 102400 ] ||
    bail "groups90k.eml is $size bytes, want a From of 90 KB to 100 KiB"
{
    hdr groups-inner
    printf '%s\n\n--b\n' "$ct"
    att
    printf -- '--b\nContent-Type: message/rfc822\n\n'
    groups_from
    printf 'Subject: inner\n\nhello\n--b--\n'
} > "$W/groups-inner.eml"
{
    hdr groups-normal | sed 's/^To: .*/To: undisclosed-recipients:;/'
    printf 'Cc: Team: a@example.com, b@example.com;\n'
    txt
} > "$W/groups-normal.eml"

cat > "$W/config.yaml" <<EOF
tmpdir: "$W/tmp"
policy_dir: "$top_srcdir/policies"
EOF

# --- scans -------------------------------------------------------------------------
EICAR='^Eicar-Test-Signature(\.UNOFFICIAL)?$'
# what the shipped policy does with unscannable mail (policies/policy.yaml)
HELD='^quarantine$'
# item NAME -> VERDICT_RE ACTION_RE REASON_RE (every alternative must be a reason)
item() {
    case $1 in
    control) set -- '^infected$' '^reject$' "$EICAR" ;;
    nest25) set -- '^unscannable$' "$HELD" '^Mailvet\.Limits\.MaxMimeDepth$' ;;
    partial1 | partial2) set -- '^unscannable$' "$HELD" '^Mailvet\.Unscannable\.Partial$' ;;
    partial-whole) set -- '^infected$' '^reject$' "$EICAR|^Mailvet\\.Unscannable\\.Partial\$" ;;
    noboundary | emptyboundary) set -- '^infected$' '^reject$' \
        "$EICAR|^Mailvet\\.Unscannable\\.NoBoundary\$" ;;
    noparts) set -- '^unscannable$' "$HELD" '^Mailvet\.Unscannable\.NoParts$' ;;
    nul-all | nul-one) set -- '^infected$' '^reject$' \
        "$EICAR|^Mailvet\\.Unscannable\\.BadDelimiter\$" ;;
    esc-one) set -- '^unscannable$' "$HELD" '^Mailvet\.Unscannable\.BadDelimiter$' ;;
    twotypes-mt | twoboundaries) set -- '^unscannable$' "$HELD" '^Mailvet\.Unscannable\.Conflict$' ;;
    twotypes-tm | twoencodings) set -- '^infected$' '^reject$' \
        "$EICAR|^Mailvet\\.Unscannable\\.Conflict\$" ;;
    clean | sametype | groups-normal) set -- '^clean$' '^accept$' '' ;;
    groups90k) set -- '^unscannable$' "$HELD" '^Mailvet\.Unscannable\.AddressGroups$' ;;
    groups-inner) set -- '^infected$' '^reject$' "$EICAR|^Mailvet\\.Unscannable\\.AddressGroups\$" ;;
    esac
    VERDICT_RE=$1 ACTION_RE=$2 REASON_RE=$3
}
for name in $ITEMS; do
    item "$name"
    stack=
    case $name in groups*) stack=2048 ;; esac
    (
        if [ -n "$stack" ]; then ulimit -s "$stack" || exit 125; fi
        exec "$MAILVET" scan --json -c "$W/config.yaml" -d "$SIGS" "$W/$name.eml"
    ) > "$W/$name.json" 2> "$W/$name.err"
    RC=$?
    got=$(jq -r -s '.[0] | "\(.verdict) \(.action) \(.reasons | join(","))"' "$W/$name.json" 2> /dev/null)
    if command -v clamscan > /dev/null 2>&1; then
        cs=$(clamscan --no-summary -d "$SIGS" "$W/$name.eml" 2>&1 | sed 's/^[^:]*: //' | tr '\n' ' ')
        diag "$name: mailvet: ${got:-exit $RC}; clamscan: $cs"
    fi
    want_rc=1
    [ "$VERDICT_RE" = '^clean$' ] && want_rc=0
    if [ "$RC" -eq "$want_rc" ] &&
        jq -e -s --arg v "$VERDICT_RE" --arg a "$ACTION_RE" \
            'length == 1 and (.[0] | (.verdict | test($v)) and (.action | test($a)))' \
            "$W/$name.json" > /dev/null 2>&1; then
        ok "$name: exit $want_rc, verdict $VERDICT_RE, action $ACTION_RE"
    else
        not_ok "$name: exit $want_rc, verdict $VERDICT_RE, action $ACTION_RE (got exit $RC: $got)"
        sed 's/^/#   /' "$W/$name.err"
    fi
    if [ -z "$REASON_RE" ]; then
        if jq -e -s '.[0].reasons == []' "$W/$name.json" > /dev/null 2>&1; then
            ok "$name: no reason"
        else
            not_ok "$name: no reason (got $got)"
        fi
    elif jq -e -s --arg r "$REASON_RE" \
        '.[0].reasons as $got | [$r | split("|")[] | . as $one | any($got[]; test($one))] | all' \
        "$W/$name.json" > /dev/null 2>&1; then
        ok "$name: reasons name $REASON_RE"
    else
        not_ok "$name: reasons name $REASON_RE (got $got)"
    fi
done

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
