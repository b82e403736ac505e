/* policy.h - what to do with a message: the policy files of a directory, loaded as
 * one unit with their rules.
 *
 * policy_load(DIR) reads, in this order, the .yaml files of DIR then those of
 * DIR/campaigns, each
 * group sorted by name, skipping "mailvet.yaml" (the daemon's own configuration may
 * sit beside them).  Every file is a mapping whose keys are any of:
 *
 *   rules: [...]                 heuristics, see rules.h
 *   thresholds:                  score -> verdict (at most one file sets each)
 *     suspicious: 5              total score at or above: at least suspicious
 *     campaign: 10               at or above, with a hit of category campaign:
 *                                campaign
 *   actions:                     verdict -> action (accept tag quarantine reject
 *     infected: reject           tempfail discard)
 *     campaign: reject
 *     unscannable: quarantine
 *     suspicious: tag
 *     clean: accept
 *   score_actions:               at or above a score, at least this action
 *     - {score: 15, action: reject}
 *   replies:                     SMTP reply per action that has one
 *     reject:   {code: 550, xcode: 5.7.1, text: "Message rejected: %{verdict} (%{reasons})"}
 *     tempfail: {code: 451, xcode: 4.7.1, text: "Try again later"}
 *                                %{verdict} %{reasons} %{score} %{campaign} %{queue_id}
 *                                are replaced; the text is one line, printable ASCII
 *   tag:
 *     headers: true              X-Mailvet-Status, X-Mailvet-Score, X-Mailvet-Reasons
 *     subject_prefix: "[SUSPICIOUS] "   "" for none
 *   allow:                       listed mail is accepted whatever rules or score say;
 *     senders: [GLOB, ...]       never a ClamAV detection (infected), which keeps its
 *     recipients: [GLOB, ...]    action; a recipient entry covers that recipient only
 *   block:                       listed mail gets the block action (default reject)
 *     senders: [GLOB, ...]
 *     recipients: [GLOB, ...]
 *     action: reject
 *   domains:                     per recipient domain (exact, or "*.example.com"
 *     example.net:               for its subdomains): any of actions, score_actions,
 *       actions: {suspicious: quarantine}    replies, tag, allow, block, which
 *       tag: {subject_prefix: "[SPAM?] "}    replace the global ones for recipients
 *                                            of that domain
 * GLOB: an address "user@example.com" or a domain "example.com" or "@example.com"
 * (every address of the domain), ignoring ASCII case; or, with '*', '?' or '[', a glob
 * over the whole address ("*@*.example.com") in the dialect of wildcard.h, the one rule
 * globs use, case folded beyond ASCII too.
 *
 * Defaults (no directory, or keys nobody sets): thresholds suspicious 5 and campaign
 * 10; actions infected and campaign reject, unscannable quarantine, suspicious tag,
 * clean accept; score_actions [{score: 10, action: quarantine}]; replies reject 550 5.7.1 "Message
 * rejected: %{verdict} (%{reasons})" and tempfail 451 4.7.1 "Message deferred: %{verdict}
 * (%{reasons})"; tag headers true and no subject prefix.
 * A key left without a value (its items commented out) sets nothing, except where that
 * would remove a protection: score_actions, and a domain's block.senders and
 * block.recipients, are then refused; [] is their deliberate "none".
 *
 * Each error names FILE:LINE; policy_load() reports every error of every file and
 * returns NULL, so a broken file never half-loads.  A loaded policy is read-only and
 * shared by threads. */
#ifndef MV_POLICY_H
#define MV_POLICY_H

#include <glib.h>

#include "mv.h"
#include "rules.h"

struct policy;

struct policy_request {
    enum mv_verdict verdict; /* from policy_verdict() */
    double score;
    const char *sender;               /* envelope, without <>; "" for the null sender */
    const GPtrArray *recipients;      /* char *, without <> */
    const GPtrArray *reasons;         /* char *: signatures, limits, rule ids */
    const struct rules_result *rules; /* hits, may be NULL */
    const char *queue_id;             /* for %{queue_id}, may be NULL */
};

struct policy_decision {
    enum mv_action action; /* the strictest over the recipients */
    char *reply_code;      /* "550"; NULL for actions without a reply */
    char *reply_xcode;     /* "5.7.1" */
    char *reply_text;      /* expanded, one line */
    bool headers;          /* add X-Mailvet-Status/Score/Reasons */
    char *subject_prefix;  /* NULL for none */
    char *note;            /* for the log, or NULL: "allow sender
                            * *@example.com", "recipients disagree:
                            * a.example=reject b.example=tag, strictest
                            * reject" */
};

/* policy_load - DIR's policy files and rules; DIR NULL or "" gives the built-in
 * defaults with no rules.  NULL with every error in ERR */
struct policy *policy_load(const char *dir, struct mv_err *err);
struct policy *policy_free(struct policy *p);
const struct rules *policy_rules(const struct policy *p);
/* policy_file_count - files loaded, for the log */
unsigned policy_file_count(const struct policy *p);
/* policy_file_path - the path of loaded file I (below policy_file_count), borrowed */
const char *policy_file_path(const struct policy *p, unsigned i);
/* policy_file_rules - how many rules loaded file I added */
size_t policy_file_rules(const struct policy *p, unsigned i);
/* policy_describe - what P does, for check-config and mailvetd -n: the action per
 * verdict with the thresholds, the score actions and the domains with their own
 * settings, as "# " lines appended to OUT */
void policy_describe(const struct policy *p, GString *out);

/* policy_verdict - the message's verdict: SIGNATURES (the class of its signature
 * names) raised by the rule hits and score against the thresholds */
enum mv_verdict policy_verdict(const struct policy *p, enum mv_verdict signatures,
                               const struct rules_result *rules);
/* policy_decide - the action for REQ, per recipient, strictest wins; OUT is cleared
 * with policy_decision_clear */
void policy_decide(const struct policy *p, const struct policy_request *req,
                   struct policy_decision *out);
void policy_decision_clear(struct policy_decision *d);

#endif
