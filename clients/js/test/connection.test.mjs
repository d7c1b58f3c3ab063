// connection.test.mjs — the connection against a real `ndb serve`: many
// requests in flight, answers in order, reconnection after a restart and a
// crash, timeouts, a server that stops answering, refused connections, an
// oversized message, close().
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { after, before, test } from 'node:test';
import { connect, Ndb, NdbConnectionError, NdbTimeoutError } from '../ndb.js';
import { within } from './real.mjs';
import { Server } from './server.mjs';

let server;
before(async () => { server = await Server.start(); });
after(async () => { await server.stop(); });

// Resolve when client emits `name` (bounded: a test never hangs).
function once(client, name, ms = 10000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${name}" event within ${ms} ms`)), ms);
        const fn = (arg) => {
            clearTimeout(t);
            client.off(name, fn);
            resolve(arg);
        };
        client.on(name, fn);
    });
}

test('10,000 requests in flight on one connection, every answer matched in order', async () => {
    const db = await connect(server.url);
    const ps = [];
    for (let i = 0; i < 5000; i++) {
        ps.push(db.kv.set({ [`p${i}`]: i }));
        ps.push(db.kv.get(`p${i}`));
    }
    assert.equal(db.inflight.length, 10000); // all sent before the first answer is read
    const results = await Promise.all(ps);
    for (let i = 0; i < 5000; i++) {
        assert.equal(results[2 * i], undefined);
        assert.equal(results[2 * i + 1], i);
    }
    assert.equal(await db.kv.count(), 5000);
    assert.equal(await db.kv.clear(), 5000);
    db.close();
});

test('a server restart: the client reconnects by itself and requests go on', async () => {
    const db = await connect(server.url, { minDelay: 20, maxDelay: 200 });
    await db.kv.set({ a: 1 });
    const closed = once(db, 'close');
    const reopened = once(db, 'open');
    await server.restart();
    const ev = await closed;
    assert.equal(ev.code, 1000); // the server shut down cleanly (the protocol's 1.6 code)
    await reopened;
    assert.equal(db.state, 'open');
    assert.equal(await db.kv.get('a'), undefined); // a new server: memory only
    await db.kv.set({ b: 2 });
    assert.deepEqual(await db.kv.keys(), ['b']);
    await db.kv.clear();
    db.close();
});

test('requests made while the server is down wait, and are sent once it is back', async () => {
    const db = await connect(server.url, { minDelay: 20, maxDelay: 100 });
    const reconnecting = once(db, 'reconnecting');
    await server.stop();
    await reconnecting;
    const p = db.kv.set({ late: true }).then(() => db.kv.get('late'));
    await server.relaunch();
    assert.equal(await p, true);
    await db.kv.clear();
    db.close();
});

test('open() while reconnecting resolves once the connection is back (and starts no second one)', async () => {
    const db = await connect(server.url, { minDelay: 20, maxDelay: 100 });
    let opens = 0;
    db.on('open', () => opens++);
    const reconnecting = once(db, 'reconnecting');
    await server.stop();
    await reconnecting;
    const p = db.open();
    await server.relaunch();
    assert.equal(await p, db);
    assert.equal(db.state, 'open');
    assert.equal(opens, 1);
    assert.equal(await db.kv.count(), 0);
    db.close();
});

