// expiry.test.mjs — key and session expiry against a real `ndb serve`
// (docs/protocol.md "Key expiry", SH_EXPIRE): `ttl` on set and add,
// kv.expire, kv.ttl, kv.persist, session(t).expire, with exact results and
// the server's refusals.  TTLs left are compared as ranges (time passes
// between a write and the read of its TTL); a key's removal is waited for,
// never slept for.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { assertSent } from './coverage.mjs';
import { assertTtl, client, closeClients, refused, SENT, until } from './real.mjs';
import { Server } from './server.mjs';

const TTL_RANGE = "'ttl' must be more than 0 and at most 315360000 seconds (10 years), with at most 3 decimals";

let server, db;

// --session-check-ms 20: expired keys go within 20 ms even untouched.
before(async () => {
    server = await Server.start(['--session-check-ms', '20']);
    db = await client(server.url);
});
after(async () => {
    closeClients();
    await server.stop();
});
afterEach(async () => { await db.kv.clear(); });


test('set and add with ttl; ttl() answers seconds left, null for no TTL, nothing for missing keys', async () => {
    await db.kv.set({ otp: '123456', code: 7 }, { ttl: 3600 });
    await db.kv.add({ code: 8, fresh: 1 }, { ttl: 60 }); // add gives its TTL to the keys it creates only
    await db.kv.set({ plain: 1 });
    const ttl = await db.kv.ttl(['otp', 'code', 'fresh', 'plain', 'nope']);
    assert.deepEqual(Object.keys(ttl), ['otp', 'code', 'fresh', 'plain']);
    assertTtl(ttl.otp, 3600);
    assertTtl(ttl.code, 3600);
    assert.ok(ttl.code > 60, 'add left the TTL of an existing key alone');
    assertTtl(ttl.fresh, 60);
    assert.equal(ttl.plain, null);
    assert.deepEqual(await db.kv.get(['otp', 'code']), { otp: '123456', code: 7 });
    assert.deepEqual(Object.keys(await db.kv.ttl('otp')), ['otp']); // one key as a string
    // set without ttl: the key no longer expires
    await db.kv.set({ otp: 'new' });
    assert.deepEqual(await db.kv.ttl('otp'), { otp: null });
    await refused(db.kv.set({ a: 1 }, { ttl: 0 }), 'KV_SET', 42, TTL_RANGE);
    await refused(db.kv.set({ a: 1 }, { ttl: '30' }), 'KV_SET', 41, "'ttl' must be a number of seconds");
    await refused(db.kv.add({ a: 1 }, { ttl: 0.0001 }), 'KV_ADD', 42, TTL_RANGE);
    await refused(db.kv.set({ a: 1 }, { ttl: 315360000.001 }), 'KV_SET', 42, TTL_RANGE);
    assert.deepEqual(await db.kv.contains('a'), []);
});

test('expire() answers per key; all TTLs are checked before any changes; persist() answers per key', async () => {
    await db.kv.set({ otp: '123456', plain: 1 });
    assert.deepEqual(await db.kv.expire({ otp: 30, nope: 30 }), { otp: true, nope: false });
    assertTtl((await db.kv.ttl('otp')).otp, 30);
    await refused(db.kv.expire({ plain: 30, otp: -1 }), 'KV_EXPIRE', 42,
        "each TTL in 'keys' must be more than 0 and at most 315360000 seconds (10 years), with at most 3 decimals");
    assert.deepEqual(await db.kv.ttl('plain'), { plain: null }); // nothing changed
    await refused(db.request('KV_EXPIRE', { keys: ['otp'] }), 'KV_EXPIRE', 41, 'Param type incorrect');
    assert.deepEqual(await db.kv.persist(['otp', 'plain', 'nope']), { otp: true, plain: false });
    assert.deepEqual(await db.kv.ttl(['otp', 'plain']), { otp: null, plain: null });
    assert.deepEqual(await db.kv.persist('otp'), { otp: false });
});

