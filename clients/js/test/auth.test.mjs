// auth.test.mjs — logging in against a real `ndb serve` with users in its
// configuration (docs/protocol.md "Security", SV_AUTH): 43 before login,
// 44 for wrong credentials, 45 above the user's role, credentials in the
// connect options, logging in again after a server restart, and what the
// client does when the server stops accepting it (a changed password, the
// close after five failures): it never retries a refused password — but a
// login a restarting server left unchecked (43) is no refusal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import WebSocket from 'ws';
import { after, afterEach, before, test } from 'node:test';
import { Ndb, NdbConnectionError, NdbError } from '../ndb.js';
import { assertSent } from './coverage.mjs';
import { FakeServer } from './fake.mjs';
import { client, closeClients, once, record, refused, SENT, take, until } from './real.mjs';
import { NDB, Server } from './server.mjs';

let dir, config, server;

// A user entry of the configuration, made by `ndb passwd` at the lowest
// cost it accepts (each check of a wrong password costs that much).
function user(name, password, role) {
    return execFileSync(NDB, ['passwd', '--iterations', '100000', '--name', name, '--role', role],
        { input: `${password}\n`, encoding: 'utf8' }).trim();
}

// A configuration file with these user entries.
function writeConfig(file, ...users) {
    writeFileSync(file, `{"security":{"users":[${users.join(',')}]}}`);
}

const ALICE = user('alice', 'secret', 'write');
const RITA = user('rita', 'pw', 'read');

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ndb-js-auth-'));
    config = join(dir, 'ndb.json');
    writeConfig(config, ALICE, RITA);
    server = await Server.start(['--config', config]);
});

after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(closeClients);

test('43 before logging in; 44 for a wrong password or user; db.auth() logs in; 45 above the role', async () => {
    const db = await client(server.url);
    assert.deepEqual([db.user, db.role], [null, null]);
    const e = await refused(db.kv.count(), 'KV_COUNT', 43, 'authentication required');
    assert.equal(e.message, 'KV_COUNT: AuthRequired (43): authentication required');
    assert.deepEqual(e.response, { m: 'authentication required', st: 43, tkn: null });
    await refused(db.auth('alice', 'nope'), 'SV_AUTH', 44, 'wrong user or password');
    await refused(db.auth('nobody', 'secret'), 'SV_AUTH', 44, 'wrong user or password');
    assert.deepEqual([db.user, db.role], [null, null]);
    await refused(db.kv.count(), 'KV_COUNT', 43, 'authentication required'); // still not logged in
    assert.deepEqual(await db.auth('alice', 'secret'), { role: 'write', user: 'alice' });
    assert.deepEqual([db.user, db.role], ['alice', 'write']);
    await db.kv.set({ a: 1 });
    assert.equal(await db.kv.count(), 1);
    const info = await db.info();
    assert.deepEqual([info.user, info.role], ['alice', 'write']);
    const denied = await refused(db.kv.clear(), 'KV_CLEAR', 45, 'KV_CLEAR needs the role admin; user alice has the role write');
    assert.equal(denied.message, 'KV_CLEAR: RoleDenied (45): KV_CLEAR needs the role admin; user alice has the role write');
    await db.kv.rmv('a');
});

test('credentials in the options log in on connect; a reader gets 45 for a write; auth() switches user', async () => {
    const writer = await client(server.url, { user: 'alice', password: 'secret' });
    await writer.kv.set({ greeting: 'hello' });
    const reader = await client(server.url, { user: 'rita', password: 'pw' });
    assert.deepEqual([reader.user, reader.role], ['rita', 'read']);
    assert.deepEqual(reader.sent, ['SV_AUTH']);
    assert.equal(await reader.kv.get('greeting'), 'hello');
    await refused(reader.kv.set({ greeting: 'bye' }), 'KV_SET', 45, 'KV_SET needs the role write; user rita has the role read');
    await refused(reader.sessions.create(), 'SH_NEW', 45, 'SH_NEW needs the role write; user rita has the role read');
    // a failed login leaves the connection as it was
    await refused(reader.auth('alice', 'wrong'), 'SV_AUTH', 44, 'wrong user or password');
    assert.deepEqual([reader.user, reader.role], ['rita', 'read']);
    assert.deepEqual(await reader.auth('alice', 'secret'), { role: 'write', user: 'alice' });
    await reader.kv.rmv('greeting');
    assert.equal(await writer.kv.count(), 0);
});

