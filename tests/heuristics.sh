#!/bin/sh
# heuristics.sh - the shipped policy (policies/) on what issue 20 asked it to see:
# names that only an archive's header keeps (gzip FNAME), containers that libarchive
# reads and libclamav does not (LHA/LZH levels 0-2, ar, zstd, LZ4, LZMA, compress),
# encrypted 7z with and without encrypted headers, the max_files limit and damage in
# an LHA archive, lure words in 13 languages,
# bidirectional marks that are ordinary in Hebrew and Arabic names against the
# override that spoofs an extension, a web page's XMLHTTP fallback against a
# downloader, and the campaigns.md heuristics added with them (remote templates and
# OLE objects, Enable Content pictures, Netwalker, Maze, REvil).
#
# tests/samples/make-heur-samples.py builds the samples and three tables:
#   expect.tsv  FILE hit|miss RULE_ID   "mailvet scan --json" lists the hit, or not
#   show.tsv    FILE TEXT               "mailvet scan -v" (what an operator reads)
#                                       prints TEXT: a member's name, a reason, an action
#   score.tsv   FILE min|max N          the score is >= N, or < N
# The config: policy_dir = $top_srcdir/policies, database = the EICAR hash of
# tests/samples/make-samples.sh.  Needs python3, jq, 7z (p7zip-full), zstd, lz4, xz.
# TAP on stdout; env: top_srcdir, top_builddir; KEEP_WORK=1 keeps the work directory.
set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet

. "$top_srcdir/tests/lib.sh"

[ -x "$MAILVET" ] || bail "$MAILVET not built"
for t in python3 jq 7z zstd lz4 xz; do
    command -v "$t" >/dev/null 2>&1 || bail "$t is required (.ci/install-deps.sh installs it)"
done

work_dir heuristics

sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 ||
    bail "make-samples.sh failed: $(cat "$W/samples.out")"
python3 "$top_srcdir/tests/samples/make-heur-samples.py" "$W/h" > "$W/gen.out" 2>&1 ||
    bail "make-heur-samples.py failed: $(cat "$W/gen.out")"
[ -s "$W/h/expect.tsv" ] || bail "make-heur-samples.py wrote no expect.tsv"

mkdir -p "$W/tmp"
CONF=$W/mailvet.yaml
cat > "$CONF" <<EOF
database: $W/samples/sigs
tmpdir: $W/tmp
policy_dir: $top_srcdir/policies
# the user that runs the test (check-config as root reads as "user:", mailvet by default)
user: ""
EOF

nexpect=$(grep -c . "$W/h/expect.tsv")
nshow=$(grep -c . "$W/h/show.tsv")
nscore=$(grep -c . "$W/h/score.tsv")
PLAN=$((1 + nexpect + nshow + nscore + 2 + 1))
echo "1..$PLAN"

if "$MAILVET" check-config -c "$CONF" > "$W/cc.out" 2>&1; then
    ok "check-config accepts policy_dir $top_srcdir/policies"
else
    not_ok "check-config accepts policy_dir $top_srcdir/policies"
    sed 's/^/#   /' "$W/cc.out"
fi