test('a TTL worked out in floating point goes as the milliseconds it stands for; one of four decimals is still refused', async () => {
    // 100.1 * 3 is 300.29999999999995 in a double: sent as it is, the
    // server would refuse it (more than three decimals)
    await db.kv.set({ a: 1 }, { ttl: 100.1 * 3 });
    assertTtl((await db.kv.ttl('a')).a, 300.3);
    await db.kv.add({ b: 1 }, { ttl: 33.3 * 3 }); // 99.89999999999999
    assertTtl((await db.kv.ttl('b')).b, 99.9);
    assert.equal(await db.kv.clearSet({ c: 1 }, { ttl: 600.7 * 3 }), 2); // 1802.1000000000001
    assertTtl((await db.kv.ttl('c')).c, 1802.1);
    assert.deepEqual(await db.kv.expire({ c: 60.3 * 3 }), { c: true }); // 180.89999999999998
    assertTtl((await db.kv.ttl('c')).c, 180.9);
    assert.equal(await db.kv.cas('lock', null, 'me', { ttl: 100.1 * 3 }), true);
    assertTtl((await db.kv.ttl('lock')).lock, 300.3);
    await refused(db.kv.set({ d: 1 }, { ttl: 1.2345 }), 'KV_SET', 42, TTL_RANGE);
    await refused(db.kv.expire({ c: 0.0001 }), 'KV_EXPIRE', 42,
        "each TTL in 'keys' must be more than 0 and at most 315360000 seconds (10 years), with at most 3 decimals");
});

test('a key whose TTL passes is gone for every command', async () => {
    await db.kv.set({ stays: 2 });
    await db.kv.set({ short: 1 }, { ttl: 0.05 });
    await until(async () => (await db.kv.count()) === 1, 'the key expired');
    assert.deepEqual(await db.kv.keys(), ['stays']);
    assert.deepEqual(await db.kv.get(['short', 'stays']), { stays: 2 });
    assert.deepEqual(await db.kv.ttl(['short']), {});
    assert.deepEqual(await db.kv.expire({ short: 5 }), { short: false });
});

test('session(t).expire: new settings from now; no duration: never expires; 100 and 26 refusals', async () => {
    const t = await db.sessions.create();
    const s = db.session(t);
    assert.equal(await s.expire({ duration: 600, deleteSession: true }), undefined);
    const info = await s.info();
    assert.ok(info.expiry.remaining > 0 && info.expiry.remaining <= 600, `remaining ${info.expiry.remaining}`);
    assert.deepEqual({ ...info, expiry: { ...info.expiry, remaining: 0 } }, {
        expires: true, keyCnt: 0, shared: false, tkn: t,
        expiry: { deleteSession: true, duration: 600, extendOnGet: false, extendOnSetAdd: false, remaining: 0 },
    });
    await s.expire({ duration: 0 });
    assert.deepEqual(await s.info(), { expires: false, keyCnt: 0, shared: false, tkn: t });
    await s.expire({ duration: 60, extendOnGet: true });
    await s.expire(); // no settings: never expires
    assert.deepEqual(await s.info(), { expires: false, keyCnt: 0, shared: false, tkn: t });
    await refused(s.expire({ duration: 315360001 }), 'SH_EXPIRE', 42, "'duration' exceeds 315360000 seconds (10 years)");
    await refused(db.request('SH_EXPIRE', { tkn: t }), 'SH_EXPIRE', 26, 'Missing parameter');
    await s.end();
    await refused(s.expire({ duration: 60 }), 'SH_EXPIRE', 100, '');
});

test('sessions.create and session(t).expire: a flag without a duration throws a TypeError and sends nothing', async () => {
    const m = { name: 'TypeError', message: 'deleteSession, extendOnGet and extendOnSetAdd need a duration (0: never expires)' };
    const before = (await db.sessions.infoAll()).totalSessions;
    assert.throws(() => db.sessions.create({ deleteSession: true }), m);
    assert.throws(() => db.sessions.create({ extendOnGet: true, duration: undefined }), m);
    assert.equal((await db.sessions.infoAll()).totalSessions, before); // no session that never expires
    const s = db.session(await db.sessions.create({ duration: 600, deleteSession: true }));
    assert.throws(() => s.expire({ extendOnSetAdd: true }), m);
    const info = await s.info();
    assert.deepEqual([info.expires, info.expiry.duration, info.expiry.deleteSession], [true, 600, true]);
    // an explicit 0 is "never", flags or not; flags left false need no duration
    const t = await db.sessions.create({ duration: 0, deleteSession: true });
    assert.deepEqual(await db.sessions.info(t), { expires: false, keyCnt: 0, shared: false, tkn: t });
    await s.expire({ deleteSession: false });
    assert.equal((await s.info()).expires, false);
    await s.end();
    await db.sessions.end(t);
});

