/* render.c - render a pipeline result.
 * JSON fields (stable; later work only adds): file, verdict, action, score, reasons,
 * hits[] {id, campaign, category, score, description, objects}, policy (the note on
 * how the action was decided, or null), subject (decoded, or null: the quarantine's
 * index and the console search it), cache {state, hits, misses, errors,
 * rejected, rtt_ms}, objects_scanned, parts[] {path, filename, declared_type, detected_type, size,
 * sha256, signatures}, objects[] {path, name, type, size, depth, encrypted, decrypted,
 * type_mismatch, signatures, decoded}: every object inspected, flat, in the order seen;
 * decoded {vba, xlm, rtf_object, ole_class, script} holds the first RENDER_DECODED_BYTES
 * of each field decoded for rules (invalid UTF-8 replaced), the text form a line of
 * RENDER_DECODED_LINE bytes each.
 * json-glib does the escaping, so sender-controlled names are safe in the output.
 * The text form escapes every string it prints (g_strescape: control characters,
 * DEL, bytes above 0x7e and the backslash as C escapes), file and attachment names,
 * types, reasons and rule ids alike, so that nothing a sender writes can move the
 * terminal's cursor, clear it, or start a line of its own. */
#include <json-glib/json-glib.h>

#include "render.h"

#define RENDER_DECODED_BYTES 2048 /* of each decoded field, in JSON */
#define RENDER_DECODED_LINE 120   /* ... and in the text form */

/* decoded_text_new - the first MAX bytes of decoded field D as valid UTF-8 */
static char *decoded_text_new(const GByteArray *d, size_t max)
{
    return g_utf8_make_valid((const char *)d->data, (gssize)MIN((size_t)d->len, max));
}

/* add_string_or_null - a member that is a string or JSON null */
static void add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
    json_builder_set_member_name(b, key);
    if (value != NULL)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

/* add_strings - a member that is an array of strings */
static void add_strings(JsonBuilder *b, const char *key, const GPtrArray *list)
{
    json_builder_set_member_name(b, key);
    json_builder_begin_array(b);
    for (guint i = 0; list != NULL && i < list->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(list, i));
    json_builder_end_array(b);
}

/* add_bool - a boolean member */
static void add_bool(JsonBuilder *b, const char *key, bool value)
{
    json_builder_set_member_name(b, key);
    json_builder_add_boolean_value(b, value);
}

/* add_object - one inventory entry */
static void add_object(JsonBuilder *b, const struct scan_object *o)
{
    json_builder_begin_object(b);
    add_string_or_null(b, "path", o->path);
    add_string_or_null(b, "name", o->name);
    add_string_or_null(b, "type", o->type);
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, (gint64)o->size);
    json_builder_set_member_name(b, "depth");
    json_builder_add_int_value(b, o->depth);
    add_bool(b, "encrypted", o->encrypted);
    add_bool(b, "decrypted", o->decrypted);
    add_bool(b, "type_mismatch", o->type_mismatch);
    add_strings(b, "signatures", o->signatures);
    json_builder_set_member_name(b, "decoded");
    json_builder_begin_object(b);
    for (unsigned k = 0; k < SCAN_DECODED_N; k++) {
        char *text;

        if (o->decoded[k] == NULL)
            continue;
        text = decoded_text_new(o->decoded[k], RENDER_DECODED_BYTES);
        json_builder_set_member_name(b, scan_decoded_name((enum scan_decoded)k));
        json_builder_add_string_value(b, text);
        g_free(text);
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
}

