/* quarantine_record.c - the schema of a quarantine record (ID.json), known in
 * quarantine_record*.c and nowhere else: building the record of a new entry (the envelope, the scan
 * result of render.c merged in, the state and its history), reading a record back into the entry
 * the index keeps, a state change, and the entry's lists as one text (the PostgreSQL
 * store's column); the record's two views for the operator (the JSON of an entry, list
 * --json, and the readable record, show) are quarantine_record_view.c's, the record as a
 * struct quarantine_detail quarantine_record_detail.c's, both reading the fields named here
 * with the member readers below (quarantine_internal.h).
 * Record fields: id, time (RFC 3339, UTC), queue_id, client_addr, sender,
 * recipients[], size, the scan result's own fields (verdict, action, score, reasons[],
 * hits[], policy, subject, parts[], objects[], ... as mailvet scan --json, file left
 * out), generation, host (the holding host, in the PostgreSQL store),
 * state (held | released | deleted), history[] {state, time, by, detail}; and, in the
 * record that replaces a damaged one when it is deleted, damaged (why it was).
 * json-glib builds, escapes and parses every text; text the sender controls is made
 * printable in the readable view.  A part of the quarantine module: it never logs.
 */
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

/* quarantine_record_rfc3339_new - Unix seconds as "2024-05-01T10:00:00Z" (caller frees) */
char *quarantine_record_rfc3339_new(gint64 unix_seconds)
{
    GDateTime *dt = g_date_time_new_from_unix_utc(unix_seconds);
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");

    g_date_time_unref(dt);
    return s;
}

/* ---- reading members ------------------------------------------------------------------ */

/* quarantine_record_array - member KEY of O if it is an array, else NULL */
JsonArray *quarantine_record_array(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* quarantine_record_strings - the strings of array member KEY of O into LIST */
void quarantine_record_strings(JsonObject *o, const char *key, GPtrArray *list)
{
    JsonArray *a = quarantine_record_array(o, key);

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *v = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING)
            g_ptr_array_add(list, g_strdup(json_node_get_string(v)));
    }
}

/* quarantine_record_string - member KEY of O if it is a string, else NULL */
const char *quarantine_record_string(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* quarantine_record_number - member KEY of O as a double (0 when absent) */
double quarantine_record_number(JsonObject *o, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
        return 0;
    return json_node_get_double(n);
}

/* campaigns_of - the distinct hits[].campaign of the record O */
static void campaigns_of(JsonObject *o, GPtrArray *list)
{
    JsonArray *a = quarantine_record_array(o, "hits");

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *h = json_array_get_element(a, i);
        const char *c;
        bool seen = false;

        if (!JSON_NODE_HOLDS_OBJECT(h))
            continue;
        c = quarantine_record_string(json_node_get_object(h), "campaign");
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
    JsonArray *a = quarantine_record_array(o, "hits");

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonNode *h = json_array_get_element(a, i);

        if (JSON_NODE_HOLDS_OBJECT(h))
            add_distinct(list, quarantine_record_string(json_node_get_object(h), "id"));
    }
}

/* signatures_of - the distinct signatures of the record O's parts[] and objects[] */
static void signatures_of(JsonObject *o, GPtrArray *list)
{
    static const char *const members[] = {"parts", "objects"};

    for (size_t m = 0; m < G_N_ELEMENTS(members); m++) {
        JsonArray *a = quarantine_record_array(o, members[m]);

        for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
            JsonNode *n = json_array_get_element(a, i);
            GPtrArray *sigs;

            if (!JSON_NODE_HOLDS_OBJECT(n))
                continue;
            sigs = g_ptr_array_new_with_free_func(g_free);
            quarantine_record_strings(json_node_get_object(n), "signatures", sigs);
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
    const char *s = quarantine_record_string(o, "subject");
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
    id = quarantine_record_string(o, "id");
    if (!quarantine_id_valid(id))
        return NULL;
    e = quarantine_entry_new();
    memcpy(e->id, id, sizeof(e->id));
    t = quarantine_record_string(o, "time");
    dt = t != NULL ? g_date_time_new_from_iso8601(t, NULL) : NULL;
    e->time = dt != NULL ? g_date_time_to_unix(dt) : quarantine_id_ms(id) / 1000;
    if (dt != NULL)
        g_date_time_unref(dt);
    e->size = (guint64)quarantine_record_number(o, "size");
    state = quarantine_record_string(o, "state");
    e->state = quarantine_state_parse(state, &st) ? st : QUARANTINE_HELD;
    e->verdict = g_strdup(quarantine_record_string(o, "verdict"));
    e->score = quarantine_record_number(o, "score");
    e->sender = g_strdup(quarantine_record_string(o, "sender"));
    quarantine_record_strings(o, "recipients", e->recipients);
    quarantine_record_strings(o, "reasons", e->reasons);
    campaigns_of(o, e->campaigns);
    e->queue_id = g_strdup(quarantine_record_string(o, "queue_id"));
    e->host = g_strdup(quarantine_record_string(o, "host"));
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
    char *when = quarantine_record_rfc3339_new(now), *out = NULL;

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
    char *when = quarantine_record_rfc3339_new(now), *text;

    json_object_set_string_member(o, "state", quarantine_state_name(state));
    if (quarantine_record_array(o, "history") == NULL)
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
    char *when = quarantine_record_rfc3339_new(file_time),
         *deleted = quarantine_record_rfc3339_new(now), *detail, *text;
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

/* ---- the record's state ---------------------------------------------------------------- */

/* quarantine_record_state - the record's state; held when it names none we know */
enum quarantine_state quarantine_record_state(JsonNode *record)
{
    enum quarantine_state st;

    if (record == NULL || !JSON_NODE_HOLDS_OBJECT(record) ||
        !quarantine_state_parse(quarantine_record_string(json_node_get_object(record), "state"),
                                &st))
        return QUARANTINE_HELD;
    return st;
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
