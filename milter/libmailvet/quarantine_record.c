/* quarantine_record.c - the schema of a quarantine record (ID.json), known here and
 * nowhere else: building the record of a new entry (the envelope, the scan result of
 * render.c merged in, the state and its history), reading a record back into the entry
 * the index keeps, a state change, and the record's two views for the operator: the
 * JSON of an entry (list --json) and the readable record (show).
 * Record fields: id, time (RFC 3339, UTC), queue_id, client_addr, sender,
 * recipients[], size, the scan result's own fields (verdict, action, score, reasons[],
 * hits[], policy, subject, parts[], objects[], ... as mailvet scan --json, file left
 * out), generation, host (the holding host, in the PostgreSQL store),
 * state (held | released | deleted), history[] {state, time, by, detail}; and, in the
 * record that replaces a damaged one when it is deleted, damaged (why it was).
 * json-glib builds, escapes and parses every text; text the sender controls is made
 * printable in the readable view.  A view that places each field itself (the console)
 * reads the record as a struct quarantine_detail.  A part of the quarantine module: it never logs.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

/* rfc3339_new - Unix seconds as "2024-05-01T10:00:00Z" (caller frees) */
static char *rfc3339_new(gint64 unix_seconds)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(unix_seconds);
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");

    g_date_time_unref(dt);
    return s;
}

/* ---- reading members ------------------------------------------------------------------ */

/* array_member - member KEY of O if it is an array, else NULL */
static JsonArray *array_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* strings_member - the strings of array member KEY of O into LIST */
static void strings_member(JsonObject *o, const char *key, GPtrArray *list)
{
    JsonArray *a = array_member(o, key);

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *v = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
            g_ptr_array_add(list, g_strdup(json_node_get_string(v)));
    }
}

/* string_member - member KEY of O if it is a string, else NULL */
static const char *string_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* number_member - member KEY of O as a double (0 when absent) */
static double number_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
        return 0;
    return json_node_get_double(n);
}

/* campaigns_of - the distinct hits[].campaign of the record O */
static void campaigns_of(JsonObject *o, GPtrArray *list)
{
    JsonArray *a = array_member(o, "hits");

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *h = json_array_get_element(a, i);
        const char *c;
        bool seen = false;

        if (!JSON_NODE_HOLDS_OBJECT(h))
            continue;
        c = string_member(json_node_get_object(h), "campaign");
        if (c == NULL || *c == '\0')
            continue;
        for (guint j = 0; j < list->len && !seen; j++)
            seen = strcmp(g_ptr_array_index(list, j), c) == 0;
        if (!seen)
            g_ptr_array_add(list, g_strdup(c));
    }
}

/* add_distinct - S appended to LIST unless it is there already */
static void add_distinct(GPtrArray *list, const char *s)
{
    if (s == NULL || *s == '\0')
        return;
    for (guint j = 0; j < list->len; j++)
        if (strcmp(g_ptr_array_index(list, j), s) == 0)
            return;
    g_ptr_array_add(list, g_strdup(s));
}

/* rules_of - the distinct hits[].id of the record O */
static void rules_of(JsonObject *o, GPtrArray *list)
{
    JsonArray *a = array_member(o, "hits");

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *h = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_OBJECT(h))
            add_distinct(list, string_member(json_node_get_object(h), "id"));
    }
}

/* signatures_of - the distinct signatures of the record O's parts[] and objects[] */
static void signatures_of(JsonObject *o, GPtrArray *list)
{
    static const char *const members[] = {"parts", "objects"};

    for (size_t m = 0; m < G_N_ELEMENTS(members); m++) {
        JsonArray *a = array_member(o, members[m]);

        for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
            JsonNode *n = json_array_get_element(a, i);
            GPtrArray *sigs;

            if (!JSON_NODE_HOLDS_OBJECT(n))
                continue;
            sigs = g_ptr_array_new_with_free_func(g_free);
            strings_member(json_node_get_object(n), "signatures", sigs);
            for (guint k = 0; k < sigs->len; k++)
                add_distinct(list, g_ptr_array_index(sigs, k));
            g_ptr_array_unref(sigs);
        }
    }
}

/* subject_of - the record O's subject, cut to QUARANTINE_SUBJECT_MAX bytes of whole
 * characters (caller frees), or NULL */
