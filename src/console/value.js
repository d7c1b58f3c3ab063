// value.js — one stored value on screen: a collapsible tree, its exact
// text, and (for users who may write) an editor that saves the text as
// typed and a delete button.  Used for top-level keys and session keys.
//
// The value travels as text both ways: it is read with the client's text
// option (the bytes the server stores) and saved as JsonText (the bytes
// typed, which the server stores less white space), so nothing is lost to
// JavaScript numbers on the way: 1.0 stays 1.0, 18446744073709551616 stays
// itself.

import { JsonText, prettyText } from './ndb/ndb.js';
import { count, describe, fill, h, keyName, nameText, toast } from './ui.js';
import { tree } from './tree.js';

// Lines of re-indented text beyond which the editor holds the value as
// stored (one line) instead: a textarea of many lines takes the browser
// seconds to lay out (150,000 lines, a 1 MiB array of numbers, froze the
// page for over 3 s on Edit), where the same text on one line takes a tenth.
const EDIT_INDENT_LINES = 10000;

export class ValuePanel {
    // el: the element the panel draws into.
    constructor(el) {
        this.el = el;
        this.spec = null;
        this.mode = 'tree';   // tree or text
        this.pretty = false;  // text view re-indented
        this.editing = false;
        this.stale = false;   // the value changed elsewhere (or may have) while it was being edited
        this.text = undefined;
    }

    // Show a value.  spec: {name, load() → text or undefined (gone),
    // save(JsonText), remove()}; save and remove may be absent (read-only).
    async show(spec) {
        this.spec = spec;
        this.editing = false;
        this.stale = false;
        await this.reload();
    }

    // The value on screen changed elsewhere, or may have (a watch's event, a
    // reconnection, a clear or load of the database): draw it again — unless
    // it is being edited: the edit stays as typed, and Save says what happened.
    changed() {
        if (this.editing) this.stale = true;
        else this.reload();
    }

