/* unpack.c - libarchive for encrypted archives: probe, list, try passwords, extract.
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
 * unpack_passwords_add() collects candidates from text in one linear pass.
 * Every loop over the archive or the text is bounded (struct unpack_limits,
 * UNPACK_MAX_HEADERS, UNPACK_TOKEN_MAX).  Sender-sized buffers use g_try_malloc and
 * become MV_ENOMEM.  Does not log.  Nothing here is shared between threads. */
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "text.h"
#include "unpack.h"

/* headers read per pass, directories included: bounds the work on an archive of
 * millions of empty entries whatever max_members says */
#define UNPACK_MAX_HEADERS 10000

/* decrypted bytes read from a member too big to keep, only to check the password:
 * the zip check byte / AES verifier is tested on the first read */
#define UNPACK_PEEK 4096

/* first buffer for a member whose size the archive does not declare */
#define UNPACK_FIRST_ALLOC 16384

/* longest candidate password ever considered, whatever max_len says */
#define UNPACK_TOKEN_MAX 1024

/* reader_new - a libarchive reader for zip, 7z and rar, opened on DATA; NULL when
 * libarchive has no memory.  Check *RC: the reader must be freed even if it failed */
static struct archive *reader_new(const void *data, size_t len, const char *passphrase, int *rc)
{
    struct archive *a = archive_read_new();

    if (a == NULL) {
        *rc = ARCHIVE_FATAL;
        return NULL;
    }
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
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
    a = reader_new(data, len, NULL, &rc);
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
    unsigned encrypted;  /* members listed as encrypted */
    bool closed;         /* encryption stopped the listing itself (7z encrypted headers) */
    bool decryptable;    /* libarchive decrypts this format (zip only, 3.6) */
    bool truncated;      /* a limit, or damage, kept something out */
    size_t kept;         /* bytes kept from plain members */
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