test('credentials in the URL are the login (SV_AUTH), taken out of the URL: never sent as Basic, never in a message', async () => {
    const db = await client(server.url.replace('ws://', 'ws://alice:secret@'));
    assert.deepEqual([db.user, db.role], ['alice', 'write']);
    assert.deepEqual(db.sent, ['SV_AUTH']);
    assert.equal(db.url, server.url);
    assert.equal(await db.kv.count(), 0);
    // percent-escapes are decoded, as a browser's URL parser leaves them
    const escaped = await client(server.url.replace('ws://', 'ws://ali%63e:secr%65t@'));
    assert.deepEqual([escaped.user, escaped.role], ['alice', 'write']);
    // a wrong password: the 44 of SV_AUTH (not the handshake's 401), and the URL without it
    const wrong = record(new Ndb(server.url.replace('ws://', 'ws://alice:hunter2@'), { minDelay: 20 }));
    await refused(wrong.open(), 'SV_AUTH', 44, 'wrong user or password');
    const down = new Ndb('ws://alice:hunter2@127.0.0.1:1/');
    const e = await down.open().then(() => assert.fail('port 1 answered'), (err) => err);
    assert.ok(e instanceof NdbConnectionError);
    assert.doesNotMatch(e.message, /hunter2/);
    assert.match(e.message, /^cannot connect to ws:\/\/127\.0\.0\.1:1\/: /);
    assert.throws(() => new Ndb(server.url.replace('ws://', 'ws://alice:secret@'), { user: 'rita', password: 'pw' }),
        { name: 'TypeError', message: 'a user both in the URL and in the options: give it in one place' });
    assert.throws(() => new Ndb(server.url.replace('ws://', 'ws://alice:secret@'), { password: 'pw' }),
        { name: 'TypeError', message: 'a password both in the URL and in the options: give it in one place' });
    // a password without a user, a bad escape: said as such, the text not quoted
    assert.throws(() => new Ndb(server.url.replace('ws://', 'ws://:secret@')),
        { name: 'TypeError', message: 'a password in the URL without a user name: write ws://user:password@host/' });
    assert.throws(() => new Ndb(server.url.replace('ws://', 'ws://alice:50%off@')),
        { name: 'TypeError', message: 'the password in the URL has a malformed %-escape (write % as %25)' });
    assert.throws(() => new Ndb(server.url.replace('ws://', 'ws://a%zz:secret@')),
        { name: 'TypeError', message: 'the user name in the URL has a malformed %-escape (write % as %25)' });
    // the user in the URL, the password in the options (out of the URL)
    const split = await client(server.url.replace('ws://', 'ws://alice@'), { password: 'secret' });
    assert.deepEqual([split.user, split.role, split.url], ['alice', 'write', server.url]);
});

// What a client shows of itself, as deep as inspect goes, getters called;
// Maps and Sets (listeners, watches) and the socket are left out of the
// JSON, which cannot hold them.
function shown(db) {
    return [inspect(db, { depth: Infinity, showHidden: true, getters: true }),
        JSON.stringify(db, (k, v) => (v instanceof Map || v instanceof Set || k === 'ws' ? undefined : v))];
}

test('a client does not show its password: console.log, util.inspect and JSON.stringify of it leave it out', async () => {
    // Clients not of record(), which keeps the texts sent.
    const fromOptions = new Ndb(server.url, { user: 'alice', password: 'secret' });
    const fromUrl = new Ndb(server.url.replace('ws://', 'ws://alice:secret@'));
    const switched = new Ndb(server.url, { user: 'rita', password: 'pw' });
    const idle = new Ndb(server.url.replace('ws://', 'ws://alice:secret@'));
    try {
        await fromOptions.open();
        await fromUrl.open();
        await switched.open();
        assert.deepEqual(await switched.auth('alice', 'secret'), { role: 'write', user: 'alice' });
        for (const db of [fromOptions, fromUrl, switched, idle]) {
            for (const text of shown(db)) assert.doesNotMatch(text, /secret/);
        }
    } finally {
        for (const db of [fromOptions, fromUrl, switched, idle]) db.close();
    }
});

