// console.test.mjs — the web console in a real browser (Debian's chromium,
// headless, driven by playwright-core) against a real `ndb serve`: the page
// loads under its Content-Security-Policy without an error, scans keys with
// a prefix page by page, shows and edits a value byte-exact, refuses bad
// JSON and shows the server's refusals, deletes, runs JSONPath queries and
// updates, creates a session and counts it down, ends it, shows the server's
// figures moving, and works on a phone-sized screen in dark mode.
// Screenshots go to tests/browser/screenshots/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../../clients/js/ndb.js';
import { browser, newPage, noErrors, openConsole, send, Server, shot, texts } from './page.mjs';

let server, b;

before(async () => {
    server = await Server.start();
    b = await browser();
    const users = {};
    for (let i = 1; i <= 150; i++) users[`user:${String(i).padStart(3, '0')}`] = { n: i };
    send(server.url,
        JSON.stringify({ KV_SET: { keys: users } }),
        '{"KV_SET":{"keys":{"config":{"theme":"dark"},"person:ann":{"name":"Ann","age":31},"person:bob":{"name":"Bob","age":25}}}}',
        '{"KV_SET":{"keys":{"exact":{"n":1.0,"big":18446744073709551616,"s":"\\u00e9","1":"one"}}}}');
});

after(async () => {
    await b?.close();
    await server.stop();
});

test('the page and its files load under the strict CSP, without a single error', async () => {
    const page = await newPage(b);
    const resp = await page.goto(server.httpUrl);
    assert.equal(resp.status(), 200);
    const h = resp.headers();
    assert.equal(h['content-type'], 'text/html; charset=utf-8');
    assert.match(h['content-security-policy'], /default-src 'none'; script-src 'self'; style-src 'self';.* connect-src 'self'/);
    assert.equal(h['x-content-type-options'], 'nosniff');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.title(), 'ndb console');
    assert.equal(await page.locator('#conn').textContent(), 'connected');
    assert.match(await page.locator('#server-version').textContent(), /^ndb \d+\.\d+\.\d+$/);
    noErrors(page);
    await page.close();
});

test('keys: scan with a prefix, a page at a time, and count the matches', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.fill('#keys-prefix', 'user:');
    await page.click('#keys-form button[type=submit]');
    // the page first lists every key (its own scan on load): wait for the prefix's
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.includes('starting with'));
    let keys = await texts(page, '#keys-list button.item');
    assert.equal(keys[0], 'user:001');
    assert.equal(keys[99], 'user:100');
    assert.ok(keys.every((k) => k.startsWith('user:')));
    assert.equal(await page.locator('#keys-summary').textContent(), '154 keys in the database · page 1: 100 keys starting with “user:”');
    await shot(page, 'keys-scan');
    await page.click('#keys-next');
    await page.waitForFunction(() => document.querySelector('#keys-list button.item')?.textContent === 'user:101');
    keys = await texts(page, '#keys-list button.item');
    assert.equal(keys.length, 50);
    assert.equal(await page.locator('#keys-summary').textContent(), '154 keys in the database · page 2: 50 keys starting with “user:” (last page)');
    assert.equal(await page.locator('#keys-next').isDisabled(), true);
    await page.click('#keys-prev');
    await page.waitForFunction(() => document.querySelector('#keys-list button.item')?.textContent === 'user:001');
    await page.click('#keys-count-prefix');
    await page.waitForFunction(() => document.querySelector('#keys-prefix-count').textContent.endsWith('keys start with “user:”'));
    assert.equal(await page.locator('#keys-prefix-count').textContent(), '150 keys start with “user:”');
    // a prefix nothing has
    await page.fill('#keys-prefix', 'nobody:');
    await page.press('#keys-prefix', 'Enter');
    await page.waitForSelector('#keys-list li.muted');
    assert.equal(await page.locator('#keys-list li.muted').textContent(), 'No key on this page starts with “nobody:”.');
    noErrors(page);
    await page.close();
});

test('keys: a rare prefix on a big database: an empty page that stopped early says Next page looks further', async () => {
    const big = await Server.start(); // a server of its own: 12,000 keys, the one wanted last
    const db = await connect(big.url);
    try {
        for (let j = 0; j < 12; j++) {
            const keys = {};
            for (let i = j * 1000; i < (j + 1) * 1000; i++) keys[`f:${i}`] = i;
            await db.kv.set(keys);
        }
        await db.kv.set({ 'zz:last': 1 });
        const page = await newPage(b);
        await openConsole(page, big.httpUrl);
        await page.selectOption('#keys-count', '20'); // 50 requests of at most 200 keys looked at: 10,000
        await page.fill('#keys-prefix', 'zz:');
        await page.press('#keys-prefix', 'Enter');
        await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.includes('starting with'));
        assert.equal(await page.locator('#keys-list li.muted').textContent(),
            'No key starting with “zz:” among the keys this page looked at: Next page looks further.');
        assert.equal(await page.locator('#keys-next').isDisabled(), false);
        await page.click('#keys-next');
        await page.waitForSelector('#keys-list button.item >> text=zz:last');
        noErrors(page);
        await page.close();
    } finally {
        db.close();
        await big.stop();
    }
});

