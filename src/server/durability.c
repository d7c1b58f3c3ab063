/*
 * durability.c — when the journal is written, when snapshots are taken,
 * when writes are refused (see durability.h).
 */
#include "server/durability.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/plural.h"
#include "server/autosnap.h"
#include "server/filemode.h"
#include "server/persist.h"
#include "server/recovery.h"
#include "server/request.h"
#include "server/server.h"
#include "server/transport.h"

/* Retries after a failed automatic snapshot: 1 s, doubling up to a minute. */
#define RETRY_FIRST_MS 1000u
#define RETRY_MAX_MS 60000u

/* Copy src into dst (n bytes), cut short if it does not fit. */
static void copy_text(char *dst, size_t n, const char *src) {
    size_t len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = 0;
}

void durability_init(ndb_server *s) {
    durability *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->jn.fd = -1;
    d->bg.pipe_fd = -1;
    d->lock_fd = -1;
    d->next_gen = 1;
    d->save_mono_ms = mono_ms();
    s->dur = d;
}

void durability_free(ndb_server *s) {
    durability *d = s->dur;
    if (!d) return;
    bgsave_drain(&d->bg, s, 1, 1);
    if (d->jn.fd >= 0) store_remove_sink(&s->store, journal_sink, &d->jn);
    journal_close(&d->jn);
    if (d->lock_fd >= 0) close(d->lock_fd);
    free(d);
    s->dur = NULL;
}

/* Remember how the last snapshot (of any kind) went, for SV_INFO. */
static void note_snapshot(durability *d, const char *name, const bg_result *res) {
    last_snapshot *l = &d->last;
    l->done = 1;
    l->ok = res->ok;
    l->time_ms = wall_ms();
    l->duration_ms = res->ms;
    snprintf(l->name, sizeof l->name, "%s", name);
    copy_text(l->err, sizeof l->err, res->ok ? "" : res->err);
}

/* ------------------------------------------------ automatic snapshots */

/* Just before the fork: the generation, and a new journal file for the
 * records that come after the snapshot's instant. */
static int auto_prepare(ndb_server *s, bg_job *job, char *err, size_t errlen) {
    durability *d = s->dur;
    job->gen = d->next_gen;
    /* a generation is used only once its journal file exists: recovery
     * requires the journal files to follow each other without a gap */
    if (d->jn.fd >= 0 && journal_rotate(&d->jn, job->gen, err, errlen)) return -1;
    job->with_journal = d->jn.fd >= 0;
    d->next_gen++;
    job->seq_at_fork = d->jn.appended;
    job->breaks_at_fork = d->jn.breaks;
    job->changes_at_fork = s->store.changes;
    job->steps_at_fork = d->clock_steps;
    return 0;
}

/* In the child: the snapshot, then the retention of automatic snapshots. */
static void auto_work(const ndb_server *s, bg_job *job, bg_result *res) {
    const durability *d = s->dur;
    auto_snapshot_path(&d->L, job->gen, res->path, sizeof res->path);
    if (autosnap_write(&s->store, &d->L, job->gen, job->with_journal, &res->bytes, res->err, sizeof res->err))
        return;
    res->ok = 1;
    auto_retention(&d->L, job->gen, s->cfg.keep_snapshots);
}

/* An automatic snapshot ended: on success it is the base of recovery now
 * (the journal before it is no longer replayed) and repairs a broken
 * journal whose break it covers; on failure writes are refused and a retry
 * is scheduled, later each time. */
static void auto_done(ndb_server *s, bg_job *job, const bg_result *res) {
    durability *d = s->dur;
    char name[64];
    snprintf(name, sizeof name, AUTO_DIR_NAME "/snapshots/%020llu", (unsigned long long)job->gen);
    note_snapshot(d, name, res);
    if (!res->ok) {
        d->snapshot_failed = 1;
        copy_text(d->snapshot_why, sizeof d->snapshot_why, res->err);
        d->retry_delay_ms = d->retry_delay_ms ? d->retry_delay_ms * 2 : RETRY_FIRST_MS;
        if (d->retry_delay_ms > RETRY_MAX_MS) d->retry_delay_ms = RETRY_MAX_MS;
        d->retry_mono_ms = mono_ms() + d->retry_delay_ms;
        if (d->jn.fd >= 0 && d->jn.limbo_from && !d->jn.broken) {
            /* the repair failed: what the journal buffered since is not kept */
            d->jn.broken = 1;
            sb_free(&d->jn.buf);
        }
        if (d->bg.stopping) /* shutdown ended it: no fault, and no write comes any more to refuse */
            log_info("automatic snapshot %s (%s) interrupted to shut down%s", name, job->why,
                     d->jn.fd >= 0 && !d->jn.broken ? ": the journal holds every change" : "");
        else
            log_error("automatic snapshot %s (%s) failed: %s; writes are refused until one succeeds (next try in %u s)",
                      name, job->why, res->err, d->retry_delay_ms / 1000);
        return;
    }
    int repaired = d->jn.fd >= 0 && d->jn.limbo_from && d->jn.breaks == job->breaks_at_fork;
    d->snap_gen = job->gen;
    d->snap_bytes = res->bytes;
    d->changes_at_save = job->changes_at_fork;
    d->steps_saved = job->steps_at_fork;
    d->save_mono_ms = job->fork_mono_ms;
    log_info("automatic snapshot %s written in %llu ms (%llu bytes; %s)", res->path, (unsigned long long)res->ms,
             (unsigned long long)res->bytes, job->why);
    if (d->jn.fd >= 0) journal_base_moved(&d->jn);
    if (repaired) journal_limbo_done(&d->jn);
    if (d->snapshot_failed) /* a warning, as its error was: --log-level warn shows the end too */
        log_warn("automatic snapshots work again: writes are accepted");
    d->snapshot_failed = 0;
    d->retry_delay_ms = 0;
}

