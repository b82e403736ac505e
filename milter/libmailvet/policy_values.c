/* policy_values.c - one value of a policy file read and checked: scalars, numbers,
 * actions, booleans, reply templates and codes, subject prefixes, domain names, and the
 * address patterns of allow and block lists, which policy_pattern_new() builds and
 * policy_pattern_free() frees, and policy_pattern_covers_everyone(), which tells an allow
 * glob that matches every address.  Errors name "FILE:LINE: KEY: message" through the
 * loader's err; the checks that take WHY leave the message to the caller.  Does not
 * log. */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "policy_compiled.h"
#include "wildcard.h"

#define SUBJECT_PREFIX_MAX 100 /* bytes of tag.subject_prefix */
#define NUMBER_MAX 1000000.0   /* thresholds and score_actions scores, either sign */

static const char *const var_names[NVARS] = {"verdict", "reasons", "score", "campaign", "queue_id"};

/* policy_pattern_free - GDestroyNotify for a struct pattern */
void policy_pattern_free(gpointer data)
{
    struct pattern *pt = data;

    g_free(pt->text);
    g_free(pt->match);
    g_free(pt);
}

/* policy_scalar_text - the text of VALUE (at PATH), or NULL with an error */
const char *policy_scalar_text(struct loader *ld, const struct yamlnode *value, const char *path)
{
    if (yamlnode_type(value) != YAMLNODE_SCALAR) {
        yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: must be a single value, got %s", path,
                         yamlnode_type_name(value));
        return NULL;
    }
    if (yamlnode_is_null(value)) {
        yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: missing value", path);
        return NULL;
    }
    return yamlnode_scalar_get(value);
}

/* parse_number - a decimal number ("5", "-2.5") within NUMBER_MAX either way */
static bool parse_number(const char *text, double *out)
{
    const char *p = text;
    char *end;
    double v;

    if (*p == '-' || *p == '+')
        p++;
    if (!g_ascii_isdigit(*p))
        return false;
    while (g_ascii_isdigit(*p))
        p++;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p))
            return false;
        while (g_ascii_isdigit(*p))
            p++;
    }
    if (*p != '\0')
        return false;
    v = g_ascii_strtod(text, &end);
    if (*end != '\0' || v > NUMBER_MAX || v < -NUMBER_MAX)
        return false;
    *out = v;
    return true;
}

/* policy_number_value - VALUE (at PATH) as a number, or false with an error */
bool policy_number_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         double *out)
{
    const char *text = policy_scalar_text(ld, value, path);

    if (text == NULL)
        return false;
    if (parse_number(text, out))
        return true;
    yamlnode_err_add(ld->err, MV_ECONFIG, value,
                     "%.200s: must be a number between -%.0f and %.0f, got %.100s", path,
                     NUMBER_MAX, NUMBER_MAX, text);
    return false;
}

/* policy_action_value - VALUE (at PATH) as an action name, or false with an error */
bool policy_action_value(struct loader *ld, const struct yamlnode *value, const char *path,
                         enum mv_action *out)
{
    const char *text = policy_scalar_text(ld, value, path);

    if (text == NULL)
        return false;
    if (mv_action_parse(text, out))
        return true;
    yamlnode_err_add(ld->err, MV_ECONFIG, value,
                     "%.200s: must be accept, tag, quarantine, discard, tempfail or reject, "
                     "got %.100s",
                     path, text);
    return false;
}

/* policy_bool_value - VALUE (at PATH) as true/false (yes/no, on/off), or false with an error */
bool policy_bool_value(struct loader *ld, const struct yamlnode *value, const char *path, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    const char *text = policy_scalar_text(ld, value, path);
    size_t i;

    if (text == NULL)
        return false;
    for (i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0 || g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = g_ascii_strcasecmp(text, yes[i]) == 0;
            return true;
        }
    }
    yamlnode_err_add(ld->err, MV_ECONFIG, value, "%.200s: must be true or false, got %.100s", path,
                     text);
    return false;
}

/* policy_template_var - the template variable "%{name}" that starts at P, or -1; *END
 * past its '}' */
int policy_template_var(const char *p, const char **end)
{
    const char *close;
    int v;

    if (p[0] != '%' || p[1] != '{' || (close = strchr(p + 2, '}')) == NULL)
        return -1;
    for (v = 0; v < NVARS; v++) {
        size_t n = strlen(var_names[v]);

        if ((size_t)(close - (p + 2)) == n && strncmp(p + 2, var_names[v], n) == 0) {
            *end = close + 1;
            return v;
        }
    }
    return -1;
}

/* policy_template_check - a reply template is printable ASCII on one line, not empty, not over
 * REPLY_TEXT_MAX, and names only known variables; false with WHY otherwise */
bool policy_template_check(const char *t, char *why, size_t size)
{
    const char *p;
    const char *end;

    if (*t == '\0') {
        snprintf(why, size, "must not be empty");
        return false;
    }
    if (strlen(t) > REPLY_TEXT_MAX) {
        snprintf(why, size, "must be at most %d characters", REPLY_TEXT_MAX);
        return false;
    }
    for (p = t; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            snprintf(why, size, "must be printable ASCII on one line");
            return false;
        }
    }
    for (p = t; *p != '\0'; p++) {
        if (p[0] != '%' || p[1] != '{')
            continue;
        if (policy_template_var(p, &end) < 0) {
            snprintf(why, size,
                     "unknown variable %.40s; the variables are %%{verdict}, %%{reasons}, "
                     "%%{score}, %%{campaign} and %%{queue_id}",
                     p);
            return false;
        }
        p = end - 1;
    }
    return true;
}