static char *subject_of(JsonObject *o)
{
    const char *s = string_member(o, "subject");
    const char *end;

    if (s == NULL)
        return NULL;
    if (strlen(s) <= QUARANTINE_SUBJECT_MAX)
        return g_strdup(s);
    end = s + QUARANTINE_SUBJECT_MAX;
    while (end > s && ((unsigned char)*end & 0xc0) == 0x80)
        end--; /* not in the middle of a character */
    return g_strndup(s, (gsize)(end - s));
}

/* quarantine_record_entry_new - what the index keeps of a record; NULL if it is not one */
struct quarantine_entry *quarantine_record_entry_new(JsonNode *root)
{
    struct quarantine_entry *e;
    JsonObject *o;
    const char *id, *t, *state;
    GDateTime *dt;
    enum quarantine_state st;

    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
        return NULL;
    o = json_node_get_object(root);
    id = string_member(o, "id");
    if (!quarantine_id_valid(id))
        return NULL;
    e = quarantine_entry_new();
    memcpy(e->id, id, sizeof(e->id));
    t = string_member(o, "time");
    dt = t != NULL ? g_date_time_new_from_iso8601(t, NULL) : NULL;
    e->time = dt != NULL ? g_date_time_to_unix(dt) : quarantine_id_ms(id) / 1000;
    if (dt != NULL)
        g_date_time_unref(dt);
    e->size = (guint64)number_member(o, "size");
    state = string_member(o, "state");
    e->state = quarantine_state_parse(state, &st) ? st : QUARANTINE_HELD;
    e->verdict = g_strdup(string_member(o, "verdict"));
    e->score = number_member(o, "score");
    e->sender = g_strdup(string_member(o, "sender"));
    strings_member(o, "recipients", e->recipients);
    strings_member(o, "reasons", e->reasons);
    campaigns_of(o, e->campaigns);
    e->queue_id = g_strdup(string_member(o, "queue_id"));
    e->host = g_strdup(string_member(o, "host"));
    e->subject = subject_of(o);
    rules_of(o, e->rules);
    signatures_of(o, e->signatures);
    return e;
}

/* ---- a new record ------------------------------------------------------------------- */

/* add_string - member KEY, a string or null */
static void add_string(JsonBuilder *b, const char *key, const char *value)
{
    json_builder_set_member_name(b, key);
    if (value != NULL)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

/* pretty_new - ROOT as the record's text: indented JSON (caller frees) */
static char *pretty_new(JsonNode *root)
{
    JsonGenerator *gen = json_generator_new();
    char *text;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    g_object_unref(gen);
    return text;
}

/* quarantine_record_build - the record JSON text of a new entry; NULL with err when
 * RECORD_JSON is not a JSON object */
char *quarantine_record_build(const char *id, gint64 now, size_t size,
                              const struct quarantine_meta *meta, struct quarantine_entry **entry,
                              struct mv_err *err)
{
    static const char *const ours[] = {"id",     "time",       "queue_id", "client_addr",
                                       "sender", "recipients", "size",     "generation",
                                       "state",  "history",    "file",     "host"};
    JsonBuilder *b = json_builder_new();
    JsonParser *p = NULL;
    JsonObject *scan = NULL;
    JsonNode *root;
    char *when = rfc3339_new(now), *out = NULL;

    if (meta != NULL && meta->record_json != NULL) {
        GError *gerr = NULL;

        p = json_parser_new();
        if (!json_parser_load_from_data(p, meta->record_json, -1, &gerr)) {
            mv_err_set(err, MV_EPARSE, "quarantine record: scan result is not JSON: %s",
                       gerr->message);
            g_error_free(gerr);
            goto out;
        }
        if (json_parser_get_root(p) == NULL || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
            mv_err_set(err, MV_EPARSE, "quarantine record: scan result is not a JSON object");
            goto out;
        }
        scan = json_node_get_object(json_parser_get_root(p));
    }
    json_builder_begin_object(b);
    add_string(b, "id", id);
    add_string(b, "time", when);
    add_string(b, "queue_id", meta != NULL ? meta->queue_id : NULL);
    add_string(b, "client_addr", meta != NULL ? meta->client_addr : NULL);
    if (meta != NULL && meta->host != NULL)
        add_string(b, "host", meta->host);
    add_string(b, "sender", meta != NULL ? (meta->sender != NULL ? meta->sender : "") : NULL);
    json_builder_set_member_name(b, "recipients");
    json_builder_begin_array(b);
    for (guint i = 0; meta != NULL && meta->recipients != NULL && i < meta->recipients->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(meta->recipients, i));
    json_builder_end_array(b);
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, (gint64)size);
    if (scan != NULL) {
        GList *members = json_object_get_members(scan);

        for (GList *l = members; l != NULL; l = l->next) {
            bool skip = false;

            for (size_t i = 0; i < G_N_ELEMENTS(ours) && !skip; i++)
                skip = strcmp(l->data, ours[i]) == 0;
            if (skip)
                continue;
            json_builder_set_member_name(b, l->data);
            json_builder_add_value(b, json_node_copy(json_object_get_member(scan, l->data)));
        }
        g_list_free(members);
    }
    json_builder_set_member_name(b, "generation");
    json_builder_add_int_value(b, meta != NULL ? meta->generation : 0);
    add_string(b, "state", "held");
    json_builder_set_member_name(b, "history");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    add_string(b, "state", "held");
    add_string(b, "time", when);
    add_string(b, "by", "mailvetd");
    add_string(b, "detail", meta != NULL ? meta->queue_id : NULL);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    *entry = quarantine_record_entry_new(root);
    out = pretty_new(root);
    json_node_unref(root);
out:
    if (p != NULL)
        g_object_unref(p);
    g_object_unref(b);
    g_free(when);
    return out;
}

