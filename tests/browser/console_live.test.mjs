// console_live.test.mjs — the console's live views, in chromium: on a
// server with watches (issue 17: KV_WATCH, SH_WATCH, pushed events) the
// Keys and Sessions views follow changes other clients make, with no
// reload.  The watches are being built on another branch, so — as in
// console_auth.test.mjs — the page is served by the fake server of the
// client's tests (it passes the console's files through from a real
// `ndb serve` and speaks the watch shapes); once the real server has
// watches only before() changes.  On a server without them the console
// shows no "live" badge and works as before (console.test.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../../clients/js/ndb.js';
import { FakeServer } from '../../clients/js/test/fake.mjs';
import { browser, newPage, noErrors, openConsole, Server, texts } from './page.mjs';

let real, fake, b, home, other;

before(async () => {
    real = await Server.start();
    fake = await FakeServer.start({ staticFrom: real.httpUrl });
    home = fake.url.replace(/^ws:/, 'http:');
    b = await browser();
    other = await connect(fake.url); // another client, changing data under the page
    await other.kv.set({ 'job:1': 'queued' });
});

after(async () => {
    other?.close();
    await b?.close();
    await fake.stop();
    await real.stop();
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
