#!/usr/bin/env bash
# node_tests.sh [--chromium] TEST_DIR PACKAGE_DIR... — run the Node test-runner tests of
# TEST_DIR (node --test over its *.test.mjs) against the ndb binary in $NDB, once each
# PACKAGE_DIR has its npm dependencies installed (npm ci there, from its
# lockfile).  ctest runs it for clients/js (the JavaScript client) and
# tests/browser (the console in chromium, which also uses the client's
# test servers).  Fails with one clear line when node or the dependencies
# are missing: `bash .ci/install-deps` installs both.  --chromium: the
# tests drive Debian's chromium (/usr/bin/chromium, or $CHROMIUM), so check
# that it is there first.  Servers and browsers the tests leave behind
# (node killed, or a test that hangs) are ended when node ends.
set -euo pipefail
if [ "${1:-}" = --chromium ]; then
    shift
    chromium=${CHROMIUM:-/usr/bin/chromium}
    if [ ! -x "$chromium" ]; then
        echo "node_tests.sh: $chromium is missing (apt-get install chromium, or set CHROMIUM; bash .ci/install-deps)" >&2
        exit 1
    fi
fi
dir=$1
shift
if ! command -v node >/dev/null; then
    echo "node_tests.sh: node is not installed (bash .ci/install-deps, or apt-get install nodejs npm)" >&2
    exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
    echo "node_tests.sh: node $(node --version) is too old: 18 or later is needed" >&2
    exit 1
fi
for pkg in "$@"; do
    if [ ! -d "$pkg/node_modules" ]; then
        echo "node_tests.sh: $pkg/node_modules is missing: run (cd $pkg && npm ci), or bash .ci/install-deps" >&2
        exit 1
    fi
done
# the *.test.mjs files only: given a directory, node --test would also run
# every helper module under a directory named test
shopt -s nullglob
files=("$dir"/*.test.mjs)
if [ "${#files[@]}" -eq 0 ]; then
    echo "node_tests.sh: no *.test.mjs file in $dir" >&2
    exit 1
fi
# node runs in a process group of its own, and whatever is left of that group
# when it ends — the ndb servers and browsers the tests started — is ended
# too, however node ended (a test that hangs and is killed, kill -9, Ctrl-C)
setsid node --test "${files[@]}" &
node_pid=$!
trap 'kill -TERM -- "-$node_pid" 2>/dev/null || true' EXIT
wait "$node_pid"
