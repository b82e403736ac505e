#!/bin/sh
# heuristics.sh [-s SEED] [-C CORPUSDIR] [-k] - detection and false-positive rates of
# the shipped policy (policies/: generic.yaml, campaigns/*.yaml and the signatures of
# policies/signatures/) on the heuristics corpus.
#
# Writes the corpus with tests/corpus/gen-corpus.py (the same bytes for the same
# SEED, default 20200608), scans every message in one "mailvet scan --json" run with
# policy_dir = $top_srcdir/policies and the bundled EICAR hash database
# (tests/samples/make-samples.sh), and prints Markdown tables
# (bench/heuristics-table.py): detection rate per campaign category, false-positive
# rate per clean category, overall rates, the three rules that come closest to the
# suspicious threshold on clean mail, and the misses and false positives one by one.
# "Flagged" is a verdict other than clean (tagged or worse); "stopped" an action
# of quarantine, reject, discard or tempfail.  No timings; nothing installed.
#   -s SEED       corpus seed
#   -C CORPUSDIR  scan the corpus in CORPUSDIR (with its MANIFEST) instead
#   -k            keep the work directory (corpus, scan.json)
# Needs python3 and a built mailvet; run from the source or the build tree.
set -eu

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAILVET=$top_builddir/milter/mailvet/mailvet
seed=20200608
corpus=
keep=
while getopts s:C:k opt; do
    case $opt in
    s) seed=$OPTARG ;;
    C) corpus=$OPTARG ;;
    k) keep=yes ;;
    *) echo "usage: heuristics.sh [-s SEED] [-C CORPUSDIR] [-k]" >&2; exit 1 ;;
    esac
done
[ -x "$MAILVET" ] || { echo "heuristics.sh: $MAILVET not built (make)" >&2; exit 1; }
command -v python3 > /dev/null 2>&1 || { echo "heuristics.sh: python3 not found (apt-get install python3)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/heuristics-bench-XXXXXX")
if [ -n "$keep" ]; then
    echo "heuristics.sh: work directory $W" >&2
else
    trap 'rm -rf "$W"' EXIT
fi
trap 'exit 1' INT TERM HUP

if [ -z "$corpus" ]; then
    corpus=$W/corpus
    python3 "$top_srcdir/tests/corpus/gen-corpus.py" -s "$seed" "$corpus" >&2
fi
[ -s "$corpus/MANIFEST" ] || { echo "heuristics.sh: $corpus/MANIFEST missing" >&2; exit 1; }
sh "$top_srcdir/tests/samples/make-samples.sh" "$W/samples" > "$W/samples.out" 2>&1 || {
    cat "$W/samples.out" >&2
    exit 1
}
mkdir -p "$W/tmp"
cat > "$W/mailvet.yaml" <<EOF
database: $W/samples/sigs
tmpdir: $W/tmp
policy_dir: $top_srcdir/policies
EOF
"$MAILVET" check-config -c "$W/mailvet.yaml" > "$W/cc.out" 2>&1 || {
    cat "$W/cc.out" >&2
    exit 1
}
# the suspicious threshold as shipped (policies/policy.yaml; 5 when it is not set)
thr=$(sed -n '/^thresholds:/,/^[^ #]/s/^ *suspicious: *\([0-9.]*\).*/\1/p' "$top_srcdir"/policies/*.yaml |
    head -1)
thr=${thr:-5}

rc=0
(cd "$corpus" && "$MAILVET" scan -c "$W/mailvet.yaml" --json ./*.eml) > "$W/scan.json" 2> "$W/scan.err" ||
    rc=$?
if [ "$rc" -ge 2 ]; then
    echo "heuristics.sh: mailvet scan exited $rc:" >&2
    head -20 "$W/scan.err" >&2
    exit 1
fi

rev=$(git -C "$top_srcdir" rev-parse --short HEAD 2> /dev/null || echo unknown)
ncamp=$(grep -c "	campaign	" "$corpus/MANIFEST" || true)
nclean=$(grep -c "	clean	" "$corpus/MANIFEST" || true)
echo "## Heuristics corpus: commit $rev, seed $seed, $ncamp campaign look-alikes, $nclean ordinary messages"
echo
echo "Policy: policies/ as shipped (suspicious threshold $thr); \`mailvet scan --json\`, exit status $rc."
echo
python3 "$top_srcdir/bench/heuristics-table.py" "$corpus/MANIFEST" "$W/scan.json" "$thr"