test('a crash with a request in flight: NdbConnectionError for it (never resent), then reconnection', async () => {
    const db = await connect(server.url, { minDelay: 20, maxDelay: 100 });
    server.signal('SIGSTOP'); // the request is sent but cannot be answered
    const p = db.kv.set({ lost: 1 });
    const err = p.then(() => assert.fail('should fail'), (e) => e);
    await server.crash();
    const e = await err;
    assert.ok(e instanceof NdbConnectionError, String(e));
    assert.equal(e.command, 'KV_SET');
    assert.match(e.message, /^KV_SET: the connection closed \(code 1006/);
    await server.relaunch();
    await once(db, 'open');
    assert.equal(await db.kv.get('lost'), undefined);
    db.close();
});

test('timeouts: a server that stops answering times the request out; the client recovers', async () => {
    const db = await connect(server.url, { minDelay: 20, maxDelay: 100 });
    server.signal('SIGSTOP');
    try {
        const e = await db.kv.count({ timeout: 200 }).then(() => assert.fail('should time out'), (x) => x);
        assert.ok(e instanceof NdbTimeoutError);
        assert.equal(e.message, 'KV_COUNT: no answer within 200 ms');
        assert.deepEqual([e.command, e.code, e.timeout, e.sent], ['KV_COUNT', 'ETIMEDOUT', 200, true]);
    } finally {
        server.signal('SIGCONT');
    }
    // nothing at all came back, so the connection was given up and made anew
    assert.equal(await db.kv.count(), 0);
    db.close();
});

test('a request waiting for a connection times out too, saying it was never sent', async () => {
    const db = await connect(server.url, { minDelay: 50, maxDelay: 100 });
    const reconnecting = once(db, 'reconnecting');
    await server.stop();
    await reconnecting;
    try {
        const e = await db.kv.incr({ n: 1 }, { timeout: 100 }).then(() => assert.fail('should time out'), (x) => x);
        assert.ok(e instanceof NdbTimeoutError);
        // not "no answer": the write was never sent, so it is safe to make again
        assert.equal(e.message, 'KV_INCR: not sent: no connection within 100 ms');
        assert.deepEqual([e.command, e.timeout, e.sent], ['KV_INCR', 100, false]);
        assert.equal(db.waiting.length, 0);
    } finally {
        await server.relaunch();
    }
    await once(db, 'open');
    db.close();
});

test('nothing listening: connect() rejects with NdbConnectionError', async () => {
    const port = await new Promise((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
            const p = s.address().port;
            s.close(() => resolve(p));
        });
    });
    const e = await connect(`ws://127.0.0.1:${port}/`).then(() => assert.fail('should fail'), (x) => x);
    assert.ok(e instanceof NdbConnectionError);
    // why, as the WebSocket's error event said it (the close code, 1006, says nothing)
    assert.equal(e.message, `cannot connect to ws://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}`);
    // the first connection failing is final: the client is closed
    await assert.rejects(lazyClient(port).kv.count(), new RegExp(`^NdbConnectionError: KV_COUNT: cannot connect to ws://127\\.0\\.0\\.1:${port}/: connect ECONNREFUSED`));
});

// A WebSocket that fails as Node's built-in one (undici 6) does when nothing
// listens: an error event, then no close event, readyState left at 0.
class ErrorOnlyWebSocket {
    constructor(url) {
        this.url = url;
        this.readyState = 0;
        setTimeout(() => this.onerror?.({ message: 'Received network error or non-101 status code.' }), 5);
    }
    close() { this.closeCalls = (this.closeCalls || 0) + 1; }
    send() { throw new Error('not open'); }
}

test('a WebSocket whose failed connection sends an error and no close (Node\'s built-in one): connect() rejects, not only after connectTimeout', async () => {
    // with connectTimeout 0 (wait for ever) it never settled
    const e = await within(connect('ws://127.0.0.1:1/', { WebSocket: ErrorOnlyWebSocket, connectTimeout: 0 }).then(() => 'connected', (x) => x),
        10000, 'connect() still pending after 10 s');
    assert.ok(e instanceof NdbConnectionError, String(e));
    assert.equal(e.message, 'cannot connect to ws://127.0.0.1:1/: Received network error or non-101 status code.');
});

test('... and reconnection attempts through such a WebSocket go on at the reconnection delay, then succeed', async () => {
    // a real connection (the ws package) while the server is up; while it
    // is down, the failure as Node's built-in WebSocket reports it
    class Flaky {
        static down = false;
        constructor(url, protocols) {
            return Flaky.down ? new ErrorOnlyWebSocket(url) : new WebSocket(url, protocols);
        }
    }
    const db = await connect(server.url, { WebSocket: Flaky, connectTimeout: 0, reconnect: { minDelay: 20, maxDelay: 50 } });
    await db.kv.set({ r: 1 });
    const attempts = [];
    const third = new Promise((resolve) => db.on('reconnecting', (ev) => { attempts.push(ev.attempt); if (ev.attempt === 3) resolve(); }));
    Flaky.down = true;
    await server.stop();
    // each attempt waited for a close that never came: attempt 2 never started
    await within(third, 10000, () => `only attempts ${attempts} within 10 s`);
    Flaky.down = false;
    const reopened = once(db, 'open');
    await server.relaunch();
    await reopened;
    await db.kv.set({ r: 2 });
    assert.equal(await db.kv.get('r'), 2);
    await db.kv.clear();
    db.close();
});

function lazyClient(port) {
    return new Ndb(`ws://127.0.0.1:${port}/`);
}

test('a handshake the server refuses: the error says what it answered', async () => {
    // ndb answers 400 to an offer of subprotocols without "ndb" (docs/protocol.md 0.1)
    const e = await connect(server.url, { protocols: ['other'] }).then(() => assert.fail('should fail'), (x) => x);
    assert.ok(e instanceof NdbConnectionError);
    assert.equal(e.message, `cannot connect to ${server.url}: Unexpected server response: 400`);
});

