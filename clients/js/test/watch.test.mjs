// watch.test.mjs — watches against a real `ndb serve` (docs/protocol.md
// "Watches"): KV_WATCH of keys and of a prefix, with values and as exact
// text; events pushed between answers and routed to their watcher;
// KV_UNWATCH/SH_UNWATCH; SH_WATCH of one session and of all; the client's
// own overflow (a reader too far behind) and the server's (a connection
// that stops reading); renewal after a server restart.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { JsonText } from '../ndb.js';
import { assertSent } from './coverage.mjs';
import { client, closeClients, once, refused, SENT, take, until, within } from './real.mjs';
import { Server } from './server.mjs';

let server;

// --session-check-ms 20: a key whose TTL passed is removed (and its event
// sent) within 20 ms, so the test of the expire event waits little.
before(async () => { server = await Server.start(['--session-check-ms', '20']); });
after(async () => { await server.stop(); });
afterEach(closeClients);

test('a prefix watch with values: every change of another client, exact, in order; other keys unseen', async () => {
    const db = await client(server.url);
    const writer = await client(server.url);
    const w = await db.kv.watch({ prefix: 'user:' }, { values: true });
    assert.equal(w.id, 1); // the connection's first watch
    await writer.kv.set({ 'user:1': { name: 'Ann' }, other: 1, 'user:2': 2 });
    await writer.kv.update('user:1', '$.name', 'Bo');
    await writer.kv.incr({ 'user:2': 5, other: 1 });
    await writer.kv.add({ 'user:3': [] });
    await writer.kv.arrAppend('user:3', [1.50]);
    await writer.kv.rmv(['user:1', 'other']);
    await writer.kv.clearSet({ 'user:4': true });
    assert.deepEqual(await take(w, 9), [
        { id: w.id, key: 'user:1', op: 'set', value: { name: 'Ann' } },
        { id: w.id, key: 'user:2', op: 'set', value: 2 },
        { id: w.id, key: 'user:1', op: 'update', value: { name: 'Bo' } },
        { id: w.id, key: 'user:2', op: 'update', value: 7 },
        { id: w.id, key: 'user:3', op: 'set', value: [] },
        { id: w.id, key: 'user:3', op: 'append', value: [1.5] },
        { id: w.id, key: 'user:1', op: 'rmv' },
        { id: w.id, op: 'clear' },
        { id: w.id, key: 'user:4', op: 'set', value: true },
    ]);
    await w.close();
    await writer.kv.clear();
});

test('"event" listeners get each pushed event as read, its text exactly as sent (1.0 and 2^64 as written) and its Watcher', async () => {
    const db = await client(server.url, { numbers: 'exact' });
    const writer = await client(server.url);
    const seen = [];
    db.on('event', (ev, text, watcher) => seen.push([ev.key, text, watcher]));
    const w = await db.kv.watch({ prefix: 'ev:' }, { values: true });
    await writer.kv.set({ 'ev:1': new JsonText('{"n":1.0,"big":18446744073709551616}') });
    await until(() => seen.length === 1, 'the event');
    assert.deepEqual(seen, [['ev:1', '{"KV_EVENT":{"id":1,"key":"ev:1","op":"set","value":{"n":1.0,"big":18446744073709551616}}}', w]]);
    // a watch made with raw() has no Watcher
    await w.close();
    await db.raw({ KV_WATCH: { keys: ['ev:2'] } });
    await writer.kv.set({ 'ev:2': 2 });
    await until(() => seen.length === 2, 'the raw watch\'s event');
    assert.deepEqual(seen[1], ['ev:2', '{"KV_EVENT":{"id":2,"key":"ev:2","op":"set"}}', undefined]);
    await writer.kv.clear();
});

test('a keys watch with a callback, values as exact text; close() sends KV_UNWATCH and the events stop', async () => {
    const db = await client(server.url);
    const seen = [];
    const w = await db.kv.watch({ keys: ['cfg'] }, { values: true, text: true }, (ev) => seen.push(ev));
    await db.kv.set({ cfg: new JsonText('{"b":[1,2.0],"a":1e2}'), nope: 1 });
    // the event of a request comes after its answer and before the next answer
    await db.kv.count();
    assert.deepEqual(seen, [{ id: w.id, key: 'cfg', op: 'set', value: '{"b":[1,2.0],"a":1e2}' }]);
    await w.close();
    assert.deepEqual(db.sent.slice(-1), ['KV_UNWATCH']);
    assert.equal(w.ended, true);
    await db.kv.set({ cfg: 2 });
    await db.kv.count();
    assert.equal(seen.length, 1);
    // the server has no such watch any more
    assert.deepEqual(await db.raw({ KV_UNWATCH: { id: w.id } }),
        { KV_UNWATCH_RSP: { m: `no KV watch ${w.id} on this connection`, st: 22, tkn: null } });
    await db.kv.clear();
});

