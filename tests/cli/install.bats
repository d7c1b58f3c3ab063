#!/usr/bin/env bats
# `cmake --install BUILD --prefix DIR`: everything lands inside DIR (the
# config too, not /usr/local/etc, and private), and the installed systemd
# unit runs the binary of DIR on the config of DIR (handed over by systemd).  The .deb (prefix /usr, config in /etc) is
# checked by tests/packaging/check.sh.

load helpers

@test "cmake --install --prefix DIR writes only inside DIR; the unit names DIR's files" {
    command -v cmake >/dev/null || skip "cmake is not installed"
    local build prefix="$BATS_TEST_TMPDIR/prefix" f
    build=$(dirname "$NDB")
    [ -f "$build/CMakeCache.txt" ] || skip "$NDB is not in a CMake build directory"
    grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$build/CMakeCache.txt" && skip "configured for /usr"
    cmake --install "$build" --prefix "$prefix" >/dev/null
    while IFS= read -r f; do
        [[ "$f" == "$prefix/"* ]] || { echo "installed outside the prefix: $f" >&2; return 1; }
    done <"$build/install_manifest.txt"
    [ -x "$prefix/bin/ndb" ]
    [ -f "$prefix/etc/ndb/ndb.jsonc" ]
    # private: once it holds users it holds their password hashes
    [ "$(stat -c %a "$prefix/etc/ndb/ndb.jsonc")" = 600 ]
    grep -qxF "LoadCredential=ndb.jsonc:$prefix/etc/ndb/ndb.jsonc" "$prefix/lib/systemd/system/ndb.service"
    grep -qxF "ExecStart=$prefix/bin/ndb serve --config %d/ndb.jsonc" "$prefix/lib/systemd/system/ndb.service"
}
