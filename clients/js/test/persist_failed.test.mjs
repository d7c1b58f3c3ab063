// persist_failed.test.mjs — status 124 (PersistFailed) from a real
// `ndb serve` whose journal cannot be synced: the server runs under the
// fault shim of tests/durability (build/libndb_fault_shim.so, preloaded),
// which makes fdatasync of the journal fail with ENOSPC while a file
// exists — as tests/cli/journal.bats does.  The client must carry the
// server's reason in the NdbError, keep reading, and write again once the
// server has recovered by itself.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { client, closeClients, refused, until } from './real.mjs';
import { NDB, Server } from './server.mjs';

// Built beside the ndb binary by CMake (target ndb_fault_shim).
const SHIM = process.env.NDB_FAULT_SHIM || join(dirname(NDB), 'libndb_fault_shim.so');

let dir, fault, server;

before(async () => {
    if (!existsSync(SHIM)) return;
    dir = mkdtempSync(join(tmpdir(), 'ndb-js-124-'));
    fault = join(dir, 'fault'); // the fault is on while this file exists
    mkdirSync(join(dir, 'data'));
    server = await Server.start(['--persist-path', join(dir, 'data'), '--journal', 'everysec'], 0, {
        env: {
            LD_PRELOAD: SHIM, NDB_FAULT_FILE: fault, NDB_FAULT_PATH: '/@ndb/journal/',
            NDB_FAULT_OPS: 'fsync', NDB_FAULT_ERRNO: '28',
            // an ASan build wants its runtime first; the shim comes first here
            ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0'].filter(Boolean).join(':'),
        },
    });
});

after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(closeClients);

test('124: writes are refused with the server\'s reason while the journal cannot be synced; reads go on; writes come back', async (t) => {
    if (!existsSync(SHIM)) return t.skip(`no fault shim at ${SHIM} (build the ndb_fault_shim target)`);
    const db = await client(server.url);
    const refusing = async () => (await db.info()).persistence.writesRefused;
    assert.equal(await refusing(), false);
    // The fault goes on before the first write, so that no sync is pending
    // when it does: the sync of an earlier write could fail first and have
    // this write refused, depending on timing.
    writeFileSync(fault, '');
    await db.kv.set({ a: 1, b: 2 }); // everysec: answered once written; its sync, within a second, fails
    await until(refusing, 'writes refused');
    const m = `writes are refused: the journal cannot be written (fdatasync of journal file ${dir}/data/@ndb/journal/00000000000000000001.jnl failed: No space left on device)`;
    const e = await refused(db.kv.set({ c: 3 }), 'KV_SET', 124, m);
    assert.equal(e.message, `KV_SET: PersistFailed (124): ${m}`);
    assert.deepEqual(e.response, { m, st: 124, tkn: null });
    await refused(db.kv.incr({ n: 1 }), 'KV_INCR', 124, m);
    await refused(db.sessions.create(), 'SH_NEW', 124, m);
    await refused(db.kv.rmv('a'), 'KV_RMV', 124, m);
    assert.deepEqual(await db.kv.get(['a', 'b', 'c']), { a: 1, b: 2 });
    assert.equal((await db.info()).persistence.writesRefusedReason, m);
    rmSync(fault);
    await until(async () => !(await refusing()), 'writes accepted again', 20000);
    await db.kv.set({ c: 3 });
    assert.deepEqual(await db.kv.keys(), ['a', 'b', 'c']);
});
