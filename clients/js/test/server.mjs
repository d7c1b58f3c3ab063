// server.mjs — a real `ndb serve` for a test, on a free loopback port.
//
// The binary is $NDB (ctest sets it) or build/ndb of this checkout.  The
// server is started with --port 0 and its log's "listening on" line tells
// the port; start-up is bounded (10 s).  Only loopback is ever used.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const NDB = process.env.NDB || fileURLToPath(new URL('../../../build/ndb', import.meta.url));

// A running server: url, port, log (text so far), stop(), and signal(sig).
export class Server {
    // Start `ndb serve --port PORT ...args` (port 0: a free one).  env:
    // variables added to the server's environment (e.g. LD_PRELOAD of the
    // fault shim), kept for restarts.
    static async start(args = [], port = 0, { env = {} } = {}) {
        if (!existsSync(NDB)) throw new Error(`no ndb binary at ${NDB}: build first, or set NDB`);
        const s = new Server();
        s.args = args;
        s.env = { ...process.env, ...env };
        await s.launch(port);
        return s;
    }

    async launch(port) {
        this.log = '';
        this.stopping = false;
        this.proc = spawn(NDB, ['serve', '--port', String(port), ...this.args], { stdio: ['ignore', 'ignore', 'pipe'], env: this.env });
        this.exited = new Promise((resolve) => this.proc.once('exit', (code, sig) => {
            if (!this.stopping) this.died = `ndb serve died unasked (exit ${code}, signal ${sig}); its log:\n${this.log}`;
            resolve({ code, sig });
        }));
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`ndb serve did not start within 10 s:\n${this.log}`)), 10000);
            this.proc.stderr.on('data', (d) => {
                this.log += d;
                const m = /listening on (wss?:\/\/[^ ]+)/.exec(this.log); // wss:// with --tls-cert
                if (m && !this.url) {
                    clearTimeout(timer);
                    this.url = m[1];
                    this.port = Number(/:(\d+)\/$/.exec(this.url)[1]);
                    resolve();
                }
            });
            this.proc.once('exit', (code) => {
                clearTimeout(timer);
                reject(new Error(`ndb serve exited (${code}) before listening:\n${this.log}`));
            });
        });
    }

    // The console's http:// address.
    get httpUrl() { return this.url.replace(/^ws:/, 'http:'); }

    signal(sig) { this.proc.kill(sig); }

    // SIGTERM and wait for the exit (SIGKILL after 5 s).
    // Throws if the server had died by itself (a crash), with its log.
    async stop() {
        if (this.died) throw new Error(this.died);
        if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
        this.stopping = true;
        this.proc.kill('SIGCONT'); // in case a test stopped it
        this.proc.kill('SIGTERM');
        const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
        await this.exited;
        clearTimeout(t);
    }

    // Kill at once (SIGKILL, no close frames), and wait for the exit.
    async crash() {
        this.stopping = true;
        this.proc.kill('SIGKILL');
        await this.exited;
    }

    // Start again on the same port after stop() or crash().
    async relaunch() {
        const url = this.url;
        this.url = undefined;
        await this.launch(this.port);
        if (this.url !== url) throw new Error(`restarted on ${this.url}, not ${url}`);
    }

    // Stop, then start again on the same port (a server restart).
    async restart() {
        await this.stop();
        const url = this.url;
        this.url = undefined;
        await this.launch(this.port);
        if (this.url !== url) throw new Error(`restarted on ${this.url}, not ${url}`);
    }
}