    // An empty panel with a name field, for a new key.  spec: {create(name, JsonText)}.
    showNew(spec) {
        this.spec = null;
        const name = h('input', { class: 'name-input', 'aria-label': 'key name', placeholder: 'key name', spellcheck: 'false', autocomplete: 'off' });
        const area = this.textarea('{\n  \n}');
        const err = h('p', { class: 'panel-error', role: 'alert', hidden: true });
        const save = async () => {
            err.hidden = true;
            try {
                if (!name.value) throw new Error('The key needs a name.');
                await spec.create(name.value, new JsonText(area.value));
            } catch (e) {
                err.textContent = describe(e);
                err.hidden = false;
            }
        };
        this.keysFor(area, save, () => this.clear());
        // in the name too: Ctrl+Enter creates, Escape cancels; Enter goes on to the value
        this.keysFor(name, save, () => this.clear());
        name.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter' && !(ev.ctrlKey || ev.metaKey)) {
                ev.preventDefault();
                area.focus();
            }
        });
        fill(this.el, h('div', { class: 'panel' },
            h('div', { class: 'panel-head' }, h('h2', { text: 'New key' })),
            name, err, area,
            h('div', { class: 'actions' },
                h('button', { type: 'button', class: 'primary', onclick: save, text: 'Create', title: 'Ctrl+Enter' }),
                h('button', { type: 'button', onclick: () => this.clear(), text: 'Cancel', title: 'Escape' }))));
        name.focus();
    }

    clear() {
        this.spec = null;
        fill(this.el, h('p', { class: 'muted placeholder', text: 'Select a key to see its value.' }));
    }

    // Read the value again and draw it.
    async reload() {
        const spec = this.spec;
        if (!spec) return;
        if (this.editing) { // never over an edit in progress
            this.stale = true;
            return;
        }
        let text;
        try {
            text = await spec.load();
        } catch (e) {
            this.draw(spec, undefined, describe(e));
            return;
        }
        if (spec !== this.spec) return; // another value was opened meanwhile
        this.text = text;
        this.draw(spec, text, null);
    }

    draw(spec, text, error) {
        const head = h('div', { class: 'panel-head' },
            h('h2', { class: 'key', title: nameText(spec.name) }, keyName(spec.name)),
            text !== undefined ? h('span', { class: 'muted', text: `${new TextEncoder().encode(text).length} bytes` }) : null);
        const err = h('p', { class: 'panel-error', role: 'alert', text: error || '', hidden: !error });
        if (text === undefined) {
            fill(this.el, h('div', { class: 'panel' }, head, err,
                error ? null : h('p', { class: 'muted', text: 'This key does not exist (any more).' })));
            return;
        }
        if (this.editing) {
            this.drawEditor(spec, text, head, err);
            return;
        }
        const viewBtn = (mode, label) => h('button', {
            type: 'button', class: 'tab', 'aria-pressed': String(this.mode === mode), text: label,
            onclick: () => { this.mode = mode; this.draw(spec, text, null); },
        });
        const body = this.mode === 'tree' ? tree(text) : h('pre', { class: 'text', tabindex: '0', text: this.pretty ? prettyText(text) : text });
        const tools = h('div', { class: 'actions' },
            viewBtn('tree', 'Tree'), viewBtn('text', 'Text'),
            this.mode === 'text' ? h('label', { class: 'check' },
                h('input', { type: 'checkbox', checked: this.pretty, onchange: (e) => { this.pretty = e.target.checked; this.draw(spec, text, null); } }),
                'indent') : null,
            h('button', { type: 'button', text: 'Copy', title: 'copy the exact text', onclick: () => copy(text) }),
            spec.save ? h('button', { type: 'button', class: 'w', text: 'Edit', title: 'e', onclick: () => this.edit() }) : null,
            spec.remove ? h('button', { type: 'button', class: 'w danger', text: 'Delete', onclick: () => this.remove() }) : null);
        fill(this.el, h('div', { class: 'panel' }, head, tools, err, body));
    }

    edit() {
        if (!this.spec?.save || this.text === undefined) return;
        this.editing = true;
        this.stale = false;
        this.draw(this.spec, this.text, null);
    }

    drawEditor(spec, text, head, err) {
        // re-indented for editing (only white space differs from what is
        // stored), unless that makes too many lines for a textarea
        const pretty = prettyText(text);
        const lines = lineCount(pretty);
        const asStored = lines > EDIT_INDENT_LINES;
        const area = this.textarea(asStored ? text : pretty);
        const note = asStored ? h('p', { class: 'muted edit-note', text: `Shown as stored, not indented: indented it would be ${count(lines)} lines, too many to edit smoothly.` }) : null;
        const save = async () => {
            err.hidden = true;
            try {
                const value = new JsonText(area.value);
                if (this.stale) {
                    // changed elsewhere while edited: say so once; Save again replaces it
                    const now = await spec.load();
                    this.stale = false;
                    if (now !== text) {
                        throw new Error(now === undefined
                            ? `${nameText(spec.name)} was removed by another client while you edited it: Save again to store your text, Cancel to drop it.`
                            : `${nameText(spec.name)} was changed by another client while you edited it: Save again to replace it with your text, Cancel to see the stored value.`);
                    }
                }
                await spec.save(value);
            } catch (e) {
                err.textContent = describe(e);
                err.hidden = false;
                return;
            }
            this.editing = false;
            toast(`Saved ${nameText(spec.name)}`);
            await this.reload();
        };
        const cancel = () => {
            this.editing = false;
            if (this.stale) {
                this.stale = false;
                this.reload();
            } else {
                this.draw(spec, text, null);
            }
        };
        this.keysFor(area, save, cancel);
        fill(this.el, h('div', { class: 'panel' }, head, err, note, area,
            h('div', { class: 'actions' },
                h('button', { type: 'button', class: 'primary', onclick: save, text: 'Save', title: 'Ctrl+Enter' }),
                h('button', { type: 'button', onclick: cancel, text: 'Cancel', title: 'Escape' }))));
        area.focus();
    }

    async remove() {
        const spec = this.spec;
        if (!spec?.remove || !window.confirm(`Delete ${nameText(spec.name)}?`)) return;
        try {
            await spec.remove();
            toast(`Deleted ${nameText(spec.name)}`);
            this.clear();
        } catch (e) {
            toast(describe(e), true);
        }
    }

    textarea(value) {
        const rows = Math.min(30, Math.max(6, lineCount(value) + 1));
        return h('textarea', { class: 'editor', rows, spellcheck: 'false', autocomplete: 'off', 'aria-label': 'value (JSON)' }, value);
    }

    // Ctrl/Cmd+Enter saves, Escape cancels.
    keysFor(el, save, cancel) {
        el.addEventListener('keydown', (ev) => {
            if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
                ev.preventDefault();
                save();
            } else if (ev.key === 'Escape') {
                ev.preventDefault();
                cancel();
            }
        });
    }
}

// The lines of text, without splitting it (a copy of a megabyte per Edit).
function lineCount(text) {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
}

async function copy(text) {
    try {
        await navigator.clipboard.writeText(text);
        toast('Copied the exact text');
    } catch {
        toast('The browser does not allow copying here', true);
    }
}
