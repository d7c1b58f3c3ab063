// json.test.mjs — the client's JSON reader and writer (lib/json.js), with no
// server: numbers in both modes, exact text, escapes, bad input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { JsonNumber, JsonText, parse, prettyText, stringify } from '../ndb.js';

test('safe mode: numbers as JSON.parse reads them, integers beyond 2^53 as BigInt', () => {
    assert.deepEqual(parse('{"a":1,"b":1.5,"c":-2,"d":1.0,"e":1e2}'), { a: 1, b: 1.5, c: -2, d: 1, e: 100 });
    assert.equal(parse('9007199254740991'), 9007199254740991);
    assert.equal(parse('9007199254740992'), 9007199254740992n);
    assert.equal(parse('-9007199254740993'), -9007199254740993n);
    assert.equal(parse('18446744073709551615'), 18446744073709551615n);
    assert.equal(parse('123456789012345678901234567890'), 123456789012345678901234567890n);
    assert.deepEqual(parse('[1234567890123456789,"1234567890123456789",0.1]'), [1234567890123456789n, '1234567890123456789', 0.1]);
});

test('exact mode: every number reads back to its own text', () => {
    const v = parse('[1.0,1e400,0.10,-0,5,0.5,1e21,18446744073709551616,-1.5E-7]', 'exact');
    assert.ok(v[0] instanceof JsonNumber);
    assert.deepEqual(v.map((x) => (x instanceof JsonNumber ? `N${x.text}` : x)),
        ['N1.0', 'N1e400', 'N0.10', 'N-0', 5, 0.5, 'N1e21', 18446744073709551616n, 'N-1.5E-7']);
    assert.equal(stringify(v), '[1.0,1e400,0.10,-0,5,0.5,1e21,18446744073709551616,-1.5E-7]');
    assert.equal(v[0] + 1, 2); // valueOf: arithmetic as a double
    assert.equal(JSON.stringify({ x: v[0] }), '{"x":1}');
});

test('textDepth returns the source text of values at that depth', () => {
    const text = '{"R":{"keys":{"a":{"y":1.0,"x":"\\u00e9"},"b":[ 1 ,2]},"st":1}}';
    assert.deepEqual(parse(text, 'safe', 3), { R: { keys: { a: '{"y":1.0,"x":"\\u00e9"}', b: '[ 1 ,2]' }, st: 1 } });
});

test('strings: escapes decoded, __proto__ is a plain member, duplicates: the last wins', () => {
    const v = parse('{"s":"a\\"b\\\\c\\u00e9\\ud83d\\ude00","__proto__":{"x":1},"d":1,"d":2,"n":"1234567890123456789"}');
    assert.equal(v.s, 'a"b\\cé😀');
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['s', '__proto__', 'd', 'n']);
    assert.equal(v.d, 2);
    assert.equal(({}).x, undefined);
});

test('invalid JSON is a SyntaxError, in both modes', () => {
    for (const bad of ['', ' ', '{', '[1,]', '{"a":1,}', '"abc', '"a\nb"', 'tru', '01', '1.', '-', '{"a" 1}', '[1 2]', '1 2', '"\\x"', 'NaN']) {
        for (const mode of ['safe', 'exact']) {
            // with 16 digits, safe mode takes its own parser rather than JSON.parse
            assert.throws(() => parse(`[${bad},1234567890123456]`, mode), SyntaxError, `${mode}: ${bad}`);
            assert.throws(() => parse(bad, mode), SyntaxError, `${mode}: ${bad}`);
        }
    }
});

test('stringify: BigInt as digits, JsonText verbatim, like JSON.stringify otherwise', () => {
    assert.equal(stringify({ a: 1n << 64n, b: new JsonText(' {"z":1.0, "a":[]} '), c: 'é"\n', d: undefined, e: [undefined, null], f: new Date(0) }),
        '{"a":18446744073709551616,"b":{"z":1.0, "a":[]},"c":"é\\"\\n","e":[null,null],"f":"1970-01-01T00:00:00.000Z"}');
    assert.equal(stringify({ __proto__: null, x: true }), '{"x":true}');
});

test('stringify refuses what JSON cannot hold exactly', () => {
    assert.throws(() => stringify(NaN), TypeError);
    assert.throws(() => stringify({ a: Infinity }), TypeError);
    assert.throws(() => stringify(undefined), TypeError);
    const cyc = {};
    cyc.self = cyc;
    assert.throws(() => stringify(cyc), /contains itself/);
    // the same object twice is not a cycle
    const o = { x: 1 };
    assert.equal(stringify([o, o]), '[{"x":1},{"x":1}]');
    // a lone surrogate is no Unicode text, in a value or a member name; a pair is
    for (const bad of [{ ['a\udc00']: 1 }, { a: 'x\ud800' }, ['\udc00\ud800'], 'z\ud83d']) {
        assert.throws(() => stringify(bad), /^TypeError: a string with a lone surrogate \(not Unicode text\) cannot be sent as JSON: /);
    }
    assert.equal(stringify({ ['\ud83d\ude00']: '\ud83d\ude00' }), '{"😀":"😀"}');
});

