// commands.js — a method for every command of the protocol, on top of
// Client.request().  Each resolves with the useful part of the answer (the
// value, the count, the list) and rejects with NdbError when the server
// refuses (docs/protocol.md has every command, parameter and status).
//
//   db.kv.*              top-level keys          KV_*
//   db.sessions.*        sessions as a whole     SH_NEW, SH_END, SH_INFO_ALL, ...
//   db.session(tkn).*    one session's keys      SH_SET, SH_GET, ...
//   db.info(), db.auth() the server              SV_INFO, SV_AUTH
//
// Every method takes an optional last argument of options; `timeout` (ms)
// is understood by all.  Values are JavaScript values; wrap JSON text in
// JsonText to send it exactly as written.  Methods for issue 17's commands
// (expire, ttl, persist, incr, cas, watch) need a server that has them; an
// older one answers CommandNotExist (10).

import { JsonNumber, JsonText } from './json.js';
import { checkOptions, plainObject, shown } from './options.js';
import { Watcher } from './watch.js';

const MAX_U64 = (1n << 64n) - 1n;

// Which method sends which command (the client's tests check that every
// command of ndb's command table, src/common/commands.def, is here).
export const COMMAND_METHODS = {
    KV_ADD: 'kv.add', KV_ARR_APPEND: 'kv.arrAppend', KV_CAS: 'kv.cas', KV_CLEAR: 'kv.clear',
    KV_CLEAR_SET: 'kv.clearSet', KV_CONTAINS: 'kv.contains', KV_COUNT: 'kv.count',
    KV_EXPIRE: 'kv.expire', KV_FIND: 'kv.find', KV_GET: 'kv.get', KV_INCR: 'kv.incr',
    KV_KEYS: 'kv.keys', KV_LOAD: 'kv.load', KV_PERSIST: 'kv.persist', KV_RMV: 'kv.rmv',
    KV_SAVE: 'kv.save', KV_SCAN: 'kv.scan', KV_SET: 'kv.set', KV_TTL: 'kv.ttl',
    KV_UNWATCH: 'watcher.close', KV_UPDATE: 'kv.update', KV_WATCH: 'kv.watch',
    SH_ADD: 'session.add', SH_CLEAR: 'session.clear', SH_CLEAR_SET: 'session.clearSet',
    SH_CONTAINS: 'session.contains', SH_COUNT: 'session.count', SH_END: 'sessions.end',
    SH_END_ALL: 'sessions.endAll', SH_EXISTS: 'sessions.exists', SH_EXPIRE: 'session.expire',
    SH_GET: 'session.get', SH_INCR: 'session.incr', SH_INFO: 'sessions.info',
    SH_INFO_ALL: 'sessions.infoAll', SH_KEYS: 'session.keys', SH_LOAD: 'sessions.load',
    SH_NEW: 'sessions.create', SH_RMV: 'session.rmv', SH_SAVE: 'sessions.save',
    SH_SCAN: 'sessions.scan', SH_SET: 'session.set', SH_UNWATCH: 'watcher.close',
    SH_WATCH: 'sessions.watch', SV_AUTH: 'auth', SV_INFO: 'info',
};

// A session token as it goes on the wire: a non-negative integer below
// 2^64, given as a safe integer, a BigInt, or a string of digits.  It comes
// back as the client reads tokens in answers and events: a number up to
// 2^53-1, a BigInt above.  token('123') was 123n, so a page that took a
// token from its URL found `ev.tkn === db.session(t).token` never true.
export function token(t) {
    if (typeof t === 'number' && Number.isSafeInteger(t) && t >= 0) return t;
    if (typeof t === 'bigint' && t >= 0n && t <= MAX_U64) return readable(t);
    if (typeof t === 'string' && /^[0-9]{1,20}$/.test(t) && BigInt(t) <= MAX_U64) return readable(BigInt(t));
    if (t instanceof JsonNumber && /^[0-9]{1,20}$/.test(t.text)) return token(t.text);
    throw new TypeError(`not a session token (an integer from 0 to 2^64-1): ${String(t)}`);
}

