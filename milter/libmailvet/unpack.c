/* unpack.c - libarchive for encrypted archives and for the containers libclamav does not
 * open (LHA/LZH, ar, and zstd, LZ4, lzip, LZMA-alone and compress(1) streams): probe, list, try
 * passwords, extract.
 * unpack_probe() reads headers only.  unpack_open() makes one pass without a password
 * that lists the members and keeps the plain ones' bytes, then, only if something is
 * encrypted and the format is one libarchive decrypts (zip: traditional PKWARE and
 * WinZip AES), one pass per candidate with that candidate alone, so that we know which
 * one worked and a zip check byte that happens to match (1 in 256 for a wrong password)
 * fails later on CRC or inflate and counts as wrong.  libarchive 3.6 lists a 7z whose
 * content is encrypted but cannot decrypt it, and refuses a 7z with encrypted headers
 * (the error names the encryption): both come back as not opened, never as a parse
 * error.  Results: opened is true for an archive with nothing encrypted; truncated also
 * says that damage cut the listing or a member short; a password that decrypts only
 * some members is kept (password_index) but opened stays false.  A member too big to
 * keep is still read for its first UNPACK_PEEK bytes, so that it counts as decrypted.
 * unpack_zip_parts() finds zip archives laid one after another in one linear pass.
 * The only file that calls libarchive.  Every loop over the archive is bounded (struct
 * unpack_limits, UNPACK_MAX_HEADERS).  Sender-sized buffers use g_try_malloc and
 * become MV_ENOMEM.  Does not log.  Nothing here is shared between threads. */
#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "unpack.h"

/* headers read per pass, directories included: bounds the work on an archive of
 * millions of empty entries whatever max_members says */
#define UNPACK_MAX_HEADERS 10000

/* decrypted bytes read from a member too big to keep, only to check the password:
 * the zip check byte / AES verifier is tested on the first read */
#define UNPACK_PEEK 4096

/* first buffer for a member whose size the archive does not declare */
#define UNPACK_FIRST_ALLOC 16384

/* reader_new - a libarchive reader for zip, 7z, rar and LHA, opened on DATA; NULL when
 * libarchive has no memory.  STREAM: DATA is one compressed file (zstd, LZ4, lzip,
 * compress), read through its decompressor as the single member of the "raw" format.
 * Filters are named one by one, never archive_read_support_filter_all(): that one
 * falls back to running external programs (lzop, lrzip, grzip) for what the library
 * was built without.  Check *RC: the reader must be freed even if it failed */
static struct archive *reader_new(const void *data, size_t len, const char *passphrase, bool stream,
                                  int *rc)
{
    struct archive *a = archive_read_new();

    if (a == NULL) {
        *rc = ARCHIVE_FATAL;
        return NULL;
    }
    if (stream) {
        archive_read_support_filter_zstd(a);
        archive_read_support_filter_lz4(a);
        archive_read_support_filter_lzip(a);
        archive_read_support_filter_compress(a);
        archive_read_support_filter_lzma(a);
        archive_read_support_format_raw(a);
        *rc = archive_read_open_memory(a, data, len);
        /* raw takes any bytes: without a decompressor they are no stream of ours */
        if (*rc == ARCHIVE_OK && archive_filter_count(a) < 2) {
            archive_set_error(a, EINVAL, "not a compressed stream");
            *rc = ARCHIVE_FATAL;
        }
        return a;
    }
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_ar(a);
    if (passphrase != NULL)
        archive_read_add_passphrase(a, passphrase);
    *rc = archive_read_open_memory(a, data, len);
    return a;
}

/* header_ok - archive_read_next_header() gave an entry (ARCHIVE_RETRY gives none) */
static bool header_ok(int rc)
{
    return rc == ARCHIVE_OK || rc == ARCHIVE_WARN;
}

/* error_says_encrypted - the reader's last error is about encryption ("The archive
 * header is encrypted, but currently not supported", "RAR encryption support
 * unavailable"): libarchive has no error number for it, only the text */
