/* quarantine_record_view.c - the record's two views for the operator (quarantine.h): the
 * JSON of an entry (list --json) and the readable record (show), text the sender controls
 * made printable.  Its fields as quarantine_record.c's schema names them.  A part of the
 * quarantine module: it never logs. */
#include <stdio.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

/* ---- the operator's views ------------------------------------------------------------- */

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
    char *when = quarantine_record_rfc3339_new(e->time);
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
        put_safe(out, quarantine_record_string(h, "id"));
        g_string_append_printf(out, " (%g", quarantine_record_number(h, "score"));
        if (quarantine_record_string(h, "campaign") != NULL) {
            g_string_append(out, ", campaign ");
            put_safe(out, quarantine_record_string(h, "campaign"));
        }
        g_string_append(out, ")");
        if (quarantine_record_string(h, "description") != NULL) {
            g_string_append(out, ": ");
            put_safe(out, quarantine_record_string(h, "description"));
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
        depth = (int)CLAMP(quarantine_record_number(ob, "depth"), 0, 32);
        g_string_append_printf(out, "  %*s", depth * 2, "");
        put_safe(out, quarantine_record_string(ob, "name") != NULL
                          ? quarantine_record_string(ob, "name")
                          : "(no name)");
        g_string_append(out, "  [");
        put_safe(out, quarantine_record_string(ob, "type") != NULL
                          ? quarantine_record_string(ob, "type")
                          : "?");
        g_string_append_printf(out, ", %.0f bytes", quarantine_record_number(ob, "size"));
        if (json_object_get_boolean_member_with_default(ob, "encrypted", FALSE))
            g_string_append(out, ", encrypted");
        if (json_object_get_boolean_member_with_default(ob, "decrypted", FALSE))
            g_string_append(out, ", decrypted");
        if (json_object_get_boolean_member_with_default(ob, "type_mismatch", FALSE))
            g_string_append(out, ", TYPE MISMATCH");
        g_string_append_c(out, ']');
        sigs = quarantine_record_array(ob, "signatures");
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
        state = quarantine_record_string(h, "state");
        g_string_append(out, "  ");
        put_safe(out, quarantine_record_string(h, "time"));
        g_string_append_printf(out, "  %-8s by ", state != NULL ? state : "-");
        put_safe(out, quarantine_record_string(h, "by"));
        if (quarantine_record_string(h, "detail") != NULL) {
            g_string_append(out, ": ");
            put_safe(out, quarantine_record_string(h, "detail"));
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
    field(out, "id:", quarantine_record_string(o, "id"));
    field(out, "time:", quarantine_record_string(o, "time"));
    field(out, "state:", quarantine_record_string(o, "state"));
    if (quarantine_record_string(o, "damaged") != NULL)
        field(out, "damaged:", quarantine_record_string(o, "damaged"));
    field(out, "queue id:", quarantine_record_string(o, "queue_id"));
    field(out, "client:", quarantine_record_string(o, "client_addr"));
    if (quarantine_record_string(o, "host") != NULL)
        field(out, "host:", quarantine_record_string(o, "host"));
    g_string_append_printf(out, "%-12s <", "sender:");
    put_safe(out, quarantine_record_string(o, "sender"));
    g_string_append(out, ">\n");
    g_string_append_printf(out, "%-12s", "recipients:");
    a = quarantine_record_array(o, "recipients");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        g_string_append(out, i > 0 ? ", <" : " <");
        put_safe(out, json_array_get_string_element(a, i));
        g_string_append_c(out, '>');
    }
    g_string_append_c(out, '\n');
    snprintf(num, sizeof(num), "%.0f bytes", quarantine_record_number(o, "size"));
    field(out, "size:", num);
    field(out, "verdict:", quarantine_record_string(o, "verdict"));
    field(out, "action:", quarantine_record_string(o, "action"));
    snprintf(num, sizeof(num), "%g", quarantine_record_number(o, "score"));
    field(out, "score:", num);
    snprintf(num, sizeof(num), "%.0f", quarantine_record_number(o, "generation"));
    field(out, "generation:", num);
    if (quarantine_record_string(o, "policy") != NULL)
        field(out, "policy:", quarantine_record_string(o, "policy"));
    g_string_append(out, "reasons:\n");
    a = quarantine_record_array(o, "reasons");
    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        g_string_append(out, "  ");
        put_safe(out, json_array_get_string_element(a, i));
        g_string_append_c(out, '\n');
    }
    text_hits(out, quarantine_record_array(o, "hits"));
    text_objects(out, quarantine_record_array(o, "objects"));
    text_history(out, quarantine_record_array(o, "history"));
    return g_string_free(out, FALSE);
}
