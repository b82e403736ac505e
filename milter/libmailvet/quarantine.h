/* quarantine.h - mailvet's own quarantine: held messages an operator reviews,
 * releases or deletes (mailvet quarantine ...).
 *
 * Store: a directory (quarantine_dir, 0700, owned by the daemon's user) holding per
 * entry ID.eml (the message as the MTA passed it: headers, blank line, body) and
 * ID.json (the record), both 0600.  Each file is written to a temporary name in the
 * same directory, fsynced, renamed, and the directory fsynced: the .eml first, the
 * .json last, so an entry exists exactly when its .json does; leftovers of a write
 * killed midway (temporary files, an .eml without .json) are never listed and are
 * removed by purge.  IDs: 26 characters of Crockford base32, the first 10 the time
 * in milliseconds (so names sort by time) and 16 random (g_random / getrandom):
 * unguessable and safe as file names; every ID given on a command line is checked
 * against that form before it touches a path.
 * Index: an append-only index file (one line per event: "add", "state") lets list
 * answer from the index alone, newest first, without reading every record; a lost or
 * damaged index is rebuilt from the records.
 * Record (JSON): the envelope, the scan result (as mailvet scan --json), the state and
 * its history; quarantine_record*.c alone know its fields (the list in quarantine_record.c),
 * and other
 * code reads a record through the functions below.
 * Release: the .eml re-injected by SMTP (smtp_client.h) to
 * quarantine_release_host:port (default 127.0.0.1:10026, a Postfix smtpd without
 * milters), with the original envelope or the --to recipients; the state becomes
 * released only after the server's 250 to the DATA.
 * Retention: purge removes entries older than an age and, oldest first, until the
 * store is under a total size.
 * Files: quarantine.c (ids, the directory, store, read, state changes, release),
 * quarantine_index.c (the index file), quarantine_list.c (filters, list, the view),
 * quarantine_record.c (record schema; its views in quarantine_record_view.c and
 * quarantine_record_detail.c), quarantine_purge.c (retention); quarantine_internal.h is
 * what they share. */
#ifndef MV_QUARANTINE_H
#define MV_QUARANTINE_H

#include <glib.h>
#include <stdio.h>

#include <json-glib/json-glib.h>

#include "mv.h"

#define QUARANTINE_ID_LEN 26

/* What the daemon knows of a message when it quarantines it. */
struct quarantine_meta {
    const char *queue_id;
    const char *client_addr;
    const char *sender;          /* envelope, without <> */
    const GPtrArray *recipients; /* char *, without <> */
    const char *record_json;     /* the scan result: a JSON object with verdict,
                                  * action, score, reasons, hits, objects (render.c);
                                  * merged into the record */
    unsigned generation;
    const char *host; /* the holding host's name (the PostgreSQL store), or NULL */
};

/* quarantine_check - whether the daemon, as the user it runs as, can store in DIR:
 * it is made (0700) when missing, must not let group or others in, and must be
 * writable.  MV_EIO with err saying what is wrong and how to fix it. */
enum mv_status quarantine_check(const char *dir, struct mv_err *err);

/* quarantine_store - write one entry in DIR from the message bytes (DATA in memory,
 * or FD read from offset 0 when DATA is NULL), SIZE bytes; ID_OUT receives the id
 * (QUARANTINE_ID_LEN + 1 bytes).  MV_OK only when the entry is wholly on disk;
 * MV_EIO with err naming the file and reason otherwise (nothing is left listed). */
enum mv_status quarantine_store(const char *dir, const void *data, int fd, size_t size,
                                const struct quarantine_meta *meta, char *id_out,
                                struct mv_err *err);

/* quarantine_id_valid - ID has the form of a quarantine id (never a path) */
bool quarantine_id_valid(const char *id);