/* Has this database ever held anything: a journal record or an automatic
 * snapshot (even an empty one) found at start, or a change since?  Until
 * then an automatic snapshot would record an emptiness that no one made,
 * and the next start would take it for data to recover and not seed the
 * database from --load-name; so none is written (durability_start). */
static int has_history(const ndb_server *s) {
    const durability *d = s->dur;
    return d->recovered || s->store.changes != d->changes_at_start;
}

/* Queue an automatic snapshot (at most one waits or runs). */
static void submit_auto(ndb_server *s, const char *why) {
    durability *d = s->dur;
    if (bgsave_auto_pending(&d->bg)) return;
    bg_job *job = calloc(1, sizeof *job);
    if (!job) abort();
    job->automatic = 1;
    job->why = why;
    job->prepare = auto_prepare;
    job->work = auto_work;
    job->done = auto_done;
    bgsave_submit(&d->bg, s, job);
}

/* Can a file be written and synced in the journal directory right now? */
static int probe_journal_dir(const durability *d) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/probe.tmp", d->L.journal);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, NDB_FILE_MODE);
    if (fd < 0) return -1;
    static const char block[4096];
    int ok = write(fd, block, sizeof block) == (ssize_t)sizeof block && fdatasync(fd) == 0;
    close(fd);
    unlink(path);
    return ok ? 0 : -1;
}

/* Is the file of lock_fd gone from its path (@ndb/lock, or all of @ndb,
 * removed or moved under the server)?  A second server could take a new
 * lock file there then. */
static int lock_removed(const durability *d) {
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/lock", d->L.root);
    return d->lock_fd >= 0 && !auto_fd_at_path(d->lock_fd, path);
}

/* Raise d->next_gen past every journal file and automatic snapshot in @ndb
 * now.  Once the lock is taken again, @ndb may hold what another server
 * wrote meanwhile, in generations at or past this server's own: its repair
 * snapshot would then not be the newest (recovery took the other's, and
 * every write this server acknowledged after it was lost at the next start)
 * or would reuse a generation the other's files have. */
static void skip_present_gens(durability *d) {
    char err[PATH_MAX + 128];
    uint64_t *gens = NULL;
    int n = auto_list_journals(&d->L, &gens, err, sizeof err);
    if (n > 0 && gens[n - 1] >= d->next_gen) d->next_gen = gens[n - 1] + 1;
    free(gens);
    gens = NULL;
    n = auto_list_snapshots(&d->L, &gens, err, sizeof err);
    if (n > 0 && gens[n - 1] >= d->next_gen) d->next_gen = gens[n - 1] + 1;
    free(gens);
}

/* Put back what was removed under the running server: the directories of
 * @ndb (a repair writes its snapshot and journal file there) and the lock,
 * taken again so that no second server starts on the path.  0, or -1 when
 * they cannot be made, or another server took the path meanwhile (logged
 * once per removal; writes stay refused). */
static int restore_layout(durability *d) {
    char err[PATH_MAX + 128];
    if (auto_layout_create(&d->L, err, sizeof err)) {
        log_debug("persistence still failing: %s", err);
        return -1;
    }
    if (!lock_removed(d)) return 0;
    int busy, fd = auto_layout_lock(&d->L, &busy, err, sizeof err);
    if (fd < 0) {
        if (!d->lock_lost) log_error("%s/lock was removed or moved while this server ran, and %s", d->L.root, err);
        d->lock_lost = 1;
        /* no automatic snapshot may go there now (a save schedule's would
         * become the other server's newest, and its retention remove the
         * other's journal files): writes are refused as for a failed one */
        d->snapshot_failed = 1;
        copy_text(d->snapshot_why, sizeof d->snapshot_why, err);
        return -1;
    }
    close(d->lock_fd);
    d->lock_fd = fd;
    d->lock_lost = 0;
    skip_present_gens(d);
    log_warn("%s/lock was removed or moved while this server ran: created and locked again", d->L.root);
    return 0;
}

