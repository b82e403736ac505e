/* test_uuscan.c - uuscan.c: which lines open and close a uuencoded block, a block
 * without "end", CR LF and trailing blanks, several blocks in one text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <glib.h>

#include "uuscan.h"

/* A text and the blocks expected in it, at most three; name NULL ends the list. */
struct uucase {
    const char *what;
    const char *text;
    struct {
        const char *name;
        const char *body;
        bool ended;
    } want[3];
};

/* check - every block of C->text, in order, against C->want */
static void check(const struct uucase *c)
{
    const unsigned char *p = (const unsigned char *)c->text;
    const unsigned char *end = p + strlen(c->text);
    struct uuscan_block b;
    size_t n = 0;

    while (uuscan_next(p, end, &b)) {
        if (n == G_N_ELEMENTS(c->want) || c->want[n].name == NULL)
            fail_msg("%s: got block %zu \"%.*s\", want none", c->what, n + 1, (int)b.name_len,
                     b.name);
        if (b.name_len != strlen(c->want[n].name) ||
            memcmp(b.name, c->want[n].name, b.name_len) != 0)
            fail_msg("%s: block %zu name: got \"%.*s\", want \"%s\"", c->what, n + 1,
                     (int)b.name_len, b.name, c->want[n].name);
        if (b.body_len != strlen(c->want[n].body) ||
            memcmp(b.body, c->want[n].body, b.body_len) != 0)
            fail_msg("%s: block %zu body: got \"%.*s\", want \"%s\"", c->what, n + 1,
                     (int)b.body_len, (const char *)b.body, c->want[n].body);
        if (b.ended != c->want[n].ended)
            fail_msg("%s: block %zu ended: got %d, want %d", c->what, n + 1, b.ended,
                     c->want[n].ended);
        if (b.next <= p || b.next > end)
            fail_msg("%s: block %zu: next does not move forward", c->what, n + 1);
        p = b.next;
        n++;
    }
    if (n < G_N_ELEMENTS(c->want) && c->want[n].name != NULL)
        fail_msg("%s: got %zu blocks, want more", c->what, n);
}

static void begin_lines_open_a_block_only_when_well_formed(void **state)
{
    static const struct uucase cases[] = {
        {"three digits", "begin 644 a.exe\nM86)C\n`\nend\n", {{"a.exe", "M86)C\n`\n", true}}},
        {"four digits, tab", "begin 0644\tb c.txt\nend\n", {{"b c.txt", "", true}}},
        {"two digits", "begin 64 a.exe\nend\n", {{NULL}}},
        {"five digits", "begin 06444 a.exe\nend\n", {{NULL}}},
        {"not octal", "begin 648 a.exe\nend\n", {{NULL}}},
        {"no name", "begin 644   \nend\n", {{NULL}}},
        {"indented", " begin 644 a.exe\nend\n", {{NULL}}},
        {"in prose", "Let us begin 644 times.\n", {{NULL}}},
        {"empty text", "", {{NULL}}},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        check(&cases[i]);
}

static void blocks_end_at_end_line_or_at_end_of_text(void **state)
{
    static const struct uucase cases[] = {
        {"no end line", "begin 644 a\nM86)C\n", {{"a", "M86)C\n", false}}},
        {"begin is the last line", "text\nbegin 644 a", {{"a", "", false}}},
        {"end needs a line of its own", "begin 644 a\nending\nend \n", {{"a", "ending\n", true}}},
        {"crlf and trailing blanks",
         "begin 644 a.txt \r\nM86)C\r\nend\t\r\nafter\r\n",
         {{"a.txt", "M86)C\r\n", true}}},
        {"two blocks",
         "hi\nbegin 644 one\nx\nend\nmid\nbegin 600 two\ny\nend\nbye\n",
         {{"one", "x\n", true}, {"two", "y\n", true}}},
        {"text after end is searched again",
         "begin 644 a\nend\nbegin 644 b\n",
         {{"a", "", true}, {"b", "", false}}},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
        check(&cases[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(begin_lines_open_a_block_only_when_well_formed),
        cmocka_unit_test(blocks_end_at_end_line_or_at_end_of_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