test('watch(spec, callback): a callback in the options\' place gets the events (it was taken as options and got none)', async () => {
    const db = await client(server.url);
    const seen = [];
    const kw = await db.kv.watch({ keys: ['cb'] }, (ev) => seen.push(`kv ${ev.op} ${ev.key}`));
    const t = await db.sessions.create();
    const sw = await db.session(t).watch((ev) => seen.push(`session ${ev.op} ${ev.key}`));
    const aw = await db.sessions.watch({ all: true }, (ev) => seen.push(`sessions ${ev.op} ${ev.key}`));
    await db.kv.set({ cb: 1 });
    await db.session(t).set({ k: 1 });
    await db.kv.count(); // the events of both writes have come before this answer
    assert.deepEqual(seen, ['kv set cb', 'session set k', 'sessions set k']);
    await Promise.all([kw.close(), sw.close(), aw.close()]);
    await db.sessions.end(t);
    await db.kv.clear();
    db.close();
});

test('events arrive between answers and go to their own watcher; ids are per connection', async () => {
    const db = await client(server.url);
    const a = await db.kv.watch({ prefix: 'a:' });
    const b = await db.kv.watch({ keys: ['b'] }, { values: true });
    const s = await db.sessions.watch({ all: true });
    const other = await client(server.url);
    const o = await other.kv.watch({ prefix: '' });
    assert.deepEqual([a.id, b.id, s.id, o.id], [1, 2, 3, 1]);
    const order = [];
    db.on('event', (ev) => order.push(`event ${ev.family} ${ev.id} ${ev.op} ${ev.key ?? ''}`));
    const answer = (cmd, body) => db.request(cmd, body, { onReply: () => order.push(`answer ${cmd}`) });
    // pipelined: all sent before the first answer is read
    const [, , tkn] = await Promise.all([
        answer('KV_SET', { keys: { 'a:1': 1, b: 'x' } }),
        answer('KV_RMV', { keys: ['a:1'] }),
        answer('SH_NEW', {}).then((r) => r.tkn),
        answer('KV_COUNT', {}),
    ]);
    assert.deepEqual(order, [
        'answer KV_SET', 'event KV 1 set a:1', 'event KV 2 set b',
        'answer KV_RMV', 'event KV 1 rmv a:1',
        'answer SH_NEW', 'event SH 3 new ',
        'answer KV_COUNT',
    ]);
    assert.deepEqual(await take(a, 2), [{ id: 1, key: 'a:1', op: 'set' }, { id: 1, key: 'a:1', op: 'rmv' }]);
    assert.deepEqual(await take(b, 1), [{ id: 2, key: 'b', op: 'set', value: 'x' }]);
    assert.deepEqual(await take(s, 1), [{ id: 3, op: 'new', tkn }]);
    // the other connection's watch 1 saw its own changes only
    assert.deepEqual(await take(o, 3), [
        { id: 1, key: 'a:1', op: 'set' }, { id: 1, key: 'b', op: 'set' }, { id: 1, key: 'a:1', op: 'rmv' },
    ]);
    await db.sessions.endAll();
    await db.kv.clear();
});

test('session watches: one session with values, and all sessions; SH_UNWATCH; refusals', async () => {
    const db = await client(server.url);
    const all = await db.sessions.watch({ all: true });
    const t = await db.sessions.create();
    const s = db.session(t);
    const one = await s.watch({ values: true });
    await s.set({ cart: [1] });
    await s.incr({ n: 2 });
    await s.rmv('cart');
    await s.clear();
    await db.sessions.end(t);
    assert.deepEqual(await take(one, 5), [
        { id: one.id, key: 'cart', op: 'set', tkn: t, value: [1] },
        { id: one.id, key: 'n', op: 'update', tkn: t, value: 2 },
        { id: one.id, key: 'cart', op: 'rmv', tkn: t },
        { id: one.id, op: 'clear', tkn: t },
        { id: one.id, op: 'end', tkn: t },
    ]);
    assert.deepEqual((await take(all, 6)).map((e) => e.op), ['new', 'set', 'update', 'rmv', 'clear', 'end']);
    await all.close();
    assert.deepEqual(db.sent.slice(-1), ['SH_UNWATCH']);
    assert.deepEqual(await db.raw({ SH_UNWATCH: { id: all.id } }),
        { SH_UNWATCH_RSP: { m: `no SH watch ${all.id} on this connection`, st: 22, tkn: null } });
    await refused(db.sessions.watch({ tkns: [t] }), 'SH_WATCH', 100, `session ${t} does not exist`);
    await refused(db.sessions.watch({ all: false }), 'SH_WATCH', 26, "one of 'tkns' and 'all' is needed");
    await refused(db.kv.watch({ keys: [] }), 'KV_WATCH', 42, "'keys' is empty");
    await refused(db.kv.watch({ keys: ['a'], prefix: 'a' }), 'KV_WATCH', 13, "'keys' and 'prefix' exclude each other");
});

