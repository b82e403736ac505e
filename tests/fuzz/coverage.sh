#!/bin/sh
# coverage.sh - the line coverage the fuzz corpora reach (make fuzz-coverage).
# Builds the targets with clang's source-based coverage (build.sh, FUZZ_COVERAGE=1),
# runs each once over its corpus ($top_builddir/tests/fuzz/corpus/TARGET, grown by
# run.sh, plus the seeds), and prints per target the lines covered in the modules
# it exists for, and in all of milter/libmailvet/.  Environment: as build.sh.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
out=$top_builddir/tests/fuzz
FUZZ_COVERAGE=1 sh "$top_srcdir/tests/fuzz/build.sh" >/dev/null
sh "$top_srcdir/tests/fuzz/seeds.sh" "$out/replay-message" "$out/seeds"
mkdir -p "$out/cov"

# the modules each target is about
modules() {
    case $1 in
    message) echo "spool message message_input message_prescan message_malformed message_leaves message_decode message_base64 leafsink uuscan filetype text passwords unpack container scan mvfeatures rules rules_values rules_eval wildcard policy policy_files policy_values policy_decide pipeline render digest" ;;
    policy) echo "policy policy_files policy_values policy_decide rules rules_values rules_eval wildcard yamlnode suggest" ;;
    config) echo "config yamlnode suggest" ;;
    reportcodec) echo "reportcodec" ;;
    esac
}

for t in message policy config reportcodec; do
    rm -f "$out/cov/$t".*
    mkdir -p "$out/corpus/$t"
    LLVM_PROFILE_FILE=$out/cov/$t.profraw "$out/bin-cov/fuzz_$t" -runs=0 \
        "$out/corpus/$t" "$out/seeds/$t" >"$out/cov/$t.log" 2>&1 || true
    llvm-profdata merge -o "$out/cov/$t.profdata" "$out/cov/$t.profraw"
    llvm-cov report "$out/bin-cov/fuzz_$t" -instr-profile="$out/cov/$t.profdata" \
        "$top_srcdir/milter/libmailvet" >"$out/cov/$t.report" 2>/dev/null
    inputs=$(($(ls "$out/corpus/$t" | wc -l) + $(ls "$out/seeds/$t" | wc -l)))
    echo "== $t: $inputs inputs; lines covered (covered/lines, %) per module"
    for m in $(modules "$t"); do
        awk -v f="$m.c" '{ n = split($1, p, "/") } p[n] == f {
            printf "  %-14s %6d/%-6d %s\n", f, $8 - $9, $8, $10 }' "$out/cov/$t.report"
    done
    awk '$1 == "TOTAL" { printf "  %-14s %6d/%-6d %s\n", "libmailvet (all)", $8 - $9, $8, $10 }' \
        "$out/cov/$t.report"
done
