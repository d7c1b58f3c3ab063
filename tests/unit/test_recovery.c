/*
 * test_recovery.c — recovery from automatic snapshots and the journal
 * (issue 15): the recovered state equals the state that wrote the journal
 * byte for byte (values, key order, sessions with their expiry settings
 * and deadlines), across a compaction (snapshot + new journal file); a
 * session whose deadline passed meanwhile is due at once; a torn tail is
 * cut; damage in the middle stops recovery naming file and byte, and a
 * repair cuts there keeping the dropped bytes; a missing journal file, a
 * journal without its start, an interrupted snapshot; the space a journal
 * under `always` reserves ahead of its writes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "server/auto_layout.h"
#include "server/autosnap.h"
#include "server/journal.h"
#include "server/journal_format.h"
#include "server/recovery.h"
#include "unit.h"

static char dir[] = "/tmp/ndb-recovery-XXXXXX";
static auto_layout L;

/* Everything observable of a store, with deadlines. */
static void digest(const ndb_store *st, strbuf *d) {
    sb_reset(d);
    const kvmap *maps[1] = {&st->kv};
    for (int m = 0; m < 1; m++) {
        uint32_t pos = 0;
        for (const kv_entry *e; (e = kvmap_next(maps[m], &pos));) {
            sb_add(d, kv_key(e), e->klen);
            sb_addc(d, '=');
            sb_add(d, kv_val(e), e->vlen);
            sb_addc(d, '\n');
        }
    }
    uint32_t pos = 0;
    for (const session *s; (s = sessions_next(&st->sessions, &pos));) {
        sb_addf(d, "session %llu dur %u del %u eog %u eosa %u deadline %llu\n", (unsigned long long)s->token,
                s->ex.duration, s->ex.delete_session, s->ex.extend_on_get, s->ex.extend_on_set_add,
                (unsigned long long)(s->ex.duration ? s->exp.deadline : 0));
        uint32_t p2 = 0;
        for (const kv_entry *e; (e = kvmap_next(&s->map, &p2));) {
            sb_addc(d, ' ');
            sb_add(d, kv_key(e), e->klen);
            sb_addc(d, '=');
            sb_add(d, kv_val(e), e->vlen);
            sb_addc(d, '\n');
        }
    }
}

static void put(ndb_store *st, session *s, const char *k, const char *v) {
    store_put(st, s, k, strlen(k), v, strlen(v), CAUSE_SET);
}

/* Recover into a fresh store with st's clock mapping. */
static int recover(const ndb_store *like, ndb_store *out, int mode, recovery_report *rep, char *err, size_t n) {
    store_init(out, 0, 53);
    out->wall_offset_ns = like->wall_offset_ns;
    return recovery_run(out, &L, mode, rep, err, n);
}

static uint64_t size_of(const char *path) {
    struct stat st;
    return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static void test_roundtrip(void) {
    char err[PATH_MAX + 512], path[PATH_MAX];
    ndb_store a, b;
    journal jn;
    recovery_report rep;
    strbuf da = STRBUF_INIT, db = STRBUF_INIT;
    store_init(&a, 0, 53);
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_ALWAYS, 1, NULL, err, sizeof err), 0);
    store_add_sink(&a, journal_sink, &jn);
    put(&a, NULL, "z", "1");
    put(&a, NULL, "a", "{\"x\":[1,2.50,1e400]}");
    put(&a, NULL, "", "\"empty key\"");
    put(&a, NULL, "gone", "0");
    store_del(&a, NULL, "gone", 4, CAUSE_RMV);
    int oom;
    session_expiry keep = {100, 0, 1, 1}, never = {0, 0, 0, 0}, short_lived = {1, 1, 0, 0};
    session *s1 = store_session_new(&a, &keep, expiry_now_ns(), &oom);
    session *s2 = store_session_new(&a, &never, expiry_now_ns(), &oom);
    put(&a, s1, "k", "\"v\"");
    put(&a, s2, "n", "18446744073709551616");
    /* a session that expired a few seconds ago (the server was down) */
    session *s3 = store_session_new(&a, &short_lived, expiry_now_ns() - 5 * EXPIRY_NS_PER_S, &oom);
    uint64_t t3 = s3->token;
    CHECK_INT(journal_flush(&jn), 0);
    /* compaction: a new journal file, and the snapshot of that instant */
    CHECK_INT(journal_rotate(&jn, 2, err, sizeof err), 0);
    uint64_t bytes = 0;
    CHECK_INT(autosnap_write(&a, &L, 2, 1, &bytes, err, sizeof err), 0);
    CHECK(bytes > 0);
    put(&a, NULL, "a", "\"replaced\"");
    put(&a, NULL, "after", "true");
    store_session_extend(&a, s1, expiry_now_ns() + EXPIRY_NS_PER_S);
    store_clear(&a, s2, CAUSE_CLEAR);
    CHECK_INT(journal_flush(&jn), 0);
    store_remove_sink(&a, journal_sink, &jn);
    journal_close(&jn);

    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK_INT(rep.base_gen, 2);
    CHECK_INT(rep.files, 1);
    CHECK_INT(rep.records, 4);
    CHECK_INT(rep.last_gen, 2);
    CHECK(!rep.torn);
    digest(&a, &da);
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    /* the session whose deadline passed is due at once */
    CHECK(store_session(&b, t3) != NULL);
    CHECK(store_expire(&b, expiry_now_ns()) >= 1);
    CHECK(store_session(&b, t3) == NULL);
    store_free(&b);

    /* a torn tail: the start of a record, cut short */
    auto_journal_path(&L, 2, path, sizeof path);
    uint64_t good = size_of(path);
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(write(fd, "\x30\x00\x00\x00\x01\x02\x03", 7) == 7);
    close(fd);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK(rep.torn && rep.torn_at == good && rep.torn_bytes == 7);
    CHECK_INT(size_of(path), good + 7); /* check changes nothing */
    store_free(&b);
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK_INT(size_of(path), good); /* start-up cuts it */
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    store_free(&b);

    /* a crash while the next file was created: it has no header yet */
    auto_journal_path(&L, 3, path, sizeof path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, "NDBJ", 4) == 4);
    close(fd);
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK(rep.torn && rep.torn_at == 0 && rep.torn_bytes == 4);
    CHECK_INT(size_of(path), JF_HEADER_SIZE); /* given its header: no gap in the generations */
    store_free(&b);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK(!rep.torn);
    CHECK_INT(rep.files, 2);
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    store_free(&b);
    store_free(&a);
    sb_free(&da);
    sb_free(&db);
}

