/*
 * bgsave.c — the queue of snapshot jobs and the forked child that runs
 * each (see bgsave.h).
 */
#define _GNU_SOURCE /* close_range */
#include "server/bgsave.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

_Static_assert(sizeof(bg_result) < 4096, "a child's report must fit in one atomic pipe write");

static volatile sig_atomic_t child_ended;
static void (*loop_wake)(void);

/* SIGCHLD: note it and wake the event loop (async-signal-safe). */
static void on_sigchld(int sig) {
    (void)sig;
    child_ended = 1;
    int e = errno; /* a handler must not change errno under the interrupted code */
    if (loop_wake) loop_wake();
    errno = e;
}

void bgsave_install(void (*wake)(void)) {
    loop_wake = wake;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
}

/* Free job and what it owns (its slot belongs to the client queue by now). */
static void free_job(bg_job *job) {
    sb_free(&job->cmd);
    free(job->tkns);
    free(job->early);
    free(job);
}

/* The job is over: answer it (`done`), let its client's next requests
 * run (bgsave_submit held them), free it. */
static void complete(struct ndb_server *s, bg_job *job, const bg_result *res) {
    client *c = job->slot ? job->slot->c : NULL;
    job->done(s, job, res);
    if (c) client_hold(c, 0);
    free_job(job);
}

/* job failed before a child ran: report it at the next poll. */
static void fail_early(bg_state *bg, bg_job *job, const bg_result *res) {
    job->early = malloc(sizeof *job->early);
    if (!job->early) abort();
    *job->early = *res;
    job->next = bg->early;
    bg->early = job;
}

/* Call `done` for the jobs that failed before their child ran. */
static void report_early(bg_state *bg, struct ndb_server *s) {
    while (bg->early) {
        bg_job *job = bg->early;
        bg->early = job->next;
        complete(s, job, job->early);
    }
}

int bgsave_needs_poll(const bg_state *bg) { return child_ended || bg->early || (bg->head && !bg->running); }

int bgsave_auto_pending(const bg_state *bg) {
    if (bg->running && bg->running->automatic) return 1;
    for (const bg_job *j = bg->head; j; j = j->next)
        if (j->automatic) return 1;
    for (const bg_job *j = bg->early; j; j = j->next)
        if (j->automatic) return 1;
    return 0;
}

/* Is job a user save of dataset name? */
static int user_save_of(const bg_job *job, const char *name) {
    return job && !job->automatic && strcmp(job->name, name) == 0;
}

int bgsave_user_pending(const bg_state *bg, const char *name) {
    if (user_save_of(bg->running, name)) return bg->running->type;
    for (const bg_job *j = bg->head; j; j = j->next)
        if (user_save_of(j, name)) return j->type;
    return -1;
}

/* Close every descriptor of the child but 0-2 and the report pipe (moved
 * to 3): the sockets and the journal stay the server's alone, so a
 * connection the server closes really closes while the child runs. */
static int child_descriptors(int report) {
    if (report != 3 && dup2(report, 3) < 0) return -1;
    if (close_range(4, ~0U, 0) == 0) return 3;
    struct rlimit rl; /* no close_range (old kernel, seccomp): one by one */
    int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1u << 20 ? (int)rl.rlim_cur : 1 << 16;
    for (int fd = 4; fd < max; fd++) close(fd);
    return 3;
}

/* The child: do the job's work, report, leave without running any exit
 * handler (they belong to the server). */
__attribute__((noreturn)) static void child_main(const struct ndb_server *s, bg_job *job, int report,
                                                  pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a crashed server's save dies with it */
    if (getppid() != parent) _exit(1);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    int fd = child_descriptors(report);
    static bg_result res; /* static: no large stack frame */
    uint64_t t0 = mono_ms();
    if (fd >= 0) job->work(s, job, &res);
    res.ms = mono_ms() - t0;
    if (fd < 0 || write(fd, &res, sizeof res) != (ssize_t)sizeof res) _exit(2);
    _exit(0);
}

