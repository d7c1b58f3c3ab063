/*
 * secret.c — reading passwords without echo, or from a file (see
 * secret.h).
 */
#include "client/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The signals that would otherwise leave the terminal without echo. */
static const int watched[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NWATCHED (sizeof watched / sizeof watched[0])
static volatile sig_atomic_t caught;

static void on_signal(int sig) { caught = sig; }

/* Append one byte to out; -1 when the line is too long. */
static int add_byte(strbuf *out, char ch) {
    if (out->len >= SECRET_MAX) return -1;
    sb_addc(out, ch);
    return 0;
}

int secret_prompt(const char *prompt, strbuf *out, char *err, size_t errlen) {
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "no terminal to ask for the password on");
        return -1;
    }
    struct termios saved, quiet;
    if (tcgetattr(fd, &saved)) {
        snprintf(err, errlen, "cannot use the terminal: %s", strerror(errno));
        close(fd);
        return -1;
    }
    /* Catch the signals while echo is off (without SA_RESTART, so that
     * read() returns), restore the terminal, then let them act. */
    struct sigaction sa, old[NWATCHED];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    caught = 0;
    for (size_t i = 0; i < NWATCHED; i++) sigaction(watched[i], &sa, &old[i]);
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    tcsetattr(fd, TCSAFLUSH, &quiet);
    if (write(fd, prompt, strlen(prompt)) < 0) {
    }

    sb_reset(out);
    sb_grow(out, SECRET_MAX + 1); /* no reallocation leaves copies behind */
    out->buf[0] = '\0';
    int rc = 0;
    for (;;) {
        char ch;
        ssize_t n = read(fd, &ch, 1);
        if (n == 1 && ch == '\n') break;
        if (n == 1 && add_byte(out, ch) == 0) continue;
        if (n == 1) {
            snprintf(err, errlen, "the password is longer than %d bytes", SECRET_MAX);
        } else if (n == 0) {
            snprintf(err, errlen, "end of input at the password prompt");
        } else if (errno == EINTR && !caught) {
            continue;
        } else {
            snprintf(err, errlen, "cannot read the password: %s", caught ? "interrupted" : strerror(errno));
        }
        rc = -1;
        break;
    }
    tcsetattr(fd, TCSAFLUSH, &saved);
    if (write(fd, "\n", 1) < 0) { /* the Enter that was not echoed */
    }
    close(fd);
    for (size_t i = 0; i < NWATCHED; i++) sigaction(watched[i], &old[i], NULL);
    if (out->len && out->buf[out->len - 1] == '\r') out->buf[--out->len] = '\0';
    if (caught) {
        secret_wipe(out);
        raise(caught);
    }
    if (rc) secret_wipe(out);
    return rc;
}

int secret_read_line(int fd, strbuf *out, char *err, size_t errlen) {
    sb_reset(out);
    sb_grow(out, SECRET_MAX + 1); /* no reallocation leaves copies behind */
    out->buf[0] = '\0';
    for (;;) {
        char buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            secret_wipe(out);
            return -1;
        }
        char *nl = n ? memchr(buf, '\n', (size_t)n) : NULL;
        size_t take = nl ? (size_t)(nl - buf) : (size_t)n;
        if (out->len + take > SECRET_MAX) {
            OPENSSL_cleanse(buf, sizeof buf);
            snprintf(err, errlen, "the first line is longer than %d bytes", SECRET_MAX);
            secret_wipe(out);
            return -1;
        }
        sb_add(out, buf, take);
        OPENSSL_cleanse(buf, sizeof buf);
        if (nl || n == 0) break;
    }
    if (out->len && out->buf[out->len - 1] == '\r') out->buf[--out->len] = '\0';
    return 0;
}

int secret_read_file(const char *path, strbuf *out, char *err, size_t errlen) {
    if (!*path) { /* `--password-file "$PW"` with PW unset: "cannot read password file : No such file" hid that */
        snprintf(err, errlen, "--password-file is empty: give it a file name");
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read password file %s: %s", path, strerror(errno));
        return -1;
    }
    char why[128];
    int rc = secret_read_line(fd, out, why, sizeof why);
    close(fd);
    if (rc) snprintf(err, errlen, "cannot read password file %s: %s", path, why);
    return rc;
}

void secret_wipe(strbuf *out) {
    if (out->buf) OPENSSL_cleanse(out->buf, out->cap);
    sb_free(out);
}
