/*
 * pwhash.h — password hashes: making them (`ndb passwd`) and checking a
 * password against one (the server's users), shared by both sides.
 *
 * The KDF is PBKDF2-HMAC-SHA256 (RFC 8018) from OpenSSL's libcrypto, with
 * a random 16-byte salt and, by default, 600,000 iterations (about 150 ms
 * on one core of a current server: slow enough that a stolen config file
 * cannot be brute-forced quickly, too slow to run on the server's event
 * loop — the server runs it on a worker thread, see server/auth_worker.h).
 *
 * The text form follows the PHC string format:
 *
 *     $pbkdf2-sha256$i=ITERATIONS$SALT$HASH
 *
 * SALT and HASH in base64 (standard alphabet, no '=' padding); ITERATIONS
 * in decimal.  Salt of 8..64 bytes, hash of 16..64 bytes, iterations
 * PWHASH_MIN_ITERATIONS..PWHASH_MAX_ITERATIONS.  Checking compares the
 * derived key with CRYPTO_memcmp (constant time).
 */
#ifndef NDB_PWHASH_H
#define NDB_PWHASH_H

#include <stddef.h>
#include <stdint.h>

#define PWHASH_SCHEME "pbkdf2-sha256"
#define PWHASH_DEFAULT_ITERATIONS 600000u
#define PWHASH_MIN_ITERATIONS 100000u
#define PWHASH_MAX_ITERATIONS 10000000u
#define PWHASH_SALT_LEN 16     /* what pwhash_make draws */
#define PWHASH_KEY_LEN 32      /* what pwhash_make derives */
#define PWHASH_MAX_SALT 64
#define PWHASH_MAX_KEY 64
#define PWHASH_MAX_TEXT 256    /* longest text form, with its NUL */

/* A parsed hash. */
typedef struct pwhash {
    uint32_t iterations;
    unsigned char salt[PWHASH_MAX_SALT];
    size_t salt_len;
    unsigned char key[PWHASH_MAX_KEY];
    size_t key_len;
} pwhash;

/* Parse the text form (n bytes at text).  Returns 0, or -1 with what is
 * wrong in err ("the iteration count 1000 is below 100000"). */
int pwhash_parse(pwhash *h, const char *text, size_t n, char *err, size_t errlen);

/* Hash the password (len bytes) with a fresh random salt and `iterations`
 * (within the limits above) into out, NUL-terminated.  Returns 0, or -1
 * when the system has no randomness or OpenSSL fails. */
int pwhash_make(const char *password, size_t len, uint32_t iterations, char out[PWHASH_MAX_TEXT]);

/* Does the password (len bytes) match h?  Costs one full KDF run whatever
 * the answer, and compares in constant time.  1 yes, 0 no. */
int pwhash_verify(const pwhash *h, const char *password, size_t len);

/* Base64 (standard alphabet, no padding) of n bytes into out, which must
 * hold 4 * ((n + 2) / 3) + 1 bytes.  Returns the length written. */
size_t pwhash_b64_encode(const unsigned char *in, size_t n, char *out);

/* Decode unpadded base64 of n chars into out (at most cap bytes).  Returns
 * the number of bytes, or -1 for a character outside the alphabet, a
 * length that no encoding has, or more than cap bytes. */
long pwhash_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

#endif
