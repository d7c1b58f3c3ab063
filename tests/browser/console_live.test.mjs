// console_live.test.mjs — the console's live views, in chromium: the server
// has watches (issue 17: KV_WATCH, SH_WATCH, pushed events), so the Keys and
// Sessions views follow changes other clients make, with no reload.  (On a
// server without watches the console shows no "live" badge and reloads
// only when asked; that older-server case is not tested in a browser.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from '../../clients/js/ndb.js';
import { browser, newPage, noErrors, openConsole, Server, texts } from './page.mjs';

let server, b, home, other, dir;

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ndb-live-')); // for KV_SAVE/KV_LOAD
    server = await Server.start(['--persist-path', dir]);
    home = server.httpUrl;
    b = await browser();
    other = await connect(server.url); // another client, changing data under the page
    await other.kv.set({ 'job:1': 'queued' });
});

after(async () => {
    other?.close();
    await b?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

test('keys: the open value, new keys and removed keys follow other clients\' changes', async () => {
    const page = await newPage(b);
    await openConsole(page, home);
    await page.waitForSelector('#keys-live:not([hidden])');
    await page.click('#keys-list button.item >> text=job:1');
    const leaf = (text) => page.waitForFunction((t) => document.querySelector('#keys-detail .tree .leaf')?.textContent === t, text);
    await leaf('"queued"');
    // another client changes the value on screen: it is drawn again
    await other.kv.set({ 'job:1': 'done' });
    await leaf('"done"');
    // a new key: the page says so, without moving the list under the reader
    await other.kv.set({ 'job:2': 'queued' });
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.endsWith(' · new keys: Scan to see them'));
    assert.deepEqual(await texts(page, '#keys-list button.item'), ['job:1']);
    // a key on screen removed elsewhere: the list and the value follow
    await other.kv.rmv('job:1');
    await page.waitForFunction(() => ![...document.querySelectorAll('#keys-list button.item')].some((b) => b.textContent === 'job:1'));
    await page.waitForSelector('#keys-detail >> text=This key does not exist (any more).');
    assert.deepEqual(await texts(page, '#keys-list button.item'), ['job:2']);
    noErrors(page);
    await page.close();
});

test('keys: a prefix typed but not submitted changes nothing: a removal elsewhere refreshes the prefix on screen, which stays live', async () => {
    // the refresh read the prefix box: the list switched to the half-typed
    // prefix while the watch stayed on the old one, and stopped following
    await other.kv.set({ 'p:1': 1, 'p:2': 2, 'q:1': 1 });
    const page = await newPage(b);
    await openConsole(page, home);
    await page.fill('#keys-prefix', 'p:');
    await page.press('#keys-prefix', 'Enter');
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.includes('starting with “p:”'));
    await page.waitForSelector('#keys-live:not([hidden])');
    assert.deepEqual(await texts(page, '#keys-list button.item'), ['p:1', 'p:2']);
    await page.fill('#keys-prefix', 'q'); // typed, not submitted
    const listed = (want) => page.waitForFunction((w) =>
        JSON.stringify([...document.querySelectorAll('#keys-list button.item')].map((x) => x.textContent)) === w, JSON.stringify(want));
    await other.kv.rmv('p:2');
    await listed(['p:1']);
    assert.match(await page.locator('#keys-summary').textContent(), /page 1: 1 key starting with “p:” \(last page\)$/);
    // still following p:, not q
    await other.kv.set({ 'p:3': 3 });
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.endsWith(' · new keys: Scan to see them'));
    await other.kv.rmv('p:1');
    await listed(['p:3']);
    assert.equal(await page.inputValue('#keys-prefix'), 'q'); // what was typed stays in the box
    await other.kv.rmv(['p:3', 'q:1']);
    noErrors(page);
    await page.close();
});

test('keys: a key another client\'s KV_INCR creates (op "update") is announced as a new key too', async () => {
    const page = await newPage(b);
    await openConsole(page, home);
    await page.waitForSelector('#keys-live:not([hidden])');
    const before = await texts(page, '#keys-list button.item');
    assert.deepEqual(await other.kv.incr({ 'hits:new': 1 }), { 'hits:new': 1 });
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.endsWith(' · new keys: Scan to see them'));
    assert.deepEqual(await texts(page, '#keys-list button.item'), before); // the list stays as it was
    await other.kv.rmv('hits:new');
    noErrors(page);
    await page.close();
});