test('keys: a value as a tree and as exact text; edited and saved byte-exact', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.fill('#keys-prefix', 'exact');
    await page.press('#keys-prefix', 'Enter');
    await page.click('#keys-list button.item >> text=exact');
    await page.waitForSelector('#keys-detail .tree');
    // the tree shows stored order and literals as written
    assert.deepEqual(await texts(page, '#keys-detail .tree .kids .leaf'), ['n: 1.0', 'big: 18446744073709551616', 's: "\\u00e9"', '1: "one"']);
    await shot(page, 'keys-value');
    // collapsible: the root closes and opens
    await page.click('#keys-detail .tree > details > summary');
    assert.equal(await page.locator('#keys-detail .tree > details').getAttribute('open'), null);
    await page.click('#keys-detail .tree > details > summary');
    await page.click('#keys-detail button.tab >> text=Text');
    assert.equal(await page.locator('#keys-detail pre.text').textContent(), '{"n":1.0,"big":18446744073709551616,"s":"\\u00e9","1":"one"}');
    // edit: the editor holds the text re-indented; Ctrl+Enter saves what was typed
    await page.click('#keys-detail button >> text=Edit');
    const editor = page.locator('#keys-detail textarea.editor');
    assert.equal(await editor.inputValue(), '{\n  "n": 1.0,\n  "big": 18446744073709551616,\n  "s": "\\u00e9",\n  "1": "one"\n}');
    await editor.fill('{"n": 2.50, "big": 18446744073709551617, "s": "\\u00e9", "z": [1.0, -0]}');
    await editor.press('Control+Enter');
    await page.waitForSelector('#keys-detail pre.text');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["exact"]}}'),
        ['{"KV_GET_RSP":{"keys":{"exact":{"n":2.50,"big":18446744073709551617,"s":"\\u00e9","z":[1.0,-0]}},"st":1}}']);
    assert.equal(await page.locator('#keys-detail pre.text').textContent(), '{"n":2.50,"big":18446744073709551617,"s":"\\u00e9","z":[1.0,-0]}');
    // invalid JSON is refused in the page, and nothing is sent
    await page.click('#keys-detail button >> text=Edit');
    await editor.fill('{"n": 1,}');
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .panel-error:not([hidden])');
    assert.match(await page.locator('#keys-detail .panel-error').textContent(), /^Not valid JSON: at position 8: /);
    await editor.press('Escape');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["exact"]}}'),
        ['{"KV_GET_RSP":{"keys":{"exact":{"n":2.50,"big":18446744073709551617,"s":"\\u00e9","z":[1.0,-0]}},"st":1}}']);
    noErrors(page);
    await page.close();
});

test('keys: a value of more than 10,000 lines indented is edited as stored (a textarea that long froze the page), and saved', async () => {
    const items = Array.from({ length: 20000 }, (_, i) => i);
    send(server.url, JSON.stringify({ KV_SET: { keys: { 'long:array': items, 'long:small': [1.0, 2] } } }).replace('"long:small":[1,2]', '"long:small":[1.0,2]'));
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    const editor = page.locator('#keys-detail textarea.editor');
    await page.fill('#keys-prefix', 'long:');
    await page.press('#keys-prefix', 'Enter');
    await page.click('#keys-list button.item >> text=long:array');
    await page.waitForSelector('#keys-detail .tree');
    await page.keyboard.press('e');
    assert.equal(await editor.inputValue(), JSON.stringify(items));
    assert.equal(await page.locator('#keys-detail .edit-note').textContent(),
        'Shown as stored, not indented: indented it would be 20,002 lines, too many to edit smoothly.');
    await editor.fill(JSON.stringify(items).replace('[0,', '[-1.0,'));
    await editor.press('Control+Enter');
    await page.waitForSelector('#keys-detail .tree');
    assert.equal(send(server.url, '{"KV_GET":{"keys":["long:array"]}}')[0].slice(0, 40), '{"KV_GET_RSP":{"keys":{"long:array":[-1.');
    // a small value is indented as before, with no note
    await page.click('#keys-list button.item >> text=long:small');
    await page.waitForSelector('#keys-detail h2[title="long:small"]');
    await page.keyboard.press('e');
    assert.equal(await editor.inputValue(), '[\n  1.0,\n  2\n]');
    assert.equal(await page.locator('#keys-detail .edit-note').count(), 0);
    await editor.press('Escape');
    send(server.url, '{"KV_RMV":{"keys":["long:array","long:small"]}}');
    noErrors(page);
    await page.close();
});

test('keys: an edit changes the value and keeps the key\'s time to live', async () => {
    send(server.url, '{"KV_SET":{"keys":{"otp":{"code":1}},"ttl":300}}');
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.fill('#keys-prefix', 'otp');
    await page.press('#keys-prefix', 'Enter');
    await page.click('#keys-list button.item >> text=otp');
    await page.click('#keys-detail button >> text=Edit');
    await page.locator('#keys-detail textarea.editor').fill('{"code": 2.0}');
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .tree');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["otp"]}}'), ['{"KV_GET_RSP":{"keys":{"otp":{"code":2.0}},"st":1}}']);
    // still expiring (KV_SET would have made it permanent: {"otp":null})
    const ttl = JSON.parse(send(server.url, '{"KV_TTL":{"keys":["otp"]}}')[0]).KV_TTL_RSP.keys.otp;
    assert.ok(typeof ttl === 'number' && ttl > 200 && ttl <= 300, `ttl ${ttl}`);
    send(server.url, '{"KV_RMV":{"keys":["otp"]}}');
    noErrors(page);
    await page.close();
});