static bool error_says_encrypted(struct archive *a)
{
    const char *msg = archive_error_string(a);
    bool found = false;

    if (msg != NULL) {
        char *low = g_ascii_strdown(msg, -1);
        found = strstr(low, "encrypt") != NULL;
        g_free(low);
    }
    return found;
}

/* headers_encrypted - after a header error: the format reported encryption.  Only
 * for a reader whose open succeeded: archive_read_has_encrypted_entries() dereferences
 * the format, which a failed open leaves NULL (it crashes in 3.6) */
static bool headers_encrypted(struct archive *a)
{
    return archive_read_has_encrypted_entries(a) > 0 || error_says_encrypted(a);
}

/* unpack_reads - the types container.c hands to this module */
bool unpack_reads(const char *type, bool *stream)
{
    static const char *const archives[] = {"CL_TYPE_ZIP", "CL_TYPE_7Z", "CL_TYPE_RAR",
                                           "MV_TYPE_LHA", "MV_TYPE_AR"};
    static const char *const streams[] = {"MV_TYPE_ZSTD", "MV_TYPE_LZ4", "MV_TYPE_LZIP",
                                          "MV_TYPE_COMPRESS", "MV_TYPE_LZMA"};

    if (stream != NULL)
        *stream = false;
    for (size_t i = 0; type != NULL && i < G_N_ELEMENTS(archives); i++)
        if (strcmp(type, archives[i]) == 0)
            return true;
    for (size_t i = 0; type != NULL && i < G_N_ELEMENTS(streams); i++) {
        if (strcmp(type, streams[i]) == 0) {
            if (stream != NULL)
                *stream = true;
            return true;
        }
    }
    return false;
}

/* unpack_probe - true if DATA is an archive libarchive reads that has encrypted
 * members or encrypted headers; reads headers only */
bool unpack_probe(const void *data, size_t len, uint64_t *declared)
{
    struct archive *a;
    struct archive_entry *entry;
    bool encrypted = false;
    uint64_t total = 0;
    int rc;

    if (declared != NULL)
        *declared = 0;
    if (data == NULL || len == 0)
        return false;
    a = reader_new(data, len, NULL, false, &rc);
    if (a == NULL)
        return false;
    if (rc != ARCHIVE_OK) {
        encrypted = error_says_encrypted(a);
        archive_read_free(a);
        return encrypted;
    }
    /* every header, also past an encrypted one: the declared sizes are wanted too */
    for (unsigned n = 0; n < UNPACK_MAX_HEADERS; n++) {
        la_int64_t size;

        rc = archive_read_next_header(a, &entry);
        if (rc == ARCHIVE_EOF)
            break;
        if (!header_ok(rc)) {
            encrypted |= headers_encrypted(a);
            break;
        }
        size = archive_entry_size(entry);
        if (archive_entry_size_is_set(entry) && size > 0 && (uint64_t)size <= UINT64_MAX - total)
            total += (uint64_t)size;
        if (archive_entry_is_encrypted(entry) || archive_entry_is_data_encrypted(entry) ||
            archive_entry_is_metadata_encrypted(entry))
            encrypted = true;
        else if (archive_read_data_skip(a) < ARCHIVE_WARN)
            break;
    }
    if (!encrypted && archive_read_has_encrypted_entries(a) > 0)
        encrypted = true;
    archive_read_free(a);
    if (declared != NULL)
        *declared = total;
    return encrypted;
}

/* entry_skipped - a directory, or an ar archive's symbol or name table ("/", "//"),
 * which holds no file */
static bool entry_skipped(struct archive_entry *entry)
{
    const char *name = archive_entry_pathname(entry);

    return archive_entry_filetype(entry) == AE_IFDIR ||
           (name != NULL &&
            (strcmp(name, "/") == 0 || strcmp(name, "//") == 0 || strcmp(name, "/SYM64/") == 0));
}

