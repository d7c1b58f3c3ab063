// docs.test.mjs — the three descriptions of the client say the same thing as
// the client itself: every method of db.kv, db.sessions and db.session(tkn)
// is declared in ndb.d.ts (and nothing more is) and named in README's
// Methods table; every export of ndb.js is declared in ndb.d.ts and named
// in README.md; README's Options table names the members of Options, with
// the defaults of DEFAULTS.
// A method or export added without its documentation fails here.  And
// README's Node example prints what its comments show.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as ndb from '../ndb.js';
import { Server } from './server.mjs';

const DTS = readFileSync(new URL('../ndb.d.ts', import.meta.url), 'utf8');
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// The member names an interface of ndb.d.ts declares, with those of the
// interface it extends, sorted.
function interfaceMembers(dts, name) {
    const m = dts.match(new RegExp(`^export interface ${name}(?: extends (\\w+))? \\{\\n([\\s\\S]*?)^\\}`, 'm'));
    assert.ok(m, `ndb.d.ts has no interface ${name}`);
    const own = [...m[2].matchAll(/^ {4}(?:readonly )?(\w+)[(:?]/gm)].map((x) => x[1]);
    const all = m[1] ? own.concat(interfaceMembers(dts, m[1])) : own;
    return [...new Set(all)].sort();
}

// The names ndb.d.ts exports, sorted.
function declaredExports(dts) {
    return [...dts.matchAll(/^export (?:declare )?(?:class|function|const|interface|type) (\w+)/gm)].map((x) => x[1]).sort();
}

// The method names README's Methods table gives for one object: a first
// cell names the object once ("`db.kv.count()` · `contains(keys)`"), then
// the methods after it ("`add`" alone, or db.session(tkn)'s
// "set/add/get/..." list).  Code in parentheses of the prose
// ("(no `tkns`: every session)") names no method.
function readmeMethods(readme, object) {
    const table = readme.slice(readme.indexOf('## Methods'), readme.indexOf('## Options'));
    const names = new Set();
    for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
        const cell = row.split(' | ')[0];
        if (!cell.includes(`\`${object}.`)) continue;
        let depth = 0;
        for (const part of cell.slice(2).split('`').map((p, i) => [p, i % 2 === 1])) {
            const [text, code] = part;
            if (!code) {
                depth += (text.match(/\(/g) || []).length - (text.match(/\)/g) || []).length;
                continue;
            }
            if (depth > 0) continue;
            const call = text.startsWith(`${object}.`) ? text.slice(object.length + 1) : text;
            for (const n of call.split('/')) {
                const name = n.match(/^(\w+)(\(|$)/);
                if (name) names.add(name[1]);
            }
        }
    }
    return [...names].sort();
}

const db = new ndb.Ndb('ws://127.0.0.1:1/', { reconnect: false });
const OBJECTS = [
    ['db.kv', db.kv, 'KvCommands'],
    ['db.sessions', db.sessions, 'SessionsCommands'],
    ['db.session(tkn)', db.session(1), 'SessionCommands'],
];

test('ndb.d.ts declares exactly the methods of db.kv, db.sessions and db.session(tkn)', () => {
    for (const [what, object, iface] of OBJECTS)
        assert.deepEqual(interfaceMembers(DTS, iface), Object.keys(object).sort(), `${what} and interface ${iface}`);
});

test("README's Methods table names every method of db.kv, db.sessions and db.session(tkn)", () => {
    for (const [what, object] of OBJECTS) {
        // token is a property (the session's token), said in the text
        const methods = Object.keys(object).filter((k) => typeof object[k] === 'function').sort();
        const named = readmeMethods(README, what);
        assert.deepEqual(methods.filter((m) => !named.includes(m)), [], `${what}: methods missing from README's table`);
        assert.deepEqual(named.filter((m) => !methods.includes(m)), [], `${what}: README names methods it does not have`);
    }
});

test('every export of ndb.js is declared in ndb.d.ts and named in README.md', () => {
    const exported = Object.keys(ndb).sort();
    const declared = declaredExports(DTS);
    assert.deepEqual(exported.filter((e) => !declared.includes(e)), [], 'exports missing from ndb.d.ts');
    const values = declared.filter((d) => new RegExp(`^export (?:declare )?(?:class|function|const) ${d}\\b`, 'm').test(DTS));
    assert.deepEqual(values.filter((d) => !exported.includes(d)), [], 'ndb.d.ts declares values ndb.js does not export');
    assert.deepEqual(exported.filter((e) => !README.includes(`\`${e}`)), [], 'exports README.md does not name');
});

// README's Options table as option → its default cell ("`100`"); a row of
// two ("| `minDelay`, `maxDelay` | `100`, `5000` |") gives each its own.
function readmeDefaults(readme) {
    const table = readme.slice(readme.indexOf('## Options'), readme.indexOf('## How it behaves'));
    const defaults = new Map();
    for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
        const [options, values] = row.slice(2).split(' | ');
        const v = values.split(', ');
        options.split(', ').forEach((o, i) => defaults.set(o.replaceAll('`', ''), v[i]));
    }
    return defaults;
}

