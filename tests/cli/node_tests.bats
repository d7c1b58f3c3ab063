#!/usr/bin/env bats
# tests/node_tests.sh, the runner of the Node tests (clients/js, tests/browser):
# whatever the tests start and leave behind (ndb servers, browsers) ends with
# node, and node's exit status is the runner's.

setup() {
    command -v node >/dev/null || skip "node is not installed"
    RUNNER="$BATS_TEST_DIRNAME/../node_tests.sh"
    MARK="ndb-node-tests-orphan-$$-$BATS_TEST_NUMBER"
    mkdir -p "$BATS_TEST_TMPDIR/t"
}

teardown() { pkill -f "$MARK" 2>/dev/null || true; }

# orphan_gone: the process named $MARK is gone (within 5 s)
orphan_gone() {
    local i
    for i in $(seq 1 100); do
        pgrep -f "$MARK" >/dev/null || return 0
        sleep 0.05
    done
    return 1
}

@test "node_tests.sh: a process a test leaves behind ends with node" {
    cat >"$BATS_TEST_TMPDIR/t/orphan.test.mjs" <<JS
import test from 'node:test';
import { spawn } from 'node:child_process';
test('starts a process and leaves it running', () => {
    spawn('bash', ['-c', 'exec -a $MARK sleep 300'], { stdio: 'ignore' }).unref();
});
JS
    run bash "$RUNNER" "$BATS_TEST_TMPDIR/t"
    [ "$status" -eq 0 ]
    orphan_gone
}

@test "node_tests.sh: a failing test fails the run, and its leftovers end too" {
    cat >"$BATS_TEST_TMPDIR/t/fails.test.mjs" <<JS
import test from 'node:test';
import { spawn } from 'node:child_process';
test('starts a process, then fails', () => {
    spawn('bash', ['-c', 'exec -a $MARK sleep 300'], { stdio: 'ignore' }).unref();
    throw new Error('this test fails');
});
JS
    run bash "$RUNNER" "$BATS_TEST_TMPDIR/t"
    [ "$status" -eq 1 ]
    orphan_gone
}
