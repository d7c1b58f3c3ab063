// console_auth.test.mjs — the console's login and roles, in chromium.
//
// The server's users (issue 14: SV_AUTH, statuses 43/44/45) are being built
// on another branch, so the page is served by the fake server of the
// JavaScript client's tests (clients/js/test/fake.mjs), which speaks those
// shapes and passes the console's files through from a real `ndb serve`:
// the page's origin, and so its WebSocket, is the fake's.  Once the real
// server has users, the same steps run against `ndb serve` with users
// configured: only before() changes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeServer } from '../../clients/js/test/fake.mjs';
import { browser, newPage, noErrors, Server, shot } from './page.mjs';

let real, fake, b, home;

before(async () => {
    real = await Server.start();
    fake = await FakeServer.start({ auth: true, staticFrom: real.httpUrl });
    home = fake.url.replace(/^ws:/, 'http:');
    fake.kv.set('greeting', 'hello');
    b = await browser();
});

after(async () => {
    await b?.close();
    await fake.stop();
    await real.stop();
});

// Open the console and log in as user with password; returns the page.
async function logIn(user, password) {
    const page = await newPage(b);
    await page.goto(home);
    await page.waitForSelector('#login[open]');
    await page.fill('#login-user', user);
    await page.fill('#login-password', password);
    await page.click('#login-form button[type=submit]');
    return page;
}

test('the server asks for a login: a wrong password is refused, the right one opens the console', async () => {
    const page = await logIn('alice', 'wrong');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await page.locator('#login-error').textContent(), 'Wrong user name or password.');
    assert.equal(await page.locator('#login').getAttribute('open'), '');
    await shot(page, 'login');
    // Escape does not close it: there is nothing to see without logging in
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#login').getAttribute('open'), '');
    await page.fill('#login-password', 'secret');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#login').getAttribute('open'), null);
    assert.equal(await page.locator('#user').textContent(), 'alice (write)');
    assert.equal(await page.locator('body').getAttribute('data-role'), 'write');
    await page.click('#keys-list button.item >> text=greeting');
    await page.waitForSelector('#keys-detail button >> text=Edit');
    assert.equal(await page.locator('#keys-new').isVisible(), true);
    // the password is never kept in the page
    assert.equal(await page.locator('#login-password').inputValue(), '');
    noErrors(page);
    await page.close();
});

test('a read-only user sees the data and no control that would change it', async () => {
    const page = await logIn('rita', 'pw');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#user').textContent(), 'rita (read)');
    await page.click('#keys-list button.item >> text=greeting');
    await page.waitForSelector('#keys-detail .tree');
    assert.equal(await page.locator('#keys-detail .tree .leaf').textContent(), '"hello"');
    assert.equal(await page.locator('#keys-detail button >> text=Edit').count(), 0);
    assert.equal(await page.locator('#keys-detail button >> text=Delete').count(), 0);
    assert.equal(await page.locator('#keys-new').isVisible(), false);
    await page.click('#tab-sessions');
    await page.waitForFunction(() => location.hash === '#sessions');
    assert.equal(await page.locator('#sessions-new').isVisible(), false);
    await page.click('#tab-find');
    assert.equal(await page.locator('#update-form').isVisible(), false);
    await shot(page, 'read-only');
    // what the server refuses is shown, not hidden: a raw KV_SET answers 45
    await page.click('#tab-raw');
    await page.fill('#raw-input', '{"KV_SET":{"keys":{"greeting":"bye"}}}');
    await page.press('#raw-input', 'Control+Enter');
    await page.waitForSelector('#raw-log .exchange');
    assert.equal(await page.locator('#raw-log .response').first().textContent(), '{"KV_SET_RSP":{"m":"KV_SET needs the write role","st":45,"tkn":null}}');
    assert.equal(fake.kv.get('greeting'), 'hello');
    noErrors(page);
    await page.close();
});
