/* quarantine_internal.h - what the files of the quarantine module share, and nothing
 * outside them includes: the store directory (struct qdir, quarantine.c), the index
 * (quarantine_index.c) and the record's schema (quarantine_record.c); list and the view
 * (quarantine_list.c) read what the index loads.  purge
 * (quarantine_purge.c) uses all three.  The file layout and the index format are
 * described in quarantine.h.  Every function here follows the module's rules: it never
 * logs, and fills the caller's struct mv_err (which may be NULL) with the path. */
#ifndef MV_QUARANTINE_INTERNAL_H
#define MV_QUARANTINE_INTERNAL_H

#include <sys/types.h>

#include <dirent.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"

#define INDEX_NAME "index"      /* the index file in the store */
#define TMP_PREFIX ".tmp-"      /* temporaries of a write in flight */
#define ENTRY_LOCK_WAIT_MS 2000 /* how long delete and release wait for an entry */

/* ---- quarantine.c: ids, the directory, its files ---- */

/* An open store directory: files are reached with *at() calls relative to fd. */
struct qdir {
    int fd;
    const char *path;
    uid_t uid; /* owner: files root creates are given to it */
    gid_t gid;
};

/* quarantine_id_ms - the milliseconds encoded in the first 10 characters of a valid id */
gint64 quarantine_id_ms(const char *id);
/* quarantine_name_id - the id of a file named "ID" SUFFIX into ID (QUARANTINE_ID_LEN + 1
 * bytes); false for any other name */
bool quarantine_name_id(const char *name, const char *suffix, char *id);
/* quarantine_write_all - N bytes to FD or false with errno (EINTR and short writes
 * retried; the quarantine_test_fail_write seam applies) */
bool quarantine_write_all(int fd, const void *data, size_t n);

/* qdir_open - open and check DIR; CREATE makes it (0700) when missing.  False with err;
 * *MISSING (may be NULL) tells a directory that does not exist and was not created. */
bool qdir_open(struct qdir *d, const char *dir, bool create, bool *missing, struct mv_err *err);
/* qdir_close - close D (safe twice) */
void qdir_close(struct qdir *d);
/* qdir_list - a directory stream over D from its first entry (caller closedir()s it;
 * D stays open); NULL with err (MV_EIO) */
DIR *qdir_list(const struct qdir *d, struct mv_err *err);
/* qdir_sync - fsync D so that renames and unlinks are durable */
enum mv_status qdir_sync(const struct qdir *d, struct mv_err *err);
/* qdir_lock - flock(LOCK_EX) on D/.lock; the fd (>= 0) is the lock, close releases it;
 * -1 with err */
int qdir_lock(const struct qdir *d, struct mv_err *err);
/* qdir_entry_lock - ID's lock, which every change of one entry holds (release over its
 * SMTP transaction and state change, delete, store until its index line, purge while it
 * removes it): a write lock on one byte of D/.lock-entries, taken before D/.lock when
 * both are; retried for WAIT_MS while another holds it.  The fd (>= 0) is the lock,
 * close releases it; -1 with err ("busy: ..." and *BUSY, which may be NULL, true when
 * another held it all along). */
int qdir_entry_lock(const struct qdir *d, const char *id, unsigned wait_ms, bool *busy,
                    struct mv_err *err);
/* qdir_write_file - NAME in D holds exactly DATA, atomically (temporary, fsync, rename,
 * directory fsync) */
enum mv_status qdir_write_file(const struct qdir *d, const char *name, const void *data,
                               size_t size, struct mv_err *err);
/* qdir_read - the whole of NAME in D (at most MAX bytes), NUL-terminated, its length in
 * *LEN (may be NULL); NULL with err.  The caller frees. */
char *qdir_read(const struct qdir *d, const char *name, size_t max, size_t *len,
                struct mv_err *err);
/* qdir_record_load - ID.json of D parsed: a JSON object node whose "id" is ID (caller
 * unrefs); NULL with err naming the file: MV_EPARSE when the record is damaged (not
 * JSON, not an object, another id), MV_EIO when it cannot be read */
JsonNode *qdir_record_load(const struct qdir *d, const char *id, struct mv_err *err);