/* ---- state changes -------------------------------------------------------------------- */

/* quarantine_record_change_new - STATE and a history event, the new text returned */
char *quarantine_record_change_new(JsonNode *root, enum quarantine_state state, gint64 now,
                                   const char *by, const char *detail)
{
    JsonObject *o = json_node_get_object(root), *ho;
    JsonArray *hist;
    JsonNode *h;
    char *when = rfc3339_new(now), *text;

    json_object_set_string_member(o, "state", quarantine_state_name(state));
    if (array_member(o, "history") == NULL)
        json_object_set_array_member(o, "history", json_array_new());
    hist = json_object_get_array_member(o, "history");
    ho = json_object_new();
    json_object_set_string_member(ho, "state", quarantine_state_name(state));
    json_object_set_string_member(ho, "time", when);
    json_object_set_string_member(ho, "by", by != NULL ? by : "?");
    if (detail != NULL)
        json_object_set_string_member(ho, "detail", detail);
    else
        json_object_set_null_member(ho, "detail");
    h = json_node_init_object(json_node_alloc(), ho);
    json_object_unref(ho);
    json_array_add_element(hist, h);
    text = pretty_new(root);
    g_free(when);
    return text;
}

/* quarantine_record_damaged_new - a record of the deletion of ID's damaged record */
char *quarantine_record_damaged_new(const char *id, gint64 file_time, const char *why, gint64 now,
                                    const char *by)
{
    JsonBuilder *b = json_builder_new();
    char *when = rfc3339_new(file_time), *deleted = rfc3339_new(now), *detail, *text;
    JsonNode *root;

    detail = g_strdup_printf("the record was damaged (%s); this one replaces it", why);
    json_builder_begin_object(b);
    add_string(b, "id", id);
    add_string(b, "time", when);
    add_string(b, "state", quarantine_state_name(QUARANTINE_DELETED));
    add_string(b, "damaged", why);
    json_builder_set_member_name(b, "recipients");
    json_builder_begin_array(b);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "history");
    json_builder_begin_array(b);
    json_builder_begin_object(b);
    add_string(b, "state", quarantine_state_name(QUARANTINE_DELETED));
    add_string(b, "time", deleted);
    add_string(b, "by", by != NULL ? by : "?");
    add_string(b, "detail", detail);
    json_builder_end_object(b);
    json_builder_end_array(b);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = pretty_new(root);
    json_node_unref(root);
    g_object_unref(b);
    g_free(when);
    g_free(deleted);
    g_free(detail);
    return text;
}

/* ---- the operator's views ------------------------------------------------------------- */

/* quarantine_record_state - the record's state; held when it names none we know */
enum quarantine_state quarantine_record_state(JsonNode *record)
{
    enum quarantine_state st;

    if (record == NULL || !JSON_NODE_HOLDS_OBJECT(record) ||
        !quarantine_state_parse(string_member(json_node_get_object(record), "state"), &st))
        return QUARANTINE_HELD;
    return st;
}

