#!/bin/sh
# run.sh - run the libFuzzer targets (make fuzz-run) and print, per target, the
# executions, the edges covered out of those instrumented, the corpus and findings.
# "seconds" is each target's own run time (a finding stops a target early).
# Environment: top_srcdir, top_builddir; FUZZ_SECONDS (per target, default 1800),
# FUZZ_JOBS (targets run at once, default 2), FUZZ_TARGETS (default: all four),
# FUZZ_MAX_LEN (input bytes, default 65536), FUZZ_TIMEOUT (seconds one input may take
# before it is reported, default 30; it is wall-clock time, so raise it when other
# work shares the CPUs: a starved fuzzer reports inputs that run in milliseconds).
# The corpora grow in $top_builddir/tests/fuzz/corpus/TARGET (kept between runs),
# seeded by seeds.sh; a finding is written to tests/fuzz/findings/TARGET-crash-*,
# to be fixed and copied under tests/fuzz/regressions/TARGET/.  Exit 0 when no
# target found anything, 1 otherwise.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
out=$top_builddir/tests/fuzz
seconds=${FUZZ_SECONDS:-1800}
jobs=${FUZZ_JOBS:-2}
targets=${FUZZ_TARGETS:-message policy config reportcodec}
max_len=${FUZZ_MAX_LEN:-65536}
timeout=${FUZZ_TIMEOUT:-30}

sh "$top_srcdir/tests/fuzz/seeds.sh" "$out/replay-message" "$out/seeds"
mkdir -p "$out/findings" "$out/logs"

run_one() {
    t=$1
    mkdir -p "$out/corpus/$t"
    start=$(date +%s)
    "$out/bin/fuzz_$t" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=4096 \
        -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$out/findings/$t-" \
        "$out/corpus/$t" "$out/seeds/$t" >"$out/logs/$t.log" 2>&1 || true
    echo $(($(date +%s) - start)) >"$out/logs/$t.seconds"
}

# at most $jobs targets at a time
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait

found=0
printf '%-12s %10s %8s %12s %12s %7s %9s\n' target seconds execs/s executions "edges" corpus findings
for t in $targets; do
    log=$out/logs/$t.log
    total=$(sed -n 's/.*Loaded [0-9]* modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    n=$(ls "$out/corpus/$t" | wc -l)
    f=$(ls "$out/findings" | grep -c "^$t-" || true)
    found=$((found + f))
    ran=$(cat "$out/logs/$t.seconds" 2>/dev/null)
    printf '%-12s %10s %8s %12s %12s %7s %9s\n' "$t" "${ran:-?}" "${rate:-?}" "${execs:-?}" \
        "${cov:-?}/${total:-?}" "$n" "$f"
done
[ "$found" -eq 0 ]
