// tree.js — a JSON value as a collapsible tree, built from its exact text.
//
// The tree is made from the text itself, not from a JavaScript object, so
// it shows what is stored: members in their stored order (JavaScript would
// move "1" before "b"), duplicate names, and every literal as written
// (1.0, 1e400, "\u00e9").  Objects and arrays are <details> elements:
// collapsible with the mouse and the keyboard (Enter/Space on the summary).

import { escaped, h } from './ui.js';

// Levels shown open when a tree is first drawn.
const OPEN_LEVELS = 2;
// Items shown per object or array before a "show more" button.
const SHOWN = 200;

// A node of the value: {kind: "object", members: [[nameText, node]]},
// {kind: "array", items: [node]}, or {kind: "string" | "number" | "true" |
// "false" | "null", text}.  text must be valid JSON (it came from the server).
export function nodes(text) {
    let i = 0;
    const ws = () => { while (i < text.length && ' \n\r\t'.includes(text[i])) i++; };
    const str = () => {
        const start = i++;
        while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
        return text.slice(start, i);
    };
    const value = () => {
        ws();
        const c = text[i];
        if (c === '{') {
            i++;
            const members = [];
            ws();
            if (text[i] === '}') { i++; return { kind: 'object', members }; }
            for (;;) {
                ws();
                const name = str();
                ws();
                i++; // ':'
                members.push([name, value()]);
                ws();
                if (text[i++] === '}') return { kind: 'object', members };
            }
        }
        if (c === '[') {
            i++;
            const items = [];
            ws();
            if (text[i] === ']') { i++; return { kind: 'array', items }; }
            for (;;) {
                items.push(value());
                ws();
                if (text[i++] === ']') return { kind: 'array', items };
            }
        }
        if (c === '"') return { kind: 'string', text: str() };
        const start = i;
        while (i < text.length && !',:]} \n\r\t'.includes(text[i])) i++;
        const lit = text.slice(start, i);
        return { kind: lit === 'true' || lit === 'false' || lit === 'null' ? lit : 'number', text: lit };
    };
    return value();
}

// The tree of a JSON text, as an element.
export function tree(text) {
    return h('div', { class: 'tree', role: 'tree' }, node(nodes(text), null, 0));
}

// A member name for display: decoded when it decodes, else as written.
function label(nameText) {
    try {
        return JSON.parse(nameText);
    } catch {
        return nameText;
    }
}

function node(n, name, depth) {
    const head = name === null ? [] : [h('span', { class: 'name' }, escaped(name)), h('span', { class: 'punct', text: ': ' })];
    if (n.kind !== 'object' && n.kind !== 'array') {
        return h('div', { class: 'leaf', role: 'treeitem' }, ...head, h('span', { class: `lit ${n.kind === 'true' || n.kind === 'false' ? 'bool' : n.kind}`, text: n.text }));
    }
    const isObj = n.kind === 'object';
    const size = isObj ? n.members.length : n.items.length;
    const summary = h('summary', {},
        ...head,
        h('span', { class: 'punct', text: isObj ? '{' : '[' }),
        h('span', { class: 'size', text: `${size} ${isObj ? (size === 1 ? 'member' : 'members') : (size === 1 ? 'item' : 'items')}` }),
        h('span', { class: 'punct', text: isObj ? '}' : ']' }));
    const d = h('details', { role: 'treeitem', open: depth < OPEN_LEVELS }, summary);
    const kids = h('div', { class: 'kids', role: 'group' });
    const draw = (from) => {
        const end = Math.min(size, from + SHOWN);
        for (let k = from; k < end; k++) {
            kids.append(isObj ? node(n.members[k][1], label(n.members[k][0]), depth + 1) : node(n.items[k], String(k), depth + 1));
        }
        if (end < size) {
            const more = h('button', { class: 'more', type: 'button', text: `show ${Math.min(SHOWN, size - end)} more of ${size - end}` });
            more.addEventListener('click', () => {
                more.remove();
                draw(end);
            });
            kids.append(more);
        }
    };
    // children are drawn when first opened: a big value costs nothing until looked at
    let drawn = false;
    const open = () => {
        if (drawn || !d.open) return;
        drawn = true;
        draw(0);
    };
    d.addEventListener('toggle', open);
    d.append(kids);
    open();
    return d;
}