/* set_strings - member KEY of O, an array of the strings of LIST */
static void set_strings(JsonObject *o, const char *key, const GPtrArray *list)
{
    JsonArray *a = json_array_sized_new(list != NULL ? list->len : 0);

    for (guint i = 0; list != NULL && i < list->len; i++)
        json_array_add_string_element(a, g_ptr_array_index(list, i));
    json_object_set_array_member(o, key, a);
}

/* set_string - member KEY of O, a string or null */
static void set_string(JsonObject *o, const char *key, const char *value)
{
    if (value != NULL)
        json_object_set_string_member(o, key, value);
    else
        json_object_set_null_member(o, key);
}

/* quarantine_entry_json_new - E as list --json shows it: id, time, size, state, verdict,
 * score, sender, recipients, reasons, campaigns, queue_id, subject, rules, signatures, host (when
 * set) */
JsonNode *quarantine_entry_json_new(const struct quarantine_entry *e)
{
    JsonObject *o = json_object_new();
    char *when = rfc3339_new(e->time);
    JsonNode *node;

    set_string(o, "id", e->id);
    set_string(o, "time", when);
    json_object_set_int_member(o, "size", (gint64)e->size);
    set_string(o, "state", quarantine_state_name(e->state));
    set_string(o, "verdict", e->verdict);
    json_object_set_double_member(o, "score", e->score);
    set_string(o, "sender", e->sender);
    set_strings(o, "recipients", e->recipients);
    set_strings(o, "reasons", e->reasons);
    set_strings(o, "campaigns", e->campaigns);
    set_string(o, "queue_id", e->queue_id);
    set_string(o, "subject", e->subject);
    set_strings(o, "rules", e->rules);
    set_strings(o, "signatures", e->signatures);
    if (e->host != NULL)
        set_string(o, "host", e->host);
    node = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    g_free(when);
    return node;
}

/* put_safe - S with control characters as '?' (UTF-8 otherwise as is) */
static void put_safe(GString *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++)
        g_string_append_c(out, *p < ' ' || *p == 0x7f ? '?' : (char)*p);
}

/* field - "label:  value" with the value made printable */
static void field(GString *out, const char *label, const char *value)
{
    g_string_append_printf(out, "%-12s ", label);
    put_safe(out, value != NULL ? value : "-");
    g_string_append_c(out, '\n');
}

/* text_hits - the rules that hit: id (score, campaign): description */
static void text_hits(GString *out, JsonArray *a)
{
    if (a == NULL || json_array_get_length(a) == 0)
        return;
    g_string_append(out, "hits:\n");
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *hn = json_array_get_element(a, i);
        JsonObject *h;

        if (!JSON_NODE_HOLDS_OBJECT(hn))
            continue;
        h = json_node_get_object(hn);
        g_string_append(out, "  ");
        put_safe(out, string_member(h, "id"));
        g_string_append_printf(out, " (%g", number_member(h, "score"));
        if (string_member(h, "campaign") != NULL) {
            g_string_append(out, ", campaign ");
            put_safe(out, string_member(h, "campaign"));
        }
        g_string_append(out, ")");
        if (string_member(h, "description") != NULL) {
            g_string_append(out, ": ");
            put_safe(out, string_member(h, "description"));
        }
        g_string_append_c(out, '\n');
    }
}

/* text_objects - the object tree, a member indented under its container */
static void text_objects(GString *out, JsonArray *a)
{
    g_string_append(out, "objects:\n");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *on = json_array_get_element(a, i);
        JsonObject *ob;
        JsonArray *sigs;
        int depth;

        if (!JSON_NODE_HOLDS_OBJECT(on))
            continue;
        ob = json_node_get_object(on);
        depth = (int)CLAMP(number_member(ob, "depth"), 0, 32);
        g_string_append_printf(out, "  %*s", depth * 2, "");
        put_safe(out, string_member(ob, "name") != NULL ? string_member(ob, "name") : "(no name)");
        g_string_append(out, "  [");
        put_safe(out, string_member(ob, "type") != NULL ? string_member(ob, "type") : "?");
        g_string_append_printf(out, ", %.0f bytes", number_member(ob, "size"));
        if (json_object_get_boolean_member_with_default(ob, "encrypted", FALSE))
            g_string_append(out, ", encrypted");
        if (json_object_get_boolean_member_with_default(ob, "decrypted", FALSE))
            g_string_append(out, ", decrypted");
        if (json_object_get_boolean_member_with_default(ob, "type_mismatch", FALSE))
            g_string_append(out, ", TYPE MISMATCH");
        g_string_append_c(out, ']');
        sigs = array_member(ob, "signatures");
        for (guint k = 0; sigs != NULL && k < json_array_get_length(sigs); k++) {
            g_string_append(out, k > 0 ? ", " : "  FOUND ");
            put_safe(out, json_array_get_string_element(sigs, k));
        }
        g_string_append_c(out, '\n');
    }
}

