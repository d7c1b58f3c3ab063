// client.js — one connection to an ndb server: requests in flight,
// answers in order, pushed events, timeouts, reconnection, authentication.
//
// The protocol answers every request exactly once, in the order the
// requests were sent, with no request ids (docs/protocol.md 1.4).  So the
// client keeps the requests it has sent in a first-in, first-out queue and
// matches each incoming message to the oldest one — except messages whose
// name ends in _EVENT (KV_EVENT, SH_EVENT: changes pushed to watchers,
// which arrive between answers), which go to the watcher whose id they
// carry.  Any number of requests may be in flight at once.
//
// A request that gets no answer within its timeout is rejected; its place
// in the queue is kept, so the late answer is recognised and dropped and
// the answers after it still match.  If nothing at all has arrived since
// that request was sent, the connection is presumed dead and is replaced.
//
// When the connection closes (server restart, network), requests in
// flight are rejected with NdbConnectionError — they may or may not have
// been carried out, and are never sent twice — and the client reconnects
// with exponential backoff.  Requests made meanwhile wait (within their
// timeout) and are sent once connected.  On each (re)connection the client
// first authenticates (SV_AUTH) if it has credentials, then renews every
// watch, then sends what waited.

import { NdbConnectionError, NdbError, NdbTimeoutError } from './errors.js';
import { Fifo } from './fifo.js';
import { NUMBER_MODES, parse, stringify, unicode } from './json.js';
import { checkOptions, plainObject, shown } from './options.js';
import { findWebSocket, messageText } from './socket.js';

const OK = [1];
// The commands whose success is not 1 (docs/protocol.md, status table): a
// save answers SaveComplete (121), a load LoadComplete (141).
const SUCCESS = { KV_SAVE: [121], SH_SAVE: [121], KV_LOAD: [141], SH_LOAD: [141] };
const EVENT_NAME = /^\s*\{\s*"([A-Z0-9]+)_EVENT"/;
const RESPONSE_NAME = /^\s*\{\s*"([^"\\]*)"/;

// Defaults of the options (README "Options").
export const DEFAULTS = {
    numbers: 'safe',   // "safe" or "exact" (json.js)
    timeout: 10000,    // ms per request; 0: wait for ever
    connectTimeout: 10000, // ms for the WebSocket handshake of a connection
    reconnect: true,   // or false, or {minDelay, maxDelay} in ms
    minDelay: 100,
    maxDelay: 5000,
    protocols: ['ndb'],
};

// Every option the constructor takes (README "Options", ndb.d.ts Options).
const CLIENT_OPTIONS = [...Object.keys(DEFAULTS), 'WebSocket', 'user', 'password'];

export class Client {
    // The login of every connection: {user, password}, or null.  A private
    // field, so that the password is not among what console.log(client),
    // util.inspect or JSON.stringify show of a client (a client logged while
    // debugging, or held by an object an error reporter serialises, put the
    // password in the log).
    #credentials = null;

