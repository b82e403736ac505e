#!/bin/sh
# decode.sh - what rules read decoded from objects, as "mailvet scan" shows it, and
# the behaviour rules of policies/generic.yaml that read it, on harmless documents
# made by tests/samples/make-decode-samples.py (with mkoffice.py):
#   - VBA (libclamav's decompressed module source) of .docm, .doc, .xlam, .ppam, .pptm, also
#     inside a zip and inside an attached message: OFFICE_MACRO_FETCH_EXECUTE hits
#     and the JSON's objects[].decoded.vba holds the source; a legitimate macro (runs
#     on open but fetches and runs nothing, or links to a help page) does not hit;
#   - Excel 4.0 formulas of a BIFF8 .xls (also zipped) and of an .xlsm's macro sheet:
#     the rule hits and decoded.xlm holds EXEC( (and Auto_Open for the .xls); a macro sheet that only shows an ALERT
#     does not hit it;
#   - RTF with the Equation Editor's class after 6 KB of text, its hex broken by
#     line breaks, blanks, case and control words, and no \objclass: RTF_EQUATION_EXPLOIT
#     hits (also zipped under a .doc name) and decoded.ole_class names Equation.3;
#     the same RTF with a Package object does not hit; a large ordinary RTF (an object,
#     then 200 KB of text) is clean, its rules decided within the regex limits, with
#     the default window and with content_window: 16M;
#   - HTML smuggling by four idioms (Blob + createObjectURL + download + click inside a
#     zip, msSaveOrOpenBlob inside a zip, a data: link with download, atob of a large
#     base64 payload into a File inside a zip): HTML_SMUGGLING hits; an HTML report
#     with an ordinary download link does not;
#   - the budget: the decoded bytes count against max_message_scan_size, to the byte;
#   - content_window: "mailvet check-config" refuses 1K with one line naming the key
#     and its bounds; a rule that needs the end of a 7 KB module sees it with the
#     default window (64K) and not with content_window: 4K.
# TAP on stdout; env: top_srcdir, top_builddir; KEEP_WORK=1 keeps the work directory.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
command -v jq > /dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"
command -v python3 > /dev/null 2>&1 || bail "python3 is required to make the samples"

work_dir decode

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
python3 "$top_srcdir/tests/samples/make-decode-samples.py" "$W/m" > "$W/gen.out" 2>&1 ||
    bail "make-decode-samples.py failed: $(cat "$W/gen.out")"

mkdir -p "$W/tmp"
CONF=$W/mailvet.yaml
cat > "$CONF" << EOF
database: $W/samples/sigs
tmpdir: $W/tmp
policy_dir: $top_srcdir/policies
EOF

PLAN=51
echo "1..$PLAN"

# scan NAME [CONF] - the JSON report of $W/m/NAME.eml in $W/NAME.json
scan() {
    "$MAILVET" scan -c "${2:-$CONF}" --json "$W/m/$1.eml" > "$W/$1.json" 2> "$W/$1.err"
    rc=$?
    if [ "$rc" -gt 1 ] || ! jq -e . "$W/$1.json" > /dev/null 2>&1; then
        diag "$1: mailvet scan exited $rc: $(cat "$W/$1.err")"
        return 1
    fi
}

# hits NAME RULE - the report of NAME lists a hit of RULE
hits() {
    jq -e --arg id "$2" '[.hits[].id] | index($id) != null' "$W/$1.json" > /dev/null 2>&1
}

# expect NAME hit|miss RULE
expect() {
    if [ ! -s "$W/$1.json" ]; then
        not_ok "$1: $3 ($2): no report"
        return
    fi
    if hits "$1" "$3"; then
        got=hit
    else
        got=miss
    fi
    if [ "$2" = hit ]; then what="hits $3"; else what="does not hit $3"; fi
    if [ "$got" = "$2" ]; then
        ok "$1: $what"
    else
        not_ok "$1: $what"
        diag "hits: $(jq -c '[.hits[].id]' "$W/$1.json")"
    fi
}

# decoded NAME FIELD REGEX - some object's decoded FIELD matches REGEX (jq test, "i")
decoded() {
    if jq -e --arg f "$2" --arg re "$3" \
        '[.objects[].decoded[$f] // empty | test($re; "i")] | any' "$W/$1.json" > /dev/null 2>&1; then
        ok "$1: decoded.$2 matches /$3/"
    else
        not_ok "$1: decoded.$2 matches /$3/"
        diag "decoded: $(jq -c '[.objects[].decoded | select(. != {})]' "$W/$1.json" | cut -c1-400)"
    fi
}