test('sessions.create and session(t).expire: a duration that is not a whole number of seconds throws a TypeError and sends nothing', async () => {
    const m = (got) => ({ name: 'TypeError', message: `the expiry's duration is a whole number of seconds, 0 or more (0: never expires); got ${got}` });
    const before = (await db.sessions.infoAll()).totalSessions;
    // NaN (Number('abc') from a form) made a session that never expires, deleteSession or not
    assert.throws(() => db.sessions.create({ duration: NaN, deleteSession: true }), m('the number NaN'));
    // these got only ValueTypeInvalid (41): Param type incorrect
    assert.throws(() => db.sessions.create({ duration: 0.3 }), m('the number 0.3'));
    assert.throws(() => db.sessions.create({ duration: -1 }), m('the number -1'));
    assert.throws(() => db.sessions.create({ duration: '600' }), m('the string "600"'));
    assert.equal((await db.sessions.infoAll()).totalSessions, before);
    const s = db.session(await db.sessions.create({ duration: 600n }));
    assert.equal((await s.info()).expiry.duration, 600);
    assert.throws(() => s.expire({ duration: 1.5, deleteSession: true }), m('the number 1.5'));
    assert.throws(() => s.expire({ duration: Infinity }), m('the number Infinity'));
    assert.equal((await s.info()).expiry.duration, 600); // unchanged
    await s.end();
});

test('sessions.create and session(t).expire take an object of the four settings: create(600) or {ttl: 600} is a TypeError, not a session that never expires', async () => {
    const before = (await db.sessions.infoAll()).totalSessions;
    const notObject = (got) => ({ name: 'TypeError', message: `the expiry settings are an object such as {duration: 600, deleteSession: true}; got ${got}` });
    const known = 'the settings are duration, deleteSession, extendOnGet, extendOnSetAdd';
    assert.throws(() => db.sessions.create(600), notObject('the number 600'));
    assert.throws(() => db.sessions.create('600'), notObject('the string "600"'));
    assert.throws(() => db.sessions.create({ ttl: 600 }), { name: 'TypeError', message: `unknown expiry setting 'ttl' (a session's period is 'duration', in seconds): ${known}` });
    assert.throws(() => db.sessions.create({ duration: 600, delete: true }), { name: 'TypeError', message: `unknown expiry setting 'delete': ${known}` });
    assert.equal((await db.sessions.infoAll()).totalSessions, before); // no session that never expires
    const s = db.session(await db.sessions.create({ duration: 600 }));
    assert.throws(() => s.expire(10), notObject('the number 10'));
    assert.throws(() => s.expire(0), notObject('the number 0'));
    assert.throws(() => s.expire({ ttl: 10 }), { name: 'TypeError', message: `unknown expiry setting 'ttl' (a session's period is 'duration', in seconds): ${known}` });
    // an object that is not a plain one has no own duration either
    assert.throws(() => db.sessions.create(new Map([['duration', 600]])), notObject('a Map'));
    assert.throws(() => db.sessions.create(new Number(600)), notObject('a Number'));
    assert.throws(() => s.expire(new Map([['duration', 10]])), notObject('a Map'));
    assert.equal((await db.sessions.infoAll()).totalSessions, before + 1);
    assert.equal((await s.info()).expiry.duration, 600); // unchanged
    await s.expire(null); // none: never expires, as before
    assert.equal((await s.info()).expires, false);
    await s.end();
});

