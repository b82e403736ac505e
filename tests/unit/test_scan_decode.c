/* test_scan_decode.c - scan_decode.c and scan_decoded_add() on bytes made here: the
 * RTF object data normalised (blanks, line breaks, case, control words and {\*...}
 * groups removed) with its class names, Excel 4.0 formulas from a hand-made BIFF8
 * workbook stream and from an OOXML macro sheet, the scripts of an HTML file, and the
 * content window that bounds every field and counts against the message's budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scan.h"
#include "scan_decode.h"

/* fresh - an empty report with one object, and a budget with WINDOW */
static struct scan_object *fresh(struct scan_report *rep, struct scan_budget *b, uint64_t window)
{
    struct scan_options opt = {
        .max_objects = 100,
        .max_message_scan_size = 1 << 30,
        .max_message_scan_time = 60000,
        .max_compression_ratio = 100,
        .content_window = window,
    };

    scan_report_init(rep);
    scan_budget_init(b, &opt);
    return scan_object_append(rep, "1", "x", "CL_TYPE_ANY", 0, 0);
}

/* field - decoded field K of O as a string (a copy), or NULL */
static char *field(const struct scan_object *o, enum scan_decoded k)
{
    return o->decoded[k] != NULL ? g_strndup((const char *)o->decoded[k]->data, o->decoded[k]->len)
                                 : NULL;
}

/* decode_text - scan_decode_object over TEXT */
static void decode_text(struct scan_budget *b, struct scan_object *o, const char *text,
                        const char *name, const char *type)
{
    scan_decode_object(b, o, (const unsigned char *)text, strlen(text), name, type);
}

static void rtf_hex_is_normalised_and_classes_found(void **state)
{
    /* OLE 1.0 header: version 0x0501, format 2, class "Equation.3\0" (11 bytes) */
    static const char rtf[] =
        "{\\rtf1\\ansi text {\\object\\objemb{\\*\\objclass PBrush}"
        "{\\*\\objdata 0105 00\r\n0002\t000000\\dfrxst1 0B{\\*\\junk ff}000000"
        "4571 7561\n\\'41 74696F6E2E3300 }}}";
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);
    char *hex, *cls;

    (void)state;
    decode_text(&b, o, rtf, "a.rtf", "CL_TYPE_RTF");
    hex = field(o, SCAN_DECODED_RTF_OBJECT);
    cls = field(o, SCAN_DECODED_OLE_CLASS);
    assert_non_null(hex);
    assert_string_equal(hex, "01050000020000000b000000457175617469"
                             "6f6e2e3300");
    assert_non_null(cls);
    assert_string_equal(cls, "PBrush\nEquation.3");
    g_free(hex);
    g_free(cls);
    scan_report_clear(&rep);
}

static void rtf_equation_clsid_names_the_class(void **state)
{
    /* no class name at all: an OLE2 container's bytes with the Equation CLSID */
    static const char rtf[] = "{\\rtf1{\\object{\\*\\objdata d0cf11e0a1b11ae1 0000 "
                              "02 CE 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 0000}}}";
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);
    char *cls;

    (void)state;
    decode_text(&b, o, rtf, NULL, NULL);
    cls = field(o, SCAN_DECODED_OLE_CLASS);
    assert_non_null(cls);
    assert_string_equal(cls, "Equation.3");
    g_free(cls);
    scan_report_clear(&rep);
}

static void rtf_without_objects_decodes_nothing(void **state)
{
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);

    (void)state;
    decode_text(&b, o, "{\\rtf1\\ansi hello 0102 objdata world}", "a.rtf", "CL_TYPE_RTF");
    for (unsigned k = 0; k < SCAN_DECODED_N; k++)
        assert_null(o->decoded[k]);
    scan_report_clear(&rep);
}

/* rec - a BIFF record OP with LEN bytes of DATA appended to A */
static void rec(GByteArray *a, unsigned op, const void *data, unsigned len)
{
    guint8 h[4] = {op & 0xff, op >> 8, len & 0xff, len >> 8};

    g_byte_array_append(a, h, 4);
    if (len > 0)
        g_byte_array_append(a, data, len);
}

