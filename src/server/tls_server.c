/*
 * tls_server.c — checking the TLS files and configuring lws for wss://
 * (see tls_server.h).
 */
#include "server/tls_server.h"

#include <limits.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/tls_files.h"
#include "server/refusal_log.h"

/* How to name setting s in a message: "--tls-cert FILE" or "tls.cert FILE". */
static void name_of(const ndb_config *cfg, enum setting_id id, const char *file, char *out, size_t n) {
    const setting *s = &settings_table[id];
    if (cfg->origin[id] == ORIGIN_CLI) snprintf(out, n, "--%s %s", s->option, file);
    else snprintf(out, n, "%s %s", s->member, file);
}

/* Can file be opened for reading?  Else the reason in err. */
static int readable(const ndb_config *cfg, enum setting_id id, const char *file, char *err, size_t errlen) {
    char what[PATH_MAX + 32];
    int why = tls_file_unreadable(file);
    if (!why) return 0;
    name_of(cfg, id, file, what, sizeof what);
    snprintf(err, errlen, "%s: cannot read it: %s", what, strerror(why));
    return -1;
}

/* The loads lws will do, done first with an error for each. */
static int check_files(const ndb_config *cfg, SSL_CTX *ctx, char *err, size_t errlen) {
    char what[PATH_MAX + 32];
    if (readable(cfg, S_TLS_CERT, cfg->tls_cert, err, errlen) || readable(cfg, S_TLS_KEY, cfg->tls_key, err, errlen) ||
        (cfg->tls_ca[0] && readable(cfg, S_TLS_CA, cfg->tls_ca, err, errlen)))
        return -1;
    char cert_what[PATH_MAX + 32], key_what[PATH_MAX + 32];
    name_of(cfg, S_TLS_CERT, cfg->tls_cert, cert_what, sizeof cert_what);
    name_of(cfg, S_TLS_KEY, cfg->tls_key, key_what, sizeof key_what);
    if (tls_load_cert_key(ctx, cfg->tls_cert, cert_what, cfg->tls_key, key_what, "the server", err, errlen))
        return -1; /* common/tls_files.h */
    if (cfg->tls_ca[0] && SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1) {
        name_of(cfg, S_TLS_CA, cfg->tls_ca, what, sizeof what);
        snprintf(err, errlen, "%s: no PEM certificate in it (%s)", what, tls_ssl_reason());
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
        snprintf(err, errlen, "cannot set up TLS: %s", tls_ssl_reason());
        return -1;
    }
    int rc = check_files(cfg, ctx, err, errlen);
    SSL_CTX_free(ctx);
    return rc;
}

/* The served certificate's end, for the warnings as it comes near. */
static struct {
    time_t end;         /* its notAfter (0: TLS off, or unread) */
    char date[64];      /* the same as text */
    char what[PATH_MAX + 32]; /* "--tls-cert FILE" or "tls.cert FILE" */
    int stage;          /* the last warning given: 0 none, 1 days left, 2 under a day, 3 expired */
} E;

/* The warning stage of a certificate ending at end, at now. */
static int expiry_stage(time_t end, time_t now) {
    if (now >= end) return 3;
    if (end - now < 86400) return 2;
    return end - now <= (time_t)TLS_EXPIRY_WARN_DAYS * 86400 ? 1 : 0;
}

/* The warning of stage st (1..3) for E's certificate at now. */
static void warn_expiry(int st, time_t now) {
    if (st == 3)
        log_warn("%s: the certificate expired on %s; clients will refuse it", E.what, E.date);
    else if (st == 2)
        log_warn("%s: the certificate expires on %s, in less than a day: renew it and restart the server (the "
                 "files are read at start-up only)",
                 E.what, E.date);
    else {
        long days = (long)((E.end - now + 43200) / 86400); /* to the nearest: 2 days 23 h is 3 */
        log_warn("%s: the certificate expires on %s, in %ld day%s: renew it and restart the server (the files "
                 "are read at start-up only)",
                 E.what, E.date, days, days == 1 ? "" : "s");
    }
}

