// fifo.js — a first-in, first-out queue with O(1) push and shift, for the
// requests waiting for their answers (thousands may be in flight at once;
// Array.prototype.shift would move every element each time).

export class Fifo {
    constructor() {
        this.items = [];
        this.head = 0;
    }

    get length() { return this.items.length - this.head; }

    push(x) { this.items.push(x); }

    // The oldest item, removed; undefined when empty.
    shift() {
        if (this.head === this.items.length) return undefined;
        const x = this.items[this.head];
        this.items[this.head++] = undefined;
        if (this.head > 1024 && this.head * 2 > this.items.length) { // drop the consumed front now and then
            this.items = this.items.slice(this.head);
            this.head = 0;
        }
        return x;
    }

    // Remove every item and return them, oldest first.
    drain() {
        const all = this.items.slice(this.head);
        this.items = [];
        this.head = 0;
        return all;
    }
}