/* ------------------------------------------------ user saves */

/* Write the checksum lines of snapshot dir's data files.  0, or -1 with err. */
static int write_sums(const char *dir, const strbuf *lines, char *err, size_t errlen) {
    if (snap_write_atomic(dir, SNAP_SUMS_FILE, lines->buf ? lines->buf : "", lines->len) == 0) return 0;
    snprintf(err, errlen, "cannot write %s/%s: %s", dir, SNAP_SUMS_FILE, strerror(errno));
    return -1;
}

/* Just before the fork of a KV_SAVE / SH_SAVE: the due expiry that runs
 * before every command (dispatch.c).  The request applied it, but a save
 * waiting behind another forks later, and what expired meanwhile must not
 * be written: a session dataset keeps no deadline, so SH_LOAD would bring
 * such a session back with a new period (and other servers would load an
 * expired key for good, as they ignore "ttl"). */
static int user_prepare(ndb_server *s, bg_job *job, char *err, size_t errlen) {
    (void)job;
    (void)err;
    (void)errlen;
    uint64_t now = expiry_now_ns();
    store_expire(&s->store, now);
    store_expire_keys(&s->store, now);
    return 0;
}

/* In the child: the snapshot of KV_SAVE / SH_SAVE, then the dataset's retention.
 * The checksums of its data files go to disk before its final metadata, so
 * a complete snapshot has them and a load notices a data file removed,
 * cut short or changed (snapshot.h, snap_sums). */
static void user_work(const ndb_server *s, bg_job *job, bg_result *res) {
    snap_writer w;
    res->status = ST_SAVE_DIR_WRITE_FAIL;
    if (snap_begin(&w, s->cfg.persist_path, job->name, job->type, res->err, sizeof res->err)) return;
    copy_text(res->path, sizeof res->path, w.dir);
    strbuf lines = STRBUF_INIT;
    snap_sums sums = {.out = &lines, .prefix = strlen(w.dir) + 1};
    w.sums = &sums;
    int ok = (job->type == SNAP_KV ? persist_kv_write(&s->store, &w, res->err, sizeof res->err)
                                   : persist_sessions_write((session_registry *)&s->store.sessions, job->tkns,
                                                            job->ntkns, &w, res->err, sizeof res->err)) == 0 &&
             snap_flush(&w, res->err, sizeof res->err) == 0;
    if (ok && write_sums(w.dir, &lines, res->err, sizeof res->err)) ok = 0;
    sb_free(&lines);
    res->status = ST_SAVE_ERROR;
    if (snap_finish(&w, ok, res->err, sizeof res->err)) return;
    res->ok = 1;
    res->status = ST_SAVE_COMPLETE;
    snap_retention(s->cfg.persist_path, job->name, s->cfg.keep_snapshots);
}

/* The reply of a save, as the synchronous saves answered (docs/protocol.md 3.13):
 * 121 {"duration","name"}, 122 {"m","name"}, 123 {"duration","m","name"}. */
static void user_done(ndb_server *s, bg_job *job, const bg_result *res) {
    durability *d = s->dur;
    int st = res->ok ? ST_SAVE_COMPLETE : res->status == ST_SAVE_DIR_WRITE_FAIL ? ST_SAVE_DIR_WRITE_FAIL : ST_SAVE_ERROR;
    note_snapshot(d, job->name, res);
    if (res->ok)
        log_info("saved '%s' to %s in %llu ms", job->name, res->path, (unsigned long long)res->ms);
    else
        log_warn("save of '%s' failed: %s", job->name, res->err);
    if (!job->slot) return;
    strbuf out = STRBUF_INIT;
    sb_addc(&out, '{');
    sb_add_json_string(&out, job->cmd.buf ? job->cmd.buf : "", job->cmd.len);
    out.len--; /* the name's closing quote: the suffix goes inside */
    SB_ADD_LIT(&out, "_RSP\":{");
    if (st != ST_SAVE_DIR_WRITE_FAIL) sb_addf(&out, "\"duration\":%llu,", (unsigned long long)res->ms);
    if (st != ST_SAVE_COMPLETE) {
        SB_ADD_LIT(&out, "\"m\":");
        sb_add_json_string(&out, res->err, strlen(res->err));
        sb_addc(&out, ',');
    }
    SB_ADD_LIT(&out, "\"name\":");
    sb_add_json_string(&out, job->name, strlen(job->name));
    sb_addf(&out, ",\"st\":%d}}", st);
    client_slot_fill(job->slot, out.buf, out.len);
    sb_free(&out);
}