/* text_history - one line per event: time, state, who, detail */
static void text_history(GString *out, JsonArray *a)
{
    g_string_append(out, "history:\n");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *hn = json_array_get_element(a, i);
        JsonObject *h;
        const char *state;

        if (!JSON_NODE_HOLDS_OBJECT(hn))
            continue;
        h = json_node_get_object(hn);
        state = string_member(h, "state");
        g_string_append(out, "  ");
        put_safe(out, string_member(h, "time"));
        g_string_append_printf(out, "  %-8s by ", state != NULL ? state : "-");
        put_safe(out, string_member(h, "by"));
        if (string_member(h, "detail") != NULL) {
            g_string_append(out, ": ");
            put_safe(out, string_member(h, "detail"));
        }
        g_string_append_c(out, '\n');
    }
}

/* quarantine_record_text_new - the record as show prints it */
char *quarantine_record_text_new(JsonNode *record)
{
    GString *out = g_string_new(NULL);
    JsonObject *o;
    JsonArray *a;
    char num[64];

    if (record == NULL || !JSON_NODE_HOLDS_OBJECT(record))
        return g_string_free(out, FALSE);
    o = json_node_get_object(record);
    field(out, "id:", string_member(o, "id"));
    field(out, "time:", string_member(o, "time"));
    field(out, "state:", string_member(o, "state"));
    if (string_member(o, "damaged") != NULL)
        field(out, "damaged:", string_member(o, "damaged"));
    field(out, "queue id:", string_member(o, "queue_id"));
    field(out, "client:", string_member(o, "client_addr"));
    if (string_member(o, "host") != NULL)
        field(out, "host:", string_member(o, "host"));
    g_string_append_printf(out, "%-12s <", "sender:");
    put_safe(out, string_member(o, "sender"));
    g_string_append(out, ">\n");
    g_string_append_printf(out, "%-12s", "recipients:");
    a = array_member(o, "recipients");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        g_string_append(out, i > 0 ? ", <" : " <");
        put_safe(out, json_array_get_string_element(a, i));
        g_string_append_c(out, '>');
    }
    g_string_append_c(out, '\n');
    snprintf(num, sizeof(num), "%.0f bytes", number_member(o, "size"));
    field(out, "size:", num);
    field(out, "verdict:", string_member(o, "verdict"));
    field(out, "action:", string_member(o, "action"));
    snprintf(num, sizeof(num), "%g", number_member(o, "score"));
    field(out, "score:", num);
    snprintf(num, sizeof(num), "%.0f", number_member(o, "generation"));
    field(out, "generation:", num);
    if (string_member(o, "policy") != NULL)
        field(out, "policy:", string_member(o, "policy"));
    g_string_append(out, "reasons:\n");
    a = array_member(o, "reasons");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        g_string_append(out, "  ");
        put_safe(out, json_array_get_string_element(a, i));
        g_string_append_c(out, '\n');
    }
    text_hits(out, array_member(o, "hits"));
    text_objects(out, array_member(o, "objects"));
    text_history(out, array_member(o, "history"));
    return g_string_free(out, FALSE);
}

/* ---- the record in C (quarantine_detail) ----------------------------------------------- */

/* dup_member - a copy of string member KEY of O, or NULL */
static char *dup_member(JsonObject *o, const char *key)
{
    return g_strdup(string_member(o, key));
}

/* strings_new - the strings of array member KEY of O, as a new array */
static GPtrArray *strings_new(JsonObject *o, const char *key)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

    strings_member(o, key, list);
    return list;
}

/* bool_member - boolean member KEY of O (false when absent or not a boolean) */
static bool bool_member(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN &&
           json_node_get_boolean(n);
}

/* hit_free, part_free, object_free, event_free - one element of a detail's arrays */
static void hit_free(gpointer p)
{
    struct quarantine_detail_hit *h = p;

    g_free(h->id);
    g_free(h->campaign);
    g_free(h->category);
    g_free(h->description);
    g_ptr_array_unref(h->objects);
    g_free(h);
}

