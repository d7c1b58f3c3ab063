// raw.js — the Raw view: type any request, send it as it is, and see the
// server's exact answer; events of watches asked for here show up too.
// Requests sent are kept in a history (this browser's localStorage, at most
// HISTORY entries), recalled with Alt+Up / Alt+Down — except SV_AUTH
// requests, which carry a password and are never stored.  An SV_AUTH that
// succeeds logs the connection in as its user: onLogin(user, role) lets the
// page show that user, and that role's controls, from then on.

import { prettyText } from './ndb/ndb.js';
import { $, describe, h } from './ui.js';

const HISTORY = 100;
const LOG = 50;
const STORE = 'ndb.console.history';

export class RawView {
    constructor(db, onLogin = () => {}) {
        this.onLogin = onLogin;
        this.history = load();
        this.at = this.history.length; // position while recalling
        const input = $('raw-input');
        $('raw-form').addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.send();
        });
        input.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
                ev.preventDefault();
                this.send();
            } else if (ev.altKey && (ev.key === 'ArrowUp' || ev.key === 'ArrowDown')) {
                ev.preventDefault();
                this.recall(ev.key === 'ArrowUp' ? -1 : 1);
            }
        });
        $('raw-history').addEventListener('change', (ev) => {
            if (ev.target.value !== '') input.value = this.history[Number(ev.target.value)];
            ev.target.value = '';
            input.focus();
        });
        this.use(db);
        this.drawHistory();
    }

    // Use client db from now on (a new one after a refused login).
    use(db) {
        this.db = db;
        // a pushed event as the server sent it: 1.0 stays 1.0, 2^64 a number.
        // Only events of watches asked for here: those of the console's own
        // (Keys, Sessions) go to their views, and on a busy server would push
        // every answer out of the log within a second.
        db.on('event', (ev, text, watcher) => {
            if (!watcher) this.log('event', text);
        });
    }

    focus() { $('raw-input').focus(); }
    activate() {}
    refresh() {}

    async send() {
        const text = $('raw-input').value.trim();
        if (!text) return;
        this.remember(text);
        let answer;
        try {
            answer = await this.db.raw(text, { text: true });
        } catch (e) {
            this.log('error', describe(e), text);
            return;
        }
        const login = loggedIn(answer);
        if (login) this.onLogin(login.user, login.role);
        const pretty = $('raw-pretty').checked;
        let shown = answer;
        if (pretty) {
            try {
                shown = prettyText(answer);
            } catch { /* shown as it came */ }
        }
        this.log('answer', shown, text);
    }

    // Add an entry at the top of the log (newest first).
    log(kind, text, request) {
        const out = $('raw-log');
        out.prepend(h('div', { class: `exchange ${kind}` },
            request ? h('pre', { class: 'request', text: request }) : null,
            h('pre', { class: 'response', text })));
        while (out.children.length > LOG) out.lastChild.remove();
    }

    remember(text) {
        if (carriesPassword(text)) return; // never stored
        this.history = this.history.filter((x) => x !== text);
        this.history.push(text);
        if (this.history.length > HISTORY) this.history.shift();
        this.at = this.history.length;
        try {
            localStorage.setItem(STORE, JSON.stringify(this.history));
        } catch { /* storage full or disabled: the history lives in this page only */ }
        this.drawHistory();
    }

    recall(step) {
        if (!this.history.length) return;
        this.at = Math.max(0, Math.min(this.history.length - 1, this.at + step));
        $('raw-input').value = this.history[this.at];
    }

    drawHistory() {
        const sel = $('raw-history');
        sel.replaceChildren(h('option', { value: '', text: `history (${this.history.length})` }),
            ...this.history.map((x, i) => h('option', { value: String(i), text: x.length > 80 ? `${x.slice(0, 77)}…` : x })).reverse());
    }
}

// Is text an SV_AUTH request (which carries a password)?  Decided by the
// command names as the server reads them — JSON escapes decoded, so
// {"SV\u005fAUTH":…} is one too.  Text JSON.parse refuses may still be a
// request to the server, whose dialect allows comments (docs/protocol.md
// 1.10): it counts when it names SV_AUTH anywhere once its \uXXXX escapes
// are decoded (the only escapes that can spell a letter or `_`).
function carriesPassword(text) {
    let msg;
    try {
        msg = JSON.parse(text);
    } catch {
        const decoded = text.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
        return /SV_AUTH/i.test(decoded);
    }
    return msg !== null && typeof msg === 'object' && Object.keys(msg).some((name) => name.toUpperCase() === 'SV_AUTH');
}

// The {user, role} of a successful SV_AUTH_RSP answer text, or null (any
// other answer, or a refused login: the server keeps the old one).
function loggedIn(answer) {
    if (!answer.startsWith('{"SV_AUTH_RSP":')) return null; // not worth parsing a big answer
    try {
        const r = JSON.parse(answer)?.SV_AUTH_RSP;
        return r?.st === 1 && typeof r.user === 'string' && typeof r.role === 'string' ? { user: r.user, role: r.role } : null;
    } catch {
        return null;
    }
}

function load() {
    try {
        const v = JSON.parse(localStorage.getItem(STORE) || '[]');
        return Array.isArray(v) ? v.filter((x) => typeof x === 'string').slice(-HISTORY) : [];
    } catch {
        return [];
    }
}
