// socket.js — finding a WebSocket implementation, in browsers and in Node.
//
// In order: the one passed in the options (any class with the browser's
// WebSocket interface), the global WebSocket (browsers, Deno, Bun,
// Node 22+), else the `ws` package if it is installed (Node 18 and 20
// have no global WebSocket).  Nothing is imported in a browser.

let wsPackage = null;

// The WebSocket class to use.  given: the `WebSocket` option, or undefined.
// Throws a TypeError naming the remedies when there is none.
export async function findWebSocket(given) {
    if (given) return given;
    if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
    if (!wsPackage) {
        const name = 'ws'; // a variable, so that bundlers do not try to resolve it for browsers
        try {
            const m = await import(name);
            wsPackage = m.WebSocket || m.default;
        } catch {
            throw new TypeError('no WebSocket implementation: install the "ws" package (npm install ws), ' +
                'pass one as the WebSocket option, or use Node 22 or later');
        }
    }
    return wsPackage;
}

const decoder = new TextDecoder();

// The text of a message event's data: a string from browsers and `ws`
// (text frames), bytes from some other implementations.
export function messageText(data) {
    if (typeof data === 'string') return data;
    if (data instanceof ArrayBuffer) return decoder.decode(new Uint8Array(data));
    if (ArrayBuffer.isView(data)) return decoder.decode(data);
    return String(data);
}
