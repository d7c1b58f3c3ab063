// fake.test.mjs — what only the fake server of fake.mjs can stage: an
// answer that comes after its request timed out, a message that answers no
// request, an older server without the newer commands.  Everything else is
// tested against a real `ndb serve`; the first test checks that the fake
// answers what it knows exactly as the real server does.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { connect, Ndb, NdbError, NdbTimeoutError } from '../ndb.js';
import { FakeServer } from './fake.mjs';
import { Server } from './server.mjs';

let fake;
const clients = [];
before(async () => { fake = await FakeServer.start(); });
after(async () => { await fake.stop(); });
afterEach(() => { while (clients.length) clients.pop().close(); });

// A client of the fake server, closed after the test.
async function client(options = {}) {
    const db = await connect(fake.url, { minDelay: 10, maxDelay: 50, ...options });
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

test('the fake answers the requests it knows, and one it does not, with the real server\'s exact text', async () => {
    const transcript = ['{"KV_SET":{"keys":{"a":1,"b":{"c":[true,null,"x"]}}}}', '{"KV_SET":{"keys":{"a":"one"}}}',
        '{"KV_GET":{"keys":["b","nope","a"]}}', '{"KV_GET":{"keys":[]}}', '{"KV_COUNT":{}}', '{"KV_NOPE":{}}'];
    const real = await Server.start();
    try {
        const answers = async (url) => {
            const db = await connect(url);
            clients.push(db);
            return Promise.all(transcript.map((t) => db.raw(t, { text: true })));
        };
        const fromFake = await answers(fake.url);
        assert.deepEqual(fromFake, await answers(real.url));
        assert.equal(fromFake.length, transcript.length);
    } finally {
        fake.kv.clear();
        await real.stop();
    }
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
    fake.kv.clear();
});

test('a watch renewal that times out after a reconnection while other answers came: the connection is made again, not left half set up', async () => {
    fake.watches = true;
    try {
        const db = await client({ timeout: 500 });
        const quick = await db.kv.watch({ keys: ['a'] });
        const slow = await db.kv.watch({ keys: ['b'] });
        // on the next connection the renewal of `slow` is answered after its timeout,
        // that of `quick` at once: something came back, so the connection was not taken
        // for dead, and the client stayed "connecting" on it for ever — every request
        // failed with "not sent: no connection" while the server answered
        fake.delays.set('{"KV_WATCH":{"keys":["b"]}}', 1500);
        const reconnecting = once(db, 'reconnecting');
        for (const ws of fake.conns) ws.terminate();
        await reconnecting;
        const closed = once(db, 'close');
        assert.deepEqual(await closed, { code: 4000, reason: 'the connection was not set up: KV_WATCH: no answer within 500 ms' });
        fake.delays.clear();
        await once(db, 'open');
        assert.equal(db.state, 'open');
        assert.equal(await db.kv.count(), 0);
        assert.deepEqual([quick.ended, slow.ended], [false, false]);
    } finally {
        fake.watches = false;
        fake.delays.clear();
    }
});

test('a message that answers no request is reported as an error, and nothing breaks', async () => {
    const db = await client();
    const err = once(db, 'error');
    fake.pushAll('{"KV_GET_RSP":{"keys":{},"st":1}}');
    assert.match((await err).message, /^a message that answers no request: \{"KV_GET_RSP"/);
    assert.equal(await db.kv.count(), 0);
});

test('an older server without the newer commands: their methods reject with CommandNotExist (10)', async () => {
    const db = await client();
    const e = await db.kv.watch({ prefix: '' }).then(() => assert.fail('should fail'), (x) => x);
    assert.ok(e instanceof NdbError);
    assert.equal(e.message, 'KV_WATCH: CommandNotExist (10): the server does not know this command (is it an older server?)');
    await assert.rejects(db.kv.ttl('a'), { name: 'NdbError', command: 'KV_TTL', status: 10 });
    await assert.rejects(db.auth('alice', 'secret'), { name: 'NdbError', command: 'SV_AUTH', status: 10 });
    // credentials for a server that has no SV_AUTH: connect() fails rather than go on unauthenticated
    const withCredentials = new Ndb(fake.url, { user: 'alice', password: 'secret' });
    await assert.rejects(withCredentials.open(), { name: 'NdbError', command: 'SV_AUTH', status: 10 });
    assert.equal(withCredentials.state, 'closed');
});