static void test_damage_and_repair(void) {
    char err[PATH_MAX + 512], path[PATH_MAX], side[PATH_MAX + 16];
    ndb_store a, b;
    journal jn;
    recovery_report rep;
    auto_remove_tree(L.root);
    auto_layout_create(&L, err, sizeof err);
    store_init(&a, 0, 53);
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_NO, 1, NULL, err, sizeof err), 0);
    store_add_sink(&a, journal_sink, &jn);
    for (int i = 0; i < 10; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i);
        put(&a, NULL, k, "1");
        journal_flush(&jn);
    }
    CHECK_INT(journal_rotate(&jn, 2, err, sizeof err), 0); /* no snapshot: the journal alone */
    put(&a, NULL, "later", "2");
    journal_flush(&jn);
    store_remove_sink(&a, journal_sink, &jn);
    journal_close(&jn);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK_INT(rep.records, 11);
    CHECK_INT(b.kv.count, 11);
    store_free(&b);

    /* one flipped byte in the 5th record of the first file */
    auto_journal_path(&L, 1, path, sizeof path);
    uint64_t size = size_of(path), rec = (size - JF_HEADER_SIZE) / 10, at = JF_HEADER_SIZE + 4 * rec;
    int fd = open(path, O_RDWR);
    char c;
    CHECK(pread(fd, &c, 1, (off_t)(at + 9)) == 1);
    c ^= 0x40;
    CHECK(pwrite(fd, &c, 1, (off_t)(at + 9)) == 1);
    close(fd);
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), -1);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "journal file %s is damaged at byte %llu: a record's checksum does not match", path,
             (unsigned long long)at);
    CHECK_STR(err, want);
    CHECK(rep.damaged && rep.bad_gen == 1 && rep.bad_at == at && rep.good_records == 4);
    CHECK_INT(rep.later_files, 1);
    store_free(&b);
    CHECK_INT(recovery_repair(&L, &rep, err, sizeof err), 0);
    CHECK_INT(size_of(path), at);
    snprintf(side, sizeof side, "%s.damaged", path);
    CHECK_INT(size_of(side), size - at);
    auto_journal_path(&L, 2, path, sizeof path);
    snprintf(side, sizeof side, "%s.damaged", path);
    CHECK(size_of(path) == 0 && size_of(side) > 0); /* the later file went aside */
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK_INT(b.kv.count, 4);
    store_free(&b);
    store_free(&a);
}

