#!/bin/sh
# scan-cli.sh - "mailvet scan" and "mailvet check-config" as an operator uses
# them: exit codes (0 clean, 1 found, 2 error), the --json report (verdict,
# reasons, parts with their SHA-256), stdin, -d, and config errors.
# JSON is read with jq.  TAP on stdout; env: top_srcdir, top_builddir.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

PLAN=33
echo "1..$PLAN"

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
command -v jq >/dev/null 2>&1 || bail "jq is required to read mailvet's JSON (apt-get install jq)"

work_dir scan-cli

S=$W/samples
sh "$top_srcdir/tests/samples/make-samples.sh" "$S" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
# The signatures alone, no rules: said explicitly (without a configuration the default
# policy_dir would have to be installed, or the scan is refused)
NORULES=$W/norules.yaml
printf 'policy_dir: ""\ntmpdir: %s\n' "$W" > "$NORULES"

# ClamAV marks signatures from databases it did not sign as NAME.UNOFFICIAL;
# either spelling names the EICAR signature.
EICAR_SIG='(. == "Eicar-Test-Signature" or . == "Eicar-Test-Signature.UNOFFICIAL")'

# scan NAME ARGS... - run mailvet scan; stdout in $W/NAME.json, stderr in
# $W/NAME.err, exit status in RC.
scan() {
    name=$1
    shift
    "$MAILVET" scan "$@" > "$W/$name.json" 2> "$W/$name.err"
    RC=$?
}
# jqt NAME FILTER - true if FILTER is true for the (single) JSON object.
jqt() {
    jq -e -s "length == 1 and (.[0] | $2)" "$W/$1.json" > /dev/null 2>&1
}
show() {
    diag "exit $RC; stdout:"
    sed 's/^/#   /' "$W/$1.json"
    diag "stderr:"
    sed 's/^/#   /' "$W/$1.err"
}
# want_rc NAME WANT DESC
want_rc() {
    if [ "$RC" -eq "$2" ]; then ok "$3"; else not_ok "$3"; show "$1"; fi
}
# decoded FILE.eml NAME - the decoded bytes of the base64 attachment NAME.
decoded() {
    awk -v name="$2" '
        /^--/ && inbody { exit }
        inbody { print; next }
        index($0, "filename=\"" name "\"") { found = 1; next }
        found && /^$/ { inbody = 1 }' "$1" | base64 -d
}

# --- clean ------------------------------------------------------------------
scan clean --json -c "$NORULES" -d "$S/sigs" "$S/clean.eml"
want_rc clean 0 "clean.eml: exit 0"
if jqt clean '.verdict == "clean"'; then
    ok "clean.eml: one JSON object, verdict clean"
else
    not_ok "clean.eml: one JSON object, verdict clean"; show clean
fi
check "clean.eml: file names the input" jqt clean ".file == \"$S/clean.eml\""
check "clean.eml: reasons is an empty array" jqt clean '.reasons == []'
check "clean.eml: parts list the text body and notes.txt" \
    jqt clean '(.parts | length) >= 2 and any(.parts[]; .filename == "notes.txt")'
want_sha=$(decoded "$S/clean.eml" notes.txt | sha256sum | cut -d' ' -f1)
want_size=$(decoded "$S/clean.eml" notes.txt | wc -c | tr -d ' ')
got=$(jq -r -s '.[0].parts[] | select(.filename == "notes.txt") | "\(.sha256) \(.size)"' \
    "$W/clean.json" 2>/dev/null)
if [ "$got" = "$want_sha $want_size" ]; then
    ok "notes.txt part: sha256 and size match the decoded attachment"
else
    not_ok "notes.txt part: sha256 and size match the decoded attachment"
    diag "want '$want_sha $want_size', got '$got'"
fi
check "notes.txt part: declared_type text/plain, path and detected_type present" \
    jqt clean 'any(.parts[]; .filename == "notes.txt" and .declared_type == "text/plain"
                and (.path | type) == "string" and (.path | length) > 0
                and (.detected_type | type) == "string")'

# --- infected -----------------------------------------------------------------
scan eicar --json -c "$NORULES" -d "$S/sigs" "$S/eicar.eml"
want_rc eicar 1 "eicar.eml: exit 1"
if jqt eicar ".verdict == \"infected\" and any(.reasons[]; $EICAR_SIG)"; then
    ok "eicar.eml: verdict infected, reasons has Eicar-Test-Signature"
