/* test_units.c - units.c, the one grammar of sizes and durations that mailvet.yaml
 * (config.c) and "mailvet quarantine" (--older-than, --max-size, --since) both read:
 * every suffix in both places, a duration without its unit refused with the spellings
 * it may have meant, overflow refused (MV_TOOBIG), malformed text and unknown suffixes
 * refused (MV_EPARSE), and units_format_size read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "units.h"

struct size_case {
    const char *text;
    enum mv_status want;
    uint64_t bytes;
};

static const struct size_case size_cases[] = {
    {"0", MV_OK, 0},
    {"4096", MV_OK, 4096},
    {"64K", MV_OK, 64ULL << 10},
    {"64k", MV_OK, 64ULL << 10},
    {"25M", MV_OK, 25ULL << 20},
    {"10G", MV_OK, 10ULL << 30},
    {"4T", MV_OK, 4ULL << 40},
    {"4t", MV_OK, 4ULL << 40},
    {"18446744073709551615", MV_OK, UINT64_MAX},
    {"16777215T", MV_OK, 16777215ULL << 40},
    /* overflow */
    {"18446744073709551616", MV_TOOBIG, 0},
    {"16777216T", MV_TOOBIG, 0},
    {"99999999999999999999999K", MV_TOOBIG, 0},
    /* not a size */
    {"", MV_EPARSE, 0},
    {"K", MV_EPARSE, 0},
    {"-1", MV_EPARSE, 0},
    {" 1", MV_EPARSE, 0},
    {"1 M", MV_EPARSE, 0},
    {"1P", MV_EPARSE, 0},
    {"1KB", MV_EPARSE, 0},
    {"1.5G", MV_EPARSE, 0},
    {"0x10", MV_EPARSE, 0},
};

/* units_parse_size_reads_every_suffix_and_refuses_the_rest - the table above */
static void units_parse_size_reads_every_suffix_and_refuses_the_rest(void **state)
{
    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(size_cases); i++) {
        const struct size_case *c = &size_cases[i];
        struct mv_err err = {0};
        uint64_t got = 7;
        enum mv_status st = units_parse_size(c->text, &got, &err);

        if (st != c->want)
            fail_msg("size \"%s\": got %s, want %s", c->text, mv_status_name(st),
                     mv_status_name(c->want));
        if (st == MV_OK && got != c->bytes)
            fail_msg("size \"%s\": got %llu, want %llu", c->text, (unsigned long long)got,
                     (unsigned long long)c->bytes);
        if (st != MV_OK && got != 7)
            fail_msg("size \"%s\": refused but the output was written", c->text);
        if (st != MV_OK && strstr(err.msg, c->text) == NULL)
            fail_msg("size \"%s\": got message \"%s\", want it to name the text", c->text, err.msg);
    }
}

struct duration_case {
    const char *text;
    enum mv_status want;
    uint64_t ms;
};

static const struct duration_case duration_cases[] = {
    {"30d", MV_OK, 30ULL * 86400000},
    {"2w", MV_OK, 14ULL * 86400000},
    {"12h", MV_OK, 12ULL * 3600000},
    {"5m", MV_OK, 300000},
    {"45s", MV_OK, 45000},
    {"2000ms", MV_OK, 2000},
    {"250ms", MV_OK, 250},
    {"1d", MV_OK, 86400000},
    {"0s", MV_OK, 0},
    /* overflow */
    {"18446744073709551616ms", MV_TOOBIG, 0},
    {"18446744073709552s", MV_TOOBIG, 0},
    {"40000000000w", MV_TOOBIG, 0},
    {"99999999999999999999999d", MV_TOOBIG, 0},
    /* a bare number: seconds for one reader, milliseconds for another, so neither */
    {"3600", MV_EPARSE, 0},
    {"180", MV_EPARSE, 0},
    {"0", MV_EPARSE, 0},
    {"18446744073709551616", MV_EPARSE, 0},
    /* not a duration */
    {"", MV_EPARSE, 0},
    {"d", MV_EPARSE, 0},
    {"soon", MV_EPARSE, 0},
    {"2y", MV_EPARSE, 0},
    {"30D", MV_EPARSE, 0},
    {"1h30m", MV_EPARSE, 0},
    {"5 m", MV_EPARSE, 0},
    {"-5s", MV_EPARSE, 0},
    {"2024-05-01", MV_EPARSE, 0},
};

