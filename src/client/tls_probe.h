/*
 * tls_probe.h — why did a TLS server end the connection?
 *
 * With TLS 1.3 a server checks the client's certificate after the client
 * has finished its handshake, so its refusal (an alert such as
 * "certificate required") often arrives while the client is already
 * writing its first request: the write fails with a reset and the alert is
 * never read.  On that failure path only, wsclient.c asks this file to
 * shake hands once more with the same client certificate and read what the
 * server says, so that the user learns the real reason.
 */
#ifndef NDB_TLS_PROBE_H
#define NDB_TLS_PROBE_H

#include <stddef.h>

/* Connect to host:port, do a TLS handshake presenting cert/key (may be
 * NULL) without checking the server's certificate (that check has passed
 * already), and wait for the server's first word, all within timeout_ms.
 * Returns 1 with OpenSSL's text of the alert the server sent ("tlsv13
 * alert certificate required") in alert, or 0 when it sent none (or the
 * probe could not run). */
int tls_probe_alert(const char *host, int port, const char *cert, const char *key, int timeout_ms, char *alert,
                    size_t alertlen);

#endif
