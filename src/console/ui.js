// ui.js — small DOM helpers shared by the console's views.
//
// Everything the server sends (key names, values, messages) is untrusted
// text: it only ever reaches the page through textContent and attribute
// values set by these helpers, never as HTML.

// An element: h('button', {class: 'w', onclick: fn, title: 'x'}, 'text', child, ...).
// props: class, text, dataset (object), on<event> (listeners), hidden,
// anything else as an attribute (false/null/undefined: left out).
export function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else if (k === 'hidden') el.hidden = true;
        else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
    return el;
}

// Characters a name must not show as they are: controls (a BEL, a line
// break), format characters (U+202E turns the rest of the line around, so
// "evil\u202Etxt.exe" reads "evilexe.txt"; U+200B and friends are
// invisible) and line or paragraph separators.  The zero-width joiner
// stays: emoji sequences are made with it.
const HIDDEN_CLASS = '(?!\\u200D)[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]';
const HIDDEN = new RegExp(HIDDEN_CLASS, 'u');
const HIDDEN_SPLIT = new RegExp(`(${HIDDEN_CLASS})`, 'u');
const HIDDEN_ALL = new RegExp(HIDDEN_CLASS, 'gu');

// One such character as text: \x07 (below U+0100, as the command line
// shows them), \u202E, \u{E0041}.
function escapeChar(c) {
    const cp = c.codePointAt(0);
    const hex = cp.toString(16).toUpperCase();
    if (cp < 0x100) return `\\x${hex.padStart(2, '0').toLowerCase()}`;
    return cp < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\u{${hex}}`;
}

// A key's name as lists and headings show it.  The empty name is a key like
// any other to the server: it shows as a placeholder in italics (CSS
// .empty-name), not as a button with no text, a few pixels high, that
// nobody can see or click.  The characters above show escaped, each in a
// span of class esc (styled apart, so that a name really spelt "\x07"
// looks different).  Code that needs the name reads data-key.
export function keyName(k) {
    if (k === '') return h('span', { class: 'empty-name', text: '(empty name)' });
    return escaped(k);
}

// Any other name from the data (a member name in a value's tree, a path
// naming members) with those characters escaped as keyName shows them: the
// same U+202E in a member name turns the tree's line around.
export function escaped(s) {
    if (!HIDDEN.test(s)) return s;
    return h('span', {}, ...s.split(HIDDEN_SPLIT).map((part, i) => (i % 2 ? h('span', { class: 'esc', text: escapeChar(part) }) : part)));
}

// A name as plain text (titles, messages, dialogs): those characters
// escaped as keyName shows them.
export function nameText(k) {
    return k.replace(HIDDEN_ALL, escapeChar);
}

// The element with this id (the page defines it; a missing one is a bug).
export function $(id) {
    const el = document.getElementById(id);
    if (!el) throw new Error(`no element #${id}`);
    return el;
}

// Replace el's children.  They go in through a fragment, not as arguments
// of replaceChildren: a call with ~125,000 arguments overflows the stack
// (a session with that many keys, a JSONPath query matching that many).
export function fill(el, ...children) {
    const frag = document.createDocumentFragment();
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) frag.append(c);
    el.replaceChildren(frag);
}

// Items of a long list drawn at first; the rest wait behind a button.
export const LIST_SHOWN = 500;

// Append render(item) to el for the items from `from` on, LIST_SHOWN at a
// time, the rest behind a "show N more of M" button: drawing 100,000 keys
// at once would freeze the page for seconds.  In a <ul> the button goes in
// an <li> of its own.
export function appendSome(el, items, render, from = 0) {
    const end = Math.min(items.length, from + LIST_SHOWN);
    const frag = document.createDocumentFragment();
    for (let i = from; i < end; i++) frag.append(render(items[i], i));
    if (end < items.length) {
        const button = h('button', { type: 'button', class: 'more', text: `show ${count(Math.min(LIST_SHOWN, items.length - end))} more of ${count(items.length - end)}` });
        const holder = el.tagName === 'UL' ? h('li', { class: 'more-item' }, button) : button;
        button.addEventListener('click', () => {
            holder.remove();
            appendSome(el, items, render, end);
        });
        frag.append(holder);
    }
    el.append(frag);
}