static void part_free(gpointer p)
{
    struct quarantine_detail_part *x = p;

    g_free(x->path);
    g_free(x->filename);
    g_free(x->declared_type);
    g_free(x->detected_type);
    g_free(x->sha256);
    g_ptr_array_unref(x->signatures);
    g_free(x);
}

static void object_free(gpointer p)
{
    struct quarantine_detail_object *x = p;

    g_free(x->path);
    g_free(x->name);
    g_free(x->type);
    g_ptr_array_unref(x->signatures);
    g_free(x);
}

static void event_free(gpointer p)
{
    struct quarantine_detail_event *x = p;

    g_free(x->state);
    g_free(x->time);
    g_free(x->by);
    g_free(x->detail);
    g_free(x);
}

/* each_object - the objects of array member KEY of O, one call of FN each */
static void each_object(JsonObject *o, const char *key, void (*fn)(JsonObject *, GPtrArray *),
                        GPtrArray *out)
{
    JsonArray *a = array_member(o, key);

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *n = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_OBJECT(n))
            fn(json_node_get_object(n), out);
    }
}

static void read_hit(JsonObject *h, GPtrArray *out)
{
    struct quarantine_detail_hit *x = g_new0(struct quarantine_detail_hit, 1);

    x->id = dup_member(h, "id");
    x->campaign = dup_member(h, "campaign");
    x->category = dup_member(h, "category");
    x->description = dup_member(h, "description");
    x->score = number_member(h, "score");
    x->objects = strings_new(h, "objects");
    g_ptr_array_add(out, x);
}

static void read_part(JsonObject *p, GPtrArray *out)
{
    struct quarantine_detail_part *x = g_new0(struct quarantine_detail_part, 1);

    x->path = dup_member(p, "path");
    x->filename = dup_member(p, "filename");
    x->declared_type = dup_member(p, "declared_type");
    x->detected_type = dup_member(p, "detected_type");
    x->sha256 = dup_member(p, "sha256");
    x->size = (guint64)MAX(number_member(p, "size"), 0);
    x->signatures = strings_new(p, "signatures");
    g_ptr_array_add(out, x);
}

static void read_object(JsonObject *o, GPtrArray *out)
{
    struct quarantine_detail_object *x = g_new0(struct quarantine_detail_object, 1);

    x->path = dup_member(o, "path");
    x->name = dup_member(o, "name");
    x->type = dup_member(o, "type");
    x->size = (guint64)MAX(number_member(o, "size"), 0);
    x->depth = (unsigned)CLAMP(number_member(o, "depth"), 0, 64);
    x->encrypted = bool_member(o, "encrypted");
    x->decrypted = bool_member(o, "decrypted");
    x->type_mismatch = bool_member(o, "type_mismatch");
    x->signatures = strings_new(o, "signatures");
    g_ptr_array_add(out, x);
}

static void read_event(JsonObject *h, GPtrArray *out)
{
    struct quarantine_detail_event *x = g_new0(struct quarantine_detail_event, 1);

    x->state = dup_member(h, "state");
    x->time = dup_member(h, "time");
    x->by = dup_member(h, "by");
    x->detail = dup_member(h, "detail");
    g_ptr_array_add(out, x);
}

/* quarantine_detail_new - the record's fields in C */
struct quarantine_detail *quarantine_detail_new(JsonNode *record)
{
    struct quarantine_detail *d;
    JsonObject *o;

    if (record == NULL || !JSON_NODE_HOLDS_OBJECT(record))
        return NULL;
    o = json_node_get_object(record);
    d = g_new0(struct quarantine_detail, 1);
    d->id = dup_member(o, "id");
    d->time = dup_member(o, "time");
    d->state = dup_member(o, "state");
    d->damaged = dup_member(o, "damaged");
    d->queue_id = dup_member(o, "queue_id");
    d->client_addr = dup_member(o, "client_addr");
    d->host = dup_member(o, "host");
    d->sender = dup_member(o, "sender");
    d->subject = dup_member(o, "subject");
    d->verdict = dup_member(o, "verdict");
    d->action = dup_member(o, "action");
    d->policy = dup_member(o, "policy");
    d->recipients = strings_new(o, "recipients");
    d->reasons = strings_new(o, "reasons");
    d->size = (guint64)MAX(number_member(o, "size"), 0);
    d->score = number_member(o, "score");
    d->generation = (unsigned)CLAMP(number_member(o, "generation"), 0, G_MAXUINT);
    d->hits = g_ptr_array_new_with_free_func(hit_free);
    d->parts = g_ptr_array_new_with_free_func(part_free);
    d->objects = g_ptr_array_new_with_free_func(object_free);
    d->history = g_ptr_array_new_with_free_func(event_free);
    each_object(o, "hits", read_hit, d->hits);
    each_object(o, "parts", read_part, d->parts);
    each_object(o, "objects", read_object, d->objects);
    each_object(o, "history", read_event, d->history);
    return d;
}

