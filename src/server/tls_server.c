/*
 * tls_server.c — checking the TLS files and configuring lws for wss://
 * (see tls_server.h).
 */
#define _GNU_SOURCE /* memmem */
#include "server/tls_server.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

/* OpenSSL's reason for the last failure, in words ("no start line"). */
static const char *ssl_reason(void) {
    unsigned long e = ERR_peek_error(); /* the first: the cause, not its consequences */
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return r ? r : "not understood";
}

/* How to name setting s in a message: "--tls-cert FILE" or "tls.cert FILE". */
static void name_of(const ndb_config *cfg, enum setting_id id, const char *file, char *out, size_t n) {
    const setting *s = &settings_table[id];
    if (cfg->origin[id] == ORIGIN_CLI) snprintf(out, n, "--%s %s", s->option, file);
    else snprintf(out, n, "%s %s", s->member, file);
}

/* Can file be opened for reading?  Else the reason in err. */
static int readable(const ndb_config *cfg, enum setting_id id, const char *file, char *err, size_t errlen) {
    char what[PATH_MAX + 32];
    FILE *f = fopen(file, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    name_of(cfg, id, file, what, sizeof what);
    snprintf(err, errlen, "%s: cannot read it: %s", what, strerror(errno));
    return -1;
}

/* OpenSSL's passphrase callback: there is nobody to ask (the default one
 * would prompt on the terminal of a server). */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
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
static EVP_PKEY *read_key(const ndb_config *cfg, const char *file, char *err, size_t errlen) {
    char what[PATH_MAX + 32];
    FILE *f = fopen(file, "r");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, no_passphrase, NULL) : NULL;
    if (f) fclose(f);
    if (k) return k;
    name_of(cfg, S_TLS_KEY, file, what, sizeof what);
    ERR_clear_error();
    if (mentions_encrypted(file))
        snprintf(err, errlen, "%s: the key is encrypted and ndb cannot ask for its passphrase; store it "
                              "decrypted, readable only by the server (openssl pkey -in KEY -out PLAIN)", what);
    else
        snprintf(err, errlen, "%s: no PEM private key in it", what);
    return NULL;
}

/* The loads lws will do, done first with an error for each. */
static int check_files(const ndb_config *cfg, SSL_CTX *ctx, char *err, size_t errlen) {
    char what[PATH_MAX + 32];
    if (readable(cfg, S_TLS_CERT, cfg->tls_cert, err, errlen) || readable(cfg, S_TLS_KEY, cfg->tls_key, err, errlen) ||
        (cfg->tls_ca[0] && readable(cfg, S_TLS_CA, cfg->tls_ca, err, errlen)))
        return -1;
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        name_of(cfg, S_TLS_CERT, cfg->tls_cert, what, sizeof what);
        snprintf(err, errlen, "%s: not a PEM certificate (%s)", what, ssl_reason());
        return -1;
    }
    EVP_PKEY *key = read_key(cfg, cfg->tls_key, err, errlen);
    if (!key) return -1;
    int fits = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    if (!fits) {
        name_of(cfg, S_TLS_KEY, cfg->tls_key, what, sizeof what);
        ERR_clear_error();
        snprintf(err, errlen, "%s: the key does not belong to the certificate in %s", what, cfg->tls_cert);
        return -1;
    }
    if (cfg->tls_ca[0] && SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1) {
        name_of(cfg, S_TLS_CA, cfg->tls_ca, what, sizeof what);
        snprintf(err, errlen, "%s: no PEM certificate in it (%s)", what, ssl_reason());
        return -1;
    }
    return 0;
}

int tls_server_check(const ndb_config *cfg, char *err, size_t errlen) {
    if (!cfg->tls_cert[0] && !cfg->tls_key[0]) {
        if (!cfg->tls_ca[0]) return 0;
        snprintf(err, errlen, "--tls-ca (tls.ca) needs --tls-cert and --tls-key: client certificates are a "
                              "part of TLS");
        return -1;
    }
    if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
        snprintf(err, errlen, "%s without %s: TLS needs both the certificate and its private key",
                 cfg->tls_cert[0] ? "--tls-cert (tls.cert)" : "--tls-key (tls.key)",
                 cfg->tls_cert[0] ? "--tls-key (tls.key)" : "--tls-cert (tls.cert)");
        return -1;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot set up TLS: %s", ssl_reason());
        return -1;
    }
    int rc = check_files(cfg, ctx, err, errlen);
    SSL_CTX_free(ctx);
    return rc;
}

void tls_server_options(const ndb_config *cfg, struct lws_context_creation_info *info) {
    if (!cfg->tls_cert[0]) return;
    info->options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    /* HTTP/1.1 only: no HTTP/2 (whose WebSocket bootstrap, RFC 8441, would
     * take another path through libwebsockets than the upgrade checks) */
    info->alpn = "http/1.1";
    info->ssl_cert_filepath = cfg->tls_cert;
    info->ssl_private_key_filepath = cfg->tls_key;
    /* TLS 1.2 and 1.3 only */
    info->ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
    if (cfg->tls_ca[0]) {
        info->ssl_ca_filepath = cfg->tls_ca;
        info->options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
    }
}
