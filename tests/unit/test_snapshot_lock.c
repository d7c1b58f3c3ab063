/*
 * test_snapshot_lock.c — the lock a save holds on its snapshot directory
 * (snapshot.h: snap_lock_dir, snap_dir_busy).  Retention on a shared
 * persist path probes that lock to tell another server's save in progress
 * from a crashed save's debris; a save whose directory is probed at the
 * moment it locks must wait for the probe, not go on unlocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/snapshot.h"
#include "unit.h"

static char dir[] = "/tmp/ndb-snaplock-XXXXXX";

/* A probe that holds the lock for 20 ms, then lets go. */
static void *release_later(void *arg) {
    struct timespec pause = {0, 20 * 1000000};
    nanosleep(&pause, NULL);
    close(*(int *)arg);
    return NULL;
}

int main(void) {
    if (!mkdtemp(dir)) return 1;

    /* nobody holds it: locked at once, and busy for everyone else */
    int fd = snap_lock_dir(dir);
    CHECK(fd >= 0);
    CHECK_INT(snap_dir_busy(dir), 1);
    close(fd);
    CHECK_INT(snap_dir_busy(dir), 0);

    /* a probe holds it at that instant: the save waits and gets it */
    int probe = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_INT(flock(probe, LOCK_EX | LOCK_NB), 0);
    pthread_t t;
    pthread_create(&t, NULL, release_later, &probe);
    fd = snap_lock_dir(dir);
    pthread_join(t, NULL);
    CHECK(fd >= 0);
    CHECK_INT(snap_dir_busy(dir), 1);
    close(fd);

    /* held for good (another save's): refused after the wait, errno said */
    probe = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_INT(flock(probe, LOCK_EX | LOCK_NB), 0);
    errno = 0;
    CHECK_INT(snap_lock_dir(dir), -1);
    CHECK_INT(errno, EWOULDBLOCK);
    close(probe);

    /* gone: refused */
    CHECK_INT(snap_lock_dir("/tmp/ndb-snaplock-missing/x"), -1);

    rmdir(dir);
    return UNIT_DONE();
}
