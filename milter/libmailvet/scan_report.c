/* scan_report.c - a scan's report: its objects (path, type, size, depth, the
 * signatures attributed to each, the content kept for rules) and the signatures of the
 * whole leaf; made by scan.c while libclamav runs, by container.c after it, and by
 * reportcodec.c from the cache.  No libclamav here. */
#include <string.h>

#include "scan_internal.h"

/* scan_name_add - NAME into LIST once */
void scan_name_add(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++)
        if (strcmp(g_ptr_array_index(list, i), name) == 0)
            return;
    g_ptr_array_add(list, g_strdup(name));
}

/* object_free - one object and what it holds (the report's free function) */
static void object_free(gpointer p)
{
    struct scan_object *o = p;

    g_free(o->path);
    g_free(o->name);
    g_free(o->type);
    g_ptr_array_free(o->signatures, TRUE);
    if (o->archive != NULL)
        g_bytes_unref(o->archive);
    if (o->head != NULL)
        g_bytes_unref(o->head);
    for (size_t k = 0; k < SCAN_DECODED_N; k++)
        if (o->decoded[k] != NULL)
            g_byte_array_free(o->decoded[k], TRUE);
    g_free(o);
}

/* scan_object_new - an empty object appended to REP */
struct scan_object *scan_object_new(struct scan_report *rep, char *path, const char *name,
                                    const char *type, uint64_t size, unsigned depth)
{
    struct scan_object *o = g_new0(struct scan_object, 1);

    o->path = path;
    o->name = g_strdup(name);
    o->type = g_strdup(type);
    o->size = size;
    o->depth = depth;
    o->signatures = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(rep->objects, o);
    if (depth > rep->max_depth)
        rep->max_depth = depth;
    return o;
}

/* scan_report_start - an empty report, once */
void scan_report_start(struct scan_report *rep)
{
    if (rep->objects == NULL) {
        rep->signatures = g_ptr_array_new_with_free_func(g_free);
        rep->objects = g_ptr_array_new_with_free_func(object_free);
    }
}

/* scan_object_add - an object seen only in an archive's listing */
struct scan_object *scan_object_add(struct scan_report *rep, guint parent, const char *name,
                                    uint64_t size)
{
    const struct scan_object *p = g_ptr_array_index(rep->objects, parent);

    return scan_object_new(rep, g_strconcat(p->path, "/", name != NULL ? name : "?", NULL), name,
                           "CL_TYPE_ANY", size, p->depth + 1);
}

/* scan_decoded_name - the rules' name of a decoded field */
const char *scan_decoded_name(enum scan_decoded kind)
{
    static const char *const names[SCAN_DECODED_N] = {"vba", "xlm", "rtf_object", "ole_class",
                                                      "script"};

    return (unsigned)kind < SCAN_DECODED_N ? names[kind] : "?";
}

/* scan_decoded_add - DATA onto a decoded field, within the window and the message's room */
bool scan_decoded_add(struct scan_budget *budget, struct scan_object *o, enum scan_decoded kind,
                      const void *data, size_t len)
{
    uint64_t window = budget->window > 0 ? budget->window : SCAN_HEAD_BYTES;
    GByteArray *a = o->decoded[kind];
    size_t have = a != NULL ? a->len : 0, sep = have > 0 ? 1 : 0, n;

    if (have + sep >= window || budget->heads + sep >= SCAN_HEADS_MAX)
        return false;
    n = (size_t)MIN((uint64_t)len, window - have - sep);
    n = (size_t)MIN((uint64_t)n, SCAN_HEADS_MAX - budget->heads - sep);
    if (a == NULL)
        a = o->decoded[kind] = g_byte_array_new();
    if (sep)
        g_byte_array_append(a, (const guint8 *)"\n", 1);
    g_byte_array_append(a, data, (guint)n);
    budget->heads += n + sep;
    budget->bytes += n + sep; /* derived bytes are inspected bytes too */
    return n == len;
}

/* scan_report_init - an empty report as scan_leaf starts one (reportcodec.c) */
void scan_report_init(struct scan_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    scan_report_start(rep);
}

/* scan_object_append - an object made as the scan makes one, appended to REP */
struct scan_object *scan_object_append(struct scan_report *rep, const char *path, const char *name,
                                       const char *type, uint64_t size, unsigned depth)
{
    return scan_object_new(rep, g_strdup(path), name, type, size, depth);
}

/* scan_signature_add - a reason found about object I after the scan */
void scan_signature_add(struct scan_report *rep, guint i, const char *name)
{
    scan_name_add(((struct scan_object *)g_ptr_array_index(rep->objects, i))->signatures, name);
    scan_name_add(rep->signatures, name);
}

/* remove_name - NAME out of LIST */
static void remove_name(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        if (strcmp(g_ptr_array_index(list, i), name) == 0) {
            g_ptr_array_remove_index(list, i);
            return;
        }
    }
}

/* scan_signature_drop - forget a match that no longer holds (an archive opened) */
void scan_signature_drop(struct scan_report *rep, guint i, const char *name)
{
    remove_name(((struct scan_object *)g_ptr_array_index(rep->objects, i))->signatures, name);
    for (guint j = 0; j < rep->objects->len; j++) {
        const struct scan_object *o = g_ptr_array_index(rep->objects, j);
        for (guint k = 0; k < o->signatures->len; k++)
            if (strcmp(g_ptr_array_index(o->signatures, k), name) == 0)
                return;
    }
    remove_name(rep->signatures, name);
}

/* scan_report_clear - free a report's contents (the struct is the caller's) */
void scan_report_clear(struct scan_report *rep)
{
    if (rep->signatures != NULL)
        g_ptr_array_free(rep->signatures, TRUE);
    if (rep->objects != NULL)
        g_ptr_array_free(rep->objects, TRUE);
    g_free(rep->detected_type);
    memset(rep, 0, sizeof(*rep));
}
