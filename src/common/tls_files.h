/*
 * tls_files.h — a certificate and its private key, checked with OpenSSL
 * before libwebsockets loads them; shared by `ndb serve` (--tls-cert,
 * --tls-key) and the client (--client-cert, --client-key).
 *
 * lws only logs what is wrong with such files and then fails without a
 * reason ("cannot create a libwebsockets context"), and its OpenSSL asks
 * for the passphrase of an encrypted key on the terminal.  Loading them
 * here first, with a passphrase callback that has nothing to give, turns
 * each problem into one line naming the option and the file, and never
 * prompts.  Also: when a certificate is not valid now, and since when or
 * until when.
 */
#ifndef NDB_TLS_FILES_H
#define NDB_TLS_FILES_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <time.h>

/* OpenSSL's reason for its first queued error, in words ("no start
 * line"), or "not understood"; the queue is cleared. */
const char *tls_ssl_reason(void);

/* A passphrase callback (pem_password_cb) that has no passphrase: an
 * encrypted key fails to load instead of prompting. */
int tls_no_passphrase(char *buf, int size, int rwflag, void *u);

/* 0 when file can be opened for reading and is not a directory (fopen
 * opens a directory, and OpenSSL then says only "no start line"), else the
 * errno that says why (EISDIR for a directory). */
int tls_file_unreadable(const char *file);

/*
 * Load the PEM certificate chain `cert` and the PEM private key `key`
 * into ctx and check that the key belongs to the certificate.  The files
 * must have been found readable (each side words that in its own way).
 * cert_what and key_what name them in a message ("--tls-cert FILE",
 * "tls.key FILE"); reader is who should be able to read a decrypted key
 * ("the server").  Returns 0, or -1 with one line in err:
 *   CERT_WHAT: not a PEM certificate (no start line)
 *   CERT_WHAT: OpenSSL refuses the certificate as too weak (ee key too small): ...
 *   KEY_WHAT: no PEM private key in it
 *   KEY_WHAT: the key is encrypted and ndb cannot ask for its passphrase; ...
 *   KEY_WHAT: the key does not belong to the certificate in CERT
 */
int tls_load_cert_key(SSL_CTX *ctx, const char *cert, const char *cert_what, const char *key, const char *key_what,
                      const char *reader, char *err, size_t errlen);

/* Is cert valid now?  0 yes; 1 it has expired, with its notAfter in date;
 * -1 it is not valid yet, with its notBefore in date.  Dates are written
 * "2026-12-04 08:21:07 UTC". */
int tls_cert_validity(const X509 *cert, char *date, size_t datelen);

/* cert's notAfter: *end in seconds since 1970 and, written as above, in
 * date.  0, or -1 when it cannot be read. */
int tls_cert_end(const X509 *cert, time_t *end, char *date, size_t datelen);

#endif
