/*
 * bench_rtt.c — round-trip latency at one connection without pipelining,
 * measured with the same small client for ndb and for Redis (issue 18).
 *
 *   bench_rtt ws|resp PORT REQUESTS [get|set] [block|rearm]
 *
 * Why: compare.sh measures each server with its own benchmark client
 * (ndb bench, redis-benchmark).  At one request in flight the client is
 * half of every round trip, and the two clients do not measure alike:
 * the same redis-server gave a p50 of 55-63 µs in redis-benchmark and
 * 62-72 µs in this program's blocking mode, on the same machine and cores,
 * mostly because of how each waits for the reply (below); redis-benchmark
 * also stops its clock before its read.  To compare the servers, this program talks
 * to both in exactly the same way: one blocking TCP socket to 127.0.0.1
 * with TCP_NODELAY, and per request one send() of a prepared request and
 * recv() until the whole reply is in, timed from just before the send to
 * just after the reply's last byte (CLOCK_MONOTONIC).  `ws` speaks
 * WebSocket to ndb (an upgrade, then masked text frames: KV_GET / KV_SET
 * of one key), `resp` speaks RESP to Redis (GET / SET of the same key and
 * value).  The key is stored before the first timed request; every reply
 * must equal the first one, which is checked (a found value, or success).
 *
 * How the client waits is the last argument.  `block` (the default) sleeps
 * in send() and recv().  `rearm` waits the way redis-benchmark does: for
 * each request the socket is added to an epoll set for writing, waited
 * on, removed, written; then added for reading, waited on, removed, read
 * (the clock runs from the send to the reply's last byte, as before).
 * On this project's VMs that costs four more syscalls per request, yet
 * its round trips are 7-15 µs shorter, against either server: the way a
 * client waits moves the 1 x 1 numbers more than any difference between
 * the servers (tests/bench/README.md, "How the client waits").  `rearm`
 * lets compare.sh show both servers under redis-benchmark's way of
 * waiting as well as under plain blocking calls.
 *
 * Prints one line:
 *   bench_rtt: ws get, 30000 requests: p50 61.2 us, p90 67.0 us, p99 80.1 us
 * ("ws get rearm, ..." under rearm).
 * Exit status 0, 1 on any failure (said on stderr), 2 on bad usage.
 * Loopback only; REQUESTS at most 10,000,000; every receive waits at most
 * 10 s.
 */
#define _GNU_SOURCE /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/pwhash.h"  /* base64 */
#include "common/wsframe.h" /* frames */

#define KEY "bench_rtt:key"
#define VALUE "0123456789abcdef"
#define MAX_REQUESTS 10000000L
#define MAX_REPLY 4096
#define WAIT_S 10

