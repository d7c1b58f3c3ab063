// fake_only.mjs — the commands of other issues (14: SV_AUTH; 17: watches,
// expiry, counters) that the client has methods for but this server may not
// have yet.  fake.test.mjs tests them against a fake server speaking those
// issues' shapes; commands.test.mjs excuses them from its real-server
// coverage check.  When the server has one, test it in commands.test.mjs and
// remove it from here.
export const FAKE_ONLY = ['SV_AUTH', 'KV_WATCH', 'KV_UNWATCH', 'SH_WATCH', 'SH_UNWATCH', 'KV_EXPIRE', 'KV_TTL',
    'KV_PERSIST', 'KV_INCR', 'KV_CAS', 'SH_INCR', 'SH_EXPIRE'];