test('a client whose login is still being checked does not show its password either', async () => {
    // the SV_AUTH sent waits for its answer in the client's queue of
    // requests in flight (seconds, on a busy server): inspect showed its
    // text, the password in it.  Here the login never reaches the server,
    // so it stays in flight for as long as the test looks.
    const held = [];
    class HoldLogins extends WebSocket {
        send(text, ...rest) {
            if (text.startsWith('{"SV_AUTH"')) held.push(text);
            else super.send(text, ...rest);
        }
    }
    const fromOptions = new Ndb(server.url, { user: 'alice', password: 'secret', timeout: 0, WebSocket: HoldLogins });
    const byAuth = new Ndb(server.url, { timeout: 0, WebSocket: HoldLogins });
    try {
        fromOptions.open().catch(() => {});
        byAuth.auth('alice', 'secret').catch(() => {});
        await until(() => held.length === 2, 'both logins sent');
        assert.deepEqual(held, ['{"SV_AUTH":{"user":"alice","password":"secret"}}', '{"SV_AUTH":{"user":"alice","password":"secret"}}']);
        for (const db of [fromOptions, byAuth]) {
            for (const text of shown(db)) assert.doesNotMatch(text, /secret/);
        }
    } finally {
        fromOptions.close();
        byAuth.close();
    }
});

test('refused credentials in the options: connect() rejects with the 44, after one try, and the client stays closed', async () => {
    const db = record(new Ndb(server.url, { user: 'alice', password: 'wrong', minDelay: 20 }));
    const closed = once(db, 'close');
    await refused(db.open(), 'SV_AUTH', 44, 'wrong user or password');
    assert.deepEqual(await closed, { code: 1000, reason: 'authentication failed' });
    assert.equal(db.state, 'closed'); // a closed client never dials again
    assert.deepEqual(db.sent, ['SV_AUTH']);
    await assert.rejects(db.kv.count(), /^NdbConnectionError: KV_COUNT: the client is closed$/);
});

test('after a server restart the client logs in again, then renews its watch, then sends what waited', async () => {
    const db = await client(server.url, { user: 'alice', password: 'secret' });
    const w = await db.kv.watch({ prefix: 'r:' });
    const reconnecting = once(db, 'reconnecting');
    await server.stop();
    await reconnecting;
    assert.deepEqual([db.user, db.role], [null, null]);
    const sentBefore = db.sent.length;
    const waited = db.kv.set({ 'r:1': 1 }); // made while the server is down: waits
    const reopened = once(db, 'open');
    await server.relaunch();
    await reopened;
    assert.deepEqual([db.user, db.role], ['alice', 'write']);
    assert.equal(await waited, undefined);
    assert.deepEqual(db.sent.slice(sentBefore), ['SV_AUTH', 'KV_WATCH', 'KV_SET']);
    assert.deepEqual(await take(w, 2), [{ id: w.id, op: 'reconnect' }, { id: w.id, key: 'r:1', op: 'set' }]);
    assert.equal(w.ended, false);
    await w.close();
    await db.kv.rmv('r:1');
});

test('a password changed while the client was away: the 44 of the reconnection closes the client for good', async () => {
    const own = join(dir, 'changing.json');
    writeConfig(own, ALICE);
    const s = await Server.start(['--config', own]);
    try {
        const db = await client(s.url, { user: 'alice', password: 'secret' });
        const w = await db.kv.watch({ keys: ['k'] });
        const heard = [];
        const cb = await db.kv.watch({ keys: ['k'] }, (ev) => heard.push(ev));
        const reconnecting = once(db, 'reconnecting');
        await s.stop();
        await reconnecting;
        writeConfig(own, user('alice', 'new-secret', 'write'));
        const waiting = db.kv.get('k');
        const failed = once(db, 'error');
        const closed = once(db, 'close');
        await s.relaunch();
        const e = await failed;
        assert.ok(e instanceof NdbError);
        assert.deepEqual([e.command, e.status, e.serverMessage], ['SV_AUTH', 44, 'wrong user or password']);
        assert.deepEqual(await closed, { code: 1000, reason: 'authentication failed' });
        assert.equal(await waiting.then(() => 'answered', (x) => x), e); // what waited gets the refusal
        assert.equal(db.state, 'closed');
        // the watches end with the refusal: a `for await` loop throws it (it
        // finished as after w.close(), and a live view stopped without a word)
        assert.deepEqual([w.ended, w.error, cb.ended, cb.error], [true, e, true, e]);
        await assert.rejects(take(w, 1), (x) => x === e);
        assert.deepEqual(heard, []);
        assert.equal(db.sent.filter((c) => c === 'SV_AUTH').length, 2); // the first login and the one refused
    } finally {
        await s.stop();
    }
});