else
    not_ok "eicar.eml: verdict infected, reasons has Eicar-Test-Signature"; show eicar
fi
want_sha=$(sha256sum < "$S/eicar.com" | cut -d' ' -f1)
check "eicar.eml: the eicar.com part's sha256 is that of the EICAR file" \
    jqt eicar "any(.parts[]; .filename == \"eicar.com\" and .sha256 == \"$want_sha\" and .size == 68)"

# EICAR where no client shows a part: in a multipart's preamble, then its epilogue
for where in preamble epilogue; do
    {
        printf 'From: a@example.com\nTo: b@example.com\nSubject: %s\nMIME-Version: 1.0\n' "$where"
        printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
        [ "$where" = preamble ] && { cat "$S/eicar.com"; echo; }
        printf -- '--b\nContent-Type: text/plain\n\nhello\n--b--\n'
        # the file ends there: the signature set matches EICAR by its MD5, so the
        # leaf must hold exactly its 68 bytes (a preamble's last line break belongs
        # to the delimiter after it, an epilogue's would be part of the leaf)
        [ "$where" = epilogue ] && cat "$S/eicar.com"
    } > "$W/eicar-$where.eml"
    scan "$where" --json -c "$NORULES" -d "$S/sigs" "$W/eicar-$where.eml"
    check "EICAR in the $where: infected, the signature on leaf \"$where\"" \
        jqt "$where" ".verdict == \"infected\" and any(.parts[]; .path == \"$where\" and any(.signatures[]; $EICAR_SIG))"
done

scan zipzip --json -c "$NORULES" -d "$S/sigs" "$S/eicar-zip-zip.eml"
want_rc zipzip 1 "eicar-zip-zip.eml (EICAR two zips deep): exit 1"
check "eicar-zip-zip.eml: verdict infected, reasons has Eicar-Test-Signature" \
    jqt zipzip ".verdict == \"infected\" and any(.reasons[]; $EICAR_SIG)"
# The inventory: every nested object with its path, depth and type; the match is
# on the innermost file, not on the zips around it.
check "eicar-zip-zip.eml: objects list invoice.zip/eicar.zip/eicar.com with depths 0, 1, 2" \
    jqt zipzip '[.objects[] | select(.path | startswith("2/")) | [.path, .depth, .type]] ==
        [["2/invoice.zip", 0, "CL_TYPE_ZIP"], ["2/invoice.zip/eicar.zip", 1, "CL_TYPE_ZIP"],
         ["2/invoice.zip/eicar.zip/eicar.com", 2, "CL_TYPE_TEXT_ASCII"]]'
check "eicar-zip-zip.eml: the signature is on eicar.com only" \
    jqt zipzip "[.objects[] | select(.signatures | length > 0) | .name] == [\"eicar.com\"]"
# The same message scanned again gives the identical inventory (ClamAV's own
# clean cache is off, so a container seen before still reports its members).
"$MAILVET" scan --json -c "$NORULES" -d "$S/sigs" "$S/eicar-zip-zip.eml" "$S/eicar-zip-zip.eml" \
    > "$W/twice.json" 2> "$W/twice.err"
check "the same message scanned twice in one run gives the identical objects list" \
    sh -c "jq -e -s 'length == 2 and (.[0].objects | length) >= 3 and .[0].objects == .[1].objects' '$W/twice.json' > /dev/null"
# A password-protected zip whose password is in the text is opened and its
# members scanned; without the password its members are still listed by name.
scan enc --json -c "$NORULES" -d "$S/sigs" "$S/eicar-enc-password.eml"
check "eicar-enc-password.eml: opened with the password from the body, EICAR found, not unscannable" \
    jqt enc ".verdict == \"infected\" and any(.objects[]; .name == \"eicar.com\" and .decrypted and .encrypted) and all(.reasons[]; startswith(\"Heuristics.Encrypted\") | not)"
scan noenc --json -c "$NORULES" -d "$S/sigs" "$S/eicar-enc-nopassword.eml"
check "eicar-enc-nopassword.eml: unscannable, the member still named, not decrypted" \
    jqt noenc ".verdict == \"unscannable\" and any(.objects[]; .name == \"eicar.com\" and .encrypted and (.decrypted | not))"

# Without --json: exit status alone tells, and the output names the signature.
scan plain -c "$NORULES" -d "$S/sigs" "$S/eicar-zip.eml"
if [ "$RC" -eq 1 ] && grep -q Eicar-Test-Signature "$W/plain.json"; then
    ok "eicar-zip.eml without --json: exit 1, output names Eicar-Test-Signature"
