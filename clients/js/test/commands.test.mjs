// commands.test.mjs — every command of ndb's command table through its
// client method, against a real `ndb serve`: exact results and the errors
// the server answers.  The last test checks that every command of
// src/common/commands.def has a method and is given to a real-server test
// file (coverage.mjs), and that this file sent the commands given to it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { COMMAND_METHODS, JsonNumber, JsonText, stringify, token } from '../ndb.js';
import { assertAllGiven, assertSent, commandsDef } from './coverage.mjs';
import { client, refused, SENT } from './real.mjs';
import { Server } from './server.mjs';

let server, db, dir;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ndb-js-'));
    server = await Server.start(['--persist-path', dir]);
    db = await client(server.url);
});

after(async () => {
    db.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
});

test('kv: set, add, get, contains, count, keys, rmv, clearSet, clear', async () => {
    assert.equal(await db.kv.set({ user: 'Bob', age: 26, profile: { city: 'Paris' } }), undefined);
    await db.kv.add({ age: 30, city: 'Lyon' });
    assert.deepEqual(await db.kv.get(['user', 'age', 'nope', 'city']), { user: 'Bob', age: 26, city: 'Lyon' });
    assert.equal(await db.kv.get('age'), 26);
    assert.equal(await db.kv.get('nope'), undefined);
    assert.deepEqual(await db.kv.get('profile', { text: true }), '{"city":"Paris"}');
    assert.deepEqual(await db.kv.contains(['city', 'zz', 'user']), ['city', 'user']);
    assert.equal(await db.kv.count(), 4);
    assert.deepEqual(await db.kv.keys(), ['age', 'profile', 'user', 'city']);
    await db.kv.rmv('city');
    await db.kv.rmv(['age', 'nope']);
    assert.deepEqual(await db.kv.keys(), ['profile', 'user']);
    assert.equal(await db.kv.clearSet({ a: 1, b: 2 }), 2);
    assert.equal(await db.kv.clear(), 2);
    assert.equal(await db.kv.count(), 0);
});

test('kv: find (keys, paths, kv, exact text), update, arrAppend', async () => {
    await db.kv.set({ devices: [{ make: 'Apple', n: new JsonText('1.0') }, { make: 'Samsung', n: 2 }], list: [1], obj: { teams: [] } });
    assert.deepEqual(await db.kv.find("$[?(@.make == 'Samsung')]"), ['devices']);
    assert.deepEqual(await db.kv.find('$[*].make', { rsp: 'paths', keys: ['devices'] }), ["$[0]['make']", "$[1]['make']"]);
    assert.deepEqual(await db.kv.find('$[0]', { rsp: 'kv' }), { devices: [{ make: 'Apple', n: 1 }, { make: 'Samsung', n: 2 }], list: [1] });
    assert.deepEqual(await db.kv.find('$[0]', { rsp: 'kv', keys: ['list'], text: true }), { list: '[1]' });
    assert.equal(await db.kv.update('devices', '$[*].make', 'X'), 2);
    assert.equal(await db.kv.get('devices', { text: true }), '[{"make":"X","n":1.0},{"make":"X","n":2}]');
    await db.kv.arrAppend('list', [2, 'three']);
    await db.kv.arrAppend('obj', ['Saracens'], { name: 'teams' });
    assert.deepEqual(await db.kv.get(['list', 'obj']), { list: [1, 2, 'three'], obj: { teams: ['Saracens'] } });
    const e = await refused(db.kv.find('$[?(@.x =='), 'KV_FIND', 4);
    assert.match(e.message, /^KV_FIND: PathInvalid \(4\): /);
    await refused(db.kv.update('nokey', '$', 1), 'KV_UPDATE', 22);
    await refused(db.kv.arrAppend('nokey', [1]), 'KV_ARR_APPEND', 22);
    await refused(db.kv.find('$', { rsp: 'x' }), 'KV_FIND', 13, "'rsp' invalid value");
    await db.kv.clear();
});

