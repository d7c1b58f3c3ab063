// atomic.test.mjs — counters and compare-and-set against a real `ndb serve`
// (docs/protocol.md KV_INCR, SH_INCR, KV_CAS): exact sums (64-bit integers
// as BigInt, doubles in their shortest form), all-or-nothing refusals, the
// TTL a counter keeps, and compare-and-set's match rules, removal and lease.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, test } from 'node:test';
import { JsonNumber, JsonText } from '../ndb.js';
import { assertSent } from './coverage.mjs';
import { assertTtl, client, closeClients, refused, SENT } from './real.mjs';
import { Server } from './server.mjs';

let server, db;

before(async () => {
    server = await Server.start();
    db = await client(server.url);
});
after(async () => {
    closeClients();
    await server.stop();
});
afterEach(async () => { await db.kv.clear(); });

test('kv.incr: new values in request order; a missing key starts at 0; exact 64-bit sums; refusals change nothing', async () => {
    assert.deepEqual(await db.kv.incr({ hits: 1, score: -2.5 }), { hits: 1, score: -2.5 });
    assert.deepEqual(await db.kv.incr({ score: 0.1, hits: 41 }), { score: -2.4, hits: 42 });
    await db.kv.set({ name: 'Bob', big: 9223372036854775806n });
    assert.deepEqual(await db.kv.incr({ big: 1 }), { big: 9223372036854775807n });
    await refused(db.kv.incr({ hits: 1, name: 1 }), 'KV_INCR', 41, 'the value of key "name" is not a number');
    await refused(db.kv.incr({ big: 1 }), 'KV_INCR', 42, 'the sum of key "big" would overflow');
    await refused(db.kv.incr({ hits: '1' }), 'KV_INCR', 41, 'the increment of key "hits" is not a number');
    assert.deepEqual(await db.kv.get(['hits', 'big'], { text: true }), { hits: '42', big: '9223372036854775807' });
    // the counter keeps its TTL
    await db.kv.set({ rate: 0 }, { ttl: 600 });
    assert.deepEqual(await db.kv.incr({ rate: 1 }), { rate: 1 });
    const { rate } = await db.kv.ttl('rate');
    assert.ok(rate > 0 && rate <= 600, `TTL ${rate}`);
});

test('kv.incr under numbers "exact": an integral double sum is a JsonNumber 1.0, and a JsonNumber increment is a double', async () => {
    // the server writes an integral double sum with .0 (it stays a double); exact mode
    // keeps that text, as ndb.d.ts says incr may answer
    const exact = await client(server.url, { numbers: 'exact' });
    assert.deepEqual(await exact.kv.incr({ half: 0.5 }), { half: 0.5 });
    assert.deepEqual(await exact.kv.incr({ half: 0.5, one: new JsonNumber('1.0'), n: 1 }),
        { half: new JsonNumber('1.0'), one: new JsonNumber('1.0'), n: 1 });
    assert.deepEqual(await exact.kv.get(['half', 'one', 'n'], { text: true }), { half: '1.0', one: '1.0', n: '1' });
    // the default mode reads the same sums as plain numbers
    assert.deepEqual(await db.kv.incr({ half: 1, one: 1 }), { half: 2, one: 2 });
});

test('session(t).incr, and 100 for a session that does not exist', async () => {
    const t = await db.sessions.create();
    const s = db.session(t);
    assert.deepEqual(await s.incr({ views: 1 }), { views: 1 });
    assert.deepEqual(await s.incr({ views: 2, likes: 0.5 }), { views: 3, likes: 0.5 });
    assert.deepEqual(await s.get(['views', 'likes']), { views: 3, likes: 0.5 });
    await refused(s.incr({ views: 'x' }), 'SH_INCR', 41, 'the increment of key "views" is not a number');
    await s.end();
    await refused(s.incr({ views: 1 }), 'SH_INCR', 100, '');
});