/* member_free - GPtrArray free function for struct unpack_member */
static void member_free(gpointer p)
{
    struct unpack_member *m = p;

    g_free(m->name);
    if (m->data != NULL)
        g_bytes_unref(m->data);
    g_free(m);
}

/* member_new - a member from the current header; the name as UTF-8 when libarchive
 * can convert it (it cannot in the C locale), else the stored bytes made valid */
static struct unpack_member *member_new(struct archive_entry *entry)
{
    struct unpack_member *m = g_new0(struct unpack_member, 1);
    const char *name = archive_entry_pathname_utf8(entry);
    la_int64_t size = archive_entry_size(entry);

    if (name == NULL)
        name = archive_entry_pathname(entry);
    m->name = g_utf8_make_valid(name != NULL ? name : "", -1);
    if (archive_entry_size_is_set(entry) && size > 0)
        m->size = (guint64)size > G_MAXSIZE ? G_MAXSIZE : (size_t)size;
    m->encrypted = archive_entry_is_encrypted(entry) || archive_entry_is_data_encrypted(entry) ||
                   archive_entry_is_metadata_encrypted(entry);
    return m;
}

enum read_result {
    READ_OK,    /* data read without error (kept, or too big and checked or skipped) */
    READ_BAD,   /* decryption or decompression failed; the next header can be read */
    READ_DEAD,  /* the reader gave up (ARCHIVE_FATAL): no more headers */
    READ_NOMEM, /* g_try_malloc refused */
};

/* read_peek - decrypt the first bytes of the current entry, to check the password */
static enum read_result read_peek(struct archive *a)
{
    char buf[UNPACK_PEEK];
    la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

    if (n == ARCHIVE_FATAL)
        return READ_DEAD;
    return n < 0 ? READ_BAD : READ_OK;
}

/* read_data - the current entry's bytes into *OUT when they fit in CAP; otherwise
 * *TOO_BIG and *OUT stays NULL.  CHECK: for an entry too big to keep, still decrypt
 * its first bytes so that a wrong password shows.  DECLARED (0: unknown) only sizes
 * the first buffer; the archive may lie, CAP is what holds */
static enum read_result read_data(struct archive *a, size_t declared, size_t cap, bool check,
                                  GBytes **out, bool *too_big)
{
    enum read_result result = READ_OK;
    size_t alloc, used = 0;
    char *buf;

    *out = NULL;
    if (cap > G_MAXSIZE / 2)
        cap = G_MAXSIZE / 2;
    if (declared > cap) {
        *too_big = true;
        return check ? read_peek(a) : READ_OK;
    }
    alloc = (declared > 0 ? declared : UNPACK_FIRST_ALLOC);
    alloc = MIN(alloc, cap) + 1; /* one more byte shows a member longer than declared */
    buf = g_try_malloc(alloc);
    if (buf == NULL)
        return READ_NOMEM;
    for (;;) {
        la_ssize_t n;

        if (used == alloc) {
            char *bigger;

            if (used > cap) {
                *too_big = true;
                goto out;
            }
            alloc = MIN(alloc * 2, cap + 1);
            bigger = g_try_realloc(buf, alloc);
            if (bigger == NULL) {
                result = READ_NOMEM;
                goto out;
            }
            buf = bigger;
        }
        n = archive_read_data(a, buf + used, alloc - used);
        if (n == 0)
            break;
        if (n < 0) {
            result = n == ARCHIVE_FATAL ? READ_DEAD : READ_BAD;
            goto out;
        }
        used += (size_t)n;
    }
    *out = g_bytes_new_take(buf, used);
    buf = NULL;
out:
    g_free(buf);
    return result;
}

/* What the pass without a password learnt. */
struct listing {
    unsigned encrypted; /* members listed as encrypted */
    bool closed;        /* encryption stopped the listing itself (7z encrypted headers) */
    bool decryptable;   /* libarchive decrypts this format (zip only, 3.6) */
    bool truncated;     /* a limit, or damage, kept something out */
    size_t kept;        /* bytes kept from plain members */
};

