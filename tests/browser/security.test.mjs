// security.test.mjs — issue 14 in a real browser (README "Security"): a page
// of a disallowed origin cannot read or write ndb (cross-site WebSocket
// hijacking), the same page from an origin allowed with --allow-origin can,
// and a page whose name is re-pointed at the server (DNS rebinding) is
// refused although it claims the server's own origin.
// The JavaScript client on a page of a refused origin says what the bare
// close code 1006 may mean, and so it does for a TLS server whose
// certificate the browser does not trust, or a ws:// URL for a TLS server.
//
// The pages come from node:http servers on loopback addresses of their own
// (127.0.0.2 is never allowed, 127.0.0.3 is); ndb listens on 127.0.0.1.
//
// DNS rebinding: the attacker's name first resolves to the attacker's
// server (the page loads from there), then to the victim's address (the
// WebSocket goes there), so the upgrade reaches ndb with the page's
// Origin and Host http://evil.test:<ndb port>.  Here chromium resolves
// evil.test to 127.0.0.5 (--host-resolver-rules), where a node:http server
// on ndb's port number serves the page and hands a WebSocket upgrade to ndb
// byte for byte — ndb then sees exactly what a rebound name delivers.  The
// same relay on 127.0.0.6 is the positive case: a page of the server's own
// origin under a loopback address.  Every wait is bounded.  Run with
// `node --test` in this directory (ctest's "browser" test does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './chromium.mjs';
import { Server } from './page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const NDB = process.env.NDB || join(here, '../../build/ndb');
const WAIT_MS = 10000;

// The page: connects to the ndb URL of its query string, tries to write a
// key and to list every key, and records what happened in window.result.
const PAGE = `<!doctype html><meta charset="utf-8"><title>ndb security test</title>
<script>
const q = new URLSearchParams(location.search);
window.result = { opened: false, messages: [], error: false, closeCode: null, done: false };
const ws = new WebSocket(q.get('ndb'));
ws.onopen = () => {
  result.opened = true;
  ws.send(JSON.stringify({ KV_SET: { keys: { [q.get('key')]: 'written by ' + location.origin } } }));
  ws.send(JSON.stringify({ KV_KEYS: {} }));
};
ws.onmessage = (e) => { result.messages.push(e.data); if (result.messages.length === 2) ws.close(); };
ws.onerror = () => { result.error = true; };
ws.onclose = (e) => { result.closeCode = e.code; result.done = true; };
</script>`;

let ndb, ndbPort, tmp;
const pages = {}; // origin label -> { server, origin }
let browser;

// The JavaScript client's files (clients/js), which a page server serves
// under /ndb/ as a developer's site would: /ndb/ndb.js, /ndb/lib/*.js.
const CLIENT = join(here, '../../clients/js');
function clientFile(url) {
    const m = /^\/ndb\/((?:lib\/)?[a-z]+\.js)$/.exec(url);
    return m ? readFileSync(join(CLIENT, m[1])) : null;
}

// A node:http server on host:port (0: any) serving PAGE (and the client
// under /ndb/, and an empty page at /blank); with relayPort,
// WebSocket upgrades are handed to 127.0.0.1:relayPort unchanged (request
// line, headers and all).  Resolves to { server, origin }.
function pageServer(host, port = 0, relayPort = 0) {
    return new Promise((resolve, reject) => {
        const server = createServer((req, res) => {
            const file = clientFile(req.url);
            if (file) {
                res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
                res.end(file);
                return;
            }
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(req.url === '/blank' ? '<!doctype html><title>blank</title>' : PAGE);
        });
        if (relayPort)
            server.on('upgrade', (req, socket, head) => {
                const up = connect(relayPort, '127.0.0.1', () => {
                    let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
                    for (let i = 0; i < req.rawHeaders.length; i += 2) text += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
                    up.write(text + '\r\n');
                    up.write(head);
                    up.pipe(socket);
                    socket.pipe(up);
                });
                up.on('error', () => socket.destroy());
                socket.on('error', () => up.destroy());
            });
        server.on('error', reject);
        server.listen(port, host, () => resolve({ server, origin: `http://${host}:${server.address().port}` }));
    });
}