test('JsonText checks its text is exactly one JSON value', () => {
    assert.equal(new JsonText('  [1, 2] ').text, '[1, 2]');
    for (const bad of ['', '1}', '{"a":1},{"b":2}', '1 2', 'x', '{"KV_SET":{}}, 3']) assert.throws(() => new JsonText(bad), SyntaxError, bad);
    assert.throws(() => new JsonText(5), TypeError);
    // a lone surrogate in the text would go out as U+FFFD: the value stored
    // would not be the one written; written as an escape it is JSON text
    for (const bad of ['"x\udc00y"', '{"k\ud800":1}']) {
        assert.throws(() => new JsonText(bad), /^TypeError: a string with a lone surrogate \(not Unicode text\) cannot be sent as JSON: /);
    }
    assert.equal(new JsonText('"x\\udc00y"').text, '"x\\udc00y"');
    assert.throws(() => new JsonNumber('"5"'), SyntaxError);
    assert.equal(new JsonNumber('1.50').valueOf(), 1.5);
});

test('prettyText changes only white space', () => {
    const t = '{"a":[1.0,{"b":"x, y: {z}"},[],{}],"c":"\\"q\\\\"}';
    const p = prettyText(t);
    assert.equal(p, '{\n  "a": [\n    1.0,\n    {\n      "b": "x, y: {z}"\n    },\n    [],\n    {}\n  ],\n  "c": "\\"q\\\\"\n}');
    assert.equal(p.replace(/\n */g, '').replace(/": /g, '":'), t);
    assert.equal(prettyText('5'), '5');
});

// prettyText(text) run in a worker, so that a call that never returns fails
// the test (the worker is ended after 10 s) instead of hanging it: the
// SyntaxError's message, or 'returned' (with the result), or 'never returned'.
function prettyTextInWorker(text) {
    const mod = new URL('../ndb.js', import.meta.url).href;
    const w = new Worker(`import(${JSON.stringify(mod)}).then(({ prettyText }) => {
        const { parentPort, workerData } = require('node:worker_threads');
        try { parentPort.postMessage({ returned: prettyText(workerData) }); }
        catch (e) { parentPort.postMessage({ name: e.name, message: e.message }); }
    });`, { eval: true, workerData: text });
    return new Promise((resolve) => {
        const bound = setTimeout(() => { w.terminate(); resolve('never returned'); }, 10000);
        w.once('message', (m) => { clearTimeout(bound); w.terminate(); resolve(m); });
    });
}

test('a SyntaxError says where and why: the end of the text as such, a character by itself (or its code point when it would not show)', () => {
    // "unexpected character" at position 7 of "[1,2.0," named one that is not there
    const cases = [
        ['[1,2.0,', 'invalid JSON at position 7: the text ends before the value is complete'],
        ['{"a":1', 'invalid JSON at position 6: the text ends before the value is complete'],
        ['{', 'invalid JSON at position 1: the text ends before the value is complete'],
        ['', 'invalid JSON at position 0: the text is empty'],
        [' \n', 'invalid JSON at position 2: the text is empty'],
        ['"abc', 'invalid JSON at position 4: unterminated string'],
        ['[1,x]', "invalid JSON at position 3: unexpected 'x'"],
        ['[é]', "invalid JSON at position 1: unexpected 'é'"],
        ['[1,\u200b2]', 'invalid JSON at position 3: unexpected U+200B'],
        ['[1,\u00012]', 'invalid JSON at position 3: unexpected U+0001'],
        ['{"a":tru}', 'invalid JSON at position 5: expected true'],
        ['nul', 'invalid JSON at position 0: expected null'],
        ['[1]]', 'invalid JSON at position 3: unexpected text after the value'],
    ];
    for (const [text, message] of cases) assert.throws(() => new JsonText(text), { name: 'SyntaxError', message }, JSON.stringify(text));
});

test('prettyText refuses text that is not one JSON value with a SyntaxError, and never hangs on an unterminated string', async () => {
    for (const bad of ['{"a":"x', '"\\', '"', '["a\\"]', '{"a":1', '{"a":1}}', 'nul']) {
        const r = await prettyTextInWorker(bad);
        assert.equal(r.name, 'SyntaxError', `${JSON.stringify(bad)}: ${JSON.stringify(r)}`);
    }
    assert.throws(() => prettyText('{"a":"x'), SyntaxError);
    assert.equal(prettyText(' [1.0] '), '[\n  1.0\n]');
});