    // url: ws:// or wss:// address of the server.  options: see DEFAULTS,
    // plus `WebSocket` (an implementation to use), `user` and `password`
    // (authenticate on every connection).  The client does not connect
    // until open() is called (connect() does both).
    constructor(url, options = {}) {
        if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) throw new TypeError(`not a ws:// or wss:// URL: ${url}`);
        // as every method's: a misspelt {timout: 500} or {reconect: false}
        // was ignored, and the client did what was not asked
        checkOptions(options, 'the client', CLIENT_OPTIONS);
        reconnectOption(options?.reconnect);
        const o = given(DEFAULTS, options);
        ({ url, user: o.user, password: o.password } = urlCredentials(url, o));
        if (!NUMBER_MODES.includes(o.numbers)) throw new TypeError(`numbers must be one of ${NUMBER_MODES.join(', ')}`);
        const rc = typeof o.reconnect === 'object' && o.reconnect ? given(o, o.reconnect) : o;
        this.url = url;
        this.numbers = o.numbers;
        this.timeout = milliseconds('timeout', o.timeout, ' (0: none)');
        this.connectTimeout = milliseconds('connectTimeout', o.connectTimeout, ' (0: none)');
        this.reconnect = o.reconnect !== false;
        // 0 would be no pause at all between attempts, as NaN was: hundreds
        // of connection attempts a second against a server that is down
        this.minDelay = milliseconds('minDelay', rc.minDelay, ', at least 1', 1);
        this.maxDelay = milliseconds('maxDelay', rc.maxDelay, ', at least 1', 1);
        // both given, the wrong way round: maxDelay capped every delay and
        // minDelay meant nothing.  One alone ({maxDelay: 50}) keeps its
        // meaning: the other's default gives way.
        const set = (k) => options?.[k] !== undefined || (rc !== o && options.reconnect[k] !== undefined);
        if (set('minDelay') && set('maxDelay') && this.minDelay > this.maxDelay)
            throw new TypeError(`minDelay (${this.minDelay}) is above maxDelay (${this.maxDelay}): the delay doubles from minDelay up to maxDelay`);
        this.protocols = o.protocols;
        this.WebSocketImpl = o.WebSocket;
        this.#credentials = o.user !== undefined ? { user: o.user, password: o.password ?? '' } : null;
        this.user = null;  // after authentication: the user name and role the server confirmed
        this.role = null;
        this.state = 'idle'; // idle, connecting, open, closed
        this.ws = null;
        this.inflight = new Fifo(); // sent, waiting for their answers
        this.waiting = [];          // not sent yet: waiting for a connection
        this.watchers = new Map();  // "KV:7" → Watcher, for this connection's watch ids
        this.subscriptions = new Set(); // every open Watcher, renewed on each connection
        this.listeners = new Map();
        this.attempt = 0;
        this.retryTimer = null;
        this.everOpened = false;    // a first connection failing is final; later ones are retried
        this.lastReceived = 0;      // a counter of messages received, for the dead-connection check
    }

    // ----------------------------------------------------------------- events

    // Listen: "open" (connected and authenticated), "close" ({code,
    // reason}), "reconnecting" ({attempt, delay}), "error" (an Error that
    // belongs to no request), "event" (every pushed event: {family, ...},
    // the message's text as received, and the Watcher it goes to, or
    // undefined for a watch no Watcher holds: one made with raw()).
    on(name, fn) {
        if (!this.listeners.has(name)) this.listeners.set(name, new Set());
        this.listeners.get(name).add(fn);
        return this;
    }

    off(name, fn) {
        this.listeners.get(name)?.delete(fn);
        return this;
    }

    emit(name, ...args) {
        for (const fn of this.listeners.get(name) || []) {
            try {
                fn(...args);
            } catch (e) {
                if (name !== 'error') this.emit('error', e);
            }
        }
    }

    // ------------------------------------------------------------- connection

    // Connect (and authenticate).  Resolves once the client is ready (while
    // reconnecting: once it is connected again); rejects with
    // NdbConnectionError if the very first connection fails, or NdbError if
    // authentication is refused.
    async open() {
        if (this.state === 'open') return this;
        if (this.state === 'closed') throw new NdbConnectionError(null, 'the client was closed');
        if (!this.opening) {
            this.opening = new Promise((resolve, reject) => { this.openWaiter = { resolve, reject }; });
            this.opening.catch(() => {}); // the caller of open() gets the rejection
            if (this.state === 'idle') this.dial(); // else an attempt is under way or scheduled
        }
        return this.opening;
    }

    // Close the connection for good: what waits or is in flight is rejected
    // and every watcher ends.
    close() {
        this.shutdown(new NdbConnectionError(null, 'the client was closed'), 1000, 'closed by the client');
    }

    // Close for good because of err.  The server's refusal (NdbError: a login
    // refused on a reconnection) ends every watcher with it, as a refused
    // renewal does (an iterator throws it, watcher.error holds it): those
    // watchers ended as after close(), so a `for await` loop simply finished
    // and a live view stopped following without a word.
    shutdown(err, code, reason) {
        if (this.state === 'closed') return;
        this.state = 'closed';
        clearTimeout(this.retryTimer);
        this.failAll(err, true);
        for (const w of [...this.subscriptions]) w.end(err instanceof NdbError ? err : null);
        this.subscriptions.clear();
        this.watchers.clear();
        if (this.openWaiter) this.openWaiter.reject(err);
        this.openWaiter = null;
        const ws = this.ws;
        this.ws = null;
        if (ws) {
            detach(ws);
            try { ws.close(1000); } catch { /* already closing */ }
        }
        this.emit('close', { code, reason });
    }

    async dial() {
        this.state = 'connecting';
        let WS;
        try {
            WS = await findWebSocket(this.WebSocketImpl);
        } catch (e) {
            this.connectFailed(e, true);
            return;
        }
        if (this.state === 'closed') return;
        let ws;
        try {
            ws = new WS(this.url, this.protocols);
        } catch (e) {
            this.connectFailed(new NdbConnectionError(null, `cannot connect to ${this.url}: ${e.message}`), true);
            return;
        }
        this.ws = ws;
        let opened = false;
        // A handshake that never completes (a server that accepted the TCP
        // connection but does not answer) is given up, and tried again.
        const timer = this.connectTimeout > 0 ? setTimeout(() => {
            if (opened || this.ws !== ws) return;
            this.ws = null;
            detach(ws);
            try { ws.close(); } catch { /* closing anyway */ }
            this.connectFailed(new NdbConnectionError(null, `cannot connect to ${this.url}: no answer within ${this.connectTimeout} ms`), false);
        }, this.connectTimeout) : null;
        ws.onopen = () => {
            opened = true;
            clearTimeout(timer);
            this.handshake();
        };
        ws.onmessage = (ev) => this.receive(messageText(ev.data));
        // A failed handshake closes with 1006, which says nothing: the error
        // event before it may say why (Node's ws and undici do: "connect
        // ECONNREFUSED …", "Unexpected server response: 403"; browsers do not).
        let why = '';
        const failed = (code) => {
            clearTimeout(timer);
            if (this.ws !== ws) return;
            this.ws = null;
            detach(ws);
            this.connectFailed(new NdbConnectionError(null, `cannot connect to ${this.url}${why ? `: ${why}` : ` (${silentClose(this.url, code)})`}`), false);
        };
        ws.onerror = (ev) => {
            why = errorText(ev) ? errorText(ev) + untrustedHint(ev) + plainToTlsHint(this.url, ev) : why;
            // An error before the open event is a failed attempt, and a close
            // event follows it in browsers and in the ws package — but not
            // from Node's built-in WebSocket (undici 6, Node 20 and 22): a
            // refused connection left connect() pending until connectTimeout
            // (for ever with 0), and every reconnection attempt waited that
            // long.  If no close has come shortly after, fail it here.
            if (!opened) setTimeout(() => failed(1006), 50);
        };
        ws.onclose = (ev) => {
            if (!opened) return failed(ev.code);
            clearTimeout(timer);
            if (this.ws !== ws) return;
            this.ws = null;
            this.lost(ev.code, ev.reason || '');
        };
    }

    // Connected: authenticate, renew the watches, then send what waited.
    async handshake() {
        const ws = this.ws;
        try {
            if (this.#credentials) await this.authenticate(this.#credentials.user, this.#credentials.password, true);
            await Promise.all([...this.subscriptions].map((w) => w.renew()));
        } catch (e) {
            // refused credentials (44, or 14: no users): retrying would only be
            // refused again.  Not a 43: that login was left unchecked by a
            // server shutting down, whose close frame follows (then the client
            // reconnects and logs in again) — closing the client for good there
            // turned every restart that caught a login in its check into an outage.
            if (e instanceof NdbError && !uncheckedLogin(e)) {
                this.failAll(e, false);
                if (this.openWaiter) this.openWaiter.reject(e);
                this.openWaiter = null;
                this.emit('error', e);
                this.shutdown(e, 1000, 'authentication failed');
            } else if (e instanceof NdbError) {
                // 43 "too many logins waiting": the server's queue of password
                // checks was long and it left this one unchecked, keeping the
                // connection, not logged in.  Waiting there for nothing left
                // connect() pending until the login timeout (60 s): drop the
                // connection and dial again after the reconnection delay.
                this.abandon(`login left unchecked: ${e.message}`);
            } else if (e instanceof NdbTimeoutError && this.ws === ws) {
                // the login or a watch's renewal got no answer in time, although
                // something else came back (another renewal's answer), so the
                // connection was not given up as dead: it stayed half set up,
                // "connecting" for ever, and every request failed with "not
                // sent: no connection".  Make it again.
                this.abandon(`the connection was not set up: ${e.message}`);
            }
            return; // a connection error: the close handler reconnects
        }
        if (this.state === 'closed' || !this.ws) return;
        this.state = 'open';
        this.everOpened = true;
        this.attempt = 0;
        const first = this.openWaiter;
        this.openWaiter = null;
        this.opening = null;
        const waiting = this.waiting;
        this.waiting = [];
        for (const e of waiting) if (!e.done) this.transmit(e);
        this.emit('open', { url: this.url });
        if (first) first.resolve(this);
    }

    // A connection attempt failed.  The very first one rejects open() and
    // closes the client; later ones (reconnecting) try again.  final: no
    // point in retrying.
    connectFailed(err, final) {
        if (!this.everOpened) {
            const w = this.openWaiter;
            this.openWaiter = null;
            this.opening = null;
            this.shutdown(err, 1006, err.message);
            w?.reject(err);
            return;
        }
        if (final || !this.reconnect) {
            this.shutdown(err, 1006, err.message);
            return;
        }
        this.scheduleRetry();
    }

    // An open connection closed (or was given up): fail what was in
    // flight, and reconnect.
    lost(code, reason) {
        this.user = null;
        this.role = null;
        this.watchers.clear(); // the ids were the old connection's
        const err = new NdbConnectionError(null, `the connection closed (code ${code}${reason ? `: ${reason}` : ''})`);
        if (!this.reconnect) {
            this.shutdown(err, code, reason);
            return;
        }
        this.state = 'connecting';
        for (const e of this.inflight.drain()) this.settle(e, null, new NdbConnectionError(e.cmd, err.message));
        this.emit('close', { code, reason });
        this.scheduleRetry();
    }

    scheduleRetry() {
        const base = Math.min(this.maxDelay, this.minDelay * 2 ** Math.min(this.attempt, 30));
        const delay = Math.round(base / 2 + Math.random() * base / 2); // jitter: clients do not return in step
        this.attempt++;
        this.state = 'connecting';
        this.emit('reconnecting', { attempt: this.attempt, delay });
        this.retryTimer = setTimeout(() => this.dial(), delay);
    }

    // Give up the current connection as dead (no answer came): the close
    // handling runs now rather than when the socket finally times out.
    abandon(why) {
        const ws = this.ws;
        if (!ws) return;
        this.ws = null;
        detach(ws);
        try {
            if (typeof ws.terminate === 'function') ws.terminate(); // the ws package: drop at once
            else ws.close(4000, why);
        } catch { /* closing anyway */ }
        this.lost(4000, why);
    }

    // Reject every request waiting or in flight.
    failAll(err, asConnection) {
        const all = [...this.inflight.drain(), ...this.waiting];
        this.waiting = [];
        for (const e of all) this.settle(e, null, asConnection ? new NdbConnectionError(e.cmd, err.message) : err);
    }

    // --------------------------------------------------------------- requests

    // Send {cmd: body} and resolve with the answer's body (the object inside
    // "<cmd>_RSP").  options: timeout (ms), ok (the statuses that mean
    // success, default [1]), textDepth (json.js), onReply (called with the
    // body before the promise resolves, in message order), first (send at
    // once, ahead of requests waiting for the connection: for the
    // connection's own set-up: the fourth argument, not an option).
    // Rejects with NdbError when the server answers another status.  ok
    // defaults to the command's success: 1, or 121 and 141 for the saves
    // and loads (db.request('KV_SAVE', …) threw 'SaveComplete (121)' for a
    // save that had succeeded).  The options are checked as every
    // method's are: a misspelt {timout: 500} was ignored.
    request(cmd, body = {}, options = {}, first = false) {
        let text, timeout;
        try {
            checkOptions(options, 'request', ['timeout', 'ok', 'textDepth', 'onReply']);
            options ??= {};
            timeout = this.timeoutOf(options);
            checkTextDepth(options.textDepth);
            text = stringify({ [cmd]: body });
        } catch (e) {
            return Promise.reject(e);
        }
        return this.enqueue({ cmd, text, ok: options.ok || SUCCESS[cmd] || OK, textDepth: options.textDepth ?? -1,
            onReply: options.onReply, timeout, raw: false }, first);
    }

    // A request's timeout: options.timeout, checked as the constructor checks
    // its own (a negative, NaN or string one waited for ever, silently), or
    // the client's.
    timeoutOf(options) {
        return options.timeout === undefined ? this.timeout : milliseconds('timeout', options.timeout, ' (0: none)');
    }

    // Send one request as it is and resolve with the whole response, failure
    // or not: request is an object ({"KV_GET":{...}}) or JSON text (sent
    // verbatim, even if invalid: the server answers that too).  options:
    // timeout; text: resolve with the response's exact text instead (a
    // misspelt {txt: true} resolved with the object, without a word).
    raw(request, options = {}) {
        let text, timeout;
        try {
            checkOptions(options, 'raw', ['text', 'timeout'], '{text: true}');
            options ??= {};
            timeout = this.timeoutOf(options);
            // text with a lone surrogate is refused too: the WebSocket would
            // send U+FFFD in its place, not the text as it is
            text = typeof request === 'string' ? unicode(request) : stringify(request);
        } catch (e) {
            return Promise.reject(e);
        }
        const m = RESPONSE_NAME.exec(text);
        return this.enqueue({ cmd: m ? m[1] : 'request', text, ok: OK, textDepth: -1,
            timeout, raw: options.text ? 'text' : 'object' });
    }

    // Authenticate this connection as user (issue 14's SV_AUTH), and again
    // after every reconnection.  Resolves with {role, user}.
    async auth(user, password) {
        const r = await this.authenticate(user, password, false);
        this.#credentials = { user, password };
        return r;
    }

    authenticate(user, password, first) {
        const e = new LoginEntry(user, password, this.timeout);
        const p = new Promise((resolve, reject) => { e.resolve = resolve; e.reject = reject; });
        this.arm(e);
        if (first) this.transmit(e); // ahead of everything waiting
        else this.route(e);
        return p.then((b) => {
            this.user = b.user;
            this.role = b.role;
            return { role: b.role, user: b.user };
        });
    }

    enqueue(e, first = false) {
        const p = new Promise((resolve, reject) => { e.resolve = resolve; e.reject = reject; });
        if (this.state === 'closed') {
            e.reject(new NdbConnectionError(e.cmd, 'the client is closed'));
            return p;
        }
        this.arm(e);
        if (first && this.ws) this.transmit(e);
        else this.route(e);
        return p;
    }

    // Start e's timeout.
    arm(e) {
        if (e.timeout > 0) e.timer = setTimeout(() => this.expire(e), e.timeout);
    }

    // Send e now if the connection is ready, else let it wait.
    route(e) {
        if (this.state === 'open' && this.ws) this.transmit(e);
        else {
            this.waiting.push(e);
            if (this.state === 'idle') this.open().catch(() => {});
        }
    }

    transmit(e) {
        e.seen = this.lastReceived;
        this.inflight.push(e);
        try {
            this.ws.send(wireText(e));
        } catch (err) {
            this.abandon(`send failed: ${err.message}`);
        }
    }

    expire(e) {
        if (e.done) return;
        const wasSent = e.seen !== undefined;
        this.settle(e, null, new NdbTimeoutError(e.cmd, e.timeout, wasSent));
        if (!wasSent) {
            const i = this.waiting.indexOf(e);
            if (i >= 0) this.waiting.splice(i, 1);
        } else if (e.seen === this.lastReceived && this.ws) {
            this.abandon(`no answer within ${e.timeout} ms`); // nothing at all came back: a dead connection
        }
    }

    settle(e, value, err) {
        if (e.done) return;
        e.done = true;
        clearTimeout(e.timer);
        if (err) e.reject(err);
        else e.resolve(value);
    }

    // ------------------------------------------------------------- messages

    receive(text) {
        this.lastReceived++;
        const ev = EVENT_NAME.exec(text);
        if (ev) {
            this.event(ev[1], text);
            return;
        }
        const e = this.inflight.shift();
        if (!e) {
            this.emit('error', new NdbConnectionError(null, `a message that answers no request: ${text.slice(0, 200)}`));
            return;
        }
        if (e.done) return; // timed out: the answer came too late
        if (e.raw === 'text') return this.settle(e, text);
        let msg;
        try {
            msg = parse(text, this.numbers, e.textDepth);
        } catch (err) {
            return this.settle(e, null, new NdbConnectionError(e.cmd, `the server sent invalid JSON (${err.message})`));
        }
        if (e.raw) return this.settle(e, msg);
        const name = msg && typeof msg === 'object' ? Object.keys(msg)[0] : undefined;
        const body = name !== undefined ? msg[name] : undefined;
        const st = body && typeof body === 'object' ? body.st : undefined;
        if ((name === `${e.cmd}_RSP` || name === 'ERR') && e.ok.includes(st)) {
            try {
                e.onReply?.(body);
            } catch (err) {
                return this.settle(e, null, err);
            }
            return this.settle(e, body);
        }
        this.settle(e, null, new NdbError(e.cmd, st ?? 0, body?.m, body));
    }

    // A pushed event of family ("KV", "SH"): to its watcher, and to "event"
    // listeners.
    event(family, text) {
        let msg;
        try {
            msg = parse(text, this.numbers);
        } catch (err) {
            this.emit('error', new NdbConnectionError(null, `the server sent an invalid event (${err.message})`));
            return;
        }
        const ev = msg[`${family}_EVENT`];
        if (!ev || typeof ev !== 'object') return;
        const w = this.watchers.get(`${family}:${ev.id}`);
        if (w?.text && 'value' in ev) ev.value = parse(text, this.numbers, 2)[`${family}_EVENT`].value;
        this.emit('event', { family, ...ev }, text, w);
        if (w) w.deliver(ev);
    }
}