else
    not_ok "eicar-zip.eml without --json: exit 1, output names Eicar-Test-Signature"
    show plain
fi

# -v on names that try to write to the terminal: every line is escaped, as the
# tree is.  Each part's name (RFC 2231, so the bytes are exact) holds one control
# character, every one of 0x01-0x1f and DEL in turn, then ESC sequences, C1 CSI
# (U+009B) and invalid UTF-8; a declared type holds ESC too, and so does the
# scanned file's own name.
ctl=$(printf 'ctl-\033[2Jname.eml')
{
    printf 'From: a@example.com\nTo: b@example.com\nSubject: names\nMIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
    for nm in $(i=1; while [ $i -le 31 ]; do printf 'c%%%02X.txt ' $i; i=$((i + 1)); done) \
        'del%7Fx%01y' 'esc%1B%5B2Jclear' 'bel%07ring' 'cr%0Dforged' 'lf%0AFORGED%20LINE' \
        'csi%C2%9B31mred' 'bad%FFbyte'; do
        printf -- "--b\nContent-Type: application/octet-stream\n"
        printf "Content-Disposition: attachment; filename*=utf-8''%s\n" "$nm"
        printf 'Content-Transfer-Encoding: base64\n\naGVsbG8K\n'
    done
    printf -- '--b\nContent-Type: application/x-\033[31mred\nContent-Disposition: attachment; filename="eicar.com"\n'
    printf 'Content-Transfer-Encoding: base64\n\n%s\n--b--\n' "$(base64 -w0 < "$S/eicar.com")"
} > "$W/$ctl"
scan verbose -v -c "$NORULES" -d "$S/sigs" "$W/$ctl"
scan verbosejson --json -c "$NORULES" -d "$S/sigs" "$W/$ctl"
# the bytes printed, LF aside: no C0 control, no DEL, no C1 control (UTF-8 C2 80..9F)
if [ "$RC" -eq 1 ] && ! LC_ALL=C tr -d '\n' < "$W/verbose.json" | LC_ALL=C grep -q -P '[\x00-\x1f\x7f]|\xc2[\x80-\x9f]'; then
    ok "scan -v: exit 1, and no control character in the output but line ends"
else
    not_ok "scan -v: exit 1, and no control character in the output but line ends"
    diag "exit $RC; output (od -c):"; od -c "$W/verbose.json" | head -40 | sed 's/^/#   /'
fi
want_lines=$(jq -s '.[0] | 1 + (.objects | length) + (.parts | length) + (.hits | length)' "$W/verbosejson.json")
got_lines=$(wc -l < "$W/verbose.json" | tr -d ' ')
if [ "$got_lines" = "$want_lines" ] && [ "$(sed -n '2,$p' "$W/verbose.json" | grep -c -v '^  ')" -eq 0 ]; then
    ok "scan -v: one line per object and per part ($want_lines), none forged by a name"
else
    not_ok "scan -v: one line per object and per part ($want_lines), none forged by a name (got $got_lines)"
    sed 's/^/#   /' "$W/verbose.json"
fi
if grep -q -F 'esc\033[2Jclear' "$W/verbose.json" && grep -q -F 'lf\nFORGED LINE' "$W/verbose.json" &&
    grep -q -F 'ctl-\033[2Jname.eml: infected' "$W/verbose.json"; then
    ok "scan -v: names are written escaped (esc\\033[2Jclear, lf\\nFORGED LINE, the file's own name)"
else
    not_ok "scan -v: names are written escaped (esc\\033[2Jclear, lf\\nFORGED LINE, the file's own name)"
    sed 's/^/#   /' "$W/verbose.json"
fi

# Several files: one object each; exit 1 if any was found.
scan two --json -c "$NORULES" -d "$S/sigs" "$S/clean.eml" "$S/eicar.eml"
if [ "$RC" -eq 1 ] &&
    jq -e -s 'length == 2 and .[0].verdict == "clean" and .[1].verdict == "infected"' \
        "$W/two.json" > /dev/null 2>&1; then
    ok "two files: two JSON objects in order (clean, infected), exit 1"
else
    not_ok "two files: two JSON objects in order (clean, infected), exit 1"; show two
fi