/* quarantine_id_make - a fresh id into OUT (QUARANTINE_ID_LEN + 1 bytes); false with errno */
bool quarantine_id_make(char *out);
/* quarantine_release_check - the sender and recipients of a release can be sent (RCPTS
 * not empty, each an address smtp_client.c sends); MV_EIO with err naming ID otherwise */
enum mv_status quarantine_release_check(const char *id, const char *sender, const GPtrArray *rcpts,
                                        struct mv_err *err);
/* quarantine_release_detail_new - the history's note of a delivery to HOST:PORT for
 * RCPTS with the server's REPLY (caller frees) */
char *quarantine_release_detail_new(const char *host, unsigned port, const GPtrArray *rcpts,
                                    const char *reply);

/* quarantine_message_new - SIZE bytes of DATA, or of FD read from offset 0 when DATA is
 * NULL, in memory (caller frees); NULL with err (MV_ENOMEM, MV_EIO) */
char *quarantine_message_new(const void *data, int fd, size_t size, struct mv_err *err);

/* ---- quarantine_list.c ---- */

/* quarantine_list_filtered - the entries of ALL (which owns none of them: no free func)
 * that pass FILTER (may be NULL), in ALL's order, in a new array that owns them; the rest
 * are freed, and ALL with them */
GPtrArray *quarantine_list_filtered(GPtrArray *all, const struct quarantine_filter *filter);

/* ---- quarantine_index.c: entries and the index file ---- */

/* quarantine_entry_new - an empty entry with empty lists (quarantine_entry_free) */
struct quarantine_entry *quarantine_entry_new(void);
/* quarantine_index_entries_new - an id -> entry table that owns its entries */
GHashTable *quarantine_index_entries_new(void);
/* quarantine_index_add_line - the "add" line of E, '\n' included, appended to OUT */
void quarantine_index_add_line(GString *out, const struct quarantine_entry *e);
/* One line of the index, parsed. */
struct quarantine_index_event {
    bool add;                       /* an "add" line; else a "state" line */
    struct quarantine_entry *entry; /* add: the entry (the caller owns it) */
    char id[QUARANTINE_ID_LEN + 1]; /* the entry added or changed */
    enum quarantine_state state;    /* state: the new state */
};
/* quarantine_index_line_parse - LINE (without its '\n'; modified) verified by its check
 * and parsed into EV; false when it is not a good line of this format */
bool quarantine_index_line_parse(char *line, struct quarantine_index_event *ev);
/* quarantine_index_parse - the events of the index TEXT (modified) into ENTRIES; false
 * with WHY ("damaged (line 17)", "of an older format (version 1)" ...) at the first
 * sign of damage (ENTRIES then holds what came before it) */
bool quarantine_index_parse(char *text, size_t len, GHashTable *entries, char *why, size_t size);
/* quarantine_index_append - one LINE to D's index (caller holds the lock); a torn last
 * line is closed first.  A missing index is created only by the first store (FIRST_ID,
 * when its record is the only one), else left to the next rebuild. */
enum mv_status quarantine_index_append(const struct qdir *d, const char *line, const char *first_id,
                                       struct mv_err *err);
/* quarantine_index_append_state - the "state" line of ID's change to STATE at NOW
 * appended (caller holds the lock) */
enum mv_status quarantine_index_append_state(const struct qdir *d, const char *id, gint64 now,
                                             enum quarantine_state state, struct mv_err *err);
/* quarantine_index_entry_load - the entry of ID's record in D, or a damaged entry (its
 * id, its file's time, its message's size; *DAMAGED, may be NULL, true) when the record
 * cannot be read or parsed or is not ID's; NULL when D has no ID.json */
struct quarantine_entry *quarantine_index_entry_load(const struct qdir *d, const char *id,
                                                     bool *damaged);
/* quarantine_index_scan - every record of D into ENTRIES (quarantine_index_entry_load);
 * *RECORDS and *DAMAGED (may be NULL) count them */
enum mv_status quarantine_index_scan(const struct qdir *d, GHashTable *entries, guint *records,
                                     guint *damaged, struct mv_err *err);
/* quarantine_index_in_flight - another process holds ID's entry lock (a record the index
 * lacks is then a store that has not written its line yet) */