test('a restart that catches the reconnection\'s login in its check (43, unchecked) is no refusal: the client logs in again', async () => {
    // a hash slow enough (millions of iterations) that the server is stopped
    // while it checks the reconnection's SV_AUTH, whatever the machine's speed
    const own = join(dir, 'slow.json');
    writeFileSync(own, `{"security":{"users":[${execFileSync(NDB, ['passwd', '--iterations', '5000000', '--name', 'slow', '--role', 'write'],
        { input: 'pw\n', encoding: 'utf8' }).trim()}]}}`);
    const s = await Server.start(['--config', own, '--log-level', 'debug']);
    try {
        // each login is a check of millions of iterations: on a loaded machine
        // (ASan CI beside other tests) it took more than the default request
        // timeout of 10 s, and the client, taking the silence for a dead
        // connection, dialled and logged in once more (4 SV_AUTHs, not 3)
        const slowly = 120000;
        const db = await client(s.url, { user: 'slow', password: 'pw', timeout: slowly });
        const errors = [];
        db.on('error', (e) => errors.push(e.message));
        const reconnecting = once(db, 'reconnecting');
        await s.stop();
        await reconnecting;
        const answers = [];
        const receive = db.receive.bind(db);
        db.receive = (text) => {
            answers.push(text);
            receive(text);
        };
        await s.relaunch();
        await until(() => db.sent.filter((c) => c === 'SV_AUTH').length === 2, 'the reconnection\'s SV_AUTH sent');
        // sent is not read: a stop before the server has the login closes the
        // connection without an answer (a loaded machine under ASan did)
        await until(() => /password check of user "slow" from \S+: started/.test(s.log), 'the check begun');
        await s.stop(); // while the password is being checked
        // the server's exit can be seen before the answer it sent is read
        await until(() => answers.length > 0, 'the answer to the unchecked login');
        assert.deepEqual(answers, [
            '{"SV_AUTH_RSP":{"m":"the server is shutting down: the password was not checked","st":43,"tkn":null}}']);
        const reopened = once(db, 'open', slowly);
        await s.relaunch();
        await reopened;
        assert.deepEqual([db.state, db.user, db.role], ['open', 'slow', 'write']);
        assert.equal(await db.kv.count(), 0);
        assert.deepEqual(errors, []);
        assert.equal(db.sent.filter((c) => c === 'SV_AUTH').length, 3);
    } finally {
        closeClients();
        await s.stop();
    }
});

test('a login the server left unchecked for its long queue (43, too many logins waiting) is dialled again, not left pending', async () => {
    // ndb answers a login whose check could not start within 3 s at once,
    // 43 "too many logins waiting", and keeps the connection, not logged
    // in: the client waited there for an answer that never came, connect()
    // pending until the server's login timeout (60 s).  A fake server
    // answers the first login so (a real one does it only under a queue
    // of slow checks, at a moment no test can pick).
    const fake = await FakeServer.start();
    const busy = '{"SV_AUTH_RSP":{"m":"too many logins waiting: the password was not checked; try again in 4 s","st":43,"tkn":null}}';
    let logins = 0;
    const answer = fake.answer.bind(fake);
    fake.answer = (text) => (!text.startsWith('{"SV_AUTH"') ? answer(text)
        : ++logins === 1 ? busy : '{"SV_AUTH_RSP":{"role":"write","st":1,"user":"slow"}}');
    try {
        const db = await client(fake.url, { user: 'slow', password: 'pw', minDelay: 50, maxDelay: 100 });
        const errors = [];
        db.on('error', (e) => errors.push(e.message));
        assert.deepEqual([db.state, db.user, db.role, logins], ['open', 'slow', 'write', 2]);
        assert.equal(await db.kv.count(), 0);
        assert.deepEqual(errors, []);
    } finally {
        closeClients();
        await fake.stop();
    }
});