/* member_room - bytes member data may still take: max_member_size, and what is left
 * of max_total_size */
static size_t member_room(const struct unpack_limits *lim, size_t kept)
{
    size_t left = kept < lim->max_total_size ? lim->max_total_size - kept : 0;

    return MIN(lim->max_member_size, left);
}

/* list_pass - without a password: list members (at most max_members), keep the plain
 * members' bytes, count the encrypted ones */
static enum mv_status list_pass(const void *data, size_t len, const struct unpack_limits *lim,
                                unpack_want_fn want, void *want_ctx, struct unpack_result *out,
                                struct listing *li, struct mv_err *err)
{
    enum mv_status status = MV_OK;
    struct archive_entry *entry;
    struct archive *a;
    bool open_ok;
    int rc;

    a = reader_new(data, len, NULL, lim->stream, &rc);
    if (a == NULL)
        return mv_err_set(err, MV_ENOMEM, "unpack: libarchive: out of memory");
    open_ok = rc == ARCHIVE_OK;
    if (!open_ok) {
        if (error_says_encrypted(a)) {
            li->closed = true;
            goto out;
        }
        status = mv_err_set(err, MV_EPARSE, "unpack: %.200s",
                            archive_error_string(a) ? archive_error_string(a) : "unreadable");
        goto out;
    }
    for (unsigned n = 0;; n++) {
        struct unpack_member *m;
        enum read_result rr;
        bool too_big = false;

        if (n == UNPACK_MAX_HEADERS) {
            li->truncated = out->member_limit = true;
            break;
        }
        rc = archive_read_next_header(a, &entry);
        if (rc == ARCHIVE_EOF)
            break;
        if (out->format == NULL && archive_format_name(a) != NULL) {
            /* the format is known once a header is read, not at open */
            out->format = g_strdup(archive_format_name(a));
            li->decryptable = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
        }
        if (!header_ok(rc)) {
            if (headers_encrypted(a))
                li->closed = true;
            else if (out->members->len == 0)
                status =
                    mv_err_set(err, MV_EPARSE, "unpack: %.200s",
                               archive_error_string(a) ? archive_error_string(a) : "unreadable");
            if (out->members->len > 0)
                li->truncated = out->damaged = true; /* damaged after some members */
            break;
        }
        if (entry_skipped(entry))
            continue;
        if (out->members->len >= lim->max_members) {
            li->truncated = out->member_limit = true;
            break;
        }
        m = member_new(entry);
        g_ptr_array_add(out->members, m);
        if (m->encrypted) {
            li->encrypted++;
            continue; /* its data waits for a password */
        }
        if (want != NULL && !want(m, want_ctx))
            continue; /* libarchive skips the data on the next header */
        rr = read_data(a, m->size, member_room(lim, li->kept), false, &m->data, &too_big);
        if (rr == READ_NOMEM) {
            status = mv_err_set(err, MV_ENOMEM, "unpack: no memory for member data");
            break;
        }
        m->too_big = too_big;
        m->unreadable = rr == READ_BAD || rr == READ_DEAD;
        if (too_big || rr != READ_OK)
            li->truncated = true;
        if (m->data != NULL)
            li->kept += g_bytes_get_size(m->data);
        if (rr == READ_DEAD)
            break;
    }
    if (archive_read_has_encrypted_entries(a) > 0 && li->encrypted == 0 && !li->closed)
        li->closed = true; /* the format says encrypted, yet no member showed it */
out:
    if (out->format == NULL && open_ok && archive_format_name(a) != NULL)
        out->format = g_strdup(archive_format_name(a));
    archive_read_free(a);
    return status;
}

/* What one password did. */
struct attempt {
    unsigned decrypted; /* encrypted members whose data read without error */
    bool truncated;     /* a limit kept decrypted bytes out */
};

