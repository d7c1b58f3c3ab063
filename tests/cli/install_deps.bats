#!/usr/bin/env bats
# .ci/install-deps: 'run' installs only what building and running needs;
# no argument (what CI runs) installs that plus what testing needs.  apt
# and dpkg are replaced by stubs that report nothing installed and record
# what would be installed, so nothing is installed for real.

setup() {
    STUB="$BATS_TEST_TMPDIR/bin"
    mkdir -p "$STUB"
    printf '#!/bin/sh\nexit 1\n' >"$STUB/dpkg-query"
    printf '#!/bin/sh\n[ "$1" = update ] || echo "$@" >>"%s"\n' "$BATS_TEST_TMPDIR/installed" >"$STUB/apt-get"
    chmod +x "$STUB/dpkg-query" "$STUB/apt-get"
    DEPS="$BATS_TEST_DIRNAME/../../.ci/install-deps"
}

# installs ARGS...: the packages install-deps ARGS asks apt to install.
installs() {
    rm -f "$BATS_TEST_TMPDIR/installed"
    PATH="$STUB:$PATH" bash "$DEPS" "$@" >/dev/null
    tr ' ' '\n' <"$BATS_TEST_TMPDIR/installed" | grep -v -e '^-' -e '^install$' | sort | tr '\n' ' '
}

@test "install-deps run: the toolchain and the libraries, nothing for testing" {
    run installs run
    [ "$status" -eq 0 ]
    [ "$output" = "build-essential cmake libedit-dev libjansson-dev libpcre2-dev libwebsockets-dev pkg-config " ]
}

@test "install-deps (CI): everything run needs, and what the tests need" {
    run installs
    [ "$status" -eq 0 ]
    local p
    for p in build-essential cmake libwebsockets-dev bats tmux jq mandoc zsh fish systemd clang valgrind dpkg-dev; do
        [[ " $output" == *" $p "* ]] || { echo "missing $p: $output" >&2; return 1; }
    done
    run bash "$DEPS" bogus
    [ "$status" -eq 2 ]
}
