/*
 * security.c — protected mode and the security start-up log (see
 * security.h).
 */
#include "server/security.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/plural.h"
#include "server/origin.h"
#include "server/tls_server.h"

int security_ip_is_loopback(const char *ip) { return strcmp(ip, "localhost") && origin_host_is_loopback(ip); }

int security_check_startup(const ndb_config *cfg, char *err, size_t errlen) {
    if (!cfg->users.n && cfg->protected_mode && !security_ip_is_loopback(cfg->ip)) {
        snprintf(err, errlen,
                 "refusing to listen on %s without users (protected mode): anyone who can reach that "
                 "address could read and change every key.\n"
                 "Add a user: run 'ndb passwd --name admin --role admin' and put the line it prints in the "
                 "config file (--config FILE):\n"
                 "  {\"security\": {\"users\": [{\"name\": \"admin\", \"password\": \"$pbkdf2-sha256$...\", "
                 "\"role\": \"admin\"}]}}\n"
                 "Or listen on loopback only (--ip 127.0.0.1), or accept the risk with --no-auth.",
                 cfg->ip);
        return -1;
    }
    return tls_server_check(cfg, err, errlen);
}

/* What turned protected mode off, as the operator wrote it: the log must
 * send whoever reads it to the config file when no --no-auth is to be
 * found on the command line. */
static const char *protected_mode_off_by(const ndb_config *cfg) {
    return cfg->origin[S_PROTECTED_MODE] == ORIGIN_CLI ? "--no-auth" : "security.protectedMode false";
}

/* Append a list as JSON strings: ["a","b"]. */
static void add_list(strbuf *out, const ndb_strlist *l) {
    sb_addc(out, '[');
    for (size_t i = 0; i < l->n; i++) {
        if (i) sb_addc(out, ',');
        sb_add_json_string(out, l->items[i], strlen(l->items[i]));
    }
    sb_addc(out, ']');
}

/* A config file that holds users holds their password hashes: one that
 * every user of the machine can read gives each of them the hashes to
 * crack offline.  Only "others" count, as for the TLS key (tls_server.c):
 * a group of readers is the operator's choice.  The packaged service reads
 * a copy systemd hands it (LoadCredential): that copy is private, the file
 * in /etc is the operator's to keep 0600 (the package installs it so). */
static void log_config_mode(const ndb_config *cfg) {
    struct stat st;
    if (!cfg->users.n || !cfg->config_file[0] || stat(cfg->config_file, &st) != 0) return;
    /* worse than reading: whoever may write it may add an admin */
    if (st.st_mode & S_IWOTH)
        log_warn("config %s: it holds the users of this server and every user of this machine may change it "
                 "(mode %04o), adding an admin of their own: make it 0600 (or 0640, for a group of its readers)",
                 cfg->config_file, (unsigned)(st.st_mode & 07777));
    if (!(st.st_mode & S_IROTH)) return;
    log_warn("config %s: it holds the password hashes of %zu user%s and is readable by every user of this machine "
             "(mode %04o): make it 0600 (or 0640, for a group of its readers)",
             cfg->config_file, cfg->users.n, plural_s(cfg->users.n), (unsigned)(st.st_mode & 07777));
}

void security_log(const ndb_config *cfg) {
    strbuf line = STRBUF_INIT;
    int any = 0, loopback = security_ip_is_loopback(cfg->ip);
    for (size_t i = 0; i < cfg->allowed_origins.n; i++) any |= !strcmp(cfg->allowed_origins.items[i], "*");
    SB_ADD_LIT(&line, "allowedOrigins ");
    add_list(&line, &cfg->allowed_origins);
    sb_adds(&line, any ? " (every origin)" : " (and this server's own)");
    SB_ADD_LIT(&line, ", allowedHosts ");
    add_list(&line, &cfg->allowed_hosts);
    SB_ADD_LIT(&line, ", users ");
    settings_table[S_USERS].custom->format(&settings_table[S_USERS], &cfg->users, &line);
    if (cfg->protected_mode) SB_ADD_LIT(&line, ", protectedMode on");
    else sb_addf(&line, ", protectedMode off (%s)", protected_mode_off_by(cfg));
    log_info("security: %s", line.buf);
    sb_free(&line);
    log_config_mode(cfg); /* hashes every user can read: a warning */
    if (cfg->tls_cert[0]) {
        log_info("tls: on (TLS 1.2+, cert %s, key %s, client certificates %s%s)", cfg->tls_cert, cfg->tls_key,
                 cfg->tls_ca[0] ? "required, CA " : "not asked for", cfg->tls_ca);
        tls_server_log_validity(cfg); /* an expired certificate: a warning */
        tls_server_log_key_mode(cfg); /* a key every user can read: a warning */
    } else {
        log_info("tls: off (plain ws://)");
    }
    /* named as the operator wrote it, as protected_mode_off_by does */
    if (any)
        log_warn("%s '*': pages of every web site the users of this machine open may connect%s",
                 cfg->origin[S_ALLOWED_ORIGINS] == ORIGIN_CLI ? "--allow-origin" : "security.allowedOrigins holds",
                 cfg->users.n ? " (they still need a password)" : ", read and change data");
    if (!cfg->users.n && !loopback)
        log_warn("serving %s without users (%s): anyone who can reach it may read and change every key", cfg->ip,
                 protected_mode_off_by(cfg));
}
