/* fuzz.h - what the fuzz targets share.  Each fuzz_*.c defines the two libFuzzer
 * entry points; built with clang -fsanitize=fuzzer (make fuzz, build.sh) libFuzzer
 * drives them, built with the project's compiler they are linked with replay.c,
 * which runs them once over given files (the fuzz-replay.sh test: seeds and every
 * past finding under regressions/). */
#ifndef MV_FUZZ_H
#define MV_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_workdir - a private directory for the process's files, made on first use
 * (under $TMPDIR or /tmp) and removed at exit */
const char *fuzz_workdir(void);
/* fuzz_srcdir - the source tree: $top_srcdir, else the one the binary was built from */
const char *fuzz_srcdir(void);
/* fuzz_builddir - the build tree (what the build made, such as the bundled signatures):
 * $top_builddir, else the one the binary was built in */
const char *fuzz_builddir(void);
/* fuzz_write - write LEN bytes of DATA to DIR/NAME (made or replaced); aborts on failure,
 * which is the harness failing, not the code under test */
void fuzz_write(const char *dir, const char *name, const void *data, size_t len);
/* fuzz_quiet - send the project's log to nowhere (a fuzzer prints only its own lines) */
void fuzz_quiet(void);
/* fuzz_leaks_ignore - while true, what is allocated is never reported as leaked:
 * for libclamav's engine load, whose allocations live in libclamav's own mmap()ed
 * pools where LeakSanitizer cannot see the pointers to them */
void fuzz_leaks_ignore(bool ignore);

#endif
