/* digest.c - streaming SHA-256 on libclamav's (OpenSSL's) hash, GChecksum when that
 * context cannot be had (see digest.h). */
#include <stdbool.h>

#include <clamav.h>
#include <glib.h>

#include "digest.h"

struct digest {
    void *evp;      /* libclamav's hash context, or NULL */
    GChecksum *sum; /* when evp could not be had */
    bool failed;    /* an update failed: no digest */
};

struct digest *digest_new(void)
{
    struct digest *d = g_new0(struct digest, 1);

    d->evp = cl_hash_init("sha256");
    if (d->evp == NULL)
        d->sum = g_checksum_new(G_CHECKSUM_SHA256);
    return d;
}

void digest_update(struct digest *d, const void *data, size_t len)
{
    if (len == 0 || d->failed)
        return;
    if (d->evp != NULL)
        d->failed = cl_update_hash(d->evp, data, len) != 0;
    else
        g_checksum_update(d->sum, data, (gssize)len);
}

bool digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
    static const char xdigits[] = "0123456789abcdef";
    unsigned char raw[32];
    bool ok = !d->failed;

    hex[0] = '\0';
    if (ok && d->evp != NULL) {
        ok = cl_finish_hash(d->evp, raw) == 0; /* frees the context */
        d->evp = NULL;
        for (size_t i = 0; ok && i < sizeof(raw); i++) {
            hex[2 * i] = xdigits[raw[i] >> 4];
            hex[2 * i + 1] = xdigits[raw[i] & 15];
        }
        if (ok)
            hex[DIGEST_HEX_LEN] = '\0';
    } else if (ok) {
        g_strlcpy(hex, g_checksum_get_string(d->sum), DIGEST_HEX_LEN + 1);
    }
    digest_free(d);
    return ok;
}

struct digest *digest_free(struct digest *d)
{
    if (d == NULL)
        return NULL;
    if (d->evp != NULL)
        cl_hash_destroy(d->evp);
    if (d->sum != NULL)
        g_checksum_free(d->sum);
    g_free(d);
    return NULL;
}
