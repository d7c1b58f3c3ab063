// fake.test.mjs — the client's side of issues 14 (SV_AUTH, statuses 43, 44,
// 45) and 17 (watches and pushed events, expiry, counters, compare-and-set)
// against the fake server of fake.mjs, which speaks exactly the shapes of
// those issues; and what only a fake can stage: a late answer after a
// timeout, a message that answers nothing.  When the real server has these
// commands, their tests move to the real-server files (commands.test.mjs
// lists them in FAKE_ONLY).
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { connect, NdbError, NdbTimeoutError } from '../ndb.js';
import { FAKE_ONLY } from './fake_only.mjs';
import { ALL_COMMANDS, FakeServer } from './fake.mjs';

let fake;
const clients = [];
before(async () => { fake = await FakeServer.start(); });
after(async () => { await fake.stop(); });
afterEach(() => { while (clients.length) clients.pop().close(); });

// A client of the fake server, closed after the test.
async function client(options = {}, f = fake) {
    const db = await connect(f.url, { minDelay: 10, maxDelay: 50, ...options });
    clients.push(db);
    return db;
}

function once(db, name) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${name}" event`)), 10000);
        const fn = (arg) => {
            clearTimeout(t);
            db.off(name, fn);
            resolve(arg);
        };
        db.on(name, fn);
    });
}

