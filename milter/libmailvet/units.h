/* units.h - the one grammar of sizes and durations, for mailvet.yaml (config.c), the
 * command line (mailvet quarantine, mailvetd --timeout) and the console's search.
 * Size: a whole number of bytes with an optional K, M, G or T suffix (1024-based; the
 * suffix in either case): 4096, 64K, 25M, 10G, 4T.
 * Duration: a whole number with ms, s, m, h, d or w (lower case): 500ms, 30s, 5m, 1h,
 * 30d, 2w.  The unit is required: a bare "180" meant seconds for one key and
 * milliseconds for another, so it is refused everywhere (its message proposes the
 * spellings: "180: a duration needs a unit: 180s, 180ms, 3m ...").
 * Results: MV_OK; MV_EPARSE for text that is not of the form (no digits, no unit, a
 * sign, a space, an unknown suffix); MV_TOOBIG for a well-formed value that does not
 * fit in 64 bits.  err may be NULL; its message starts with the text and says what is
 * wrong.  A leaf: nothing is logged. */
#ifndef MV_UNITS_H
#define MV_UNITS_H

#include <stdint.h>

#include <glib.h>

#include "mv.h"

/* units_digits - the decimal digits at *P (moved past them) into *OUT; false when
 * there are none, *OVERFLOW set when they do not fit in 64 bits: the number reader
 * of the grammar, for the plain counts and ports of the configuration too */
bool units_digits(const char **p, uint64_t *out, bool *overflow);

/* units_parse_size - TEXT as bytes into *BYTES */
enum mv_status units_parse_size(const char *text, uint64_t *bytes, struct mv_err *err);

/* units_parse_duration - TEXT (a number and its unit) as milliseconds into *MS */
enum mv_status units_parse_duration(const char *text, uint64_t *ms, struct mv_err *err);

/* units_format_size - BYTES in the largest unit that holds it exactly ("100M", "4T",
 * "1500"), appended to OUT; units_parse_size reads it back to the same value */
void units_format_size(GString *out, uint64_t bytes);

#endif
