// console_auth.test.mjs — the console's login and roles, in chromium,
// against `ndb serve` with users in its configuration (issue 14: SV_AUTH,
// statuses 43/44/45): alice may write, rita may only read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { NDB } from '../../clients/js/test/server.mjs';
import { browser, newPage, noErrors, send, Server, shot } from './page.mjs';

let server, b, home, dir;

// A user entry of the configuration, made by `ndb passwd` (the lowest cost it accepts).
function user(name, password, role) {
    return execFileSync(NDB, ['passwd', '--iterations', '100000', '--name', name, '--role', role],
        { input: `${password}\n`, encoding: 'utf8' }).trim();
}

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ndb-console-auth-'));
    const config = join(dir, 'ndb.json');
    writeFileSync(config, `{"security":{"users":[${user('alice', 'secret', 'write')},${user('rita', 'pw', 'read')},${user('evil\u202etxt', 'pw', 'read')}]}}`);
    server = await Server.start(['--config', config]);
    home = server.httpUrl;
    assert.deepEqual(send(server.url, '{"SV_AUTH":{"user":"alice","password":"secret"}}', '{"KV_SET":{"keys":{"greeting":"hello"}}}'),
        ['{"SV_AUTH_RSP":{"role":"write","st":1,"user":"alice"}}', '{"KV_SET_RSP":{"st":1}}']);
    b = await browser();
});

