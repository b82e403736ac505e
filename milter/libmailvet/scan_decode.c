/* scan_decode.c - decoded content for rules from one object's bytes (scan_decode.h).
 * Each reader is a single bounded pass over the bytes: BIFF8 records, RTF characters,
 * XML or HTML text; none allocates more than the field it fills, which
 * scan_decoded_add() bounds by the content window.  Malformed input ends a reader
 * early with what it found so far; nothing here fails. */
#include <string.h>

#include <glib.h>

#include "scan_decode.h"

#define XLM_STACK 32      /* operands of a formula kept while it is read */
#define XLM_OPERAND 1024  /* bytes of one operand's text */
#define RTF_CLASS_MAX 128 /* bytes of one \objclass name */

/* The Excel function names a macro formula is read with ([MS-XLS] Ftab, and Cetab
 * with bit 15): the ones macros that download and run use, and some common ones;
 * others are written FUNC#N. */
static const struct {
    unsigned id;
    const char *name;
    int args; /* for a fixed-argument ptgFunc; -1 when always variable */
} xlm_functions[] = {
    {0, "COUNT", -1},
    {1, "IF", -1},
    {4, "SUM", -1},
    {15, "SIN", 1},
    {30, "REPT", 2},
    {31, "MID", 3},
    {32, "LEN", 1},
    {53, "GOTO", 1},
    {54, "HALT", -1},
    {55, "RETURN", -1},
    {74, "NOW", 0},
    {88, "SET.NAME", -1},
    {108, "SET.VALUE", 2},
    {110, "EXEC", -1},
    {111, "CHAR", 1},
    {132, "FOPEN", -1},
    {133, "FCLOSE", 1},
    {137, "FWRITELN", 2},
    {138, "FWRITE", 2},
    {148, "INDIRECT", -1},
    {149, "REGISTER", -1},
    {150, "CALL", -1},
    {186, "GET.WORKSPACE", 1},
    {336, "CONCATENATE", -1},
    {0x8011, "RUN", -1},
    {0x8060, "FORMULA", -1},
    {0x8061, "FORMULA.FILL", -1},
    {0x8062, "FORMULA.ARRAY", -1},
    {0x8076, "ALERT", -1},
    {0x8094, "ON.TIME", -1},
    {0x8095, "WAIT", 1},
};

/* xlm_function - the entry of function ID, or NULL */
static int xlm_function(unsigned id)
{
    for (size_t i = 0; i < G_N_ELEMENTS(xlm_functions); i++)
        if (xlm_functions[i].id == id)
            return (int)i;
    return -1;
}

/* le16 - a little-endian 16-bit value at P */
static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

/* A formula's operands while its tokens (reverse Polish) are read. */
struct xlm_stack {
    GString *v[XLM_STACK];
    unsigned n;
};

/* xlm_push - TEXT as a new operand; false when the stack is full */
static bool xlm_push(struct xlm_stack *s, GString *text)
{
    if (s->n >= XLM_STACK) {
        g_string_free(text, TRUE);
        return false;
    }
    if (text->len > XLM_OPERAND)
        g_string_truncate(text, XLM_OPERAND);
    s->v[s->n++] = text;
    return true;
}

/* xlm_push_ref - a name (NAME#index) or a cell (RrowCcol) whose reference starts at
 * REF, as an operand */
static bool xlm_push_ref(struct xlm_stack *s, const unsigned char *ref, bool name)
{
    GString *t = g_string_new(NULL);

    if (name)
        g_string_printf(t, "NAME#%u", le16(ref));
    else
        g_string_printf(t, "R%uC%u", le16(ref) + 1, (le16(ref + 2) & 0x3fff) + 1);
    return xlm_push(s, t);
}

/* xlm_pop - the top operand, or an empty one */
static GString *xlm_pop(struct xlm_stack *s)
{
    return s->n > 0 ? s->v[--s->n] : g_string_new(NULL);
}