test('keys: a save the server refuses shows its message and keeps the edit', async () => {
    const small = await Server.start(['--max-memory', '300']);
    try {
        send(small.url, '{"KV_SET":{"keys":{"k":"small"}}}');
        const page = await newPage(b);
        await openConsole(page, small.httpUrl);
        await page.click('#keys-list button.item >> text=k');
        await page.click('#keys-detail button >> text=Edit');
        const big = `"${'x'.repeat(400)}"`;
        await page.locator('#keys-detail textarea.editor').fill(big);
        await page.click('#keys-detail button >> text=Save');
        await page.waitForSelector('#keys-detail .panel-error:not([hidden])');
        assert.equal(await page.locator('#keys-detail .panel-error').textContent(),
            'The server refused: KV_UPDATE: ValueSize (42): maxMemory exceeded');
        assert.equal(await page.locator('#keys-detail textarea.editor').inputValue(), big);
        await shot(page, 'keys-refused');
        assert.deepEqual(send(small.url, '{"KV_GET":{"keys":["k"]}}'), ['{"KV_GET_RSP":{"keys":{"k":"small"},"st":1}}']);
        noErrors(page);
        await page.close();
    } finally {
        await small.stop();
    }
});

test('keys: the new key\'s name field: Escape cancels, Enter goes to the value, Ctrl+Enter creates', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.click('#keys-new');
    await page.fill('#keys-detail .name-input', 'typed');
    await page.press('#keys-detail .name-input', 'Escape');
    await page.waitForSelector('#keys-detail .placeholder');
    await page.click('#keys-new');
    await page.fill('#keys-detail .name-input', 'by-keys');
    await page.press('#keys-detail .name-input', 'Enter');
    await page.waitForFunction(() => document.activeElement?.matches('#keys-detail textarea.editor'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('[2.50]');
    await page.press('#keys-detail .name-input', 'Control+Enter');
    await page.waitForSelector('#keys-detail h2.key >> text=by-keys');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["by-keys","typed"]}}'), ['{"KV_GET_RSP":{"keys":{"by-keys":[2.50]},"st":1}}']);
    send(server.url, '{"KV_RMV":{"keys":["by-keys"]}}');
    noErrors(page);
    await page.close();
});

test('keys: create a key, then delete it', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.click('#keys-new');
    await page.fill('#keys-detail .name-input', 'fresh');
    await page.locator('#keys-detail textarea.editor').fill('[1.0, "two"]');
    await page.click('#keys-detail button >> text=Create');
    await page.waitForSelector('#keys-detail h2.key >> text=fresh');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["fresh"]}}'), ['{"KV_GET_RSP":{"keys":{"fresh":[1.0,"two"]},"st":1}}']);
    // the same name again is refused in the page
    await page.click('#keys-new');
    await page.fill('#keys-detail .name-input', 'fresh');
    await page.click('#keys-detail button >> text=Create');
    await page.waitForSelector('#keys-detail .panel-error:not([hidden])');
    assert.equal(await page.locator('#keys-detail .panel-error').textContent(), 'The key “fresh” exists already: open it to edit it.');
    await page.click('#keys-detail button >> text=Cancel');
    await page.fill('#keys-prefix', 'fresh');
    await page.press('#keys-prefix', 'Enter');
    await page.click('#keys-list button.item >> text=fresh');
    await page.click('#keys-detail button >> text=Delete'); // confirm() is accepted
    await page.waitForSelector('#keys-detail .placeholder');
    assert.deepEqual(send(server.url, '{"KV_CONTAINS":{"keys":["fresh"]}}'), ['{"KV_CONTAINS_RSP":{"contains":[],"st":1}}']);
    noErrors(page);
    await page.close();
});

test('keys and session keys with the empty name: a visible placeholder that opens the key, not a button with no text', async () => {
    const own = await Server.start();
    try {
        const [rsp] = send(own.url, '{"SH_NEW":{}}');
        const tkn = /"tkn":(\d+)/.exec(rsp)[1];
        send(own.url, '{"KV_SET":{"keys":{"":"nameless","(empty name)":"named"}}}', `{"SH_SET":{"tkn":${tkn},"keys":{"":1}}}`);
        const page = await newPage(b);
        await openConsole(page, own.httpUrl);
        const empty = page.locator('#keys-list button.item[data-key=""]');
        assert.equal(await empty.textContent(), '(empty name)');
        assert.equal(await empty.locator('span.empty-name').count(), 1);
        // as tall as any other item (it was 8 px: padding only)
        const heights = await page.locator('#keys-list button.item').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().height)));
        assert.equal(new Set(heights).size, 1, `heights ${heights}`);
        await empty.click();
        await page.waitForSelector('#keys-detail .tree');
        assert.equal(await page.locator('#keys-detail h2.key').textContent(), '(empty name)');
        assert.equal(await page.locator('#keys-detail .tree').textContent(), '"nameless"');
        // only the empty name is selected, not the key that is called "(empty name)"
        assert.deepEqual(await page.locator('#keys-list button.item.selected').evaluateAll((els) => els.map((e) => e.dataset.key)), ['']);
        await page.goto(`${own.httpUrl}#sessions`);
        await page.waitForSelector('body[data-ready="true"]');
        await page.click(`#sessions-list button.token >> text=${tkn}`);
        await page.click('#session-keys button.item[data-key=""]');
        await page.waitForSelector('#session-value .tree');
        assert.equal(await page.locator('#session-value h2.key').textContent(), '(empty name)');
        assert.equal(await page.locator('#session-value .tree').textContent(), '1');
        noErrors(page);
        await page.close();
    } finally {
        await own.stop();
    }
});

