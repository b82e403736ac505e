/* units.c - sizes and durations (units.h): digits, then one suffix from a table.
 * Overflow is checked at every step (each digit, the suffix's multiplier), so a value
 * too large for 64 bits is MV_TOOBIG, never a wrapped number. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "units.h"

static const struct {
    char suffix;
    uint64_t bytes;
} size_units[] = {
    {'K', UINT64_C(1) << 10},
    {'M', UINT64_C(1) << 20},
    {'G', UINT64_C(1) << 30},
    {'T', UINT64_C(1) << 40},
};

static const struct {
    const char *suffix;
    uint64_t ms;
} duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
};

/* units_digits - the decimal number at *P; false when there is none.  *OVERFLOW is
 * set (and the digits still consumed) when it does not fit in 64 bits. */
bool units_digits(const char **p, uint64_t *out, bool *overflow)
{
    const char *s = *p;
    uint64_t v = 0;

    if (!g_ascii_isdigit(*s))
        return false;
    for (; g_ascii_isdigit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');

        if (v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

/* times - V times M, or *OVERFLOW */
static uint64_t times(uint64_t v, uint64_t m, bool *overflow)
{
    if (m != 0 && v > UINT64_MAX / m) {
        *overflow = true;
        return UINT64_MAX;
    }
    return v * m;
}

/* units_parse_size - "25M" -> bytes */
enum mv_status units_parse_size(const char *text, uint64_t *bytes, struct mv_err *err)
{
    const char *p = text != NULL ? text : "";
    bool overflow = false;
    uint64_t v;

    if (!units_digits(&p, &v, &overflow))
        return mv_err_set(err, MV_EPARSE, "%.100s: not a size", text != NULL ? text : "");
    if (*p != '\0') {
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(size_units); i++)
            if (g_ascii_toupper(*p) == size_units[i].suffix && p[1] == '\0')
                break;
        if (i == G_N_ELEMENTS(size_units))
            return mv_err_set(err, MV_EPARSE, "%.100s: not a size", text);
        v = times(v, size_units[i].bytes, &overflow);
    }
    if (overflow)
        return mv_err_set(err, MV_TOOBIG, "%.100s: too large", text);
    *bytes = v;
    return MV_OK;
}

/* what a duration looks like, for the messages */
#define DURATION_FORMS "a whole number and its unit: 500ms, 30s, 5m, 12h, 30d, 2w"

/* needs_unit - the refusal of a bare number V (TEXT): the spellings it may have meant,
 * seconds and milliseconds, and the largest unit that holds it as seconds exactly */
static enum mv_status needs_unit(const char *text, uint64_t v, bool overflow, struct mv_err *err)
{
    char larger[40] = "";

    for (size_t i = G_N_ELEMENTS(duration_units); !overflow && v > 0 && i > 2; i--) {
        uint64_t secs = duration_units[i - 1].ms / 1000;

        if (v % secs == 0) {
            g_snprintf(larger, sizeof(larger), ", %" PRIu64 "%s", v / secs,
                       duration_units[i - 1].suffix);
            break;
        }
    }
    return mv_err_set(err, MV_EPARSE, "%.30s: a duration needs a unit: %.30ss, %.30sms%s ...", text,
                      text, text, larger);
}

/* units_parse_duration - "120s" -> milliseconds */
enum mv_status units_parse_duration(const char *text, uint64_t *ms, struct mv_err *err)
{
    const char *p = text != NULL ? text : "";
    bool overflow = false;
    uint64_t v, unit;
    size_t i;

    if (!units_digits(&p, &v, &overflow))
        return mv_err_set(err, MV_EPARSE, "%.100s: not a duration (%s)", text != NULL ? text : "",
                          DURATION_FORMS);
    if (*p == '\0')
        return needs_unit(text, v, overflow, err);
    for (i = 0; i < G_N_ELEMENTS(duration_units); i++)
        if (strcmp(p, duration_units[i].suffix) == 0)
            break;
    if (i == G_N_ELEMENTS(duration_units))
        return mv_err_set(err, MV_EPARSE, "%.100s: not a duration (%s)", text, DURATION_FORMS);
    unit = duration_units[i].ms;
    v = times(v, unit, &overflow);
    if (overflow)
        return mv_err_set(err, MV_TOOBIG, "%.100s: too large", text);
    *ms = v;
    return MV_OK;
}

/* units_format_size - bytes in the largest exact unit: "100M" */
void units_format_size(GString *out, uint64_t bytes)
{
    for (size_t i = G_N_ELEMENTS(size_units); bytes != 0 && i > 0; i--) {
        if (bytes % size_units[i - 1].bytes == 0) {
            g_string_append_printf(out, "%" PRIu64 "%c", bytes / size_units[i - 1].bytes,
                                   size_units[i - 1].suffix);
            return;
        }
    }
    g_string_append_printf(out, "%" PRIu64, bytes);
}
