// fake.mjs — a small fake ndb server (node:http + the ws package) that
// speaks the wire shapes of issues 14 and 17 exactly as their texts give
// them: SV_AUTH with statuses 43/44/45, KV_WATCH/SH_WATCH with pushed
// KV_EVENT/SH_EVENT, KV_EXPIRE/KV_TTL/KV_PERSIST/KV_INCR/KV_CAS, SH_INCR
// and SH_EXPIRE.  The client's side of those is tested against it until
// the real server has them; so is the console's login (tests/browser),
// for which the fake serves the console's files by fetching them from a
// real ndb server (`staticFrom`), so that the page's origin is the fake.
// It listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

// Every command any fake server received, for the coverage check.
export const ALL_COMMANDS = new Set();

export const USERS = { alice: { password: 'secret', role: 'write' }, rita: { password: 'pw', role: 'read' } };
const READ_ONLY = new Set(['KV_GET', 'KV_COUNT', 'KV_TTL', 'KV_SCAN', 'SH_GET', 'SH_SCAN', 'SH_INFO_ALL', 'SV_INFO']);

export class FakeServer {
    // auth: require SV_AUTH (USERS); staticFrom: an ndb server's http://
    // address whose plain HTTP answers this server passes on.
    static async start({ auth = false, staticFrom = null } = {}) {
        const f = new FakeServer();
        f.auth = auth;
        f.kv = new Map();          // key → value (parsed)
        f.sessions = new Map();    // token → Map
        f.watches = new Map();     // id → {conn, family, spec}
        f.nextId = 1;
        f.conns = new Set();
        f.received = [];           // every request text, in order, all connections
        f.delays = new Map();      // request text → ms before answering it
        f.http = createServer((req, res) => f.serveStatic(req, res, staticFrom));
        f.wss = new WebSocketServer({ server: f.http });
        f.wss.on('connection', (ws) => f.accept(ws));
        await new Promise((resolve) => f.http.listen(0, '127.0.0.1', resolve));
        f.url = `ws://127.0.0.1:${f.http.address().port}/`;
        return f;
    }

    async stop() {
        for (const c of this.conns) c.ws.terminate();
        await new Promise((resolve) => this.wss.close(() => this.http.close(resolve)));
    }

    async serveStatic(req, res, from) {
        if (!from) {
            res.writeHead(404);
            res.end();
            return;
        }
        const r = await fetch(new URL(req.url, from), { method: req.method });
        const headers = {};
        r.headers.forEach((v, k) => { headers[k] = v; });
        res.writeHead(r.status, headers);
        res.end(Buffer.from(await r.arrayBuffer()));
    }

    // Drop every connection at once (as a network failure would).
    drop() {
        for (const c of this.conns) c.ws.terminate();
    }

    // Send text to every connection.
    pushAll(text) {
        for (const c of this.conns) c.ws.send(text);
    }

    // The commands received, in order.
    commands() {
        return this.received.map((t) => Object.keys(JSON.parse(t))[0]);
    }

    accept(ws) {
        const conn = { ws, user: null, role: null, failures: 0, chain: Promise.resolve() };
        this.conns.add(conn);
        ws.on('close', () => {
            this.conns.delete(conn);
            for (const [id, w] of this.watches) if (w.conn === conn) this.watches.delete(id);
        });
        // answers stay in request order even when one of them is delayed
        ws.on('message', (data) => {
            const text = data.toString();
            this.received.push(text);
            ALL_COMMANDS.add(Object.keys(JSON.parse(text))[0]);
            const delay = this.delays.get(text) || 0;
            conn.chain = conn.chain.then(() => new Promise((r) => setTimeout(r, delay))).then(() => this.handle(conn, text));
        });
    }

