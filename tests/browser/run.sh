#!/bin/sh
# run.sh — every browser test of this directory (*.test.mjs, with
# `node --test`), for ctest's "browser" test.  Fails with one line saying
# what to install when node, chromium or tests/browser/node_modules is
# missing (.ci/install-deps installs all three).  $NDB is the binary under
# test.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1; then
    echo "browser tests: node is not installed (Debian: apt-get install nodejs npm; see .ci/install-deps)" >&2
    exit 1
fi
if [ ! -x "$chromium" ]; then
    echo "browser tests: $chromium is missing (Debian: apt-get install chromium; or set CHROMIUM)" >&2
    exit 1
fi
if [ ! -d "$dir/node_modules/playwright-core" ]; then
    echo "browser tests: tests/browser/node_modules is missing: run 'npm ci' in tests/browser" >&2
    exit 1
fi
cd "$dir"
exec node --test .
