// json.js — JSON text in and out without losing numbers.
//
// JSON.parse turns every number into a double: integers above 2^53 change
// (18446744073709551615 reads back as 18446744073709552000) and the text of
// a number is lost (1.0 reads as 1, 1e400 as Infinity).  ndb keeps every
// value's exact text, so this client offers two ways to read numbers:
//
//   "safe" (the default): numbers are JavaScript numbers, as JSON.parse
//       gives them, except integers outside ±(2^53−1), which become BigInt
//       so that they are never silently rounded (session tokens above 2^53
//       among them).  Fractions and exponents are doubles (1.0 → 1).
//   "exact": every number reads back to exactly its text: integers are
//       numbers (BigInt beyond 2^53), and any other number whose text a
//       double would not print back the same way (1.0, 1e400, 0.10, -0)
//       becomes a JsonNumber holding its text.
//
// stringify() writes BigInt as its digits and JsonText (and JsonNumber)
// verbatim, so whatever was read comes back out byte for byte.
// parse() also accepts `textDepth`: values nested exactly that deep come
// back as their JSON source text (a string), for callers that want a
// stored value's exact bytes (member order, escapes, duplicates and all).

// JSON text kept as written: a whole value, or a number's literal.  The
// text is checked to be exactly one JSON value (white space around it is
// dropped), so it can never break out of the request it is put into.
export class JsonText {
    // text: one JSON value.  Throws SyntaxError if it is not, TypeError if
    // it holds a lone surrogate (which the WebSocket would send as U+FFFD,
    // storing a value other than the one written).
    constructor(text) {
        if (typeof text !== 'string') throw new TypeError('JsonText needs a string of JSON text');
        unicode(text);
        const p = new Parser(text, 'exact', -1);
        p.ws();
        const start = p.i;
        p.value(0);
        const end = p.i;
        p.ws();
        if (p.i !== text.length) p.fail('unexpected text after the value');
        this.text = start === 0 && end === text.length ? text : text.slice(start, end);
    }
    toString() { return this.text; }
    // For JSON.stringify (which cannot write raw text): the parsed value.
    toJSON() { return JSON.parse(this.text); }
}

// A number kept as its literal text ("1.0", "1e400").  Arithmetic works
// through valueOf() (with a double's precision); stringify() writes the text.
export class JsonNumber extends JsonText {
    constructor(text) {
        super(text);
        if (!NUMBER_RE.test(this.text)) throw new SyntaxError(`not a JSON number: ${this.text}`);
    }
    valueOf() { return Number(this.text); }
    toJSON() { return Number(this.text); }
}

// A JsonNumber of text the parser has just matched (no second check).
function numberText(t) {
    const n = Object.create(JsonNumber.prototype);
    n.text = t;
    return n;
}

const NUMBER_RE = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const NUMBER_AT = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const LONG_DIGITS = /[0-9]{16}/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Every value parse() can return, for parse's callers to check options.
export const NUMBER_MODES = ['safe', 'exact'];

// Parse JSON text.  mode: "safe" or "exact" (see the top of this file);
// textDepth: values at this nesting depth (the root is 0) are returned as
// their source text, -1 for none.  Throws SyntaxError on invalid JSON.
export function parse(text, mode = 'safe', textDepth = -1) {
    // A number of 15 digits or fewer is an exact double, so text without a
    // run of 16 digits parses natively to the same result in safe mode.
    if (mode === 'safe' && textDepth < 0 && !LONG_DIGITS.test(text)) return JSON.parse(text);
    const p = new Parser(text, mode, textDepth);
    p.ws();
    const v = p.value(0);
    p.ws();
    if (p.i !== text.length) p.fail('unexpected text after the value');
    return v;
}

// A recursive-descent parser over one string.  Objects are built like
// JSON.parse builds them: later duplicates win, and a member named
// "__proto__" is an own property, never the prototype.
class Parser {
    constructor(text, mode, textDepth) {
        this.s = text;
        this.i = 0;
        this.exact = mode === 'exact';
        this.textDepth = textDepth;
    }

