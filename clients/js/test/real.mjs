// real.mjs — what the tests against a real `ndb serve` share: clients that
// record every command they put on the wire (for the coverage check of
// coverage.mjs), the NdbError a promise rejects with, and bounded waits
// (the machine is shared and noisy: tests wait for conditions, never for
// a fixed time, and every wait gives up after a bound).
import assert from 'node:assert/strict';
import { wireText } from '../lib/client.js';
import { Ndb, NdbError } from '../ndb.js';

// Every command sent to a server by a client of record() in this process.
export const SENT = new Set();

const made = new Set();

// Record the commands db sends: db.sent lists them in order (this client's
// own SV_AUTH and watch renewals included), db.texts the requests' text,
// SENT gathers the commands of all clients.
export function record(db) {
    db.sent = [];
    db.texts = [];
    const transmit = db.transmit.bind(db);
    db.transmit = (e) => {
        db.sent.push(e.cmd);
        db.texts.push(wireText(e));
        SENT.add(e.cmd);
        transmit(e);
    };
    made.add(db);
    return db;
}

// A connected client of url (quick reconnection for the tests), recorded.
export async function client(url, options = {}) {
    const db = record(new Ndb(url, { minDelay: 20, maxDelay: 200, ...options }));
    await db.open();
    return db;
}

// Close every client made above (in an afterEach: a failed test leaves none open).
export function closeClients() {
    for (const db of made) db.close();
    made.clear();
}

// The NdbError p rejects with, checked to carry command, status and, when
// given, the server's message exactly.
export async function refused(p, command, status, serverMessage) {
    const e = await p.then(() => assert.fail(`${command} should have failed`), (err) => err);
    assert.ok(e instanceof NdbError, `${command}: ${e}`);
    assert.equal(e.command, command);
    assert.equal(e.status, status);
    if (serverMessage !== undefined) assert.equal(e.serverMessage, serverMessage);
    return e;
}

// Resolve with the argument of db's next `name` event (within ms).
export function once(db, name, ms = 10000) {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
            db.off(name, fn);
            reject(new Error(`no "${name}" event within ${ms} ms`));
        }, ms);
        const fn = (arg) => {
            clearTimeout(t);
            db.off(name, fn);
            resolve(arg);
        };
        db.on(name, fn);
    });
}

// The next n events of a watcher (fewer if it ends first); rejects if they
// do not come within ms.
export async function take(watcher, n, ms = 10000) {
    const out = [];
    const iter = watcher[Symbol.asyncIterator]();
    const deadline = Date.now() + ms;
    for (let i = 0; i < n; i++) {
        let timer;
        const late = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`only ${i} of ${n} events within ${ms} ms: ${JSON.stringify(out)}`)),
                Math.max(0, deadline - Date.now()));
        });
        try {
            const r = await Promise.race([iter.next(), late]);
            if (r.done) break;
            out.push(r.value);
        } finally {
            clearTimeout(timer);
        }
    }
    return out;
}

// p, or a rejection with what (a string, or a function giving one) after ms:
// a test waiting for something that never comes fails rather than hangs.
// The timer is cleared either way, so that it keeps no test running.
export function within(p, ms, what) {
    let t;
    const late = new Promise((resolve, reject) => {
        t = setTimeout(() => reject(new Error(typeof what === 'function' ? what() : what)), ms);
    });
    return Promise.race([p, late]).finally(() => clearTimeout(t));
}

// Wait until cond() (sync or async) is true: checked every 20 ms, at most ms.
export async function until(cond, what, ms = 10000) {
    for (let i = 0; i < ms / 20; i++) {
        if (await cond()) return;
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${what}: not within ${ms} ms`);
}

// A TTL the server answered: more than 0, at most max, in whole milliseconds.
export function assertTtl(s, max) {
    assert.equal(typeof s, 'number');
    assert.ok(s > 0 && s <= max, `TTL ${s} not in (0, ${max}]`);
    assert.equal(Math.round(s * 1000) / 1000, s, `TTL ${s} is not in milliseconds`);
}