test('scans in quick succession and views shown again and again keep one watch each: none is left behind', async () => {
    // three watches per connection: Keys', Sessions' and one asked for in Raw
    const own = await Server.start(['--max-watches', '3']);
    try {
        const page = await newPage(b);
        await openConsole(page, own.httpUrl);
        await page.waitForSelector('#keys-live:not([hidden])');
        await page.focus('#keys-prefix');
        for (let i = 0; i < 20; i++) await page.keyboard.press('Enter'); // each left a watch behind
        await page.click('#tab-sessions');
        for (let i = 0; i < 5; i++) {
            await page.click('#tab-keys');
            await page.click('#tab-sessions');
        }
        await page.waitForSelector('#sessions-live:not([hidden])');
        await page.click('#tab-keys');
        await page.waitForSelector('#keys-live:not([hidden])');
        // the third watch is free once the last scans' watches have settled
        // (a watch made for a scan already replaced is closed when it comes);
        // a watch left behind stays for good
        await page.click('#tab-raw');
        let answer = '';
        for (let i = 1; i <= 20 && !answer.includes('"st":1'); i++) {
            await page.waitForTimeout(250);
            await page.fill('#raw-input', '{"KV_WATCH":{"prefix":"x"}}');
            await page.keyboard.press('Control+Enter');
            await page.waitForFunction((n) => document.querySelectorAll('#raw-log .response').length === n, i);
            answer = await page.locator('#raw-log .response').first().textContent();
        }
        assert.match(answer, /^\{"KV_WATCH_RSP":\{"id":\d+,"st":1\}\}$/);
        noErrors(page);
        await page.close();
    } finally {
        await own.stop();
    }
});

test('sessions: the list follows sessions other clients create and end', async () => {
    const page = await newPage(b);
    await openConsole(page, home, 'sessions');
    await page.waitForSelector('#sessions-live:not([hidden])');
    assert.equal(await page.locator('#sessions-totals').textContent(), '0 sessions, 0 keys in all');
    const t = await other.sessions.create();
    await page.waitForSelector(`#sessions-list button.token >> text=${t}`);
    assert.equal(await page.locator('#sessions-totals').textContent(), '1 session, 0 keys in all');
    await other.sessions.end(t);
    await page.waitForSelector('#sessions-list td.muted');
    assert.equal(await page.locator('#sessions-totals').textContent(), '0 sessions, 0 keys in all');
    noErrors(page);
    await page.close();
});

test('sessions: the open session key follows another client\'s change, and stays open when the list reloads', async () => {
    const t = await other.sessions.create({ duration: 600 });
    await other.session(t).set({ cart: [1] });
    const page = await newPage(b);
    await openConsole(page, home, 'sessions');
    await page.click(`#sessions-list button.token >> text=${t}`);
    await page.click('#session-keys button.item >> text=cart');
    const leaves = (want) => page.waitForFunction((w) => [...document.querySelectorAll('#session-value .tree .leaf .lit')].map((e) => e.textContent).join(',') === w, want);
    await leaves('1');
    await other.session(t).set({ cart: [1, 2] });
    await leaves('1,2');
    // a change elsewhere reloads the list; the key stays open
    await other.session(t).set({ other: true });
    await page.waitForSelector('#session-keys button.item >> text=other');
    await leaves('1,2');
    await other.sessions.end(t);
    noErrors(page);
    await page.close();
});

