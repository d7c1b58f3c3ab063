// chromium.mjs — start Debian's chromium (/usr/bin/chromium, or $CHROMIUM)
// headless for a test, driven by playwright-core, with the flags that keep it
// off the network: no background networking, no component updates, no sync,
// no QUIC.  playwright gives each launch a fresh, temporary profile.  The
// tests only ever point it at ndb on loopback.
import { chromium } from 'playwright-core';

export const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// A headless chromium; the caller closes it (browser.close()).  extraArgs:
// more command-line flags (e.g. --host-resolver-rules to point a test name at
// loopback).
export function launchBrowser(extraArgs = []) {
    return chromium.launch({
        executablePath,
        headless: true,
        args: [
            '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
            ...extraArgs,
        ],
    });
}
