// ndb.d.ts — TypeScript declarations of the ndb JavaScript client (ndb.js).

/** Any JSON value as this client reads it (see `numbers` in Options). */
export type JsonValue =
    | null | boolean | number | bigint | string | JsonText
    | JsonValue[] | { [member: string]: JsonValue };

/** What may be sent: JSON values, plus objects with toJSON() (Date, ...). */
export type JsonInput = JsonValue | { toJSON(): unknown } | undefined;

/** A session token: a safe integer, a BigInt, or a string of digits (0 … 2^64−1). */
export type Token = number | bigint | string;

/** How numbers are read: see README "Exact numbers". */
export type NumberMode = 'safe' | 'exact';

/** The client's options: a plain object of these members, or nothing; another member (a
 *  misspelt `reconect`) or a value that is not a plain object is a TypeError from the constructor. */
export interface Options {
    /** "safe" (default): numbers, BigInt beyond ±(2^53−1); "exact": also JsonNumber for literals a double would change (1.0, 1e400). */
    numbers?: NumberMode;
    /** Milliseconds to wait for each answer (default 10000); 0 waits for ever. */
    timeout?: number;
    /** Milliseconds for a connection's WebSocket handshake (default 10000); 0 waits for ever. */
    connectTimeout?: number;
    /** Reconnect after the connection is lost (default true), with these delays in ms; any other value (0, null, "false") is a TypeError. */
    reconnect?: boolean | { minDelay?: number; maxDelay?: number };
    /** Shortest and longest delay between reconnection attempts, ms (defaults 100, 5000; at least 1; both given, minDelay above maxDelay is a TypeError). */
    minDelay?: number;
    maxDelay?: number;
    /** WebSocket subprotocols offered (default ["ndb"]). */
    protocols?: string[];
    /** A WebSocket implementation (a class like the browser's); default: the global one, else the `ws` package. */
    WebSocket?: unknown;
    /** Authenticate with SV_AUTH on every connection.  Credentials in the URL
     *  (ws://user:password@host/) are taken out of it and used as these.  The
     *  client keeps the password in a private field: logging the client does
     *  not show it, nor while its login waits for the answer. */
    user?: string;
    password?: string;
}

export const DEFAULTS: Required<Pick<Options, 'numbers' | 'timeout' | 'connectTimeout' | 'reconnect' | 'minDelay' | 'maxDelay' | 'protocols'>>;

/** Options every method takes as its last argument: an object of the members it takes, or
 *  nothing; another member (a misspelt `timout`) or a value that is not an object is a TypeError
 *  naming the method. */
export interface CallOptions {
    /** Milliseconds to wait for this answer (overrides the client's timeout). */
    timeout?: number;
}

export interface RequestOptions extends CallOptions {
    /** Statuses that mean success (default [1]; [121] for KV_SAVE and SH_SAVE, [141] for KV_LOAD and SH_LOAD). */
    ok?: number[];
    /** Values nested this deep come back as their JSON source text: 3 or more, counted from the
     *  answer's root (`<CMD>_RSP` is 1, the body's members and its status 2), or -1 for none;
     *  anything else is a TypeError. */
    textDepth?: number;
    /** Called with the answer's body before the promise resolves. */
    onReply?: (body: Record<string, JsonValue>) => void;
}

/** JSON text sent and read exactly as written (checked to be one JSON value: SyntaxError; a lone surrogate: TypeError). */
export class JsonText {
    constructor(text: string);
    readonly text: string;
    toString(): string;
    toJSON(): unknown;
}

/** A number kept as its literal ("1.0", "1e400"); arithmetic uses valueOf() (a double). */
export class JsonNumber extends JsonText {
    constructor(text: string);
    valueOf(): number;
    toJSON(): number;
}

/** Parse JSON text the way the client reads answers. */
export function parse(text: string, mode?: NumberMode, textDepth?: number): JsonValue;
/** JSON text of a value: BigInt as digits, JsonText verbatim; throws TypeError for NaN, Infinity, cycles, lone surrogates, and undefined, a function or a symbol as the value itself (as members they are left out and in arrays they are null, as with JSON.stringify). */
export function stringify(value: JsonInput): string;
/** Re-indent JSON text, changing only white space; throws SyntaxError if text is not one JSON value. */
export function prettyText(text: string, indent?: number): string;