// A message for people from an error: the client's errors carry the
// command, the status and the server's message already.
export function describe(err) {
    if (!err) return '';
    if (err.name === 'NdbError') return `The server refused: ${err.message}`;
    // one that waited for a connection in vain was never sent: a connection problem
    if (err.name === 'NdbTimeoutError') return `${err.sent === false ? 'Connection' : 'No answer'}: ${err.message}`;
    if (err.name === 'NdbConnectionError') return `Connection: ${err.message}`;
    if (err instanceof SyntaxError) return `Not valid JSON: ${err.message.replace(/^invalid JSON /, '')}`;
    return err.message || String(err);
}

let toastTimer = null;
// Show a short message at the bottom of the page (errors stay longer).
export function toast(text, isError = false) {
    const t = $('toast');
    t.textContent = text;
    t.className = isError ? 'error show' : 'show';
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = ''; }, isError ? 8000 : 3000);
}

// 1536 → "1.5 KiB".
export function bytes(n) {
    const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = Number(n), i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return i === 0 ? `${v} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// Seconds as "59 s", "4 min 05 s", "2 h 03 min", "3 d 4 h".
export function duration(s) {
    s = Math.max(0, Math.floor(Number(s)));
    if (s < 60) return `${s} s`;
    const pad = (x) => String(x).padStart(2, '0');
    if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} min`;
    return `${Math.floor(s / 86400)} d ${Math.floor(s / 3600) % 24} h`;
}

// A count with thousands separators.
export function count(n) {
    return typeof n === 'bigint' || Number.isFinite(n) ? n.toLocaleString('en-US') : String(n);
}

// Is the keyboard focus in a place where typing means text?
export function typing() {
    const a = document.activeElement;
    return !!a && (a.tagName === 'INPUT' || a.tagName === 'TEXTAREA' || a.tagName === 'SELECT' || a.isContentEditable);
}

// Move the focus among the buttons of a list with the arrow keys, Home and End.
export function listKeys(list) {
    list.addEventListener('keydown', (ev) => {
        const items = [...list.querySelectorAll('button.item')];
        const i = items.indexOf(document.activeElement);
        let j = null;
        if (ev.key === 'ArrowDown') j = Math.min(items.length - 1, i + 1);
        else if (ev.key === 'ArrowUp') j = Math.max(0, i - 1);
        else if (ev.key === 'Home') j = 0;
        else if (ev.key === 'End') j = items.length - 1;
        if (j !== null && items[j]) {
            ev.preventDefault();
            items[j].focus();
        }
    });
}

// Make a view's watch, one request at a time (KV_WATCH or SH_WATCH, when the
// server has them): calls in quick succession each asked for a watch at
// once, and all but the last were left behind (after 64 the server refused
// more, 42, and the view was no longer live).  A call made while one is
// under way only asks it to watch again, with what makeWatch asks for then.
// view: its watcher, followTurn (calls made), following (a request under
// way), canWatch (false once a server answered 10) and live(); makeWatch: a
// function returning a promise of the new watcher.
export async function watchOneAtATime(view, makeWatch) {
    view.followTurn++;
    if (view.following) return;
    view.following = true;
    try {
        let turn;
        do {
            turn = view.followTurn;
            const old = view.watcher;
            view.watcher = null;
            if (old) await old.close();
            try {
                view.watcher = await makeWatch();
            } catch (e) {
                if (e.status === 10) view.canWatch = false; // a server without watches
            }
        } while (turn !== view.followTurn && view.canWatch);
    } finally {
        view.following = false;
    }
    view.live();
}