test("README's Options table names exactly the members of Options in ndb.d.ts, with the defaults of DEFAULTS", () => {
    const defaults = readmeDefaults(README);
    assert.deepEqual([...defaults.keys()].sort(), interfaceMembers(DTS, 'Options'));
    for (const [name, value] of Object.entries(ndb.DEFAULTS))
        assert.equal(defaults.get(name), `\`${JSON.stringify(value)}\``, name);
});

test('the checks above catch a method, an export or a default left undocumented', () => {
    // a method dropped from the interface that declares it
    assert.ok(interfaceMembers(DTS, 'KvCommands').includes('arrAppend'));
    assert.ok(!interfaceMembers(DTS.replace(/^ {4}arrAppend\(.*\n/m, ''), 'KvCommands').includes('arrAppend'));
    // one from README's table: the object's first method, a later one, one of a slash list
    assert.ok(readmeMethods(README, 'db.kv').includes('scanAll'));
    assert.ok(!readmeMethods(README.replace(' · `scanAll({prefix, count})`', ''), 'db.kv').includes('scanAll'));
    assert.ok(!readmeMethods(README.replace('`db.kv.count()` · `contains(keys)`', '`db.kv.contains(keys)`'), 'db.kv').includes('count'));
    assert.ok(!readmeMethods(README.replace('/clearSet/', '/'), 'db.session(tkn)').includes('clearSet'));
    // an export
    assert.ok(!declaredExports(DTS.replace(/^export function statusName.*\n/m, '')).includes('statusName'));
    // a default
    assert.equal(readmeDefaults(README).get('maxDelay'), '`5000`');
    assert.equal(readmeDefaults(README.replace('`100`, `5000`', '`100`, `500`')).get('maxDelay'), '`500`');
});

test('README\'s Node example, run against a real server, prints what its "// ..." comments show, in order', async () => {
    const block = README.match(/^```js\n(import \{ connect[^]*?)^```$/m);
    assert.ok(block, 'no Node example in README');
    const server = await Server.start();
    try {
        const script = block[1]
            .replace("'./clients/js/ndb.js'", `'${new URL('../ndb.js', import.meta.url).href}'`)
            .replace('ws://127.0.0.1:1987/', server.url);
        const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 30000 });
        // the lines the comments show appear in the output in their order
        // (lines without a comment, a scan's keys and a session's info, in between)
        const shown = [...block[1].matchAll(/console\.log\(.*\); *\/\/ (.*)$/gm)].map((m) => m[1]);
        assert.ok(shown.length >= 3);
        const lines = stdout.split('\n');
        let at = 0;
        for (const want of shown) {
            const i = lines.indexOf(want, at);
            assert.ok(i >= 0, `README's example does not print ${want} (after line ${at}):\n${stdout}`);
            at = i + 1;
        }
    } finally {
        await server.stop();
    }
});