test('a key whose TTL passes: the watcher hears "expire"', async () => {
    const db = await client(server.url);
    const w = await db.kv.watch({ keys: ['otp'] });
    await db.kv.set({ otp: 1 }, { ttl: 0.05 });
    assert.deepEqual(await take(w, 2), [{ id: w.id, key: 'otp', op: 'set' }, { id: w.id, key: 'otp', op: 'expire' }]);
    assert.equal(await db.kv.get('otp'), undefined);
});

test('next() called again before the last one settled: each gets the next event, in order; close() ends every pending one', async () => {
    // with one pending next() kept, the second call took the first event and
    // the first call never settled, not even at close()
    const db = await client(server.url);
    const w = await db.kv.watch({ prefix: 'ahead:' });
    const it = w[Symbol.asyncIterator]();
    const first = it.next(), second = it.next();
    await db.kv.set({ 'ahead:1': 1 });
    await db.kv.set({ 'ahead:2': 2 });
    assert.deepEqual(await within(Promise.all([first, second]), 10000, 'a next() never settled'), [
        { value: { id: w.id, key: 'ahead:1', op: 'set' }, done: false },
        { value: { id: w.id, key: 'ahead:2', op: 'set' }, done: false },
    ]);
    const third = it.next(), fourth = it.next();
    await w.close();
    assert.deepEqual(await within(Promise.all([third, fourth]), 10000, 'a next() did not settle at close()'), [{ value: undefined, done: true }, { value: undefined, done: true }]);
    await db.kv.clear();
});

test('a reader maxBuffered events behind: the client\'s overflow event ends the watcher (and unwatches)', async () => {
    const db = await client(server.url);
    const w = await db.kv.watch({ prefix: 'burst:' }, { maxBuffered: 3 });
    await db.kv.set({ 'burst:1': 1, 'burst:2': 2, 'burst:3': 3, 'burst:4': 4, 'burst:5': 5 });
    await db.kv.count(); // every event has been received, none read
    assert.deepEqual(await take(w, 10), [
        { id: w.id, key: 'burst:1', op: 'set' }, { id: w.id, key: 'burst:2', op: 'set' },
        { id: w.id, key: 'burst:3', op: 'set' }, { id: w.id, op: 'overflow' },
    ]);
    assert.equal(w.ended, true);
    await until(() => db.sent.includes('KV_UNWATCH'), 'the client unwatched');
    assert.deepEqual(await db.raw({ KV_UNWATCH: { id: w.id } }),
        { KV_UNWATCH_RSP: { m: `no KV watch ${w.id} on this connection`, st: 22, tkn: null } });
    await db.kv.clear();
});

test('maxBuffered is checked as the client\'s numeric options are: a TypeError, no watch made', async () => {
    const db = await client(server.url);
    for (const [bad, shown] of [['x', '"x"'], ['10', '"10"'], [NaN, 'NaN'], [0, '0'], [-1, '-1'], [2.5, '2.5'], [Infinity, 'Infinity']]) {
        const re = new RegExp(`^TypeError: maxBuffered must be a whole number of events, at least 1: ${shown.replace(/[.]/g, '\\.')}$`);
        assert.throws(() => db.kv.watch({ keys: ['a'] }, { maxBuffered: bad }), re);
        assert.throws(() => db.sessions.watch({ all: true }, { maxBuffered: bad }), re);
    }
    await db.kv.count();
    assert.ok(!db.sent.includes('KV_WATCH') && !db.sent.includes('SH_WATCH'), 'nothing was sent');
    const w = await db.kv.watch({ keys: ['a'] }, { maxBuffered: 1 });
    assert.equal(w.maxBuffered, 1);
    await w.close();
});

