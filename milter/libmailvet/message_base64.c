/* message_base64.c - whole base64 quartets, four bytes at a time (see message_base64.h).
 * One table per position of a quartet holds each alphabet byte's six bits already
 * shifted into place in the 24 bits of the triplet; any other byte has the bit 1 << 31
 * set in all four, so one test per quartet finds it.  The tables are built once, under
 * GOnce, from the alphabet. */
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "message_base64.h"

#define BASE64_BAD 0x80000000u /* in every table entry of a byte outside the alphabet */

static uint32_t tables[4][256];

/* tables_init_once - GOnce body: the four position tables */
static gpointer tables_init_once(gpointer unused)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    (void)unused;
    for (size_t k = 0; k < 4; k++)
        for (size_t c = 0; c < 256; c++)
            tables[k][c] = BASE64_BAD;
    for (uint32_t v = 0; v < 64; v++) {
        unsigned char c = (unsigned char)alphabet[v];

        tables[0][c] = v << 18;
        tables[1][c] = v << 12;
        tables[2][c] = v << 6;
        tables[3][c] = v;
    }
    return NULL;
}

/* message_base64_quartets - decode the leading run of clean quartets of IN */
size_t message_base64_quartets(const unsigned char *in, size_t len, unsigned char *out,
                               size_t *used)
{
    static GOnce once = G_ONCE_INIT;
    const unsigned char *p = in;
    unsigned char *o = out;

    g_once(&once, tables_init_once, NULL);
    while (len >= 4) {
        uint32_t v = tables[0][p[0]] | tables[1][p[1]] | tables[2][p[2]] | tables[3][p[3]];

        if (v & BASE64_BAD)
            break;
        o[0] = (unsigned char)(v >> 16);
        o[1] = (unsigned char)(v >> 8);
        o[2] = (unsigned char)v;
        o += 3;
        p += 4;
        len -= 4;
    }
    *used = (size_t)(p - in);
    return (size_t)(o - out);
}

/* message_base64_decode - STEP with the quartet runs taken four bytes at a time */
size_t message_base64_decode(const unsigned char *in, size_t len, unsigned char *out, int *state,
                             uint32_t *save, message_base64_step_fn step)
{
    unsigned char *o = out;

    while (len > 0) {
        const unsigned char *nl;
        size_t n;

        if (*state == 0) {
            size_t used;
            size_t got = message_base64_quartets(in, len, o, &used);

            if (used > 0) {
                o += got;
                in += used;
                len -= used;
                *save = 0; /* as GMime leaves it after a quartet */
            }
            if (len == 0)
                break;
        }
        nl = memchr(in, '\n', len);
        n = nl != NULL ? (size_t)(nl - in) + 1 : len;
        o += step(in, n, o, state, save);
        in += n;
        len -= n;
    }
    return (size_t)(o - out);
}