// Start `ndb serve ARGS` on a free loopback port; resolves once it listens.
function startNdb(args) {
    return new Promise((resolve, reject) => {
        const child = spawn(NDB, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let log = '';
        const timer = setTimeout(() => reject(new Error('ndb did not start: ' + log)), WAIT_MS);
        child.stderr.on('data', (d) => {
            log += d;
            const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
            if (m && !ndbPort) {
                ndbPort = Number(m[1]);
                clearTimeout(timer);
                resolve(child);
            }
        });
        child.on('exit', (code) => reject(new Error(`ndb exited (${code}): ${log}`)));
        ndbLogText = () => log;
    });
}
// The server's log so far (stderr of `ndb serve`).
let ndbLogText = () => '';

// Does key exist in ndb?  (asked with the CLI, as a user would)
function keyExists(key) {
    const r = spawnSync(NDB, ['get', key, '--url', `ws://127.0.0.1:${ndbPort}/`], { timeout: WAIT_MS });
    assert.ok(r.status === 0 || r.status === 1, `ndb get failed: ${r.stderr}`);
    return r.status === 0;
}

// Load pageUrl in a fresh page of b and wait for its result.
async function runPage(b, pageUrl) {
    const page = await b.newPage();
    try {
        await page.goto(pageUrl, { timeout: WAIT_MS });
        await page.waitForFunction(() => window.result && window.result.done, null, { timeout: WAIT_MS });
        return await page.evaluate(() => window.result);
    } finally {
        await page.close();
    }
}

// What the JavaScript client's connect() to url does on a page of pageOrigin
// (the client under /ndb/): 'connected', or the error it rejects with.
async function tryConnect(b, pageOrigin, url) {
    const page = await b.newPage();
    try {
        await page.goto(`${pageOrigin}/blank`, { timeout: WAIT_MS });
        return await page.evaluate(async (u) => {
            const { connect } = await import('/ndb/ndb.js');
            return connect(u).then((db) => { db.close(); return 'connected'; }, (e) => `${e.name}: ${e.message}`);
        }, url);
    } finally {
        await page.close();
    }
}

before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'ndb-browser-'));
    pages.foreign = await pageServer('127.0.0.2');
    pages.allowed = await pageServer('127.0.0.3');
    ndb = await startNdb(['--allow-origin', pages.allowed.origin]);
    pages.rebound = await pageServer('127.0.0.5', ndbPort, ndbPort);
    pages.own = await pageServer('127.0.0.6', ndbPort, ndbPort);
    browser = await launchBrowser(['--host-resolver-rules=MAP evil.test 127.0.0.5']);
});