void tls_server_log_validity(const ndb_config *cfg) {
    if (!cfg->tls_cert[0]) return;
    FILE *f = fopen(cfg->tls_cert, "r");
    X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL; /* the first: the server's own */
    if (f) fclose(f);
    if (!cert) return; /* tls_server_check has said what is wrong */
    char date[64];
    name_of(cfg, S_TLS_CERT, cfg->tls_cert, E.what, sizeof E.what);
    /* warnings, not errors: --insecure clients still connect, and the
     * operator renews the files and restarts (they are read at start only);
     * an expired one is the last stage of warn_expiry */
    if (tls_cert_validity(cert, date, sizeof date) < 0)
        log_warn("%s: the certificate is not valid before %s; clients will refuse it until then", E.what, date);
    if (tls_cert_end(cert, &E.end, E.date, sizeof E.date)) E.end = 0; /* OpenSSL read it: not seen */
    X509_free(cert);
    if (!E.end) return;
    time_t now = time(NULL);
    E.stage = expiry_stage(E.end, now);
    if (E.stage) warn_expiry(E.stage, now);
}

void tls_server_watch_expiry(void) {
    if (!E.end || E.stage == 3) return;
    time_t now = time(NULL);
    int st = expiry_stage(E.end, now);
    if (st <= E.stage) return; /* said already (or the clock was set back) */
    E.stage = st;
    warn_expiry(st, now);
}

void tls_server_log_key_mode(const ndb_config *cfg) {
    struct stat st;
    if (!cfg->tls_key[0] || stat(cfg->tls_key, &st) != 0) return; /* tls_server_check said why */
    /* readable by every user of the machine: any of them can impersonate
     * the server.  Only "others" count: Debian's convention is a key of
     * mode 0640 whose group (ssl-cert) the services that need it join. */
    if (!(st.st_mode & S_IROTH)) return;
    char what[PATH_MAX + 32];
    name_of(cfg, S_TLS_KEY, cfg->tls_key, what, sizeof what);
    log_warn("%s: the private key is readable by every user of this machine (mode %04o): make it 0600 "
             "(or 0640, for a group of its readers)",
             what, (unsigned)(st.st_mode & 07777));
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
    info->ssl_info_event_mask = SSL_CB_ALERT; /* tls_server_alert */
}

void tls_server_alert(struct lws *wsi, const struct lws_ssl_info *si, const char *addr) {
    /* only the fatal alerts we send end a handshake; a close_notify (a
     * warning) is a normal close, and the client's alerts are its own */
    if (!(si->where & SSL_CB_WRITE) || (si->ret >> 8) != SSL3_AL_FATAL) return;
    SSL *ssl = lws_get_ssl(wsi);
    /* No ClientHello yet: the client sent nothing, or nothing TLS — a TCP
     * health check or port scan that connects and closes (OpenSSL answers
     * the end of file with an alert).  Not a handshake refused: a line per
     * probe would fill the log. */
    if (ssl && SSL_get_state(ssl) == TLS_ST_BEFORE) return;
    /* The handshake is done: nothing is refused.  A client that closes its
     * socket without TLS's close_notify (most do once they have their
     * answers) gets OpenSSL 3's decode_error for the unexpected end; it
     * was logged as "refused a TLS connection from an address unknown (the
     * client hung up): decode error", once per such client. */
    if (ssl && SSL_get_state(ssl) == TLS_ST_OK) return;
    char why[200] = "";
    const char *peer = addr && addr[0] ? addr : "an address unknown (the client hung up)";
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (v != X509_V_OK) snprintf(why, sizeof why, " (client certificate: %s)", X509_verify_cert_error_string(v));
    /* OpenSSL 3.0 names TLS 1.3's alert 116 "unknown" */
    const char *alert = (si->ret & 0xff) == 116 ? "certificate required (the client sent no certificate)"
                                                : SSL_alert_desc_string_long(si->ret);
    refusal_log(LOG_INFO, "refused a TLS connection from %s: %s%s", peer, alert, why);
}
