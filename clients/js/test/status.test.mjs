// status.test.mjs — the client's status names (lib/errors.js) are ndb's
// (src/common/status.def): every status the server can send has an entry,
// under the same name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { STATUS, statusName } from '../ndb.js';

const STATUS_DEF = new URL('../../../src/common/status.def', import.meta.url);

test('every status of status.def is known to the client, under the same name', () => {
    const def = [...readFileSync(STATUS_DEF, 'utf8').matchAll(/^NDB_STATUS\((\d+), [A-Z_]+, "([A-Za-z]+)",/gm)]
        .map((m) => [Number(m[1]), m[2]]);
    assert.ok(def.length >= 27);
    for (const [value, name] of def) assert.equal(STATUS[value]?.[0], name, `status ${value}`);
    assert.equal(statusName(42), 'ValueSize (42)');
    assert.equal(statusName(77), 'status 77');
});
