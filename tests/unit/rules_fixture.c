/* rules_fixture.c - what the tests of the rules module share (rules_fixture.h).  Test
 * code only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_fixture.h"
#include "yamlnode.h"

/* ---- the message ------------------------------------------------------------------- */

static const char *const rcpt_list[] = {"alice@example.net", "bob@example.org"};
static const char *const header_list[][2] = {
    {"Subject", "Rechnung 請求書 invoice"},
    {"X-Mailer", "PHPMailer 6.0"},
    {"Received", "from a"},
    {"Received", "from b"},
};
static const char body_text[] = "Please see the attached   invoice.\n";

/* "MZ", zeros, then a byte that is not UTF-8 */
static const unsigned char exe_head[16] = {'M', 'Z', 0, 0, 0, 0, 0, 0, 0x90, 0xff, 'P', 'E'};
static const unsigned char zip_head[] = {'P', 'K', 3, 4, 20, 0};
static const unsigned char js_head[] = "var x = 1;";
static const unsigned char txt_head[] = "Please see";

/* fake_new - the fixed message; AUTH (or NULL) as the SMTP AUTH name */
struct fake *fake_new(const char *auth)
{
    struct fake *k = g_new0(struct fake, 1);
    struct features *f = &k->f;
    size_t i;

    k->rcpts = g_ptr_array_new();
    for (i = 0; i < G_N_ELEMENTS(rcpt_list); i++)
        g_ptr_array_add(k->rcpts, (char *)rcpt_list[i]);
    k->sigs = g_ptr_array_new();
    g_ptr_array_add(k->sigs, "Win.Trojan.Agent-1");

    f->env.sender = "bounce@example.com";
    f->env.recipients = k->rcpts;
    f->env.client_addr = "192.0.2.7";
    f->env.auth = auth;
    f->subject = "Rechnung 請求書 invoice";
    f->from = "Billing <billing@example.com>";
    f->reply_to = NULL;
    f->header_names = g_ptr_array_new();
    f->header_values = g_ptr_array_new();
    for (i = 0; i < G_N_ELEMENTS(header_list); i++) {
        g_ptr_array_add(f->header_names, (char *)header_list[i][0]);
        g_ptr_array_add(f->header_values, (char *)header_list[i][1]);
    }
    f->body = g_strdup(body_text);
    f->body_len = strlen(body_text);

    f->attachments = g_array_new(FALSE, TRUE, sizeof(struct feature_attachment));
    {
        struct feature_attachment a[] = {
            {.path = "1", .name = NULL, .declared_type = "text/plain", .size = 35},
            {.path = "2",
             .name = "Invoice.ZIP",
             .declared_type = "application/zip",
             .disposition = "attachment",
             .size = 150 * 1024},
            {.path = "3",
             .name = "photo.jpg",
             .declared_type = "image/jpeg",
             .disposition = "inline",
             .size = 2 * 1024 * 1024},
        };
        g_array_append_vals(f->attachments, a, G_N_ELEMENTS(a));
    }
    f->objects = g_array_new(FALSE, TRUE, sizeof(struct feature_object));
    {
        struct feature_object o[] = {
            {.path = "1",
             .type = "CL_TYPE_TEXT_ASCII",
             .size = 35,
             .head = txt_head,
             .head_len = sizeof(txt_head) - 1,
             .parent = -1,
             .attachment = 0},
            {.path = "2",
             .name = "Invoice.ZIP",
             .type = "CL_TYPE_ZIP",
             .size = 150 * 1024,
             .head = zip_head,
             .head_len = sizeof(zip_head),
             .parent = -1,
             .members = 2,
             .attachment = 1},
            {.path = "2/Invoice.ZIP/payload.exe",
             .name = "payload.exe",
             .type = "CL_TYPE_MSEXE",
             .size = 70000,
             .depth = 1,
             .signatures = k->sigs,
             .head = exe_head,
             .head_len = sizeof(exe_head),
             .parent = 1,
             .attachment = 1},
            {.path = "2/Invoice.ZIP/scan.jpg.js",
             .name = "scan.jpg.js",
             .type = "CL_TYPE_TEXT_ASCII",
             .size = 900,
             .depth = 1,
             .type_mismatch = true,
             .head = js_head,
             .head_len = sizeof(js_head) - 1,
             .parent = 1,
             .attachment = 1},
            {.path = "3",
             .name = "photo.jpg",
             .type = "CL_TYPE_JPEG",
             .size = 2 * 1024 * 1024,
             .head = NULL,
             .parent = -1,
             .attachment = 2},
        };
        g_array_append_vals(f->objects, o, G_N_ELEMENTS(o));
    }
    return k;
}

