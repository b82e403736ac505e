/* fuzz_reportcodec.c - bytes as a cached report read back from Redis: decoded
 * strictly (reportcodec_decode).  What decodes must encode again, and that encoding
 * must decode and encode to the same bytes; anything else, a crash, a sanitizer
 * report or a leak is a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "reportcodec.h"
#include "scan.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan_report rep, again;
    struct mv_err err = {0};
    GByteArray *one, *two;

    if (reportcodec_decode(data, size, &rep, &err) != MV_OK)
        return 0;
    one = g_byte_array_new();
    two = g_byte_array_new();
    if (reportcodec_encode(&rep, UINT64_MAX, one, &err) != MV_OK) {
        fprintf(stderr, "a decoded report does not encode: %s\n", err.msg);
        abort();
    }
    if (reportcodec_decode(one->data, one->len, &again, &err) != MV_OK) {
        fprintf(stderr, "an encoding does not decode: %s\n", err.msg);
        abort();
    }
    if (reportcodec_encode(&again, UINT64_MAX, two, &err) != MV_OK || one->len != two->len ||
        memcmp(one->data, two->data, one->len) != 0) {
        fprintf(stderr, "the encoding does not round-trip\n");
        abort();
    }
    scan_report_clear(&rep);
    scan_report_clear(&again);
    g_byte_array_free(one, TRUE);
    g_byte_array_free(two, TRUE);
    return 0;
}