/* xlm_call - NAME(ARGS) of the top ARGS operands */
static bool xlm_call(struct xlm_stack *s, const char *name, unsigned id, unsigned args)
{
    GString *out = g_string_new(NULL);
    GString *argv[XLM_STACK];
    unsigned n = MIN(args, s->n);

    for (unsigned i = n; i > 0; i--)
        argv[i - 1] = xlm_pop(s);
    if (name != NULL)
        g_string_append(out, name);
    else
        g_string_append_printf(out, "FUNC#%u", id);
    g_string_append_c(out, '(');
    for (unsigned i = 0; i < n; i++) {
        if (i > 0)
            g_string_append_c(out, ',');
        g_string_append_len(out, argv[i]->str, (gssize)argv[i]->len);
        g_string_free(argv[i], TRUE);
    }
    g_string_append_c(out, ')');
    return xlm_push(s, out);
}

/* xlm_binary - A OP B of the top two operands */
static bool xlm_binary(struct xlm_stack *s, const char *op)
{
    GString *b = xlm_pop(s), *a = xlm_pop(s);

    g_string_append(a, op);
    g_string_append_len(a, b->str, (gssize)b->len);
    g_string_free(b, TRUE);
    return xlm_push(s, a);
}

/* xlm_formula - the parsed formula RGCE (LEN bytes) as text into OUT */
static void xlm_formula(const unsigned char *rgce, size_t len, GString *out)
{
    static const char *const binops[] = {
        "+", "-", "*", "/", "^", "&", "<", "<=", "=", ">=", ">", "<>", " ", ",", ":"};
    struct xlm_stack s = {.n = 0};
    size_t i = 0;
    bool ok = true;

    while (ok && i < len) {
        unsigned ptg = rgce[i];
        unsigned base = ptg < 0x20 ? ptg : ((ptg & 0x1f) | 0x20);
        GString *t;

        if (ptg >= 0x03 && ptg <= 0x11) {
            ok = xlm_binary(&s, binops[ptg - 0x03]);
            i += 1;
        } else if (ptg == 0x12 || ptg == 0x13 || ptg == 0x14 || ptg == 0x15) {
            t = xlm_pop(&s);
            if (ptg == 0x13)
                g_string_prepend_c(t, '-');
            else if (ptg == 0x14)
                g_string_append_c(t, '%');
            else if (ptg == 0x15) {
                g_string_prepend_c(t, '(');
                g_string_append_c(t, ')');
            }
            ok = xlm_push(&s, t);
            i += 1;
        } else if (ptg == 0x16) {
            ok = xlm_push(&s, g_string_new(NULL));
            i += 1;
        } else if (ptg == 0x17) {
            unsigned cch, wide;

            if (i + 3 > len)
                break;
            cch = rgce[i + 1];
            wide = rgce[i + 2] & 1;
            if (i + 3 + (size_t)cch * (wide + 1) > len)
                break;
            t = g_string_new("\"");
            for (unsigned k = 0; k < cch; k++) {
                const unsigned char *c = rgce + i + 3 + (size_t)k * (wide + 1);
                unsigned u = wide ? le16(c) : c[0];
                g_string_append_unichar(t, u != 0 ? u : ' ');
            }
            g_string_append_c(t, '"');
            ok = xlm_push(&s, t);
            i += 3 + (size_t)cch * (wide + 1);
        } else if (ptg == 0x19) {
            /* ptgAttr: spacing, jumps, an optimised SUM; a choose table follows */
            if (i + 4 > len)
                break;
            if (rgce[i + 1] & 0x04)
                i += 2 * ((size_t)le16(rgce + i + 2) + 1);
            i += 4;
        } else if (ptg == 0x1c || ptg == 0x1d) {
            if (i + 2 > len)
                break;
            ok =
                xlm_push(&s, g_string_new(ptg == 0x1d ? (rgce[i + 1] ? "TRUE" : "FALSE") : "#ERR"));
            i += 2;
        } else if (ptg == 0x1e) {
            if (i + 3 > len)
                break;
            t = g_string_new(NULL);
            g_string_printf(t, "%u", le16(rgce + i + 1));
            ok = xlm_push(&s, t);
            i += 3;
        } else if (ptg == 0x1f) {
            double d;

            if (i + 9 > len)
                break;
            memcpy(&d, rgce + i + 1, sizeof(d));
            t = g_string_new(NULL);
            g_string_printf(t, "%g", d);
            ok = xlm_push(&s, t);
            i += 9;
        } else if (base == 0x21 || base == 0x22) {
            unsigned args, id;
            int f;

            if (i + (base == 0x21 ? 3 : 4) > len)
                break;
            if (base == 0x21) {
                id = le16(rgce + i + 1);
                f = xlm_function(id);
                args = f >= 0 && xlm_functions[f].args >= 0 ? (unsigned)xlm_functions[f].args : 1;
                i += 3;
            } else {
                args = rgce[i + 1] & 0x7f;
                id = le16(rgce + i + 2);
                f = xlm_function(id);
                i += 4;
            }
            if (id == 255 && args > 0) {
                /* a user-defined or add-in function: its name is the first argument */
                GString *argv[XLM_STACK];
                unsigned n = MIN(args, s.n);

                for (unsigned k = n; k > 0; k--)
                    argv[k - 1] = xlm_pop(&s);
                t = n > 0 ? argv[0] : g_string_new(NULL);
                g_string_append_c(t, '(');
                for (unsigned k = 1; k < n; k++) {
                    if (k > 1)
                        g_string_append_c(t, ',');
                    g_string_append_len(t, argv[k]->str, (gssize)argv[k]->len);
                    g_string_free(argv[k], TRUE);
                }
                g_string_append_c(t, ')');
                ok = xlm_push(&s, t);
            } else {
                ok = xlm_call(&s, f >= 0 ? xlm_functions[f].name : NULL, id, args);
            }
        } else if (base == 0x23 || base == 0x24 || base == 0x2a || base == 0x2c) {
            if (i + 5 > len)
                break;
            ok = xlm_push_ref(&s, rgce + i + 1, base == 0x23);
            i += 5;
        } else if (base == 0x25 || base == 0x2b || base == 0x2d) {
            if (i + 9 > len)
                break;
            ok = xlm_push(&s, g_string_new("AREA"));
            i += 9;
        } else if (base == 0x39 || base == 0x3a || base == 0x3c) {
            if (i + 7 > len)
                break;
            ok = xlm_push_ref(&s, rgce + i + 3, base == 0x39);
            i += 7;
        } else if (base == 0x3b || base == 0x3d) {
            if (i + 11 > len)
                break;
            ok = xlm_push(&s, g_string_new("AREA"));
            i += 11;
        } else if (base == 0x26 || base == 0x27 || base == 0x28) {
            i += 7; /* a memory area's subexpression follows as ordinary tokens */
        } else if (base == 0x29) {
            i += 3;
        } else {
            break; /* a token not read here: keep what came before */
        }
    }
    for (unsigned k = 0; k < s.n; k++) {
        if (k > 0)
            g_string_append_c(out, ' ');
        g_string_append_len(out, s.v[k]->str, (gssize)s.v[k]->len);
        g_string_free(s.v[k], TRUE);
    }
}

