/* container.c - every member of a zip, 7z, rar, LHA or ar archive, or of a compressed
 * stream libclamav does not open (zstd, LZ4, lzip, LZMA alone, compress), accounted
 * for; and the names single-file compressors keep given to what they hold.
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
 *     A listing stopped at max_files is Heuristics.Limits.Exceeded.MaxFiles (the
 *     name libclamav gives the same limit); one that damage cut short, for a type
 *     only libarchive reads, Mailvet.Unscannable.Unreadable.
 *  6. An encrypted archive of which nothing could be listed (a 7z with encrypted
 *     headers) gets Mailvet.Unscannable.Unlistable besides the encryption alert: no
 *     member name, no size, nothing for rules but the fact.  A container libclamav
 *     does not open (Mailvet.Unscannable.LHA, .ZSTD ...) that libarchive read loses
 *     that reason; its members were scanned like any other.  libarchive 3.6 decrypts
 *     zip only: a 7z or rar's encrypted members are listed, never opened.
 * container_names() then names what gzip, bzip2 and xz hold, which libclamav reports
 * without a name: gzip's header keeps the original name (FNAME); otherwise, as
 * gunzip does, the container's name without its extension.
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
    unsigned unlistable; /* encrypted parts of which no member could be listed */
};

/* stream_name - what a compressed stream NAME holds, named as its decompressor would:
 * "x.exe.zst" gives "x.exe", "x.tzst" "x.tar"; NULL when NAME has no such extension */
static char *stream_name(const char *name)
{
    static const struct {
        const char *ext, *becomes;
    } exts[] = {
        {".gz", ""},       {".tgz", ".tar"}, {".z", ""},       {".bz2", ""},     {".tbz", ".tar"},
        {".tbz2", ".tar"}, {".xz", ""},      {".txz", ".tar"}, {".zst", ""},     {".zstd", ""},
        {".tzst", ".tar"}, {".lz4", ""},     {".lz", ""},      {".tlz", ".tar"}, {".lzma", ""},
    };
    size_t n = name != NULL ? strlen(name) : 0;

    for (size_t k = 0; k < G_N_ELEMENTS(exts); k++) {
        size_t e = strlen(exts[k].ext);

        if (n > e && g_ascii_strcasecmp(name + n - e, exts[k].ext) == 0) {
            GString *s = g_string_new_len(name, (gssize)(n - e));
            return g_string_free(g_string_append(s, exts[k].becomes), FALSE);
        }
    }
    return NULL;
}