    handle(conn, text) {
        const req = JSON.parse(text);
        const cmd = Object.keys(req)[0];
        const body = req[cmd];
        const send = (members) => conn.ws.send(JSON.stringify({ [`${cmd}_RSP`]: members }));
        const fail = (st, m) => send({ m, st, tkn: null });
        const after = []; // events to push once the answer is out
        if (cmd === 'SV_AUTH') {
            const u = USERS[body.user];
            if (!u || u.password !== body.password) {
                fail(44, 'wrong user name or password');
                if (++conn.failures >= 5) conn.ws.close(1008, 'too many failed logins');
                return;
            }
            conn.user = body.user;
            conn.role = u.role;
            send({ role: u.role, st: 1, user: body.user });
            return;
        }
        if (this.auth && !conn.user) return fail(43, 'authentication required');
        if (this.auth && conn.role === 'read' && !READ_ONLY.has(cmd)) return fail(45, `${cmd} needs the write role`);
        switch (cmd) {
        case 'KV_SET':
        case 'KV_ADD':
            for (const [k, v] of Object.entries(body.keys)) {
                if (cmd === 'KV_ADD' && this.kv.has(k)) continue;
                this.kv.set(k, v);
                after.push(...this.kvEvents(k, 'set', v));
            }
            send({ st: 1 });
            break;
        case 'KV_GET': {
            const keys = {};
            for (const k of body.keys) if (this.kv.has(k)) keys[k] = this.kv.get(k);
            send({ keys, st: 1 });
            break;
        }
        case 'KV_COUNT':
            send({ cnt: this.kv.size, st: 1 });
            break;
        case 'KV_RMV':
            for (const k of body.keys) if (this.kv.delete(k)) after.push(...this.kvEvents(k, 'rmv'));
            send({ st: 1 });
            break;
        case 'SH_SCAN': // one page holding every session
            send({ cursor: 0, sessions: [...this.sessions].map(([tkn, m]) => ({ expires: false, keyCnt: m.size, shared: false, tkn })), st: 1 });
            break;
        case 'SH_INFO_ALL': {
            let keys = 0;
            for (const m of this.sessions.values()) keys += m.size;
            send({ st: 1, totalKeys: keys, totalSessions: this.sessions.size });
            break;
        }
        case 'KV_SCAN': // one page holding every key with the prefix
            send({ cursor: 0, keys: [...this.kv.keys()].filter((k) => k.startsWith(body.prefix ?? '')), st: 1 });
            break;
        case 'SV_INFO':
            send({ connections: this.conns.size, keys: this.kv.size, memoryBytes: 0, persistEnabled: false,
                protocolVersion: '0.7.1', requests: this.received.length, serverVersion: 'fake', sessions: this.sessions.size, st: 1, uptime: 1 });
            break;
        case 'KV_WATCH':
        case 'SH_WATCH': {
            const id = this.nextId++;
            this.watches.set(id, { conn, family: cmd.slice(0, 2), spec: body });
            send({ id, st: 1 });
            break;
        }
        case 'KV_UNWATCH':
        case 'SH_UNWATCH':
            if (!this.watches.delete(body.id)) return fail(42, 'no such watch');
            send({ st: 1 });
            break;
        case 'KV_EXPIRE': {
            const keys = {};
            for (const k of Object.keys(body.keys)) keys[k] = this.kv.has(k);
            send({ keys, st: 1 });
            break;
        }
        case 'KV_TTL': {
            const keys = {};
            for (const k of body.keys) if (this.kv.has(k)) keys[k] = k === 'otp' ? 29.5 : null;
            send({ keys, st: 1 });
            break;
        }
        case 'KV_PERSIST': {
            const keys = {};
            for (const k of body.keys) if (this.kv.has(k)) keys[k] = k === 'otp';
            send({ keys, st: 1 });
            break;
        }
        case 'KV_INCR':
        case 'SH_INCR': {
            const map = cmd === 'KV_INCR' ? this.kv : this.sessions.get(body.tkn);
            if (!map) return fail(100, '');
            const keys = {};
            for (const [k, n] of Object.entries(body.keys)) {
                map.set(k, (map.get(k) ?? 0) + n);
                keys[k] = map.get(k);
            }
            send({ keys, st: 1 });
            break;
        }
        case 'KV_CAS': {
            const now = this.kv.has(body.key) ? JSON.stringify(this.kv.get(body.key)) : 'null';
            const ok = now === JSON.stringify(body.expect);
            if (ok) this.kv.set(body.key, body.value);
            send({ ok, st: 1 });
            break;
        }
        case 'SH_NEW': {
            const tkn = 1000 + this.sessions.size;
            this.sessions.set(tkn, new Map());
            after.push(...this.shEvents(tkn, 'new'));
            send({ st: 1, tkn });
            break;
        }
        case 'SH_END':
            if (!this.sessions.delete(body.tkn)) return send({ st: 100, tkn: body.tkn });
            after.push(...this.shEvents(body.tkn, 'end'));
            send({ st: 1, tkn: body.tkn });
            break;
        case 'SH_EXPIRE':
            if (!this.sessions.has(body.tkn)) return fail(100, '');
            send({ st: 1, tkn: body.tkn });
            break;
        default:
            fail(10, '');
        }
        for (const [c, ev] of after) c.ws.send(ev);
    }

    kvEvents(key, op, value) {
        const out = [];
        for (const [id, w] of this.watches) {
            if (w.family !== 'KV') continue;
            const s = w.spec;
            if (s.keys ? !s.keys.includes(key) : !key.startsWith(s.prefix)) continue;
            const ev = { id, key, op };
            if (s.values && value !== undefined) ev.value = value;
            out.push([w.conn, JSON.stringify({ KV_EVENT: ev })]);
        }
        return out;
    }

    shEvents(tkn, op) {
        const out = [];
        for (const [id, w] of this.watches) {
            if (w.family !== 'SH' || !(w.spec.all || w.spec.tkns?.includes(tkn))) continue;
            out.push([w.conn, JSON.stringify({ SH_EVENT: { id, op, tkn } })]);
        }
        return out;
    }
}
