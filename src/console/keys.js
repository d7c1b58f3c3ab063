// keys.js — the Keys view: the top-level keys a page at a time (KV_SCAN,
// optionally those with a prefix), how many there are (KV_COUNT, and on
// request how many match the prefix), and the value of the key selected
// (value.js: tree, exact text, edit, delete; an edit keeps the key's TTL).
//
// Pages follow the server's cursor.  A page with a rare prefix may come
// back short or empty before the scan is done (the server looks at no
// more than ten times `count` keys per request), so one page of the view
// asks again until it has `count` keys or the scan ends (at most
// MAX_ROUNDS requests).  When the server can watch keys (KV_WATCH), the
// view follows changes live; a server without it answers 10 and the view
// simply does not.

import { $, count, describe, fill, h, keyName, listKeys, nameText, toast, watchOneAtATime } from './ui.js';
import { ValuePanel } from './value.js';

const MAX_ROUNDS = 50;
const LOAD_SETTLE_MS = 200; // a burst of KV_LOAD's events ends when none came for this long

export class KeysView {
    constructor(db) {
        this.db = db;
        this.panel = new ValuePanel($('keys-detail'));
        this.cursors = [0]; // the cursor each page starts at; the last one is the current page
        this.next = 0;      // the cursor after the current page, 0 when it is the last
        this.keys = [];
        this.selected = null;
        this.watcher = null;
        this.followTurn = 0; // follow() calls made (the watch is for the latest)
        this.following = false; // a watch request is under way
        this.canWatch = true;
        // the prefix and page size of the scan on screen, as submitted: the
        // boxes may hold a prefix typed but not yet submitted, and a refresh
        // (a key on screen removed elsewhere) that read them listed another
        // prefix than the one watched, and the list stopped following
        this.scanned = { prefix: '', count: 100 };
        $('keys-form').addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.scan();
        });
        $('keys-next').addEventListener('click', () => this.page(this.next));
        $('keys-prev').addEventListener('click', () => {
            if (this.cursors.length < 2) return;
            this.cursors.pop();
            this.load(this.cursors[this.cursors.length - 1]);
        });
        $('keys-new').addEventListener('click', () => this.create());
        $('keys-count-prefix').addEventListener('click', () => this.countPrefix());
        listKeys($('keys-list'));
        this.panel.clear();
    }

    // Use client db from now on (a new one after a refused login).
    use(db) {
        this.db = db;
        this.watcher = null; // ended with the old client
        this.live();
    }

    // The "live" badge: shown while the watch is up and connected.
    live() {
        $('keys-live').hidden = !(this.watcher && !this.watcher.ended && this.db.state === 'open');
    }

    get prefix() { return this.scanned.prefix; }
    get count() { return this.scanned.count; }

    focus() { $('keys-prefix').focus(); }

    // Shown: scan from the start unless a scan is on screen.
    async activate() {
        if (!this.loaded) await this.scan();
    }

    refresh() { return this.load(this.cursors[this.cursors.length - 1]); }

    // A new scan from the first page, of the prefix and page size in the boxes.
    async scan() {
        this.scanned = { prefix: $('keys-prefix').value, count: Number($('keys-count').value) };
        this.cursors = [0];
        await this.load(0);
        this.follow();
    }

    async page(cursor) {
        if (!cursor) return;
        this.cursors.push(cursor);
        await this.load(cursor);
    }

    // Load the page starting at cursor.
    async load(cursor) {
        this.loaded = true;
        const prefix = this.prefix, want = this.count;
        const keys = [];
        let next = cursor, rounds = 0;
        try {
            do {
                const r = await this.db.kv.scan({ cursor: next, count: want - keys.length, prefix: prefix || undefined });
                keys.push(...r.keys);
                next = r.cursor;
            } while (next !== 0 && keys.length < want && ++rounds < MAX_ROUNDS);
            this.total = await this.db.kv.count();
        } catch (e) {
            toast(describe(e), true);
            return;
        }
        this.keys = keys;
        this.next = next;
        this.announced = false;
        this.draw();
    }

    draw() {
        const list = $('keys-list');
        const page = this.cursors.length;
        fill(list, this.keys.map((k) => h('li', {}, h('button', {
            type: 'button', class: `item${k === this.selected ? ' selected' : ''}`, title: nameText(k), dataset: { key: k },
            onclick: () => this.open(k),
        }, keyName(k)))));
        if (!this.keys.length) list.append(h('li', { class: 'muted', text: this.emptyText() }));
        $('keys-summary').textContent = `${count(this.total)} key${this.total === 1 ? '' : 's'} in the database · page ${page}: ${this.keys.length} key${this.keys.length === 1 ? '' : 's'}${this.prefix ? ` starting with “${nameText(this.prefix)}”` : ''}${this.next ? '' : ' (last page)'}`;
        $('keys-prev').disabled = page < 2;
        $('keys-next').disabled = !this.next;
    }

    // What an empty page says.  With a rare prefix a page stops after
    // MAX_ROUNDS requests, having looked at part of the keys only: then it
    // must not read as if no key had the prefix.
    emptyText() {
        if (!this.prefix) return 'No keys on this page.';
        if (this.next) return `No key starting with “${nameText(this.prefix)}” among the keys this page looked at: Next page looks further.`;
        return `No key on this page starts with “${nameText(this.prefix)}”.`;
    }

    // Open key k in the value panel.
    async open(k) {
        this.selected = k;
        for (const b of $('keys-list').querySelectorAll('button.item')) b.classList.toggle('selected', b.dataset.key === k);
        const writable = this.db.role !== 'read';
        // this.db when called: the client may be replaced meanwhile (a login again)
        await this.panel.show({
            name: k,
            load: () => this.db.kv.get(k, { text: true }),
            save: writable ? (text) => saveValue(this.db, k, text) : null,
            remove: writable ? async () => {
                await this.db.kv.rmv(k);
                this.keys = this.keys.filter((x) => x !== k);
                this.total = await this.db.kv.count();
                this.selected = null;
                this.draw();
            } : null,
        });
    }

    create() {
        this.panel.showNew({
            create: async (name, text) => {
                const [exists] = await this.db.kv.contains([name]);
                if (exists !== undefined) throw new Error(`The key “${nameText(name)}” exists already: open it to edit it.`);
                await this.db.kv.add({ [name]: text });
                toast(`Created ${nameText(name)}`);
                await this.refresh();
                await this.open(name);
            },
        });
    }

    // Count the keys that start with the prefix in the box (submitted or
    // not: Count is its own request): a whole scan, 10,000 at a time.
    async countPrefix() {
        const out = $('keys-prefix-count');
        const prefix = $('keys-prefix').value;
        out.textContent = 'counting…';
        let n = 0;
        try {
            for await (const k of this.db.kv.scanAll({ prefix: prefix || undefined, count: 10000 })) {
                void k;
                n++;
            }
        } catch (e) {
            out.textContent = describe(e);
            return;
        }
        const keys = `${count(n)} key${n === 1 ? '' : 's'}`;
        out.textContent = prefix ? `${keys} ${n === 1 ? 'starts' : 'start'} with “${nameText(prefix)}”` : keys;
    }

    // Follow changes under the prefix while the view shows them (KV_WATCH,
    // when the server has it), one watch request at a time (ui.js).
    async follow() {
        if (!this.canWatch) return;
        await watchOneAtATime(this, () => this.db.kv.watch({ prefix: this.prefix }, {}, (ev) => this.changed(ev)));
    }

    // A pushed change: redraw what it touches.
    changed(ev) {
        if (ev.op === 'load') {
            // KV_LOAD sends one event per key it stores: one refresh for the
            // burst, once its events stop coming
            if (ev.key === this.selected) this.panel.changed();
            clearTimeout(this.loadSoon);
            this.loadSoon = setTimeout(() => {
                this.loadSoon = null;
                this.refresh();
            }, LOAD_SETTLE_MS);
            return;
        }
        if (ev.op === 'overflow' || ev.op === 'reconnect' || ev.op === 'clear') {
            this.refresh();
            if (this.selected !== null) this.panel.changed(); // an edit in progress stays
            if (ev.op === 'overflow') this.follow();
            return;
        }
        if (ev.key === this.selected) this.panel.changed();
        const listed = this.keys.includes(ev.key);
        if (listed && (ev.op === 'rmv' || ev.op === 'expire')) this.refresh();
        // KV_INCR of a key that did not exist creates it with the op "update"
        else if (!listed && (ev.op === 'set' || ev.op === 'update') && !this.announced) {
            this.announced = true; // once per page: a burst of writes is one hint
            $('keys-summary').textContent += ' · new keys: Scan to see them';
        }
    }
}

// Store an edited value.  KV_UPDATE of the path `$` replaces the whole value
// and keeps the key's time to live, which KV_SET would drop (docs/protocol.md,
// Key expiry): an edit changes the value, not when the key expires.  A key
// removed meanwhile (22; the editor said so, and Save was pressed again) is
// stored anew.
async function saveValue(db, k, text) {
    try {
        await db.kv.update(k, '$', text);
    } catch (e) {
        if (e.status !== 22) throw e;
        await db.kv.set({ [k]: text });
    }
}