/* ---- decisions of the module (the header above is the contract; these complete it) ----
 * Files in DIR: ID.eml, ID.json, "index" (below), ".lock" (flock: index appends,
 * rebuilds, record updates and purge take it; a store holds it only for its index
 * line), ".lock-entries" (the entries' locks, below), and temporaries ".tmp-ID.eml-XXXXXXXX" /
 * ".tmp-ID.json-XXXXXXXX" while a write is in flight.  Every file is created
 * O_CREAT|O_EXCL|O_NOFOLLOW, 0600; when root (the tool) creates one it is chowned to the
 * directory's owner, so that the daemon's user can still append to the index and rewrite records.
 * Directory: quarantine_store() creates DIR (one level, 0700) when missing.  A DIR that
 * is a symlink, not a directory, or open to group or others (mode & 077) is refused
 * with a message naming it and its mode: mailvet never chmods it, the operator does.
 * Index: first line "mailvet-quarantine-index 3", then one line per event, fields
 * separated by TAB, bytes below '!', '%', ',' and DEL in a field written as %XX, and
 * last a CHECK, the first 8 hex digits of the SHA-256 of the line before its TAB:
 *   add   ID TIME SIZE STATE VERDICT SCORE SENDER RCPT,RCPT.. REASON,.. CAMPAIGN,..
 *         QUEUE_ID SUBJECT RULE,.. SIGNATURE,.. CHECK
 *   state ID TIME STATE CHECK
 * (TIME in Unix seconds; SUBJECT at most QUARANTINE_SUBJECT_MAX bytes of it).  An index
 * of an older version (1, 2: without queue id, subject, rules and signatures) is
 * rebuilt from the records like a damaged one.  Each line is one write(2) with O_APPEND under the
 * lock; a line not ended by '\n' (torn by a crash) is closed without a check by the next append.
 * Each load verifies the index: its header, every line (its check, its fields, a state line's entry
 * added before), and its entries against the records in the directory (a record it lacks, an entry
 * without a record; a record whose entry lock is held is a store in flight).  Any doubt, the header
 * of version 1 included, and the index is rebuilt from the records, under the lock after looking
 * again, and the load says so in one line (list's note, purge's).  A record that cannot be read or
 * parsed, or names another id, is in the index as damaged: its id, the time of its file, the size
 * of its .eml; list shows it, purge removes it by age and size like any other, and delete replaces
 * it by a record of the deletion.  A store creates the index only when its record is the only one
 * in DIR (the first store); otherwise it appends to an index that exists and leaves a missing one
 * to the rebuild.  Purge rewrites the index compacted (one add line per entry, its state folded
 * in).  A store killed between its .json and its index line leaves an entry that list shows after
 * the next purge (which adopts records the index lacks) or rebuild; the MTA, which got no answer,
 * delivers the message again meanwhile. Entry locks: every change of one entry holds that entry's
 * lock, a write lock (fcntl F_OFD_SETLK) on one byte of .lock-entries at an offset its id's random
 * part gives, so that changes of one entry by any process (the tool, the daemon, purge, a console)
 * never interleave: release from reading the record, through the SMTP transaction, to
 * writing it back; delete; a store from its first file to its index line; purge for
 * each entry it removes.  It is taken before .lock, never while holding it (purge,
 * which holds .lock, only tries it once and leaves a busy entry for the next purge).
 * Release and delete wait for it up to 2 s and then fail "busy: ..." (MV_EIO),
 * changing nothing.  The kernel drops the lock with the process that held it.
 * States: held -> released (after the MTA's 250; a released entry may be released
 * again, e.g. --to someone else) ; held|released -> deleted: delete removes the .eml
 * and keeps the record, state deleted, as the audit trail (who deleted what, when);
 * deleted is final (the state is read again under .lock before any change: a deleted
 * record is never changed back, deleting it again changes nothing);
 * purge removes both files of an entry whatever its state. */

enum quarantine_state {
    QUARANTINE_HELD = 0,
    QUARANTINE_RELEASED,
    QUARANTINE_DELETED,
    QUARANTINE_DAMAGED, /* a record that cannot be read or parsed (list only) */
};
const char *quarantine_state_name(enum quarantine_state s);
/* quarantine_state_parse - name to state; false for an unknown name */
bool quarantine_state_parse(const char *name, enum quarantine_state *out);

#define QUARANTINE_SUBJECT_MAX 300 /* bytes of the subject the index keeps (whole characters) */

/* One entry as the index knows it (list).  Owned by the array list returns. */
struct quarantine_entry {
    char id[QUARANTINE_ID_LEN + 1];
    gint64 time;  /* Unix seconds */
    guint64 size; /* message bytes */
    enum quarantine_state state;
    double score;
    char *verdict;
    char *sender;
    GPtrArray *recipients; /* char * */
    GPtrArray *reasons;    /* char * */
    GPtrArray *campaigns;  /* char *, from hits[].campaign */
    char *queue_id;        /* the MTA's queue id, or NULL */
    char *subject;         /* decoded, at most QUARANTINE_SUBJECT_MAX bytes, or NULL */
    GPtrArray *rules;      /* char *, hits[].id */
    GPtrArray *signatures; /* char *, every signature that matched a part or an object */
    char *host;            /* the host that holds it (the PostgreSQL store), or NULL */
};

/* Filters of list; zero / NULL fields do not filter, and every field set must hold.
 * Globs are wildcard.h's (case folded; a word without '*', '?' or '[' matches
 * exactly). */