test('JSONPath: keys, paths and values that match; an invalid path; KV_UPDATE', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'find');
    await page.fill('#find-path', "$[?(@ == 'Ann')]");
    await page.click('#find-form button[type=submit]');
    await page.waitForSelector('#find-results li');
    assert.deepEqual(await texts(page, '#find-results li'), ['person:ann']);
    assert.equal(await page.locator('#find-results p').textContent(), '1 matching key');
    await page.fill('#find-path', '$.name');
    await page.selectOption('#find-rsp', 'paths');
    await page.fill('#find-keys', 'person:ann, person:bob');
    await page.click('#find-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#find-results p')?.textContent === '2 paths');
    assert.deepEqual(await texts(page, '#find-results li'), ["$['name']", "$['name']"]);
    await page.selectOption('#find-rsp', 'kv');
    await page.click('#find-form button[type=submit]');
    await page.waitForSelector('#find-results .result .tree');
    assert.deepEqual(await texts(page, '#find-results .result > button.link'), ['person:ann', 'person:bob']);
    await shot(page, 'jsonpath');
    await page.fill('#find-path', '$[?(@.x ==');
    await page.click('#find-form button[type=submit]');
    await page.waitForSelector('#find-results .panel-error');
    assert.match(await page.locator('#find-results .panel-error').textContent(), /^The server refused: KV_FIND: PathInvalid \(4\): /);
    // update every age over 30
    await page.fill('#update-key', 'person:ann');
    await page.fill('#update-path', '$.age');
    await page.fill('#update-value', '32.0');
    await page.click('#update-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#update-result').textContent !== '');
    assert.equal(await page.locator('#update-result').textContent(), '1 node replaced');
    assert.deepEqual(send(server.url, '{"KV_GET":{"keys":["person:ann"]}}'), ['{"KV_GET_RSP":{"keys":{"person:ann":{"name":"Ann","age":32.0}},"st":1}}']);
    await page.fill('#update-key', 'nobody');
    await page.click('#update-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#update-result').className === 'panel-error');
    assert.equal(await page.locator('#update-result').textContent(), 'The server refused: KV_UPDATE: KeyNotExist (22): no such key');
    // a match opens in the Keys view
    await page.fill('#find-path', '$.name');
    await page.selectOption('#find-rsp', 'keys');
    await page.fill('#find-keys', '');
    await page.click('#find-form button[type=submit]');
    await page.click('#find-results button.link >> text=person:bob');
    await page.waitForSelector('#keys-detail h2.key >> text=person:bob');
    assert.equal(await page.locator('#tab-keys').getAttribute('aria-selected'), 'true');
    noErrors(page);
    await page.close();
});

test('sessions: create one, watch its countdown, look at its keys, end it', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'sessions');
    await page.fill('#sessions-duration', '30');
    await page.click('#sessions-new button[type=submit]');
    await page.waitForSelector('#sessions-list button.token');
    const tkn = await page.locator('#sessions-list button.token').first().textContent();
    assert.match(tkn, /^[1-9][0-9]*$/);
    assert.equal(await page.locator('#sessions-totals').textContent(), '1 session, 0 keys in all');
    // the countdown moves by itself, with no reload
    const cell = page.locator('#sessions-list td.countdown').first();
    const seconds = async () => {
        const m = /^([0-9]+) s$/.exec(await cell.textContent());
        assert.ok(m, await cell.textContent());
        return Number(m[1]);
    };
    const first = await seconds();
    assert.ok(first > 0 && first <= 30, String(first));
    await page.waitForFunction((t) => document.querySelector('#sessions-list td.countdown').textContent !== `${t} s`, first);
    const second = await seconds();
    assert.ok(second < first && second > 0, `${first} then ${second}`);
    await shot(page, 'sessions');
    // its keys, added from outside, then one edited here
    send(server.url, `{"SH_SET":{"tkn":${tkn},"keys":{"cart":[1,2.0]}}}`);
    await page.click('#sessions-refresh');
    await page.click('#sessions-list button.token');
    await page.waitForSelector('#session-keys button.item >> text=cart');
    await page.click('#session-keys button.item >> text=cart');
    await page.waitForSelector('#session-value .tree');
    // e edits, as the Edit button's title says (it did nothing outside Keys)
    assert.equal(await page.locator('#session-value button >> text=Edit').getAttribute('title'), 'e');
    await page.keyboard.press('e');
    await page.locator('#session-value textarea.editor').fill('[1, 2.0, 3]');
    await page.locator('#session-value textarea.editor').press('Control+Enter');
    await page.waitForSelector('#session-value .tree');
    assert.deepEqual(send(server.url, `{"SH_GET":{"tkn":${tkn},"keys":["cart"]}}`), ['{"SH_GET_RSP":{"keys":{"cart":[1,2.0,3]},"st":1}}']);
    // end it
    await page.click('#session-head button >> text=End session');
    await page.waitForSelector('#sessions-list td.muted');
    assert.equal(await page.locator('#sessions-totals').textContent(), '0 sessions, 0 keys in all');
    assert.deepEqual(send(server.url, `{"SH_EXISTS":{"tkns":[${tkn}]}}`), ['{"SH_EXISTS_RSP":{"exist":[],"st":1}}']);
    noErrors(page);
    await page.close();
});