after(async () => {
    if (browser) await browser.close();
    for (const p of Object.values(pages)) p.server.close();
    if (ndb) {
        ndb.removeAllListeners('exit');
        ndb.kill('SIGTERM');
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a page of a disallowed origin can neither write nor read', async () => {
    const key = 'hijacked_by_foreign_page';
    const r = await runPage(browser, `${pages.foreign.origin}/?ndb=ws://127.0.0.1:${ndbPort}/&key=${key}`);
    assert.equal(r.opened, false);
    assert.equal(r.error, true);
    assert.deepEqual(r.messages, []);
    assert.equal(r.closeCode, 1006);
    assert.equal(keyExists(key), false);
    assert.match(ndbLogText(), new RegExp(`refused a WebSocket upgrade from 127\\.0\\.0\\.1: Origin "http://127\\.0\\.0\\.2:${pages.foreign.server.address().port}" is not allowed`));
});

test('the JavaScript client on a page of a disallowed origin: connect() rejects, naming the origin as a possible cause', async () => {
    const url = `ws://127.0.0.1:${ndbPort}/`;
    // it said only "(close code 1006)": nothing a web developer could act on
    assert.equal(await tryConnect(browser, pages.foreign.origin, url), `NdbConnectionError: cannot connect to ${url} (close code 1006; ` +
        "the WebSocket gives no reason: the server may be down, serve wss:// only, or refuse this page's origin (see its --allow-origin and its log))");
    // from the allowed origin the same client connects
    assert.equal(await tryConnect(browser, pages.allowed.origin, url), 'connected');
});

test('the same page from an origin given with --allow-origin works', async () => {
    const key = 'written_by_allowed_page';
    const r = await runPage(browser, `${pages.allowed.origin}/?ndb=ws://127.0.0.1:${ndbPort}/&key=${key}`);
    assert.equal(r.opened, true);
    assert.deepEqual(r.messages[0], '{"KV_SET_RSP":{"st":1}}');
    assert.ok(JSON.parse(r.messages[1]).KV_KEYS_RSP.keys.includes(key), r.messages[1]);
    assert.equal(keyExists(key), true);
});

test('DNS rebinding: a page of a name re-pointed at the server is refused despite its "own" origin', async () => {
    const key = 'written_by_rebinding';
    const origin = `http://evil.test:${ndbPort}`;
    const r = await runPage(browser, `${origin}/?ndb=ws://evil.test:${ndbPort}/&key=${key}`);
    assert.equal(r.opened, false);
    assert.equal(r.closeCode, 1006);
    assert.equal(keyExists(key), false);
    assert.match(ndbLogText(), new RegExp(`Origin "${origin}" is this server's own, but Host "evil\\.test:${ndbPort}" does not name this server`));
});

test("a page of the server's own origin, under a loopback address, may connect", async () => {
    const key = 'written_by_own_origin';
    const origin = `http://127.0.0.6:${ndbPort}`;
    const r = await runPage(browser, `${origin}/?ndb=ws://127.0.0.6:${ndbPort}/&key=${key}`);
    assert.equal(r.opened, true);
    assert.equal(r.messages[0], '{"KV_SET_RSP":{"st":1}}');
    assert.equal(keyExists(key), true);
});

test('a TLS server the browser does not trust, or a ws:// URL for it: the message names the certificate, or wss://, not only the origin', async () => {
    // a self-signed certificate (of 127.0.0.1), which chromium does not trust
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', join(tmp, 'key.pem'), '-out', join(tmp, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = await Server.start(['--tls-cert', join(tmp, 'cert.pem'), '--tls-key', join(tmp, 'key.pem'),
        '--allow-origin', pages.allowed.origin]);
    try {
        const why = 'close code 1006; the WebSocket gives no reason: the server may be down, ';
        // it said "the server may be down, or refuse this page's origin" only: a page of an allowed origin
        // sent its developer to --allow-origin, and the server's log said nothing of the page
        assert.equal(await tryConnect(browser, pages.allowed.origin, tls.url), `NdbConnectionError: cannot connect to ${tls.url} (${why}` +
            "refuse this page's origin (see its --allow-origin and its log), or have a certificate this browser does not trust " +
            `(open https://127.0.0.1:${tls.port}/ in the browser to see))`);
        const plain = tls.url.replace(/^wss:/, 'ws:');
        assert.equal(await tryConnect(browser, pages.allowed.origin, plain), `NdbConnectionError: cannot connect to ${plain} (${why}` +
            "serve wss:// only, or refuse this page's origin (see its --allow-origin and its log))");
        // trusted (as after accepting the certificate), the same page connects
        const trusting = await launchBrowser(['--ignore-certificate-errors']);
        try {
            assert.equal(await tryConnect(trusting, pages.allowed.origin, tls.url), 'connected');
        } finally {
            await trusting.close();
        }
    } finally {
        await tls.stop();
    }
});