static void test_missing_pieces(void) {
    char err[PATH_MAX + 512], path[PATH_MAX];
    ndb_store a, b;
    journal jn;
    recovery_report rep;
    auto_remove_tree(L.root);
    auto_layout_create(&L, err, sizeof err);
    store_init(&a, 0, 53);
    /* generations 1, 2, 3 of the journal; then 2 disappears */
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_NO, 1, NULL, err, sizeof err), 0);
    store_add_sink(&a, journal_sink, &jn);
    put(&a, NULL, "a", "1");
    CHECK_INT(journal_rotate(&jn, 2, err, sizeof err), 0);
    put(&a, NULL, "b", "1");
    CHECK_INT(journal_rotate(&jn, 3, err, sizeof err), 0);
    put(&a, NULL, "c", "1");
    journal_flush(&jn);
    store_remove_sink(&a, journal_sink, &jn);
    journal_close(&jn);
    auto_journal_path(&L, 2, path, sizeof path);
    unlink(path);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), -1);
    CHECK_STR(err, "journal file 2 is missing (the files go from 1 to 3): restore it from a backup, or move the "
                   "journal files after it away to recover what comes before it (their changes are lost)");
    CHECK(!rep.damaged);
    store_free(&b);
    auto_journal_path(&L, 1, path, sizeof path);
    unlink(path);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), -1);
    auto_journal_path(&L, 3, path, sizeof path);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "the journal starts with %s, but there is no complete automatic snapshot to start from (were "
             "snapshots deleted?)",
             path);
    CHECK_STR(err, want);
    store_free(&b);
    /* interrupted snapshots 1 and 2 (a save schedule's, without a journal)
     * explain the gap: journal 3 is the whole history */
    char snap1[PATH_MAX + 64];
    auto_snapshot_path(&L, 1, snap1, sizeof snap1);
    mkdir(snap1, 0755);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), -1); /* 2 is still unexplained */
    CHECK_STR(err, want);
    store_free(&b);
    auto_snapshot_path(&L, 2, snap1, sizeof snap1);
    mkdir(snap1, 0755);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK_INT(rep.base_gen, 0);
    CHECK_INT(b.kv.count, 1); /* c, the only record of journal 3 */
    store_free(&b);
    auto_remove_tree(snap1);
    auto_snapshot_path(&L, 1, snap1, sizeof snap1);
    auto_remove_tree(snap1);

    /* snapshots 3 (complete) and 4 (interrupted): 3 is used with journal 3 */
    uint64_t bytes;
    CHECK_INT(autosnap_write(&a, &L, 3, 1, &bytes, err, sizeof err), 0); /* holds a, b, c: journal 3 adds c again */
    char snap4[PATH_MAX + 64];
    auto_snapshot_path(&L, 4, snap4, sizeof snap4);
    mkdir(snap4, 0755);
    strcat(snap4, "/kv");
    mkdir(snap4, 0755);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK_INT(rep.base_gen, 3);
    CHECK_INT(rep.last_gen, 4);
    CHECK_INT(b.kv.count, 3);
    store_free(&b);
    /* retention after a later snapshot: older snapshots and journals go */
    CHECK_INT(autosnap_write(&a, &L, 5, 0, &bytes, err, sizeof err), 0); /* as a save schedule's, no journal */
    auto_retention(&L, 5, 1);
    auto_snapshot_path(&L, 3, path, sizeof path);
    CHECK_INT(size_of(path), 0);
    auto_journal_path(&L, 3, path, sizeof path);
    CHECK_INT(size_of(path), 0); /* older than the oldest snapshot kept */
    auto_snapshot_path(&L, 4, path, sizeof path);
    CHECK_INT(size_of(path), 0); /* the interrupted one */
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK_INT(rep.base_gen, 5);
    CHECK_INT(b.kv.count, 3);
    store_free(&b);
    /* a snapshot taken with a journal on, whose own journal file is gone:
     * the changes after it are missing, and recovery says so */
    CHECK_INT(autosnap_write(&a, &L, 6, 1, &bytes, err, sizeof err), 0);
    CHECK(autosnap_has_journal(&L, 6) && !autosnap_has_journal(&L, 5));
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), -1);
    auto_journal_path(&L, 6, path, sizeof path);
    char want6[PATH_MAX + 128];
    snprintf(want6, sizeof want6, "the journal after automatic snapshot 6 is missing: %s does not exist", path);
    CHECK_STR(err, want6);
    CHECK(!rep.damaged);
    store_free(&b);
    store_free(&a);
}

/* Under `always` the journal reserves its file's space ahead of the writes;
 * closing or rotating cuts a file back to its records, and after a crash
 * the reserved zeros are the clean end (a start-up cuts them off).  Zeros
 * with anything after them, or a unit that runs into zeros, stay a torn
 * tail. */
