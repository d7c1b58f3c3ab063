// server.js — the Server view: what SV_INFO reports, polled once a second
// while the view is shown, with requests per second, connections and
// memory as live charts of the last minute.  Requests per second is the
// change of SV_INFO's `requests` counter over the time between two polls
// (the console's own polls included: one a second); after a server restart
// (the counter starts again from 0) the next poll is the new baseline.

import { $, bytes, count, describe, duration, fill, h } from './ui.js';
import { Chart } from './chart.js';

const PERIOD_MS = 1000;

export class ServerView {
    constructor(db) {
        this.db = db;
        this.timer = null;
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

    async activate() {
        await this.poll();
        clearInterval(this.timer);
        this.timer = setInterval(() => this.poll(), PERIOD_MS);
    }

    deactivate() {
        clearInterval(this.timer);
        this.timer = null;
        this.last = null;
    }

    refresh() { return this.poll(); }

    async poll() {
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
            ['memory', info.memoryBytes >= 1024 ? `${bytes(info.memoryBytes)} (${count(info.memoryBytes)} bytes)` : bytes(info.memoryBytes)],
            ['requests', count(info.requests)],
            ['persistence', info.persistEnabled ? 'enabled' : 'disabled'],
        ];
        fill($('server-info'), rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
    }
}