test('sessions: an edit in progress survives another client\'s SH_RMV of the key and SH_END of the session', async () => {
    const t = await other.sessions.create({ duration: 600 });
    await other.session(t).set({ cart: [1], keep: 1 });
    const page = await newPage(b);
    await openConsole(page, home, 'sessions');
    await page.waitForSelector('#sessions-live:not([hidden])');
    await page.click(`#sessions-list button.token >> text=${t}`);
    await page.click('#session-keys button.item >> text=cart');
    await page.click('#session-value button >> text=Edit');
    await page.fill('#session-value textarea.editor', '[1, 2.0]');
    // the key goes: the list follows, the edit stays (it was wiped with the panel)
    await other.session(t).rmv('cart');
    await page.waitForFunction(() => ![...document.querySelectorAll('#session-keys button.item')].some((b) => b.textContent === 'cart'));
    assert.equal(await page.locator('#session-value textarea.editor').inputValue(), '[1, 2.0]');
    // Save says so, stores nothing; Save again stores the text as typed
    await page.click('#session-value button >> text=Save');
    await page.waitForSelector('#session-value .panel-error:not([hidden])');
    assert.equal(await page.locator('#session-value .panel-error').textContent(),
        'cart was removed by another client while you edited it: Save again to store your text, Cancel to drop it.');
    assert.equal(await other.session(t).get('cart'), undefined);
    await page.click('#session-value button >> text=Save');
    await page.waitForSelector('#session-value .tree');
    assert.equal(await other.session(t).get('cart', { text: true }), '[1,2.0]');
    // the session ends: the edit stays, and Save says the session is gone
    await page.click('#session-value button >> text=Edit');
    await page.fill('#session-value textarea.editor', '"last"');
    await other.sessions.end(t);
    await page.waitForFunction(() => document.querySelector('#session-head').textContent === 'Select a session to see its keys.');
    assert.equal(await page.locator('#session-value textarea.editor').inputValue(), '"last"');
    await page.click('#session-value button >> text=Save');
    await page.waitForSelector('#session-value .panel-error:not([hidden])');
    assert.equal(await page.locator('#session-value .panel-error').textContent(),
        'The server refused: SH_GET: SessionNotExist (100): no such session (it may have expired)');
    noErrors(page);
    await page.close();
});

test('a watch the server drops (overflow: the page read too slowly) is made again: Sessions and Keys stay live', async () => {
    // a server of its own whose watchers may fall only 4 KiB behind: one request's burst of events passes that
    const small = await Server.start(['--watch-output', '4K']);
    const writer = await connect(small.url);
    const burst = {};
    for (let i = 0; i < 2000; i++) burst[`b${i}`] = i;
    try {
        const t = await writer.sessions.create();
        let page = await newPage(b);
        await openConsole(page, small.httpUrl, 'sessions');
        await page.waitForSelector('#sessions-live:not([hidden])');
        await writer.session(t).set(burst);
        await page.waitForFunction(() => document.querySelector('#sessions-totals').textContent === '1 session, 2,000 keys in all');
        // later changes still show: the watch was made again
        await writer.sessions.create();
        await page.waitForFunction(() => document.querySelector('#sessions-totals').textContent === '2 sessions, 2,000 keys in all');
        assert.equal(await page.locator('#sessions-live').isHidden(), false);
        noErrors(page);
        await page.close();
        page = await newPage(b);
        await openConsole(page, small.httpUrl);
        await page.waitForSelector('#keys-live:not([hidden])');
        await writer.kv.set(burst);
        await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.startsWith('2,000 keys in the database'));
        await writer.kv.set({ after: 1 });
        await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.includes('new keys'));
        noErrors(page);
        await page.close();
    } finally {
        writer.close();
        await small.stop();
    }
});