// A token as answers carry it: a number if it is exact as one, else the BigInt.
function readable(t) {
    return t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : t;
}

// Tokens as they go on the wire: an array of tokens, or one token alone
// (as the key methods take one key); anything else throws token()'s
// TypeError, where `tkns.map is not a function` said nothing of tokens.
function tokens(t) {
    return Array.isArray(t) ? t.map(token) : [token(t)];
}

// The body without its status.
export function rest(body) {
    const { st, ...r } = body;
    return r;
}

// A method's argument of key names: one name or an array of them.  A
// number or an object would only get 41 "Param type incorrect" from the
// server, which names neither the method nor what it takes.
function list(keys, method) {
    if (typeof keys === 'string') return [keys];
    if (Array.isArray(keys)) return keys;
    throw new TypeError(`${method} takes a key name or an array of key names; got ${shown(keys)}`);
}

// A method's argument of {key: what}: set, add, clearSet, incr and expire
// take one object of keys (a JsonText holding one goes as written).  The
// CLI's shape, kv.incr('hits') or kv.set('a', 1), would otherwise get only
// 41 "Param type incorrect" from the server.  A key whose member is
// undefined, a function or a symbol is refused too: JSON leaves such a
// member out, so kv.set({otp: code}) with code never set wrote nothing and
// resolved as if it had (deeper in a value they are left out, as
// JSON.stringify does).
function keyMap(keys, method, what, example) {
    if (keys instanceof JsonText) return keys;
    if (!plainObject(keys)) throw new TypeError(`${method} takes an object of key: ${what}, e.g. ${example}; got ${shown(keys)}`);
    for (const k of Object.keys(keys)) {
        const v = keys[k];
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
            throw new TypeError(`${method}: the ${what === 'seconds' ? 'TTL' : what} of key ${JSON.stringify(k)} is ${v === undefined ? 'undefined' : `a ${typeof v}`}, which JSON cannot carry` +
                (what === 'value' ? ` (${method.replace(/\.\w+$/, '.rmv')} removes a key)` : ''));
        }
    }
    return keys;
}

// A method's required argument.  Left undefined, it would simply be left
// out of the body (as JSON.stringify leaves out an undefined member) and
// the server's 26 "Param missing" names no parameter; kv.update(k, path,
// undefined) reads like "remove it", which it is not.
function required(v, method, what, hint = '') {
    if (v === undefined) throw new TypeError(`${method}: ${what} is undefined${hint}`);
    return v;
}

// Options for a request from a method's options (only what request() knows).
function ro(o) {
    return o && o.timeout !== undefined ? { timeout: o.timeout } : {};
}

// body with options.ttl as its `ttl` member when one is given.  Every write
// method passes it on, also those whose command takes none (KV_INCR,
// KV_UPDATE, KV_ARR_APPEND, a session's writes): the server then refuses it
// with 13 naming KV_EXPIRE or SH_EXPIRE, where dropping it here would make
// the call succeed as if the keys were going to expire.
function withTtl(body, o, method, more = []) {
    writeOptions(o, method, more);
    return o && o.ttl !== undefined ? { ...body, ttl: ttlValue(o.ttl) } : body;
}

// A write method's options: ttl and timeout, and what `more` names.
function writeOptions(o, method, more = []) {
    checkOptions(o, method, ['ttl', 'timeout', ...more], '{ttl: 30}');
}

// Options for the request of a method that takes `more` beside timeout,
// checked as checkOptions does.
export function opt(o, method, ...more) {
    checkOptions(o, method, [...more, 'timeout']);
    return ro(o);
}

// A TTL worked out in floating point (0.1 * 3 is 0.30000000000000004, 0.7 * 3
// is 2.0999999999999996) goes as the milliseconds it stands for: the server
// takes at most three decimals and would refuse it with 42.  Only such
// rounding noise (a few units of the last place) is taken out: 1.2345 goes as
// it is and is refused, as the server refuses every TTL it would have to round.
function ttlValue(t) {
    if (typeof t !== 'number' || !Number.isFinite(t)) return t;
    const ms = t * 1000, r = Math.round(ms);
    return r !== ms && Math.abs(ms - r) <= Math.abs(ms) * 8 * Number.EPSILON ? r / 1000 : t;
}