# --- stdin ----------------------------------------------------------------------
"$MAILVET" scan --json -c "$NORULES" -d "$S/sigs" - < "$S/eicar.eml" > "$W/stdin.json" 2> "$W/stdin.err"
RC=$?
if [ "$RC" -eq 1 ] && jqt stdin '.verdict == "infected"'; then
    ok "scan - reads the message from stdin (eicar.eml: infected, exit 1)"
else
    not_ok "scan - reads the message from stdin (eicar.eml: infected, exit 1)"; show stdin
fi
"$MAILVET" scan --json -c "$NORULES" -d "$S/sigs" - < "$S/clean.eml" > "$W/stdin2.json" 2> "$W/stdin2.err"
RC=$?
want_rc stdin2 0 "scan - with clean.eml on stdin: exit 0"

# --- -d overrides the config's database ------------------------------------------
# other/ holds one hash signature for unrelated harmless bytes, no EICAR.
mkdir -p "$W/other"
printf 'harmless sample for mailvet tests\n' > "$W/other.txt"
printf '%s:%s:Mailvet.Test.Other\n' "$(md5sum < "$W/other.txt" | cut -d' ' -f1)" \
    "$(wc -c < "$W/other.txt" | tr -d ' ')" > "$W/other/other.hdb"
cat > "$W/other.yaml" <<EOF
database: $W/other
tmpdir: $W
policy_dir: ""
# the user that runs the test (check-config as root reads as "user:", mailvet by default)
user: ""
EOF
scan cfgonly --json -c "$W/other.yaml" "$S/eicar.eml"
want_rc cfgonly 0 "-c with a database lacking EICAR: eicar.eml scans clean (exit 0)"
scan override --json -c "$W/other.yaml" -d "$S/sigs" "$S/eicar.eml"
if [ "$RC" -eq 1 ] && jqt override '.verdict == "infected"'; then
    ok "-d overrides the config's database: eicar.eml infected (exit 1)"
else
    not_ok "-d overrides the config's database: eicar.eml infected (exit 1)"; show override
fi

# --- errors -------------------------------------------------------------------------
scan missing --json -c "$NORULES" -d "$S/sigs" "$W/no-such.eml"
if [ "$RC" -eq 2 ] && grep -q -F "$W/no-such.eml" "$W/missing.err"; then
    ok "a nonexistent file: exit 2, stderr names it"
else
    not_ok "a nonexistent file: exit 2, stderr names it"; show missing
fi
scan nodb --json -c "$NORULES" -d "$W/no-such-sigs" "$S/clean.eml"
if [ "$RC" -eq 2 ] && grep -q -F "$W/no-such-sigs" "$W/nodb.err"; then
    ok "a missing database directory: exit 2, stderr names it"
else
    not_ok "a missing database directory: exit 2, stderr names it"; show nodb
fi

# --- check-config ---------------------------------------------------------------------
# Line 3 has an unknown key.
cat > "$W/bad.yaml" <<EOF
database: $S/sigs
on_error: tempfail
max_partz: 10
EOF
"$MAILVET" check-config -c "$W/bad.yaml" > "$W/cc-bad.out" 2>&1
RC=$?
if [ "$RC" -ne 0 ] && grep -q -F "$W/bad.yaml:3: max_partz:" "$W/cc-bad.out"; then
    ok "check-config on a bad file: exit $RC, names $W/bad.yaml:3: max_partz:"
else
    not_ok "check-config on a bad file: non-zero, names file:line and key"
    diag "exit $RC"; sed 's/^/#   /' "$W/cc-bad.out"
fi
check "check-config on a bad file exits 78 (EX_CONFIG)" [ "$RC" -eq 78 ]

"$MAILVET" check-config -c "$W/other.yaml" > "$W/cc-good.out" 2>&1
RC=$?
# A value may be followed by a comment ("# default").
EOL=' *(#.*)?$'
# The effective config shows the file's value and the defaults of the rest.
if [ "$RC" -eq 0 ] &&
    grep -E -q "^database: *\"?$W/other\"?$EOL" "$W/cc-good.out" &&
    grep -E -q "^max_parts: *\"?1000\"?$EOL" "$W/cc-good.out" &&
    grep -E -q "^on_error: *\"?tempfail\"?$EOL" "$W/cc-good.out"; then
    ok "check-config on a good file: exit 0, prints its database and defaults (max_parts: 1000, on_error: tempfail)"
else
    not_ok "check-config on a good file: exit 0, prints its database and defaults"
    diag "exit $RC"; sed 's/^/#   /' "$W/cc-good.out"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