test('kv: scan a page at a time and scanAll, with a prefix', async () => {
    await db.kv.set({ 'user:2': 2, a: 1, 'user:1': 1 });
    const first = await db.kv.scan({ cursor: 0, count: 2 });
    assert.deepEqual(first.keys, ['a', 'user:1']);
    assert.notEqual(first.cursor, 0);
    assert.deepEqual(await db.kv.scan({ cursor: first.cursor, count: 2 }), { cursor: 0, keys: ['user:2'] });
    assert.deepEqual(await db.kv.scan({ prefix: 'user:' }), { cursor: 0, keys: ['user:1', 'user:2'] });
    const all = [];
    for await (const k of db.kv.scanAll({ count: 1 })) all.push(k);
    assert.deepEqual(all, ['a', 'user:1', 'user:2']);
    const users = [];
    for await (const k of db.kv.scanAll({ prefix: 'user:', count: 1 })) users.push(k);
    assert.deepEqual(users, ['user:1', 'user:2']);
    await refused(db.kv.scan({ count: 0 }), 'KV_SCAN', 42, "'count' must be from 1 to 10000");
    await refused(db.kv.scan({ cursor: '2' }), 'KV_SCAN', 41, 'Param type incorrect');
    await db.kv.clear();
});

test('kv: save and load a snapshot', async () => {
    await db.kv.set({ a: 1, b: new JsonText('{"c":1.0}') });
    const saved = await db.kv.save('js');
    assert.deepEqual(Object.keys(saved).sort(), ['duration', 'name']);
    assert.equal(saved.name, 'js');
    await db.kv.clear();
    const loaded = await db.kv.load('js');
    assert.deepEqual({ ...loaded, duration: 0 }, { duration: 0, keys: 2, name: 'js', sessions: 0 });
    assert.equal(await db.kv.get('b', { text: true }), '{"c":1.0}');
    const e = await refused(db.kv.load('nope'), 'KV_LOAD', 142);
    assert.equal(e.response.name, 'nope');
    await refused(db.kv.save('../x'), 'KV_SAVE', 42);
    await db.kv.clear();
});

test('request(): a save or load that succeeded resolves with its body (121, 141 are their success), a failure rejects', async () => {
    await db.kv.set({ a: 1 });
    const saved = await db.request('KV_SAVE', { name: 'req' }); // threw "SaveComplete (121)"
    assert.deepEqual({ ...saved, duration: 0 }, { duration: 0, name: 'req', st: 121 });
    const loaded = await db.request('KV_LOAD', { name: 'req' });
    assert.deepEqual({ ...loaded, duration: 0 }, { duration: 0, keys: 1, name: 'req', sessions: 0, st: 141 });
    assert.equal((await db.request('SH_SAVE', { name: 'reqsh' })).st, 121);
    assert.equal((await db.request('SH_LOAD', { name: 'reqsh' })).st, 141);
    await refused(db.request('KV_LOAD', { name: 'nope' }), 'KV_LOAD', 142);
    // another command answering 121 is no success; options.ok still decides when given
    await refused(db.request('KV_COUNT', {}, { ok: [121] }), 'KV_COUNT', 1);
    await db.kv.clear();
});