// kv.expire's {key: seconds}, each through ttlValue (a JsonText goes as
// written).
function ttlValues(keys) {
    if (keyMap(keys, 'kv.expire', 'seconds', '{"otp": 30}') instanceof JsonText) return keys;
    const out = Object.create(null); /* a key "__proto__" stays a key */
    for (const [k, t] of Object.entries(keys)) out[k] = ttlValue(t);
    return out;
}

const EXPIRY_FLAGS = ['deleteSession', 'extendOnGet', 'extendOnSetAdd'];

// A flag set without a duration would be dropped below (no duration: the
// session never expires), so a one-time password made with
// create({deleteSession: true}) would live for ever, where the server
// answers 26 for that `expiry` object.  Refused instead, as `ndb session new
// --delete` without --ttl is; an explicit duration 0 still means "never".
//
// The settings are an object of these members only: create(600) or
// create({ttl: 600}) (the CLI's --ttl, kv.set's ttl) would otherwise make a
// session that never expires, without a word.
function checkExpiry(e) {
    if (e == null) return;
    // new Map([['duration', 600]]) or new Number(600) has no own duration
    // either, and made a session that never expires
    if (!plainObject(e))
        throw new TypeError(`the expiry settings are an object such as {duration: 600, deleteSession: true}; got ${shown(e)}`);
    for (const k of Object.keys(e)) {
        if (k !== 'duration' && !EXPIRY_FLAGS.includes(k))
            throw new TypeError(`unknown expiry setting '${k}'${k === 'ttl' ? " (a session's period is 'duration', in seconds)" : ''}: ` +
                `the settings are duration, ${EXPIRY_FLAGS.join(', ')}`);
    }
    if (e.duration == null && EXPIRY_FLAGS.some((f) => e[f]))
        throw new TypeError('deleteSession, extendOnGet and extendOnSetAdd need a duration (0: never expires)');
    // whole seconds (docs/protocol.md, SH_NEW: a uint): NaN (Number('abc')
    // from a form) was taken as no duration, a session that never expires,
    // with deleteSession or not; 1.5, -1 or '600' got only "ValueTypeInvalid
    // (41): Param type incorrect", which names no parameter
    const d = e.duration;
    if (d != null && !(Number.isSafeInteger(d) && d >= 0) && !(typeof d === 'bigint' && d >= 0n))
        throw new TypeError(`the expiry's duration is a whole number of seconds, 0 or more (0: never expires); got ${shown(d)}`);
}

// The body of SH_NEW from {duration, deleteSession, extendOnGet,
// extendOnSetAdd}; no duration (or 0): a session that never expires.
function expiryBody(e) {
    checkExpiry(e);
    if (!e || !e.duration) return {};
    return { expiry: expiryObject(e) };
}

// The `expiry` object of SH_NEW and SH_EXPIRE from those options.
function expiryObject(e) {
    checkExpiry(e);
    const expiry = { duration: e.duration ?? 0 };
    for (const f of EXPIRY_FLAGS) if (e[f] !== undefined) expiry[f] = e[f];
    return expiry;
}

// The body of KV_WATCH or SH_WATCH: what to watch, and `values` when the
// options ask for the new values in the events (both families take it).
function watchBody(spec, o) {
    return o.values ? { ...spec, values: true } : spec;
}

// A watch's options and callback.  watch(spec, onEvent), the callback in
// the options' place, is taken as it reads: the callback went as options
// and no event ever reached it.
function watchArgs(o, onEvent, method) {
    if (typeof o === 'function' && onEvent == null) return [{}, o];
    checkOptions(o, method, ['values', 'text', 'maxBuffered', 'timeout'], '{values: true}');
    if (onEvent != null && typeof onEvent !== 'function')
        throw new TypeError(`${method}'s onEvent is a function; got ${shown(onEvent)}`);
    return [o ?? {}, onEvent ?? null];
}

