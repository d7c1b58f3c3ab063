/*
 * tls_files.c — checking a certificate and its key with OpenSSL (see
 * tls_files.h).
 */
#define _GNU_SOURCE /* memmem */
#include "common/tls_files.h"

#include <openssl/err.h>
#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *tls_ssl_reason(void) {
    unsigned long e = ERR_peek_error(); /* the first: the cause, not its consequences */
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "not understood";
}

int tls_no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

int tls_file_unreadable(const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) return errno;
    struct stat st;
    int why = fstat(fileno(f), &st) ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    fclose(f);
    return why;
}

/* Does the PEM file say its key is encrypted ("ENCRYPTED PRIVATE KEY" or
 * "Proc-Type: 4,ENCRYPTED")?  Only the first 64 KiB are looked at. */
static int mentions_encrypted(const char *file) {
    char buf[65536];
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return memmem(buf, n, "ENCRYPTED", 9) != NULL;
}

/* The private key of file, or NULL with the reason in err. */
static EVP_PKEY *read_key(const char *file, const char *what, const char *reader, char *err, size_t errlen) {
    FILE *f = fopen(file, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, tls_no_passphrase, NULL) : NULL;
    if (f) fclose(f);
    if (k) return k;
    ERR_clear_error();
    if (mentions_encrypted(file))
        snprintf(err, errlen, "%s: the key is encrypted and ndb cannot ask for its passphrase; store it "
                              "decrypted, readable only by %s (openssl pkey -in KEY -out PLAIN)", what, reader);
    else
        snprintf(err, errlen, "%s: no PEM private key in it", what);
    return NULL;
}

/* Did OpenSSL refuse the certificate for a key or digest below its security
 * level (a 1024-bit RSA key: "ee key too small")?  The file is a PEM
 * certificate then, and must be told apart from one that is none. */
static int refused_as_weak(void) {
    unsigned long e = ERR_peek_error();
    int r = ERR_GET_REASON(e);
    return ERR_GET_LIB(e) == ERR_LIB_SSL &&
           (r == SSL_R_EE_KEY_TOO_SMALL || r == SSL_R_CA_KEY_TOO_SMALL || r == SSL_R_CA_MD_TOO_WEAK);
}

int tls_load_cert_key(SSL_CTX *ctx, const char *cert, const char *cert_what, const char *key, const char *key_what,
                      const char *reader, char *err, size_t errlen) {
    SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        int weak = refused_as_weak();
        const char *why = tls_ssl_reason();
        if (weak)
            snprintf(err, errlen, "%s: OpenSSL refuses the certificate as too weak (%s): RSA keys need 2048 bits or "
                                  "more, signatures SHA-256 or better", cert_what, why);
        else
            snprintf(err, errlen, "%s: not a PEM certificate (%s)", cert_what, why);
        return -1;
    }
    EVP_PKEY *k = read_key(key, key_what, reader, err, errlen);
    if (!k) return -1;
    int fits = SSL_CTX_use_PrivateKey(ctx, k) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(k);
    if (!fits) {
        ERR_clear_error();
        snprintf(err, errlen, "%s: the key does not belong to the certificate in %s", key_what, cert);
        return -1;
    }
    return 0;
}

/* t as "2026-12-04 08:21:07 UTC". */
static void write_date(const ASN1_TIME *t, char *date, size_t datelen) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(t, &tm) == 1 && strftime(date, datelen, "%Y-%m-%d %H:%M:%S UTC", &tm)) return;
    snprintf(date, datelen, "%s", "an unreadable date");
}

int tls_cert_validity(const X509 *cert, char *date, size_t datelen) {
    const ASN1_TIME *after = X509_get0_notAfter(cert), *before = X509_get0_notBefore(cert);
    if (X509_cmp_current_time(after) < 0) {
        write_date(after, date, datelen);
        return 1;
    }
    if (X509_cmp_current_time(before) > 0) {
        write_date(before, date, datelen);
        return -1;
    }
    return 0;
}

int tls_cert_end(const X509 *cert, time_t *end, char *date, size_t datelen) {
    const ASN1_TIME *after = X509_get0_notAfter(cert);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(after, &tm) != 1) return -1;
    *end = timegm(&tm);
    write_date(after, date, datelen);
    return 0;
}
