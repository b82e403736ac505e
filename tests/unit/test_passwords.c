/* test_passwords.c - passwords.c: the candidate passwords found in message text, in
 * several languages and scripts, in plain text and HTML; none in ordinary text; the
 * count and length bounds; linear time on hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include <glib.h>

#include "passwords.h"

/* assert_candidates - the list equals WANT (NULL-terminated), or fail with both */
static void assert_candidates(const char *what, GPtrArray *got, const char *const *want)
{
    GString *g = g_string_new(NULL), *w = g_string_new(NULL);
    bool same = true;
    guint n = 0;

    for (; want[n] != NULL; n++)
        g_string_append_printf(w, "[%s]", want[n]);
    for (guint i = 0; i < got->len; i++) {
        const char *s = g_ptr_array_index(got, i);
        g_string_append_printf(g, "[%s]", s);
        assert_true(g_utf8_validate(s, -1, NULL));
        if (i >= n || strcmp(s, want[i]) != 0)
            same = false;
    }
    if (!same || got->len != n)
        fail_msg("%s: got %s, want %s", what, g->str, w->str);
    g_string_free(g, TRUE);
    g_string_free(w, TRUE);
}

static void passwords_are_found_in_text(void **state)
{
    static const struct {
        const char *text;
        const char *want[4];
    } cases[] = {
        {"Password: Xy7!kq", {"Xy7!kq"}},
        {"pwd=abc123", {"abc123"}},
        {"Kennwort: Sommer2020", {"Sommer2020"}},
        {"\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xef\xbc\x9a"
         "abcd1234",
         {"abcd1234"}}, /* パスワード：abcd1234 */
        {"\xe5\xaf\x86\xe7\xa0\x81\xef\xbc\x9amima888\xe3\x80\x82",
         {"mima888"}}, /* 密码：mima888。 */
        {"the password is \"s3cret\"", {"s3cret"}},
        {"<p><b>Password</b>: <i>h7Jk</i></p>", {"h7Jk"}},
        {"Mot de passe : bonjour42.", {"bonjour42"}},
        {"\xd0\x9f\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c: Zx81qq", {"Zx81qq"}}, /* Пароль */
        {"CONTRASE\xc3\x91"
         "A: Hola2021!",
         {"Hola2021", "Hola2021!"}},
        {"Archive password for the attachment: 7731", {"7731"}},
        {"Passwort 4455 (bitte nicht weitergeben)", {"4455"}},
        {"Pass: letmein", {"letmein"}},
        {"Open it with \xc2\xabPa55\xc2\xbb or \xe2\x80\x9copen-me\xe2\x80\x9d.",
         {"Pa55", "open-me"}},
        {"<style>p { font-family: 'Arial'; }</style><p>Password: &quot;q1w2&quot;</p>", {"q1w2"}},
        {"Password: abc123. Again, pwd: abc123 (\"abc123\")", {"abc123"}},
        {"password: ab\xff"
         "cd",
         {"ab"}},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

        passwords_add(list, cases[i].text, strlen(cases[i].text), 20, 64);
        assert_candidates(cases[i].text, list, cases[i].want);
        g_ptr_array_unref(list);
    }
}

static void ordinary_text_gives_no_candidates(void **state)
{
    static const char *const texts[] = {
        "Hi Anna,\n\nplease pass the attached report to the team; the code review is on "
        "Monday. The password-protected PDF follows by post.\n\nRegards,\nBen "
        "<ben@example.com>\n",
        "<html><body><p>See you at 10:30 in room 4.</p><a href=\"https://example.com/x\">"
        "agenda</a></body></html>",
        "",
    };
    static const char *const none[] = {NULL};

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
        GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

        passwords_add(list, texts[i], strlen(texts[i]), 20, 64);
        assert_candidates(texts[i], list, none);
        g_ptr_array_unref(list);
    }
}

static void passwords_respect_max_count_and_max_len(void **state)
{
    static const char text[] = "Codes \"k1\", \"k2\", \"k3\", \"k4\" and \"k5\".";
    static const char *const first3[] = {"k1", "k2", "k3", NULL};
    static const char *const then4[] = {"k1", "k2", "k3", "k4", NULL};
    static const char *const none[] = {NULL};
    static const char *const short1[] = {"short1", NULL};
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
    const char *lng = "Password: averyveryverylongpassword123";

    (void)state;
    passwords_add(list, text, strlen(text), 3, 64);
    assert_candidates("max_count 3", list, first3);
    /* the bound is on the whole list, shared by calls for several parts */
    passwords_add(list, text, strlen(text), 4, 64);
    assert_candidates("second call, max_count 4", list, then4);
    g_ptr_array_set_size(list, 0);

    passwords_add(list, lng, strlen(lng), 20, 10);
    assert_candidates("max_len 10", list, none);
    passwords_add(list, "pwd: short1", 11, 20, 10);
    assert_candidates("max_len 10, 6 bytes", list, short1);
    g_ptr_array_unref(list);
}

static void passwords_work_is_linear_on_hostile_text(void **state)
{
    static const char *const units[] = {"\xc2\xab", "password ", "\"a", "<b", "&#"};
    const size_t size = 2 << 20;
    GPtrArray *list = g_ptr_array_new_with_free_func(g_free);

    (void)state;
    for (size_t u = 0; u < G_N_ELEMENTS(units); u++) {
        GString *s = g_string_sized_new(size + 16);
        gint64 t0 = g_get_monotonic_time();

        while (s->len < size)
            g_string_append(s, units[u]);
        passwords_add(list, s->str, s->len, 20, 64);
        if (g_get_monotonic_time() - t0 > 20 * G_USEC_PER_SEC)
            fail_msg("2 MiB of \"%s\": got %.1f s, want well under 20 s", units[u],
                     (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC);
        g_string_free(s, TRUE);
    }
    g_ptr_array_unref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passwords_are_found_in_text),
        cmocka_unit_test(ordinary_text_gives_no_candidates),
        cmocka_unit_test(passwords_respect_max_count_and_max_len),
        cmocka_unit_test(passwords_work_is_linear_on_hostile_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
