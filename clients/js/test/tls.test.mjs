// tls.test.mjs — the client against `ndb serve --tls-cert` with a
// self-signed certificate (a private CA, as the README's "wss:// and a
// private CA" has it): Node refuses it with a bare "self-signed
// certificate", so the client's error says what to do, and both remedies
// the README gives work.  The certificate is made with the openssl command.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connect, NdbConnectionError } from '../ndb.js';
import { Server } from './server.mjs';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
let dir, server;

before(async () => {
    if (!hasOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'ndb-js-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    server = await Server.start(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
});
after(async () => {
    if (server) await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a self-signed certificate: the error says the certificate is not trusted and how to give Node its CA', { skip: !hasOpenssl && 'no openssl command' }, async () => {
    assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const e = await connect(server.url).then(() => assert.fail('connected'), (err) => err);
    assert.ok(e instanceof NdbConnectionError, String(e));
    assert.equal(e.message, `cannot connect to ${server.url}: self-signed certificate (the server's certificate is not trusted: ` +
        'give Node its CA with NODE_EXTRA_CA_CERTS=ca.pem, or pass it to ws: README, "wss:// and a private CA")');
});

test('a ws:// URL for a server that serves wss:// only: the error says to use wss://, not only "read ECONNRESET"', { skip: !hasOpenssl && 'no openssl command' }, async () => {
    const plain = server.url.replace(/^wss:/, 'ws:');
    const e = await connect(plain).then(() => assert.fail('connected'), (err) => err);
    assert.ok(e instanceof NdbConnectionError, String(e));
    // Node's own words vary with the moment of the reset; the hint after them does not
    const hint = ' (the server closed the connection during the WebSocket handshake: if it serves wss:// only, ' +
        'use a wss:// URL; or it is at its connection limit)';
    assert.ok([`read ECONNRESET${hint}`, `socket hang up${hint}`, `write EPIPE${hint}`]
        .map((m) => `cannot connect to ${plain}: ${m}`).includes(e.message), e.message);
});

test('the README\'s remedies: a WebSocket class that gives ws the CA, and NODE_EXTRA_CA_CERTS', { skip: !hasOpenssl && 'no openssl command' }, async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    class TrustingWebSocket extends WebSocket {
        constructor(url, protocols) { super(url, protocols, { ca }); }
    }
    const db = await connect(server.url, { WebSocket: TrustingWebSocket });
    await db.kv.set({ over: 'tls' });
    assert.equal(await db.kv.get('over'), 'tls');
    db.close();
    // NODE_EXTRA_CA_CERTS is read when Node starts: a child process
    const ndb = fileURLToPath(new URL('../ndb.js', import.meta.url));
    const code = `const { connect } = await import(${JSON.stringify(ndb)});
        const db = await connect(${JSON.stringify(server.url)}); console.log(await db.kv.get('over')); db.close();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code],
        { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'tls\n');
});