// What a watch follows: an object ({keys} or {prefix}; {tkns} or {all}).
// kv.watch('job:') or kv.watch(['a']) would otherwise be spread into
// {"0": …} and answered 26 "one of 'keys' and 'prefix' is needed".
function watchSpec(spec, method, example) {
    if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) return spec;
    throw new TypeError(`${method} takes ${example}; got ${shown(spec)}`);
}

// Page after page of a scan command, one item at a time.  The options are
// checked here, when scanAll() is called, not at the first page read.
function scanAll(c, cmd, member, o, method, more) {
    checkOptions(o, method, ['count', ...more, 'timeout']);
    return scanPages(c, cmd, member, o ?? {});
}

async function* scanPages(c, cmd, member, o) {
    let cursor = 0;
    const body = {};
    if (o.count !== undefined) body.count = o.count;
    if (o.prefix !== undefined) body.prefix = o.prefix;
    do {
        const r = await c.request(cmd, { ...body, cursor }, ro(o));
        yield* r[member];
        cursor = r.cursor;
    } while (cursor !== 0);
}

// The key commands of one map: the top-level keys (prefix "KV", no token)
// or a session's (prefix "SH", its token).
function keyCommands(c, prefix, tkn) {
    const b = (body) => (tkn === undefined ? body : { tkn, ...body });
    const cmd = (name) => `${prefix}_${name}`;
    const m = (name) => `${tkn === undefined ? 'kv' : 'session'}.${name}`; // in TypeErrors
    const values = (keys, name) => keyMap(keys, m(name), 'value', '{"a": 1}');
    return {
        // Store every member of keys (an object); options.ttl (seconds, issue 17) expires them.
        set: (keys, o) => c.request(cmd('SET'), b(withTtl({ keys: values(keys, 'set') }, o, m('set'))), ro(o)).then(() => undefined),
        // Store the members of keys that do not exist yet.
        add: (keys, o) => c.request(cmd('ADD'), b(withTtl({ keys: values(keys, 'add') }, o, m('add'))), ro(o)).then(() => undefined),
        // get(["a","b"]) → {a: …, b: …} (missing keys left out); get("a") →
        // the value, or undefined.  options.text: values as their exact JSON text.
        get: (keys, o) => c.request(cmd('GET'), b({ keys: list(keys, m('get')) }), { ...opt(o, m('get'), 'text'), textDepth: o?.text ? 3 : -1 })
            .then((r) => (typeof keys === 'string' ? (Object.hasOwn(r.keys, keys) ? r.keys[keys] : undefined) : r.keys)),
        // Remove keys (a name or a list).
        rmv: (keys, o) => c.request(cmd('RMV'), b({ keys: list(keys, m('rmv')) }), opt(o, m('rmv'))).then(() => undefined),
        // Remove every key; resolves with how many there were.
        clear: (o) => c.request(cmd('CLEAR'), b({}), opt(o, m('clear'))).then((r) => r.cnt),
        count: (o) => c.request(cmd('COUNT'), b({}), opt(o, m('count'))).then((r) => r.cnt),
        // Which of keys exist, in the order asked.
        contains: (keys, o) => c.request(cmd('CONTAINS'), b({ keys: list(keys, m('contains')) }), opt(o, m('contains'))).then((r) => r.contains),
        // Every key name (for many keys, prefer kv.scan).
        keys: (o) => c.request(cmd('KEYS'), b({}), opt(o, m('keys'))).then((r) => r.keys),
        // Remove every key, then store keys; resolves with how many were removed.
        clearSet: (keys, o) => c.request(cmd('CLEAR_SET'), b(withTtl({ keys: values(keys, 'clearSet') }, o, m('clearSet'))), ro(o)).then((r) => r.cnt),
        // Add to numbers (issue 17): {hits: 1} → the new values.
        incr: (keys, o) => c.request(cmd('INCR'), b(withTtl({ keys: keyMap(keys, m('incr'), 'increment', '{"hits": 1}') }, o, m('incr'))), ro(o)).then((r) => r.keys),
    };
}

