// chart.js — a small live line chart (SVG) of the last N samples of one
// figure, with its current value as text beside it.  No library: a
// polyline scaled to the samples' own maximum.

const SVG = 'http://www.w3.org/2000/svg';
const W = 240, H = 60;

export class Chart {
    // el: the element to draw into; title: what is measured; format: how a
    // value is written (number → text); size: samples kept.
    constructor(el, title, format, size = 60) {
        this.samples = [];
        this.size = size;
        this.format = format;
        this.svg = document.createElementNS(SVG, 'svg');
        this.svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
        this.svg.setAttribute('preserveAspectRatio', 'none');
        this.svg.setAttribute('role', 'img');
        this.svg.setAttribute('aria-label', title);
        this.area = document.createElementNS(SVG, 'polygon');
        this.area.setAttribute('class', 'area');
        this.line = document.createElementNS(SVG, 'polyline');
        this.line.setAttribute('class', 'line');
        this.svg.append(this.area, this.line);
        this.value = document.createElement('span');
        this.value.className = 'value';
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = title;
        const head = document.createElement('div');
        head.className = 'chart-head';
        head.append(name, this.value);
        el.replaceChildren(head, this.svg);
        el.dataset.samples = '0';
    }

    // Add a sample and redraw.
    push(v) {
        this.samples.push(Number(v));
        if (this.samples.length > this.size) this.samples.shift();
        const max = Math.max(1, ...this.samples);
        // the line grows from the left until the window is full, then scrolls
        const step = W / (this.size - 1);
        const pts = this.samples.map((s, i) => `${(i * step).toFixed(1)},${(H - 2 - (s / max) * (H - 4)).toFixed(1)}`);
        const xn = ((this.samples.length - 1) * step).toFixed(1);
        this.line.setAttribute('points', pts.join(' '));
        this.area.setAttribute('points', `0,${H} ${pts.join(' ')} ${xn},${H}`);
        this.value.textContent = this.format(v);
        this.svg.parentElement.dataset.samples = String(this.samples.length);
    }
}