void durability_user_save(request *r, const char *name, int type, uint64_t *tkns, size_t n) {
    durability *d = r->srv->dur;
    bg_job *job = calloc(1, sizeof *job);
    if (!job) abort();
    snprintf(job->name, sizeof job->name, "%s", name);
    job->type = type;
    job->tkns = tkns;
    job->ntkns = n;
    sb_add(&job->cmd, r->cmd, r->cmdlen);
    job->prepare = user_prepare;
    job->work = user_work;
    job->done = user_done;
    job->slot = client_defer(r->cl); /* NULL only for a closing client: the save is still made */
    bgsave_submit(&d->bg, r->srv, job);
}

int durability_saving(ndb_server *s, const char *name) { return bgsave_user_pending(&s->dur->bg, name); }

static int final_snapshot(ndb_server *s, int repair);

/* A step of the wall clock that no good automatic snapshot covers yet:
 * deadlines on disk are by the old clock (durability_clock_stepped). */
static int clock_stale(const durability *d) { return d->clock_steps != d->steps_saved; }

/* On the way out, a journal that broke and was not repaired yet holds none
 * of the changes since: they are in memory only (readers may have seen
 * them) and their replies are held.  The server would have retried the
 * repair; stopping without it would drop them silently.  So one last try,
 * here and now (nothing else matters any more): if it works, the held
 * replies go out; if not, the exit status says that changes were lost. */
static void final_repair(ndb_server *s) {
    durability *d = s->dur;
    if (d->jn.phase == JOURNAL_RUNNING) /* its log lines say so: no "writes are refused / accepted" */
        d->jn.phase = JOURNAL_STOPPING;
    /* a journal file removed since the last tick's look (`rm -rf` of the
     * persist path, then a stop within the second): found only by the
     * close, it lost every change it held, which this snapshot keeps */
    if (d->final_repair >= 0 && d->started && d->jn.fd >= 0) journal_check_path(&d->jn);
    if (d->final_repair < 0 || d->final_repair == 2 || !d->started || d->jn.fd < 0 ||
        !(d->jn.broken || d->jn.limbo_from))
        return;
    uint64_t snap_gen = d->snap_gen;
    int lost = final_snapshot(s, 1);
    d->final_repair = d->snap_gen != snap_gen ? 1 : lost ? -1 : 2;
    if (d->final_repair == 1) journal_limbo_done(&d->jn); /* releases the held replies */
}

void durability_stop_saves(ndb_server *s) {
    if (!s->dur) return;
    bgsave_drain(&s->dur->bg, s, 1, 1);
    final_repair(s);
}

int durability_repair_failed(const ndb_server *s) { return s->dur && s->dur->final_repair < 0; }

void durability_wait_saves(ndb_server *s) { bgsave_drain(&s->dur->bg, s, 0, 0); }

/* ------------------------------------------------ the event loop */

/* Compact when the journal has grown past persist.compactMultiple times
 * the last automatic snapshot (and persist.compactMinBytes), or when
 * earlier runs left many journal files.  Cheap: two comparisons. */
static void maybe_compact(ndb_server *s) {
    durability *d = s->dur;
    const ndb_config *cfg = &s->cfg;
    if (d->jn.broken || d->jn.limbo_from || d->snapshot_failed) return; /* the tick repairs first */
    if (d->compact_soon) {
        if (bgsave_auto_pending(&d->bg)) return;
        submit_auto(s, d->compact_soon);
        d->compact_soon = NULL;
        return;
    }
    if (!cfg->compact_multiple) return;
    uint64_t limit = (uint64_t)cfg->compact_multiple * d->snap_bytes;
    if (limit < cfg->compact_min) limit = cfg->compact_min;
    if (journal_bytes(&d->jn) <= limit || bgsave_auto_pending(&d->bg)) return;
    log_info("compacting: the journal holds %llu bytes, over %llu (%u x the last snapshot, at least %zu)",
             (unsigned long long)journal_bytes(&d->jn), (unsigned long long)limit, cfg->compact_multiple,
             cfg->compact_min);
    submit_auto(s, "compaction");
}

const char *durability_clock_stepped(ndb_server *s) {
    durability *d = s->dur;
    if (!d) return "";
    if (d->jn.fd < 0) {
        /* A save schedule without a journal: its last automatic snapshot
         * holds deadlines by the old wall clock, and the schedule need not
         * save again for long (with no change, not even at shutdown), so a
         * restart read them by the new one (a key set for an hour before
         * the clock was set a day forward came back expired).  The next
         * tick writes a snapshot (durability_tick), unless none is on disk
         * or being written yet. */
        if (!d->automatic || (!d->snap_gen && !bgsave_auto_pending(&d->bg))) return "";
        d->compact_soon = "snapshot: the wall clock was stepped";
        d->clock_steps++;
        return " (an automatic snapshot writes them all anew)";
    }
    if (!has_history(s)) return ""; /* nothing stored yet, so no deadline to write anew */
    if (!s->cfg.compact_multiple) /* its journal files are all kept (archived): never compacted */
        return " (persist.compactMultiple 0: the journal is not compacted, and a recovery reads the deadlines "
               "written before by the new clock)";
    /* the records written before the step hold deadlines by the old wall
     * clock, which a recovery would read by the new one: a snapshot writes
     * every deadline anew and the journal after it starts empty */
    d->compact_soon = "compaction: the wall clock was stepped";
    d->clock_steps++;
    return " (the journal is compacted into a snapshot that writes them all anew)";
}