    a = reader_new(data, len, NULL, &rc);
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
            li->truncated = true;
            break;
        }
        rc = archive_read_next_header(a, &entry);
        if (rc == ARCHIVE_EOF)
            break;
        if (out->format == NULL && archive_format_name(a) != NULL) {
            /* the format is known once a header is read, not at open */
            out->format = g_strdup(archive_format_name(a));
            li->decryptable =
                (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
        }
        if (!header_ok(rc)) {
            if (headers_encrypted(a))
                li->closed = true;
            else if (out->members->len == 0)
                status = mv_err_set(err, MV_EPARSE, "unpack: %.200s",
                                    archive_error_string(a) ? archive_error_string(a)
                                                            : "unreadable");
            if (out->members->len > 0)
                li->truncated = true; /* damaged after some members */
            break;
        }
        if (archive_entry_filetype(entry) == AE_IFDIR)
            continue;
        if (out->members->len >= lim->max_members) {
            li->truncated = true;
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
    a = reader_new(data, len, password, &rc);
    if (a == NULL)
        return mv_err_set(err, MV_ENOMEM, "unpack: libarchive: out of memory");
    for (unsigned n = 0; rc == ARCHIVE_OK && n < UNPACK_MAX_HEADERS && k < out->members->len;
         n++) {
        struct unpack_member *m;
        enum read_result rr;
        bool too_big = false;

        if (!header_ok(archive_read_next_header(a, &entry)))
            break;
        if (archive_entry_filetype(entry) == AE_IFDIR)
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

/* ---- candidate passwords from text ---- */

/* fold - lower-case copy of valid UTF-8 S with every character keeping its byte
 * length (a character whose lower case is longer or shorter stays as it is), so that
 * an index into the copy is an index into S */
static char *fold(const char *s, size_t n)
{
    char *f = g_try_malloc(n + 1);

    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        const char *p = s + i;
        size_t cl = (size_t)(g_utf8_next_char(p) - p);
        gunichar c = g_utf8_get_char(p);
        char low[6];

        if (cl == 1) {
            f[i] = g_ascii_tolower(*p);
        } else if ((size_t)g_unichar_to_utf8(g_unichar_tolower(c), low) == cl) {
            memcpy(f + i, low, cl);
        } else {
            memcpy(f + i, p, cl);
        }
        i += cl;
    }
    f[n] = '\0';
    return f;
}

/* Words after which a password follows, lower case as fold() makes them.  WORD: a
 * Latin or Cyrillic word, which must stand alone ("passwort", not "passworte"); CJK
 * words are matched anywhere.  WEAK: also an ordinary word ("pass it on", "code
 * review", "parola" is Italian for word), counted only when ':' or '=' follows. */
static const struct keyword {
    const char *text;
    bool word;
    bool weak;
} keywords[] = {
    {"mot de passe", true, false},
    {"password", true, false},
    {"passwort", true, false},
    {"passwd", true, false},
    {"passphrase", true, false},
    {"passcode", true, false},
    {"kennwort", true, false},
    {"wachtwoord", true, false},
    {"contrase\xc3\xb1" "a", true, false},
    {"senha", true, false},
    {"has\xc5\x82o", true, false},
    {"\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", true, false}, /* пароль */
    {"pwd", true, false},
    {"pass", true, true},
    {"pw", true, true},
    {"code", true, true},
    {"parola", true, true},
    {"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89", false, false}, /* パスワード */
    {"\xe5\xaf\x86\xe7\xa0\x81", false, false},             /* 密码 */
    {"\xe5\xaf\x86\xe7\xa2\xbc", false, false},             /* 密碼 */
    {"\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8", false, false}, /* 비밀번호 */
};

/* Words that say "is" between the keyword and the password: Latin ones stand alone,
 * the CJK particles (是 为 為 は 는) are glued to what follows. */
static const struct {
    const char *text;
    bool word;
} copulas[] = {
    {"is", true}, {"ist", true}, {"est", true}, {"es", true}, {"\xc3\xa9", true},
    {"\xc3\xa8", true}, {"\xe6\x98\xaf", false}, {"\xe4\xb8\xba", false},
    {"\xe7\x82\xba", false}, {"\xe3\x81\xaf", false}, {"\xeb\x8a\x94", false},
};

/* char_at - the character at S[I], 0 at the end */
static gunichar char_at(const char *s, size_t i, size_t n)
{
    return i < n ? g_utf8_get_char(s + i) : 0;
}

/* alnum_before - the character before S[I] is a letter or digit */
static bool alnum_before(const char *s, size_t i)
{
    if (i == 0)
        return false;
    return g_unichar_isalnum(g_utf8_get_char(g_utf8_find_prev_char(s, s + i)));
}

/* is_space - a space or newline as text_plain_new() leaves them */
static bool is_space(char c)
{
    return c == ' ' || c == '\n';
}

/* skip_spaces - index of the first non-space at or after I */
static size_t skip_spaces(const char *s, size_t i, size_t n)
{
    while (i < n && is_space(s[i]))
        i++;
    return i;
}

/* match_at - folded F[I..N) starts with WORD (a space in WORD matches a run of
 * spaces); the index just past it, 0 if it does not match */
static size_t match_at(const char *f, size_t i, size_t n, const char *word)
{
    for (const char *w = word; *w != '\0'; w++) {
        if (*w == ' ') {
            if (i >= n || !is_space(f[i]))
                return 0;
            i = skip_spaces(f, i, n);
            continue;
        }
        if (i >= n || f[i] != *w)
            return 0;
        i++;
    }
    return i;
}

/* Quote pairs: opening, closing. */
static const gunichar quotes[][2] = {
    {'"', '"'},       {'\'', '\''},     {0x00ab, 0x00bb}, {0x00bb, 0x00ab},
    {0x201c, 0x201d}, {0x2018, 0x2019}, {0x201e, 0x201c}, {0x201e, 0x201d},
    {0x300c, 0x300d}, {0x300e, 0x300f}, {0x201d, 0x201d},
};

/* Collected candidates: LIST (owned strings) and SEEN (the same strings, to keep
 * them distinct).  QUOTE_BUDGET: bytes the search for closing quotes may still look
 * at, twice the text: "«««…" cannot make the search quadratic, it only ends it. */
struct collect {
    GPtrArray *list;
    GHashTable *seen;
    unsigned max_count;
    size_t max_len;
    size_t quote_budget;
};

/* quoted_at - a quoted token at S[I]: no space inside (SPACES_OK: spaces but no
 * newline), 1..max_len bytes with a letter or digit, the closing quote not followed
 * by a letter or digit.  Sets *START, *LEN; returns the index past the closing
 * quote, 0 if there is none */
static size_t quoted_at(struct collect *c, const char *s, size_t i, size_t n, bool spaces_ok,
                        size_t *start, size_t *len)
{
    gunichar open = char_at(s, i, n);
    size_t body = i + (size_t)(g_utf8_next_char(s + i) - (s + i));

    for (size_t q = 0; q < G_N_ELEMENTS(quotes); q++) {
        bool alnum = false;

        if (quotes[q][0] != open)
            continue;
        for (size_t j = body; j < n && j - body <= c->max_len && c->quote_budget > 0;
             j = (size_t)(g_utf8_next_char(s + j) - s)) {
            gunichar ch = g_utf8_get_char(s + j);

            c->quote_budget--;
            if (s[j] == '\n' || (s[j] == ' ' && !spaces_ok))
                break;
            if (ch == quotes[q][1]) {
                size_t after = j + (size_t)(g_utf8_next_char(s + j) - (s + j));

                if (!alnum || g_unichar_isalnum(char_at(s, after, n)))
                    break;
                *start = body;
                *len = j - body;
                return after;
            }
            alnum |= g_unichar_isalnum(ch);
        }
    }
    return 0;
}

/* is_opening_quote - C opens one of the quote pairs */
static bool is_opening_quote(gunichar c)
{
    for (size_t q = 0; q < G_N_ELEMENTS(quotes); q++) {
        if (quotes[q][0] == c)
            return true;
    }
    return false;
}

/* token_end_char - C ends an unquoted token: CJK punctuation, which needs no space */
static bool token_end_char(gunichar c)
{
    static const gunichar ends[] = {0x3001, 0x3002, 0xff0c, 0xff1b, 0xff1a, 0xff01,
                                    0xff1f, 0xff09, 0x300d, 0x300f, 0x3011, 0x300b};

    for (size_t k = 0; k < G_N_ELEMENTS(ends); k++) {
        if (ends[k] == c)
            return true;
    }
    return false;
}

/* strip_char - C is stripped from the end of a token; KEEP_BANG leaves '!' and '?' */
static bool strip_char(gunichar c, bool keep_bang)
{
    if (c == '!' || c == '?')
        return !keep_bang;
    return c == '.' || c == ',' || c == ';' || c == ':' || c == ')' || c == ']' || c == '}' ||
           c == '"' || c == '\'' || c == 0x00bb || c == 0x00ab || c == 0x201d || c == 0x2019 ||
           c == 0x201c || c == '>';
}

/* rstrip - length of S[0..LEN) without trailing characters strip_char() drops */
static size_t rstrip(const char *s, size_t len, bool keep_bang)
{
    while (len > 0) {
        const char *prev = g_utf8_find_prev_char(s, s + len);

        if (prev == NULL || !strip_char(g_utf8_get_char(prev), keep_bang))
            break;
        len = (size_t)(prev - s);
    }
    return len;
}

/* has_alnum - S[0..LEN) holds a letter or digit; *OTHER: it holds a digit or a
 * character that is not a letter (what makes a word look like a password) */
static bool has_alnum(const char *s, size_t len, bool *other)
{
    bool alnum = false;

    *other = false;
    for (const char *p = s; p < s + len; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        alnum |= g_unichar_isalnum(c);
        *other |= !g_unichar_isalpha(c);
    }
    return alnum;
}

/* add - S[0..LEN) as a candidate unless empty, too long, without a letter or digit,
 * already there or the list is full */
static void add(struct collect *c, const char *s, size_t len)
{
    bool other;
    char *dup;

    if (len == 0 || len > c->max_len || c->list->len >= c->max_count || !has_alnum(s, len, &other))
        return;
    dup = g_strndup(s, len);
    if (g_hash_table_contains(c->seen, dup)) {
        g_free(dup);
        return;
    }
    g_ptr_array_add(c->list, dup);
    g_hash_table_add(c->seen, dup);
}

/* add_stripped - an unquoted token: without trailing punctuation, then, when the
 * token ended in '!' or '?' ("Sommer2020!"), with them too */
static void add_stripped(struct collect *c, const char *s, size_t len)
{
    size_t bare = rstrip(s, len, false), bang = rstrip(s, len, true);

    add(c, s, bare);
    if (bang != bare)
        add(c, s, bang);
}

/* after_keyword - the password that follows a keyword ending at E, if any: after
 * optional ':' / '=' / '-' / "is" and spaces, a quoted token or a run of non-spaces.
 * Without ':' '=' or "is" (strong), a weak keyword gives nothing and a plain one only
 * a token that looks like a password (a digit or a sign in it).  Returns where to go on */
static size_t after_keyword(struct collect *c, const char *s, const char *f, size_t n, size_t e,
                            const struct keyword *kw)
{
    bool strong = false, dash = false;
    size_t j = skip_spaces(s, e, n), start, len, end, lead;

    for (int round = 0; round < 3 && j < n; round++) {
        gunichar ch = char_at(s, j, n);
        size_t after = 0;

        if (ch == ':' || ch == '=' || ch == 0xff1a || ch == 0xff1d) {
            strong = true;
            after = j + (size_t)(g_utf8_next_char(s + j) - (s + j));
        } else if ((ch == '-' || ch == 0x2013 || ch == 0x2014) &&
                   is_space(s[j + (size_t)(g_utf8_next_char(s + j) - (s + j))])) {
            dash = true;
            after = j + (size_t)(g_utf8_next_char(s + j) - (s + j));
        } else {
            for (size_t k = 0; k < G_N_ELEMENTS(copulas) && after == 0; k++) {
                size_t m = match_at(f, j, n, copulas[k].text);
                if (m != 0 && (!copulas[k].word || (m < n && is_space(s[m]))))
                    after = m;
            }
            if (after != 0)
                strong = true;
        }
        if (after == 0)
            break;
        j = skip_spaces(s, after, n);
    }
    if (!strong && !dash && !kw->weak) {
        /* "Password for the attachment: 1234": a ':' a few words on, same line */
        for (size_t k = j; k < n && k < j + 48 && s[k] != '\n'; k++) {
            if (s[k] == ':' || s[k] == '=') {
                strong = true;
                j = skip_spaces(s, k + 1, n);
                break;
            }
        }
    }
    if (!strong && kw->weak)
        return e;
    if (j >= n)
        return n;
    if (is_opening_quote(char_at(s, j, n))) {
        end = quoted_at(c, s, j, n, true, &start, &len);
        if (end != 0) {
            add(c, s + start, len);
            return end;
        }
    }
    /* an unquoted run: to the next space or CJK punctuation, bounded */
    for (end = j; end < n && !is_space(s[end]) && !token_end_char(char_at(s, end, n));
         end = (size_t)(g_utf8_next_char(s + end) - s)) {
        if (end - j > c->max_len + 16) {
            while (end < n && !is_space(s[end]))
                end++;
            return end; /* too long to be a password: skip it whole */
        }
    }
    for (lead = j; lead < end && (is_opening_quote(char_at(s, lead, n)) ||
                                  s[lead] == '(' || s[lead] == '[' || s[lead] == '<');
         lead = (size_t)(g_utf8_next_char(s + lead) - s))
        ;
    if (!strong) {
        bool other;
        size_t bare = rstrip(s + lead, end - lead, false);

        if (!has_alnum(s + lead, bare, &other) || !other)
            return e;
    }
    add_stripped(c, s + lead, end - lead);
    return end;
}

/* keyword_at - the keyword that starts at folded F[I], with *END past it */
static const struct keyword *keyword_at(const char *s, const char *f, size_t i, size_t n,
                                        size_t *end)
{
    bool word_start = !alnum_before(s, i);

    for (size_t k = 0; k < G_N_ELEMENTS(keywords); k++) {
        const struct keyword *kw = &keywords[k];
        size_t e;

        if ((unsigned char)f[i] != (unsigned char)kw->text[0] || (kw->word && !word_start))
            continue;
        e = match_at(f, i, n, kw->text);
        if (e == 0)
            continue;
        if (kw->word && e < n) {
            /* "password-protected", "passwords" and "pass." are not a keyword */
            gunichar nc = char_at(s, e, n);
            if (!is_space(s[e]) && nc != ':' && nc != '=' && nc != 0xff1a &&
                !is_opening_quote(nc))
                continue;
        }
        *end = e;
        return kw;
    }
    return NULL;
}

/* unpack_passwords_add - candidate passwords found in TEXT (UTF-8, any length): tokens
 * after words like "password", "pass", "pwd", "kennwort", "mot de passe", "contraseña",
 * "パスワード", "密码", and quoted tokens; distinct, in order of appearance, at most
 * MAX_COUNT of at most MAX_LEN bytes each.  Appends to LIST (char *, g_free).
 * MAX_COUNT bounds the whole LIST, so calls for several parts share it; LEN bytes of
 * HTML are read as text (tags stripped).  A text too big to copy gives nothing */
void unpack_passwords_add(GPtrArray *list, const char *text, size_t len, unsigned max_count,
                          size_t max_len)
{
    struct collect c = {list, NULL, max_count, MIN(max_len, UNPACK_TOKEN_MAX), 0};
    char *s = NULL, *f = NULL;
    size_t n = 0, i = 0;

    if (list == NULL || text == NULL || len == 0 || max_count == 0 || c.max_len == 0 ||
        list->len >= max_count)
        return;
    s = text_plain_new(text, len, &n);
    if (s == NULL)
        goto out;
    f = fold(s, n);
    if (f == NULL)
        goto out;
    c.quote_budget = 2 * n + 4096;
    c.seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint k = 0; k < list->len; k++) {
        if (g_ptr_array_index(list, k) != NULL)
            g_hash_table_add(c.seen, g_ptr_array_index(list, k));
    }
    while (i < n && list->len < max_count) {
        const struct keyword *kw;
        size_t end, start, tlen;

        kw = keyword_at(s, f, i, n, &end);
        if (kw != NULL) {
            i = after_keyword(&c, s, f, n, end, kw);
            continue;
        }
        if (!alnum_before(s, i) && is_opening_quote(char_at(s, i, n))) {
            end = quoted_at(&c, s, i, n, false, &start, &tlen);
            if (end != 0) {
                add(&c, s + start, tlen);
                i = end;
                continue;
            }
        }
        i = (size_t)(g_utf8_next_char(s + i) - s);
    }
out:
    if (c.seen != NULL)
        g_hash_table_destroy(c.seen);
    g_free(f);
    g_free(s);
}