/* fake_free - free what fake_new made */
void fake_free(struct fake *k)
{
    g_ptr_array_free(k->rcpts, TRUE);
    g_ptr_array_free(k->sigs, TRUE);
    g_ptr_array_free(k->f.header_names, TRUE);
    g_ptr_array_free(k->f.header_values, TRUE);
    g_free(k->f.body);
    g_array_free(k->f.attachments, TRUE);
    g_array_free(k->f.objects, TRUE);
    g_free(k);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* add_yaml - TEXT as t.yaml through rules_add into R; ERR filled */
bool add_yaml(struct rules *r, const char *text, struct mv_err *err)
{
    struct yamlnode *root;
    bool ok;

    memset(err, 0, sizeof(*err));
    root = yamlnode_load_buffer("t.yaml", text, strlen(text), err);
    if (root == NULL)
        fail_msg("YAML does not parse: %s\n%s", err->msg, text);
    ok = rules_add(r, root, err);
    yamlnode_free(root);
    if (ok && err->status != MV_OK)
        fail_msg("rules_add succeeded but left an error: %s", err->msg);
    if (!ok && err->msg[0] == '\0')
        fail_msg("rules_add failed without a message");
    return ok;
}

/* load - a set from TEXT that must be valid */
struct rules *load(const char *text)
{
    struct rules *r = rules_new();
    struct mv_err err;

    if (!add_yaml(r, text, &err))
        fail_msg("rules do not load: %s\n%s", err.msg, text);
    return r;
}

/* one_rule - a rule "t" around the predicate PRED (flow style, one line) */
char *one_rule(const char *pred)
{
    return g_strdup_printf("- id: t\n  category: info\n  score: 1\n  match: %s\n", pred);
}

/* hit_ids - the ids of RES's hits, comma-separated (owned) */
char *hit_ids(const struct rules_result *res)
{
    GString *s = g_string_new("");
    guint i;

    for (i = 0; i < res->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->hits, i);

        g_string_append_printf(s, "%s%s", i ? "," : "", h->id);
    }
    return g_string_free(s, FALSE);
}

/* hit_objects - the objects of hit ID in RES, comma-separated (owned); "-" for no hit */
char *hit_objects(const struct rules_result *res, const char *id)
{
    GString *s;
    guint i;
    guint j;

    for (i = 0; i < res->hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->hits, i);

        if (strcmp(h->id, id) != 0)
            continue;
        s = g_string_new("");
        for (j = 0; j < h->objects->len; j++)
            g_string_append_printf(s, "%s%s", j ? "," : "",
                                   (const char *)g_ptr_array_index(h->objects, j));
        return g_string_free(s, FALSE);
    }
    return g_strdup("-");
}

/* expect_str - fail with "got X, want Y" */
void expect_str(const char *what, const char *got, const char *want)
{
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}

/* holds - whether predicate PRED holds over F */
bool holds(const struct features *f, const char *pred)
{
    char *text = one_rule(pred);
    struct rules *r = load(text);
    struct rules_result res = {0};
    bool hit;

    rules_eval(r, f, &res);
    hit = res.hits->len == 1;
    rules_result_clear(&res);
    rules_free(r);
    g_free(text);
    return hit;
}

/* error_of - the message rules_add gives for TEXT, which must fail (owned) */
char *error_of(const char *text)
{
    struct rules *r = rules_new();
    struct mv_err err;
    char *msg;

    if (add_yaml(r, text, &err))
        fail_msg("rules_add accepted:\n%s", text);
    assert_int_equal(err.status, MV_ECONFIG);
    assert_int_equal(rules_count(r), 0);
    msg = g_strdup(err.msg);
    rules_free(r);
    return msg;
}