/* add_hits - the rules that hit: id, campaign, category, score, objects matched */
static void add_hits(JsonBuilder *b, const struct pipeline_result *res)
{
    json_builder_set_member_name(b, "hits");
    json_builder_begin_array(b);
    for (guint i = 0; res->rules.hits != NULL && i < res->rules.hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->rules.hits, i);

        json_builder_begin_object(b);
        add_string_or_null(b, "id", h->id);
        add_string_or_null(b, "campaign", h->campaign);
        add_string_or_null(b, "category", h->category);
        json_builder_set_member_name(b, "score");
        json_builder_add_double_value(b, h->score);
        add_string_or_null(b, "description", h->description);
        add_strings(b, "objects", h->objects);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* render_cache_state - "off", "hit" (every leaf), "miss" (none) or "partial" */
const char *render_cache_state(const struct pipeline_result *res)
{
    if (res->cache.off)
        return "off";
    if (res->cache.hits > 0 && res->cache.hits >= res->nreports)
        return "hit";
    return res->cache.hits > 0 ? "partial" : "miss";
}

/* add_cache - what the cache did for the message */
static void add_cache(JsonBuilder *b, const struct pipeline_result *res)
{
    json_builder_set_member_name(b, "cache");
    json_builder_begin_object(b);
    add_string_or_null(b, "state", render_cache_state(res));
    json_builder_set_member_name(b, "hits");
    json_builder_add_int_value(b, res->cache.hits);
    json_builder_set_member_name(b, "misses");
    json_builder_add_int_value(b, res->cache.misses);
    json_builder_set_member_name(b, "errors");
    json_builder_add_int_value(b, res->cache.errors);
    json_builder_set_member_name(b, "rejected");
    json_builder_add_int_value(b, res->cache.rejected);
    json_builder_set_member_name(b, "rtt_ms");
    json_builder_add_double_value(b, res->cache.rtt_ms);
    json_builder_end_object(b);
}

/* render_json_new - the result as one JSON object */
char *render_json_new(const char *name, const struct pipeline_result *res)
{
    JsonBuilder *b = json_builder_new();
    JsonGenerator *gen;
    JsonNode *root;
    char *out;

    json_builder_begin_object(b);
    add_string_or_null(b, "file", name);
    add_string_or_null(b, "verdict", mv_verdict_name(res->verdict));
    add_string_or_null(b, "action", mv_action_name(res->action));
    json_builder_set_member_name(b, "score");
    json_builder_add_double_value(b, res->score);
    add_strings(b, "reasons", res->reasons);
    add_hits(b, res);
    add_string_or_null(b, "policy", res->decision.note);
    add_string_or_null(b, "subject", res->msg != NULL ? message_subject_get(res->msg) : NULL);
    add_cache(b, res);
    json_builder_set_member_name(b, "objects_scanned");
    json_builder_add_int_value(b, res->objects);
    json_builder_set_member_name(b, "parts");
    json_builder_begin_array(b);
    for (size_t i = 0; i < res->nreports; i++) {
        const struct mv_leaf *leaf = message_leaf_get(res->msg, i);
        const struct scan_report *rep = &res->reports[i];

        json_builder_begin_object(b);
        add_string_or_null(b, "path", leaf->path);
        add_string_or_null(b, "filename", leaf->filename);
        add_string_or_null(b, "declared_type", leaf->declared_type);
        add_string_or_null(b, "detected_type", rep->detected_type);
        json_builder_set_member_name(b, "size");
        json_builder_add_int_value(b, (gint64)leaf->size);
        add_string_or_null(b, "sha256", leaf->sha256);
        add_strings(b, "signatures", rep->signatures);
        add_string_or_null(b, "cache", res->cache.off ? "off" : res->cached[i] ? "hit" : "miss");
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "objects");
    json_builder_begin_array(b);
    for (size_t i = 0; i < res->nreports; i++) {
        const GPtrArray *objs = res->reports[i].objects;

        for (guint j = 0; objs != NULL && j < objs->len; j++)
            add_object(b, g_ptr_array_index(objs, j));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    gen = json_generator_new();
    json_generator_set_root(gen, root);
    out = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    g_object_unref(gen);
    g_object_unref(b);
    return out;
}

/* append_escaped - TEXT (or DASH when NULL) escaped for a terminal, at least WIDTH
 * columns wide (left-aligned) */
static void append_escaped(GString *s, const char *text, const char *dash, int width)
{
    char *e = g_strescape(text != NULL ? text : dash, "");

    g_string_append_printf(s, "%-*s", width, e);
    g_free(e);
}

/* append_signatures - "  FOUND a, b" for the names in LIST, or nothing */
static void append_signatures(GString *s, const GPtrArray *list)
{
    for (guint k = 0; list != NULL && k < list->len; k++) {
        g_string_append(s, k ? ", " : "  FOUND ");
        append_escaped(s, g_ptr_array_index(list, k), "", 0);
    }
}

/* append_object - one line of the object tree, indented by depth */
static void append_object(GString *s, const struct scan_object *o)
{
    g_string_append_printf(s, "  %*s", (int)o->depth * 2, "");
    append_escaped(s, o->name, "(no name)", 0);
    g_string_append(s, "  [");
    append_escaped(s, o->type, "?", 0);
    g_string_append_printf(s, ", %" G_GUINT64_FORMAT " bytes%s%s%s]", o->size,
                           o->encrypted ? ", encrypted" : "", o->decrypted ? ", decrypted" : "",
                           o->type_mismatch ? ", TYPE MISMATCH" : "");
    append_signatures(s, o->signatures);
    g_string_append_c(s, '\n');
    for (unsigned k = 0; k < SCAN_DECODED_N; k++) {
        char *text;

        if (o->decoded[k] == NULL)
            continue;
        text = decoded_text_new(o->decoded[k], RENDER_DECODED_LINE);
        g_string_append_printf(s, "  %*s  %s: ", (int)o->depth * 2, "",
                               scan_decoded_name((enum scan_decoded)k));
        append_escaped(s, text, "", 0);
        g_string_append_printf(s, "%s\n", o->decoded[k]->len > RENDER_DECODED_LINE ? "..." : "");
        g_free(text);
    }
}

/* append_leaf - one line per MIME leaf (-v): path, declared and detected type, size,
 * file name and the signatures found in it */
static void append_leaf(GString *s, const struct mv_leaf *leaf, const struct scan_report *rep)
{
    g_string_append(s, "  ");
    append_escaped(s, leaf->path, "-", 8);
    g_string_append_c(s, ' ');
    append_escaped(s, leaf->declared_type, "-", 28);
    g_string_append_c(s, ' ');
    append_escaped(s, rep->detected_type, "-", 18);
    g_string_append_printf(s, " %9zu  ", leaf->size);
    append_escaped(s, leaf->filename, "-", 0);
    append_signatures(s, rep->signatures);
    g_string_append_c(s, '\n');
}

/* render_text_new - readable summary and object tree, with the MIME parts when VERBOSE */
char *render_text_new(const char *name, const struct pipeline_result *res, bool verbose)
{
    GString *s = g_string_new(NULL);

    append_escaped(s, name, "-", 0);
    g_string_append_printf(s, ": %s", mv_verdict_name(res->verdict));
    if (res->reasons->len > 0) {
        g_string_append(s, " (");
        for (guint i = 0; i < res->reasons->len; i++) {
            g_string_append(s, i ? ", " : "");
            append_escaped(s, g_ptr_array_index(res->reasons, i), "", 0);
        }
        g_string_append(s, ")");
    }
    g_string_append_printf(s, " action=%s score=%g\n", mv_action_name(res->action), res->score);
    for (guint i = 0; res->rules.hits != NULL && i < res->rules.hits->len; i++) {
        const struct rule_hit *h = g_ptr_array_index(res->rules.hits, i);

        g_string_append(s, "  hit ");
        append_escaped(s, h->id, "-", 0);
        g_string_append_printf(s, " (%g", h->score);
        if (h->campaign != NULL) {
            g_string_append(s, ", ");
            append_escaped(s, h->campaign, "", 0);
        }
        g_string_append(s, ")\n");
    }
    if (res->decision.note != NULL) {
        g_string_append(s, "  policy: ");
        append_escaped(s, res->decision.note, "", 0);
        g_string_append_c(s, '\n');
    }
    for (size_t i = 0; i < res->nreports; i++)
        for (guint j = 0; j < res->reports[i].objects->len; j++)
            append_object(s, g_ptr_array_index(res->reports[i].objects, j));
    for (size_t i = 0; verbose && i < res->nreports; i++)
        append_leaf(s, message_leaf_get(res->msg, i), &res->reports[i]);
    return g_string_free(s, FALSE);
}