static int fail(const char *what) {
    fprintf(stderr, "bench_rtt: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    return 1;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int send_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Read exactly n bytes. */
static int recv_exact(int fd, char *p, size_t n) {
    while (n) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = 0;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* One masked WebSocket text frame carrying msg (common/wsframe.h), the
 * masking key drawn once per frame. */
static size_t ws_frame(unsigned char *out, const char *msg) {
    unsigned char mask[4];
    if (getrandom(mask, sizeof mask, 0) != (ssize_t)sizeof mask) memcpy(mask, "ndb!", 4);
    return wsf_encode(out, WSF_TEXT, msg, strlen(msg), mask);
}

/* Read one whole reply into buf: a WebSocket frame from the server
 * (unmasked text, length under 64 KiB) or a RESP reply (+status or
 * $bulk).  Returns its length, or 0 after saying why. */
static size_t read_reply(int fd, int ws, char *buf) {
    if (ws) { /* the header, as long as its first two bytes say, then the payload */
        wsf_head h;
        size_t have = 0;
        while (!wsf_decode_header((const unsigned char *)buf, have, &h)) {
            if (recv_exact(fd, buf + have, h.size - have)) return fail("no reply from the server"), 0;
            have = h.size;
        }
        if (!h.fin || h.opcode != WSF_TEXT || h.masked || h.size + h.len > MAX_REPLY)
            return errno = 0, fail("the reply is not one unmasked text frame of at most 4 KiB"), 0;
        if (recv_exact(fd, buf + h.size, (size_t)h.len)) return fail("no reply from the server"), 0;
        return h.size + (size_t)h.len;
    }
    size_t n = 0; /* RESP: the first line, then a bulk's body */
    while (n < 2 || buf[n - 2] != '\r' || buf[n - 1] != '\n') {
        if (n + 1 >= MAX_REPLY || recv_exact(fd, buf + n, 1)) return fail("no whole reply from the server"), 0;
        n++;
    }
    if (buf[0] == '$') {
        long len = atol(buf + 1);
        if (len < 0 || n + (size_t)len + 2 > MAX_REPLY) return errno = 0, fail("unexpected reply"), 0;
        if (recv_exact(fd, buf + n, (size_t)len + 2)) return fail("no whole reply from the server"), 0;
        n += (size_t)len + 2;
    }
    return n;
}

/* The WebSocket upgrade (no Origin: a non-browser client). */
static int ws_upgrade(int fd, int port) {
    unsigned char nonce[16];
    if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) memcpy(nonce, "bench_rtt nonce!", 16);
    char key[4 * ((sizeof nonce + 2) / 3) + 1]; /* 22 characters unpadded, then "==" */
    size_t kn = pwhash_b64_encode(nonce, sizeof nonce, key);
    memcpy(key + kn, "==", 3);
    char req[256], resp[MAX_REPLY];
    int n = snprintf(req, sizeof req,
                     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     port, key);
    if (send_all(fd, req, (size_t)n)) return fail("cannot send the upgrade");
    size_t got = 0; /* byte by byte, so that nothing after the headers is taken */
    while (got < 4 || memcmp(resp + got - 4, "\r\n\r\n", 4) != 0) {
        if (got + 1 >= sizeof resp || recv_exact(fd, resp + got, 1)) return fail("no answer to the upgrade");
        got++;
    }
    resp[got] = 0;
    if (strncmp(resp, "HTTP/1.1 101", 12) != 0) {
        errno = 0;
        fprintf(stderr, "bench_rtt: the upgrade was refused: %.*s\n", (int)strcspn(resp, "\r"), resp);
        return 1;
    }
    return 0;
}

/* --wait rearm: wait for fd to be ready for `events` the way
 * redis-benchmark does, with fd in the epoll set ep only for that wait
 * (added, waited on, and removed again).  0, or -1 after a timeout or an
 * epoll failure. */
static int rearm_wait(int ep, int fd, uint32_t events) {
    struct epoll_event ev = {.events = events}, got;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) return -1;
    int n;
    do n = epoll_wait(ep, &got, 1, WAIT_S * 1000);
    while (n < 0 && errno == EINTR);
    if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, &ev) || n != 1) return -1;
    return 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int ok = argc >= 4 && argc <= 6 && (strcmp(argv[1], "ws") == 0 || strcmp(argv[1], "resp") == 0);
    if (ok && argc >= 5) ok = strcmp(argv[4], "get") == 0 || strcmp(argv[4], "set") == 0;
    if (ok && argc == 6) ok = strcmp(argv[5], "block") == 0 || strcmp(argv[5], "rearm") == 0;
    if (!ok) {
        fprintf(stderr, "usage: bench_rtt ws|resp PORT REQUESTS [get|set] [block|rearm]\n");
        return 2;
    }
    int ws = strcmp(argv[1], "ws") == 0, set = argc >= 5 && strcmp(argv[4], "set") == 0;
    int rearm = argc == 6 && strcmp(argv[5], "rearm") == 0;
    char *pend, *rend;
    long port = strtol(argv[2], &pend, 10), requests = strtol(argv[3], &rend, 10);
    if (port < 1 || port > 65535 || requests < 1 || requests > MAX_REQUESTS || *pend || *rend) {
        fprintf(stderr, "bench_rtt: PORT must be 1-65535 and REQUESTS 1-%ld\n", MAX_REQUESTS);
        return 2;
    }

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail("socket");
    int one = 1;
    struct timeval tv = {WAIT_S, 0};
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) return fail("cannot connect to 127.0.0.1");
    if (ws && ws_upgrade(fd, (int)port)) return 1;

    /* the requests, prepared once; the SET also stores the key first */
    unsigned char store[256 + WSF_MAX_HEADER], timed[256 + WSF_MAX_HEADER];
    size_t store_n, timed_n;
    if (ws) {
        store_n = ws_frame(store, "{\"KV_SET\":{\"keys\":{\"" KEY "\":\"" VALUE "\"}}}");
        timed_n = set ? ws_frame(timed, "{\"KV_SET\":{\"keys\":{\"" KEY "\":\"" VALUE "\"}}}")
                      : ws_frame(timed, "{\"KV_GET\":{\"keys\":[\"" KEY "\"]}}");
    } else {
        static const char s[] = "*3\r\n$3\r\nSET\r\n$13\r\n" KEY "\r\n$16\r\n" VALUE "\r\n";
        static const char g[] = "*2\r\n$3\r\nGET\r\n$13\r\n" KEY "\r\n";
        memcpy(store, s, store_n = sizeof s - 1);
        if (set) memcpy(timed, s, timed_n = sizeof s - 1);
        else memcpy(timed, g, timed_n = sizeof g - 1);
    }
    char first[MAX_REPLY + 1], buf[MAX_REPLY];
    if (send_all(fd, store, store_n)) return fail("cannot send");
    size_t n = read_reply(fd, ws, first);
    if (!n) return 1;
    first[n] = 0;
    const char *stored_ok = ws ? "{\"KV_SET_RSP\":{\"st\":1}}" : "+OK\r\n";
    if (!memmem(first, n, stored_ok, strlen(stored_ok))) {
        errno = 0;
        fprintf(stderr, "bench_rtt: the key was not stored: %.*s\n", (int)strcspn(first, "\r\n"), first);
        return 1;
    }

    /* the first timed request's reply is the one every later reply must be */
    if (send_all(fd, timed, timed_n)) return fail("cannot send");
    size_t want = read_reply(fd, ws, first);
    if (!want) return 1;
    const char *expect = set ? stored_ok : ws ? "\"" VALUE "\"" : "$16\r\n" VALUE "\r\n";
    if (!memmem(first, want, expect, strlen(expect)) || (ws && !memmem(first, want, "\"st\":1", 6))) {
        errno = 0;
        fprintf(stderr, "bench_rtt: unexpected reply: %.*s\n", (int)want, first);
        return 1;
    }

    uint64_t *lat = malloc((size_t)requests * sizeof *lat);
    if (!lat) return fail("out of memory");
    int ep = rearm ? epoll_create1(EPOLL_CLOEXEC) : -1;
    if (rearm && ep < 0) return free(lat), fail("epoll_create1");
    for (long i = 0; i < requests; i++) {
        if (rearm && rearm_wait(ep, fd, EPOLLOUT)) return free(lat), fail("the socket did not become writable");
        uint64_t t0 = now_ns();
        if (send_all(fd, timed, timed_n) || (rearm && rearm_wait(ep, fd, EPOLLIN)) || recv_exact(fd, buf, want)) {
            free(lat);
            return fail("the server stopped answering");
        }
        lat[i] = now_ns() - t0;
        if (memcmp(buf, first, want) != 0) {
            errno = 0;
            fprintf(stderr, "bench_rtt: reply %ld differs from the first: %.*s\n", i + 1, (int)want, buf);
            free(lat);
            return 1;
        }
    }
    if (ep >= 0) close(ep);
    close(fd);
    qsort(lat, (size_t)requests, sizeof *lat, cmp_u64);
    printf("bench_rtt: %s %s%s, %ld requests: p50 %.1f us, p90 %.1f us, p99 %.1f us\n", argv[1], set ? "set" : "get",
           rearm ? " rearm" : "", requests, (double)lat[(size_t)requests / 2] / 1e3, (double)lat[(size_t)requests * 9 / 10] / 1e3,
           (double)lat[(size_t)requests * 99 / 100] / 1e3);
    free(lat);
    return 0;
}