// db.kv
export function kvCommands(c) {
    return {
        ...keyCommands(c, 'KV'),
        // find(path, {rsp: "keys" | "paths" | "kv", keys, text}): the keys whose
        // value matches, the normalised paths of the matches, or {key: value}.
        find: (path, o) => {
            const options = opt(o, 'kv.find', 'rsp', 'keys', 'text');
            const rsp = o?.rsp || 'keys';
            const body = { path: required(path, 'kv.find', 'the path'), rsp };
            if (o?.keys) body.keys = o.keys;
            return c.request('KV_FIND', body, { ...options, textDepth: o?.text && rsp === 'kv' ? 3 : -1 })
                .then((r) => (rsp === 'paths' ? r.paths : r.keys));
        },
        // Replace every node path selects in key's value; resolves with the count.
        update: (key, path, value, o) => {
            const body = { key: required(key, 'kv.update', 'the key'), path: required(path, 'kv.update', 'the path'),
                value: required(value, 'kv.update', 'the new value', ' (kv.rmv removes a key)') };
            return c.request('KV_UPDATE', withTtl(body, o, 'kv.update'), ro(o)).then((r) => r.cnt);
        },
        // Append items to the array at key (or to its member options.name).
        arrAppend: (key, items, o = {}) => {
            const body = { key: required(key, 'kv.arrAppend', 'the key'), items: required(items, 'kv.arrAppend', 'the array of items') };
            if (o?.name !== undefined) body.name = o.name;
            return c.request('KV_ARR_APPEND', withTtl(body, o, 'kv.arrAppend', ['name']), ro(o)).then(() => undefined);
        },
        // Snapshots (docs/protocol.md section 6).
        save: (name, o) => c.request('KV_SAVE', { name }, opt(o, 'kv.save')).then(rest),
        load: (name, o) => c.request('KV_LOAD', { name }, opt(o, 'kv.load')).then(rest),
        // One page: scan({cursor, count, prefix}) → {cursor, keys}; cursor 0 ends.
        scan: (o) => {
            const options = opt(o, 'kv.scan', 'cursor', 'count', 'prefix');
            const body = {};
            for (const f of ['cursor', 'count', 'prefix']) if (o?.[f] !== undefined) body[f] = o[f];
            return c.request('KV_SCAN', body, options).then((r) => ({ cursor: r.cursor, keys: r.keys }));
        },
        // Every key (with options.prefix), page by page: for await (const k of db.kv.scanAll()).
        scanAll: (o) => scanAll(c, 'KV_SCAN', 'keys', o, 'kv.scanAll', ['prefix']),
        // Expiry (issue 17): expire({otp: 30}) → {otp: true}; ttl(keys) → {key: seconds | null}.
        expire: (keys, o) => c.request('KV_EXPIRE', { keys: ttlValues(keys) }, opt(o, 'kv.expire')).then((r) => r.keys),
        ttl: (keys, o) => c.request('KV_TTL', { keys: list(keys, 'kv.ttl') }, opt(o, 'kv.ttl')).then((r) => r.keys),
        // Remove keys' expiry (issue 17): {key: true if it had one, false if not}.
        persist: (keys, o) => c.request('KV_PERSIST', { keys: list(keys, 'kv.persist') }, opt(o, 'kv.persist')).then((r) => r.keys),
        // Compare and set (issue 17): store value if key holds expect (null:
        // if it does not exist); value undefined removes the key instead;
        // options.ttl (seconds) makes the stored value expire.  Resolves
        // true if it matched (and so changed), false if nothing changed.
        cas: (key, expect, value, o = {}) => {
            writeOptions(o, 'kv.cas');
            const body = { key: required(key, 'kv.cas', 'the key'), expect: required(expect, 'kv.cas', 'expect', ' (null: the key must not exist)') };
            if (value !== undefined) body.value = value;
            if (o?.ttl !== undefined) body.ttl = ttlValue(o.ttl);
            return c.request('KV_CAS', body, ro(o)).then((r) => r.ok);
        },
        // watch({keys} | {prefix}, {values, text, maxBuffered}, onEvent?) → Watcher (watch.js).
        watch: (spec, options, callback) => {
            const [o, onEvent] = watchArgs(options, callback, 'kv.watch');
            return new Watcher(c, 'KV', watchBody({ ...watchSpec(spec, 'kv.watch', '{keys: [names]} or {prefix: "job:"}') }, o), o, onEvent).start();
        },
    };
}

