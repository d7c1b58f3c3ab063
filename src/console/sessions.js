// sessions.js — the Sessions view: totals (SH_INFO_ALL), the sessions a
// page at a time (SH_SCAN) with a live countdown to each one's expiry,
// creating (SH_NEW) and ending (SH_END) sessions, and the keys of the
// session selected (SH_KEYS, values through SH_GET, edits with SH_SET and
// SH_RMV).
//
// The countdown runs in the page from the `remaining` seconds the server
// last reported (SH_SCAN), so it costs no requests; the list is read again
// when a session reaches zero, when asked, and — on a server with
// SH_WATCH — whenever sessions change.  Reading a key with SH_GET extends
// a session created with extendOnGet, as any client's read does.

import { $, appendSome, count, describe, duration, fill, h, keyName, listKeys, nameText, toast, watchOneAtATime } from './ui.js';
import { ValuePanel } from './value.js';

const PAGE = 100;

export class SessionsView {
    constructor(db) {
        this.db = db;
        this.panel = new ValuePanel($('session-value'));
        this.cursors = [0];
        this.next = 0;
        this.sessions = [];
        this.selected = null; // token (number or BigInt) of the session shown
        this.watcher = null;
        this.followTurn = 0;    // follow() calls made (the watch is for the latest)
        this.following = false; // a watch request is under way
        this.canWatch = true;
        this.refreshSoon = null;
        $('sessions-new').addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.create();
        });
        $('sessions-refresh').addEventListener('click', () => this.refresh());
        $('sessions-next').addEventListener('click', () => {
            if (!this.next) return;
            this.cursors.push(this.next);
            this.load();
        });
        $('sessions-prev').addEventListener('click', () => {
            if (this.cursors.length < 2) return;
            this.cursors.pop();
            this.load();
        });
        listKeys($('session-keys'));
        // one timer moves every countdown on the page
        setInterval(() => this.tick(), 250);
    }

    // Use client db from now on (a new one after a refused login).
    use(db) {
        this.db = db;
        this.watcher = null; // ended with the old client
        this.live();
    }

    // The "live" badge: shown while the watch is up and connected.
    live() {
        $('sessions-live').hidden = !(this.watcher && !this.watcher.ended && this.db.state === 'open');
    }

    focus() { $('sessions-duration').focus(); }

    async activate() {
        await this.load();
        this.follow();
    }

    refresh() { return this.load(); }

    async load() {
        let page, totals;
        try {
            page = await this.db.sessions.scan({ cursor: this.cursors[this.cursors.length - 1], count: PAGE });
            totals = await this.db.sessions.infoAll();
        } catch (e) {
            toast(describe(e), true);
            return;
        }
        const now = performance.now();
        this.sessions = page.sessions.map((s) => ({ ...s, deadline: s.expires ? now + s.expiry.remaining * 1000 : null }));
        this.next = page.cursor;
        $('sessions-totals').textContent = `${count(totals.totalSessions)} session${totals.totalSessions === 1 ? '' : 's'}, ${count(totals.totalKeys)} key${totals.totalKeys === 1 ? '' : 's'} in all`;
        this.draw();
        if (this.selected !== null) this.showSession(await this.stillThere(this.selected));
    }

    // tkn if its session exists, else null.  A session on another page (the
    // one just created comes last: with more than a page of sessions it is
    // not on this one) is asked about rather than taken for gone.
    async stillThere(tkn) {
        if (this.sessions.some((s) => s.tkn === tkn)) return tkn;
        try {
            const [found] = await this.db.sessions.exists([tkn]);
            return found === undefined ? null : tkn;
        } catch {
            return null;
        }
    }

    draw() {
        const body = $('sessions-list');
        const writable = this.db.role !== 'read';
        fill(body, this.sessions.map((s) => h('tr', { class: s.tkn === this.selected ? 'selected' : '' },
            h('td', {}, h('button', { type: 'button', class: 'item token', text: String(s.tkn), onclick: () => this.showSession(s.tkn) })),
            h('td', { class: 'num', text: count(s.keyCnt) }),
            h('td', { class: 'countdown', dataset: s.deadline === null ? {} : { deadline: String(s.deadline) }, text: s.deadline === null ? 'never' : duration(s.expiry.remaining) }),
            h('td', { class: 'flags', text: flags(s) }),
            h('td', {}, writable ? h('button', { type: 'button', class: 'w danger small', text: 'End', onclick: () => this.end(s.tkn) }) : null))));
        if (!this.sessions.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted', text: 'No sessions on this page.' })));
        $('sessions-prev').disabled = this.cursors.length < 2;
        $('sessions-next').disabled = !this.next;
    }

    // Move every countdown; a session that reached zero makes the list reload.
    tick() {
        const now = performance.now();
        let due = false;
        for (const el of document.querySelectorAll('[data-deadline]')) {
            const left = (Number(el.dataset.deadline) - now) / 1000;
            if (left <= 0) {
                el.textContent = 'expiring…';
                due = true;
            } else {
                el.textContent = duration(Math.ceil(left));
            }
        }
        if (due && !this.refreshSoon) {
            // the server's timer runs about once a second: look again just after
            this.refreshSoon = setTimeout(() => {
                this.refreshSoon = null;
                this.load();
            }, 1200);
        }
    }

    async create() {
        const d = Number($('sessions-duration').value || 0);
        try {
            const t = await this.db.sessions.create({
                duration: d,
                deleteSession: $('sessions-delete').checked,
                extendOnGet: $('sessions-extend-get').checked,
                extendOnSetAdd: $('sessions-extend-set').checked,
            });
            toast(`Created session ${t}`);
            this.selected = t;
            await this.load();
        } catch (e) {
            toast(describe(e), true);
        }
    }

    async end(tkn) {
        if (!window.confirm(`End session ${tkn} and drop its keys?`)) return;
        try {
            await this.db.sessions.end(tkn);
            toast(`Ended session ${tkn}`);
            if (this.selected === tkn) this.selected = null;
            await this.load();
        } catch (e) {
            toast(describe(e), true);
        }
    }

    // Show session tkn's details and keys (null: none).  Showing the session
    // already shown (a reload of the list, a change a watch reported) keeps
    // the key open in the value panel, and an edit in progress, as they are.
    async showSession(tkn) {
        const again = tkn !== null && tkn === this.selected;
        this.selected = tkn;
        for (const tr of $('sessions-list').querySelectorAll('tr')) tr.classList.toggle('selected', tr.querySelector('.token')?.textContent === String(tkn));
        const head = $('session-head');
        if (tkn === null) {
            fill(head, h('p', { class: 'muted placeholder', text: 'Select a session to see its keys.' }));
            fill($('session-keys'));
            this.keyGone();
            return;
        }
        const s = this.db.session(tkn);
        let keys, info;
        try {
            [keys, info] = await Promise.all([s.keys(), s.info()]);
        } catch (e) {
            fill(head, h('p', { class: 'panel-error', text: describe(e) }));
            fill($('session-keys'));
            return;
        }
        if (this.selected !== tkn) return;
        const writable = this.db.role !== 'read';
        fill(head,
            h('h2', { class: 'key', text: `Session ${tkn}` }),
            h('p', { class: 'muted', text: info.expires
                ? `expires after ${duration(info.expiry.duration)} (${flags(info) || 'no flags'}); ${info.keyCnt} key${info.keyCnt === 1 ? '' : 's'}`
                : `never expires; ${info.keyCnt} key${info.keyCnt === 1 ? '' : 's'}` }),
            writable ? h('div', { class: 'actions' },
                h('button', { type: 'button', class: 'w', text: 'New key', onclick: () => this.newKey(tkn) }),
                h('button', { type: 'button', class: 'w danger', text: 'End session', onclick: () => this.end(tkn) })) : null);
        fill($('session-keys'));
        appendSome($('session-keys'), keys, (k) => h('li', {}, h('button', { type: 'button', class: 'item', title: nameText(k), dataset: { key: k }, onclick: () => this.openKey(tkn, k) }, keyName(k))));
        if (!keys.length) $('session-keys').append(h('li', { class: 'muted', text: 'No keys.' }));
        const open = this.panel.spec;
        if (!again) this.panel.clear();
        else if (open && !keys.includes(open.name)) this.keyGone();
    }

    // The key open in the panel went (removed, its session cleared, ended or
    // expired): the panel empties — unless it holds an edit in progress,
    // which stays as typed, and Save says what happened (as in Keys).
    keyGone() {
        if (this.panel.editing) this.panel.changed();
        else this.panel.clear();
    }

    openKey(tkn, k) {
        // this.db when called: the client may be replaced meanwhile (a login again)
        const s = () => this.db.session(tkn);
        const writable = this.db.role !== 'read';
        return this.panel.show({
            name: k,
            load: () => s().get(k, { text: true }),
            save: writable ? (text) => s().set({ [k]: text }) : null,
            remove: writable ? async () => {
                await s().rmv(k);
                await this.showSession(tkn);
            } : null,
        });
    }

    newKey(tkn) {
        this.panel.showNew({
            create: async (name, text) => {
                const s = this.db.session(tkn);
                // as in the Keys view: a new key never replaces one that exists
                const [exists] = await s.contains([name]);
                if (exists !== undefined) throw new Error(`The key “${nameText(name)}” exists already: open it to edit it.`);
                await s.add({ [name]: text });
                await this.showSession(tkn);
                await this.openKey(tkn, name);
            },
        });
    }

    // Reload when sessions change (SH_WATCH {all: true}, when the server has
    // it), one watch request at a time (ui.js): the view shown again while its
    // watch was being made asked for a second one, left behind for good.
    // again: watch anew (after a login again) even if a watch was made.
    async follow(again = false) {
        if (!this.canWatch || ((this.watcher || this.following) && !again)) return;
        await watchOneAtATime(this, () => this.db.sessions.watch({ all: true }, {}, (ev) => this.changed(ev)));
    }

    // A pushed change of some session.
    changed(ev) {
        // the key open in the panel changed: show its new value now
        const open = this.panel.spec;
        if (open && ev.tkn === this.selected && ev.key === open.name) this.panel.changed();
        // the server dropped the watch (this page read its events too
        // slowly): changes may have been missed, and none come any more
        if (ev.op === 'overflow') {
            if (open) this.panel.changed();
            this.follow(true);
        }
        clearTimeout(this.changedSoon);
        this.changedSoon = setTimeout(() => this.load(), 200);
    }
}

// "delete, extend on get" — a session's expiry flags.
function flags(s) {
    if (!s.expires) return '';
    const f = [];
    if (s.expiry.deleteSession) f.push('deleted at expiry');
    else f.push('emptied at expiry');
    if (s.expiry.extendOnGet) f.push('extend on get');
    if (s.expiry.extendOnSetAdd) f.push('extend on set');
    return f.join(', ');
}
