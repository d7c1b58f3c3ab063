// numbers.test.mjs — exact numbers against a real `ndb serve`: values keep
// their text through set → get in "exact" mode and as text; integers above
// 2^53 are never rounded; 64-bit session tokens round-trip exactly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, JsonNumber, JsonText, stringify } from '../ndb.js';
import { Server } from './server.mjs';

const TEXT = '{"int":18446744073709551615,"neg":-9223372036854775808,"huge":123456789012345678901234567890,' +
    '"one":1.0,"exp":1e400,"tenth":0.1000000000000000055511151231257827,"zero":-0,"plain":5,"half":0.5,' +
    '"esc":"\\u00e9\\n","order":{"b":1,"a":2,"1":3}}';

let server;
before(async () => { server = await Server.start(['--token-bits', '64']); });
after(async () => { await server.stop(); });

test('exact mode: every number comes back with its text; stringify writes it back byte for byte', async () => {
    const db = await connect(server.url, { numbers: 'exact' });
    await db.kv.set({ v: new JsonText(TEXT) });
    const v = await db.kv.get('v');
    assert.equal(v.int, 18446744073709551615n);
    assert.equal(v.neg, -9223372036854775808n);
    assert.equal(v.huge, 123456789012345678901234567890n);
    for (const k of ['one', 'exp', 'tenth', 'zero']) assert.ok(v[k] instanceof JsonNumber, k);
    assert.deepEqual([v.one.text, v.exp.text, v.tenth.text, v.zero.text], ['1.0', '1e400', '0.1000000000000000055511151231257827', '-0']);
    assert.equal(v.plain, 5);
    assert.equal(v.half, 0.5);
    assert.equal(v.esc, 'é\n');
    // numbers are exact; member order of integer-like names is JavaScript's (compare values, or use text)
    await db.kv.set({ copy: v });
    assert.deepEqual(await db.kv.get('copy'), v);
    assert.equal(stringify(v.one), '1.0');
    // the stored text itself, exactly as sent: escapes and member order included
    assert.equal(await db.kv.get('v', { text: true }), TEXT);
    db.close();
});

test('safe mode (the default): big integers are BigInt, other numbers as JSON.parse reads them', async () => {
    const db = await connect(server.url);
    const v = await db.kv.get('v');
    assert.equal(v.int, 18446744073709551615n);
    assert.equal(v.huge, 123456789012345678901234567890n);
    assert.equal(v.one, 1);
    assert.equal(v.exp, Infinity);
    assert.equal(v.tenth, 0.1);
    assert.equal(v.plain, 5);
    // a BigInt written back stays exact
    await db.kv.set({ n: v.int + 1n });
    assert.equal(await db.kv.get('n', { text: true }), '18446744073709551616');
    assert.equal(await db.kv.get('n'), 18446744073709551616n);
    db.close();
});

test('64-bit session tokens round-trip exactly, in both modes', async () => {
    for (const numbers of ['safe', 'exact']) {
        const db = await connect(server.url, { numbers });
        let t;
        // tokens are uniform in 1 … 2^64−1: one above 2^53 comes at once (bounded)
        for (let i = 0; i < 50 && typeof t !== 'bigint'; i++) t = await db.sessions.create();
        assert.equal(typeof t, 'bigint');
        assert.ok(t > 2n ** 53n);
        const s = db.session(t);
        await s.set({ x: 1 });
        assert.deepEqual(await s.get(['x']), { x: 1 });
        assert.equal((await s.info()).tkn, t);
        assert.deepEqual(await db.sessions.exists([t, t.toString()]), [t, t]);
        const found = [];
        for await (const info of db.sessions.scanAll()) found.push(info.tkn);
        assert.ok(found.includes(t));
        // the token rounded to a double names another session: the client refuses it
        assert.throws(() => db.session(Number(t)), TypeError);
        assert.deepEqual(await db.sessions.exists([t + 1n]), []);
        await s.end();
        await db.sessions.endAll();
        db.close();
    }
});