/* is_biff8_workbook - a BIFF8 workbook globals substream starts BUF */
static bool is_biff8_workbook(const unsigned char *buf, size_t size)
{
    return size >= 8 && le16(buf) == 0x0809 && le16(buf + 2) >= 8 && le16(buf + 4) == 0x0600 &&
           le16(buf + 6) == 0x0005;
}

/* decode_biff - the macro sheets' formulas and the auto-run names of a workbook */
static void decode_biff(struct scan_budget *b, struct scan_object *o, const unsigned char *buf,
                        size_t size)
{
    bool in_macro = false;
    size_t i = 0;
    GString *line = g_string_new(NULL);

    while (i + 4 <= size) {
        unsigned op = le16(buf + i), len = le16(buf + i + 2);
        const unsigned char *d = buf + i + 4;

        if (i + 4 + len > size)
            break;
        g_string_truncate(line, 0);
        if (op == 0x0809 && len >= 4) {
            in_macro = le16(d + 2) == 0x0040;
        } else if (op == 0x000a) {
            in_macro = false;
        } else if (op == 0x0018 && len >= 16 && (d[0] & 0x20)) {
            unsigned code = d[14] != 0 ? d[14] : d[15];

            if (code == 1)
                g_string_assign(line, "Auto_Open");
            else if (code == 2)
                g_string_assign(line, "Auto_Close");
        } else if (op == 0x0006 && in_macro && len >= 22) {
            unsigned cce = le16(d + 20);

            xlm_formula(d + 22, MIN((size_t)cce, (size_t)len - 22), line);
        }
        if (line->len > 0 && !scan_decoded_add(b, o, SCAN_DECODED_XLM, line->str, line->len))
            break;
        i += 4 + len;
    }
    g_string_free(line, TRUE);
}