static void biff_macro_sheet_formulas_are_text(void **state)
{
    static const guint8 bof_globals[16] = {0x00, 0x06, 0x05, 0x00};
    static const guint8 bof_macro[16] = {0x00, 0x06, 0x40, 0x00};
    static const guint8 bof_sheet[16] = {0x00, 0x06, 0x10, 0x00};
    /* the built-in name Auto_Open: fBuiltin, cch 1, then fHighByte 0 and the code 1 */
    static const guint8 name[16] = {0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /* EXEC("calc"&"x", 1) as tokens: ptgStr ptgStr ptgConcat ptgInt ptgFuncVar(2, 110) */
    static const guint8 rgce[] = {0x17, 4,    0,    'c', 'a', 'l',  'c', 0x17, 1, 0,
                                  'x',  0x08, 0x1e, 1,   0,   0x42, 2,   110,  0};
    /* EXEC(R3C2, NAME#5, R1C1): ptgRef (row 2, column 1), ptgName (index 5), ptgRef3d
     * (sheet 0, row 0, column 0), ptgFuncVar(3, 110) */
    static const guint8 refs[] = {0x24, 2, 0, 1, 0, 0x23, 5,    0, 0,   0, 0x3a,
                                  0,    0, 0, 0, 0, 0,    0x42, 3, 110, 0};
    /* a worksheet formula: not a macro */
    static const guint8 sum[] = {0x1e, 2, 0, 0x41, 4, 0};
    GByteArray *a = g_byte_array_new();
    guint8 f[64] = {0};
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);
    char *xlm;

    (void)state;
    rec(a, 0x0809, bof_globals, 16);
    rec(a, 0x0018, name, 16);
    rec(a, 0x000a, NULL, 0);
    rec(a, 0x0809, bof_sheet, 16);
    f[20] = sizeof(sum);
    memcpy(f + 22, sum, sizeof(sum));
    rec(a, 0x0006, f, 22 + sizeof(sum));
    rec(a, 0x000a, NULL, 0);
    rec(a, 0x0809, bof_macro, 16);
    memset(f, 0, sizeof(f));
    f[20] = sizeof(rgce);
    memcpy(f + 22, rgce, sizeof(rgce));
    rec(a, 0x0006, f, 22 + sizeof(rgce));
    memset(f, 0, sizeof(f));
    f[20] = sizeof(refs);
    memcpy(f + 22, refs, sizeof(refs));
    rec(a, 0x0006, f, 22 + sizeof(refs));
    rec(a, 0x000a, NULL, 0);
    scan_decode_object(&b, o, a->data, a->len, NULL, "CL_TYPE_ANY");
    xlm = field(o, SCAN_DECODED_XLM);
    assert_non_null(xlm);
    assert_string_equal(xlm, "Auto_Open\nEXEC(\"calc\"&\"x\",1)\nEXEC(R3C2,NAME#5,R1C1)");
    g_free(xlm);
    g_byte_array_free(a, TRUE);
    scan_report_clear(&rep);
}

static void ooxml_macrosheet_formulas_are_unescaped(void **state)
{
    static const char xml[] = "<?xml version=\"1.0\"?><xm:macrosheet><sheetData>"
                              "<c r=\"A1\"><f>EXEC(\"cmd /c a &amp; b\")</f></c>"
                              "<c r=\"A2\"><f/></c><c r=\"A3\"><f t=\"shared\">HALT()</f></c>"
                              "</sheetData></xm:macrosheet>";
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);
    char *xlm;

    (void)state;
    decode_text(&b, o, xml, "sheet1.xml", "CL_TYPE_TEXT_ASCII");
    xlm = field(o, SCAN_DECODED_XLM);
    assert_non_null(xlm);
    assert_string_equal(xlm, "EXEC(\"cmd /c a & b\")\nHALT()");
    g_free(xlm);
    scan_report_clear(&rep);
}

static void html_scripts_and_script_files(void **state)
{
    static const char html[] = "<html><SCRIPT type=\"text/javascript\">var a = 1;</SCRIPT>"
                               "<p>text</p><script>new Blob([a]);</script></html>";
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o = fresh(&rep, &b, 0);
    char *s;

    (void)state;
    decode_text(&b, o, html, "page.bin", NULL); /* sniffed by its first bytes */
    s = field(o, SCAN_DECODED_SCRIPT);
    assert_non_null(s);
    assert_string_equal(s, "var a = 1;\nnew Blob([a]);");
    g_free(s);
    scan_report_clear(&rep);

    o = fresh(&rep, &b, 0);
    decode_text(&b, o, "WScript.Echo 1", "run.VBS", "CL_TYPE_TEXT_ASCII");
    s = field(o, SCAN_DECODED_SCRIPT);
    assert_non_null(s);
    assert_string_equal(s, "WScript.Echo 1");
    g_free(s);
    scan_report_clear(&rep);

    o = fresh(&rep, &b, 0);
    decode_text(&b, o, "just some notes", "notes.txt", "CL_TYPE_TEXT_ASCII");
    assert_null(o->decoded[SCAN_DECODED_SCRIPT]);
    scan_report_clear(&rep);
}

static void window_bounds_each_field_and_counts(void **state)
{
    GString *big = g_string_new("<script>");
    struct scan_report rep;
    struct scan_budget b;
    struct scan_object *o;
    uint64_t before;

    (void)state;
    for (int i = 0; i < 3000; i++)
        g_string_append(big, "x = x + 1; ");
    g_string_append(big, "</script>");
    o = fresh(&rep, &b, 4096);
    before = b.bytes;
    decode_text(&b, o, big->str, "a.html", NULL);
    assert_non_null(o->decoded[SCAN_DECODED_SCRIPT]);
    assert_int_equal(o->decoded[SCAN_DECODED_SCRIPT]->len, 4096);
    assert_int_equal(b.bytes - before, 4096); /* counted as inspected bytes */
    assert_int_equal(b.heads, 4096);
    /* full: nothing more fits, and the caller is told */
    assert_false(scan_decoded_add(&b, o, SCAN_DECODED_SCRIPT, "more", 4));
    assert_int_equal(o->decoded[SCAN_DECODED_SCRIPT]->len, 4096);
    scan_report_clear(&rep);
    g_string_free(big, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rtf_hex_is_normalised_and_classes_found),
        cmocka_unit_test(rtf_equation_clsid_names_the_class),
        cmocka_unit_test(rtf_without_objects_decodes_nothing),
        cmocka_unit_test(biff_macro_sheet_formulas_are_text),
        cmocka_unit_test(ooxml_macrosheet_formulas_are_unescaped),
        cmocka_unit_test(html_scripts_and_script_files),
        cmocka_unit_test(window_bounds_each_field_and_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
