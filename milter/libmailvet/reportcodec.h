/* reportcodec.h - a struct scan_report as compact bytes and back, for the verdict
 * cache (cache.c).  The encoding carries every field the pipeline reads after a scan:
 * the report's signatures, detected type and max depth, and per object its path,
 * name, type, size, depth, attributes, the three flags, its signatures, its head
 * bytes and its decoded fields (enum scan_decoded).  An object's archive bytes are never encoded
 * (container.c is done with them before a report is stored); a decoded object has archive NULL.
 * Format: one version byte (REPORTCODEC_VERSION), then LEB128 numbers and
 * length-prefixed strings and heads; see reportcodec.c.  A value of another version
 * does not decode (a miss, not a misread).  Decoding trusts nothing: the bytes may
 * have been written by anyone who can reach Redis.  No logging, no global state:
 * callable from any thread. */
#ifndef MV_REPORTCODEC_H
#define MV_REPORTCODEC_H

#include <glib.h>

#include "mv.h"
#include "scan.h"

#define REPORTCODEC_VERSION 2
#define REPORTCODEC_MAX_STRING (64u * 1024) /* bytes of one path, name, type, signature */
#define REPORTCODEC_MAX_OBJECTS 1000000u    /* max_objects' upper bound */
#define REPORTCODEC_MAX_SIGNATURES 100000u  /* per list */
#define REPORTCODEC_MAX_DEPTH 256u          /* max_recursion is at most 64 */

/* reportcodec_encode - append REP's encoding, at most MAX bytes, to OUT.  With OUT as
 * it was: MV_TOOBIG when the encoding would pass MAX (it stops there, never building
 * more), MV_EPARSE when REP holds what the format refuses (text that is not UTF-8 or
 * has a NUL, a string, list or head over the bounds above), so every encoding decodes */
enum mv_status reportcodec_encode(const struct scan_report *rep, uint64_t max, GByteArray *out,
                                  struct mv_err *err);

/* reportcodec_decode - the LEN bytes at DATA into REP (previous contents overwritten,
 * not freed).  MV_OK: REP filled, the caller clears it with scan_report_clear.
 * MV_EPARSE with ERR on anything malformed (REP then empty, nothing to free). */
enum mv_status reportcodec_decode(const void *data, size_t len, struct scan_report *rep,
                                  struct mv_err *err);

#endif