test('sessions: one created when more than a page of sessions exist is shown, though listed on a later page', async () => {
    const many = await Server.start(); // a server of its own: 150 sessions
    try {
        send(many.url, ...Array.from({ length: 150 }, () => '{"SH_NEW":{}}'));
        const page = await newPage(b);
        await openConsole(page, many.httpUrl, 'sessions');
        await page.waitForSelector('#sessions-list button.token');
        await page.click('#sessions-new button[type=submit]');
        await page.waitForSelector('#session-head h2');
        const tkn = /^Session ([0-9]+)$/.exec(await page.locator('#session-head h2').textContent())[1];
        assert.equal(await page.locator('#toast').textContent(), `Created session ${tkn}`);
        assert.equal(await page.locator('#sessions-totals').textContent(), '151 sessions, 0 keys in all');
        // it was shown from the page of sessions 1-100, which does not list it
        assert.equal(await page.locator(`#sessions-list button.token >> text=${tkn}`).count(), 0);
        noErrors(page);
        await page.close();
    } finally {
        await many.stop();
    }
});

test('sessions: one that expires leaves the list by itself', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'sessions');
    await page.fill('#sessions-duration', '1');
    await page.click('#sessions-new button[type=submit]');
    await page.waitForSelector('#sessions-list button.token');
    await page.waitForSelector('#sessions-list td.muted', { timeout: 15000 }); // "No sessions on this page."
    assert.equal(await page.locator('#sessions-totals').textContent(), '0 sessions, 0 keys in all');
    noErrors(page);
    await page.close();
});

test('keys and session keys with control or bidi characters show them escaped, never as they are', async () => {
    const own = await Server.start();
    try {
        const [rsp] = send(own.url, '{"SH_NEW":{}}');
        const tkn = /"tkn":(\d+)/.exec(rsp)[1];
        // U+202E turns the rest around ("evil‮txt.exe" reads "evilexe.txt"), U+0007 rings,
        // U+200B is invisible; an emoji's zero-width joiners stay
        send(own.url, '{"KV_SET":{"keys":{"evil\\u202etxt.exe":1,"bell\\u0007x":2,"zw\\u200bsp":3,"family \\ud83d\\udc68\\u200d\\ud83d\\udc67":4}}}',
            `{"SH_SET":{"tkn":${tkn},"keys":{"cart\\u202e\\u2028":1}}}`);
        const page = await newPage(b);
        await openConsole(page, own.httpUrl);
        const item = (list, key) => page.locator(`${list} button.item`).evaluateAll(
            (els, k) => { const e = els.find((x) => x.dataset.key === k); return e && { text: e.textContent, title: e.title, esc: [...e.querySelectorAll('span.esc')].map((s) => s.textContent) }; }, key);
        await page.waitForSelector('#keys-list button.item');
        assert.deepEqual(await item('#keys-list', 'evil\u202etxt.exe'), { text: 'evil\\u202Etxt.exe', title: 'evil\\u202Etxt.exe', esc: ['\\u202E'] });
        assert.deepEqual(await item('#keys-list', 'bell\u0007x'), { text: 'bell\\x07x', title: 'bell\\x07x', esc: ['\\x07'] });
        assert.deepEqual(await item('#keys-list', 'zw\u200bsp'), { text: 'zw\\u200Bsp', title: 'zw\\u200Bsp', esc: ['\\u200B'] });
        assert.deepEqual(await item('#keys-list', 'family \u{1F468}\u200d\u{1F467}'), { text: 'family \u{1F468}\u200d\u{1F467}', title: 'family \u{1F468}\u200d\u{1F467}', esc: [] });
        // no such character left anywhere in the list
        assert.doesNotMatch(await page.locator('#keys-list').textContent(), /[\u0007\u200b\u202e]/);
        await page.evaluate(() => [...document.querySelectorAll('#keys-list button.item')].find((e) => e.dataset.key === 'evil\u202etxt.exe').click());
        await page.waitForSelector('#keys-detail .tree');
        assert.equal(await page.locator('#keys-detail h2.key').textContent(), 'evil\\u202Etxt.exe');
        await page.goto(`${own.httpUrl}#sessions`);
        await page.waitForSelector('body[data-ready="true"]');
        await page.click(`#sessions-list button.token >> text=${tkn}`);
        await page.waitForSelector('#session-keys button.item');
        assert.deepEqual(await item('#session-keys', 'cart\u202e\u2028'), { text: 'cart\\u202E\\u2028', title: 'cart\\u202E\\u2028', esc: ['\\u202E', '\\u2028'] });
        await page.click('#session-keys button.item');
        await page.waitForSelector('#session-value .tree');
        assert.equal(await page.locator('#session-value h2.key').textContent(), 'cart\\u202E\\u2028');
        noErrors(page);
        await page.close();
    } finally {
        await own.stop();
    }
});

