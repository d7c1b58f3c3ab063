// options.js — how the client checks what a caller passes as options (the
// constructor's, every method's last argument) and shows a wrong argument in
// a TypeError.  Shared by client.js (the constructor, request, raw) and
// commands.js (every command's method).

// How a wrong argument is shown in a TypeError: strings quoted, arrays and
// objects by what they are (their contents may be large or secret).
export function shown(v) {
    if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
    if (v === null || v === undefined) return String(v);
    if (Array.isArray(v)) return 'an array';
    if (typeof v !== 'object') return `the ${typeof v === 'bigint' ? 'BigInt' : typeof v} ${String(v)}`;
    const name = Object.getPrototypeOf(v)?.constructor?.name;
    // "an Opts", "a Map": the article goes by the name's first letter
    return name && name !== 'Object' ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object';
}

// A plain object ({...}, or one made by Object.create(null)).  Options and
// expiry settings are read from its own members: a Map of them
// (new Map([['ttl', 30]])), a Date or a boxed number (new Number(600)) has
// none, so taking one would drop what it holds without a word: a key or a
// session that never expires.
export function plainObject(v) {
    const proto = v !== null && typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    return proto === Object.prototype || proto === null;
}

// A method's options are a plain object of the members it takes (`known`)
// or nothing.  kv.set({otp: 1}, 30) or kv.cas('otp', null, 1, 30), the
// CLI's TTL after the value, would otherwise store a key that never
// expires, without a word; so would a misspelt {expire: 30} or {TTL: 30};
// and a read's misspelt {txt: true} or {timout: 100} would quietly do what
// was not asked.
export function checkOptions(o, method, known, example = '{timeout: 5000}') {
    if (o == null) return;
    if (!plainObject(o))
        throw new TypeError(`${method}'s options are an object such as ${example}; got ${shown(o)}`);
    for (const k of Object.keys(o)) {
        // a member left undefined asks for nothing (as {prefix: p || undefined})
        if (o[k] !== undefined && !known.includes(k))
            throw new TypeError(`${method}: unknown option '${k}' (its options are ${known.join(', ')})`);
    }
}