static void test_reserved_space(void) {
    char err[PATH_MAX + 512], p1[PATH_MAX], p2[PATH_MAX];
    ndb_store a, b;
    journal jn;
    recovery_report rep;
    strbuf da = STRBUF_INIT, db = STRBUF_INIT;
    auto_remove_tree(L.root);
    auto_layout_create(&L, err, sizeof err);
    store_init(&a, 0, 53);
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_ALWAYS, 1, NULL, err, sizeof err), 0);
    store_add_sink(&a, journal_sink, &jn);
    auto_journal_path(&L, 1, p1, sizeof p1);
    CHECK_INT(size_of(p1), JF_HEADER_SIZE); /* nothing reserved before the first write */
    put(&a, NULL, "a", "1");
    CHECK_INT(journal_flush(&jn), 0);
    uint64_t logical1 = jn.file_bytes;
    CHECK(size_of(p1) > logical1 + 1000000);
    CHECK_INT(size_of(p1), jn.reserved_to);
    CHECK_INT(journal_bytes(&jn), logical1); /* what recovery replays, not the reserved space */
    CHECK_INT(journal_rotate(&jn, 2, err, sizeof err), 0);
    CHECK_INT(size_of(p1), logical1); /* the finished file is cut back to its records */
    put(&a, NULL, "b", "\"two\"");
    put(&a, NULL, "c", "[3]");
    CHECK_INT(journal_flush(&jn), 0);
    auto_journal_path(&L, 2, p2, sizeof p2);
    uint64_t logical2 = jn.file_bytes, reserved2 = size_of(p2);
    CHECK(reserved2 > logical2 + 1000000);

    /* a crash now (kill -9): the file keeps its reserved zeros */
    store_remove_sink(&a, journal_sink, &jn);
    close(jn.fd);
    sb_free(&jn.buf);
    digest(&a, &da);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK(!rep.torn);
    CHECK_INT(rep.records, 3);
    CHECK_INT(rep.bytes, logical1 + logical2);
    CHECK_INT(rep.reserved_bytes, reserved2 - logical2);
    CHECK_INT(size_of(p2), reserved2); /* a check changes nothing */
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    store_free(&b);
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK(!rep.torn);
    CHECK_INT(rep.reserved_bytes, reserved2 - logical2);
    CHECK_INT(size_of(p2), logical2); /* a start-up releases it */
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    store_free(&b);

    /* zeros, then bytes: not a clean end but a torn tail (of the newest file) */
    int fd = open(p2, O_WRONLY);
    CHECK(pwrite(fd, "abc", 3, (off_t)(logical2 + 100)) == 3);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK(rep.torn && rep.torn_at == logical2 && rep.torn_bytes == 103);
    CHECK_INT(rep.reserved_bytes, 0);
    store_free(&b);
    /* the start of a record, then zeros: torn too */
    CHECK_INT(ftruncate(fd, (off_t)logical2), 0);
    CHECK(pwrite(fd, "\x30\x00\x00\x00\x01", 5, (off_t)logical2) == 5);
    CHECK_INT(ftruncate(fd, (off_t)(logical2 + 4096)), 0);
    CHECK_INT(recover(&a, &b, RECOVER_CHECK, &rep, err, sizeof err), 0);
    CHECK(rep.torn && rep.torn_at == logical2 && rep.torn_bytes == 5); /* the write; the zeros after it: */
    CHECK_INT(rep.reserved_bytes, 4096 - 5);
    store_free(&b);
    CHECK_INT(ftruncate(fd, (off_t)logical2), 0);
    close(fd);

    /* zeros after the records of an older file (a crash between a rotation
     * and its cut) are its clean end as well */
    fd = open(p1, O_WRONLY);
    CHECK_INT(ftruncate(fd, (off_t)(logical1 + 4096)), 0);
    close(fd);
    CHECK_INT(recover(&a, &b, RECOVER_START, &rep, err, sizeof err), 0);
    CHECK(!rep.torn);
    CHECK_INT(rep.records, 3);
    CHECK_INT(rep.reserved_bytes, 4096);
    CHECK_INT(size_of(p1), logical1);
    digest(&b, &db);
    CHECK_STR(db.buf, da.buf);
    store_free(&b);

    /* a journal under `always` closed normally leaves no reserved space */
    CHECK_INT(journal_open(&jn, L.journal, JOURNAL_ALWAYS, 3, NULL, err, sizeof err), 0);
    store_add_sink(&a, journal_sink, &jn);
    put(&a, NULL, "d", "4");
    CHECK_INT(journal_flush(&jn), 0);
    uint64_t logical3 = jn.file_bytes;
    store_remove_sink(&a, journal_sink, &jn);
    journal_close(&jn);
    auto_journal_path(&L, 3, p1, sizeof p1);
    CHECK_INT(size_of(p1), logical3);
    store_free(&a);
    sb_free(&da);
    sb_free(&db);
}

int main(void) {
    log_threshold = LOG_ERROR;
    if (!mkdtemp(dir)) return 1;
    auto_layout_init(&L, dir);
    char err[PATH_MAX + 64];
    if (auto_layout_create(&L, err, sizeof err)) return 1;
    test_roundtrip();
    test_damage_and_repair();
    test_missing_pieces();
    test_reserved_space();
    auto_remove_tree(dir);
    return UNIT_DONE();
}
