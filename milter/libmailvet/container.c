/* container.c - every member of a zip, 7z or rar archive accounted for.
 * One archive at a time, after the scan of the leaf it was found in:
 *  1. The archive is listed with libarchive, headers only.  Zips one after another
 *     (two end-of-central-directory records) are listed part by part, since each
 *     reader sees only one of them.
 *  2. Each plain member is matched with an object libclamav reported directly below
 *     the archive: same base name (libclamav reports base names) and same size, each
 *     object matched once.  A match needs nothing more.
 *  3. A plain member without a match is extracted by libarchive and scanned below the
 *     archive (scan_member), unless its declared size is above max_file_size
 *     (Mailvet.Limits.MaxFileSize: libclamav cuts such members silently) or its
 *     bytes do not decompress (Mailvet.Unscannable.Unreadable).
 *  4. Encrypted members are tried with the message's candidate passwords; an archive
 *     wholly opened loses its Heuristics.Encrypted.* alert, one not opened keeps it
 *     or gets Mailvet.Unscannable.Encrypted.
 *  5. The members' declared sizes over the archive's size is its compression ratio
 *     (Mailvet.Limits.CompressionRatio), which libclamav's trimmed sizes understate.
 * Nothing is done once the message has hit a message-wide limit: it is unscannable
 * already.  Members extracted here start a new libclamav recursion, so the depth is
 * bounded here by max_recursion (Heuristics.Limits.Exceeded.MaxRecursion,
 * libclamav's own name for it). */
#include <string.h>

#include "container.h"
#include "mvlimits.h"
#include "unpack.h"

#define CONTAINER_MAX_PARTS 16 /* zips one after another read separately */

/* the objects libclamav reported directly below the archive, for matching */
struct children {
    const struct container_limits *limits;
    GPtrArray *objects;  /* struct scan_object *, not owned */
    GArray *used;        /* gboolean per object: matched already */
    GHashTable *matched; /* struct unpack_member * matched to an object */
};

/* base_name - the last component of a member's name ('/' or '\\' separated) */
static const char *base_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *back = strrchr(name, '\\');

    if (back != NULL && (slash == NULL || back > slash))
        slash = back;
    return slash != NULL ? slash + 1 : name;
}

/* want_member - unpack_want_fn: extract a plain member libclamav did not report,
 * unless it is too big to scan anyway */
static bool want_member(const struct unpack_member *m, void *ctx)
{
    struct children *ch = ctx;
    const char *base = base_name(m->name);

    for (guint k = 0; k < ch->objects->len; k++) {
        const struct scan_object *o = g_ptr_array_index(ch->objects, k);

        if (g_array_index(ch->used, gboolean, k) || o->size != m->size)
            continue;
        if (o->name != NULL && strcmp(base_name(o->name), base) != 0)
            continue;
        g_array_index(ch->used, gboolean, k) = TRUE;
        g_hash_table_add(ch->matched, (gpointer)m);
        return false;
    }
    return m->size <= ch->limits->max_file_size;
}

/* children_init - the objects directly below object I */
static void children_init(struct children *ch, const struct container_limits *limits,
                          const struct scan_report *rep, guint i)
{
    const struct scan_object *a = g_ptr_array_index(rep->objects, i);
    gboolean no = FALSE;

    ch->limits = limits;
    ch->objects = g_ptr_array_new();
    ch->used = g_array_new(FALSE, FALSE, sizeof(gboolean));
    ch->matched = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint j = i + 1; j < rep->objects->len; j++) {
        struct scan_object *o = g_ptr_array_index(rep->objects, j);

        if (o->depth <= a->depth)
            break;
        if (o->depth == a->depth + 1) {
            g_ptr_array_add(ch->objects, o);
            g_array_append_val(ch->used, no);
        }
    }
}

static void children_clear(struct children *ch)
{
    g_ptr_array_free(ch->objects, TRUE);
    g_array_free(ch->used, TRUE);
    g_hash_table_destroy(ch->matched);
}

/* What the members of all parts came to. */
struct tally {
    uint64_t declared;   /* declared sizes, summed */
    unsigned encrypted;  /* parts with encrypted members */
    unsigned closed;     /* parts not wholly opened */
    unsigned unreadable; /* parts libarchive could not read at all */
};

/* account - the members of one part, after unpack_open_some */
static enum mv_status account(const struct container_ctx *cc, struct scan_report *rep, guint i,
                              const struct unpack_result *ur, const struct children *ch,
                              struct tally *t, struct mv_err *err)
{
    for (guint m = 0; m < ur->members->len; m++) {
        const struct unpack_member *mem = g_ptr_array_index(ur->members, m);
        struct scan_object *mo = NULL;
        const char *reason = NULL;
        gint first = -1;

        t->declared += mem->size;
        if (cc->budget->limit != NULL)
            return MV_OK;
        if (g_hash_table_contains(ch->matched, mem))
            continue;
        if (mem->data != NULL) {
            enum mv_status st = scan_member(cc->engine, mem->data, mem->name, i, cc->budget, rep,
                                            &first, cc->progress, cc->progress_ctx, err);
            if (st != MV_OK)
                return st;
            if (first >= 0)
                mo = g_ptr_array_index(rep->objects, first);
        } else {
            if (mem->size > cc->limits.max_file_size || mem->too_big)
                reason = "Mailvet.Limits.MaxFileSize";
            else if (mem->unreadable)
                reason = "Mailvet.Unscannable.Unreadable";
            mo = scan_object_add(rep, i, mem->name, mem->size);
            if (reason != NULL)
                scan_signature_add(rep, rep->objects->len - 1, reason);
        }
        if (mo != NULL) {
            mo->encrypted = mem->encrypted;
            mo->decrypted = mem->encrypted && mem->data != NULL;
        }
    }
    return MV_OK;
}