test('a write method\'s options are an object: kv.set({otp: 1}, 30), the CLI\'s TTL after the value, is a TypeError, not a key that never expires', async () => {
    const sent = db.sent.length;
    const opts = (method, got) => ({ name: 'TypeError', message: `${method}'s options are an object such as {ttl: 30}; got ${got}` });
    assert.throws(() => db.kv.set({ otp: '123456' }, 30), opts('kv.set', 'the number 30'));
    assert.throws(() => db.kv.add({ otp: '123456' }, '30'), opts('kv.add', 'the string "30"'));
    assert.throws(() => db.kv.clearSet({ otp: '123456' }, [30]), opts('kv.clearSet', 'an array'));
    assert.throws(() => db.kv.incr({ n: 1 }, 30), opts('kv.incr', 'the number 30'));
    assert.throws(() => db.kv.update('doc', '$.a', 1, 30), opts('kv.update', 'the number 30'));
    assert.throws(() => db.kv.arrAppend('list', [1], 30), opts('kv.arrAppend', 'the number 30'));
    assert.throws(() => db.kv.cas('otp', null, '123456', 30), opts('kv.cas', 'the number 30'));
    // a misspelt option was dropped: {expire: 30} stored a key that never expires
    const unknown = (method, k, known) => ({ name: 'TypeError', message: `${method}: unknown option '${k}' (its options are ${known})` });
    assert.throws(() => db.kv.set({ otp: '123456' }, { expire: 30 }), unknown('kv.set', 'expire', 'ttl, timeout'));
    assert.throws(() => db.kv.incr({ n: 1 }, { TTL: 30 }), unknown('kv.incr', 'TTL', 'ttl, timeout'));
    assert.throws(() => db.kv.cas('otp', null, '1', { tll: 30 }), unknown('kv.cas', 'tll', 'ttl, timeout'));
    assert.throws(() => db.kv.arrAppend('list', [1], { nmae: 'x' }), unknown('kv.arrAppend', 'nmae', 'ttl, timeout, name'));
    assert.throws(() => db.session(1).set({ a: 1 }, { expiry: 30 }), unknown('session.set', 'expiry', 'ttl, timeout'));
    // an object that is not a plain one has no own ttl to read: a Map of it,
    // or a boxed number, stored a key that never expires
    assert.throws(() => db.kv.set({ otp: '123456' }, new Map([['ttl', 30]])), opts('kv.set', 'a Map'));
    assert.throws(() => db.kv.cas('otp', null, '1', new Number(30)), opts('kv.cas', 'a Number'));
    assert.throws(() => db.session(1).incr({ n: 1 }, new Date()), opts('session.incr', 'a Date'));
    assert.deepEqual(db.sent.slice(sent), []);
    assert.deepEqual(await db.kv.contains(['otp', 'n', 'doc', 'list']), []); // nothing stored
    // no options (undefined or null) and an options object work as before
    await db.kv.set({ otp: '1' }, null);
    assert.equal(await db.kv.cas('otp', '1', '2', null), true);
    await db.kv.set({ otp: '3' }, { ttl: 30 });
    assert.ok((await db.kv.ttl('otp')).otp > 29);
    await db.kv.rmv('otp');
});

test('session keys have no ttl: session(t).set/add with ttl are refused (13) and store nothing', async () => {
    const s = db.session(await db.sessions.create());
    const m = "'ttl' applies to top-level keys only: session keys have no TTL, the session expires as a whole (SH_EXPIRE)";
    await refused(s.set({ otp: '123456' }, { ttl: 30 }), 'SH_SET', 13, m);
    await refused(s.add({ otp: '123456' }, { ttl: 30 }), 'SH_ADD', 13, m);
    assert.equal(await s.count(), 0);
    await s.end();
});

test('kv.clearSet with ttl expires the keys it stores; incr, update and arrAppend send a ttl, refused (13) naming KV_EXPIRE', async () => {
    await db.kv.set({ old: 1 });
    assert.equal(await db.kv.clearSet({ cache: [1], other: 2 }, { ttl: 60 }), 1);
    const ttl = await db.kv.ttl(['cache', 'other', 'old']);
    assert.deepEqual(Object.keys(ttl), ['cache', 'other']);
    assertTtl(ttl.cache, 60);
    assertTtl(ttl.other, 60);
    await refused(db.kv.clearSet({ a: 1 }, { ttl: -5 }), 'KV_CLEAR_SET', 42, TTL_RANGE);
    assert.deepEqual(await db.kv.count(), 2); // a bad ttl removes nothing
    const keeps = (cmd) => `${cmd} takes no 'ttl': the key keeps its TTL (set one with KV_EXPIRE)`;
    await refused(db.kv.incr({ hits: 1 }, { ttl: 60 }), 'KV_INCR', 13, keeps('KV_INCR'));
    await refused(db.kv.update('cache', '$', 5, { ttl: 60 }), 'KV_UPDATE', 13, keeps('KV_UPDATE'));
    await refused(db.kv.arrAppend('cache', [2], { ttl: 60 }), 'KV_ARR_APPEND', 13, keeps('KV_ARR_APPEND'));
    assert.deepEqual(await db.kv.get(['cache', 'hits']), { cache: [1] });
});

test('session keys have no ttl: session(t).clearSet/incr with ttl are refused (13) naming SH_EXPIRE and change nothing', async () => {
    const s = db.session(await db.sessions.create());
    await s.set({ n: 1 });
    const m = "'ttl' applies to top-level keys only: session keys have no TTL, the session expires as a whole (SH_EXPIRE)";
    await refused(s.clearSet({ otp: '123456' }, { ttl: 30 }), 'SH_CLEAR_SET', 13, m);
    await refused(s.incr({ n: 1 }, { ttl: 30 }), 'SH_INCR', 13, m);
    assert.deepEqual(await s.get(['n', 'otp']), { n: 1 });
    await s.end();
});

test('this file sent KV_EXPIRE, KV_TTL, KV_PERSIST and SH_EXPIRE to a real server', () => {
    assertSent('expiry.test.mjs', SENT);
});
