/*
 * pwhash.c — PBKDF2-HMAC-SHA256 password hashes in PHC text form (see
 * pwhash.h).
 */
#include "common/pwhash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pwhash_b64_encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18];
        out[o++] = b64_alphabet[(v >> 12) & 63];
        out[o++] = b64_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    return o;
}

/* Value of one base64 character, or -1. */
static int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long pwhash_b64_decode(const char *in, size_t n, unsigned char *out, size_t cap) {
    if (n % 4 == 1) return -1; /* no byte count encodes to this length */
    size_t bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (bytes > cap) return -1;
    uint32_t acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(in[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (unsigned char)(acc >> 16);
            out[o++] = (unsigned char)(acc >> 8);
            out[o++] = (unsigned char)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) {
        out[o++] = (unsigned char)(acc >> 4);
    } else if (n % 4 == 3) {
        out[o++] = (unsigned char)(acc >> 10);
        out[o++] = (unsigned char)(acc >> 2);
    }
    return (long)o;
}

/* The next '$'-separated field of text[*pos..n): its start and length;
 * *pos moves past it and its '$'.  Returns -1 when text is used up. */
static int next_field(const char *text, size_t n, size_t *pos, const char **f, size_t *flen) {
    if (*pos > n) return -1;
    const char *start = text + *pos, *dollar = memchr(start, '$', n - *pos);
    *f = start;
    *flen = dollar ? (size_t)(dollar - start) : n - *pos;
    *pos += *flen + 1;
    return 0;
}

int pwhash_parse(pwhash *h, const char *text, size_t n, char *err, size_t errlen) {
    const char *f;
    size_t flen, pos = 1;
    memset(h, 0, sizeof *h);
    if (n == 0 || text[0] != '$' || n >= PWHASH_MAX_TEXT) {
        snprintf(err, errlen, "it does not start with '$%s$' (a plain password is never stored)", PWHASH_SCHEME);
        return -1;
    }
    if (next_field(text, n, &pos, &f, &flen) || flen != strlen(PWHASH_SCHEME) || memcmp(f, PWHASH_SCHEME, flen)) {
        /* the scheme is named only when it is printable: an error is one line */
        size_t shown = flen > 40 ? 40 : flen, i = 0;
        while (i < shown && f[i] >= 0x20 && f[i] < 0x7f) i++;
        if (i < shown)
            snprintf(err, errlen, "unknown hash scheme (ndb uses '%s', made by 'ndb passwd')", PWHASH_SCHEME);
        else
            snprintf(err, errlen, "unknown hash scheme '%.*s' (ndb uses '%s', made by 'ndb passwd')", (int)shown, f,
                     PWHASH_SCHEME);
        return -1;
    }
    uint64_t it = 0;
    if (next_field(text, n, &pos, &f, &flen) || flen < 3 || memcmp(f, "i=", 2)) {
        snprintf(err, errlen, "the hash lacks its iteration count ('i=N' after '$%s$')", PWHASH_SCHEME);
        return -1;
    }
    for (size_t i = 2; i < flen; i++) {
        if (f[i] < '0' || f[i] > '9' || it > PWHASH_MAX_ITERATIONS) {
            /* the same words as a count out of range (not echoed: it may hold anything) */
            snprintf(err, errlen, "the iteration count must be a whole number from %u to %u", PWHASH_MIN_ITERATIONS,
                     PWHASH_MAX_ITERATIONS);
            return -1;
        }
        it = it * 10 + (uint64_t)(f[i] - '0');
    }
    if (it < PWHASH_MIN_ITERATIONS || it > PWHASH_MAX_ITERATIONS) {
        snprintf(err, errlen, "the iteration count must be a whole number from %u to %u, not %llu",
                 PWHASH_MIN_ITERATIONS, PWHASH_MAX_ITERATIONS, (unsigned long long)it);
        return -1;
    }
    h->iterations = (uint32_t)it;
    long k;
    if (next_field(text, n, &pos, &f, &flen) || (k = pwhash_b64_decode(f, flen, h->salt, sizeof h->salt)) < 8) {
        snprintf(err, errlen, "the salt must be 8 to %d bytes of base64 (no '=' padding)", PWHASH_MAX_SALT);
        return -1;
    }
    h->salt_len = (size_t)k;
    if (next_field(text, n, &pos, &f, &flen) || (k = pwhash_b64_decode(f, flen, h->key, sizeof h->key)) < 16) {
        snprintf(err, errlen, "the hash must be 16 to %d bytes of base64 (no '=' padding)", PWHASH_MAX_KEY);
        return -1;
    }
    h->key_len = (size_t)k;
    if (pos <= n) {
        snprintf(err, errlen, "unexpected text after the hash");
        return -1;
    }
    return 0;
}

/* PBKDF2-HMAC-SHA256 of the password with h's salt and iterations into
 * out (h->key_len bytes).  0 or -1. */
static int derive(const pwhash *h, const char *password, size_t len, unsigned char *out) {
    return PKCS5_PBKDF2_HMAC(password, (int)len, h->salt, (int)h->salt_len, (int)h->iterations, EVP_sha256(),
                             (int)h->key_len, out) == 1
               ? 0
               : -1;
}

int pwhash_make(const char *password, size_t len, uint32_t iterations, char out[PWHASH_MAX_TEXT]) {
    pwhash h;
    memset(&h, 0, sizeof h);
    h.iterations = iterations;
    h.salt_len = PWHASH_SALT_LEN;
    h.key_len = PWHASH_KEY_LEN;
    if (iterations < PWHASH_MIN_ITERATIONS || iterations > PWHASH_MAX_ITERATIONS || len > INT32_MAX) return -1;
    if (RAND_bytes(h.salt, (int)h.salt_len) != 1 || derive(&h, password, len, h.key)) return -1;
    char salt[PWHASH_SALT_LEN * 2], key[PWHASH_KEY_LEN * 2];
    pwhash_b64_encode(h.salt, h.salt_len, salt);
    pwhash_b64_encode(h.key, h.key_len, key);
    snprintf(out, PWHASH_MAX_TEXT, "$%s$i=%u$%s$%s", PWHASH_SCHEME, iterations, salt, key);
    OPENSSL_cleanse(&h, sizeof h);
    return 0;
}

int pwhash_verify(const pwhash *h, const char *password, size_t len) {
    unsigned char got[PWHASH_MAX_KEY];
    if (len > INT32_MAX || derive(h, password, len, got)) return 0;
    int same = CRYPTO_memcmp(got, h->key, h->key_len) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return same;
}