/* check_part - list, match, extract and scan the archive in DATA[0..LEN) */
static enum mv_status check_part(const struct container_ctx *cc, struct scan_report *rep, guint i,
                                 const void *data, size_t len, struct children *ch, struct tally *t,
                                 struct mv_err *err)
{
    struct unpack_limits lim = {
        .max_members = cc->limits.max_files,
        .max_member_size = cc->limits.max_file_size,
        .max_total_size = cc->limits.max_scan_size,
        .max_passwords = cc->limits.max_passwords,
    };
    const GPtrArray *passwords = NULL;
    struct unpack_result ur = {0};
    enum mv_status st;

    if (((const struct scan_object *)g_ptr_array_index(rep->objects, i))->encrypted)
        passwords = cc->passwords(cc->passwords_ctx);
    st = unpack_open_some(data, len, passwords, &lim, want_member, ch, &ur, err);
    if (st == MV_EPARSE) {
        t->unreadable++;
        st = MV_OK;
    } else if (st == MV_OK) {
        bool encrypted = false;

        for (guint m = 0; m < ur.members->len && !encrypted; m++)
            encrypted = ((const struct unpack_member *)g_ptr_array_index(ur.members, m))->encrypted;
        t->encrypted += encrypted;
        t->closed += !ur.opened;
        st = account(cc, rep, i, &ur, ch, t, err);
    }
    unpack_result_clear(&ur);
    return st;
}

/* settle_encryption - an archive wholly opened drops libclamav's encryption alert; one
 * left closed keeps it, or gets ours */
static void settle_encryption(struct scan_report *rep, guint i, bool opened)
{
    struct scan_object *o = g_ptr_array_index(rep->objects, i);
    bool alerted = false;

    for (guint k = o->signatures->len; k > 0; k--) {
        const char *name = g_ptr_array_index(o->signatures, k - 1);

        if (!g_str_has_prefix(name, "Heuristics.Encrypted"))
            continue;
        alerted = true;
        if (opened) {
            char *copy = g_strdup(name);
            scan_signature_drop(rep, i, copy);
            g_free(copy);
        }
    }
    if (!opened && !alerted)
        scan_signature_add(rep, i, "Mailvet.Unscannable.Encrypted");
}

/* container_check - account for every member of archive object I */
enum mv_status container_check(const struct container_ctx *cc, struct scan_report *rep, guint i,
                               struct mv_err *err)
{
    struct scan_object *o = g_ptr_array_index(rep->objects, i);
    GBytes *archive = o->archive;
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(gsize));
    struct tally t = {0};
    struct children ch;
    enum mv_status st = MV_OK;
    guint parts = 0;
    gsize len;
    const void *data = g_bytes_get_data(archive, &len);

    o->archive = NULL;
    if (cc->budget->limit != NULL)
        goto out;
    if (o->depth + 1 >= cc->limits.max_recursion) {
        /* libclamav's name for the same limit: its levels are 0 .. max_recursion - 1 */
        scan_signature_add(rep, i, "Heuristics.Limits.Exceeded.MaxRecursion");
        goto out;
    }
    children_init(&ch, &cc->limits, rep, i);
    if (strcmp(o->type, "CL_TYPE_ZIP") == 0)
        parts = unpack_zip_parts(data, len, ranges, CONTAINER_MAX_PARTS);
    if (parts < 2) {
        st = check_part(cc, rep, i, data, len, &ch, &t, err);
    } else {
        for (guint p = 0; p < parts && st == MV_OK; p++) {
            gsize start = g_array_index(ranges, gsize, 2 * p);
            gsize end = g_array_index(ranges, gsize, 2 * p + 1);
            st = check_part(cc, rep, i, (const char *)data + start, end - start, &ch, &t, err);
        }
    }
    /* libarchive could read nothing and libclamav reported nothing inside: the
     * archive's content is unknown */
    if (st == MV_OK && t.unreadable > 0 && t.unreadable >= MAX(parts, 1) && ch.objects->len == 0)
        scan_signature_add(rep, i, "Mailvet.Unscannable.Unreadable");
    children_clear(&ch);
    if (st != MV_OK)
        goto out;
    o = g_ptr_array_index(rep->objects, i);
    if (o->encrypted || t.encrypted > 0)
        settle_encryption(rep, i, t.closed == 0 && t.unreadable == 0);
    if (len > 0 && t.declared >= LIMIT_RATIO_FLOOR &&
        t.declared / len >= cc->limits.max_compression_ratio)
        scan_signature_add(rep, i, "Mailvet.Limits.CompressionRatio");
out:
    g_array_free(ranges, TRUE);
    g_bytes_unref(archive);
    return st;
}
