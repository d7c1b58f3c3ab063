/*
 * repl_history.c — the REPL's history file.
 *
 * Where: $XDG_STATE_HOME/ndb/history when XDG_STATE_HOME is an absolute
 * path, else ~/.local/state/ndb/history (the XDG base directory rules).
 * Directories the REPL creates get mode 0700; the file is created with mode
 * 0600 and a looser mode on an existing file is tightened, since lines hold
 * values and session tokens.
 *
 * Format: one entry per line, with backslash, newline and carriage return
 * escaped as \\ \n \r (an entry may span lines).  Entries are appended one
 * at a time as they are entered, so several REPLs running at once all keep
 * their lines and a crash loses nothing.  When the file grows past twice
 * REPL_HISTORY_SIZE entries it is rewritten (atomically, via rename) with
 * the newest REPL_HISTORY_SIZE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/repl.h"

/* mkdir -p with mode 0700 for what is created.  Returns 0 or -1. */
static int make_dirs(char *path) {
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p) continue;
        char save = *p;
        *p = '\0';
        int r = mkdir(path, 0700);
        int e = errno;
        *p = save;
        if (r && e != EEXIST) return -1;
        if (!save) return 0;
    }
}

char *repl_history_path(void) {
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    strbuf dir = STRBUF_INIT;
    if (xdg && xdg[0] == '/') {
        sb_adds(&dir, xdg);
    } else if (home && home[0]) {
        sb_adds(&dir, home);
        SB_ADD_LIT(&dir, "/.local/state");
    } else {
        return NULL; /* nowhere to keep it */
    }
    while (dir.len > 1 && dir.buf[dir.len - 1] == '/') dir.buf[--dir.len] = '\0';
    SB_ADD_LIT(&dir, "/ndb");
    if (make_dirs(dir.buf)) {
        fprintf(stderr, "ndb: cannot create %s: %s (history is not kept)\n", dir.buf,
                strerror(errno));
        sb_free(&dir);
        return NULL;
    }
    SB_ADD_LIT(&dir, "/history");
    return sb_detach(&dir, NULL);
}

static void escape(strbuf *out, const char *s) {
    for (; *s; s++) {
        if (*s == '\\') SB_ADD_LIT(out, "\\\\");
        else if (*s == '\n') SB_ADD_LIT(out, "\\n");
        else if (*s == '\r') SB_ADD_LIT(out, "\\r");
        else sb_addc(out, *s);
    }
    sb_addc(out, '\n');
}

static void unescape(char *s) {
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *o++ = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

/* Open for appending, creating with 0600 and tightening an existing file. */
static int open_private(const char *path, int flags) {
    int fd = open(path, flags | O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077)) fchmod(fd, 0600);
    return fd;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int repl_history_append(const char *path, const char *entry) {
    if (!path) return -1;
    strbuf line = STRBUF_INIT;
    escape(&line, entry);
    int fd = open_private(path, O_APPEND), rc = -1, e = errno;
    if (fd >= 0) {
        rc = write_all(fd, line.buf, line.len);
        e = errno;
        if (close(fd) && !rc) rc = -1, e = errno;
    }
    sb_free(&line);
    errno = e; /* for the caller's message */
    return rc;
}

/* Rewrite the file with entries [from, n) of e. */
static void rewrite(const char *path, char **e, size_t from, size_t n) {
    strbuf tmp = STRBUF_INIT, out = STRBUF_INIT;
    sb_addf(&tmp, "%s.%ld.tmp", path, (long)getpid());
    for (size_t i = from; i < n; i++) escape(&out, e[i]);
    int fd = open_private(tmp.buf, O_TRUNC);
    if (fd >= 0) {
        int bad = write_all(fd, out.buf, out.len);
        if (close(fd) || bad || rename(tmp.buf, path)) unlink(tmp.buf);
    }
    sb_free(&tmp);
    sb_free(&out);
}

void repl_history_load(History *h, const char *path) {
    if (!path) return;
    FILE *f = fopen(path, "re");
    if (!f) return;
    char *line = NULL, **e = NULL;
    size_t cap = 0, n = 0, ecap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len && line[len - 1] == '\n') line[--len] = '\0';
        if (!len) continue;
        unescape(line);
        if (n == ecap) {
            ecap = ecap ? ecap * 2 : 256;
            e = realloc(e, ecap * sizeof *e);
            if (!e) abort();
        }
        if (!(e[n++] = strdup(line))) abort();
    }
    free(line);
    fclose(f);
    size_t from = n > REPL_HISTORY_SIZE ? n - REPL_HISTORY_SIZE : 0;
    HistEvent ev;
    for (size_t i = from; i < n; i++) history(h, &ev, H_ENTER, e[i]);
    if (n > 2 * REPL_HISTORY_SIZE) rewrite(path, e, from, n);
    for (size_t i = 0; i < n; i++) free(e[i]);
    free(e);
}