void durability_turn_end(ndb_server *s) {
    durability *d = s->dur;
    if (bgsave_needs_poll(&d->bg)) bgsave_poll(&d->bg, s); /* the tick polls anyway, should SIGCHLD be lost */
    if (d->jn.fd < 0) return;
    journal_flush(&d->jn);
    maybe_compact(s);
}

uint64_t durability_hold_seq(const ndb_server *s) {
    const durability *d = s->dur;
    return d && d->jn.fd >= 0 ? journal_hold_seq(&d->jn) : 0;
}

uint64_t durability_released(const ndb_server *s) {
    const durability *d = s->dur;
    return d && d->jn.fd >= 0 ? journal_released(&d->jn) : UINT64_MAX;
}

const char *durability_refusal(ndb_server *s) {
    durability *d = s->dur;
    if (!d) return NULL;
    if (d->jn.fd >= 0 && (d->jn.broken || d->jn.limbo_from)) {
        snprintf(d->refusal, sizeof d->refusal, "writes are refused: the journal cannot be written (%s)", d->jn.why);
        return d->refusal;
    }
    if (d->snapshot_failed) {
        snprintf(d->refusal, sizeof d->refusal, "writes are refused: the last automatic snapshot failed (%s)",
                 d->snapshot_why);
        return d->refusal;
    }
    return NULL;
}

void durability_tick(ndb_server *s) {
    durability *d = s->dur;
    const ndb_config *cfg = &s->cfg;
    if (!d) return;
    if (d->bg.running || d->bg.head || d->bg.early) bgsave_poll(&d->bg, s);
    if (!d->automatic || bgsave_auto_pending(&d->bg)) return;
    uint64_t now = mono_ms();
    if (lock_removed(d) && !d->lock_lost) restore_layout(d);
    journal_check_path(&d->jn);
    int journal_down = d->jn.fd >= 0 && (d->jn.broken || d->jn.limbo_from);
    if (journal_down || d->snapshot_failed) {
        /* repair: a whole snapshot once the directory takes writes again */
        if (now < d->retry_mono_ms) return;
        if (restore_layout(d) || probe_journal_dir(d)) {
            log_debug("persistence still failing: %s cannot be written", d->L.journal);
            return;
        }
        submit_auto(s, journal_down ? "repairing the journal" : "retrying after a failed snapshot");
        return;
    }
    if (d->jn.fd < 0 && d->compact_soon) { /* without a journal: durability_clock_stepped */
        submit_auto(s, d->compact_soon);
        d->compact_soon = NULL;
        return;
    }
    if (cfg->save.n &&
        save_schedule_due(&cfg->save, (now - d->save_mono_ms) / 1000, s->store.changes - d->changes_at_save))
        submit_auto(s, "save schedule");
}

/* ------------------------------------------------ start and stop */

/* Say what recovery restored, after what had expired meanwhile was removed
 * (gone_keys keys, gone_sessions sessions ended or emptied). */
static void log_recovery(const ndb_server *s, const recovery_report *rep, uint64_t ms, size_t gone_keys,
                         size_t gone_sessions) {
    if (!rep->found) {
        log_info("recovery: no journal or automatic snapshot yet: starting empty");
        return;
    }
    strbuf b = STRBUF_INIT;
    if (rep->base_gen)
        sb_addf(&b, "automatic snapshot %llu (%llu key%s, %llu session%s, %llu ms)", (unsigned long long)rep->base_gen,
                (unsigned long long)rep->snap_keys, plural_s(rep->snap_keys), (unsigned long long)rep->snap_sessions,
                plural_s(rep->snap_sessions), (unsigned long long)rep->snap_ms);
    else
        SB_ADD_LIT(&b, "no automatic snapshot");
    sb_addf(&b, " and %u journal file%s (%llu record%s, %llu byte%s, %llu ms)", rep->files, plural_s(rep->files),
            (unsigned long long)rep->records, plural_s(rep->records), (unsigned long long)rep->bytes,
            plural_s(rep->bytes), (unsigned long long)rep->replay_ms);
    log_info("recovered %u key%s and %u session%s in %llu ms from %s", s->store.kv.count,
             plural_s(s->store.kv.count), s->store.sessions.count, plural_s(s->store.sessions.count),
             (unsigned long long)ms, b.buf);
    sb_free(&b);
    if (gone_keys || gone_sessions)
        log_info("recovery: %zu key%s and %zu session%s expired while the server was down: the keys are removed, "
                 "the sessions ended or, if kept, emptied",
                 gone_keys, plural_s(gone_keys), gone_sessions, plural_s(gone_sessions));
}