test('member names in a value, Find paths and the Count message show control or bidi characters escaped too', async () => {
    const own = await Server.start();
    try {
        send(own.url, '{"KV_SET":{"keys":{"pre\\u202efix":{"a\\u202eb":1,"bel\\u0007":2,"\\u00e9t\\u00e9 \\ud83d\\ude00":3}}}}');
        const page = await newPage(b);
        await openConsole(page, own.httpUrl);
        await page.fill('#keys-prefix', 'pre\u202efix');
        await page.click('#keys-form button[type=submit]');
        await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.includes('starting with'));
        await page.click('#keys-count-prefix');
        await page.waitForFunction(() => document.querySelector('#keys-prefix-count').textContent.includes('with'));
        assert.equal(await page.locator('#keys-prefix-count').textContent(), '1 key starts with “pre\\u202Efix”');
        await page.click('#keys-list button.item');
        await page.waitForSelector('#keys-detail .tree');
        assert.deepEqual(await page.locator('#keys-detail .tree .name').allTextContents(), ['a\\u202Eb', 'bel\\x07', 'été \u{1F600}']);
        assert.deepEqual(await page.locator('#keys-detail .tree .name span.esc').allTextContents(), ['\\u202E', '\\x07']);
        await page.goto(`${own.httpUrl}#find`);
        await page.waitForSelector('body[data-ready="true"]');
        await page.fill('#find-path', '$..*');
        await page.selectOption('#find-rsp', 'paths');
        await page.click('#find-form button[type=submit]');
        await page.waitForSelector('#find-results li');
        const paths = await page.locator('#find-results li').allTextContents();
        assert.deepEqual(paths, ["$['a\\u202Eb']", "$['bel\\x07']", "$['été \u{1F600}']"]);
        assert.doesNotMatch(await page.locator('body').textContent(), /[\u0007\u202e]/);
        noErrors(page);
        await page.close();
    } finally {
        await own.stop();
    }
});

test('server: one poll at a time: polls do not pile up while the server is down', async () => {
    const s = await Server.start();
    try {
        const page = await newPage(b);
        const sockets = []; // SV_INFO requests sent on each WebSocket of the page
        page.on('websocket', (ws) => {
            const sent = { n: 0 };
            sockets.push(sent);
            ws.on('framesent', (f) => { if (String(f.payload).includes('"SV_INFO"')) sent.n++; });
        });
        await openConsole(page, s.httpUrl, 'server');
        await page.waitForSelector('#server-info dt');
        await s.stop();
        await page.waitForFunction(() => document.querySelector('#conn').dataset.state !== 'open');
        await new Promise((r) => setTimeout(r, 4000)); // four periods without a server
        await s.relaunch();
        await page.waitForFunction(() => document.querySelector('#conn').textContent === 'connected', null, { timeout: 15000 });
        await new Promise((r) => setTimeout(r, 300));
        // on the new connection: the one poll that waited for it, and the
        // console's own check after reconnecting — not one per second missed
        const now = sockets.at(-1).n;
        assert.ok(now <= 2, `${now} SV_INFO sent at once on reconnecting`);
        await page.waitForFunction(() => !document.querySelector('#server-info .panel-error'));
        await page.close(); // (chromium logs the failed reconnection attempts as errors)
    } finally {
        await s.stop();
    }
});

test('server: requests per second, connections and memory move', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'server');
    await page.waitForSelector('#server-info dt');
    const requests = async () => Number((await page.locator('#server-info dd').nth(6).textContent()).replace(/,/g, ''));
    const before = await requests();
    send(server.url, ...Array.from({ length: 50 }, (_, i) => `{"KV_GET":{"keys":["user:${i}"]}}`));
    await page.waitForFunction((n) => Number(document.querySelectorAll('#server-info dd')[6].textContent.replace(/,/g, '')) >= n, before + 50);
    // three samples drawn: the charts are live
    await page.waitForFunction(() => Number(document.querySelector('#chart-rate').dataset.samples) >= 3);
    const points = await page.locator('#chart-rate polyline').getAttribute('points');
    assert.ok(points.split(' ').length >= 3);
    assert.match(await page.locator('#chart-conns .value').textContent(), /^[1-9][0-9]*$/);
    assert.match(await page.locator('#chart-mem .value').textContent(), /^[0-9.]+ (bytes|KiB|MiB)$/);
    assert.deepEqual((await texts(page, '#server-info dt')), ['version', 'up for', 'keys', 'sessions', 'connections', 'memory', 'requests', 'persistence']);
    assert.ok(await requests() >= before + 50);
    await shot(page, 'server');
    noErrors(page);
    await page.close();
});

