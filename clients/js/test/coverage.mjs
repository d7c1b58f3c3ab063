// coverage.mjs — which test file sends each command of ndb's command table
// (src/common/commands.def) to a real `ndb serve`.  node --test runs each
// file in a process of its own, so no single test can see what all the
// files sent; instead every command is given to one file here, each of
// those files ends with assertSent() (it did send all of its commands, as
// recorded by real.mjs), and commands.test.mjs checks that every command
// of commands.def is given to some file.  Together: a command that no test
// sends to a real server fails the run.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

const COMMANDS_DEF = new URL('../../../src/common/commands.def', import.meta.url);

export const REAL_TESTS = {
    'commands.test.mjs': ['KV_ADD', 'KV_ARR_APPEND', 'KV_CLEAR', 'KV_CLEAR_SET', 'KV_CONTAINS', 'KV_COUNT', 'KV_FIND',
        'KV_GET', 'KV_KEYS', 'KV_LOAD', 'KV_RMV', 'KV_SAVE', 'KV_SCAN', 'KV_SET', 'KV_UPDATE', 'SH_ADD', 'SH_CLEAR',
        'SH_CLEAR_SET', 'SH_CONTAINS', 'SH_COUNT', 'SH_END', 'SH_END_ALL', 'SH_EXISTS', 'SH_GET', 'SH_INFO',
        'SH_INFO_ALL', 'SH_KEYS', 'SH_LOAD', 'SH_NEW', 'SH_RMV', 'SH_SAVE', 'SH_SCAN', 'SH_SET', 'SV_INFO'],
    'auth.test.mjs': ['SV_AUTH'],
    'watch.test.mjs': ['KV_WATCH', 'KV_UNWATCH', 'SH_WATCH', 'SH_UNWATCH'],
    'expiry.test.mjs': ['KV_EXPIRE', 'KV_TTL', 'KV_PERSIST', 'SH_EXPIRE'],
    'atomic.test.mjs': ['KV_INCR', 'SH_INCR', 'KV_CAS'],
};

// The command names of commands.def, in its order.
export function commandsDef() {
    return [...readFileSync(COMMANDS_DEF, 'utf8').matchAll(/^NDB_COMMAND\(([A-Z_]+),/gm)].map((m) => m[1]);
}

// The file (a name in this directory) sent every command given to it.
export function assertSent(file, sent) {
    assert.ok(REAL_TESTS[file], `${file} has no entry in coverage.mjs`);
    const unsent = REAL_TESTS[file].filter((c) => !sent.has(c));
    assert.deepEqual(unsent, [], `commands ${file} should send to a real server but did not`);
}

// Every command of commands.def is given to a test file that exists, and
// nothing else is.
export function assertAllGiven() {
    const names = commandsDef();
    assert.ok(names.length >= 46, `only ${names.length} commands read from commands.def`);
    const given = Object.values(REAL_TESTS).flat();
    assert.deepEqual(names.filter((n) => !given.includes(n)), [], 'commands of commands.def no real-server test is given');
    assert.deepEqual(given.filter((n) => !names.includes(n)), [], 'commands given here that commands.def does not have');
    assert.equal(new Set(given).size, given.length, 'a command given to two files');
    for (const file of Object.keys(REAL_TESTS)) assert.ok(existsSync(new URL(file, import.meta.url)), `no test file ${file}`);
}