/* Keys of map m longer than max bytes. */
static uint64_t long_keys(const kvmap *m, size_t max) {
    uint64_t n = 0;
    uint32_t pos = 0;
    for (const kv_entry *e; (e = kvmap_next(m, &pos));) n += e->klen > max;
    return n;
}

/* Recovery restores what was acknowledged whatever the limits are now, so
 * a restart under a lowered limits.maxMemory can hold more than the
 * ceiling, and under a lowered limits.maxKeyLength longer keys: say so
 * once, with what still works and how to get under the limit. */
static void warn_recovered_limits(const ndb_server *s) {
    uint64_t top = long_keys(&s->store.kv, s->cfg.max_key_length), in_sessions = 0;
    uint32_t pos = 0;
    for (const session *se; (se = sessions_next(&s->store.sessions, &pos));)
        in_sessions += long_keys(&se->map, s->cfg.max_key_length);
    if (top || in_sessions)
        log_warn("recovered %llu top-level key%s and %llu session key%s longer than limits.maxKeyLength %zu bytes: "
                 "they are kept, and can be read and removed (a KV_SET or SH_SET naming one answers 42)",
                 (unsigned long long)top, plural_s(top), (unsigned long long)in_sessions, plural_s(in_sessions),
                 s->cfg.max_key_length);
    size_t mem = server_memory(s), max = s->cfg.max_memory;
    if (max && mem > max)
        log_warn("recovered data holds %zu bytes (memoryBytes), over limits.maxMemory %zu: it is all kept; reads, "
                 "removals and writes that do not grow memory work, writes that grow it answer 42 until removals "
                 "(KV_RMV, KV_CLEAR, SH_END, ...) bring memoryBytes to %zu or less, or start with a higher "
                 "--max-memory",
                 mem, max, max);
}

int durability_start(ndb_server *s, int *recovered, char *err, size_t errlen) {
    durability *d = s->dur;
    const ndb_config *cfg = &s->cfg;
    *recovered = 0;
    bgsave_install(transport_wake_from_signal);
    d->automatic = cfg->journal != JOURNAL_OFF || cfg->save.n;
    char src[96];
    setting_source_name(&settings_table[cfg->journal != JOURNAL_OFF ? S_JOURNAL : S_SAVE],
                        cfg->origin[cfg->journal != JOURNAL_OFF ? S_JOURNAL : S_SAVE], src, sizeof src);
    if (d->automatic && !cfg->persist_enabled && cfg->origin[S_PERSIST_ENABLED] == ORIGIN_CLI) {
        /* the config file's journal and schedule went with --no-persist
         * (settings_cli.c): these came from the command line too */
        snprintf(err, errlen, "%s needs persistence, which --no-persist turns off: give one of them, not both", src);
        return -1;
    }
    if (d->automatic && !cfg->persist_enabled) {
        snprintf(err, errlen,
                 "%s needs persistence: give --persist-path DIR (or persist.enabled and persist.path in the config "
                 "file)",
                 src);
        return -1;
    }
    if (!cfg->persist_enabled) return 0;
    if (auto_layout_init(&d->L, cfg->persist_path)) {
        snprintf(err, errlen, "persist path too long: %s", cfg->persist_path);
        return -1;
    }
    if (!d->automatic) {
        if (auto_layout_exists(&d->L))
            log_warn("%s holds a journal or automatic snapshots, but neither persist.journal nor persist.save is "
                     "set: they are not restored",
                     d->L.root);
        return 0;
    }
    int busy;
    if (auto_layout_create(&d->L, err, errlen) || (d->lock_fd = auto_layout_lock(&d->L, &busy, err, errlen)) < 0)
        return -1;
    recovery_report rep;
    uint64_t t0 = mono_ms();
    if (recovery_run(&s->store, &d->L, RECOVER_START, &rep, err, errlen)) {
        if (rep.damaged) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n,
                     "; 'ndb journal check' shows what a repair would drop and 'ndb journal repair' drops it "
                     "(give them this server's --config or --persist-path)");
        }
        return -1;
    }
    if (cfg->journal != JOURNAL_OFF && recovery_next_file_follows(&rep, err, errlen)) return -1;
    uint64_t recovery_ms = mono_ms() - t0;
    /* Recovered means a state to restore: a record, or an automatic
     * snapshot, even an empty one: that is a database whose keys and
     * sessions were removed or expired, and seeding it from --load-name
     * would bring them back (sessions logged out would be valid again).
     * A journal file without records (a start with no writes yet, or a
     * crash during the start-up load of --load-name) holds no state, so
     * --load-name still seeds; and no automatic snapshot is written before
     * the database has a history (has_history). */
    *recovered = d->recovered = rep.records || rep.base_gen;
    d->snap_gen = rep.base_gen;
    d->snap_bytes = rep.base_bytes;
    d->next_gen = rep.last_gen + 1;
    if (cfg->journal != JOURNAL_OFF) {
        if (journal_open(&d->jn, d->L.journal, cfg->journal, d->next_gen++, transport_wake, err, errlen)) return -1;
        d->jn.older_bytes = rep.bytes; /* replayed again by the next recovery, until a compaction */
        store_add_sink_first(&s->store, journal_sink, &d->jn); /* before any sink that acts on a record */
        log_info("journal: %s, file %s/%020llu.jnl", journal_policy_names[cfg->journal], d->L.journal,
                 (unsigned long long)d->jn.gen);
    }
    d->changes_at_save = d->changes_at_start = s->store.changes;
    d->save_mono_ms = mono_ms();
    /* every start adds a journal file: when they pile up (restarts with few
     * writes between), the first tick compacts them into a snapshot —
     * unless persist.compactMultiple 0 says never (its journal files are
     * all kept, e.g. to be archived), or they hold no record and there is
     * no snapshot (has_history: they wait for the first write) */
    if (cfg->journal != JOURNAL_OFF && cfg->compact_multiple && rep.files > 4 && d->recovered)
        d->compact_soon = "compaction of the journal files left by earlier runs";
    /* keys and sessions whose deadline passed while the server was down
     * go now, with their records in the journal, before the counts are
     * logged (they are not recovered) */
    uint64_t now = expiry_now_ns();
    size_t gone_sessions = store_expire(&s->store, now), gone_keys = store_expire_keys(&s->store, now);
    log_recovery(s, &rep, recovery_ms, gone_keys, gone_sessions);
    warn_recovered_limits(s);
    if (rep.found && !*recovered && (s->cfg.load_name[0] || s->cfg.load_path[0]))
        log_info("recovery restored nothing (no journal record, no automatic snapshot): the start-up load seeds "
                 "the database");
    if (d->jn.fd >= 0) journal_flush(&d->jn);
    d->started = 1;
    return 0;
}