/* xml_unescape_add - TEXT (LEN bytes of XML character data) unescaped into OUT */
static void xml_unescape_add(GString *out, const char *text, size_t len)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};

    for (size_t i = 0; i < len; i++) {
        bool done = false;

        if (text[i] == '&') {
            for (size_t k = 0; k < G_N_ELEMENTS(ents) && !done; k++) {
                size_t n = strlen(ents[k].ent);
                if (i + n <= len && memcmp(text + i, ents[k].ent, n) == 0) {
                    g_string_append_c(out, ents[k].c);
                    i += n - 1;
                    done = true;
                }
            }
        }
        if (!done)
            g_string_append_c(out, text[i]);
    }
}

/* decode_macrosheet - the <f> elements of an OOXML macro sheet */
static void decode_macrosheet(struct scan_budget *b, struct scan_object *o, const char *buf,
                              size_t size)
{
    const char *p = buf, *end = buf + size;
    GString *line = g_string_new(NULL);

    while (p < end) {
        const char *f = g_strstr_len(p, end - p, "<f"), *gt, *close;

        if (f == NULL || f + 2 >= end)
            break;
        if (f[2] != '>' && f[2] != ' ') {
            p = f + 2;
            continue;
        }
        gt = memchr(f, '>', (size_t)(end - f));
        if (gt == NULL)
            break;
        if (gt[-1] == '/') {
            p = gt + 1;
            continue;
        }
        close = g_strstr_len(gt + 1, end - gt - 1, "</f>");
        if (close == NULL)
            break;
        g_string_truncate(line, 0);
        xml_unescape_add(line, gt + 1, (size_t)(close - gt - 1));
        if (line->len > 0 && !scan_decoded_add(b, o, SCAN_DECODED_XLM, line->str, line->len))
            break;
        p = close + 4;
    }
    g_string_free(line, TRUE);
}

/* hexval - a hex digit's value, or -1 */
static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)g_ascii_tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* add_class - class name NAME (LEN bytes) to O's OLE class names, once */
static void add_class(struct scan_budget *b, struct scan_object *o, const char *name, size_t len)
{
    GByteArray *have = o->decoded[SCAN_DECODED_OLE_CLASS];
    char *lower;

    while (len > 0 && (name[len - 1] == '\0' || g_ascii_isspace(name[len - 1])))
        len--;
    while (len > 0 && g_ascii_isspace(*name))
        name++, len--;
    if (len == 0)
        return;
    for (size_t i = 0; i < len; i++)
        if (!g_ascii_isprint(name[i]))
            return;
    lower = g_ascii_strdown(name, (gssize)len);
    if (have != NULL) {
        char *all = g_ascii_strdown((const char *)have->data, (gssize)have->len);
        char **lines = g_strsplit(all, "\n", -1);
        bool seen = false;

        for (char **l = lines; *l != NULL && !seen; l++)
            seen = strcmp(*l, lower) == 0;
        g_strfreev(lines);
        g_free(all);
        if (seen) {
            g_free(lower);
            return;
        }
    }
    g_free(lower);
    scan_decoded_add(b, o, SCAN_DECODED_OLE_CLASS, name, len);
}

/* classes_of_data - the class names in decoded object data DATA: an OLE 1.0 header's
 * class name, and the Equation Editor's CLSID anywhere */