for s in docm-fetch-exec doc-fetch-exec xlam-fetch-exec ppam-fetch-exec \
    docm-in-zip-fetch-exec docm-in-message docm-legit xlsm-legit-link xls-xlm-fetch-exec \
    xls-xlm-in-zip xls-xlm-legit xlsm-xlm-fetch-exec pptm-fetch-exec rtf-equation-late-broken rtf-equation-in-zip rtf-package \
    smuggle-blob-zip smuggle-mssave-zip smuggle-data-uri smuggle-atob-zip html-report-zip csv-export-zip iso-export-zip; do
    scan "$s"
done

# --- VBA ------------------------------------------------------------------------------
for s in docm-fetch-exec doc-fetch-exec xlam-fetch-exec ppam-fetch-exec pptm-fetch-exec \
    docm-in-zip-fetch-exec docm-in-message; do
    expect "$s" hit OFFICE_MACRO_FETCH_EXECUTE
done
decoded docm-fetch-exec vba 'urldownloadtofile 0, "http://payload\.example\.invalid/a\.exe"'
decoded doc-fetch-exec vba 'sub autoopen\(\)'
decoded xlam-fetch-exec vba 'sub workbook_open\(\)'
decoded docm-in-message vba 'createobject\("MSXML2\.XMLHTTP"\)'
expect docm-fetch-exec hit OFFICE_VBA_AUTOEXEC_SHELL
expect docm-legit miss OFFICE_MACRO_FETCH_EXECUTE
expect docm-legit miss OFFICE_VBA_AUTOEXEC_SHELL
expect docm-legit hit OFFICE_VBA_MACRO
decoded docm-legit vba 'applynumberdefault'
expect xlsm-legit-link miss OFFICE_MACRO_FETCH_EXECUTE

# --- XLM ------------------------------------------------------------------------------
expect xls-xlm-fetch-exec hit OFFICE_MACRO_FETCH_EXECUTE
expect xls-xlm-fetch-exec hit OFFICE_XLM_MACRO
expect xls-xlm-fetch-exec hit OFFICE_XLM_AUTO_OPEN
decoded xls-xlm-fetch-exec xlm '(^|[[:space:]])Auto_Open([[:space:]]|$)'
decoded xls-xlm-fetch-exec xlm 'EXEC\("rundll32 '
decoded xls-xlm-fetch-exec xlm 'CALL\("urlmon","URLDownloadToFileA"'
expect xls-xlm-in-zip hit OFFICE_MACRO_FETCH_EXECUTE
expect xls-xlm-in-zip hit AVADDON_XLM_NOTICE
expect xlsm-xlm-fetch-exec hit OFFICE_MACRO_FETCH_EXECUTE
decoded xlsm-xlm-fetch-exec xlm 'EXEC\("rundll32 '
expect xls-xlm-legit miss OFFICE_MACRO_FETCH_EXECUTE
expect xls-xlm-legit hit OFFICE_XLM_MACRO

# --- RTF ------------------------------------------------------------------------------
expect rtf-equation-late-broken hit RTF_EQUATION_EXPLOIT
decoded rtf-equation-late-broken ole_class '^Equation\.3$'
decoded rtf-equation-late-broken rtf_object '^0105000002000000[0-9a-f]+$'
expect rtf-equation-in-zip hit RTF_EQUATION_EXPLOIT
expect rtf-package miss RTF_EQUATION_EXPLOIT
# a large ordinary RTF with an object: decided within the regex limits, whatever the window
sed 's/^policy_dir:.*/&\ncontent_window: 16M/' "$CONF" > "$W/16m.yaml"
for c in "$CONF" "$W/16m.yaml"; do
    scan rtf-large-legit "$c"
    v=$(jq -r '.verdict + " " + (.reasons | join(","))' "$W/rtf-large-legit.json")
    if [ "$v" = "clean " ]; then
        ok "rtf-large-legit ($(grep -o 'content_window.*' "$c" || echo default window)): clean, no regex limit"
    else
        not_ok "rtf-large-legit ($(grep -o 'content_window.*' "$c" || echo default window)): clean, no regex limit"
        diag "got: $v"
    fi
done
decoded rtf-package ole_class '^Package$'