test('the README\'s one-time password: five codes a minute, five guesses a code, each used once even by two verifiers racing', async () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const code = /## A one-time password\n[^]*?```js\n([^]*?)```/.exec(readme)[1];
    // its one import is given to it as an argument
    const body = code.replace("import { randomInt } from 'node:crypto';\n", '');
    assert.doesNotMatch(body, /import/);
    const { sendCode, verify } = new Function('randomInt', `${body}; return { sendCode, verify };`)(randomInt);
    const other = await client(server.url);
    const c = await sendCode(db, 'ann');
    assert.match(c, /^[0-9]{6}$/);
    assertTtl((await db.kv.ttl('otp:ann'))['otp:ann'], 300);
    assert.equal(await verify(db, 'ann', c === '000000' ? '000001' : '000000'), false); // wrong: the code stays
    assert.deepEqual((await Promise.all([verify(db, 'ann', c), verify(other, 'ann', c)])).sort(), [false, true]);
    assert.equal(await verify(db, 'ann', c), false); // used
    // five guesses a code: the sixth, right or not, is false, and a new code starts again
    const c2 = await sendCode(db, 'ann');
    const wrong = c2 === '000000' ? '000001' : '000000';
    for (let i = 1; i <= 5; i++) assert.equal(await verify(db, 'ann', wrong), false);
    assert.equal(await verify(db, 'ann', c2), false);
    assert.equal(await db.kv.get('otp:ann'), c2); // not used up: only no longer guessable
    assertTtl((await db.kv.ttl('tries:ann'))['tries:ann'], 300);
    const c3 = await sendCode(db, 'ann');
    assert.equal(await verify(db, 'ann', c3), true);
    // a guess for a user without a code leaves a counter that expires, not one kept for ever
    assert.equal(await verify(db, 'bob', '123456'), false);
    assertTtl((await db.kv.ttl('tries:bob'))['tries:bob'], 300);
    for (let i = 4; i <= 5; i++) assert.notEqual(await sendCode(db, 'ann'), null);
    assert.equal(await sendCode(db, 'ann'), null); // the sixth in the minute
    assert.equal(await db.kv.get('rl:ann'), 6);
    assertTtl((await db.kv.ttl('rl:ann'))['rl:ann'], 60);
});

test('kv.cas: null expects no key; a match stores, a mismatch changes nothing; equal as JSON, not as text', async () => {
    assert.equal(await db.kv.cas('lock', null, 'me'), true);
    assert.equal(await db.kv.cas('lock', null, 'you'), false);
    assert.equal(await db.kv.get('lock'), 'me');
    assert.equal(await db.kv.cas('lock', 'you', 'them'), false);
    assert.equal(await db.kv.cas('lock', 'me', 'you'), true);
    assert.equal(await db.kv.get('lock'), 'you');
    await db.kv.set({ cfg: { v: 1, tags: ['a'] }, nil: null });
    assert.equal(await db.kv.cas('cfg', { tags: ['a'], v: new JsonText('1.0') }, { v: 2 }), true);
    assert.deepEqual(await db.kv.get('cfg'), { v: 2 });
    assert.equal(await db.kv.cas('nil', null, 1), false); // a stored null is not "no key"
    // expect left undefined: a TypeError naming it, where the server's 26 named nothing
    assert.throws(() => db.kv.cas('cfg', undefined, 1), { name: 'TypeError', message: 'kv.cas: expect is undefined (null: the key must not exist)' });
});

test('kv.cas without a value removes the key on a match; with ttl the stored value expires (a lease)', async () => {
    assert.equal(await db.kv.cas('lock', null, 'me', { ttl: 30 }), true);
    const { lock } = await db.kv.ttl('lock');
    assert.ok(lock > 0 && lock <= 30, `TTL ${lock}`);
    assert.equal(await db.kv.cas('lock', 'you'), false);
    assert.equal(await db.kv.get('lock'), 'me');
    assert.equal(await db.kv.cas('lock', 'me'), true); // released
    assert.deepEqual(await db.kv.contains('lock'), []);
    await refused(db.kv.cas('lock', null, undefined, { ttl: 5 }), 'KV_CAS', 13, "'ttl' needs 'value'");
});

test('this file sent KV_INCR, SH_INCR and KV_CAS to a real server', () => {
    assertSent('atomic.test.mjs', SENT);
});