test('bad options and URLs are TypeErrors', () => {
    assert.throws(() => new Ndb('http://127.0.0.1:1/'), /not a ws:\/\/ or wss:\/\/ URL/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { numbers: 'big' }), /numbers must be one of safe, exact/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { timeout: -1 }), /timeout/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { minDelay: '100' }), /^TypeError: minDelay must be a number of milliseconds, at least 1: "100"$/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconnect: { maxDelay: -1 } }), /^TypeError: maxDelay must be a number of milliseconds, at least 1: -1$/);
    // a delay of 0 is no pause: some 1300 attempts in 2 s against a server that is down
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { minDelay: 0 }), /^TypeError: minDelay must be a number of milliseconds, at least 1: 0$/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconnect: { maxDelay: 0 } }), /^TypeError: maxDelay must be a number of milliseconds, at least 1: 0$/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { connectTimeout: NaN }), /^TypeError: connectTimeout must be a number of milliseconds \(0: none\): NaN$/);
    // both delays given the wrong way round: every delay was maxDelay, minDelay meant nothing
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconnect: { minDelay: 500, maxDelay: 50 } }), /^TypeError: minDelay \(500\) is above maxDelay \(50\): the delay doubles from minDelay up to maxDelay$/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { minDelay: 500, maxDelay: 50 }), /^TypeError: minDelay \(500\) is above maxDelay \(50\)/);
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { minDelay: 500, reconnect: { maxDelay: 50 } }), /^TypeError: minDelay \(500\) is above maxDelay \(50\)/);
    // one alone keeps its meaning: the other's default gives way
    assert.equal(new Ndb('ws://127.0.0.1:1/', { maxDelay: 50 }).maxDelay, 50);
    assert.equal(new Ndb('ws://127.0.0.1:1/', { reconnect: { minDelay: 9000 } }).minDelay, 9000);
    assert.equal(new Ndb('ws://127.0.0.1:1/', { minDelay: 50, maxDelay: 50 }).maxDelay, 50);
});

test('a request\'s own timeout is checked as the constructor\'s: a bad one rejects with a TypeError, nothing sent', async () => {
    const db = await connect(server.url);
    const sent = [];
    const transmit = db.transmit.bind(db);
    db.transmit = (e) => { sent.push(e.cmd); transmit(e); };
    // each of these waited for ever, silently
    await assert.rejects(db.kv.get('a', { timeout: -1 }), /^TypeError: timeout must be a number of milliseconds \(0: none\): -1$/);
    await assert.rejects(db.kv.count({ timeout: NaN }), /^TypeError: timeout must be a number of milliseconds \(0: none\): NaN$/);
    await assert.rejects(db.raw('{"KV_COUNT":{}}', { timeout: '500' }), /^TypeError: timeout must be a number of milliseconds \(0: none\): "500"$/);
    await assert.rejects(db.request('KV_COUNT', {}, { timeout: Infinity }), /^TypeError: timeout must be a number of milliseconds \(0: none\): Infinity$/);
    assert.deepEqual(sent, []);
    // 0 waits for ever, undefined is the client's
    assert.equal(await db.kv.count({ timeout: 0 }), 0);
    assert.equal(await db.kv.count({ timeout: undefined }), 0);
    assert.deepEqual(sent, ['KV_COUNT', 'KV_COUNT']);
    db.close();
});

test('reconnect is true, false or {minDelay, maxDelay}: any other value is a TypeError, not a client that reconnects', () => {
    // 0, null, 'false' or 'no' were read as "not false": the client
    // reconnected, without a word, where the caller meant it not to
    class Opts {}
    for (const [v, s] of [[0, 'the number 0'], [null, 'null'], ['false', 'the string "false"'], [[], 'an array'], [new Map(), 'a Map'], [new Opts(), 'an Opts']])
        assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconnect: v }), { name: 'TypeError', message: `reconnect must be true, false or an object such as {minDelay: 100}; got ${s}` });
    assert.equal(new Ndb('ws://127.0.0.1:1/', { reconnect: false }).reconnect, false);
    assert.equal(new Ndb('ws://127.0.0.1:1/', { reconnect: undefined }).reconnect, true);
    assert.equal(new Ndb('ws://127.0.0.1:1/', { reconnect: { maxDelay: 50 } }).maxDelay, 50);
});