/* What a failed final repair loses (final_snapshot): the changes made
 * since the journal broke (no file holds them); before the break, under
 * everysec and no, those acknowledged but not yet synced may not be on
 * disk, and with a journal file gone from its path none of its changes is
 * where a start-up reads them.  Under always, with no change since the
 * break, nothing: every acknowledged change was synced.  Writes the log's
 * tail into why; returns 1 when changes are (or may be) lost. */
static int repair_loss(const journal *j, char *why, size_t n) {
    uint64_t held = journal_held(j);
    if (held) {
        snprintf(why, n, "; the %llu change%s made since the journal broke %s never written and %s lost",
                 (unsigned long long)held, plural_s(held), held == 1 ? "was" : "were", held == 1 ? "is" : "are");
        return 1;
    }
    if (j->gone) {
        snprintf(why, n, "; no change was made since the journal broke, but those in the journal file that left its "
                         "path are not where a start-up reads them");
        return 1;
    }
    if (j->policy != JOURNAL_ALWAYS) {
        snprintf(why, n, "; no change was made since the journal broke, but those acknowledged before it and not "
                         "yet synced may not be on disk");
        return 1;
    }
    snprintf(why, n, "; no change was made since the journal broke, and every acknowledged one was synced: none is "
                     "lost");
    return 0;
}

/* The last automatic snapshot, taken on the way out: the final save of a
 * save schedule, or (repair) the repair of a journal that broke and was
 * not repaired yet.  Returns 1 when changes are lost: the snapshot failed
 * and no journal holds them (without a journal, or with a broken one). */