/** value → [name, meaning] of every status the client knows. */
export const STATUS: Record<number, [string, string]>;
/** "ValueSize (42)", or "status N". */
export function statusName(status: number): string;

/** The server answered with a failure status. */
export class NdbError extends Error {
    readonly name: 'NdbError';
    /** The command sent, e.g. "KV_SET". */
    readonly command: string;
    /** The answer's st. */
    readonly status: number;
    /** The answer's m ("" when the server said nothing more). */
    readonly serverMessage: string;
    /** The whole answer body. */
    readonly response: Record<string, JsonValue> | undefined;
}

/** No answer within the timeout. */
export class NdbTimeoutError extends Error {
    readonly name: 'NdbTimeoutError';
    readonly code: 'ETIMEDOUT';
    readonly command: string;
    readonly timeout: number;
    /** false: the request was still waiting for a connection, never sent (so not carried out). */
    readonly sent: boolean;
}

/** The connection failed or closed before the answer (the request may or may not have run). */
export class NdbConnectionError extends Error {
    readonly name: 'NdbConnectionError';
    readonly code: 'ECONNECTION';
    readonly command: string | null;
}

/** A pushed change (issue 17), or the client's own {op: "reconnect"} / {op: "overflow"}. */
export interface WatchEvent {
    id: number | bigint;
    op: string;
    key?: string;
    value?: JsonValue;
    tkn?: number | bigint;
    [member: string]: unknown;
}

export interface WatchOptions extends CallOptions {
    /** Include the new value in events. */
    values?: boolean;
    /** Event values as their exact JSON text. */
    text?: boolean;
    /** Unread events kept before the watcher overflows: a whole number, at least 1
     * (default 10000; anything else is a TypeError from watch()). */
    maxBuffered?: number;
}

export class Watcher implements AsyncIterable<WatchEvent> {
    /** The server's id of this watch (changes after a reconnection). */
    readonly id: number | bigint | null;
    readonly family: 'KV' | 'SH';
    readonly ended: boolean;
    /** Why it ended, which its iterator throws: the server's refusal to renew it after a
     *  reconnection, or of the login of a reconnection (which closes the client); else null. */
    readonly error: NdbError | null;
    /** Stop watching (KV_UNWATCH / SH_UNWATCH). */
    close(): Promise<void>;
    [Symbol.asyncIterator](): AsyncIterator<WatchEvent>;
}

/** A session's expiry settings: a plain object of these four members only (another, such as
 *  `ttl`, or a number, a Map or another class's object in place of it, is a TypeError: it would
 *  make a session that never expires). */
export interface ExpiryOptions {
    /** Whole seconds; 0 or absent: never expires.  A flag set to true without a duration throws a
     *  TypeError (it would otherwise be dropped, and the session never expire), and so does a
     *  duration that is not a whole number of seconds, 0 or more (1.5, NaN, "600"). */
    duration?: number | bigint;
    deleteSession?: boolean;
    extendOnGet?: boolean;
    extendOnSetAdd?: boolean;
}

export interface SessionInfo {
    tkn: number | bigint;
    keyCnt: number;
    expires: boolean;
    shared: boolean;
    expiry?: { deleteSession: boolean; duration: number; extendOnGet: boolean; extendOnSetAdd: boolean; remaining: number };
}

/** A write method's options (set, add, clearSet, incr, update, arrAppend, cas): a plain object
 *  or nothing; a number or string in their place (`kv.set({otp: 1}, 30)`, the CLI's TTL after the
 *  value), a Map or another class's object (`new Map([['ttl', 30]])` has no member `ttl`), or a
 *  member other than these (a misspelt `expire`), is a TypeError naming the method: it would
 *  otherwise store a key that never expires. */
export interface SetOptions extends CallOptions {
    /** Seconds until the keys expire (issue 17): set, add and clearSet.  At most three
     *  decimals (ValueSize (42) otherwise); floating-point noise (100.1 * 3 is
     *  300.29999999999995) is taken out before sending.  Top-level keys only: a session's set/add/clearSet answer CommandSyntax (13) naming SH_EXPIRE, its
     *  keys expire with the session (expire()). */
    ttl?: number;
}

