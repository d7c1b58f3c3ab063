// fake.mjs — a small fake ndb server (node:http + the ws package) for what a
// real `ndb serve` cannot be made to do on demand: answer a request late
// (`delays`), send a message that answers nothing (`pushAll`), or be an
// older server that lacks the newer commands.  It knows KV_SET, KV_GET and
// KV_COUNT, answering them exactly as ndb does (fake.test.mjs compares the
// two), KV_WATCH when `watches` is set (the answer only: it pushes no
// events), and answers every other command CommandNotExist (10), as a
// server that does not know it does.  It listens on 127.0.0.1 only.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

export class FakeServer {
    static async start() {
        const f = new FakeServer();
        f.kv = new Map();          // key → value (parsed)
        f.conns = new Set();
        f.received = [];           // every request text, in order, all connections
        f.delays = new Map();      // request text → ms before answering it
        f.watches = false;         // true: KV_WATCH is known (ids per connection, no events)
        f.http = createServer((req, res) => {
            res.writeHead(404);
            res.end();
        });
        f.wss = new WebSocketServer({ server: f.http });
        f.wss.on('connection', (ws) => f.accept(ws));
        await new Promise((resolve) => f.http.listen(0, '127.0.0.1', resolve));
        f.url = `ws://127.0.0.1:${f.http.address().port}/`;
        return f;
    }

    async stop() {
        for (const ws of this.conns) ws.terminate();
        await new Promise((resolve) => this.wss.close(() => this.http.close(resolve)));
    }

    // Send text to every connection.
    pushAll(text) {
        for (const ws of this.conns) ws.send(text);
    }

    accept(ws) {
        this.conns.add(ws);
        ws.on('close', () => this.conns.delete(ws));
        // answers stay in request order even when one of them is delayed
        let chain = Promise.resolve();
        const conn = { watchId: 0 };
        ws.on('message', (data) => {
            const text = data.toString();
            this.received.push(text);
            const delay = this.delays.get(text) || 0;
            chain = chain.then(() => new Promise((r) => setTimeout(r, delay))).then(() => ws.send(this.answer(text, conn)));
        });
    }

    // The answer to one request's text on connection conn.
    answer(text, conn) {
        const req = JSON.parse(text);
        const cmd = Object.keys(req)[0];
        const body = req[cmd];
        const rsp = (members) => JSON.stringify({ [`${cmd}_RSP`]: members });
        if (cmd === 'KV_WATCH' && this.watches) return rsp({ id: ++conn.watchId, st: 1 });
        switch (cmd) {
        case 'KV_SET':
            for (const [k, v] of Object.entries(body.keys)) this.kv.set(k, v);
            return rsp({ st: 1 });
        case 'KV_GET': {
            const keys = {};
            for (const k of body.keys) if (this.kv.has(k)) keys[k] = this.kv.get(k);
            return rsp({ keys, st: 1 });
        }
        case 'KV_COUNT':
            return rsp({ cnt: this.kv.size, st: 1 });
        default:
            return rsp({ m: '', st: 10, tkn: null });
        }
    }
}
