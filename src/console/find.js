// find.js — the JSONPath view: a query over the values (KV_FIND) with its
// results as matching keys, normalised paths, or keys with their whole
// values; and an update (KV_UPDATE) that replaces every node a path
// selects inside one key's value.  docs/protocol.md 3.14 is the dialect.

import { JsonText } from './ndb/ndb.js';
import { $, appendSome, count, describe, escaped, fill, h, keyName } from './ui.js';
import { tree } from './tree.js';

export class FindView {
    constructor(db, openKey) {
        this.db = db;
        this.openKey = openKey; // show a key in the Keys view
        $('find-form').addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.run();
        });
        $('update-form').addEventListener('submit', (ev) => {
            ev.preventDefault();
            this.update();
        });
    }

    use(db) { this.db = db; }

    focus() { $('find-path').focus(); }
    activate() {}
    refresh() { return $('find-path').value ? this.run() : undefined; }

    async run() {
        const out = $('find-results');
        const path = $('find-path').value;
        const rsp = $('find-rsp').value;
        const keys = $('find-keys').value.split(',').map((k) => k.trim()).filter(Boolean);
        fill(out, h('p', { class: 'muted', text: 'searching…' }));
        let r;
        try {
            r = await this.db.kv.find(path, { rsp, keys: keys.length ? keys : undefined, text: true });
        } catch (e) {
            fill(out, h('p', { class: 'panel-error', role: 'alert', text: describe(e) }));
            return;
        }
        if (rsp === 'kv') {
            const names = Object.keys(r);
            fill(out, h('p', { class: 'muted', text: `${count(names.length)} matching key${names.length === 1 ? '' : 's'}, with their whole values` }));
            appendSome(out, names, (k) => h('div', { class: 'result' }, this.keyLink(k), tree(r[k])));
            return;
        }
        const what = rsp === 'paths' ? 'path' : 'matching key';
        const list = h('ul', { class: 'list plain' });
        appendSome(list, r, (x) => h('li', {}, rsp === 'keys' ? this.keyLink(x) : h('code', {}, escaped(x))));
        fill(out, h('p', { class: 'muted', text: `${count(r.length)} ${what}${r.length === 1 ? '' : 's'}` }), list);
    }

    keyLink(k) {
        return h('button', { type: 'button', class: 'link', title: 'open in Keys', dataset: { key: k }, onclick: () => this.openKey(k) }, keyName(k));
    }

    async update() {
        const out = $('update-result');
        out.className = '';
        try {
            const value = new JsonText($('update-value').value);
            const n = await this.db.kv.update($('update-key').value, $('update-path').value, value);
            out.textContent = `${count(n)} node${n === 1 ? '' : 's'} replaced`;
        } catch (e) {
            out.className = 'panel-error';
            out.textContent = describe(e);
        }
    }
}
