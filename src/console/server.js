// server.js — the Server view: what SV_INFO reports, polled once a second
// while the view is shown, with requests per second, connections and
// memory as live charts of the last minute.  Requests per second is the
// change of SV_INFO's `requests` counter over the time between two polls
// (the console's own polls included: one a second); after a server restart
// (the counter starts again from 0) the next poll is the new baseline.
// One poll is in flight at a time, the next one a period after it ended:
// while the server is down a poll waits (for the reconnection, or its
// timeout), and polls started every second regardless piled up behind it,
// to be sent all at once on reconnecting.

import { $, bytes, count, describe, duration, fill, h } from './ui.js';
import { Chart } from './chart.js';

const PERIOD_MS = 1000;

// A byte figure of the server, with the exact count beside a rounded one
// ("1.5 MiB (1,572,864 bytes)").
function exactBytes(n) {
    return n >= 1024 ? `${bytes(n)} (${count(n)} bytes)` : bytes(n);
}

export class ServerView {
    constructor(db) {
        this.db = db;
        this.timer = null;
        this.shown = 0;       // counts activations: a loop of an earlier one stops
        this.inflight = null; // the poll under way (a promise), if any
        this.last = null; // {requests, at} of the previous poll
        this.rate = new Chart($('chart-rate'), 'requests/s', (v) => count(Math.round(v)));
        this.conns = new Chart($('chart-conns'), 'connections', (v) => count(v));
        this.mem = new Chart($('chart-mem'), 'memory', (v) => bytes(v));
    }

    use(db) {
        this.db = db;
        this.last = null; // another connection: a new baseline
    }

    focus() { $('server-info').focus(); }

    activate() {
        clearTimeout(this.timer);
        return this.loop(++this.shown);
    }

    // Poll, then again a period later, for as long as activation `shown`
    // is the current one.
    async loop(shown) {
        await this.poll();
        if (shown !== this.shown) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.loop(shown), PERIOD_MS);
    }

    deactivate() {
        this.shown++;
        clearTimeout(this.timer);
        this.timer = null;
        this.last = null;
    }

    refresh() { return this.poll(); }

    // Read SV_INFO and draw it; a poll asked for while one is under way
    // (r pressed, the view shown again) is that one.
    poll() {
        if (!this.inflight) this.inflight = this.read().finally(() => { this.inflight = null; });
        return this.inflight;
    }

    async read() {
        let info;
        try {
            info = await this.db.info();
        } catch (e) {
            fill($('server-info'), h('p', { class: 'panel-error', text: describe(e) }));
            return;
        }
        const at = performance.now();
        // a counter that went down: the server restarted (it counts from 0
        // again), so this poll is the new baseline and gives no rate
        if (this.last && info.requests >= this.last.requests) {
            const dt = (at - this.last.at) / 1000;
            this.rate.push(dt > 0 ? Number(info.requests - this.last.requests) / dt : 0);
        }
        this.last = { requests: info.requests, at };
        this.conns.push(info.connections);
        this.mem.push(info.memoryBytes);
        $('server-version').textContent = `ndb ${info.serverVersion}`;
        const rows = [
            ['version', `ndb ${info.serverVersion}, protocol ${info.protocolVersion}`],
            ['up for', duration(info.uptime)],
            ['keys', count(info.keys)],
            ['sessions', count(info.sessions)],
            ['connections', count(info.connections)],
            ['memory', exactBytes(info.memoryBytes)],
            // only a server with limits.maxTotalOutputBytes sends it (the
            // total that limit bounds): the row is there when it is
            ...(info.queuedOutputBytes === undefined ? [] : [['queued output', exactBytes(info.queuedOutputBytes)]]),
            ['requests', count(info.requests)],
            ['persistence', info.persistEnabled ? 'enabled' : 'disabled'],
        ];
        fill($('server-info'), rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
    }
}
