/* passwords.c - candidate archive passwords from the text of a message.
 * passwords_add() reads the text as text_plain_new() leaves it (no HTML, spaces made
 * plain) beside a lower-case copy made by fold() whose indexes are those of the text,
 * in one linear pass: at each position a keyword (keywords[]) is looked for and, after
 * one, the token that follows it; elsewhere a quoted token.  Every loop is bounded: a
 * token is at most max_len bytes and never more than PASSWORDS_TOKEN_MAX, and the
 * searches for closing quotes share one budget of twice the text, so that hostile
 * text ("«««...", "password password ...") stays linear.  The copies are
 * g_try_malloc'd: a text too big to copy gives no candidate.  Does not log.  Nothing
 * here is shared between threads. */
#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "passwords.h"
#include "text.h"

/* longest candidate password ever considered, whatever max_len says */
#define PASSWORDS_TOKEN_MAX 1024

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
    {"contrase\xc3\xb1"
     "a",
     true, false},
    {"senha", true, false},
    {"has\xc5\x82o", true, false},
    {"\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c", true, false}, /* пароль */
    {"pwd", true, false},
    {"pass", true, true},
    {"pw", true, true},
    {"code", true, true},
    {"parola", true, true},
    {"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89", false, false}, /* パスワード */
    {"\xe5\xaf\x86\xe7\xa0\x81", false, false},                                     /* 密码 */
    {"\xe5\xaf\x86\xe7\xa2\xbc", false, false},                                     /* 密碼 */
    {"\xeb\xb9\x84\xeb\xb0\x80\xeb\xb2\x88\xed\x98\xb8", false, false}, /* 비밀번호 */
};

/* Words that say "is" between the keyword and the password: Latin ones stand alone,
 * the CJK particles (是 为 為 は 는) are glued to what follows. */
static const struct {
    const char *text;
    bool word;
} copulas[] = {
    {"is", true},
    {"ist", true},
    {"est", true},
    {"es", true},
    {"\xc3\xa9", true},
    {"\xc3\xa8", true},
    {"\xe6\x98\xaf", false},
    {"\xe4\xb8\xba", false},
    {"\xe7\x82\xba", false},
    {"\xe3\x81\xaf", false},
    {"\xeb\x8a\x94", false},
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
    for (lead = j; lead < end && (is_opening_quote(char_at(s, lead, n)) || s[lead] == '(' ||
                                  s[lead] == '[' || s[lead] == '<');
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
            if (!is_space(s[e]) && nc != ':' && nc != '=' && nc != 0xff1a && !is_opening_quote(nc))
                continue;
        }
        *end = e;
        return kw;
    }
    return NULL;
}

/* passwords_add - candidate passwords found in TEXT (UTF-8, any length): tokens
 * after words like "password", "pass", "pwd", "kennwort", "mot de passe", "contraseña",
 * "パスワード", "密码", and quoted tokens; distinct, in order of appearance, at most
 * MAX_COUNT of at most MAX_LEN bytes each.  Appends to LIST (char *, g_free).
 * MAX_COUNT bounds the whole LIST, so calls for several parts share it; LEN bytes of
 * HTML are read as text (tags stripped).  A text too big to copy gives nothing */
void passwords_add(GPtrArray *list, const char *text, size_t len, unsigned max_count,
                   size_t max_len)
{
    struct collect c = {list, NULL, max_count, MIN(max_len, PASSWORDS_TOKEN_MAX), 0};
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