test('a connection that stops reading: the server\'s overflow event, then the watcher ends; answers still come', async () => {
    const s = await Server.start(['--watch-output', '4K']);
    try {
        // the ws package's WebSocket, for pause(): the connection stops
        // reading, so the server's output for it queues up
        const db = await client(s.url, { WebSocket });
        const writer = await client(s.url);
        const w = await db.kv.watch({ prefix: 'big' }, { values: true });
        const second = await db.sessions.watch({ all: true });
        db.ws.pause();
        const value = 'x'.repeat(65536);
        let writes = 0;
        // until the server drops the watches (its log says so): at most 2,000 writes (128 MiB)
        for (; writes < 2000 && !s.log.includes('over watchOutputBytes'); writes++) await writer.kv.set({ big: value });
        assert.match(s.log, /client \d+ \(127\.0\.0\.1\): \d+ bytes of output queued, over watchOutputBytes \(4096\); dropping its 2 watches/);
        await writer.kv.set({ big: 'after' }); // no event for it: the watch is gone
        db.ws.resume();
        const events = await take(w, writes + 2);
        const last = events.pop();
        assert.deepEqual(last, { id: w.id, op: 'overflow' });
        assert.ok(events.length > 0 && events.length < writes, `${events.length} events of ${writes} writes`);
        for (const ev of events) assert.deepEqual(ev, { id: w.id, key: 'big', op: 'set', value });
        assert.deepEqual(await take(second, 2), [{ id: second.id, op: 'overflow' }]);
        assert.deepEqual([w.ended, second.ended], [true, true]);
        assert.equal(await db.kv.get('big'), 'after');
    } finally {
        closeClients();
        await s.stop();
    }
});

test('a watcher closed while its renewal after a restart is on the wire: the renewed watch is undone', async () => {
    const db = await client(server.url);
    const w = await db.kv.watch({ prefix: 'cr:' });
    // close it the moment its renewal is sent, before the server answers
    const transmit = db.transmit.bind(db);
    db.transmit = (e) => {
        transmit(e);
        if (e.cmd === 'KV_WATCH' && db.state === 'connecting') w.close();
    };
    const reopened = once(db, 'open');
    await server.restart();
    await reopened;
    const seen = [];
    db.on('event', (ev) => seen.push(ev));
    await db.kv.set({ 'cr:1': 1 });
    await db.kv.count(); // an event of that change would have come before this answer
    assert.deepEqual(seen, []);
    assert.deepEqual(db.sent.slice(-4), ['KV_WATCH', 'KV_UNWATCH', 'KV_SET', 'KV_COUNT']);
    await db.kv.clear();
});

test('a server restart: watches are renewed, each with a "reconnect" event first; a lost session ends its watcher', async () => {
    const db = await client(server.url);
    const w = await db.kv.watch({ prefix: 'r:' });
    const t = await db.sessions.create();
    const gone = await db.session(t).watch();
    const closed = once(db, 'close');
    const reopened = once(db, 'open');
    await server.restart();
    assert.equal((await closed).code, 1000);
    await reopened;
    await db.kv.set({ 'r:1': 1 });
    assert.deepEqual(await take(w, 2), [{ id: w.id, op: 'reconnect' }, { id: w.id, key: 'r:1', op: 'set' }]);
    // the new server (memory only) has no session t: renewing its watch is refused
    const e = await take(gone, 1).then(() => assert.fail('the watcher should fail'), (x) => x);
    assert.deepEqual([e.command, e.status, e.serverMessage], ['SH_WATCH', 100, `session ${t} does not exist`]);
    assert.equal(gone.ended, true);
    assert.deepEqual(db.sent.slice(-3), ['KV_WATCH', 'SH_WATCH', 'KV_SET']);
    await w.close();
    await db.kv.clear();
});

test('a watcher with a callback that a restart cannot renew: the refusal is an "error" event, not a silent end', async () => {
    const db = await client(server.url);
    const t = await db.sessions.create();
    const events = [];
    const gone = await db.session(t).watch({}, (ev) => events.push(ev));
    const kept = await db.sessions.watch({ all: true }, {}, (ev) => events.push(ev));
    const errors = [];
    db.on('error', (e) => errors.push(e));
    const reopened = once(db, 'open');
    await server.restart();
    await reopened;
    // the new server (memory only) has no session t: renewing its watch is refused
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, `SH_WATCH: SessionNotExist (100): session ${t} does not exist`);
    assert.deepEqual([gone.ended, gone.error, kept.ended], [true, errors[0], false]);
    assert.deepEqual(events, [{ id: kept.id, op: 'reconnect' }]); // the ended one hears nothing more
    await kept.close();
});

test('this file sent KV_WATCH, KV_UNWATCH, SH_WATCH and SH_UNWATCH to a real server', () => {
    assertSent('watch.test.mjs', SENT);
});