test('an option the client or request() or raw() does not take (a misspelt {timout: 500}) is a TypeError naming its options, nothing sent', async () => {
    // each was ignored: {reconect: false} reconnected, {txt: true} resolved with the object
    const known = 'numbers, timeout, connectTimeout, reconnect, minDelay, maxDelay, protocols, WebSocket, user, password';
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconect: false }), { name: 'TypeError', message: `the client: unknown option 'reconect' (its options are ${known})` });
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', new Map([['timeout', 5]])), { name: 'TypeError', message: "the client's options are an object such as {timeout: 5000}; got a Map" });
    assert.throws(() => new Ndb('ws://127.0.0.1:1/', { reconnect: { maxdelay: 50 } }), { name: 'TypeError', message: "reconnect: unknown option 'maxdelay' (its options are minDelay, maxDelay)" });
    const db = await connect(server.url, { reconnect: { minDelay: 20, maxDelay: 50 }, WebSocket: undefined });
    const sent = [];
    const transmit = db.transmit.bind(db);
    db.transmit = (e) => { sent.push(e.cmd); transmit(e); };
    await assert.rejects(db.raw('{"KV_COUNT":{}}', { txt: true }), { name: 'TypeError', message: "raw: unknown option 'txt' (its options are text, timeout)" });
    await assert.rejects(db.raw('{"KV_COUNT":{}}', new Map([['text', true]])), { name: 'TypeError', message: "raw's options are an object such as {text: true}; got a Map" });
    await assert.rejects(db.request('KV_COUNT', {}, { timout: 5 }), { name: 'TypeError', message: "request: unknown option 'timout' (its options are timeout, ok, textDepth, onReply)" });
    // 1 and 2 made the status text: a success was rejected as "status 0: failed"
    for (const [d, s] of [[1, 'the number 1'], [2, 'the number 2'], [3.5, 'the number 3.5'], ['3', 'the string "3"']])
        await assert.rejects(db.request('KV_COUNT', {}, { textDepth: d }), { name: 'TypeError', message: `textDepth must be 3 or more (the answer's body is at 1, its members and status at 2), or -1 for none; got ${s}` });
    assert.deepEqual(sent, []);
    // null, as every method's, is no options
    assert.equal(await db.raw('{"KV_COUNT":{}}', null).then((r) => r.KV_COUNT_RSP.cnt), 0);
    assert.equal(await db.raw('{"KV_COUNT":{}}', { text: true }), '{"KV_COUNT_RSP":{"cnt":0,"st":1}}');
    assert.deepEqual(await db.request('KV_GET', { keys: ['none'] }, { textDepth: 3 }), { keys: {}, st: 1 });
    assert.deepEqual(await db.request('KV_COUNT', {}, null), { cnt: 0, st: 1 });
    assert.deepEqual(sent, ['KV_COUNT', 'KV_COUNT', 'KV_GET', 'KV_COUNT']);
    db.close();
});

test('an option given as undefined is the default: reconnection keeps its backoff', async () => {
    const none = { numbers: undefined, timeout: undefined, connectTimeout: undefined, minDelay: undefined, maxDelay: undefined, protocols: undefined };
    const idle = new Ndb('ws://127.0.0.1:1/', none);
    assert.deepEqual([idle.numbers, idle.timeout, idle.connectTimeout, idle.minDelay, idle.maxDelay, idle.protocols], ['safe', 10000, 10000, 100, 5000, ['ndb']]);
    const db = await connect(server.url, none);
    const delays = [];
    db.on('reconnecting', (r) => delays.push(r.delay));
    const reconnecting = once(db, 'reconnecting');
    await server.stop();
    await reconnecting;
    try {
        // the first delay is minDelay, with jitter: 50 to 100 ms (it was NaN: no pause at all)
        assert.ok(delays[0] >= 50 && delays[0] <= 100, `delays ${delays}`);
    } finally {
        await server.relaunch();
    }
    await once(db, 'open');
    assert.equal(await db.kv.count(), 0);
    db.close();
});

test('an oversized message: the server closes with 1009, the request fails, the client reconnects', async () => {
    const small = await Server.start(['--max-payload', '64']);
    try {
        const db = await connect(small.url, { minDelay: 20 });
        const closed = once(db, 'close');
        const e = await db.kv.set({ big: 'x'.repeat(100) }).then(() => assert.fail('should fail'), (x) => x);
        assert.ok(e instanceof NdbConnectionError);
        assert.equal(e.message, 'KV_SET: the connection closed (code 1009: message over maxPayload)');
        assert.equal((await closed).code, 1009);
        assert.equal(await db.kv.count(), 0);
        db.close();
    } finally {
        await small.stop();
    }
});

test('close(): waiting requests fail, later ones too, no reconnection', async () => {
    const db = await connect(server.url);
    const p = db.kv.count();
    db.close();
    await assert.rejects(p, /KV_COUNT: the client was closed/);
    await assert.rejects(db.kv.count(), /KV_COUNT: the client is closed/);
    assert.equal(db.state, 'closed');
    await assert.rejects(db.open(), NdbConnectionError);
});

test('a client made with new Ndb() connects on its first request', async () => {
    const db = new Ndb(server.url);
    assert.equal(db.state, 'idle');
    assert.equal(await db.kv.count(), 0);
    assert.equal(db.state, 'open');
    db.close();
});