/* units_parse_duration_reads_every_suffix_and_refuses_the_rest - the table above */
static void units_parse_duration_reads_every_suffix_and_refuses_the_rest(void **state)
{
    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(duration_cases); i++) {
        const struct duration_case *c = &duration_cases[i];
        struct mv_err err = {0};
        uint64_t got = 7;
        enum mv_status st = units_parse_duration(c->text, &got, &err);

        if (st != c->want)
            fail_msg("duration \"%s\": got %s, want %s", c->text, mv_status_name(st),
                     mv_status_name(c->want));
        if (st == MV_OK && got != c->ms)
            fail_msg("duration \"%s\": got %llu ms, want %llu", c->text, (unsigned long long)got,
                     (unsigned long long)c->ms);
        if (st != MV_OK && got != 7)
            fail_msg("duration \"%s\": refused but the output was written", c->text);
        if (st != MV_OK && strncmp(err.msg, c->text, strlen(c->text)) != 0)
            fail_msg("duration \"%s\": got message \"%s\", want it to start with the text", c->text,
                     err.msg);
    }
}

/* units_bare_duration_names_the_units_it_may_mean - the operator who wrote "180" is
 * shown 180s, 180ms and, when it is whole, the larger unit it makes as seconds */
static void units_bare_duration_names_the_units_it_may_mean(void **state)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"180", "180: a duration needs a unit: 180s, 180ms, 3m ..."},
        {"3600", "3600: a duration needs a unit: 3600s, 3600ms, 1h ..."},
        {"86400", "86400: a duration needs a unit: 86400s, 86400ms, 1d ..."},
        {"1209600", "1209600: a duration needs a unit: 1209600s, 1209600ms, 2w ..."},
        {"45", "45: a duration needs a unit: 45s, 45ms ..."},
        {"0", "0: a duration needs a unit: 0s, 0ms ..."},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct mv_err err = {0};
        uint64_t v = 7;

        assert_int_equal(units_parse_duration(cases[i].text, &v, &err), MV_EPARSE);
        if (strcmp(err.msg, cases[i].want) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].text, err.msg, cases[i].want);
    }
}

/* units_parse_accepts_null_err - err is optional */
static void units_parse_accepts_null_err(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(units_parse_size("1P", &v, NULL), MV_EPARSE);
    assert_int_equal(units_parse_duration("1y", &v, NULL), MV_EPARSE);
    assert_int_equal(units_parse_duration("1", &v, NULL), MV_EPARSE);
    assert_int_equal(units_parse_size("4T", &v, NULL), MV_OK);
}

/* units_format_size_uses_the_largest_exact_unit - and reads back to the same value */
static void units_format_size_uses_the_largest_exact_unit(void **state)
{
    static const struct {
        uint64_t bytes;
        const char *want;
    } cases[] = {
        {0, "0"},           {1500, "1500"},           {1024, "1K"},
        {1536, "1536"},     {100ULL << 20, "100M"},   {10ULL << 30, "10G"},
        {4ULL << 40, "4T"}, {4097ULL << 30, "4097G"}, {UINT64_MAX, "18446744073709551615"},
    };

    (void)state;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GString *s = g_string_new(NULL);
        uint64_t back = 0;

        units_format_size(s, cases[i].bytes);
        if (strcmp(s->str, cases[i].want) != 0)
            fail_msg("format %llu: got \"%s\", want \"%s\"", (unsigned long long)cases[i].bytes,
                     s->str, cases[i].want);
        assert_int_equal(units_parse_size(s->str, &back, NULL), MV_OK);
        if (back != cases[i].bytes)
            fail_msg("\"%s\" read back: got %llu, want %llu", s->str, (unsigned long long)back,
                     (unsigned long long)cases[i].bytes);
        g_string_free(s, TRUE);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(units_parse_size_reads_every_suffix_and_refuses_the_rest),
        cmocka_unit_test(units_parse_duration_reads_every_suffix_and_refuses_the_rest),
        cmocka_unit_test(units_bare_duration_names_the_units_it_may_mean),
        cmocka_unit_test(units_parse_accepts_null_err),
        cmocka_unit_test(units_format_size_uses_the_largest_exact_unit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