static int final_snapshot(ndb_server *s, int repair) {
    durability *d = s->dur;
    const char *what = repair                              ? "final repair of the journal"
                       : clock_stale(d)                   ? "final save (the wall clock was stepped)"
                                                          : "final save";
    char lost_why[192] = "; the changes since the last save are lost";
    const char *kept = " (the journal holds every change)";
    /* with a sound journal its files still hold every change; without
     * one, or with one that broke, this snapshot was the only copy */
    int lost_if_failed = repair ? repair_loss(&d->jn, lost_why, sizeof lost_why) : d->jn.fd < 0;
    if (repair) kept = lost_why;
    else if (lost_if_failed && d->snap_gen && s->store.changes == d->changes_at_save) {
        /* only for a step of the wall clock: no change is lost */
        lost_if_failed = 0;
        kept = " (no change is lost; a restart reads the last snapshot's deadlines by the new wall clock)";
    } else if (!lost_if_failed && clock_stale(d)) {
        /* the journal holds every change, but its records before the step
         * hold deadlines by the old clock: saying only that it holds every
         * change hid that a key set for an hour comes back expired */
        kept = " (the journal holds every change; a recovery reads the deadlines written before the wall clock "
               "step by the new clock)";
    }
    char err[PATH_MAX + 256];
    if (restore_layout(d)) {
        /* @ndb was removed and cannot be made again, or another server
         * took the path since: its journal and snapshots are there now,
         * and this server's retention would remove them */
        log_error("%s skipped: %s%s", what,
                  d->lock_lost ? "another server uses the persist path now: nothing of this one is written there"
                               : "the persist path's @ndb directory cannot be created",
                  lost_if_failed ? lost_why : kept);
        return lost_if_failed;
    }
    uint64_t gen = d->next_gen++, bytes, t0 = mono_ms();
    int rotated = d->jn.fd < 0 || journal_rotate(&d->jn, gen, err, sizeof err) == 0;
    if (!rotated) {
        if (repair) log_error("%s failed: %s%s", what, err, lost_why);
        else log_error("%s skipped: %s%s", what, err, kept);
        return repair && lost_if_failed;
    }
    if (autosnap_write(&s->store, &d->L, gen, d->jn.fd >= 0, &bytes, err, sizeof err)) {
        log_error("%s failed: %s%s", what, err, lost_if_failed ? lost_why : kept);
        return lost_if_failed;
    }
    auto_retention(&d->L, gen, s->cfg.keep_snapshots);
    d->snap_gen = gen; /* a final save after the repair has nothing to add then */
    d->steps_saved = d->clock_steps; /* every deadline in it is by the wall clock as it is now */
    d->changes_at_save = s->store.changes;
    log_info("%s: automatic snapshot %llu written in %llu ms (%llu bytes)", what, (unsigned long long)gen,
             (unsigned long long)(mono_ms() - t0), (unsigned long long)bytes);
    return 0;
}

int durability_shutdown(ndb_server *s) {
    durability *d = s->dur;
    const ndb_config *cfg = &s->cfg;
    if (!d) return 0;
    bgsave_drain(&d->bg, s, 1, 1);
    final_repair(s); /* if shutdown did not begin with it (the loop failed); or it broke again since */
    int lost = d->final_repair < 0;
    /* A wall clock step whose snapshot did not get written (a stop while
     * it was, which ends it, or right after the step): the journal and the
     * last snapshot still hold deadlines by the old clock, which the next
     * start would read by the new one (a key set for an hour came back
     * expired after a clean stop), so the final save writes them anew. */
    if (!lost && d->started && d->automatic &&
        (clock_stale(d) ||
         (cfg->save.n && (s->store.changes != d->changes_at_save || (!d->snap_gen && has_history(s))))))
        lost = final_snapshot(s, 0);
    if (d->jn.fd >= 0) {
        store_remove_sink(&s->store, journal_sink, &d->jn);
        if (journal_close(&d->jn)) lost = 1; /* its last fdatasync failed: it said what may be lost */
    }
    return lost ? -1 : 0;
}

/* ------------------------------------------------ SV_INFO */

void durability_info_json(ndb_server *s, strbuf *o) {
    durability *d = s->dur;
    const journal *j = &d->jn;
    int on = j->fd >= 0;
    if (on) journal_poll_sync(&d->jn); /* fresh fsync figures */
    SB_ADD_LIT(o, "\"persistence\":{\"changesSinceSave\":");
    sb_add_u64(o, s->store.changes - d->changes_at_save);
    SB_ADD_LIT(o, ",\"journal\":\"");
    sb_adds(o, journal_policy_names[on ? j->policy : JOURNAL_OFF]);
    SB_ADD_LIT(o, "\",\"journalBytes\":");
    sb_add_u64(o, on ? journal_bytes(j) : 0);
    SB_ADD_LIT(o, ",\"journalLastFsync\":");
    sb_add_u64(o, on ? j->last_sync_ms : 0);
    SB_ADD_LIT(o, ",\"lastSnapshot\":");
    if (!d->last.done) {
        SB_ADD_LIT(o, "null");
    } else {
        sb_addf(o, "{\"duration\":%llu,", (unsigned long long)d->last.duration_ms);
        if (!d->last.ok) {
            SB_ADD_LIT(o, "\"error\":");
            sb_add_json_string(o, d->last.err, strlen(d->last.err));
            sb_addc(o, ',');
        }
        SB_ADD_LIT(o, "\"name\":");
        sb_add_json_string(o, d->last.name, strlen(d->last.name));
        SB_ADD_LIT(o, ",\"ok\":");
        sb_add_bool(o, d->last.ok);
        sb_addf(o, ",\"time\":%llu}", (unsigned long long)d->last.time_ms);
    }
    SB_ADD_LIT(o, ",\"saving\":");
    sb_add_bool(o, d->bg.running != NULL);
    const char *why = durability_refusal(s);
    SB_ADD_LIT(o, ",\"writesRefused\":");
    sb_add_bool(o, why != NULL);
    if (why) {
        SB_ADD_LIT(o, ",\"writesRefusedReason\":");
        sb_add_json_string(o, why, strlen(why));
    }
    sb_addc(o, '}');
}