    // At the end of the text (an unterminated string aside) the reason is
    // that: "unexpected character" at position 7 of a 7-character text named
    // a character that is not there.
    fail(why) {
        if (this.i >= this.s.length && why !== 'unterminated string') {
            this.i = this.s.length;
            why = /^[ \t\r\n]*$/.test(this.s) ? 'the text is empty' : 'the text ends before the value is complete';
        }
        throw new SyntaxError(`invalid JSON at position ${this.i}: ${why}`);
    }

    // "unexpected 'x'", or its code point for a character that would not show.
    unexpected() {
        if (this.i >= this.s.length) return this.fail('');
        const cp = this.s.codePointAt(this.i);
        const invisible = cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp === 0xad || (cp >= 0x200b && cp <= 0x200f) ||
            (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp === 0xfeff;
        return this.fail(invisible ? `unexpected U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `unexpected '${String.fromCodePoint(cp)}'`);
    }

    ws() {
        const s = this.s;
        let i = this.i;
        for (;;) {
            const c = s.charCodeAt(i);
            if (c === 32 || c === 10 || c === 13 || c === 9) i++;
            else break;
        }
        this.i = i;
    }

    value(depth) {
        if (depth === this.textDepth) {
            const start = this.i;
            this.value(-2); // parsed for validation only; -2 never equals textDepth
            return this.s.slice(start, this.i);
        }
        const next = depth < 0 ? depth : depth + 1;
        const c = this.s.charCodeAt(this.i);
        if (c === 123) return this.object(next);
        if (c === 91) return this.array(next);
        if (c === 34) return this.string();
        if (c === 116) return this.word('true', true);
        if (c === 102) return this.word('false', false);
        if (c === 110) return this.word('null', null);
        return this.number();
    }

    object(depth) {
        const o = {};
        this.i++;
        this.ws();
        if (this.s.charCodeAt(this.i) === 125) {
            this.i++;
            return o;
        }
        for (;;) {
            if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a member name');
            const k = this.string();
            this.ws();
            if (this.s.charCodeAt(this.i) !== 58) this.fail("expected ':'");
            this.i++;
            this.ws();
            const v = this.value(depth);
            if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
            else o[k] = v;
            this.ws();
            const c = this.s.charCodeAt(this.i++);
            if (c === 125) return o;
            if (c !== 44) this.fail("expected ',' or '}'");
            this.ws();
        }
    }

    array(depth) {
        const a = [];
        this.i++;
        this.ws();
        if (this.s.charCodeAt(this.i) === 93) {
            this.i++;
            return a;
        }
        for (;;) {
            this.ws();
            a.push(this.value(depth));
            this.ws();
            const c = this.s.charCodeAt(this.i++);
            if (c === 93) return a;
            if (c !== 44) this.fail("expected ',' or ']'");
        }
    }

    string() {
        const s = this.s;
        const start = this.i;
        let i = start + 1, escaped = false;
        for (;;) {
            const c = s.charCodeAt(i);
            if (c === 34) break;
            if (c === 92) {
                escaped = true;
                i += 2;
            } else if (c < 32 || Number.isNaN(c)) {
                this.i = i;
                this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in a string');
            } else i++;
        }
        this.i = i + 1;
        if (!escaped) return s.slice(start + 1, i);
        try {
            return JSON.parse(s.slice(start, i + 1)); // the engine decodes escapes
        } catch {
            this.i = start;
            return this.fail('invalid escape in a string');
        }
    }

    word(w, v) {
        if (!this.s.startsWith(w, this.i)) this.fail(`expected ${w}`);
        this.i += w.length;
        return v;
    }

    number() {
        NUMBER_AT.lastIndex = this.i;
        const m = NUMBER_AT.exec(this.s);
        if (!m) this.unexpected();
        const t = m[0];
        this.i += t.length;
        if (m[1] === undefined && m[2] === undefined) { // an integer literal
            if (t.length < 16) return t === '-0' && this.exact ? numberText(t) : Number(t);
            const b = BigInt(t);
            return b > MAX_SAFE || b < -MAX_SAFE ? b : Number(t);
        }
        const d = Number(t);
        if (this.exact && String(d) !== t) return numberText(t);
        return d;
    }
}

// JSON text of v, like JSON.stringify(v) with these differences: BigInt is
// written as its digits; JsonText/JsonNumber as their text; a number that
// is not finite, a string with a lone surrogate, and a value that cannot be
// written at all (undefined, a function, a symbol at the top, a cycle),
// throw TypeError instead of turning into null, vanishing or changing.
// Members whose value is undefined, a function or a symbol are left out, as
// JSON.stringify does.
export function stringify(v) {
    const out = [];
    write(v, out, new Set());
    return out.join('');
}

// A lone surrogate (half of a UTF-16 pair) is no Unicode character: the
// server cannot store it and drops it from names it decodes (a key
// "a\udc00" would be stored as "a", over whatever "a" held), and text sent
// as it is (JsonText, raw()) would reach it as U+FFFD, so such a string is
// refused before anything is sent.  Returns s.
// (No lookbehind: browsers before Safari 16.4 cannot parse it.)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

export function unicode(s) {
    const ok = typeof s.isWellFormed === 'function' ? s.isWellFormed() : !LONE_SURROGATE.test(s);
    if (!ok) throw new TypeError(`a string with a lone surrogate (not Unicode text) cannot be sent as JSON: ${JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s)}`);
    return s;
}

function write(v, out, seen) {
    switch (typeof v) {
    case 'string':
        out.push(JSON.stringify(unicode(v)));
        return;
    case 'number':
        if (!Number.isFinite(v)) throw new TypeError(`${v} cannot be sent as JSON`);
        out.push(String(v));
        return;
    case 'bigint':
        out.push(v.toString());
        return;
    case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
    case 'object':
        break;
    default:
        // undefined (a member never set), a function, a symbol
        throw new TypeError(`${v === undefined ? 'undefined' : `a ${typeof v}`} cannot be sent as JSON`);
    }
    if (v === null) {
        out.push('null');
        return;
    }
    if (v instanceof JsonText) {
        out.push(v.text);
        return;
    }
    if (seen.has(v)) throw new TypeError('a value that contains itself cannot be sent as JSON');
    if (typeof v.toJSON === 'function') {
        write(v.toJSON(), out, seen);
        return;
    }
    seen.add(v);
    if (Array.isArray(v)) {
        out.push('[');
        for (let i = 0; i < v.length; i++) {
            if (i) out.push(',');
            const e = v[i];
            if (e === undefined || typeof e === 'function' || typeof e === 'symbol') out.push('null');
            else write(e, out, seen);
        }
        out.push(']');
    } else {
        out.push('{');
        let first = true;
        for (const k of Object.keys(v)) {
            const e = v[k];
            if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
            if (!first) out.push(',');
            first = false;
            out.push(JSON.stringify(unicode(k)), ':');
            write(e, out, seen);
        }
        out.push('}');
    }
    seen.delete(v);
}

// Re-indent JSON text for people, changing nothing but white space: every
// literal (numbers, strings with their escapes) is copied as it is, so the
// result means exactly what the input meant.  indent: spaces per level.
// Text that is not one JSON value throws a SyntaxError (as JsonText does).
export function prettyText(text, indent = 2) {
    new JsonText(text); // one JSON value, or a SyntaxError (the loop below trusts the text)
    const out = [];
    let level = 0, i = 0;
    const n = text.length;
    const newline = () => out.push('\n', ' '.repeat(level * indent));
    while (i < n) {
        const c = text[i];
        if (c === '"') {
            let j = i + 1;
            while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
            out.push(text.slice(i, j + 1));
            i = j + 1;
            continue;
        }
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
            i++;
            continue;
        }
        if (c === '{' || c === '[') {
            let j = i + 1;
            while (j < n && ' \n\r\t'.includes(text[j])) j++;
            if (text[j] === (c === '{' ? '}' : ']')) { // empty: keep it on one line
                out.push(c, text[j]);
                i = j + 1;
                continue;
            }
            out.push(c);
            level++;
            newline();
        } else if (c === '}' || c === ']') {
            level--;
            newline();
            out.push(c);
        } else if (c === ',') {
            out.push(',');
            newline();
        } else if (c === ':') {
            out.push(': ');
        } else {
            let j = i;
            while (j < n && !',:{}[] \n\r\t"'.includes(text[j])) j++;
            out.push(text.slice(i, j));
            i = j;
            continue;
        }
        i++;
    }
    return out.join('');
}
