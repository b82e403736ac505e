/* message_fixture.h - what the tests of the message module share (test_message.c,
 * test_message_malformed.c, test_message_header.c): the table of parse cases and its
 * runner, the limits of a case, a private temp dir for leaf files (made by
 * message_fixture_setup, which must find it empty again at teardown), the checks that
 * fail with "<case>: <what>: got X, want Y", and the main of a test program.  Test code
 * only. */
#ifndef MV_TEST_MESSAGE_FIXTURE_H
#define MV_TEST_MESSAGE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>

#include "message.h"
#include "mv.h"

#define DEFAULT_PARTS 1000
#define DEFAULT_DEPTH 20
#define DEFAULT_MEM (1024 * 1024)

/* A part's bytes end before the line break that precedes its boundary (RFC 2046 5.1.1),
 * so "first" and not "first\n" inside a multipart. */
struct want_leaf {
    const char *path;
    const char *filename; /* NULL: want NULL */
    const char *type;
    const char *disposition;
    const char *encoding;
    unsigned depth;
    unsigned flags;
    const char *data;     /* decoded bytes (NUL-terminated), or NULL to check "contains" */
    size_t size;          /* when data holds NUL bytes; 0: strlen(data) */
    const char *contains; /* substring the data must hold, when data is NULL */
};

struct parse_case {
    const char *name;
    const char *text;
    unsigned max_parts; /* 0: DEFAULT_PARTS */
    unsigned max_depth; /* 0: DEFAULT_DEPTH */
    unsigned want_flags;
    const char *want_subject;
    size_t want_count;
    struct want_leaf leaves[6];
};

/* the private temp dir of leaf files, made by message_fixture_setup */
extern char *tmpdir;

/* limits_make - limits for one case; 0 fields take the defaults */
struct message_limits limits_make(unsigned parts, unsigned depth, size_t mem);
/* sha256_hex - expected digest of LEN bytes (caller frees) */
char *sha256_hex(const void *p, size_t len);
/* check_str - compare two optional strings */
void check_str(const char *cname, const char *field, const char *got, const char *want);
/* check_leaf - compare leaf I of M with W, its bytes and digest */
void check_leaf(const char *cname, const struct message *m, size_t i, const struct want_leaf *w);
/* run_case - parse one table case (the state) from memory and check everything it names */
void run_case(void **state);
/* parse_string - parse TEXT from memory with LIM, failing the test on NULL */
struct message *parse_string(const char *cname, const char *text, size_t len,
                             const struct message_limits *lim, GByteArray **bytes);
/* write_tmp - a file in tmpdir holding TEXT, unlinked, offset left at its end */
int write_tmp(const char *text, size_t len);

/* message_fixture_main - run the NCASES table CASES, then the NEXTRA tests EXTRA, as
 * cmocka group NAME around the temp dir */
int message_fixture_main(const char *name, const struct parse_case *cases, size_t ncases,
                         const struct CMUnitTest *extra, size_t nextra);

#endif