after(async () => {
    await b?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
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

test('the client in a page: credentials in the URL log in (chromium never sends them on a WebSocket itself)', async () => {
    const page = await newPage(b);
    await page.goto(home);
    await page.waitForSelector('#login[open]');
    const got = await page.evaluate(async (ws) => {
        const { connect } = await import('/ndb/ndb.js');
        const db = await connect(ws.replace('ws://', 'ws://rita:pw@'));
        try {
            return { user: db.user, role: db.role, url: db.url, greeting: await db.kv.get('greeting') };
        } finally {
            db.close();
        }
    }, server.url);
    assert.deepEqual(got, { user: 'rita', role: 'read', url: server.url, greeting: 'hello' });
    noErrors(page);
    await page.close();
});

test('a raw SV_AUTH that succeeds changes the user shown and the controls of its role; a refused one changes nothing', async () => {
    const page = await logIn('alice', 'secret');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#user').textContent(), 'alice (write)');
    const raw = async (text) => {
        const n = await page.locator('#raw-log .exchange').count();
        await page.fill('#raw-input', text);
        await page.press('#raw-input', 'Control+Enter');
        await page.waitForFunction((k) => document.querySelectorAll('#raw-log .exchange').length > k, n);
        return page.locator('#raw-log .response').first().textContent();
    };
    await page.click('#tab-raw');
    assert.equal(await raw('{"SV_AUTH":{"user":"rita","password":"pw"}}'), '{"SV_AUTH_RSP":{"role":"read","st":1,"user":"rita"}}');
    // the connection is rita's now: the header says so, and the edit controls go
    assert.equal(await page.locator('#user').textContent(), 'rita (read)');
    assert.equal(await page.locator('body').getAttribute('data-role'), 'read');
    assert.match(await raw('{"KV_SET":{"keys":{"greeting":"bye"}}}'), /"st":45/);
    // a refused login leaves the server's login, and the header, as they were
    assert.match(await raw('{"SV_AUTH":{"user":"alice","password":"wrong"}}'), /"st":44/);
    assert.equal(await page.locator('#user').textContent(), 'rita (read)');
    await page.click('#tab-keys');
    await page.waitForFunction(() => location.hash === '#keys');
    assert.equal(await page.locator('#keys-new').isVisible(), false);
    // and back to a writer
    await page.click('#tab-raw');
    assert.match(await raw('{"SV_AUTH":{"user":"alice","password":"secret"}}'), /"st":1/);
    assert.equal(await page.locator('#user').textContent(), 'alice (write)');
    assert.equal(await page.locator('body').getAttribute('data-role'), 'write');
    noErrors(page);
    await page.close();
});

test('a user name with a bidi control shows it escaped in the header (a name may hold any character but C0 controls and :)', async () => {
    const page = await logIn('evil\u202etxt', 'pw');
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('#user').textContent(), 'evil\\u202Etxt (read)');
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
    assert.equal(await page.locator('#raw-log .response').first().textContent(), '{"KV_SET_RSP":{"m":"KV_SET needs the role write; user rita has the role read","st":45,"tkn":null}}');
    assert.deepEqual(send(server.url, '{"SV_AUTH":{"user":"rita","password":"pw"}}', '{"KV_GET":{"keys":["greeting"]}}'),
        ['{"SV_AUTH_RSP":{"role":"read","st":1,"user":"rita"}}', '{"KV_GET_RSP":{"keys":{"greeting":"hello"},"st":1}}']);
    noErrors(page);
    await page.close();
});

// A server of its own, restarted by the test with other users: start
// without a config file, or with config (users); restart(users) rewrites it.
async function ownServer(users) {
    const config = join(dir, `own-${Math.random().toString(36).slice(2)}.json`);
    const write = (u) => writeFileSync(config, u ? `{"security":{"users":[${u}]}}` : '{}');
    write(users);
    const s = await Server.start(['--config', config]);
    s.restartWith = async (u) => {
        write(u);
        await s.restart();
    };
    return s;
}

test('a server restarted with users: the console asks for a login again, and the live badge is off while disconnected', async () => {
    const s = await ownServer(null);
    try {
        send(s.url, '{"KV_SET":{"keys":{"greeting":"hello"}}}');
        const page = await newPage(b);
        await page.goto(s.httpUrl);
        await page.waitForSelector('body[data-ready="true"]');
        await page.waitForSelector('#keys-live:not([hidden])');
        assert.equal(await page.locator('#user').isVisible(), false);
        await s.stop();
        await page.waitForSelector('#conn:not([data-state="open"])');
        assert.equal(await page.locator('#keys-live').isHidden(), true);
        await s.restartWith(user('alice', 'secret', 'write')); // now with users
        send(s.url, '{"SV_AUTH":{"user":"alice","password":"secret"}}', '{"KV_SET":{"keys":{"greeting":"hello"}}}'); // a restart empties it
        await page.waitForSelector('#login[open]');
        // the views' watches, renewed before the login, were refused (43): the
        // login is all the page asks, with no error beside it
        assert.equal(await page.locator('#toast').textContent(), '');
        await page.fill('#login-user', 'alice');
        await page.fill('#login-password', 'secret');
        await page.click('#login-form button[type=submit]');
        await page.waitForSelector('#login', { state: 'hidden' });
        assert.equal(await page.locator('#user').textContent(), 'alice (write)');
        assert.equal(await page.locator('#conn').textContent(), 'connected');
        // the views work again: the list, the watch (live), a value
        await page.waitForSelector('#keys-live:not([hidden])');
        await page.click('#keys-list button.item >> text=greeting');
        await page.waitForSelector('#keys-detail .tree');
        assert.equal(await page.locator('#keys-detail .tree .leaf').textContent(), '"hello"');
        await page.close();
    } finally {
        await s.stop();
    }
});

test('the login dialog open when the server comes back without users: Log in opens the console, no dialog left that nothing can close', async () => {
    const s = await ownServer(user('alice', 'secret', 'write'));
    try {
        const page = await newPage(b);
        await page.goto(s.httpUrl);
        await page.waitForSelector('#login[open]');
        await s.restartWith(null); // users gone: SV_AUTH now answers 14
        send(s.url, '{"KV_SET":{"keys":{"greeting":"hello"}}}');
        await page.fill('#login-user', 'alice');
        await page.fill('#login-password', 'secret');
        await page.click('#login-form button[type=submit]');
        await page.waitForSelector('#login', { state: 'hidden' });
        await page.waitForSelector('body[data-ready="true"]');
        assert.equal(await page.locator('#user').isVisible(), false); // nobody: the server has no users
        await page.waitForSelector('#keys-list button.item >> text=greeting');
        await page.close();
    } finally {
        await s.stop();
    }
});

test('a login dialog left open past limits.loginTimeoutSec: the client reconnects, and the login still works', async () => {
    const config = join(dir, 'login-timeout.json');
    writeFileSync(config, `{"security":{"users":[${user('alice', 'secret', 'write')}]}}`);
    const s = await Server.start(['--config', config, '--login-timeout', '1']);
    try {
        const page = await newPage(b);
        await page.goto(s.httpUrl);
        await page.waitForSelector('#login[open]');
        // the server closes the connection that has not logged in (1008
        // "login timeout"); the client reconnects behind the open dialog
        await page.waitForTimeout(2500);
        assert.match(s.log, /closing a connection from 127\.0\.0\.1 not logged in within 1 s \(loginTimeoutSec\)/);
        await page.fill('#login-user', 'alice');
        await page.fill('#login-password', 'secret');
        await page.click('#login-form button[type=submit]');
        await page.waitForSelector('#login', { state: 'hidden' });
        assert.equal(await page.locator('#user').textContent(), 'alice (write)');
        await page.waitForSelector('#conn[data-state="open"]');
        await page.waitForSelector('#keys-live:not([hidden])');
        await page.close();
    } finally {
        await s.stop();
    }
});

test('a password changed while the console was connected: after a restart it asks for a login again', async () => {
    const s = await ownServer(user('alice', 'secret', 'write'));
    try {
        send(s.url, '{"SV_AUTH":{"user":"alice","password":"secret"}}', '{"KV_SET":{"keys":{"greeting":"hello"}}}');
        const page = await newPage(b);
        await page.goto(s.httpUrl);
        await page.waitForSelector('#login[open]');
        await page.fill('#login-user', 'alice');
        await page.fill('#login-password', 'secret');
        await page.click('#login-form button[type=submit]');
        await page.waitForSelector('body[data-ready="true"]');
        await page.waitForSelector('#keys-live:not([hidden])');
        await s.restartWith(user('alice', 'new secret', 'write')); // the old password is refused now (44)
        send(s.url, '{"SV_AUTH":{"user":"alice","password":"new secret"}}', '{"KV_SET":{"keys":{"greeting":"hello"}}}'); // a restart empties it
        await page.waitForSelector('#login[open]');
        await page.fill('#login-user', 'alice');
        await page.fill('#login-password', 'new secret');
        await page.click('#login-form button[type=submit]');
        await page.waitForSelector('#login', { state: 'hidden' });
        await page.waitForSelector('#conn[data-state="open"]');
        assert.equal(await page.locator('#user').textContent(), 'alice (write)');
        await page.waitForSelector('#keys-live:not([hidden])');
        // a value read and saved on the new connection
        await page.click('#keys-list button.item >> text=greeting');
        await page.click('#keys-detail button >> text=Edit');
        await page.fill('#keys-detail textarea.editor', '"bye"');
        await page.click('#keys-detail button >> text=Save');
        await page.waitForSelector('#keys-detail .tree');
        assert.deepEqual(send(s.url, '{"SV_AUTH":{"user":"alice","password":"new secret"}}', '{"KV_GET":{"keys":["greeting"]}}'),
            ['{"SV_AUTH_RSP":{"role":"write","st":1,"user":"alice"}}', '{"KV_GET_RSP":{"keys":{"greeting":"bye"},"st":1}}']);
        await page.close();
    } finally {
        await s.stop();
    }
});