test('sessions: create, keys inside, info, exists, infoAll, end', async () => {
    const t = await db.sessions.create();
    assert.equal(typeof t, 'number');
    const s = db.session(t);
    await s.set({ a: 1, b: { c: 2 } });
    await s.add({ a: 5, z: 0 });
    assert.deepEqual(await s.get(['a', 'b', 'nope']), { a: 1, b: { c: 2 } });
    assert.equal(await s.get('z'), 0);
    assert.equal(await s.get('b', { text: true }), '{"c":2}');
    assert.deepEqual(await s.contains(['a', 'zz']), ['a']);
    assert.equal(await s.count(), 3);
    assert.deepEqual(await s.keys(), ['a', 'b', 'z']);
    await s.rmv('z');
    assert.equal(await s.clearSet({ x: 1 }), 2);
    assert.deepEqual(await s.info(), { expires: false, keyCnt: 1, shared: false, tkn: t });
    assert.equal(await s.clear(), 1);
    const t2 = await db.sessions.create({ duration: 600, deleteSession: true, extendOnGet: true });
    const info = await db.sessions.info(t2);
    assert.deepEqual({ ...info, expiry: { ...info.expiry, remaining: 0 } }, {
        expires: true, keyCnt: 0, shared: false, tkn: t2,
        expiry: { deleteSession: true, duration: 600, extendOnGet: true, extendOnSetAdd: false, remaining: 0 },
    });
    assert.ok(info.expiry.remaining > 590 && info.expiry.remaining <= 600);
    assert.deepEqual(await db.sessions.exists([t, 5, t2, String(t)]), [t, t2, t]);
    assert.deepEqual(await db.sessions.infoAll(), { totalKeys: 0, totalSessions: 2 });
    await s.end();
    await refused(s.get('a'), 'SH_GET', 100);
    await db.sessions.end(t2);
    await refused(db.sessions.end(t2), 'SH_END', 100);
    assert.equal(await db.sessions.endAll(), 0);
});

test('sessions: scan, scanAll, save and load, endAll', async () => {
    const a = await db.sessions.create({ duration: 600 });
    const b = await db.sessions.create();
    await db.session(b).set({ x: 1 });
    const page = await db.sessions.scan({ count: 1 });
    assert.equal(page.cursor !== 0, true);
    assert.equal(page.sessions.length, 1);
    assert.equal(page.sessions[0].tkn, a);
    const rest = await db.sessions.scan({ cursor: page.cursor });
    assert.deepEqual(rest, { cursor: 0, sessions: [{ expires: false, keyCnt: 1, shared: false, tkn: b }] });
    const all = [];
    for await (const s of db.sessions.scanAll({ count: 1 })) all.push(s.tkn);
    assert.deepEqual(all, [a, b]);
    const saved = await db.sessions.save('shjs', { tkns: [b] });
    assert.equal(saved.name, 'shjs');
    assert.equal(await db.sessions.endAll(), 2);
    assert.deepEqual(await db.sessions.load('shjs'), { keys: 1, name: 'shjs', sessions: 1 });
    assert.deepEqual(await db.session(b).get(['x']), { x: 1 });
    await db.sessions.save('shall');
    assert.equal(await db.sessions.endAll(), 1);
    await refused(db.sessions.save('x', { tkns: [] }), 'SH_SAVE', 42, "'tkns' empty");
    await refused(db.sessions.load('nope'), 'SH_LOAD', 142);
});

test('malformed tokens are refused before anything is sent', async () => {
    for (const bad of [-1, 1.5, 'x', '', '-3', 2n ** 64n, null, undefined, {}]) assert.throws(() => db.session(bad), TypeError);
    assert.throws(() => db.sessions.info(2 ** 60), TypeError); // not a safe integer: pass a BigInt
    // a list of tokens: an array, or one token alone; anything else names
    // the token it is not (it was "tkns.map is not a function")
    const t = await db.sessions.create();
    assert.deepEqual(await db.sessions.exists(t), [t]);
    assert.deepEqual(await db.sessions.exists([t, 7]), [t]);
    assert.throws(() => db.sessions.exists(null), /^TypeError: not a session token \(an integer from 0 to 2\^64-1\): null$/);
    for (const bad of [{}, 'x', -1]) {
        assert.throws(() => db.sessions.exists(bad), /^TypeError: not a session token \(an integer from 0 to 2\^64-1\): /);
        assert.throws(() => db.sessions.save('x', { tkns: bad }), /^TypeError: not a session token /);
        assert.throws(() => db.sessions.watch({ tkns: bad }), /^TypeError: not a session token /);
    }
    // token 0 (falsy) is a token: it names no session, so nothing is saved
    // (it saved every session); '' is no token (it saved every session too)
    assert.equal((await db.sessions.save('zero', { tkns: 0 })).name, 'zero');
    assert.throws(() => db.sessions.save('x', { tkns: '' }), /^TypeError: not a session token /);
    assert.throws(() => db.sessions.watch({ tkns: '' }), /^TypeError: not a session token /);
    await refused(db.sessions.watch({ tkns: 0 }), 'SH_WATCH', 100, 'session 0 does not exist');
    await db.sessions.end(t);
    assert.deepEqual(await db.sessions.load('zero'), { keys: 0, name: 'zero', sessions: 0 });
    await refused(db.request('SH_GET', { tkn: -1, keys: [] }), 'SH_GET', 101);
});

