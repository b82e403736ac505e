/* digest.c - streaming SHA-256 on OpenSSL's EVP interface (see digest.h).
 * One EVP_MD_CTX per digest, set up for EVP_sha256() in digest_new(); the first
 * failed call marks the digest failed and the later ones are skipped.  No fallback:
 * EVP fails only without memory or without a SHA-256 implementation, and then a
 * leaf without a digest is only a cache miss. */
#include <stdbool.h>

#include <glib.h>
#include <openssl/evp.h>

#include "digest.h"

struct digest {
    EVP_MD_CTX *ctx; /* NULL once freed, or when it could not be had */
    bool failed;     /* an EVP call failed: no digest */
};

/* digest_new - a SHA-256 context; a failure is kept for digest_finish() to report */
struct digest *digest_new(void)
{
    struct digest *d = g_new0(struct digest, 1);

    d->ctx = EVP_MD_CTX_new();
    d->failed = d->ctx == NULL || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1;
    return d;
}

/* digest_update - hash LEN more bytes, unless an earlier call failed */
void digest_update(struct digest *d, const void *data, size_t len)
{
    if (len == 0 || d->failed)
        return;
    d->failed = EVP_DigestUpdate(d->ctx, data, len) != 1;
}

/* digest_finish - the hex digest into HEX ("" and false after a failure); frees D */
bool digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1])
{
    static const char xdigits[] = "0123456789abcdef";
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    bool ok = !d->failed;

    G_STATIC_ASSERT(DIGEST_HEX_LEN == 2 * 32);
    hex[0] = '\0';
    if (ok)
        ok = EVP_DigestFinal_ex(d->ctx, raw, &n) == 1 && n == DIGEST_HEX_LEN / 2;
    for (unsigned int i = 0; ok && i < n; i++) {
        hex[2 * i] = xdigits[raw[i] >> 4];
        hex[2 * i + 1] = xdigits[raw[i] & 15];
    }
    if (ok)
        hex[DIGEST_HEX_LEN] = '\0';
    digest_free(d);
    return ok;
}

/* digest_free - release D and its context; returns NULL */
struct digest *digest_free(struct digest *d)
{
    if (d == NULL)
        return NULL;
    EVP_MD_CTX_free(d->ctx);
    g_free(d);
    return NULL;
}