/* quarantine_detail_free - all of it */
struct quarantine_detail *quarantine_detail_free(struct quarantine_detail *d)
{
    if (d == NULL)
        return NULL;
    g_free(d->id);
    g_free(d->time);
    g_free(d->state);
    g_free(d->damaged);
    g_free(d->queue_id);
    g_free(d->client_addr);
    g_free(d->host);
    g_free(d->sender);
    g_free(d->subject);
    g_free(d->verdict);
    g_free(d->action);
    g_free(d->policy);
    g_ptr_array_unref(d->recipients);
    g_ptr_array_unref(d->reasons);
    g_ptr_array_unref(d->hits);
    g_ptr_array_unref(d->parts);
    g_ptr_array_unref(d->objects);
    g_ptr_array_unref(d->history);
    g_free(d);
    return NULL;
}

/* ---- the entry's lists and the record, as text (the PostgreSQL store's columns) ---- */

/* quarantine_record_lists_new - the list fields of E as one JSON object */
char *quarantine_record_lists_new(const struct quarantine_entry *e)
{
    const struct {
        const char *name;
        const GPtrArray *a;
    } l[] = {{"recipients", e->recipients},
             {"reasons", e->reasons},
             {"campaigns", e->campaigns},
             {"rules", e->rules},
             {"signatures", e->signatures}};
    JsonBuilder *b = json_builder_new();
    JsonNode *root;
    char *text;

    json_builder_begin_object(b);
    for (size_t i = 0; i < G_N_ELEMENTS(l); i++) {
        json_builder_set_member_name(b, l[i].name);
        json_builder_begin_array(b);
        for (guint j = 0; l[i].a != NULL && j < l[i].a->len; j++)
            json_builder_add_string_value(b, g_ptr_array_index(l[i].a, j));
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    json_node_unref(root);
    g_object_unref(b);
    return text;
}

/* quarantine_record_lists_read - the list fields of TEXT into E */
void quarantine_record_lists_read(struct quarantine_entry *e, const char *text)
{
    const struct {
        const char *name;
        GPtrArray *a;
    } l[] = {{"recipients", e->recipients},
             {"reasons", e->reasons},
             {"campaigns", e->campaigns},
             {"rules", e->rules},
             {"signatures", e->signatures}};
    JsonNode *root = text != NULL ? json_from_string(text, NULL) : NULL;
    JsonObject *o =
        root != NULL && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;

    for (size_t i = 0; o != NULL && i < G_N_ELEMENTS(l); i++) {
        JsonNode *m = json_object_get_member(o, l[i].name);
        JsonArray *a = m != NULL && JSON_NODE_HOLDS_ARRAY(m) ? json_node_get_array(m) : NULL;

        for (guint j = 0; a != NULL && j < json_array_get_length(a); j++) {
            const char *s = json_array_get_string_element(a, j);

            if (s != NULL)
                g_ptr_array_add(l[i].a, g_strdup(s));
        }
    }
    if (root != NULL)
        json_node_unref(root);
}

/* quarantine_record_parse - the record TEXT of ID as a JSON object node */
JsonNode *quarantine_record_parse(const char *id, const char *text, struct mv_err *err)
{
    GError *gerr = NULL;
    JsonNode *root = json_from_string(text, &gerr);
    JsonObject *o;

    if (root == NULL) {
        mv_err_set(err, MV_EPARSE, "record %s: not JSON: %s", id,
                   gerr != NULL ? gerr->message : "empty");
        g_clear_error(&gerr);
        return NULL;
    }
    o = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    if (o == NULL || g_strcmp0(json_object_get_string_member_with_default(o, "id", ""), id) != 0) {
        mv_err_set(err, MV_EPARSE, "record %s: not this entry's record", id);
        json_node_unref(root);
        return NULL;
    }
    return root;
}
