/*
 * tls_client.c — checking and loading the client's TLS files (see
 * tls_client.h).
 */
#include "client/tls_client.h"

#include <limits.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

#include "common/tls_files.h"

/* Can the file of a TLS option be read?  Else the reason in err. */
static int readable(const char *file, const char *option, char *err, size_t errlen) {
    if (file && !*file) { /* `--cacert "$CA"` with CA unset: "cannot read --cacert : No such file" hid that */
        snprintf(err, errlen, "%s is empty: give it a file name", option);
        return -1;
    }
    int why = file ? tls_file_unreadable(file) : 0;
    if (!why) return 0;
    snprintf(err, errlen, "cannot read %s %s: %s", option, file, strerror(why));
    return -1;
}

int tls_client_load(SSL_CTX *ctx, const wsc_options *o, char *err, size_t errlen) {
    /* lws would send a certificate without its key (or a key alone) not at
     * all, and the server's refusal would not say why */
    if (!o->cert != !o->key) {
        snprintf(err, errlen, "%s without %s: a client certificate needs both the certificate and its private key",
                 o->cert ? "--client-cert (NDB_CLIENT_CERT)" : "--client-key (NDB_CLIENT_KEY)",
                 o->cert ? "--client-key (NDB_CLIENT_KEY)" : "--client-cert (NDB_CLIENT_CERT)");
        return -1;
    }
    if (readable(o->cacert, "--cacert", err, errlen) || readable(o->cert, "--client-cert", err, errlen) ||
        readable(o->key, "--client-key", err, errlen))
        return -1;
    if (o->cacert && SSL_CTX_load_verify_locations(ctx, o->cacert, NULL) != 1) {
        snprintf(err, errlen, "--cacert %s: no PEM certificate in it (%s)", o->cacert, tls_ssl_reason());
        return -1;
    }
    if (!o->cert) return 0;
    char cert_what[PATH_MAX + 32], key_what[PATH_MAX + 32];
    snprintf(cert_what, sizeof cert_what, "--client-cert %s", o->cert);
    snprintf(key_what, sizeof key_what, "--client-key %s", o->key);
    return tls_load_cert_key(ctx, o->cert, cert_what, o->key, key_what, "you", err, errlen);
}

int tls_client_check(const wsc_options *o, char *err, size_t errlen) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot set up TLS: %s", tls_ssl_reason());
        return -1;
    }
    int rc = tls_client_load(ctx, o, err, errlen);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

void tls_client_cert_problem(long e, X509 *cert, char *out, size_t outlen) {
    char which[128] = "", date[64] = "";
    if (cert) { /* " (certificate /CN=x)" */
        char subject[96] = "";
        X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
        snprintf(which, sizeof which, " (certificate %s)", subject[0] ? subject : "without subject");
    }
    int valid = cert ? tls_cert_validity(cert, date, sizeof date) : 0; /* common/tls_files.h */
    if (e == X509_V_ERR_CERT_HAS_EXPIRED && valid == 1)
        snprintf(out, outlen, "the server's certificate expired on %s%s; the server must renew it", date, which);
    else if (e == X509_V_ERR_CERT_HAS_EXPIRED)
        snprintf(out, outlen, "the server's certificate has expired%s; the server must renew it", which);
    else if (e == X509_V_ERR_CERT_NOT_YET_VALID && valid == -1)
        snprintf(out, outlen, "the server's certificate is not valid before %s%s; check the clocks of this "
                              "machine and of the server", date, which);
    else if (e == X509_V_ERR_CERT_NOT_YET_VALID)
        snprintf(out, outlen, "the server's certificate is not valid yet%s; check the clocks of this machine and "
                              "of the server", which);
    else
        snprintf(out, outlen, "the server's certificate is not trusted: %s%s%s", X509_verify_cert_error_string(e),
                 which,
                 e == X509_V_ERR_HOSTNAME_MISMATCH || e == X509_V_ERR_IP_ADDRESS_MISMATCH
                     ? "; connect by a name the certificate holds"
                     : "; give the CA that signed it with --cacert FILE");
}

/* Say what an alert means (see tls_client.h). */
int tls_client_refusal(const char *reason, char *out, size_t outlen) {
    if (strstr(reason, "certificate required"))
        snprintf(out, outlen, TLS_CLIENT_CERT_REQUIRED ": %s", reason);
    else if (strstr(reason, "alert"))
        snprintf(out, outlen, "the server refused the TLS connection (does it accept this client certificate?): %s",
                 reason);
    else
        return 0;
    return 1;
}

const char *tls_client_pending_alert(SSL *ssl) {
    unsigned char b;
    ERR_clear_error();
    int n = SSL_read(ssl, &b, 1);
    unsigned long e = n <= 0 && SSL_get_error(ssl, n) == SSL_ERROR_SSL ? ERR_peek_error() : 0;
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r;
}
