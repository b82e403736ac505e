/* mvfeatures.h - what rules read about one message: the envelope, decoded headers, the
 * body text, the attachments (MIME leaves) and every object of the inventory at any
 * depth, with the first bytes of its content.
 * features_new() (mvfeatures.c; named so because <features.h> is glibc's) builds them from a parsed
 * message, its scan reports and the envelope; strings and bytes are borrowed from those (they must
 * outlive the features), the arrays are owned and freed by features_free().  Read-only once built;
 * not shared between threads. */
#ifndef MV_FEATURES_H
#define MV_FEATURES_H

#include <stdint.h>

#include <glib.h>

#include "message.h"
#include "scan.h"

/* bytes of body text rules see (text/plain and text/html leaves, HTML made text) */
#define FEATURES_BODY_BYTES (256 * 1024)

/* The envelope as the MTA gave it, for rules and policy; every field may be NULL. */
struct features_envelope {
    const char *sender;          /* MAIL FROM address without <>, "" for the null sender */
    const GPtrArray *recipients; /* char *, RCPT TO addresses without <> */
    const char *client_addr;
    const char *auth; /* {auth_authen}: set for authenticated (outbound) mail */
};

/* One object of the inventory: a MIME leaf (depth 0) or anything found inside one. */
struct feature_object {
    const char *path; /* "2/invoice.zip/payload.exe" */
    const char *name; /* base name as reported, or NULL */
    const char *type; /* "CL_TYPE_MSEXE", "MV_TYPE_ACE" ... */
    uint64_t size;
    unsigned depth; /* 0 for the MIME leaf itself */
    bool encrypted;
    bool type_mismatch;
    const GPtrArray *signatures; /* char *, matches attributed to this object */
    const unsigned char *head;   /* first bytes of its content, or NULL if unknown */
    size_t head_len;             /* at most the content window (content_window) */
    /* content decoded from it, by enum scan_decoded (vba, xlm, ...), or NULL */
    const unsigned char *decoded[SCAN_DECODED_N];
    size_t decoded_len[SCAN_DECODED_N];
    int parent;          /* index into features.objects, -1 at depth 0 */
    unsigned members;    /* objects directly below it (an archive's members) */
    unsigned attachment; /* index into features.attachments of its MIME leaf */
};

/* One MIME leaf as the sender declared it. */
struct feature_attachment {
    const char *path;          /* MIME position "2", "2.1" */
    const char *name;          /* decoded file name, or NULL */
    const char *declared_type; /* "application/zip" */
    const char *disposition;   /* "attachment", "inline" or NULL */
    uint64_t size;
    const char *sha256;
    bool residue; /* a multipart's preamble or epilogue, not a part:
                   * attachment predicates skip it */
};

struct features {
    struct features_envelope env;
    const char *subject;  /* decoded UTF-8, or NULL */
    const char *from;     /* From header, decoded, or NULL */
    const char *reply_to; /* Reply-To header, decoded, or NULL */
    /* every header field in order: names[i] (as written) and values[i] (decoded) */
    GPtrArray *header_names;
    GPtrArray *header_values;
    char *body; /* owned: the text rules see, at most FEATURES_BODY_BYTES */
    size_t body_len;
    GArray *attachments; /* struct feature_attachment */
    GArray *objects;     /* struct feature_object, in inventory order */
};

/* features_new - the features of MSG with its per-leaf REPORTS (NREPORTS, one per
 * leaf, in leaf order) and ENV (copied by value; its strings borrowed) */
struct features *features_new(const struct message *msg, const struct scan_report *reports,
                              size_t nreports, const struct features_envelope *env);
struct features *features_free(struct features *f);

/* features_header_get - value of the first header named NAME (case-insensitive), or NULL */
const char *features_header_get(const struct features *f, const char *name);

#endif
