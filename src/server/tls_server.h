/*
 * tls_server.h — wss:// for `ndb serve` (--tls-cert, --tls-key, --tls-ca).
 *
 * libwebsockets (built on Debian's OpenSSL) does the TLS; this file
 * checks the files first and sets the context options.  lws only logs what
 * is wrong with a certificate or key, and then fails without a reason, so
 * the files are loaded with OpenSSL here before anything listens, and each
 * problem becomes one line naming the option and the file.
 *
 * With TLS the port speaks TLS only (a plain ws:// client is dropped),
 * versions 1.2 and 1.3 only.  With --tls-ca every client must present a
 * certificate that a CA of that file signed (mutual TLS).
 */
#ifndef NDB_TLS_SERVER_H
#define NDB_TLS_SERVER_H

#include <libwebsockets.h>
#include <stddef.h>

#include "server/config.h"

/* Check the TLS settings and files: a certificate needs a key and the
 * other way round, a CA needs a certificate, each file must be readable
 * PEM, and the key must belong to the certificate.  Returns 0 (also when
 * TLS is off), or -1 with a one-line reason in err. */
int tls_server_check(const ndb_config *cfg, char *err, size_t errlen);

/* Log a warning when the certificate of --tls-cert is not valid now
 * (expired, or not yet valid), or expires within TLS_EXPIRY_WARN_DAYS:
 * the server serves it, but clients that check it refuse the connection
 * (or will).  Nothing when TLS is off.  Keeps its end for
 * tls_server_watch_expiry. */
void tls_server_log_validity(const ndb_config *cfg);

/* The certificate is read at start-up only, so one that runs out while the
 * server runs would start refusing clients without a word: called every
 * tick, this warns once when TLS_EXPIRY_WARN_DAYS are left, once when less
 * than a day is, and once when it has expired (by the wall clock). */
#define TLS_EXPIRY_WARN_DAYS 14
void tls_server_watch_expiry(void);

/* Log a warning when the --tls-key file is readable by every user of the
 * machine (mode o+r): the server still starts, as the key is valid, but
 * the operator should know.  Nothing when TLS is off. */
void tls_server_log_key_mode(const ndb_config *cfg);

/* Set the TLS options of the lws context to create (nothing when TLS is
 * off).  The strings stay cfg's: cfg must outlive the context. */
void tls_server_options(const ndb_config *cfg, struct lws_context_creation_info *info);

/* A TLS alert on connection wsi (LWS_CALLBACK_SSL_INFO): a fatal one the
 * server sends refuses the handshake — log why, naming the address (a
 * client without a certificate under --tls-ca, one signed by another CA,
 * no common TLS version...); lws says nothing.  A connection that sent no
 * ClientHello (a TCP health check) is not logged.  addr: the peer's
 * address, or "" (or NULL) when the client had already hung up before it
 * could be read. */
void tls_server_alert(struct lws *wsi, const struct lws_ssl_info *si, const char *addr);

#endif
