/* mvfeatures.c - the facts rules read, gathered once per message.
 * Headers come from message.c (decoded, bounded), the body text from the text/plain
 * and text/html leaves that are not attachments, made plain by text.c and cut at
 * FEATURES_BODY_BYTES.  Objects are the scan reports' inventories in order; each
 * object's parent is the nearest object before it one level up in the same report
 * (the inventory is depth-first), which also counts the parent's members. */
#include <string.h>

#include "mvfeatures.h"
#include "text.h"

/* deepest nesting told apart (max_recursion is at most 64); deeper objects count as
 * this deep */
#define FEATURES_MAX_DEPTH 128

/* is_body_text - a text leaf that is part of the message's body, not an attachment */
static bool is_body_text(const struct mv_leaf *leaf)
{
    if (leaf->declared_type == NULL || (leaf->flags & MV_LEAF_RESIDUE))
        return false;
    if (strcmp(leaf->declared_type, "text/plain") != 0 &&
        strcmp(leaf->declared_type, "text/html") != 0)
        return false;
    return leaf->disposition == NULL || strcmp(leaf->disposition, "attachment") != 0;
}

/* body_add - the plain text of LEAF appended to BODY, within FEATURES_BODY_BYTES */
static void body_add(GString *body, const struct mv_leaf *leaf)
{
    size_t room = FEATURES_BODY_BYTES - body->len, len = 0;
    char *text;

    if (body->len >= FEATURES_BODY_BYTES)
        return;
    /* the text of more than the room is never needed; a little more keeps a character
     * cut at the end from turning into noise */
    text = text_plain_new((const char *)leaf->data, MIN(leaf->size, room + 8), &len);
    if (text == NULL)
        return;
    if (body->len > 0)
        g_string_append_c(body, '\n');
    len = MIN(len, FEATURES_BODY_BYTES - body->len);
    /* do not end in the middle of a character */
    while (len > 0 && !g_utf8_validate(text, (gssize)len, NULL))
        len--;
    g_string_append_len(body, text, (gssize)len);
    g_free(text);
}

/* objects_add - the inventory of REP (attachment A) into F */
static void objects_add(struct features *f, const struct scan_report *rep, unsigned a)
{
    int stack[FEATURES_MAX_DEPTH]; /* index of the last object seen at each depth */
    const unsigned levels = G_N_ELEMENTS(stack);
    unsigned top = 0; /* levels above this hold -1 */

    for (unsigned k = 0; k < levels; k++)
        stack[k] = -1;

    for (guint j = 0; rep->objects != NULL && j < rep->objects->len; j++) {
        const struct scan_object *o = g_ptr_array_index(rep->objects, j);
        struct feature_object fo = {
            .path = o->path,
            .name = o->name,
            .type = o->type,
            .size = o->size,
            .depth = o->depth,
            .encrypted = o->encrypted,
            .type_mismatch = o->type_mismatch,
            .signatures = o->signatures,
            .parent = -1,
            .attachment = a,
        };
        unsigned d = MIN(o->depth, levels - 1);

        if (o->head != NULL) {
            gsize n;
            fo.head = g_bytes_get_data(o->head, &n);
            fo.head_len = n;
        }
        for (size_t k = 0; k < SCAN_DECODED_N; k++) {
            if (o->decoded[k] != NULL) {
                fo.decoded[k] = o->decoded[k]->data;
                fo.decoded_len[k] = o->decoded[k]->len;
            }
        }
        if (d > 0 && stack[d - 1] >= 0) {
            fo.parent = stack[d - 1];
            g_array_index(f->objects, struct feature_object, fo.parent).members++;
        }
        g_array_append_val(f->objects, fo);
        stack[d] = (int)f->objects->len - 1;
        for (unsigned k = d + 1; k <= top && k < levels; k++)
            stack[k] = -1; /* deeper levels belonged to an earlier sibling */
        top = d;
    }
}

/* features_new - gather the features of one message */
struct features *features_new(const struct message *msg, const struct scan_report *reports,
                              size_t nreports, const struct features_envelope *env)
{
    struct features *f = g_new0(struct features, 1);
    GString *body = g_string_new(NULL);
    size_t nleaves = message_leaf_count(msg);

    f->env = *env;
    f->subject = message_subject_get(msg);
    f->header_names = g_ptr_array_new();
    f->header_values = g_ptr_array_new();
    for (size_t i = 0; i < message_header_count(msg); i++) {
        g_ptr_array_add(f->header_names, (gpointer)message_header_name(msg, i));
        g_ptr_array_add(f->header_values, (gpointer)message_header_value(msg, i));
    }
    f->from = features_header_get(f, "From");
    f->reply_to = features_header_get(f, "Reply-To");
    f->attachments = g_array_new(FALSE, TRUE, sizeof(struct feature_attachment));
    f->objects = g_array_new(FALSE, TRUE, sizeof(struct feature_object));
    for (size_t i = 0; i < nleaves; i++) {
        const struct mv_leaf *leaf = message_leaf_get(msg, i);
        struct feature_attachment fa = {
            .path = leaf->path,
            .name = leaf->filename,
            .declared_type = leaf->declared_type,
            .disposition = leaf->disposition,
            .size = leaf->size,
            .sha256 = leaf->sha256,
            .residue = (leaf->flags & MV_LEAF_RESIDUE) != 0,
        };

        g_array_append_val(f->attachments, fa);
        if (is_body_text(leaf))
            body_add(body, leaf);
        if (i < nreports)
            objects_add(f, &reports[i], (unsigned)i);
    }
    f->body_len = body->len;
    f->body = g_string_free(body, FALSE);
    return f;
}

/* features_free - the arrays; what they point at belongs to the message and reports */
struct features *features_free(struct features *f)
{
    if (f == NULL)
        return NULL;
    g_ptr_array_free(f->header_names, TRUE);
    g_ptr_array_free(f->header_values, TRUE);
    g_array_free(f->attachments, TRUE);
    g_array_free(f->objects, TRUE);
    g_free(f->body);
    g_free(f);
    return NULL;
}

/* features_header_get - first header field named NAME, case-insensitive */
const char *features_header_get(const struct features *f, const char *name)
{
    for (guint i = 0; i < f->header_names->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(f->header_names, i), name) == 0)
            return g_ptr_array_index(f->header_values, i);
    return NULL;
}