test('server: queuedOutputBytes is shown beside memory when the server sends it (maxTotalOutputBytes set), and no row when it does not', async () => {
    // SV_INFO's queuedOutputBytes (the total maxTotalOutputBytes bounds)
    // came from such a server, and the Server view did not show it
    const own = await Server.start(['--max-total-output', '64M']);
    try {
        const page = await newPage(b);
        await openConsole(page, own.httpUrl, 'server');
        await page.waitForSelector('#server-info dt');
        assert.deepEqual((await texts(page, '#server-info dt')),
            ['version', 'up for', 'keys', 'sessions', 'connections', 'memory', 'queued output', 'requests', 'persistence']);
        assert.match(await page.locator('#server-info dd').nth(6).textContent(), /^[0-9]+ bytes$|^[0-9.]+ (KiB|MiB) \([0-9,]+ bytes\)$/);
        noErrors(page);
        await page.close();
    } finally {
        await own.stop();
    }
});

test('server: after a server restart requests/s is never negative: the next poll is the new baseline', async () => {
    const s = await Server.start();
    try {
        const page = await newPage(b);
        await openConsole(page, s.httpUrl, 'server');
        send(s.url, ...Array.from({ length: 300 }, () => '{"KV_COUNT":{}}'));
        await page.waitForFunction(() => Number(document.querySelectorAll('#server-info dd')[6]?.textContent.replace(/,/g, '')) >= 300
            && Number(document.querySelector('#chart-rate').dataset.samples) >= 1);
        const before = Number(await page.locator('#chart-rate').getAttribute('data-samples'));
        await s.restart(); // the requests counter starts from 0 again
        // polls after the restart: the counter is small again and the chart moved on
        await page.waitForFunction((n) => Number(document.querySelectorAll('#server-info dd')[6]?.textContent.replace(/,/g, '')) < 300
            && Number(document.querySelector('#chart-rate').dataset.samples) > n, before);
        const ys = (await page.locator('#chart-rate polyline').getAttribute('points')).split(' ').map((p) => Number(p.split(',')[1]));
        assert.ok(ys.every((y) => y >= 0 && y <= 58), `every sample ≥ 0 (y ≤ 58): ${ys}`); // 58: the chart's zero line
        assert.doesNotMatch(await page.locator('#chart-rate .value').textContent(), /^-/);
        await page.close();
    } finally {
        await s.stop();
    }
});

test('raw: any request, its exact answer, and a history that never keeps SV_AUTH', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'raw');
    await page.evaluate(() => localStorage.clear());
    await page.fill('#raw-input', '{"KV_GET":{"keys":["exact"]}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForSelector('#raw-log .exchange');
    assert.equal(await page.locator('#raw-log .exchange .response').first().textContent(),
        '{"KV_GET_RSP":{"keys":{"exact":{"n":2.50,"big":18446744073709551617,"s":"\\u00e9","z":[1.0,-0]}},"st":1}}');
    await page.fill('#raw-input', 'not json');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForFunction(() => document.querySelectorAll('#raw-log .exchange').length === 2);
    assert.equal(await page.locator('#raw-log .exchange .response').first().textContent(), '{"ERR":{"m":"","st":3}}');
    await page.fill('#raw-input', '{"SV_AUTH":{"user":"u","password":"secret"}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForFunction(() => document.querySelectorAll('#raw-log .exchange').length === 3);
    const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('ndb.console.history')));
    assert.deepEqual(stored, ['{"KV_GET":{"keys":["exact"]}}', 'not json']);
    // Alt+Up recalls the last one kept
    await page.fill('#raw-input', '');
    await page.press('#raw-input', 'Alt+ArrowUp');
    assert.equal(await page.locator('#raw-input').inputValue(), 'not json');
    noErrors(page);
    await page.close();
});

test('raw: an SV_AUTH request is never kept in the history, however its name is written', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'raw');
    await page.evaluate(() => localStorage.clear());
    const requests = [
        '{"SV\\u005fAUTH":{"user":"u","password":"secret1"}}',
        '{ "\\u0053\\u0056_AUTH" : {"user":"u","password":"secret2"}}',
        // comments (the server's dialect) make JSON.parse refuse these: still SV_AUTH
        '{"S\\u0056_AUTH":{"user":"u","password":"secret3"}} // a comment',
        '{"\\u0053V_AUTH" /* a comment */ :{"user":"u","password":"secret4"}}',
        '{"KV_COUNT":{}}',
    ];
    for (const [i, r] of requests.entries()) {
        await page.fill('#raw-input', r);
        await page.press('#raw-input', 'Control+Enter');
        await page.waitForFunction((n) => document.querySelectorAll('#raw-log .exchange').length === n, i + 1);
    }
    // the server read all four as SV_AUTH (the log is newest first)
    for (let i = 1; i <= 4; i++) {
        assert.match(await page.locator('#raw-log .exchange .response').nth(i).textContent(), /^\{"SV_AUTH_RSP":/);
    }
    assert.deepEqual(JSON.parse(await page.evaluate(() => localStorage.getItem('ndb.console.history'))), ['{"KV_COUNT":{}}']);
    noErrors(page);
    await page.close();
});

test('raw: a pushed event is logged as the server sent it, 1.0 and 2^64 as written', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl, 'raw');
    await page.fill('#raw-input', '{"KV_WATCH":{"prefix":"rawev:","values":true}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForSelector('#raw-log .exchange.answer');
    send(server.url, '{"KV_SET":{"keys":{"rawev:1":{"n":1.0,"big":18446744073709551616}}}}');
    await page.waitForSelector('#raw-log .exchange.event');
    const id = JSON.parse(await page.locator('#raw-log .exchange.answer .response').first().textContent()).KV_WATCH_RSP.id;
    assert.equal(await page.locator('#raw-log .exchange.event .response').first().textContent(),
        `{"KV_EVENT":{"id":${id},"key":"rawev:1","op":"set","value":{"n":1.0,"big":18446744073709551616}}}`);
    send(server.url, '{"KV_RMV":{"keys":["rawev:1"]}}');
    noErrors(page);
    await page.close();
});

