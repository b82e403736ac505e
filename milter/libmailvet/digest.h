/* digest.h - streaming SHA-256 as lower-case hex, for the leaf digests (the cache
 * keys and the reports' sha256).  It runs on OpenSSL's libcrypto EVP interface, whose
 * SHA-256 uses SHA-NI / AVX2 code where the CPU has it; GLib's GChecksum, a portable
 * C SHA-256, was ~7.5 % of mailvetd's CPU in bench/RESULTS.md's profile.  libcrypto is
 * called directly, not through libclamav's cl_hash_* (only scan.c touches libclamav),
 * so a ClamAV upgrade cannot change what a digest costs.  A failed EVP call (no
 * memory, a libcrypto without SHA-256) leaves no digest (""): a leaf without one is
 * never cached.  Owner: the caller; one digest per thread at a time. */
#ifndef MV_DIGEST_H
#define MV_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_HEX_LEN 64

struct digest;

/* digest_new - a digest of no bytes yet (never NULL; a failed start shows at finish) */
struct digest *digest_new(void);
/* digest_update - add LEN bytes at DATA */
void digest_update(struct digest *d, const void *data, size_t len);
/* digest_finish - write the hex digest and its NUL into HEX (false and "" if an EVP
 * call failed); D is freed */
bool digest_finish(struct digest *d, char hex[DIGEST_HEX_LEN + 1]);
/* digest_free - abandon D (NULL allowed); returns NULL */
struct digest *digest_free(struct digest *d);

#endif
