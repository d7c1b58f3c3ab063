/*
 * tls_client.h — the client's TLS files (--cacert, --client-cert,
 * --client-key and their NDB_* variables), checked before a wss://
 * connection is made, for the one-shot commands, send and the REPL
 * (wsclient.c, whose lws loads them again) and for ndb bench (whose own
 * OpenSSL context they are loaded into).
 *
 * The checks are the server's (common/tls_files.h): each problem is one
 * line naming the option and the file, and an encrypted key is refused
 * without a passphrase prompt.
 */
#ifndef NDB_TLS_CLIENT_H
#define NDB_TLS_CLIENT_H

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>

#include "client/wsclient.h"

/* Load the files o names into ctx: the CAs of --cacert, the certificate
 * and its key.  A certificate without its key, or a key without its
 * certificate, is an error; so is a file that cannot be read, is not
 * PEM, a key that is encrypted or not the certificate's.  Returns 0, or
 * -1 with one line in err, e.g. "cannot read --cacert F: No such file or
 * directory" or "--client-key F: the key does not belong to the
 * certificate in C". */
int tls_client_load(SSL_CTX *ctx, const wsc_options *o, char *err, size_t errlen);

/* tls_client_load into a context of its own, thrown away: the check
 * before libwebsockets loads the same files. */
int tls_client_check(const wsc_options *o, char *err, size_t errlen);

/* Why the server's certificate was refused, in words a person can act
 * on, into out: e is OpenSSL's verification error (X509_V_ERR_*), cert
 * the certificate it is about (NULL: the message names none, and an
 * expiry has no date; ndb bench has only the verdict).  An expired certificate is
 * the server's to renew ("the server's certificate expired on DATE
 * (certificate /CN=x); the server must renew it"); an issuer the client
 * does not know is the client's to give ("...; give the CA that signed it
 * with --cacert FILE"). */
void tls_client_cert_problem(long e, X509 *cert, char *out, size_t outlen);

/* The words of a refused or impossible TLS connection, one text for
 * every client command and ndb bench. */
#define TLS_CLIENT_CERT_REQUIRED "the server requires a client certificate (--client-cert FILE --client-key FILE)"
#define TLS_CLIENT_NOT_TLS                                                                                             \
    "TLS handshake failed: the server does not speak TLS here (if it serves plain ws://, use a ws:// URL)"

/* A TLS alert from the server that ended the connection while it was
 * being opened, in words a person can act on.  reason is OpenSSL's text of
 * it ("tlsv13 alert certificate required").  A missing client
 * certificate: TLS_CLIENT_CERT_REQUIRED ": " reason; another alert: "the
 * server refused the TLS connection (does it accept this client
 * certificate?): " reason.  Returns 1 with out set, 0 when reason is no
 * alert (out untouched). */
int tls_client_refusal(const char *reason, char *out, size_t outlen);

/* The alert a server sent before it closed a connection still being
 * opened, read from ssl: the kernel keeps what came before a reset, so a
 * write that failed (the refusal arrives while the client sends its first
 * bytes, TLS 1.3) leaves the alert unread.  Returns OpenSSL's text of what
 * that read failed on ("tlsv13 alert certificate required"; static), or
 * NULL.  OpenSSL's error queue is left empty. */
const char *tls_client_pending_alert(SSL *ssl);

#endif