bool quarantine_index_in_flight(const struct qdir *d, const char *id);
/* quarantine_index_why_counts - WHY: "damaged (MISSING records missing from it, STALE
 * entries without a record)", naming only the counts that are not zero */
void quarantine_index_why_counts(char *why, size_t size, guint missing, guint stale);
/* quarantine_index_note - NOTE (QUARANTINE_NOTE_MAX bytes, may be NULL): "quarantine:
 * index WHY, rebuilt from RECORDS records (DAMAGED damaged)" */
void quarantine_index_note(char *note, const char *why, guint records, guint damaged);
/* quarantine_index_sorted_new - ENTRIES' values newest first (borrowed pointers; the
 * caller frees the array) */
GPtrArray *quarantine_index_sorted_new(GHashTable *entries);
/* quarantine_index_load - D's entries (an id -> entry table) from its index, verified,
 * or rebuilt from the records (NOTE, may be NULL, says why); NULL with err when D
 * cannot be read */
GHashTable *quarantine_index_load(const struct qdir *d, char *note, struct mv_err *err);
/* quarantine_index_write - a fresh index of ENTRIES, oldest first (caller holds the
 * lock) */
enum mv_status quarantine_index_write(const struct qdir *d, GHashTable *entries,
                                      struct mv_err *err);

/* ---- quarantine_record.c: the record's schema ---- */

/* quarantine_record_build - the record text (pretty JSON) of a new entry ID stored at
 * NOW (Unix seconds) with SIZE message bytes, and in *ENTRY what the index keeps of it
 * (caller frees both); NULL with err (MV_EPARSE) when meta->record_json is not a JSON
 * object */
char *quarantine_record_build(const char *id, gint64 now, size_t size,
                              const struct quarantine_meta *meta, struct quarantine_entry **entry,
                              struct mv_err *err);
/* quarantine_record_entry_new - what the index keeps of the record ROOT; NULL when ROOT
 * is not a record (not an object, no valid id) */
struct quarantine_entry *quarantine_record_entry_new(JsonNode *root);
/* quarantine_record_change_new - ROOT given STATE and a history event (NOW, BY, DETAIL,
 * which may be NULL), and returned as the record's new text (caller frees) */
char *quarantine_record_change_new(JsonNode *root, enum quarantine_state state, gint64 now,
                                   const char *by, const char *detail);
/* quarantine_record_damaged_new - the text of a record that replaces ID's damaged one
 * (stored at FILE_TIME, damaged as WHY says) when BY deletes it at NOW: id, time, state
 * deleted, "damaged": WHY, and the history of the deletion (caller frees) */
char *quarantine_record_damaged_new(const char *id, gint64 file_time, const char *why, gint64 now,
                                    const char *by);

/* quarantine_record_lists_new - the list fields of E (recipients, reasons, campaigns,
 * rules, signatures) as the text of one JSON object of arrays (caller frees) */
char *quarantine_record_lists_new(const struct quarantine_entry *e);
/* quarantine_record_lists_read - the lists of TEXT (quarantine_record_lists_new; may be
 * NULL) appended to E's */
void quarantine_record_lists_read(struct quarantine_entry *e, const char *text);
/* quarantine_record_parse - the record TEXT of ID as a JSON object node (caller unrefs);
 * NULL with err (MV_EPARSE) when it is not JSON, not an object or not ID's record */
JsonNode *quarantine_record_parse(const char *id, const char *text, struct mv_err *err);

/* The record's members as quarantine_record_view.c and quarantine_record_detail.c read
 * them. */
/* quarantine_record_rfc3339_new - Unix seconds as "2024-05-01T10:00:00Z" (caller frees) */
char *quarantine_record_rfc3339_new(gint64 unix_seconds);
/* quarantine_record_array - member KEY of O if it is an array, else NULL */
JsonArray *quarantine_record_array(JsonObject *o, const char *key);
/* quarantine_record_strings - the strings of array member KEY of O into LIST */
void quarantine_record_strings(JsonObject *o, const char *key, GPtrArray *list);
/* quarantine_record_string - member KEY of O if it is a string, else NULL */
const char *quarantine_record_string(JsonObject *o, const char *key);
/* quarantine_record_number - member KEY of O as a double (0 when absent) */
double quarantine_record_number(JsonObject *o, const char *key);

#endif