// db.session(tkn)
export function sessionCommands(c, t) {
    const tkn = token(t);
    return {
        token: tkn,
        ...keyCommands(c, 'SH', tkn),
        // The session's expiry and key count (SH_INFO), without st.
        info: (o) => c.request('SH_INFO', { tkn }, opt(o, 'session.info')).then(rest),
        end: (o) => c.request('SH_END', { tkn }, opt(o, 'session.end')).then(() => undefined),
        // New expiry settings, as sessions.create takes them; the period starts
        // now; duration 0 (or none): never expires (SH_EXPIRE, issue 17).
        expire: (expiry, o) => c.request('SH_EXPIRE', { tkn, expiry: expiryObject(expiry ?? {}) }, opt(o, 'session.expire')).then(() => undefined),
        watch: (options, callback) => {
            const [o, onEvent] = watchArgs(options, callback, 'session.watch');
            return new Watcher(c, 'SH', watchBody({ tkns: [tkn] }, o), o, onEvent).start();
        },
    };
}

// db.sessions
export function sessionsCommands(c) {
    return {
        // create({duration, deleteSession, extendOnGet, extendOnSetAdd}) → the
        // new session's token (a BigInt when above 2^53).
        create: (expiry, o) => c.request('SH_NEW', expiryBody(expiry), opt(o, 'sessions.create')).then((r) => r.tkn),
        end: (tkn, o) => c.request('SH_END', { tkn: token(tkn) }, opt(o, 'sessions.end')).then(() => undefined),
        endAll: (o) => c.request('SH_END_ALL', {}, opt(o, 'sessions.endAll')).then((r) => r.cnt),
        // Which of the tokens (an array, or one token) name a session, in the order asked.
        exists: (tkns, o) => c.request('SH_EXISTS', { tkns: tokens(tkns) }, opt(o, 'sessions.exists')).then((r) => r.exist),
        info: (tkn, o) => c.request('SH_INFO', { tkn: token(tkn) }, opt(o, 'sessions.info')).then(rest),
        // {totalKeys, totalSessions}
        infoAll: (o) => c.request('SH_INFO_ALL', {}, opt(o, 'sessions.infoAll')).then(rest),
        // Every session, or those of {tkns}; only an absent (or null) tkns
        // means every one: token 0 alone saves none, as the server does.
        save: (name, o) => {
            const options = opt(o, 'sessions.save', 'tkns');
            return c.request('SH_SAVE', o?.tkns != null ? { name, tkns: tokens(o.tkns) } : { name }, options).then(rest);
        },
        load: (name, o) => c.request('SH_LOAD', { name }, opt(o, 'sessions.load')).then(rest),
        // One page: scan({cursor, count}) → {cursor, sessions: [SH_INFO members]}.
        scan: (o) => {
            const options = opt(o, 'sessions.scan', 'cursor', 'count');
            const body = {};
            for (const f of ['cursor', 'count']) if (o?.[f] !== undefined) body[f] = o[f];
            return c.request('SH_SCAN', body, options).then((r) => ({ cursor: r.cursor, sessions: r.sessions }));
        },
        scanAll: (o) => scanAll(c, 'SH_SCAN', 'sessions', o, 'sessions.scanAll', []),
        // watch({tkns} | {all: true}, options, onEvent?) → Watcher.
        watch: (spec, options, callback) => {
            const [o, onEvent] = watchArgs(options, callback, 'sessions.watch');
            watchSpec(spec, 'sessions.watch', '{tkns: [tokens]} or {all: true}');
            return new Watcher(c, 'SH', watchBody(spec.tkns != null ? { tkns: tokens(spec.tkns) } : { ...spec }, o), o, onEvent).start();
        },
    };
}
