/* quarantine_fixture.h - what the tests of the quarantine module share
 * (test_quarantine.c, test_quarantine_purge.c, test_quarantine_release.c): a store
 * directory under a temp dir of the group (setup, teardown; fresh empties it before each
 * case), one fixed message, envelope and scan result to store, and the views of the
 * store the checks read.  Test code only. */
#ifndef MV_TEST_QUARANTINE_FIXTURE_H
#define MV_TEST_QUARANTINE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"

extern char top[];    /* the group's temp dir */
extern char dir[128]; /* the store, inside it */
extern const char *const rcpt_list[2];
extern const char scan_json[];
extern const char message[];

/* setup, teardown - the group's temp dir; fresh - an empty store for one case */
int setup(void **state);
int teardown(void **state);
int fresh(void **state);
/* store_qid - one entry with queue id QID, the fixed client and message; its id into ID
 * (RCPT NULL: rcpt_list) */
enum mv_status store_qid(const char *qid, const char *sender, const char *rcpt, const char *json,
                         char *id, struct mv_err *err);
/* store - the same with the fixed queue id */
enum mv_status store(const char *sender, const char *rcpt, const char *json, char *id,
                     struct mv_err *err);
/* names - the file names in the store, sorted, space-separated, lock files left out
 * (caller frees) */
char *names(void);
/* count_files - files whose names end in SUFFIX or start with PREFIX */
int count_files(const char *prefix, const char *suffix);
/* list - the entries filter F lists; list_len - how many */
GPtrArray *list(const struct quarantine_filter *f);
guint list_len(const struct quarantine_filter *f);
/* read_file - the text of file NAME of the store, or NULL (caller frees) */
char *read_file(const char *name);
/* rec_string - string member KEY of record REC, borrowed */
const char *rec_string(JsonNode *rec, const char *key);

#endif