// A URL's user and password (ws://app:secret@host/) taken out of it and
// made the login, as the `user` and `password` options: browsers never send
// them on a WebSocket (every request would answer 43) while Node's ws sends
// them as Basic (logged in, but db.user unknown), and the URL appears in
// error messages, which must not show the password.  o: the options, whose
// user and password come back unchanged for a URL without credentials; a
// URL with a user but no password (ws://app@host/) takes the password
// option, which keeps it out of the URL.
// A URL's percent-escaped user name or password, decoded; what cannot be
// is a TypeError that says which part (never the text: it may be a password).
function decodeURL(what, text) {
    try {
        return decodeURIComponent(text);
    } catch {
        throw new TypeError(`the ${what} in the URL has a malformed %-escape (write % as %25)`);
    }
}

function urlCredentials(url, o) {
    const u = /^wss?:\/\/[^/?#]*@/i.test(url) ? new URL(url) : null;
    if (!u || (!u.username && !u.password)) return { url, user: o.user, password: o.password };
    if (o.user !== undefined) throw new TypeError('a user both in the URL and in the options: give it in one place');
    if (u.password && o.password !== undefined) throw new TypeError('a password both in the URL and in the options: give it in one place');
    // ws://:secret@host/ would log in as the empty user name (44, saying
    // nothing of the URL); a bad escape threw a bare 'URI malformed'
    if (!u.username) throw new TypeError('a password in the URL without a user name: write ws://user:password@host/');
    const user = decodeURL('user name', u.username), password = u.password ? decodeURL('password', u.password) : o.password;
    u.username = '';
    u.password = '';
    return { url: u.href, user, password };
}

// Is e the answer to a login the server did not check because it is
// shutting down (docs/protocol.md, Security: SV_AUTH answered 43, "the
// server is shutting down: the password was not checked"), or because too
// many logins were waiting ("too many logins waiting: ...")?  43 is the
// only status SV_AUTH answers that says nothing against the credentials.
function uncheckedLogin(e) {
    return e.command === 'SV_AUTH' && e.status === 43;
}

// request's textDepth: undefined or -1 (none), or 3 or more.  Depth counts
// from the answer's root: "<CMD>_RSP" is 1 and the body's members, the
// status among them, are 2.  1 or 2 turned the status into text, and a
// request the server had answered with success was rejected as "status 0:
// failed".
function checkTextDepth(d) {
    if (d === undefined || d === -1 || (Number.isSafeInteger(d) && d >= 3)) return;
    throw new TypeError(`textDepth must be 3 or more (the answer's body is at 1, its members and status at 2), or -1 for none; got ${shown(d)}`);
}

// A failed handshake's close code, when no error text came with it.  1006
// is all a browser tells, for a server that is down and for one that
// refused the page's origin (403) alike: the message names both, so that
// the developer reading only "cannot connect" knows where to look.  It is
// also all a browser tells of a TLS failure, so the message names that too:
// for wss://, a certificate the browser does not trust (a self-signed one),
// which the browser shows when its https:// address is opened; for ws://, a
// server that serves wss:// only.  Both were reported as "the server may be
// down, or refuse this page's origin", sending the developer to
// --allow-origin and a log that said nothing of the page.
function silentClose(url, code) {
    if (code !== 1006) return `close code ${code}`;
    const origin = "refuse this page's origin (see its --allow-origin and its log)";
    const why = /^wss:/i.test(url)
        ? `the server may be down, ${origin}, or have a certificate this browser does not trust (open ${url.replace(/^wss:/i, 'https:')} in the browser to see)`
        : `the server may be down, serve wss:// only, or ${origin}`;
    return `close code 1006; the WebSocket gives no reason: ${why}`;
}

// What an error event of a WebSocket says, on one line ("" if nothing).
function errorText(ev) {
    const m = ev?.message || ev?.error?.message;
    return typeof m === 'string' ? m.trim().replace(/\s+/g, ' ') : '';
}

// Node's codes for a certificate it could not trace to a CA it trusts (a
// self-signed one, one of a private CA).  Node says only "self-signed
// certificate" or "unable to verify the first certificate"; the CLI takes
// such a CA with --cacert, Node from NODE_EXTRA_CA_CERTS (read at start-up)
// or from the `ws` package's own `ca` option (README, "wss:// and a private CA").
const UNTRUSTED = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_UNTRUSTED']);

function untrustedHint(ev) {
    return UNTRUSTED.has(ev?.error?.code)
        ? ' (the server\'s certificate is not trusted: give Node its CA with NODE_EXTRA_CA_CERTS=ca.pem, ' +
          'or pass it to ws: README, "wss:// and a private CA")'
        : '';
}

// A ws:// URL whose handshake the server reset: Node says only "read
// ECONNRESET" (or "socket hang up"), where the CLI names the likely causes:
// a server that serves wss:// only (TLS), which resets a plain request, or
// one at its connection limit.
function plainToTlsHint(url, ev) {
    const code = ev?.error?.code;
    return /^ws:/i.test(url) && (code === 'ECONNRESET' || code === 'EPIPE')
        ? ' (the server closed the connection during the WebSocket handshake: if it serves wss:// only, ' +
          'use a wss:// URL; or it is at its connection limit)'
        : '';
}

// defaults with the members of options that are not undefined: an option
// given as undefined is an option not given (ndb.d.ts: all are optional).
function given(defaults, options) {
    const o = { ...defaults };
    for (const [k, v] of Object.entries(options || {})) if (v !== undefined) o[k] = v;
    return o;
}

// The queue entry of a login (SV_AUTH), as request() makes one, but with its
// text, which holds the password, in a private field that only wire() reads
// (not a getter: util.inspect with {getters: true} calls those): the entry
// waits in db.inflight (or db.waiting) while the server checks the password,
// seconds on a busy server, and util.inspect or console.log of the client
// then showed the password.
class LoginEntry {
    #text;

    constructor(user, password, timeout) {
        this.#text = stringify({ SV_AUTH: { user, password } });
        this.cmd = 'SV_AUTH';
        this.ok = OK;
        this.textDepth = -1;
        this.timeout = timeout;
        this.raw = false;
    }

    wire() {
        return this.#text;
    }
}

// The text to send for queue entry e.
export function wireText(e) {
    return e instanceof LoginEntry ? e.wire() : e.text;
}

// The reconnect option: true, false, an object of minDelay and maxDelay, or
// left out.  Only false turned reconnection off, so 0, null, 'false' or
// 'no', meant to turn it off, had the client reconnect without a word.
function reconnectOption(v) {
    if (v === undefined || typeof v === 'boolean') return;
    if (!plainObject(v)) throw new TypeError(`reconnect must be true, false or an object such as {minDelay: 100}; got ${shown(v)}`);
    checkOptions(v, 'reconnect', ['minDelay', 'maxDelay'], '{minDelay: 100}');
}

// v, checked to be a number of milliseconds, `least` or more (the delays of
// reconnection would otherwise be NaN: attempts with no pause at all).
function milliseconds(name, v, zero, least = 0) {
    // a string is shown quoted: "…milliseconds: 100" for '100' read as if 100 were wrong
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= least)) throw new TypeError(`${name} must be a number of milliseconds${zero}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
    return v;
}

function detach(ws) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.onerror = () => {};
}