# --- HTML smuggling --------------------------------------------------------------------
for s in smuggle-blob-zip smuggle-mssave-zip smuggle-data-uri smuggle-atob-zip; do
    expect "$s" hit HTML_SMUGGLING
done
decoded smuggle-blob-zip script 'createObjectURL'
expect html-report-zip miss HTML_SMUGGLING
# the same calls for a web application's CSV export are not smuggling; for a disk
# image they are
expect csv-export-zip miss HTML_SMUGGLING
expect iso-export-zip hit HTML_SMUGGLING
decoded html-report-zip script 'sortTable'

# --- content_window --------------------------------------------------------------------
sed 's/^policy_dir:.*/&\ncontent_window: 1K/' "$CONF" > "$W/small.yaml"
"$MAILVET" check-config -c "$W/small.yaml" > "$W/small.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "content_window" "$W/small.out" && grep -q "4K" "$W/small.out" &&
    [ "$(grep -c . "$W/small.out")" -eq 1 ]; then
    ok "content_window: 1K is refused (exit $rc) with one line naming the key and the bound"
else
    not_ok "content_window: 1K is refused (exit $rc) with one line naming the key and the bound"
    diag "$(cat "$W/small.out")"
fi
# a module of 6000 bytes and more: its decoded source stops at the window
python3 - "$top_srcdir/tests/samples" "$W/m/big-macro.eml" << 'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import email.message, email.policy
import mkoffice
src = "Sub AutoOpen()\n" + "".join("    ' INERT-TEST-FIXTURE line %d of a long comment block\n" % i
                                    for i in range(150)) + "End Sub\n"
msg = email.message.EmailMessage(policy=email.policy.SMTP)
msg["From"] = "sender@example.com"
msg["To"] = "rcpt@example.com"
msg["Subject"] = "big macro"
msg.set_content("INERT-TEST-FIXTURE\n")
msg.add_attachment(mkoffice.ooxml_with_vba("docm", {"Module1": src}), maintype="application",
                   subtype="octet-stream", filename="big.docm")
open(sys.argv[2], "wb").write(msg.as_bytes())
EOF
# a rule that needs the module's last line, past 4096 bytes, sees it with the
# default window and not with 4K
mkdir -p "$W/pol"
cat > "$W/pol/end.yaml" << 'EOF'
rules:
  - id: MACRO_END_SEEN
    category: suspicious
    score: 1
    match: {object: {vba: {regex: '(?i)end sub'}}}
EOF
printf 'database: %s\ntmpdir: %s\npolicy_dir: %s\n' "$W/samples/sigs" "$W/tmp" "$W/pol" > "$W/end64.yaml"
printf 'content_window: 4K\n' | cat "$W/end64.yaml" - > "$W/end4.yaml"
scan big-macro "$W/end64.yaml"
expect big-macro hit MACRO_END_SEEN
scan big-macro "$W/end4.yaml"
expect big-macro miss MACRO_END_SEEN

# --- the budget ------------------------------------------------------------------------
# decoded bytes count against max_message_scan_size: S bytes of objects and D of
# decoded source fit in S + D, not in S + D - 1
S=$(jq '[.objects[].size] | add' "$W/docm-fetch-exec.json")
D=$(jq '[.objects[].decoded[] | length] | add' "$W/docm-fetch-exec.json")
for m in $((S + D)) $((S + D - 1)); do
    printf 'max_message_scan_size: %s\n' "$m" | cat "$CONF" - > "$W/budget.yaml"
    scan docm-fetch-exec "$W/budget.yaml"
    v=$(jq -r '.verdict + " " + (.reasons | join(","))' "$W/docm-fetch-exec.json")
    if [ "$m" -eq $((S + D)) ]; then
        case $v in
        unscannable*) not_ok "max_message_scan_size $m (objects $S + decoded $D): fits"; diag "got: $v" ;;
        *) ok "max_message_scan_size $m (objects $S + decoded $D): fits ($v)" ;;
        esac
    else
        case $v in
        unscannable*Mailvet.Limits.MaxMessageScanSize*) ok "max_message_scan_size $m: one byte short, unscannable (Mailvet.Limits.MaxMessageScanSize)" ;;
        *) not_ok "max_message_scan_size $m: one byte short, unscannable (Mailvet.Limits.MaxMessageScanSize)"; diag "got: $v" ;;
        esac
    fi
done

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ] && [ "$n" -eq "$PLAN" ]