struct quarantine_filter {
    gint64 since, until;   /* Unix seconds, inclusive; 0 = unbounded */
    const char *campaign;  /* glob against each campaign */
    const char *reason;    /* glob against each reason */
    const char *sender;    /* glob against the envelope sender */
    const char *recipient; /* glob against each recipient */
    int state;             /* enum quarantine_state, or -1 for any */
    const char *queue_id;  /* the queue id, exactly (case matters, as in Postfix) */
    const char *subject;   /* glob against the subject */
    const char *verdict;   /* the verdict, exactly (case ignored) */
    const char *rule;      /* glob against each rule that hit */
    const char *signature; /* glob against each signature */
    guint64 min_size;      /* bytes, inclusive; 0 = unbounded */
    guint64 max_size;      /* bytes, inclusive; 0 = unbounded */
};

#define QUARANTINE_NOTE_MAX 256 /* one line: "quarantine: index damaged (...), rebuilt ..." */

/* quarantine_list_new - the entries of DIR that pass FILTER, newest first, answered
 * from the index, verified first and rebuilt from the records when missing or damaged:
 * NOTE (QUARANTINE_NOTE_MAX bytes, may be NULL; "" when there is nothing to say) then
 * holds one line for the program to print, as "quarantine: index damaged (line 17),
 * rebuilt from 1234 records (1 damaged)".  A record that cannot be read or parsed is
 * an entry in state damaged (its id, its file's time, its message's size).  A DIR that
 * does not exist is an empty list.  NULL with err (MV_EIO) when DIR is refused or
 * unreadable. */
GPtrArray *quarantine_list_new(const char *dir, const struct quarantine_filter *filter, char *note,
                               struct mv_err *err);

/* quarantine_record_new - the record of ID parsed (caller unrefs); NULL with err:
 * MV_EPARSE for an id of the wrong form or a damaged record (not JSON, not an object,
 * not ID's record: err says what), MV_EIO naming the file otherwise (errno ENOENT in
 * err->msg: an unknown id) */
JsonNode *quarantine_record_new(const char *dir, const char *id, struct mv_err *err);
/* quarantine_record_state - the state a record (quarantine_record_new) names; held when
 * it names none */
enum quarantine_state quarantine_record_state(JsonNode *record);
/* quarantine_record_text_new - the record as "mailvet quarantine show" prints it: one
 * "label: value" line per field, then reasons, hits, the object tree and the history;
 * control characters the sender may have put in are shown as '?'.  Caller frees. */
char *quarantine_record_text_new(JsonNode *record);
/* A record read into C, for a view that shows each field in its place (the console's
 * detail page); every string is the record's own (sender-controlled ones included: the
 * view escapes them), NULL when the record lacks it.  quarantine_detail_free frees
 * all. */
struct quarantine_detail_hit {
    char *id, *campaign, *category, *description;
    double score;
    GPtrArray *objects; /* char *: the paths that made it hit */
};
struct quarantine_detail_part {
    char *path, *filename, *declared_type, *detected_type, *sha256;
    guint64 size;
    GPtrArray *signatures; /* char * */
};
struct quarantine_detail_object {
    char *path, *name, *type;
    guint64 size;
    unsigned depth;
    bool encrypted, decrypted, type_mismatch;
    GPtrArray *signatures; /* char * */
};
struct quarantine_detail_event {
    char *state, *time, *by, *detail;
};
struct quarantine_detail {
    char *id, *time, *state, *damaged, *queue_id, *client_addr, *sender, *subject;
    char *verdict, *action, *policy;
    char *host;                      /* the holding host, or NULL */
    GPtrArray *recipients, *reasons; /* char * */
    guint64 size;
    double score;
    unsigned generation;
    GPtrArray *hits;    /* struct quarantine_detail_hit * */
    GPtrArray *parts;   /* struct quarantine_detail_part * */
    GPtrArray *objects; /* struct quarantine_detail_object *, in the order inspected */
    GPtrArray *history; /* struct quarantine_detail_event *, oldest first */
};
/* quarantine_detail_new - RECORD (quarantine_record_new) read into a detail (caller
 * frees with quarantine_detail_free); NULL when RECORD is not an object */
struct quarantine_detail *quarantine_detail_new(JsonNode *record);
/* quarantine_detail_free - returns NULL */
struct quarantine_detail *quarantine_detail_free(struct quarantine_detail *d);

/* quarantine_entry_json_new - an entry (quarantine_list_new) as a JSON object: id, time
 * (RFC 3339, UTC), size, state, verdict, score, sender, recipients, reasons, campaigns,
 * queue_id, subject, rules, signatures, and host when it has one.  Caller unrefs. */
JsonNode *quarantine_entry_json_new(const struct quarantine_entry *e);
/* quarantine_exists - ID has a record in DIR (an invalid id never has) */
bool quarantine_exists(const char *dir, const char *id);
/* quarantine_eml_open - ID's message for reading (O_NOFOLLOW), -1 with err */
int quarantine_eml_open(const char *dir, const char *id, struct mv_err *err);