export interface GetOptions extends CallOptions {
    /** Values as their exact JSON text (strings). */
    text?: boolean;
}

/** The key commands shared by the top-level keys and a session. */
export interface KeyCommands {
    set(keys: Record<string, JsonInput>, options?: SetOptions): Promise<void>;
    add(keys: Record<string, JsonInput>, options?: SetOptions): Promise<void>;
    get(key: string, options?: GetOptions): Promise<JsonValue | undefined>;
    get(keys: string[], options?: GetOptions): Promise<Record<string, JsonValue>>;
    rmv(keys: string | string[], options?: CallOptions): Promise<void>;
    clear(options?: CallOptions): Promise<number>;
    count(options?: CallOptions): Promise<number>;
    contains(keys: string | string[], options?: CallOptions): Promise<string[]>;
    keys(options?: CallOptions): Promise<string[]>;
    clearSet(keys: Record<string, JsonInput>, options?: SetOptions): Promise<number>;
    /** New values: under numbers "exact", a double sum a JavaScript number would print otherwise (1.0, 1e+16)
     *  is a JsonNumber; a JsonNumber increment sends its text (new JsonNumber('1.0') adds a double). */
    incr(keys: Record<string, number | bigint | JsonNumber>, options?: CallOptions): Promise<Record<string, number | bigint | JsonNumber>>;
}

export interface FindOptions extends CallOptions {
    rsp?: 'keys' | 'paths' | 'kv';
    keys?: string[];
    text?: boolean;
}

export interface KvCommands extends KeyCommands {
    find(path: string, options?: FindOptions & { rsp?: 'keys' | 'paths' }): Promise<string[]>;
    find(path: string, options: FindOptions & { rsp: 'kv' }): Promise<Record<string, JsonValue>>;
    /** KV_UPDATE: the count of nodes replaced; a key, path or value left undefined throws a TypeError naming it, nothing sent (kv.rmv removes a key). */
    update(key: string, path: string, value: Exclude<JsonInput, undefined>, options?: CallOptions): Promise<number>;
    arrAppend(key: string, items: JsonInput[], options?: CallOptions & { name?: string }): Promise<void>;
    save(name: string, options?: CallOptions): Promise<{ duration: number; name: string }>;
    load(name: string, options?: CallOptions): Promise<{ duration: number; keys: number; name: string; sessions: number }>;
    scan(options?: CallOptions & { cursor?: number | bigint; count?: number; prefix?: string }): Promise<{ cursor: number | bigint; keys: string[] }>;
    scanAll(options?: CallOptions & { count?: number; prefix?: string }): AsyncIterable<string>;
    /** KV_EXPIRE: each key's TTL in seconds from now, as SetOptions.ttl (floating-point noise taken out). */
    expire(keys: Record<string, number>, options?: CallOptions): Promise<Record<string, boolean>>;
    ttl(keys: string | string[], options?: CallOptions): Promise<Record<string, number | null>>;
    persist(keys: string | string[], options?: CallOptions): Promise<Record<string, boolean>>;
    /** KV_CAS: store value if key holds expect (null: if it does not exist); value undefined removes the key; expect undefined throws a TypeError, nothing sent. */
    cas(key: string, expect: Exclude<JsonInput, undefined>, value?: JsonInput, options?: SetOptions): Promise<boolean>;
    watch(spec: { keys: string[] } | { prefix: string }, options?: WatchOptions, onEvent?: (event: WatchEvent) => void): Promise<Watcher>;
    /** The callback in the options' place: the default options. */
    watch(spec: { keys: string[] } | { prefix: string }, onEvent: (event: WatchEvent) => void): Promise<Watcher>;
}

export interface SessionCommands extends KeyCommands {
    readonly token: number | bigint;
    info(options?: CallOptions): Promise<SessionInfo>;
    end(options?: CallOptions): Promise<void>;
    /** New expiry settings (SH_EXPIRE); the period starts now; duration 0: never expires.
     *  They replace the old ones: a flag left out is false (pass deleteSession again to keep it). */
    expire(expiry: ExpiryOptions, options?: CallOptions): Promise<void>;
    watch(options?: WatchOptions, onEvent?: (event: WatchEvent) => void): Promise<Watcher>;
    watch(onEvent: (event: WatchEvent) => void): Promise<Watcher>;
}