/* drop_encrypted_data - forget what an earlier attempt decrypted */
static void drop_encrypted_data(struct unpack_result *out)
{
    for (guint i = 0; i < out->members->len; i++) {
        struct unpack_member *m = g_ptr_array_index(out->members, i);

        if (m->encrypted && m->data != NULL) {
            g_bytes_unref(m->data);
            m->data = NULL;
        }
    }
}

/* try_password - one reader with PASSWORD alone, walking the same members as
 * list_pass; stops at the first encrypted member that does not decrypt if none did
 * before it (a wrong password: the common case costs one small read) */
static enum mv_status try_password(const void *data, size_t len, const char *password,
                                   const struct unpack_limits *lim, const struct listing *li,
                                   struct unpack_result *out, struct attempt *at,
                                   struct mv_err *err)
{
    struct archive_entry *entry;
    size_t kept = li->kept;
    guint k = 0;
    struct archive *a;
    int rc;

    memset(at, 0, sizeof(*at));
    drop_encrypted_data(out);
    a = reader_new(data, len, password, lim->stream, &rc);
    if (a == NULL)
        return mv_err_set(err, MV_ENOMEM, "unpack: libarchive: out of memory");
    for (unsigned n = 0; rc == ARCHIVE_OK && n < UNPACK_MAX_HEADERS && k < out->members->len; n++) {
        struct unpack_member *m;
        enum read_result rr;
        bool too_big = false;

        if (!header_ok(archive_read_next_header(a, &entry)))
            break;
        if (entry_skipped(entry))
            continue;
        m = g_ptr_array_index(out->members, k++);
        if (!m->encrypted)
            continue;
        rr = read_data(a, m->size, member_room(lim, kept), true, &m->data, &too_big);
        if (rr == READ_NOMEM) {
            archive_read_free(a);
            return mv_err_set(err, MV_ENOMEM, "unpack: no memory for member data");
        }
        if (rr != READ_OK) {
            if (at->decrypted == 0 || rr == READ_DEAD)
                break;
            continue;
        }
        at->decrypted++;
        at->truncated |= too_big;
        m->too_big = too_big;
        if (m->data != NULL)
            kept += g_bytes_get_size(m->data);
    }
    archive_read_free(a);
    if (at->decrypted == 0)
        drop_encrypted_data(out);
    return MV_OK;
}

/* unpack_open - list members and try PASSWORDS (char *, may be NULL or empty) in
 * order; fills OUT (caller clears with unpack_result_clear, also after an error).
 * MV_OK even when no password worked (out->opened false); MV_EPARSE for data
 * libarchive cannot read at all, MV_ENOMEM */
enum mv_status unpack_open(const void *data, size_t len, const GPtrArray *passwords,
                           const struct unpack_limits *lim, struct unpack_result *out,
                           struct mv_err *err)
{
    return unpack_open_some(data, len, passwords, lim, NULL, NULL, out, err);
}

/* unpack_open_some - unpack_open, keeping the bytes only of the plain members WANT
 * accepts (all when WANT is NULL); encrypted members are always tried */
enum mv_status unpack_open_some(const void *data, size_t len, const GPtrArray *passwords,
                                const struct unpack_limits *lim, unpack_want_fn want,
                                void *want_ctx, struct unpack_result *out, struct mv_err *err)
{
    struct listing li = {0};
    struct attempt at = {0}, best_at = {0};
    enum mv_status status;
    int best = -1, last = -1;
    guint n;

    memset(out, 0, sizeof(*out));
    out->members = g_ptr_array_new_with_free_func(member_free);
    out->password_index = -1;
    if (data == NULL || len == 0)
        return mv_err_set(err, MV_EPARSE, "unpack: empty archive");
    status = list_pass(data, len, lim, want, want_ctx, out, &li, err);
    out->truncated = li.truncated;
    if (status != MV_OK)
        return status;
    if (li.encrypted == 0) {
        out->opened = !li.closed;
        return MV_OK;
    }
    n = passwords != NULL ? MIN(passwords->len, lim->max_passwords) : 0;
    for (guint i = 0; li.decryptable && i < n; i++) {
        const char *pw = g_ptr_array_index(passwords, i);

        if (pw == NULL || *pw == '\0')
            continue;
        out->tried++;
        status = try_password(data, len, pw, lim, &li, out, &at, err);
        if (status != MV_OK)
            return status;
        last = (int)i;
        if (at.decrypted > best_at.decrypted) {
            best = (int)i;
            best_at = at;
        }
        if (at.decrypted == li.encrypted)
            break;
    }
    /* no password opened everything: keep what the best one decrypted */
    if (best >= 0 && best != last) {
        status = try_password(data, len, g_ptr_array_index(passwords, best), lim, &li, out,
                              &best_at, err);
        if (status != MV_OK)
            return status;
    }
    out->password_index = best;
    out->opened = best >= 0 && best_at.decrypted == li.encrypted && !li.closed;
    out->truncated = li.truncated || (best >= 0 && best_at.truncated);
    return MV_OK;
}

