// watch.js — following changes the server pushes (issue 17: KV_WATCH and
// SH_WATCH, events KV_EVENT and SH_EVENT).
//
// A Watcher is both an async iterator of events and, if given a callback,
// a push source: `for await (const ev of w)` or `watch(spec, ev => ...)`.
// Events are the members of the server's event, {id, op, key, value, ...}.
// Two kinds of event come from the client itself:
//   {op: "reconnect"}  the connection was lost and the watch renewed on a
//                      new one: changes in between were not seen, so
//                      re-read what you follow;
//   {op: "overflow"}   (also sent by the server) events were lost because
//                      they came faster than they were read — past
//                      `maxBuffered` unread events here, or past the
//                      server's output limit there.  The watcher ends
//                      after it: re-read, and watch again.
// A watcher ends when closed, on overflow, when its client closes, or when
// renewing it after a reconnection fails (the iterator then throws).

import { NdbError } from './errors.js';

export const DEFAULT_MAX_BUFFERED = 10000;

// v, checked to be a whole number of events, at least 1, as the client's
// constructor checks its numbers: NaN or 'x' never overflowed (the buffer
// grew without bound), 0 or -1 overflowed at the first event.
function eventCount(name, v) {
    // a string is shown quoted: "…: 100" for '100' read as if 100 were wrong
    if (!(Number.isSafeInteger(v) && v >= 1)) throw new TypeError(`${name} must be a whole number of events, at least 1: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
    return v;
}

export class Watcher {
    // client: the Client; family: "KV" or "SH"; body: the watch request's
    // body; options: text (event values as exact JSON text), maxBuffered,
    // timeout; onEvent: optional callback.  Use client.kv.watch() /
    // client.sessions.watch() rather than this constructor.
    constructor(client, family, body, options = {}, onEvent = null) {
        this.client = client;
        this.family = family;
        this.body = body;
        this.text = !!options.text;
        this.maxBuffered = eventCount('maxBuffered', options.maxBuffered ?? DEFAULT_MAX_BUFFERED);
        this.timeout = options.timeout;
        this.onEvent = onEvent;
        this.id = null;
        this.buffer = [];
        // pending next() calls of the iterator, oldest first: a reader may
        // ask for several events ahead (with one waiter, the second call
        // took the first's event and the first never settled)
        this.waiters = [];
        this.ended = false;
        this.error = null;
    }

    // Send the watch request; resolves with this watcher once the server
    // has accepted it.  Rejects with the server's NdbError otherwise.
    async start() {
        await this.subscribe();
        this.client.subscriptions.add(this);
        return this;
    }

    // (Re)subscribe on the current connection.  The id is registered when
    // the answer arrives, before any later message is read, so no event of
    // the new watch can be missed.
    subscribe(onRegistered) {
        return this.client.request(`${this.family}_WATCH`, this.body, {
            timeout: this.timeout,
            onReply: (b) => {
                if (this.ended) { // closed while renewing: the server's new watch goes too
                    this.client.request(`${this.family}_UNWATCH`, { id: b.id }, { timeout: this.timeout }).catch(() => {});
                    return;
                }
                this.id = b.id;
                this.client.watchers.set(`${this.family}:${b.id}`, this);
                onRegistered?.();
            },
        }, !!onRegistered); // first when renewing: part of the connection's set-up
    }

    // After a reconnection: watch again, and tell the reader that changes
    // may have been missed.  Never rejects for the server's refusal (the
    // watcher then ends with that error); rejects for connection errors.
    async renew() {
        if (this.ended) return;
        try {
            await this.subscribe(() => this.deliver({ id: this.id, op: 'reconnect' }));
        } catch (e) {
            if (!(e instanceof NdbError)) throw e;
            this.end(e);
            // an iterator throws it; a callback has nothing that would: without
            // this its watch ended unseen (a session gone in a restart, say),
            // and a live view silently stopped following
            if (this.onEvent) this.client.emit('error', e);
        }
    }

    // An event for this watcher (from the client, in message order).
    deliver(ev) {
        if (this.ended) return;
        const last = ev.op === 'overflow';
        if (this.onEvent) {
            try {
                this.onEvent(ev);
            } catch (e) {
                this.client.emit('error', e);
            }
        } else if (this.waiters.length) {
            this.waiters.shift().resolve({ value: ev, done: false });
        } else if (this.buffer.length >= this.maxBuffered) {
            this.buffer.push({ id: this.id, op: 'overflow' });
            this.close();
            return;
        } else {
            this.buffer.push(ev);
        }
        if (last) this.close(); // the server dropped it; tell it anyway, in case
    }

    // Stop watching: the server is told (KV_UNWATCH / SH_UNWATCH) when the
    // connection is up; buffered events can still be read.
    async close() {
        if (this.ended) return;
        const id = this.id;
        this.end(null);
        if (id !== null && this.client.state === 'open') {
            try {
                await this.client.request(`${this.family}_UNWATCH`, { id }, { timeout: this.timeout });
            } catch { /* gone already (overflow, closed): nothing to undo */ }
        }
    }

    // End the watcher, with an error for the reader or null.
    end(err) {
        if (this.ended) return;
        this.ended = true;
        this.error = err;
        this.client.subscriptions.delete(this);
        if (this.id !== null && this.client.watchers.get(`${this.family}:${this.id}`) === this) {
            this.client.watchers.delete(`${this.family}:${this.id}`);
        }
        for (const w of this.waiters.splice(0)) {
            if (err) w.reject(err);
            else w.resolve({ value: undefined, done: true });
        }
    }

    [Symbol.asyncIterator]() {
        return {
            next: () => {
                if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift(), done: false });
                if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
                return new Promise((resolve, reject) => { this.waiters.push({ resolve, reject }); });
            },
            return: async () => {
                await this.close();
                return { value: undefined, done: true };
            },
        };
    }
}
