// types-check.ts — compiled (never run) by types.test.mjs with tsc --strict:
// typical uses of the client must type-check against ndb.d.ts, and misuses
// marked @ts-expect-error must not.
import { connect, JsonNumber, JsonText, NdbError, type JsonValue, type Watcher } from '../ndb.js';

export async function uses(): Promise<void> {
    const db = await connect('ws://127.0.0.1:1987/', { numbers: 'exact', timeout: 5000, reconnect: { maxDelay: 1000 } });
    await db.kv.set({ a: 1, b: new JsonText('1.0'), c: 18446744073709551615n, d: { e: [true, null] } });
    const one: JsonValue | undefined = await db.kv.get('a');
    const many: Record<string, JsonValue> = await db.kv.get(['a', 'b'], { text: true });
    const n: number = await db.kv.count();
    const keys: string[] = await db.kv.find('$..x', { rsp: 'paths' });
    const kv: Record<string, JsonValue> = await db.kv.find('$', { rsp: 'kv' });
    const page: { cursor: number | bigint; keys: string[] } = await db.kv.scan({ prefix: 'user:', count: 10 });
    for await (const k of db.kv.scanAll({ prefix: 'user:' })) void k.toUpperCase();
    const t = await db.sessions.create({ duration: 60, deleteSession: true });
    await db.session(t).set({ x: 1 });
    const info = await db.sessions.info(t);
    const left: number | undefined = info.expiry?.remaining;
    const w: Watcher = await db.kv.watch({ prefix: 'user:' }, { values: true });
    for await (const ev of w) void ev.op;
    const why: NdbError | null = w.error; // a refused renewal, else null
    const leased: boolean = await db.kv.cas('lock', null, 'me', { ttl: 30 });
    const cleared: number = await db.kv.clearSet({ cache: [] }, { ttl: 60 });
    const released: boolean = await db.kv.cas('lock', 'me'); // no value: remove on a match
    // exact numbers: an integral double sum comes back as JsonNumber '1.0', and a
    // JsonNumber increment is how a double 1.0 is sent
    const sums = await db.kv.incr({ score: new JsonNumber('1.0'), hits: 1 });
    const score: number = sums.score instanceof JsonNumber ? sums.score.valueOf() : Number(sums.score);
    await db.session(t).watch({ values: true });
    await db.sessions.watch({ all: true }, (ev) => void ev.op); // the callback in the options' place
    const role: string = (await db.auth('alice', 'secret')).role;
    const text: string = await db.raw('{"KV_COUNT":{}}', { text: true });
    try {
        await db.kv.rmv([]);
    } catch (e) {
        if (e instanceof NdbError) void [e.command, e.status, e.serverMessage];
    }
    // @ts-expect-error: keys of get must be strings
    await db.kv.get([1, 2]);
    // @ts-expect-error: no such number mode
    await connect('ws://127.0.0.1:1987/', { numbers: 'bigint' });
    void [one, many, n, keys, kv, page, left, role, text, leased, cleared, released, score, why];
    db.close();
}
