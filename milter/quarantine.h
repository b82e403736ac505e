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
 * Record (JSON): id, time (RFC 3339, UTC), queue_id, client_addr, sender,
 * recipients[], size, verdict, action, score, reasons[], hits[] (as mailvet scan
 * --json), objects[] (the inventory), generation, state (held | released | deleted),
 * history[] {state, time, by, detail}.
 * Release: the .eml re-injected by SMTP (EHLO, MAIL FROM, RCPT TO per recipient, DATA
 * with dot-stuffing, QUIT) to quarantine_release_host:port (default 127.0.0.1:10026,
 * a Postfix smtpd without milters), with the original envelope or the --to
 * recipients; the state becomes released only after the server's 250 to the DATA.
 * Retention: purge removes entries older than an age and, oldest first, until the
 * store is under a total size. */
#ifndef MV_QUARANTINE_H
#define MV_QUARANTINE_H

#include <glib.h>
#include <stdio.h>

#include "mailvet.h"

#define QUARANTINE_ID_LEN 26

/* What the daemon knows of a message when it quarantines it. */
struct quarantine_meta {
    const char *queue_id;
    const char *client_addr;
    const char *sender;           /* envelope, without <> */
    const GPtrArray *recipients;  /* char *, without <> */
    const char *record_json;      /* the scan result: a JSON object with verdict,
                                   * action, score, reasons, hits, objects (report.c);
                                   * merged into the record */
    unsigned generation;
};

/* quarantine_store - write one entry in DIR from the message bytes (DATA in memory,
 * or FD read from offset 0 when DATA is NULL), SIZE bytes; ID_OUT receives the id
 * (QUARANTINE_ID_LEN + 1 bytes).  MV_OK only when the entry is wholly on disk;
 * MV_EIO with err naming the file and reason otherwise (nothing is left listed). */
enum mv_status quarantine_store(const char *dir, const void *data, int fd, size_t size,
                                const struct quarantine_meta *meta, char *id_out,
                                struct mv_err *err);

/* quarantine_id_valid - ID has the form of a quarantine id (never a path) */
bool quarantine_id_valid(const char *id);

#endif