test('five wrong passwords: answered, then the server closes (1008); the client logs in again as before, not with them', async () => {
    // a server of its own: failures are throttled per address, server-wide
    const s = await Server.start(['--config', config]);
    try {
        const db = await client(s.url, { user: 'rita', password: 'pw' });
        const closed = once(db, 'close');
        const reopened = once(db, 'open');
        let fifthAt = 0, closedAt = 0;
        db.on('close', () => { closedAt ||= Date.now(); });
        const tries = [];
        for (let i = 0; i < 6; i++) tries.push(db.auth('alice', `guess${i}`).then(() => 'logged in', (x) => x));
        tries[4].then(() => { fifthAt = Date.now(); });
        const results = await Promise.all(tries);
        for (const e of results.slice(0, 5)) {
            assert.ok(e instanceof NdbError, String(e));
            assert.deepEqual([e.command, e.status, e.serverMessage], ['SV_AUTH', 44, 'wrong user or password']);
        }
        // the sixth was sent but never answered: the client does not send it again
        assert.ok(results[5] instanceof NdbConnectionError, String(results[5]));
        assert.equal(results[5].message, 'SV_AUTH: the connection closed (code 1008: too many failed authentication attempts)');
        assert.deepEqual(await closed, { code: 1008, reason: 'too many failed authentication attempts' });
        // the close completes at once (it took the server's 5 s close timeout when the
        // connection, held during the password check, no longer read the client's close frame)
        assert.ok(closedAt - fifthAt < 2000, `the close came ${closedAt - fifthAt} ms after the fifth answer`);
        await reopened;
        // the new connection logs in with the credentials the server last accepted
        assert.deepEqual([db.user, db.role], ['rita', 'read']);
        assert.deepEqual(db.texts.slice(7), ['{"SV_AUTH":{"user":"rita","password":"pw"}}']);
        assert.equal(await db.kv.count(), 0);
        assert.equal(db.sent.filter((c) => c === 'SV_AUTH').length, 8); // rita, six guesses, rita again
    } finally {
        closeClients();
        await s.stop();
    }
});

test('not logged in past loginTimeoutSec: the server closes (1008 login timeout), the client reconnects, and db.auth() still works', async () => {
    const s = await Server.start(['--config', config, '--login-timeout', '1']);
    try {
        const db = await client(s.url);
        const closed = once(db, 'close');
        const reopened = once(db, 'open');
        assert.deepEqual(await closed, { code: 1008, reason: 'login timeout' });
        await reopened;
        assert.deepEqual(await db.auth('alice', 'secret'), { role: 'write', user: 'alice' });
        // logged in: no deadline any more
        let closes = 0;
        db.on('close', () => { closes++; });
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(closes, 0);
        assert.equal(await db.kv.count(), 0);
        // credentials in the options log in before the deadline on every connection
        const withCredentials = await client(s.url, { user: 'rita', password: 'pw' });
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(withCredentials.state, 'open');
        assert.equal(await withCredentials.kv.count(), 0);
    } finally {
        closeClients();
        await s.stop();
    }
});

test('a server without users: SV_AUTH answers 14, and credentials in the options fail connect()', async () => {
    const s = await Server.start();
    try {
        const db = await client(s.url);
        await refused(db.auth('alice', 'secret'), 'SV_AUTH', 14, 'authentication is off: the server has no users');
        assert.equal(await db.kv.count(), 0);
        // the client was asked to log in and the server cannot say who it is: no silent anonymous use
        const withCredentials = record(new Ndb(s.url, { user: 'alice', password: 'secret' }));
        await refused(withCredentials.open(), 'SV_AUTH', 14, 'authentication is off: the server has no users');
        assert.equal(withCredentials.state, 'closed');
    } finally {
        closeClients();
        await s.stop();
    }
});

test('this file sent SV_AUTH to a real server', () => {
    assertSent('auth.test.mjs', SENT);
});