test('huge lists: a session of 130,000 keys and a query matching them all, 500 at a time', async () => {
    // a server of its own; 130,000 children were past what replaceChildren(...list) takes (a stack overflow)
    const big = await Server.start();
    const db = await connect(big.url);
    try {
        const t = await db.sessions.create();
        const writes = [];
        for (let j = 0; j < 130; j++) { // requests of 1,000 keys: under maxPayload
            const kv = {}, sk = {};
            for (let i = j * 1000; i < (j + 1) * 1000; i++) {
                kv[`k${i}`] = { i };
                sk[`s${i}`] = i;
            }
            writes.push(db.kv.set(kv), db.session(t).set(sk));
        }
        await Promise.all(writes);
        const page = await newPage(b);
        await openConsole(page, big.httpUrl, 'sessions');
        await page.click(`#sessions-list button.token >> text=${t}`);
        await page.waitForSelector('#session-keys button.more');
        assert.equal(await page.locator('#session-keys button.item').count(), 500);
        assert.equal(await page.locator('#session-keys button.more').textContent(), 'show 500 more of 129,500');
        await page.click('#session-keys button.more');
        assert.equal(await page.locator('#session-keys button.item').count(), 1000);
        assert.equal(new Set(await texts(page, '#session-keys button.item')).size, 1000); // the next 500, none twice
        await page.locator('#session-keys button.item').nth(500).click();
        await page.waitForSelector('#session-value .tree');
        for (const [rsp, sel] of [['kv', '#find-results > .result'], ['keys', '#find-results li button.link']]) {
            await page.goto(`${big.httpUrl}#find`);
            await page.waitForSelector('body[data-ready="true"]');
            await page.fill('#find-path', '$.i');
            await page.selectOption('#find-rsp', rsp);
            await page.click('#find-form button[type=submit]');
            await page.waitForSelector('#find-results button.more');
            assert.match(await page.locator('#find-results p.muted').first().textContent(), /^130,000 matching keys/);
            assert.equal(await page.locator(sel).count(), 500);
            assert.equal(await page.locator('#find-results button.more').textContent(), 'show 500 more of 129,500');
        }
        noErrors(page);
        await page.close();
    } finally {
        db.close();
        await big.stop();
    }
});

test('raw: the events of the console\'s own watches are not logged, only those of a watch asked for there', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl); // Keys: its live watch follows every key
    await page.waitForSelector('#keys-live:not([hidden])');
    await page.evaluate(() => { location.hash = '#raw'; });
    await page.fill('#raw-input', '{"KV_WATCH":{"prefix":"rawown:"}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForSelector('#raw-log .exchange.answer');
    const id = JSON.parse(await page.locator('#raw-log .exchange.answer .response').first().textContent()).KV_WATCH_RSP.id;
    send(server.url, '{"KV_SET":{"keys":{"notraw:1":1}}}', '{"KV_SET":{"keys":{"rawown:1":2}}}');
    await page.waitForSelector('#raw-log .exchange.event');
    // every event sent before the answer to a later request has been handled by then
    await page.fill('#raw-input', '{"KV_COUNT":{}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForFunction(() => document.querySelectorAll('#raw-log .exchange.answer').length === 2);
    assert.deepEqual(await texts(page, '#raw-log .exchange.event .response'), [`{"KV_EVENT":{"id":${id},"key":"rawown:1","op":"set"}}`]);
    send(server.url, '{"KV_RMV":{"keys":["notraw:1","rawown:1"]}}');
    noErrors(page);
    await page.close();
});

test('keyboard: views by number, / to search, arrows in the list, Enter to open', async () => {
    const page = await newPage(b);
    await openConsole(page, server.httpUrl);
    await page.keyboard.press('2');
    await page.waitForFunction(() => location.hash === '#sessions');
    await page.keyboard.press('1');
    await page.waitForFunction(() => !document.querySelector('#view-keys').hidden);
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'keys-prefix');
    await page.keyboard.type('person:');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#keys-list button.item').length === 2);
    await page.focus('#keys-list button.item');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#keys-detail h2.key >> text=person:bob');
    noErrors(page);
    await page.close();
});

test('a phone-sized screen in dark mode', async () => {
    const page = await newPage(b, { width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await openConsole(page, server.httpUrl);
    await page.fill('#keys-prefix', 'person:');
    await page.press('#keys-prefix', 'Enter');
    await page.click('#keys-list button.item >> text=person:ann');
    await page.waitForSelector('#keys-detail .tree');
    // one column: the value is below the list, and nothing is wider than the screen
    const list = await page.locator('#keys-list').boundingBox();
    const detail = await page.locator('#keys-detail').boundingBox();
    assert.ok(detail.y > list.y + list.height - 1);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(17, 21, 28)');
    await shot(page, 'phone-dark');
    noErrors(page);
    await page.close();
});
