// types.test.mjs — ndb.d.ts compiles, and describes the client as it is
// used (test/types-check.ts, checked by the TypeScript compiler, strict).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

test('tsc --strict accepts ndb.d.ts and test/types-check.ts', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const check = fileURLToPath(new URL('./types-check.ts', import.meta.url));
    let out = '';
    try {
        execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
            '--moduleResolution', 'nodenext', check], { encoding: 'utf8' });
    } catch (e) {
        out = `${e.stdout}${e.stderr}`;
    }
    assert.equal(out, '');
});
