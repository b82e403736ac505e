/* quarantine_record_detail.c - the record in C (quarantine.h: struct quarantine_detail),
 * for a view that places each field itself (the console): the envelope, the verdict, the
 * hits, parts, objects and history, each string copied, a member the record lacks NULL.
 * Its fields as quarantine_record.c's schema names them.  A part of the quarantine module:
 * it never logs. */
#include <glib.h>
#include <json-glib/json-glib.h>

#include "quarantine.h"
#include "quarantine_internal.h"

/* dup_member - a copy of string member KEY of O, or NULL */
static char *dup_member(JsonObject *o, const char *key)
{
    return g_strdup(quarantine_record_string(o, key));
}

/* strings_new - the strings of array member KEY of O, as a new array */
static GPtrArray *strings_new(JsonObject *o, const char *key)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

    quarantine_record_strings(o, key, list);
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
    JsonArray *a = quarantine_record_array(o, key);

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
    x->score = quarantine_record_number(h, "score");
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
    x->size = (guint64)MAX(quarantine_record_number(p, "size"), 0);
    x->signatures = strings_new(p, "signatures");
    g_ptr_array_add(out, x);
}

static void read_object(JsonObject *o, GPtrArray *out)
{
    struct quarantine_detail_object *x = g_new0(struct quarantine_detail_object, 1);

    x->path = dup_member(o, "path");
    x->name = dup_member(o, "name");
    x->type = dup_member(o, "type");
    x->size = (guint64)MAX(quarantine_record_number(o, "size"), 0);
    x->depth = (unsigned)CLAMP(quarantine_record_number(o, "depth"), 0, 64);
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
    d->size = (guint64)MAX(quarantine_record_number(o, "size"), 0);
    d->score = quarantine_record_number(o, "score");
    d->generation = (unsigned)CLAMP(quarantine_record_number(o, "generation"), 0, G_MAXUINT);
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