static void classes_of_data(struct scan_budget *b, struct scan_object *o, const guint8 *data,
                            size_t len)
{
    static const guint8 equation_clsid[16] = {0x02, 0xce, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                              0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

    if (len >= 12 && data[0] == 0x01 && data[1] == 0x05 && data[2] == 0 && data[3] == 0) {
        size_t n = (size_t)data[8] | ((size_t)data[9] << 8) | ((size_t)data[10] << 16) |
                   ((size_t)data[11] << 24);

        if (n > 0 && n <= RTF_CLASS_MAX && 12 + n <= len)
            add_class(b, o, (const char *)data + 12, n);
    }
    for (size_t i = 0; i + sizeof(equation_clsid) <= len; i++) {
        if (data[i] == equation_clsid[0] &&
            memcmp(data + i, equation_clsid, sizeof(equation_clsid)) == 0) {
            add_class(b, o, "Equation.3", strlen("Equation.3"));
            break;
        }
    }
}

/* rtf_word - length of the control word or symbol at P (a backslash), with its
 * numeric parameter and the space that ends it */
static size_t rtf_word(const char *p, const char *end)
{
    const char *q = p + 1;

    if (q >= end)
        return 1;
    if (!g_ascii_isalpha(*q))
        return 2; /* a control symbol: \' \* \\ ... */
    while (q < end && g_ascii_isalpha(*q))
        q++;
    if (q < end && *q == '-')
        q++;
    while (q < end && g_ascii_isdigit(*q))
        q++;
    if (q < end && *q == ' ')
        q++;
    return (size_t)(q - p);
}

/* rtf_skip_group - past the group that opens at P ('{'), or END */
static const char *rtf_skip_group(const char *p, const char *end)
{
    int depth = 0;

    for (; p < end; p++) {
        if (*p == '\\' && p + 1 < end) {
            p++;
        } else if (*p == '{') {
            depth++;
        } else if (*p == '}' && --depth == 0) {
            return p + 1;
        }
    }
    return end;
}

/* rtf_objdata - the hex of the \objdata group whose content starts at P: hex digits
 * only, lower-case, into HEX; returns where the group ends */
static const char *rtf_objdata(const char *p, const char *end, GByteArray *hex, size_t max)
{
    int depth = 1;

    while (p < end && depth > 0) {
        if (*p == '\\') {
            if (p + 1 < end && p[1] == '\'') {
                p += MIN((size_t)4, (size_t)(end - p)); /* \'hh: a character, not data */
                continue;
            }
            p += rtf_word(p, end);
        } else if (*p == '{') {
            if (p + 2 < end && p[1] == '\\' && p[2] == '*')
                p = rtf_skip_group(p, end); /* an ignorable destination */
            else
                depth++, p++;
        } else if (*p == '}') {
            depth--, p++;
        } else {
            int v = hexval((unsigned char)*p);

            if (v >= 0 && hex->len < max) {
                guint8 c = (guint8) "0123456789abcdef"[v];
                g_byte_array_append(hex, &c, 1);
            }
            p++;
        }
    }
    return p;
}

/* decode_rtf - every \objdata's hex, normalised, and the class names */
static void decode_rtf(struct scan_budget *b, struct scan_object *o, const char *buf, size_t size)
{
    const char *p = buf, *end = buf + size;
    size_t max = b->window > 0 ? b->window : SCAN_HEAD_BYTES;

    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t w;

        if (bs == NULL)
            break;
        w = rtf_word(bs, end);
        if (w >= 8 && strncmp(bs, "\\objdata", 8) == 0 && !g_ascii_isalpha(bs[8])) {
            GByteArray *hex = g_byte_array_new();
            GByteArray *bytes;

            p = rtf_objdata(bs + w, end, hex, 2 * max);
            if (hex->len > 0) {
                scan_decoded_add(b, o, SCAN_DECODED_RTF_OBJECT, hex->data, hex->len);
                bytes = g_byte_array_sized_new(hex->len / 2);
                for (guint i = 0; i + 1 < hex->len; i += 2) {
                    guint8 c = (guint8)(hexval(hex->data[i]) << 4 | hexval(hex->data[i + 1]));
                    g_byte_array_append(bytes, &c, 1);
                }
                classes_of_data(b, o, bytes->data, bytes->len);
                g_byte_array_free(bytes, TRUE);
            }
            g_byte_array_free(hex, TRUE);
            continue;
        }
        if (w >= 9 && strncmp(bs, "\\objclass", 9) == 0 && !g_ascii_isalpha(bs[9])) {
            const char *n = bs + w, *e = n;

            while (e < end && *e != '}' && *e != '{' && *e != '\\' && e - n < RTF_CLASS_MAX)
                e++;
            add_class(b, o, n, (size_t)(e - n));
            p = e;
            continue;
        }
        p = bs + w;
    }
}