# every sample once, as JSON and as the operator's text report
(cd "$W/h" && "$MAILVET" scan -c "$CONF" --json ./*.eml) > "$W/all.json" 2> "$W/all.err"
mkdir -p "$W/r"
for f in "$W"/h/*.eml; do
    b=$(basename "$f")
    jq -c "select(.file == \"./$b\")" "$W/all.json" > "$W/r/$b.json" 2> /dev/null
    (cd "$W/h" && "$MAILVET" scan -c "$CONF" -v "./$b") > "$W/r/$b.txt" 2>&1
done
# jqf FILE FILTER - FILTER holds for FILE's one report
jqf() {
    jq -e -s "length == 1 and (.[0] | $2)" "$W/r/$1.json" > /dev/null 2>&1
}
summary() {
    diag "$(jq -r -s '.[0] | "verdict \(.verdict), action \(.action), score \(.score), hits: \([.hits[]? | "\(.id)(\(.score))"] | join(" ")), reasons: \(.reasons | join(" "))"' "$W/r/$1.json" 2>/dev/null)"
    sed 's/^/#   /' "$W/r/$1.txt" | head -20
}

tab=$(printf '\t')
while IFS="$tab" read -r file kind rule; do
    [ -n "$file" ] || continue
    case $kind in
    hit)
        if jqf "$file" "any(.hits[]?; .id == \"$rule\")"; then
            ok "$file: hits $rule"
        else
            not_ok "$file: hits $rule"; summary "$file"
        fi
        ;;
    miss)
        if jqf "$file" "(.hits | type) == \"array\" and all(.hits[]; .id != \"$rule\")"; then
            ok "$file: does not hit $rule"
        else
            not_ok "$file: does not hit $rule"; summary "$file"
        fi
        ;;
    *) bail "expect.tsv: unknown kind '$kind'" ;;
    esac
done < "$W/h/expect.tsv"

while IFS="$tab" read -r file text; do
    [ -n "$file" ] || continue
    if grep -q -F -- "$text" "$W/r/$file.txt"; then
        ok "$file: mailvet scan -v shows '$text'"
    else
        not_ok "$file: mailvet scan -v shows '$text'"; summary "$file"
    fi
done < "$W/h/show.tsv"

while IFS="$tab" read -r file kind bound; do
    [ -n "$file" ] || continue
    case $kind in
    min) f=".score >= $bound"; d="score >= $bound" ;;
    max) f=".score < $bound"; d="score < $bound" ;;
    *) bail "score.tsv: unknown kind '$kind'" ;;
    esac
    if jqf "$file" "$f"; then ok "$file: $d"; else not_ok "$file: $d"; summary "$file"; fi
done < "$W/h/score.tsv"

# the same limits as for any archive: a listing cut at max_files is a limit hit
printf 'max_files: 1\n' | cat "$CONF" - > "$W/files1.yaml"
(cd "$W/h" && "$MAILVET" scan -c "$W/files1.yaml" -v ./lzh-two.eml) > "$W/files1.txt" 2>&1
if grep -q 'lzh-two.eml: unscannable (Heuristics.Limits.Exceeded.MaxFiles' "$W/files1.txt" &&
    grep -q 'action=quarantine' "$W/files1.txt"; then
    ok "lzh-two.eml with max_files: 1: unscannable (Heuristics.Limits.Exceeded.MaxFiles), quarantined"
else
    not_ok "lzh-two.eml with max_files: 1: unscannable (Heuristics.Limits.Exceeded.MaxFiles), quarantined"
    sed 's/^/#   /' "$W/files1.txt" | head -20
fi

# the samples are inert and name only reserved hosts
bad=
for f in "$W"/h/*.eml; do
    grep -q INERT-TEST-FIXTURE "$f" || bad="$bad $(basename "$f")"
done
if [ -z "$bad" ]; then
    ok "every sample carries INERT-TEST-FIXTURE"
else
    not_ok "every sample carries INERT-TEST-FIXTURE"; diag "missing in:$bad"
fi
others=$(cat "$W"/h/*.eml | grep -a -o -E '(@|https?://)[A-Za-z0-9.-]+\.[A-Za-z]+' |
    sed -E 's/^(@|https?:\/\/)//' | tr 'A-Z' 'a-z' |
    grep -v -E '(^|\.)(example\.com|example\.net|invalid)$' | sort -u | tr '\n' ' ')
if [ -z "$others" ]; then
    ok "the samples name only example.com, example.net and .invalid hosts"
else
    not_ok "the samples name only example.com, example.net and .invalid hosts"; diag "others: $others"
fi

[ "$n" -eq "$PLAN" ] || diag "ran $n tests, planned $PLAN"
[ "$failed" -eq 0 ]