export interface SessionsCommands {
    create(expiry?: ExpiryOptions, options?: CallOptions): Promise<number | bigint>;
    end(tkn: Token, options?: CallOptions): Promise<void>;
    endAll(options?: CallOptions): Promise<number>;
    exists(tkns: Token | Token[], options?: CallOptions): Promise<Array<number | bigint>>;
    info(tkn: Token, options?: CallOptions): Promise<SessionInfo>;
    infoAll(options?: CallOptions): Promise<{ totalKeys: number; totalSessions: number }>;
    save(name: string, options?: CallOptions & { tkns?: Token | Token[] }): Promise<{ duration: number; name: string }>;
    load(name: string, options?: CallOptions): Promise<{ keys: number; name: string; sessions: number }>;
    scan(options?: CallOptions & { cursor?: number | bigint; count?: number }): Promise<{ cursor: number | bigint; sessions: SessionInfo[] }>;
    scanAll(options?: CallOptions & { count?: number }): AsyncIterable<SessionInfo>;
    watch(spec: { tkns: Token | Token[] } | { all: true }, options?: WatchOptions, onEvent?: (event: WatchEvent) => void): Promise<Watcher>;
    watch(spec: { tkns: Token | Token[] } | { all: true }, onEvent: (event: WatchEvent) => void): Promise<Watcher>;
}

export type ClientEvent = 'open' | 'close' | 'reconnecting' | 'error' | 'event';

/** One connection to a server, with requests in flight, reconnection and authentication. */
export class Client {
    constructor(url: string, options?: Options);
    readonly url: string;
    readonly numbers: NumberMode;
    /** idle, connecting, open or closed. */
    readonly state: 'idle' | 'connecting' | 'open' | 'closed';
    /** After SV_AUTH: the user and role the server confirmed. */
    readonly user: string | null;
    readonly role: string | null;
    /** Connect (and authenticate); resolves when ready.  A first connection that fails rejects and closes the client. */
    open(): Promise<this>;
    /** Close for good: waiting requests are rejected, watchers end. */
    close(): void;
    /** "event" listeners also get the pushed message's text as received, and the Watcher it goes to (undefined: none). */
    on(event: ClientEvent, listener: (arg: any, text?: string, watcher?: Watcher) => void): this;
    off(event: ClientEvent, listener: (arg: any, text?: string, watcher?: Watcher) => void): this;
    /** Send {cmd: body}; resolves with the answer body, rejects with NdbError on a failure status
     *  (and with a TypeError, nothing sent, for an option it does not take, as every method). */
    request(cmd: string, body?: Record<string, JsonInput>, options?: RequestOptions): Promise<Record<string, JsonValue>>;
    /** Send a request as it is; resolves with the whole response (or its text), failure or not (text with a lone surrogate: TypeError). */
    raw(request: string | Record<string, JsonInput>, options: CallOptions & { text: true }): Promise<string>;
    raw(request: string | Record<string, JsonInput>, options?: CallOptions & { text?: false }): Promise<Record<string, JsonValue>>;
    /** SV_AUTH, now and after every reconnection. */
    auth(user: string, password: string): Promise<{ role: string; user: string }>;
}

/** A client with a method for every command. */
export class Ndb extends Client {
    readonly kv: KvCommands;
    readonly sessions: SessionsCommands;
    session(tkn: Token): SessionCommands;
    info(options?: CallOptions): Promise<Record<string, JsonValue>>;
}

/** Connect and resolve with a ready client. */
export function connect(url: string, options?: Options): Promise<Ndb>;

/** A session token checked and put in wire form, as answers and events carry it: a number up to
 *  2^53−1 (token('123') is 123), a BigInt above; so is `db.session(t).token`. */
export function token(t: Token | JsonNumber): number | bigint;

/** Which method sends each command. */
export const COMMAND_METHODS: Record<string, string>;