/* has_ending - NAME ends in "." and one of ENDINGS, any case */
static bool has_ending(const char *name, const char *const *endings)
{
    const char *dot = name != NULL ? strrchr(name, '.') : NULL;

    if (dot == NULL)
        return false;
    for (size_t i = 0; endings[i] != NULL; i++)
        if (g_ascii_strcasecmp(dot + 1, endings[i]) == 0)
            return true;
    return false;
}

/* decode_html - the text of the <script> elements of an HTML file */
static void decode_html(struct scan_budget *b, struct scan_object *o, const char *buf, size_t size)
{
    const char *p = buf, *end = buf + size;

    while (p < end) {
        const char *s = NULL, *gt, *close = NULL;

        for (const char *q = p; q + 7 <= end; q++) {
            if (*q == '<' && g_ascii_strncasecmp(q + 1, "script", 6) == 0) {
                s = q;
                break;
            }
        }
        if (s == NULL)
            break;
        gt = memchr(s, '>', (size_t)(end - s));
        if (gt == NULL)
            break;
        for (const char *q = gt + 1; q + 9 <= end; q++) {
            if (*q == '<' && q[1] == '/' && g_ascii_strncasecmp(q + 2, "script", 6) == 0) {
                close = q;
                break;
            }
        }
        if (close == NULL)
            close = end;
        if (close > gt + 1 &&
            !scan_decoded_add(b, o, SCAN_DECODED_SCRIPT, gt + 1, (size_t)(close - gt - 1)))
            break;
        p = close;
        if (p < end)
            p++;
    }
}

/* is_html - HTML by libclamav's type, the name, or the first non-blank bytes */
static bool is_html(const unsigned char *buf, size_t size, const char *name, const char *type)
{
    static const char *const endings[] = {"htm", "html", "xhtml", "shtml", "svg", "hta", NULL};
    size_t i = 0;

    if (type != NULL && strcmp(type, "CL_TYPE_HTML") == 0)
        return true;
    if (has_ending(name, endings))
        return true;
    while (i < size && i < 512 && g_ascii_isspace(buf[i]))
        i++;
    if (i + 5 <= size && buf[i] == '<' &&
        (g_ascii_strncasecmp((const char *)buf + i, "<!doctype html", MIN(14, size - i)) == 0 ||
         g_ascii_strncasecmp((const char *)buf + i, "<html", 5) == 0 ||
         g_ascii_strncasecmp((const char *)buf + i, "<script", MIN(7, size - i)) == 0))
        return true;
    return false;
}

/* scan_decode_object - what each reader finds in BUF */
void scan_decode_object(struct scan_budget *budget, struct scan_object *o, const unsigned char *buf,
                        size_t size, const char *name, const char *type)
{
    static const char *const scripts[] = {"js",  "jse",  "vbs", "vbe", "wsf", "wsh", "wsc",
                                          "ps1", "psm1", "bat", "cmd", "sct", NULL};
    const char *text = (const char *)buf;

    if (buf == NULL || size == 0)
        return;
    if (is_biff8_workbook(buf, size)) {
        decode_biff(budget, o, buf, size);
    } else if (size >= 4 && memcmp(buf, "{\\rt", 4) == 0) {
        decode_rtf(budget, o, text, size);
    } else if (g_strstr_len(text, (gssize)MIN(size, (size_t)1024), "macrosheet") != NULL) {
        decode_macrosheet(budget, o, text, size);
    } else if (is_html(buf, size, name, type)) {
        decode_html(budget, o, text, size);
        if (has_ending(name, (const char *const[]){"hta", NULL}) &&
            o->decoded[SCAN_DECODED_SCRIPT] == NULL)
            scan_decoded_add(budget, o, SCAN_DECODED_SCRIPT, buf, size);
    } else if (has_ending(name, scripts) || (type != NULL && strcmp(type, "CL_TYPE_SCRIPT") == 0)) {
        scan_decoded_add(budget, o, SCAN_DECODED_SCRIPT, buf, size);
    }
}