test('token() and db.session(t).token are what answers and events carry: a number up to 2^53-1, a BigInt above', async () => {
    // token('123') was 123n: a page that took a session's token from its URL
    // or a form never matched the events of that session (ev.tkn === s.token)
    assert.equal(token('123'), 123);
    assert.equal(token(123n), 123);
    assert.equal(token(new JsonNumber('42')), 42);
    assert.equal(token(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
    assert.equal(token('9007199254740992'), 9007199254740992n);
    assert.equal(token(2n ** 64n - 1n), 2n ** 64n - 1n);
    const t = await db.sessions.create();
    const s = db.session(String(t));
    assert.equal(s.token, t);
    let matched;
    const seen = new Promise((resolve) => { matched = resolve; });
    const w = await db.sessions.watch({ tkns: String(t) }, (ev) => matched(ev.tkn === s.token));
    await s.set({ a: 1 });
    assert.equal(await seen, true);
    await w.close();
    await s.end();
});

test('kv.find as the README has it: $ for the value itself (the CLI\'s --where), and paths per key with keys: [key]', async () => {
    await db.kv.set({ 'device:1': { site: 'A', v: 3 }, 'device:2': { site: 'B', v: 9 }, team: [{ site: 'A' }, { site: 'A' }] });
    assert.deepEqual(await db.kv.find('$[?(@.site == "A")]'), ['team']); // members of each value
    assert.deepEqual(await db.kv.find('$[?($.site == "A")]'), ['device:1']); // each value itself
    assert.deepEqual(await db.kv.find('$[?($.v > 5)]', { rsp: 'kv' }), { 'device:2': { site: 'B', v: 9 } });
    // paths of all keys run together; per key with keys: [key]
    assert.deepEqual(await db.kv.find('$..site', { rsp: 'paths' }), ["$['site']", "$['site']", "$[0]['site']", "$[1]['site']"]);
    const perKey = {};
    for (const key of await db.kv.find('$..site')) perKey[key] = await db.kv.find('$..site', { rsp: 'paths', keys: [key] });
    assert.deepEqual(perKey, { 'device:1': ["$['site']"], 'device:2': ["$['site']"], team: ["$[0]['site']", "$[1]['site']"] });
    await db.kv.clear();
});

test('arguments of the wrong shape (the CLI\'s incr KEY N) are TypeErrors naming the method and its shape, nothing sent', async () => {
    const sent = db.sent.length;
    const s = db.session(await db.sessions.create());
    const shape = (f, message) => assert.throws(f, { name: 'TypeError', message });
    // the server would answer each with 41 "Param type incorrect", naming neither
    shape(() => db.kv.incr('hits'), 'kv.incr takes an object of key: increment, e.g. {"hits": 1}; got the string "hits"');
    shape(() => db.kv.incr('hits', 5), 'kv.incr takes an object of key: increment, e.g. {"hits": 1}; got the string "hits"');
    shape(() => s.incr('n'), 'session.incr takes an object of key: increment, e.g. {"hits": 1}; got the string "n"');
    shape(() => db.kv.set('a', 1), 'kv.set takes an object of key: value, e.g. {"a": 1}; got the string "a"');
    shape(() => db.kv.add(['a', 1]), 'kv.add takes an object of key: value, e.g. {"a": 1}; got an array');
    shape(() => db.kv.clearSet(new Map([['a', 1]])), 'kv.clearSet takes an object of key: value, e.g. {"a": 1}; got a Map');
    shape(() => s.set(null), 'session.set takes an object of key: value, e.g. {"a": 1}; got null');
    shape(() => db.kv.expire('otp', 30), 'kv.expire takes an object of key: seconds, e.g. {"otp": 30}; got the string "otp"');
    shape(() => db.kv.get(5), 'kv.get takes a key name or an array of key names; got the number 5');
    shape(() => db.kv.rmv({ a: 1 }), 'kv.rmv takes a key name or an array of key names; got an object');
    shape(() => s.contains(undefined), 'session.contains takes a key name or an array of key names; got undefined');
    shape(() => db.kv.ttl(true), 'kv.ttl takes a key name or an array of key names; got the boolean true');
    shape(() => db.kv.persist(7n), 'kv.persist takes a key name or an array of key names; got the BigInt 7');
    shape(() => db.kv.watch('job:'), 'kv.watch takes {keys: [names]} or {prefix: "job:"}; got the string "job:"');
    shape(() => db.kv.watch(['a']), 'kv.watch takes {keys: [names]} or {prefix: "job:"}; got an array');
    shape(() => db.sessions.watch('all'), 'sessions.watch takes {tkns: [tokens]} or {all: true}; got the string "all"');
    assert.deepEqual(db.sent.slice(sent), ['SH_NEW']);
    // the right shapes, a null-prototype object and JSON text of one object included
    assert.deepEqual(await db.kv.incr({ hits: 2 }), { hits: 2 });
    await db.kv.set(Object.assign(Object.create(null), { a: 1 }));
    await db.kv.add(new JsonText('{"b":1.0}'));
    assert.deepEqual(await db.kv.get(['a', 'b'], { text: true }), { a: '1', b: '1.0' });
    await s.end();
    await db.kv.clear();
});

test('a required argument left undefined, or a key\'s value JSON cannot carry, is a TypeError naming it, nothing sent', async () => {
    const sent = db.sent.length;
    const missing = (f, message) => assert.throws(f, { name: 'TypeError', message });
    missing(() => db.kv.update('doc', '$.a', undefined), 'kv.update: the new value is undefined (kv.rmv removes a key)');
    missing(() => db.kv.update('doc', undefined, 1), 'kv.update: the path is undefined');
    missing(() => db.kv.update(undefined, '$.a', 1), 'kv.update: the key is undefined');
    missing(() => db.kv.cas('lock', undefined, 'me'), 'kv.cas: expect is undefined (null: the key must not exist)');
    missing(() => db.kv.cas(undefined, null, 'me'), 'kv.cas: the key is undefined');
    missing(() => db.kv.arrAppend('list', undefined), 'kv.arrAppend: the array of items is undefined');
    missing(() => db.kv.find(undefined), 'kv.find: the path is undefined');
    // a key's member JSON would leave out: the key was not written, and the call resolved
    missing(() => db.kv.set({ otp: undefined }), 'kv.set: the value of key "otp" is undefined, which JSON cannot carry (kv.rmv removes a key)');
    missing(() => db.kv.add({ a: 1, f: () => 1 }), 'kv.add: the value of key "f" is a function, which JSON cannot carry (kv.rmv removes a key)');
    missing(() => db.kv.clearSet({ s: Symbol('s') }), 'kv.clearSet: the value of key "s" is a symbol, which JSON cannot carry (kv.rmv removes a key)');
    missing(() => db.kv.incr({ hits: undefined }), 'kv.incr: the increment of key "hits" is undefined, which JSON cannot carry');
    missing(() => db.kv.expire({ otp: undefined }), 'kv.expire: the TTL of key "otp" is undefined, which JSON cannot carry');
    missing(() => db.session(5).set({ otp: undefined }), 'session.set: the value of key "otp" is undefined, which JSON cannot carry (session.rmv removes a key)');
    assert.deepEqual(db.sent.slice(sent), []);
    // null is a value: stored, compared, appended; deeper in a value an
    // undefined member is left out, as JSON.stringify does
    await db.kv.set({ doc: { a: 1, gone: undefined }, list: [] });
    assert.deepEqual(await db.kv.get('doc'), { a: 1 });
    assert.equal(await db.kv.update('doc', '$.a', null), 1);
    assert.deepEqual(await db.kv.get('doc'), { a: null });
    assert.equal(await db.kv.cas('lock', null, 'me'), true);
    await db.kv.arrAppend('list', [null]);
    assert.deepEqual(await db.kv.get('list'), [null]);
    await db.kv.clear();
});

test('a method\'s option it does not take (a misspelt {txt: true} or {timout: 5}) is a TypeError naming the method and its options, nothing sent', async () => {
    const sent = db.sent.length;
    const s = db.session(await db.sessions.create());
    const unknown = (f, method, k, known) => assert.throws(f, { name: 'TypeError', message: `${method}: unknown option '${k}' (its options are ${known})` });
    // each was ignored: the read went ahead doing what was not asked
    unknown(() => db.kv.get('a', { txt: true }), 'kv.get', 'txt', 'text, timeout');
    unknown(() => s.get(['a'], { timout: 5 }), 'session.get', 'timout', 'text, timeout');
    unknown(() => db.kv.find('$.a', { rps: 'kv' }), 'kv.find', 'rps', 'rsp, keys, text, timeout');
    unknown(() => db.kv.scan({ prefx: 'job:' }), 'kv.scan', 'prefx', 'cursor, count, prefix, timeout');
    unknown(() => db.kv.scanAll({ prefx: 'job:' }), 'kv.scanAll', 'prefx', 'count, prefix, timeout');
    unknown(() => db.sessions.scan({ prefix: 'a' }), 'sessions.scan', 'prefix', 'cursor, count, timeout');
    unknown(() => db.sessions.scanAll({ cursor: 5 }), 'sessions.scanAll', 'cursor', 'count, timeout');
    unknown(() => db.sessions.save('x', { tokens: [1] }), 'sessions.save', 'tokens', 'tkns, timeout');
    unknown(() => db.kv.rmv('a', { ttl: 5 }), 'kv.rmv', 'ttl', 'timeout');
    unknown(() => db.kv.ttl('a', { text: true }), 'kv.ttl', 'text', 'timeout');
    unknown(() => db.sessions.create({ duration: 60 }, { ttl: 5 }), 'sessions.create', 'ttl', 'timeout');
    unknown(() => s.info({ text: true }), 'session.info', 'text', 'timeout');
    unknown(() => db.info({ verbose: true }), 'info', 'verbose', 'timeout');
    unknown(() => db.kv.watch({ keys: ['a'] }, { value: true }), 'kv.watch', 'value', 'values, text, maxBuffered, timeout');
    assert.throws(() => db.kv.count(5000), { name: 'TypeError', message: "kv.count's options are an object such as {timeout: 5000}; got the number 5000" });
    assert.throws(() => db.sessions.watch({ all: true }, {}, 'log'), { name: 'TypeError', message: "sessions.watch's onEvent is a function; got the string \"log\"" });
    assert.deepEqual(db.sent.slice(sent), ['SH_NEW']);
    // no options, null, and the options each takes work as before
    await db.kv.set({ a: new JsonText('1.0') });
    assert.equal(await db.kv.get('a', null), 1);
    assert.equal(await db.kv.get('a', { text: true, timeout: 5000 }), '1.0');
    assert.deepEqual(await db.kv.find('$', { rsp: 'kv', keys: ['a'], text: true }), { a: '1.0' });
    assert.deepEqual(await db.kv.scan(null), { cursor: 0, keys: ['a'] });
    assert.equal(await db.kv.count({ prefix: undefined }), 1); // a member left undefined asks for nothing
    assert.equal(await s.count(null), 0);
    await s.end();
    await db.kv.clear();
});

test('info, request and raw', async () => {
    const info = await db.info();
    assert.equal(info.persistEnabled, true);
    assert.equal(info.protocolVersion, '0.7.1');
    assert.ok(!('st' in info));
    assert.deepEqual(await db.request('KV_COUNT'), { cnt: 0, st: 1 });
    assert.deepEqual(await db.raw({ KV_NOPE: {} }), { KV_NOPE_RSP: { m: '', st: 10, tkn: null } });
    assert.deepEqual(await db.raw('not json'), { ERR: { m: '', st: 3 } });
    assert.equal(await db.raw('{"KV_GET":{"keys":["a"]}}', { text: true }), '{"KV_GET_RSP":{"keys":{},"st":1}}');
    await refused(db.request('KV_NOPE', {}), 'KV_NOPE', 10, '');
    const e = await refused(db.request('KV_SET', { keys: [] }), 'KV_SET', 41, 'Param type incorrect');
    assert.equal(e.message, 'KV_SET: ValueTypeInvalid (41): Param type incorrect');
    assert.deepEqual(e.response, { m: 'Param type incorrect', st: 41, tkn: null });
    const err = await refused(db.request('KV_GET', 5), 'KV_GET', 13);
    assert.equal(err.message, 'KV_GET: CommandSyntax (13): the request is not shaped as the command needs');
});

test('values that JSON cannot carry are refused by the client, and nothing is sent', async () => {
    await assert.rejects(db.kv.set({ a: NaN }), /NaN cannot be sent as JSON/);
    assert.throws(() => stringify(() => 1), /^TypeError: a function cannot be sent as JSON$/);
    assert.throws(() => stringify(undefined), /^TypeError: undefined cannot be sent as JSON$/);
    await assert.rejects(db.kv.set({ a: 1, b: -Infinity }), TypeError);
    await assert.rejects(db.raw({ KV_SET: { keys: { a: 1n, b: NaN } } }), TypeError);
    // a key whose value JSON would leave out was not written, and the call resolved
    assert.throws(() => db.kv.set({ a: () => 1, b: Symbol('x') }), /^TypeError: kv\.set: the value of key "a" is a function, which JSON cannot carry/);
    await db.kv.set({ n: { a: () => 1, b: Symbol('x'), c: [undefined] } }); // inside a value: as JSON.stringify does
    assert.deepEqual(await db.kv.get('n'), { c: [null] });
    await db.kv.rmv('n');
    assert.deepEqual(await db.kv.keys(), []);
    // a lone surrogate in a name: the server would drop it and store the key "a" instead
    await db.kv.set({ a: 'kept' });
    await assert.rejects(db.kv.set({ ['a\udc00']: 'other' }), /^TypeError: a string with a lone surrogate/);
    assert.deepEqual(await db.kv.get(['a']), { a: 'kept' });
    // raw() text is sent as it is: with a lone surrogate it could not be
    // (the WebSocket would send U+FFFD, and "a\ufffd" would be stored)
    await assert.rejects(db.raw('{"KV_SET":{"keys":{"a\udc00":1}}}'), /^TypeError: a string with a lone surrogate/);
    assert.deepEqual(await db.kv.keys(), ['a']);
    await db.kv.clear();
});

test('every command of commands.def has a method and a real-server test; this file sent those given to it', () => {
    const noMethod = commandsDef().filter((n) => !COMMAND_METHODS[n]);
    assert.deepEqual(noMethod, [], 'commands without a method in lib/commands.js');
    assertAllGiven();
    assertSent('commands.test.mjs', SENT);
});