/* Where and how release re-injects. */
struct quarantine_release_opts {
    const char *host;    /* quarantine_release_host */
    unsigned port;       /* quarantine_release_port */
    const GPtrArray *to; /* char *: recipients instead of the record's; NULL/empty = original */
    const char *by;      /* who releases, for the history */
    unsigned timeout_ms; /* connect and each SMTP reply; 0 = 120 s */
    char *sent_to;       /* may be NULL: receives "HOST:PORT" where the message went
                          * (QUARANTINE_SENT_TO_MAX bytes) */
};
#define QUARANTINE_SENT_TO_MAX 300

/* quarantine_release - send ID's message by SMTP (RFC 5321: EHLO (HELO if refused),
 * MAIL FROM, every RCPT TO (all must be accepted: all or none), DATA dot-stuffed with
 * CRLF line ends, QUIT); after the server's 250 to the final dot the record becomes
 * released with the reply in its history; all under the entry's lock.  MV_EIO with err
 * (the SMTP reply, the socket error, or "busy: ..." when another process holds the
 * entry for more than 2 s) on any failure, and the record stays as it was. */
enum mv_status quarantine_release(const char *dir, const char *id,
                                  const struct quarantine_release_opts *opts, struct mv_err *err);

/* quarantine_delete - ID's .eml removed, the record kept with state deleted, under the
 * entry's lock (MV_EIO "busy: ..." when another process holds it for more than 2 s).
 * A damaged record is replaced by a record of the deletion that says why (member
 * "damaged"). */
enum mv_status quarantine_delete(const char *dir, const char *id, const char *by,
                                 struct mv_err *err);

struct quarantine_purge_stats {
    guint removed;         /* entries removed */
    guint64 removed_bytes; /* their files' bytes */
    guint leftovers;       /* temporaries and .eml without .json removed */
    guint kept;            /* entries left */
    guint64 kept_bytes;
    guint busy;                     /* entries due to go but left: another process held them */
    char note[QUARANTINE_NOTE_MAX]; /* "" or, when the index was damaged, as list's note */
};

/* quarantine_purge - remove entries older than MAX_AGE seconds (before NOW), then the
 * oldest until the files of the entries left total at most MAX_SIZE bytes, damaged
 * records as the others (by the time in their id); remove leftovers of killed writes
 * older than an hour; rewrite the index compacted (stats->note when it was damaged). */
enum mv_status quarantine_purge(const char *dir, guint64 max_age, guint64 max_size, gint64 now,
                                struct quarantine_purge_stats *stats, struct mv_err *err);

/* quarantine_entry_free - for g_ptr_array_new_with_free_func */
void quarantine_entry_free(gpointer entry);
/* quarantine_entry_dup - a copy of E (quarantine_entry_free) */
struct quarantine_entry *quarantine_entry_dup(const struct quarantine_entry *e);

/* ---- the view: the index kept in memory, for a long-running reader (the console) ----
 * A view loads DIR's index as list does (verified against the records, rebuilt when
 * damaged) and keeps its entries; each refresh then reads only the lines appended to
 * the index since (it is append-only), and loads it whole again when it was replaced
 * (purge compacts it, a rebuild rewrites it: another inode), cut shorter, or a new line
 * does not verify.  So a page of a store of 100,000 entries is answered without reading
 * the index or a record.  Not thread-safe: one caller at a time (the console holds a
 * mutex). */
struct quarantine_view;

/* quarantine_view_new - a view of DIR, empty until its first refresh */
struct quarantine_view *quarantine_view_new(const char *dir);
/* quarantine_view_free - returns NULL */
struct quarantine_view *quarantine_view_free(struct quarantine_view *v);
/* quarantine_view_refresh - V brought up to date with the index; NOTE as list's (may be
 * NULL); MV_EIO with err when DIR is refused or unreadable (V keeps what it had).
 * *RELOADED (may be NULL) says whether the index was read whole. */
enum mv_status quarantine_view_refresh(struct quarantine_view *v, char *note, bool *reloaded,
                                       struct mv_err *err);
/* quarantine_view_page_new - the entries of V that pass FILTER (NULL: all), newest first:
 * LIMIT of them after skipping OFFSET, as copies (caller unrefs the array); *TOTAL (may
 * be NULL) how many pass in all */
GPtrArray *quarantine_view_page_new(const struct quarantine_view *v,
                                    const struct quarantine_filter *filter, guint offset,
                                    guint limit, guint *total);
/* quarantine_view_count - the entries V holds */
guint quarantine_view_count(const struct quarantine_view *v);

/* quarantine_test_fail_write - for unit tests: the NTH data write(2) of a store from
 * now on fails with ENOSPC (1 = the next); 0 turns it off */
void quarantine_test_fail_write(unsigned nth);

#endif