/* Start the first waiting job, if no child runs. */
static void start_next(bg_state *bg, struct ndb_server *s) {
    while (!bg->running && bg->head) {
        bg_job *job = bg->head;
        bg->head = job->next;
        if (!bg->head) bg->tail = NULL;
        job->next = NULL;
        bg_result res;
        memset(&res, 0, sizeof res);
        int fds[2] = {-1, -1};
        if (job->prepare && job->prepare(s, job, res.err, sizeof res.err)) {
            fail_early(bg, job, &res);
            continue;
        }
        if (pipe2(fds, O_CLOEXEC)) {
            snprintf(res.err, sizeof res.err, "cannot create a pipe for the snapshot process: %s", strerror(errno));
            fail_early(bg, job, &res);
            continue;
        }
        pid_t parent = getpid();
        job->fork_mono_ms = mono_ms();
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child_main(s, job, fds[1], parent);
        }
        close(fds[1]);
        if (pid < 0) {
            snprintf(res.err, sizeof res.err, "cannot start the snapshot process: %s", strerror(errno));
            close(fds[0]);
            fail_early(bg, job, &res);
            continue;
        }
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        bg->running = job;
        bg->pid = pid;
        bg->pipe_fd = fds[0];
        bg->started_ms = mono_ms();
    }
}

void bgsave_submit(bg_state *bg, struct ndb_server *s, bg_job *job) {
    job->next = NULL;
    if (bg->tail) bg->tail->next = job;
    else bg->head = job;
    bg->tail = job;
    if (job->slot && job->slot->c) client_hold(job->slot->c, 1);
    start_next(bg, s);
}

/* The running child ended with wait status `status`: read its report and
 * finish its job. */
static void finish(bg_state *bg, struct ndb_server *s, int status) {
    bg_job *job = bg->running;
    bg_result res;
    memset(&res, 0, sizeof res);
    ssize_t n = read(bg->pipe_fd, &res, sizeof res);
    close(bg->pipe_fd);
    bg->pipe_fd = -1;
    bg->running = NULL;
    bg->pid = 0;
    if (n != (ssize_t)sizeof res) {
        memset(&res, 0, sizeof res);
        if (WIFSIGNALED(status) && bg->stopping)
            snprintf(res.err, sizeof res.err, "the server shut down before the snapshot was complete");
        else if (WIFSIGNALED(status))
            snprintf(res.err, sizeof res.err, "the snapshot process was killed by signal %d", WTERMSIG(status));
        else
            snprintf(res.err, sizeof res.err, "the snapshot process ended without a report (exit status %d)",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        res.ms = mono_ms() - bg->started_ms;
    }
    res.err[sizeof res.err - 1] = 0;
    complete(s, job, &res);
}

void bgsave_poll(bg_state *bg, struct ndb_server *s) {
    child_ended = 0;
    report_early(bg, s);
    if (bg->running) {
        int status;
        pid_t r = waitpid(bg->pid, &status, WNOHANG);
        if (r == bg->pid) finish(bg, s, status);
        else if (r < 0 && errno == ECHILD) finish(bg, s, 0); /* reaped elsewhere: the report says how it went */
    }
    start_next(bg, s);
}

void bgsave_drain(bg_state *bg, struct ndb_server *s, int kill_running, int drop_queued) {
    for (;;) {
        report_early(bg, s);
        if (bg->running) {
            int status = 0;
            if (kill_running) {
                bg->stopping = 1;
                kill(bg->pid, SIGKILL);
                log_info("interrupted the snapshot process (pid %d) to shut down", (int)bg->pid);
            }
            while (waitpid(bg->pid, &status, 0) < 0 && errno == EINTR) {
            }
            finish(bg, s, status);
            bg->stopping = 0;
        }
        if (!bg->head) {
            report_early(bg, s);
            return;
        }
        if (drop_queued) {
            while (bg->head) {
                bg_job *job = bg->head;
                bg->head = job->next;
                bg_result res;
                memset(&res, 0, sizeof res);
                snprintf(res.err, sizeof res.err, "the server shut down before the snapshot started");
                complete(s, job, &res);
            }
            bg->tail = NULL;
            report_early(bg, s);
            return;
        }
        start_next(bg, s);
    }
}