/* unpack_result_clear - free what unpack_open filled, leave RES zeroed */
void unpack_result_clear(struct unpack_result *res)
{
    if (res == NULL)
        return;
    if (res->members != NULL)
        g_ptr_array_unref(res->members);
    g_free(res->format);
    memset(res, 0, sizeof(*res));
}

/* ---- zip archives one after another ---- */

/* le16, le32 - little-endian fields of zip records */
static guint le16(const unsigned char *p)
{
    return (guint)p[0] | (guint)p[1] << 8;
}

static guint32 le32(const unsigned char *p)
{
    return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

#define ZIP_EOCD_SIZE 22

/* unpack_zip_parts - each end-of-central-directory record "PK\5\6" whose central
 * directory really starts with "PK\1\2" closes one archive; that archive starts
 * where its directory's offset, counted back from the directory, says (zip64
 * records, whose fields are 0xffffffff, start where the previous archive ended).
 * An archive is [start, end of its EOCD and comment).  A zip stored uncompressed
 * inside another shows its own records within the outer one: an archive that starts
 * before the ones found earlier encloses them, and they are dropped.  Linear in LEN. */
guint unpack_zip_parts(const void *data, size_t len, GArray *ranges, guint max)
{
    const unsigned char *d = data;
    guint first = ranges->len;

    for (size_t i = 0; i + ZIP_EOCD_SIZE <= len; i++) {
        const unsigned char *e = d + i;
        gsize prev_end = ranges->len > first ? g_array_index(ranges, gsize, ranges->len - 1) : 0;
        guint32 cd_size, cd_off;
        gsize start, end, cd_start;

        if (e[0] != 'P' || e[1] != 'K' || e[2] != 5 || e[3] != 6)
            continue;
        cd_size = le32(e + 12);
        cd_off = le32(e + 16);
        end = i + ZIP_EOCD_SIZE + le16(e + 20);
        if (end > len)
            continue;
        if (cd_size == 0xffffffffu || cd_off == 0xffffffffu) {
            start = prev_end;
        } else {
            if ((gsize)cd_size > i)
                continue;
            cd_start = i - cd_size;
            if (cd_size > 0 && (cd_start + 4 > len || memcmp(d + cd_start, "PK\1\2", 4) != 0))
                continue;
            if ((gsize)cd_off > cd_start)
                continue;
            start = cd_start - cd_off;
        }
        while (ranges->len > first && g_array_index(ranges, gsize, ranges->len - 2) >= start)
            g_array_set_size(ranges, ranges->len - 2); /* enclosed by this one */
        prev_end = ranges->len > first ? g_array_index(ranges, gsize, ranges->len - 1) : 0;
        if (start < prev_end)
            continue; /* overlaps the previous one without enclosing it: not an archive */
        if ((ranges->len - first) / 2 == max)
            break;
        g_array_append_val(ranges, start);
        g_array_append_val(ranges, end);
        i = end - 1;
    }
    return (ranges->len - first) / 2;
}
