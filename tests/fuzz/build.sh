#!/bin/sh
# build.sh - build the libFuzzer targets (make fuzz).  The library sources and the
# targets are compiled again with clang and -fsanitize=fuzzer,address,undefined into
# $top_builddir/tests/fuzz/{obj,bin}, apart from the normal build (which may use gcc).
# Environment (make fuzz sets it): top_srcdir, top_builddir, FUZZ_CC (clang),
# FUZZ_CPPFLAGS (include flags of the libraries), FUZZ_LIBS (their link flags).
# A source is recompiled when it is newer than its object, and everything when a
# header changed.  With FUZZ_COVERAGE=1 the same targets are built with clang's
# source-based coverage instead of the sanitizers, into {obj,bin}-cov, for
# coverage.sh.  Exit 0 when every target is built, 1 otherwise.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "build.sh: $cc not found (Debian: clang, libclang-rt-14-dev)" >&2
    exit 1
fi
out=$top_builddir/tests/fuzz
obj=$out/obj
bin=$out/bin
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ "${FUZZ_COVERAGE:-}" = 1 ]; then
    obj=$out/obj-cov
    bin=$out/bin-cov
    san="-fprofile-instr-generate -fcoverage-mapping"
fi
mkdir -p "$obj" "$bin"
cflags="-g -O1 -std=gnu11 $san -include $top_builddir/ac-config.h -I$top_srcdir/milter/libmailvet \
 -I$top_srcdir/tests/fuzz -DFUZZ_SRCDIR=\"$top_srcdir\" -DFUZZ_BUILDDIR=\"$top_builddir\" -DSYSCONFDIR=\"/etc\" \
 -DLOCALSTATEDIR=\"/var\" -DRUNSTATEDIR=\"/run\" ${FUZZ_CPPFLAGS:-}"

# a changed header (a struct's layout) makes every object stale
stamp=$obj/.headers
for h in "$top_builddir/ac-config.h" "$top_srcdir"/milter/libmailvet/*.h "$top_srcdir/tests/fuzz/fuzz.h"; do
    if [ ! -f "$stamp" ] || [ "$h" -nt "$stamp" ]; then
        rm -f "$obj"/*.o
        break
    fi
done
touch "$stamp"

compile() { # SRC OBJ [extra flags]
    if [ ! -f "$2" ] || [ "$1" -nt "$2" ]; then
        echo "  CC (fuzz) $(basename "$1")"
        # shellcheck disable=SC2086
        $cc $cflags ${3:-} -c "$1" -o "$2"
    fi
}

objs=
for src in "$top_srcdir"/milter/libmailvet/*.c; do
    o=$obj/$(basename "$src" .c).o
    compile "$src" "$o" -fsanitize=fuzzer-no-link
    objs="$objs $o"
done
compile "$top_srcdir/tests/fuzz/fuzzlib.c" "$obj/fuzzlib.o" -fsanitize=fuzzer-no-link
for t in message policy config reportcodec; do
    compile "$top_srcdir/tests/fuzz/fuzz_$t.c" "$obj/fuzz_$t.o" -fsanitize=fuzzer-no-link
    echo "  LD (fuzz) fuzz_$t"
    # shellcheck disable=SC2086
    $cc -g $san -fsanitize=fuzzer -o "$bin/fuzz_$t" "$obj/fuzz_$t.o" \
        "$obj/fuzzlib.o" $objs ${FUZZ_LIBS:-} -lpthread
done
echo "fuzz targets in $bin: fuzz_message fuzz_policy fuzz_config fuzz_reportcodec"