/* account - the members of one part, after unpack_open_some */
static enum mv_status account(const struct container_ctx *cc, struct scan_report *rep, guint i,
                              const struct unpack_result *ur, const struct children *ch,
                              bool stream, bool ratio_cap, struct tally *t, struct mv_err *err)
{
    for (guint m = 0; m < ur->members->len; m++) {
        const struct unpack_member *mem = g_ptr_array_index(ur->members, m);
        struct scan_object *mo = NULL;
        const char *reason = NULL;
        const char *name = mem->name;
        char *derived = NULL;
        gint first = -1;

        t->declared += mem->size;
        if (cc->budget->limit != NULL)
            return MV_OK;
        if (g_hash_table_contains(ch->matched, mem))
            continue;
        if (stream) {
            /* the raw format calls its one member "data": name it as the decompressor
             * would, or after the stream itself when its name has no such extension */
            const struct scan_object *o = g_ptr_array_index(rep->objects, i);
            derived = stream_name(o->name);
            name = derived != NULL ? derived : o->name != NULL ? o->name : mem->name;
        }
        if (mem->data != NULL) {
            enum mv_status st = scan_member(cc->engine, mem->data, name, i, cc->budget, rep, &first,
                                            cc->progress, cc->progress_ctx, err);
            g_free(derived);
            if (st != MV_OK)
                return st;
            if (first >= 0)
                mo = g_ptr_array_index(rep->objects, first);
        } else {
            if (mem->too_big && ratio_cap)
                reason = "Mailvet.Limits.CompressionRatio";
            else if (mem->size > cc->limits.max_file_size || mem->too_big)
                reason = "Mailvet.Limits.MaxFileSize";
            else if (mem->unreadable)
                reason = "Mailvet.Unscannable.Unreadable";
            mo = scan_object_add(rep, i, name, mem->size);
            g_free(derived);
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
    const struct scan_object *o = g_ptr_array_index(rep->objects, i);
    const GPtrArray *passwords = NULL;
    struct unpack_result ur = {0};
    bool ratio_cap = false;
    enum mv_status st;

    unpack_reads(o->type, &lim.stream);
    /* a stream declares no size: the compression ratio bounds what it may expand to
     * while it is read, so that a bomb is cut there, not found once in memory */
    if (lim.stream) {
        uint64_t most = MAX((uint64_t)len * cc->limits.max_compression_ratio, LIMIT_RATIO_FLOOR);

        if (most < lim.max_member_size) {
            lim.max_member_size = (size_t)most;
            ratio_cap = true;
        }
    }
    if (o->encrypted)
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
        /* closed before any member showed: encrypted headers */
        t->unlistable += !ur.opened && ur.members->len == 0;
        /* members the listing never reached: libclamav's name for the same limit; and
         * for what only libarchive reads, a damaged tail hides the rest */
        if (ur.member_limit)
            scan_signature_add(rep, i, "Heuristics.Limits.Exceeded.MaxFiles");
        if (ur.damaged && g_str_has_prefix(o->type, "MV_TYPE_"))
            scan_signature_add(rep, i, "Mailvet.Unscannable.Unreadable");
        st = account(cc, rep, i, &ur, ch, lim.stream, ratio_cap, t, err);
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
    if (o->encrypted || t.encrypted > 0 || t.unlistable > 0)
        settle_encryption(rep, i, t.closed == 0 && t.unreadable == 0);
    if (t.unlistable > 0)
        scan_signature_add(rep, i, "Mailvet.Unscannable.Unlistable");
    /* a container libclamav does not open, read here: its members were scanned */
    if (t.unreadable == 0 && t.unlistable == 0 && g_str_has_prefix(o->type, "MV_TYPE_")) {
        char *sig = g_strconcat("Mailvet.Unscannable.", o->type + strlen("MV_TYPE_"), NULL);
        scan_signature_drop(rep, i, sig);
        g_free(sig);
    }
    if (len > 0 && t.declared >= LIMIT_RATIO_FLOOR &&
        t.declared / len >= cc->limits.max_compression_ratio)
        scan_signature_add(rep, i, "Mailvet.Limits.CompressionRatio");
out:
    g_array_free(ranges, TRUE);
    g_bytes_unref(archive);
    return st;
}

/* ---- names kept by single-file compressors ---- */

#define GZIP_NAME_MAX 255 /* longest original name taken from a gzip header */

/* gzip_name - the original file name of a gzip header (RFC 1952 FNAME) in HEAD, its
 * last path component, as UTF-8 (ISO 8859-1 when it is not valid UTF-8); NULL when the
 * header keeps none or it lies beyond HEAD */
static char *gzip_name(const unsigned char *head, size_t len)
{
    size_t p = 10, start;
    const char *base;
    char *name;

    if (len < 10 || head[0] != 0x1f || head[1] != 0x8b || head[2] != 8 || !(head[3] & 0x08))
        return NULL;
    if (head[3] & 0x04) { /* FEXTRA: two bytes of length, then that many */
        if (len < 12)
            return NULL;
        p = 12 + ((size_t)head[10] | (size_t)head[11] << 8);
    }
    start = p;
    while (p < len && head[p] != '\0' && p - start < GZIP_NAME_MAX)
        p++;
    if (p >= len || head[p] != '\0' || p == start)
        return NULL;
    if (g_utf8_validate((const char *)head + start, (gssize)(p - start), NULL))
        name = g_strndup((const char *)head + start, p - start);
    else
        name = g_convert((const char *)head + start, (gssize)(p - start), "UTF-8", "ISO-8859-1",
                         NULL, NULL, NULL);
    if (name == NULL)
        return NULL;
    base = base_name(name);
    if (*base == '\0') {
        g_free(name);
        return NULL;
    }
    if (base != name) {
        char *copy = g_strdup(base);
        g_free(name);
        name = copy;
    }
    return name;
}

/* rename_object - object C (and the paths of everything below it) named NAME */
static void rename_object(struct scan_report *rep, guint c, const char *name)
{
    struct scan_object *o = g_ptr_array_index(rep->objects, c);
    const char *slash = strrchr(o->path, '/');
    char *old = o->path;
    size_t oldlen = strlen(old);
    char *path =
        slash != NULL ? g_strdup_printf("%.*s/%s", (int)(slash - old), old, name) : g_strdup(name);

    for (guint j = c + 1; j < rep->objects->len; j++) {
        struct scan_object *d = g_ptr_array_index(rep->objects, j);

        if (d->depth <= o->depth)
            break;
        if (strncmp(d->path, old, oldlen) == 0 && d->path[oldlen] == '/') {
            char *p = g_strconcat(path, d->path + oldlen, NULL);
            g_free(d->path);
            d->path = p;
        }
    }
    g_free(o->name);
    o->name = g_strdup(name);
    o->path = path;
    g_free(old);
}

/* container_names - name the one nameless object a gzip, bzip2 or xz object holds */
void container_names(struct scan_report *rep)
{
    for (guint i = 0; i < rep->objects->len; i++) {
        const struct scan_object *o = g_ptr_array_index(rep->objects, i);
        const struct scan_object *c;
        char *name = NULL;
        guint below = 0, child = 0;

        if (strcmp(o->type, "CL_TYPE_GZ") != 0 && strcmp(o->type, "CL_TYPE_BZ") != 0 &&
            strcmp(o->type, "CL_TYPE_XZ") != 0)
            continue;
        for (guint j = i + 1; j < rep->objects->len; j++) {
            c = g_ptr_array_index(rep->objects, j);
            if (c->depth <= o->depth)
                break;
            if (c->depth == o->depth + 1 && below++ == 0)
                child = j;
        }
        if (below != 1)
            continue;
        c = g_ptr_array_index(rep->objects, child);
        if (c->name != NULL && *c->name != '\0')
            continue;
        if (o->head != NULL && strcmp(o->type, "CL_TYPE_GZ") == 0) {
            gsize len;
            const unsigned char *head = g_bytes_get_data(o->head, &len);
            name = gzip_name(head, len);
        }
        if (name == NULL)
            name = stream_name(o->name);
        if (name != NULL)
            rename_object(rep, child, name);
        g_free(name);
    }
}