/* policy_code_check - an SMTP reply code ("550") of the class CLASS_DIGIT */
bool policy_code_check(const char *code, char class_digit)
{
    return strlen(code) == 3 && code[0] == class_digit && code[1] >= '0' && code[1] <= '5' &&
           g_ascii_isdigit(code[2]);
}

/* policy_xcode_check - an enhanced status code ("5.7.1", RFC 3463) of the class CLASS_DIGIT */
bool policy_xcode_check(const char *xcode, char class_digit)
{
    const char *p = xcode;
    int part;

    if (p[0] != class_digit || p[1] != '.')
        return false;
    p += 2;
    for (part = 0; part < 2; part++) {
        size_t n = 0;

        while (g_ascii_isdigit(p[n]))
            n++;
        if (n < 1 || n > 3)
            return false;
        p += n;
        if (part == 0 && *p++ != '.')
            return false;
    }
    return *p == '\0';
}

/* policy_pattern_new - an allow or block entry: "user@example.com", "example.com",
 * "@example.com" or a glob; NULL with WHY when TEXT is none of them */
struct pattern *policy_pattern_new(const char *text, char *why, size_t size)
{
    enum pattern_kind kind;
    const char *match = text;
    const char *at = strrchr(text, '@');
    const unsigned char *p;
    struct pattern *pt;

    if (*text == '\0') {
        snprintf(why, size, "an entry must not be empty");
        return NULL;
    }
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f) {
            snprintf(why, size, "%.100s: an entry must not contain spaces or control characters",
                     text);
            return NULL;
        }
    }
    if (wildcard_is_pattern(text)) {
        kind = PATTERN_GLOB;
    } else if (text[0] == '@') {
        kind = PATTERN_DOMAIN;
        match = text + 1;
        if (*match == '\0' || strchr(match, '@') != NULL) {
            snprintf(why, size, "%.100s: \"@\" must be followed by a domain", text);
            return NULL;
        }
    } else if (at != NULL) {
        kind = PATTERN_ADDRESS;
        if (at[1] == '\0') {
            snprintf(why, size, "%.100s: an address needs a domain after \"@\"", text);
            return NULL;
        }
    } else {
        kind = PATTERN_DOMAIN;
    }
    pt = g_new0(struct pattern, 1);
    pt->kind = kind;
    pt->text = g_strdup(text);
    pt->match = kind == PATTERN_GLOB ? wildcard_pattern_new(match) : g_ascii_strdown(match, -1);
    return pt;
}

/* Addresses as unlike each other as mail brings: plain, a role account at a deep
 * domain, dots and a "+" tag, a long random local part at a one-letter label, upper
 * case, and UTF-8 (SMTPUTF8) with neither an "e" nor an "o".  A glob that covers all of
 * them puts no real bound on the address.  The null sender is left out: it is one
 * sender of its own, and a glob that covers every other address ("*@*") still lets
 * everyone through. */
static const char *const probe_addresses[] = {
    "a@example.com",         "postmaster@mail.example.invalid",
    "x.y+z@sub.example.org", "q7w2k9zr4vjx8n3tlm5hpd6fybcg_01@q.io",
    "Bob.SMITH@Example.NET", "\xce\xb4@\xd0\xb6.\xd1\x80\xd1\x84", /* δ@ж.рф */
};

/* policy_pattern_covers_everyone - PT is a glob that matches each of probe_addresses,
 * matched as policy_decide() matches an envelope address */
bool policy_pattern_covers_everyone(const struct pattern *pt)
{
    size_t i;

    if (pt->kind != PATTERN_GLOB)
        return false;
    for (i = 0; i < G_N_ELEMENTS(probe_addresses); i++) {
        char *folded = wildcard_text_new(probe_addresses[i], -1);
        bool hit = wildcard_match(pt->match, folded);

        g_free(folded);
        if (!hit)
            return false;
    }
    return true;
}

/* policy_prefix_check - a subject prefix is UTF-8 without control characters, bounded */
bool policy_prefix_check(const char *text, char *why, size_t size)
{
    const unsigned char *p;

    if (strlen(text) > SUBJECT_PREFIX_MAX) {
        snprintf(why, size, "must be at most %d bytes", SUBJECT_PREFIX_MAX);
        return false;
    }
    if (!g_utf8_validate(text, -1, NULL)) {
        snprintf(why, size, "must be UTF-8");
        return false;
    }
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(why, size, "must not contain control characters");
            return false;
        }
    }
    return true;
}

/* policy_domain_check - "example.com" or "*.example.com": labels of letters, digits, '-' and
 * '_' joined by single dots */
bool policy_domain_check(const char *name)
{
    const char *p = g_str_has_prefix(name, "*.") ? name + 2 : name;
    bool label_start = true;

    if (*p == '\0')
        return false;
    for (; *p != '\0'; p++) {
        if (*p == '.') {
            if (label_start)
                return false;
            label_start = true;
        } else if (g_ascii_isalnum(*p) || *p == '-' || *p == '_') {
            label_start = false;
        } else {
            return false;
        }
    }
    return !label_start;
}
