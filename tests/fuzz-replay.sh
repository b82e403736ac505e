#!/bin/sh
# fuzz-replay.sh - the fuzz targets (tests/fuzz/fuzz_*.c, built with replay.c) over
# their seed corpora (fuzz/seeds.sh) and over every input a fuzzer once failed on
# (fuzz/regressions/TARGET/*).  A target that crashes, aborts on a broken invariant
# or trips a sanitizer (in an --enable-asan build) fails its check.
. "$top_srcdir/tests/lib.sh"
work_dir fuzz-replay
bin=$top_builddir/tests/fuzz
echo "1..$((4 + $(find "$top_srcdir/tests/fuzz/regressions" -mindepth 2 -type f | wc -l)))"

if ! sh "$top_srcdir/tests/fuzz/seeds.sh" "$bin/replay-message" "$W/seeds" >"$W/seeds.log" 2>&1; then
    diag "$(cat "$W/seeds.log")"
    bail "seeds.sh failed"
fi

for t in message policy config reportcodec; do
    seeds=$(ls "$W/seeds/$t" | wc -l)
    if "$bin/replay-$t" "$W/seeds/$t" >"$W/$t.out" 2>"$W/$t.err" &&
        [ "$(grep -c '^ok ' "$W/$t.out")" -eq "$seeds" ]; then
        ok "$t target over its $seeds seeds"
    else
        not_ok "$t target over its $seeds seeds"
        diag "$(tail -n 20 "$W/$t.err")"
    fi
    for f in "$top_srcdir/tests/fuzz/regressions/$t"/*; do
        [ -f "$f" ] || continue
        if "$bin/replay-$t" "$f" >"$W/r.out" 2>"$W/r.err" && grep -q '^ok ' "$W/r.out"; then
            ok "$t regression $(basename "$f")"
        else
            not_ok "$t regression $(basename "$f")"
            diag "$(tail -n 20 "$W/r.err")"
        fi
    done
done
exit 0
