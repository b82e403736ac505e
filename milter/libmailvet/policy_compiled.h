/* policy_compiled.h - inside the policy module: the loaded form of a policy, which the
 * loader (policy.c, policy_values.c) builds and policy_decide.c reads, and the loader's
 * helpers that policy.c and policy_values.c share.  Not for other modules: they see
 * policy.h only.  A loaded policy is read-only once policy_load() returns; policy.c
 * frees what the loader built (policy_free). */
#ifndef MV_POLICY_COMPILED_H
#define MV_POLICY_COMPILED_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "mv.h"
#include "policy.h"
#include "rules.h"
#include "yamlnode.h"

#define NVERDICTS (MV_VERDICT_INFECTED + 1)
#define REPLY_TEXT_MAX                                                                             \
    399 /* characters of an expanded reply: mailvetd_milter.c's 400-byte buffer */

enum reply_kind { REPLY_REJECT = 0, REPLY_TEMPFAIL, NREPLIES };

/* the variables of a reply template */
enum template_var { VAR_VERDICT = 0, VAR_REASONS, VAR_SCORE, VAR_CAMPAIGN, VAR_QUEUE_ID, NVARS };

enum pattern_kind {
    PATTERN_ADDRESS, /* user@example.com: that address */
    PATTERN_DOMAIN,  /* example.com or @example.com: every address of that domain */
    PATTERN_GLOB,    /* a glob over the whole address */
};

/* one entry of an allow or block list */
struct pattern {
    enum pattern_kind kind;
    char *text;  /* as written, for the note */
    char *match; /* ASCII lower-case address or domain; a glob folded by wildcard.h */
};

struct score_action {
    double score;
    enum mv_action action;
};

struct reply {
    char *code; /* NULL: inherited (domains only) */
    char *xcode;
    char *text; /* the template */
};

/* The global scope has every field set; in a domain's scope a NULL list or string, or a
 * has_ flag that is false, means "as the global scope". */
struct scope {
    bool has_action[NVERDICTS];
    enum mv_action action[NVERDICTS];
    GArray *score_actions; /* struct score_action */
    struct reply reply[NREPLIES];
    bool has_headers;
    bool headers;
    char *subject_prefix;     /* "" for none */
    GPtrArray *allow_senders; /* struct pattern * */
    GPtrArray *allow_recipients;
    GPtrArray *block_senders;
    GPtrArray *block_recipients;
    bool has_block_action;
    enum mv_action block_action;
};

/* one file a policy was loaded from, for check-config and mailvetd -n */
struct policy_file {
    char *path;
    size_t rules; /* the rules it added */
};

struct policy {
    struct rules *rules;
    GPtrArray *files;  /* struct policy_file *, in the order loaded */
    double suspicious; /* thresholds */
    double campaign;
    struct scope global;
    GHashTable *domains; /* "example.com" or "*.example.com" -> struct scope * */
};

/* what one policy_load() carries besides the policy */
struct loader {
    struct policy *p;
    GHashTable *origins; /* setting ("thresholds.campaign") -> "FILE:LINE" that set it */
    struct mv_err *err;
};

/* ---- shared by the parts of the module ---------------------------------------------- */

/* policy_reply_kind - the reply slot of action A, or -1 for an action without an SMTP
 * reply (policy.c) */
int policy_reply_kind(enum mv_action a);
/* policy_template_var - the template variable "%{name}" that starts at P, or -1; *END
 * past its '}' (policy_values.c) */
int policy_template_var(const char *p, const char **end);

/* ---- reading one value (policy_values.c) --------------------------------------------- */

/* policy_scalar_text - the text of VALUE (at PATH), or NULL with an error */
const char *policy_scalar_text(struct loader *ld, const struct yamlnode *value, const char *path);
/* policy_number_value - VALUE (at PATH) as a number, or false with an error */
bool policy_number_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         double *out);
/* policy_action_value - VALUE (at PATH) as an action name, or false with an error */
bool policy_action_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         enum mv_action *out);
/* policy_bool_value - VALUE (at PATH) as true/false (yes/no, on/off), or false with an
 * error */
bool policy_bool_value(struct loader *ld, const struct yamlnode *value, const char *path,
                       bool *out);
/* policy_template_check - a reply template is printable ASCII on one line, not empty,
 * not over REPLY_TEXT_MAX, and names only known variables; false with WHY otherwise */
bool policy_template_check(const char *t, char *why, size_t size);
/* policy_code_check - an SMTP reply code ("550") of the class CLASS_DIGIT */
bool policy_code_check(const char *code, char class_digit);
/* policy_xcode_check - an enhanced status code ("5.7.1", RFC 3463) of the class
 * CLASS_DIGIT */
bool policy_xcode_check(const char *xcode, char class_digit);
/* policy_prefix_check - a subject prefix is UTF-8 without control characters, bounded */
bool policy_prefix_check(const char *text, char *why, size_t size);
/* policy_domain_check - "example.com" or "*.example.com": labels of letters, digits,
 * '-' and '_' joined by single dots */
bool policy_domain_check(const char *name);
/* policy_pattern_new - an allow or block entry: "user@example.com", "example.com",
 * "@example.com" or a glob; NULL with WHY when TEXT is none of them */
struct pattern *policy_pattern_new(const char *text, char *why, size_t size);
/* policy_pattern_covers_everyone - PT is a glob that matches every address ("*@*"),
 * judged by addresses as unlike each other as mail brings */
bool policy_pattern_covers_everyone(const struct pattern *pt);
/* policy_pattern_free - GDestroyNotify for a struct pattern */
void policy_pattern_free(gpointer data);

/* policy_files_new - the paths of DIR's policy files in the order policy_load() reads
 * them, a new array (g_ptr_array_unref); a misnamed file or a subdirectory of campaigns/
 * holding one, and a DIR that cannot be read, are errors added to ERR
 * (policy_files.c) */
GPtrArray *policy_files_new(const char *dir, struct mv_err *err);

#endif
