/* unpack_fixture.h - what the tests of the unpack module share (test_unpack.c,
 * test_unpack_passwords.c): the archives the group builds in a temp dir (group_setup,
 * group_teardown) with zip and, when installed, 7z (plain, password-protected with
 * "secret", AES, mixed, encrypted 7z content and headers, 200 members, a member over the
 * size limit, concatenated and nested zips), ar, and zstd and xz --format=lzma streams,
 * from harmless text files and EICAR (tests/samples/eicar.sh), so that extracted bytes
 * can be compared with the originals; the default limits, password lists, and a sample
 * opened and its members checked.  Test code only. */
#ifndef MV_TEST_UNPACK_FIXTURE_H
#define MV_TEST_UNPACK_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "unpack.h"

struct fixture {
    char *dir;   /* temp dir holding the files and the archives */
    bool has_7z; /* the 7z command is there (p7zip-full) */
};

/* the limits of most cases: far above what the samples need */
extern const struct unpack_limits default_limits;

/* group_setup, group_teardown - the temp dir with the files and archives (the state),
 * and its removal */
int group_setup(void **state);
int group_teardown(void **state);
/* slurp - the bytes of DIR/NAME */
GBytes *slurp(const char *dir, const char *name);
/* candidates - a password list from a NULL-terminated argument list */
GPtrArray *candidates(const char *first, ...);
/* open_sample - unpack_open on DIR/NAME; fails the test unless it returns WANT */
void open_sample(const struct fixture *f, const char *name, const GPtrArray *passwords,
                 const struct unpack_limits *lim, struct unpack_result *res, enum mv_status want);
/* member - the member called NAME; fails the test if there is none */
const struct unpack_member *member(const struct unpack_result *res, const char *name);
/* assert_same_bytes - member NAME was extracted and equals the file DIR/NAME */
void assert_same_bytes(const struct fixture *f, const struct unpack_result *res, const char *name);

#endif