test('keys: an edit in progress survives another client\'s KV_CLEAR_SET and KV_CLEAR, and Save says the key changed or went', async () => {
    await other.kv.set({ draft: { v: 1 } });
    const page = await newPage(b);
    await openConsole(page, home);
    await page.waitForSelector('#keys-live:not([hidden])');
    await page.click('#keys-list button.item >> text=draft');
    await page.click('#keys-detail button >> text=Edit');
    await page.fill('#keys-detail textarea.editor', '{"mine":true}');
    // another client replaces the whole database (draft changes): the list follows, the edit stays
    await other.kv.clearSet({ draft: { v: 2 }, unrelated: 1 });
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.startsWith('2 keys in the database'));
    assert.equal(await page.locator('#keys-detail textarea.editor').inputValue(), '{"mine":true}');
    // Save tells, and stores nothing; Save again stores the text as typed
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .panel-error:not([hidden])');
    assert.equal(await page.locator('#keys-detail .panel-error').textContent(),
        'draft was changed by another client while you edited it: Save again to replace it with your text, Cancel to see the stored value.');
    assert.deepEqual(await other.kv.get('draft'), { v: 2 });
    assert.equal(await page.locator('#keys-detail textarea.editor').inputValue(), '{"mine":true}');
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .tree');
    assert.deepEqual(await other.kv.get('draft'), { mine: true });
    // KV_CLEAR while editing: the edit stays; Save says the key is gone
    await page.click('#keys-detail button >> text=Edit');
    await page.fill('#keys-detail textarea.editor', '[1.0]');
    await other.kv.clear();
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.startsWith('0 keys in the database'));
    assert.equal(await page.locator('#keys-detail textarea.editor').inputValue(), '[1.0]');
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .panel-error:not([hidden])');
    assert.equal(await page.locator('#keys-detail .panel-error').textContent(),
        'draft was removed by another client while you edited it: Save again to store your text, Cancel to drop it.');
    assert.equal(await other.kv.get('draft'), undefined);
    await page.click('#keys-detail button >> text=Save');
    await page.waitForSelector('#keys-detail .tree');
    assert.equal(await other.kv.get('draft', { text: true }), '[1.0]');
    noErrors(page);
    await page.close();
    await other.kv.set({ 'job:1': 'queued' });
});

test('sessions: New key with the name of a key the session has is refused, and the stored value stays', async () => {
    const t = await other.sessions.create({ duration: 600 });
    await other.session(t).set({ cart: [1] });
    const page = await newPage(b);
    await openConsole(page, home, 'sessions');
    await page.click(`#sessions-list button.token >> text=${t}`);
    await page.waitForSelector('#session-keys button.item >> text=cart');
    await page.click('#session-head button >> text=New key');
    await page.fill('#session-value .name-input', 'cart');
    await page.locator('#session-value textarea.editor').fill('[]');
    await page.click('#session-value button >> text=Create');
    await page.waitForSelector('#session-value .panel-error:not([hidden])');
    assert.equal(await page.locator('#session-value .panel-error').textContent(), 'The key “cart” exists already: open it to edit it.');
    assert.equal(await other.session(t).get('cart', { text: true }), '[1]');
    // a new name is created
    await page.fill('#session-value .name-input', 'note');
    await page.click('#session-value button >> text=Create');
    await page.waitForSelector('#session-value h2.key >> text=note');
    assert.equal(await other.session(t).get('note', { text: true }), '[]');
    await other.sessions.end(t);
    noErrors(page);
    await page.close();
});

test('keys: another client\'s KV_LOAD of many keys makes one refresh of the list, not one per key', async () => {
    const keys = {};
    for (let i = 1; i <= 30; i++) keys[`load:${String(i).padStart(2, '0')}`] = i;
    await other.kv.clearSet(keys);
    await other.kv.save('live');
    await other.kv.clearSet({ before: 1 });
    const page = await newPage(b);
    // count the KV_SCAN requests the page sends
    await page.addInitScript(() => {
        window.scans = 0;
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
            if (String(data).includes('"KV_SCAN"')) window.scans++;
            return send.call(this, data);
        };
    });
    await openConsole(page, home);
    await page.waitForSelector('#keys-live:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.startsWith('1 key in the database'));
    const first = await page.evaluate(() => window.scans);
    assert.equal(first, 1);
    await other.kv.load('live'); // 30 keys: 30 load events
    // the list shows the loaded keys after one scan (the page asked once for the whole burst)
    const scans = await page.waitForFunction(() => document.querySelector('#keys-summary').textContent.startsWith('31 keys in the database') && window.scans);
    assert.equal(await scans.jsonValue(), 2);
    assert.equal((await texts(page, '#keys-list button.item')).length, 31);
    noErrors(page);
    await page.close();
    await other.kv.clearSet({ 'job:1': 'queued' });
});
