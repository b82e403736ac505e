/* act.h - what the decided action means to the MTA, worked out without the MTA.
 * act_plan() turns a pipeline result into the answer and the header changes that
 * mailvetd applies through libmilter: the reply code and text of a reject or
 * tempfail, whether the message goes to mailvet's quarantine (store) or the MTA's
 * hold queue, and the values of our X-Mailvet-* headers and of a prefixed Subject.
 * The sender's own X-Mailvet-* headers are always removed before ours are added:
 * downstream filters may trust them.  act_plan_clear() frees a plan's strings.  No
 * libmilter, no logging: a unit test or mailvet scan can see what the MTA would be
 * told. */
#ifndef MV_ACT_H
#define MV_ACT_H

#include <stdbool.h>

#include "pipeline.h"

/* the headers mailvet adds, in this order; the sender's copies are removed */
#define ACT_HEADERS 3
extern const char *const act_headers[ACT_HEADERS]; /* X-Mailvet-Status, -Score, -Reasons */

enum act_answer {
    ACT_ACCEPT = 0, /* deliver, with the header changes below */
    ACT_REJECT,     /* code, xcode, text */
    ACT_TEMPFAIL,   /* code, xcode, text */
    ACT_DISCARD,    /* accept and deliver nothing */
    ACT_STORE,      /* into quarantine_dir; discard once it is wholly there */
    ACT_HOLD,       /* the MTA's hold queue, with the header changes below */
};

/* what of the configuration the plan depends on */
struct act_options {
    bool store;      /* quarantine_mode is store (else hold) */
    bool add_header; /* X-Mailvet-Status on accepted mail too */
};

struct act_plan {
    enum act_answer answer;
    const char *code;  /* reject and tempfail: "550", ... (borrowed) */
    const char *xcode; /* "5.7.1", ... (borrowed) */
    const char *text;  /* the reply text, one line (borrowed) */
    /* header values, NULL where that header is not added; the sender's copies of
     * act_headers are removed whenever the answer delivers the message */
    char *header[ACT_HEADERS];
    char *subject; /* the new Subject (prefixed), or NULL to leave it */
};

/* act_plan - the plan for RES; TRUNCATED: the message was cut at max_message_size,
 * so it cannot be stored whole and a quarantine becomes a hold */
void act_plan(const struct pipeline_result *res, const struct act_options *opt, bool truncated,
              struct act_plan *out);
void act_plan_clear(struct act_plan *p);
/* act_join_new - LIST comma-separated, at most MAX bytes */
char *act_join_new(const GPtrArray *list, size_t max);
/* act_hits_new - the rules that hit as "ID(score)", comma-separated, at most MAX bytes */
char *act_hits_new(const struct pipeline_result *res, size_t max);

#endif
