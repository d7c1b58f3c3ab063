// ndb.js — the JavaScript client of ndb, an ES module with no dependencies
// that runs unchanged in browsers and in Node (README.md).
//
//   import { connect } from 'ndb-client';
//   const db = await connect('ws://127.0.0.1:1987/');
//   await db.kv.set({ greeting: 'hi' });
//   await db.kv.get('greeting');          // 'hi'
//
// The connection and its rules live in lib/client.js, the methods of each
// command in lib/commands.js, exact JSON in lib/json.js, watches in
// lib/watch.js.

import { Client } from './lib/client.js';
import { kvCommands, opt, rest, sessionCommands, sessionsCommands } from './lib/commands.js';

export { Client, DEFAULTS } from './lib/client.js';
export { COMMAND_METHODS, token } from './lib/commands.js';
export { NdbConnectionError, NdbError, NdbTimeoutError, STATUS, statusName } from './lib/errors.js';
export { JsonNumber, JsonText, parse, prettyText, stringify } from './lib/json.js';
export { Watcher } from './lib/watch.js';

// A client with a method for every command: db.kv, db.sessions,
// db.session(tkn), db.info(), db.auth(), plus Client's request() and raw().
export class Ndb extends Client {
    constructor(url, options) {
        super(url, options);
        this.kv = kvCommands(this);
        this.sessions = sessionsCommands(this);
    }

    // The key commands of one session (SH_SET, SH_GET, ...), by its token.
    session(tkn) {
        return sessionCommands(this, tkn);
    }

    // SV_INFO: the server's version and counters, without st.
    info(options) {
        return this.request('SV_INFO', {}, opt(options, 'info')).then(rest);
    }
}

// Connect to url and resolve with a ready Ndb (options: README "Options").
export async function connect(url, options) {
    const db = new Ndb(url, options);
    await db.open();
    return db;
}
