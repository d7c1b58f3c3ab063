// page.mjs — what the console's browser tests share: a page of headless
// chromium that fails the test on any script error or Content-Security-
// Policy violation, `ndb send` to set up and check data without the
// browser, and screenshots.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NDB } from '../../clients/js/test/server.mjs';
import { launchBrowser } from './chromium.mjs';

export { Server } from '../../clients/js/test/server.mjs';

// Where screenshots go ($SCREENSHOTS, else tests/browser/screenshots/, not committed).
export const SHOTS = process.env.SCREENSHOTS || fileURLToPath(new URL('./screenshots/', import.meta.url));

// Send raw requests to url with `ndb send`; the answers, one per line.
export function send(url, ...requests) {
    return execFileSync(NDB, ['send', '--url', url, ...requests], { encoding: 'utf8' }).trimEnd().split('\n');
}

// A browser for a test file; close it in after().
export async function browser() {
    return launchBrowser();
}

// A new page that records every error the page reports (script errors,
// console errors, CSP refusals) in page.errors, answers confirm() dialogs
// with OK, and waits at most 10 s for anything.
export async function newPage(b, viewport = { width: 1200, height: 760 }) {
    const page = await b.newPage({ viewport });
    page.setDefaultTimeout(10000);
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
    page.on('dialog', (d) => d.accept());
    return page;
}

// Open the console at url (http://...) on view ("keys", ...), ready to use.
export async function openConsole(page, url, view = 'keys') {
    await page.goto(`${url}#${view}`);
    await page.waitForSelector('body[data-ready="true"]');
}

// No script error and no CSP violation happened on page.
export function noErrors(page) {
    assert.deepEqual(page.errors, []);
}

// Save a screenshot of page as NAME.png under SHOTS.
export async function shot(page, name) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

// The text of every element matching selector.
export function texts(page, selector) {
    return page.locator(selector).allTextContents();
}