// The next n events of an async iterator (bounded: never hangs a test).
async function take(it, n) {
    const out = [];
    const iter = it[Symbol.asyncIterator]();
    for (let i = 0; i < n; i++) {
        const r = await Promise.race([iter.next(), new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${i} of ${n} events`)), 10000))]);
        if (r.done) break;
        out.push(r.value);
    }
    return out;
}

test('authentication: 43 before SV_AUTH, the role after it, 44 for a wrong password, 45 above the role', async () => {
    const f = await FakeServer.start({ auth: true });
    try {
        const db = await client({}, f);
        const e = await db.kv.count().then(() => assert.fail('should fail'), (x) => x);
        assert.ok(e instanceof NdbError);
        assert.deepEqual([e.command, e.status, e.serverMessage], ['KV_COUNT', 43, 'authentication required']);
        assert.equal(e.message, 'KV_COUNT: AuthRequired (43): authentication required');
        const bad = await db.auth('alice', 'nope').then(() => assert.fail('should fail'), (x) => x);
        assert.deepEqual([bad.command, bad.status, bad.serverMessage], ['SV_AUTH', 44, 'wrong user name or password']);
        assert.equal(db.role, null);
        assert.deepEqual(await db.auth('alice', 'secret'), { role: 'write', user: 'alice' });
        assert.deepEqual([db.user, db.role], ['alice', 'write']);
        await db.kv.set({ a: 1 });
        assert.equal(await db.kv.count(), 1);

        const reader = await client({ user: 'rita', password: 'pw' }, f);
        assert.equal(reader.role, 'read');
        assert.equal(await reader.kv.get('a'), 1);
        const denied = await reader.kv.set({ a: 2 }).then(() => assert.fail('should fail'), (x) => x);
        assert.deepEqual([denied.command, denied.status, denied.serverMessage], ['KV_SET', 45, 'KV_SET needs the write role']);
    } finally {
        clients.splice(0).forEach((c) => c.close());
        await f.stop();
    }
});

test('credentials in the options: refused at connect (no retry); sent again, first, on every reconnection', async () => {
    const f = await FakeServer.start({ auth: true });
    try {
        const e = await connect(f.url, { user: 'alice', password: 'wrong' }).then(() => assert.fail('should fail'), (x) => x);
        assert.ok(e instanceof NdbError);
        assert.equal(e.status, 44);
        assert.equal(f.commands().filter((c) => c === 'SV_AUTH').length, 1); // not retried

        const db = await client({ user: 'alice', password: 'secret' }, f);
        await db.kv.set({ k: 1 });
        const reopened = once(db, 'open');
        f.received.length = 0;
        f.drop();
        await reopened;
        assert.equal(db.role, 'write');
        assert.equal(await db.kv.get('k'), 1);
        assert.deepEqual(f.commands(), ['SV_AUTH', 'KV_GET']);
    } finally {
        clients.splice(0).forEach((c) => c.close());
        await f.stop();
    }
});

test('watch: events arrive between answers and go to their watcher, in order', async () => {
    const db = await client();
    const writer = await client();
    const w = await db.kv.watch({ prefix: 'user:' }, { values: true });
    assert.equal(typeof w.id, 'number');
    await writer.kv.set({ 'user:1': { name: 'Ann' }, other: 1, 'user:2': 2 });
    const evs = await take(w, 2);
    assert.deepEqual(evs, [
        { id: w.id, key: 'user:1', op: 'set', value: { name: 'Ann' } },
        { id: w.id, key: 'user:2', op: 'set', value: 2 },
    ]);
    // the watcher's own write: the answer first, then its event (as read off the wire)
    const order = [];
    const all = (ev) => order.push(`event ${ev.key}`);
    db.on('event', all);
    await db.request('KV_SET', { keys: { 'user:3': 3 } }, { onReply: () => order.push('answer') });
    assert.deepEqual(await take(w, 1), [{ id: w.id, key: 'user:3', op: 'set', value: 3 }]);
    assert.deepEqual(order, ['answer', 'event user:3']);
    db.off('event', all);
    await w.close();
    assert.equal(fake.commands().at(-1), 'KV_UNWATCH');
});

test('watch with a callback, on keys, values as exact text; close() stops the events', async () => {
    const db = await client();
    const seen = [];
    const w = await db.kv.watch({ keys: ['cfg'] }, { values: true, text: true }, (ev) => seen.push(ev));
    await db.kv.set({ cfg: { a: [1, 2] }, nope: 1 });
    await db.kv.count(); // a round trip: the event came before this answer
    assert.deepEqual(seen, [{ id: w.id, key: 'cfg', op: 'set', value: '{"a":[1,2]}' }]);
    await w.close();
    await db.kv.set({ cfg: 2 });
    await db.kv.count();
    assert.equal(seen.length, 1);
    assert.equal(w.ended, true);
});

test('watch: the server\'s overflow event ends the watcher after it is read', async () => {
    const db = await client();
    const w = await db.kv.watch({ prefix: '' });
    fake.pushAll(JSON.stringify({ KV_EVENT: { id: w.id, op: 'overflow' } }));
    const evs = await take(w, 5);
    assert.deepEqual(evs, [{ id: w.id, op: 'overflow' }]);
    assert.equal(w.ended, true);
});

test('watch: a reader that falls behind by maxBuffered events gets an overflow, and the watch ends', async () => {
    const db = await client();
    const w = await db.kv.watch({ prefix: 'burst:' }, { maxBuffered: 3 });
    await db.kv.set({ 'burst:1': 1, 'burst:2': 2, 'burst:3': 3, 'burst:4': 4, 'burst:5': 5 });
    await db.kv.count();
    const evs = await take(w, 10);
    assert.deepEqual(evs.map((e) => e.key ?? e.op), ['burst:1', 'burst:2', 'burst:3', 'overflow']);
    assert.equal(w.ended, true);
});

test('watch: renewed after a reconnection, with a "reconnect" event first', async () => {
    const db = await client();
    const w = await db.kv.watch({ prefix: 'r:' });
    const first = w.id;
    const reopened = once(db, 'open');
    fake.drop();
    await reopened;
    assert.notEqual(w.id, first);
    await db.kv.set({ 'r:1': 1 });
    assert.deepEqual(await take(w, 2), [{ id: w.id, op: 'reconnect' }, { id: w.id, key: 'r:1', op: 'set' }]);
    await w.close();
});

test('sessions.watch and session(t).watch: new and end events', async () => {
    const db = await client();
    const all = await db.sessions.watch({ all: true });
    const t = await db.sessions.create();
    const one = await db.session(t).watch();
    await db.sessions.end(t);
    assert.deepEqual(await take(all, 2), [{ id: all.id, op: 'new', tkn: t }, { id: all.id, op: 'end', tkn: t }]);
    assert.deepEqual(await take(one, 1), [{ id: one.id, op: 'end', tkn: t }]);
    await all.close();
    await one.close();
    assert.equal(fake.commands().at(-1), 'SH_UNWATCH');
});

test('a watch the server refuses rejects with its NdbError', async () => {
    const db = await client();
    fake.received.length = 0;
    const e = await db.request('KV_NOPE', {}).then(() => assert.fail('should fail'), (x) => x);
    assert.equal(e.status, 10);
    // closing a watch the server no longer has is quiet
    const w = await db.kv.watch({ keys: ['x'] });
    fake.watches.clear();
    await w.close();
});

test('expiry, counters and compare-and-set (issue 17 shapes)', async () => {
    const db = await client();
    await db.kv.set({ otp: '1234', hits: 1 });
    assert.deepEqual(await db.kv.expire({ otp: 30, missing: 5 }), { otp: true, missing: false });
    assert.deepEqual(await db.kv.ttl(['otp', 'hits', 'missing']), { otp: 29.5, hits: null });
    assert.deepEqual(await db.kv.persist(['otp', 'hits', 'missing']), { otp: true, hits: false });
    assert.deepEqual(await db.kv.incr({ hits: 2, fresh: -2.5 }), { hits: 3, fresh: -2.5 });
    assert.equal(await db.kv.cas('lock', null, 'me'), true);
    assert.equal(await db.kv.cas('lock', null, 'you'), false);
    assert.equal(await db.kv.cas('lock', 'me', 'you'), true);
    const t = await db.sessions.create();
    assert.deepEqual(await db.session(t).incr({ n: 5 }), { n: 5 });
    assert.equal(await db.session(t).expire({ duration: 60, deleteSession: true }), undefined);
    assert.equal(fake.received.at(-1), `{"SH_EXPIRE":{"tkn":${t},"expiry":{"duration":60,"deleteSession":true}}}`);
    await db.session(t).expire();
    assert.equal(fake.received.at(-1), `{"SH_EXPIRE":{"tkn":${t},"expiry":{"duration":0}}}`);
    await db.kv.set({ tmp: 1 }, { ttl: 30 });
    await db.kv.add({ tmp2: 1 }, { ttl: 0.5 });
    assert.deepEqual(fake.received.slice(-2), ['{"KV_SET":{"keys":{"tmp":1},"ttl":30}}', '{"KV_ADD":{"keys":{"tmp2":1},"ttl":0.5}}']);
});

test('an answer that comes after its timeout is dropped; the answers after it still match', async () => {
    const db = await client();
    await db.kv.set({ slow: 'late', fast: 'ok' });
    fake.delays.set('{"KV_GET":{"keys":["slow"]}}', 300);
    const slow = db.kv.get('slow', { timeout: 100 });
    const fast = db.kv.get('fast');
    // something arrives meanwhile, so the connection is not taken for dead
    setTimeout(() => fake.pushAll('{"KV_EVENT":{"id":999,"op":"set","key":"x"}}'), 20);
    await assert.rejects(slow, NdbTimeoutError);
    assert.equal(await fast, 'ok');
    assert.equal(await db.kv.get('slow'), 'late');
    assert.equal(db.state, 'open');
});

test('a message that answers no request is reported as an error, and nothing breaks', async () => {
    const db = await client();
    const err = once(db, 'error');
    fake.pushAll('{"KV_GET_RSP":{"keys":{},"st":1}}');
    assert.match((await err).message, /^a message that answers no request: \{"KV_GET_RSP"/);
    assert.equal(await db.kv.count(), fake.kv.size);
});

test('every command tested only here was sent to the fake server', () => {
    assert.deepEqual(FAKE_ONLY.filter((c) => !ALL_COMMANDS.has(c)), []);
});
