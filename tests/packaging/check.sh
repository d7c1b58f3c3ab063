#!/usr/bin/env bash
# Packaging check (issue 8): configure a release build for prefix /usr,
#   1. `cmake --install` into a staging directory (DESTDIR) and compare the
#      exact list of installed files; check the copyright file (DEP-5 format,
#      the license text of LICENSE);
#   2. `cpack -G DEB` (and that it refuses a build for another prefix),
#      then check the package with dpkg-deb: its file list
#      (the same as the staged one), its copyright file, its metadata (Package, Version,
#      Architecture, Maintainer, Section, Description, Depends on the
#      libraries the binary links) and its conffiles;
#   3. install the .deb with dpkg into a throwaway root (its own admin
#      directory; nothing on this machine changes; the maintainer scripts
#      run without chroot, on that root through DPKG_ROOT, so that this
#      machine's deb-systemd-helper enables the unit there) and run the
#      installed `ndb --version`, `ndb serve` with the installed example
#      config (and again: the journal it turns on keeps the data across a
#      restart), and the installed man pages and completions;
#   4. `systemd-analyze verify` the installed unit (when systemd-analyze
#      exists): any message fails the check;
#   5. upgrade (the same .deb again): the administrator's enabled state and
#      edited conffile stay; dpkg -r keeps the data and the conffile, dpkg -P
#      deletes them and the unit's links.  (tests/cli/package_scripts.bats
#      runs the scripts chrooted, with and without a running systemd.)
#
# usage: tests/packaging/check.sh [BUILD_DIR]   (default: build-package)
# Needs: cmake, dpkg-dev (dpkg-shlibdeps, for Depends), systemd (optional,
# for systemd-analyze).  Exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-package}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ndb-pkg.XXXXXX")
SERVER_PID=
cleanup() {
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "== $*"; }

step "configure and build ($BUILD, prefix /usr)"
cmake -S . -B "$BUILD" -DCMAKE_INSTALL_PREFIX=/usr >"$WORK/build.log" 2>&1 &&
    cmake --build "$BUILD" -j"$(nproc)" --target ndb ndb_man >>"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; fail "build"; }

# The files a package must hold: fixed ones plus one page per man/*.1.
expected() {
    {
        printf '%s\n' \
            ./etc/ndb/ndb.jsonc \
            ./usr/bin/ndb \
            ./usr/lib/systemd/system/ndb.service \
            ./usr/share/bash-completion/completions/ndb \
            ./usr/share/doc/ndb/README.md \
            ./usr/share/doc/ndb/copyright \
            ./usr/share/doc/ndb/protocol.md \
            ./usr/share/fish/vendor_completions.d/ndb.fish \
            ./usr/share/zsh/vendor-completions/_ndb
        for p in man/*.1; do
            echo "./usr/share/man/man1/$(basename "$p")${1:-}"
        done
    } | LC_ALL=C sort
}
# man pages are gzipped when gzip exists (it always does on Debian)
gz=.gz
command -v gzip >/dev/null || gz=

step "cmake --install into a staging directory"
DESTDIR="$WORK/stage" cmake --install "$BUILD" >/dev/null
got=$(cd "$WORK/stage" && find . -type f -o -type l | LC_ALL=C sort)
if [ "$got" != "$(expected $gz)" ]; then
    diff <(expected $gz) <(echo "$got") >&2 || true
    fail "installed files differ from the expected list (< expected, > installed)"
fi
echo "$got" | sed 's/^/   /'
[ -x "$WORK/stage/usr/bin/ndb" ] || fail "usr/bin/ndb is not executable"
grep -qx 'LoadCredential=ndb.jsonc:/etc/ndb/ndb.jsonc' "$WORK/stage/usr/lib/systemd/system/ndb.service" ||
    fail "ndb.service: no LoadCredential of the config"
grep -qx 'ExecStart=/usr/bin/ndb serve --config %d/ndb.jsonc' \
    "$WORK/stage/usr/lib/systemd/system/ndb.service" || fail "ndb.service: wrong ExecStart"
# the config may hold password hashes: private (the unit reads it as root)
[ "$(stat -c %a "$WORK/stage/etc/ndb/ndb.jsonc")" = 600 ] || fail "etc/ndb/ndb.jsonc is not 0600"
# check_copyright FILE: a Debian machine-readable copyright file (DEP-5) whose
# one License paragraph holds the license text of LICENSE
check_copyright() {
    local cr=$1
    [ "$(head -n 1 "$cr")" = 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ] ||
        fail "$cr: the first line is not the DEP-5 Format line"
    grep -qx 'Upstream-Name: ndb' "$cr" || fail "$cr: no Upstream-Name: ndb"
    grep -qx 'Files: \*' "$cr" || fail "$cr: no 'Files: *' paragraph"
    grep -qx 'Copyright: 2026 the ndb authors' "$cr" || fail "$cr: no Copyright line"
    [ "$(grep -cx 'License: MIT' "$cr")" -eq 2 ] || fail "$cr: expected License: MIT in Files and as its own paragraph"
    grep -qx 'Copyright (c) 2026 the ndb authors' LICENSE || fail "LICENSE: no copyright line"
    # DEP-5 indents the text by one space and writes empty lines as " ."
    diff <(sed -n '/^Permission is hereby granted/,$p' LICENSE) \
        <(sed -n '/^ Permission is hereby granted/,$p' "$cr" | sed 's/^ //; s/^\.$//') >&2 ||
        fail "$cr: the license text differs from LICENSE (< LICENSE, > copyright)"
}
check_copyright "$WORK/stage/usr/share/doc/ndb/copyright"
echo "   usr/share/doc/ndb/copyright: DEP-5, license text of LICENSE"

step "cpack -G DEB"
rm -f "$BUILD"/ndb_*.deb
(cd "$BUILD" && cpack -G DEB >/dev/null)
deb=$(ls "$BUILD"/ndb_*.deb)
[ "$(echo "$deb" | wc -l)" -eq 1 ] || fail "expected one .deb, got: $deb"
echo "   $deb"

step "cpack refuses a build configured for another prefix (the default, /usr/local)"
cmake -S . -B "$WORK/other-prefix" >"$WORK/other.log" 2>&1 || { cat "$WORK/other.log" >&2; fail "configure"; }
if (cd "$WORK/other-prefix" && cpack -G DEB) >"$WORK/other-cpack.log" 2>&1; then
    fail "cpack made a .deb of a build for /usr/local"
fi
# cmake wraps the message: compare it as one line
tr -s ' \n' ' ' <"$WORK/other-cpack.log" |
    grep -F "ndb's .deb is built for prefix /usr, and this build is configured for /usr/local: configure a build with" >/dev/null ||
    { cat "$WORK/other-cpack.log" >&2; fail "cpack's refusal does not say why"; }
! ls "$WORK/other-prefix"/ndb_*.deb >/dev/null 2>&1 || fail "a refused cpack left a .deb"
echo "   refused, with the configure command to use"

step "dpkg-deb -c: the package holds exactly the installed files"
got=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | LC_ALL=C sort)
if [ "$got" != "$(expected $gz)" ]; then
    diff <(expected $gz) <(echo "$got") >&2 || true
    fail "package contents differ (< expected, > in the .deb)"
fi
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ && $2 != "root/root" {bad=1} END {exit bad}' ||
    fail "files in the .deb must belong to root/root"
dpkg-deb -c "$deb" | grep '^-rw------- root/root .* \./etc/ndb/ndb\.jsonc$' >/dev/null ||
    fail "etc/ndb/ndb.jsonc is not 0600 in the .deb"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/doc/ndb/copyright >"$WORK/deb-copyright" ||
    fail "the .deb has no usr/share/doc/ndb/copyright"
cmp -s "$WORK/deb-copyright" "$WORK/stage/usr/share/doc/ndb/copyright" ||
    fail "usr/share/doc/ndb/copyright in the .deb differs from the installed one"
check_copyright "$WORK/deb-copyright"

step "dpkg-deb -I: metadata"
dpkg-deb -I "$deb" | sed 's/^/   /'
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = ndb ] || fail "Package"
[ "$(field Version)" = "$(sed -n 's/^project(ndb VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" ] ||
    fail "Version does not match project(VERSION)"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture"
[ -n "$(field Maintainer)" ] || fail "Maintainer missing"
[ "$(field Section)" = database ] || fail "Section"
[ -n "$(field Description)" ] || fail "Description missing"
depends=$(field Depends)
[ -n "$depends" ] || fail "Depends missing"
# every library the binary links (but the C library's own) is in Depends
# owner PATH: the package that ships the library PATH (with merged /usr,
# ldd may name /lib/... for a file dpkg knows as /usr/lib/..., or back)
owner() {
    local p
    for p in "$1" "/usr$1" "${1#/usr}" "$(readlink -f "$1")"; do
        dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1 && return 0
    done
    return 1
}
for lib in libwebsockets libjansson libpcre2-8 libedit libssl libcrypto; do
    path=$(ldd "$WORK/stage/usr/bin/ndb" | awk -v l="$lib" 'index($1, l) == 1 {print $3; exit}')
    [ -n "$path" ] || continue
    pkg=$(owner "$path") || fail "no package ships $path"
    [[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] ||
        fail "Depends lacks $pkg (for $lib): $depends"
    echo "   $lib -> $pkg: in Depends"
done
[[ $depends == *libc6* ]] || fail "Depends lacks libc6"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/ndb/ndb.jsonc ||
    fail "conffiles does not list /etc/ndb/ndb.jsonc"
# the maintainer scripts of src/dist/debian, executable
for script in postinst prerm postrm; do
    dpkg-deb --ctrl-tarfile "$deb" | tar -tvf - "./$script" | grep '^-rwxr-xr-x root/root ' >/dev/null ||
        fail "$script: not in the .deb as an executable of root"
    dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" | cmp -s - "src/dist/debian/$script" ||
        fail "$script in the .deb differs from src/dist/debian/$script"
done
echo "   maintainer scripts: postinst, prerm, postrm"

step "dpkg -i into a throwaway root"
R=$WORK/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
# The throwaway root's dpkg database holds this machine's entries for the
# packages named in Depends, so that dpkg checks them (names and versions);
# the binary then runs below with this machine's libraries.  The maintainer
# scripts run here, not chrooted (the root has no shell), and act on the root
# only: DPKG_ROOT names it, and without it they would start nothing either,
# as systemd does not run there.  deb-systemd-helper enables the unit in the
# root when it knows DPKG_ROOT (init-system-helpers 1.60 and later); an older
# one would enable it on this machine, so a stand-in that does nothing is
# used then.
DPKG=(dpkg --root="$R" --force-not-root --force-script-chrootless --log=/dev/null)
WANTS=$R/etc/systemd/system/multi-user.target.wants/ndb.service
helper=$(command -v deb-systemd-helper || true)
if [ -z "$helper" ] || ! grep -q DPKG_ROOT "$helper"; then
    mkdir -p "$WORK/bin"
    printf '#!/bin/sh\nexit 0\n' >"$WORK/bin/deb-systemd-helper"
    chmod 755 "$WORK/bin/deb-systemd-helper"
    export PATH="$WORK/bin:$PATH"
    helper=
fi
for dep in $(echo "$depends" | tr ',' '\n' | sed 's/(.*//; s/[[:space:]]//g'); do
    dpkg-query -s "$dep" >>"$R/var/lib/dpkg/status" || fail "dependency $dep is not installed here"
    echo >>"$R/var/lib/dpkg/status"
    : >"$R/var/lib/dpkg/info/$(dpkg-query -W -f='${binary:Package}' "$dep").list"
done
"${DPKG[@]}" -i "$deb" >"$WORK/dpkg.log" 2>&1 ||
    { cat "$WORK/dpkg.log" >&2; fail "dpkg -i failed"; }
if [ -n "$helper" ]; then
    [ "$(readlink "$WANTS")" = /usr/lib/systemd/system/ndb.service ] || fail "postinst did not enable ndb.service"
    echo "   enabled: $(readlink "$WANTS")"
fi
[ "$(stat -c %a "$R/etc/ndb/ndb.jsonc")" = 600 ] || fail "dpkg -i: etc/ndb/ndb.jsonc is not 0600"
[ "$(dpkg --root="$R" -s ndb | sed -n 's/^Status: //p')" = "install ok installed" ] ||
    fail "dpkg does not list ndb as installed in the throwaway root"
v=$("$R/usr/bin/ndb" --version) || fail "installed ndb --version"
echo "$v" # (not tee /dev/stderr: opening it would truncate a log file CI writes to)
# the package's version, and the commit of a build from a git checkout
[[ "$v" =~ ^ndb\ $(field Version)(\ \(commit\ [0-9a-f]{7,}(\+changes)?\))?$ ]] || fail "installed ndb --version"
# the installed server runs with the installed example config
mkdir -p "$WORK/data"
"$R/usr/bin/ndb" serve --config "$R/etc/ndb/ndb.jsonc" --persist-path "$WORK/data" --port 0 \
    2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q 'listening on ws://' "$WORK/serve.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; fail "ndb serve exited"; }
    sleep 0.05
done
url=$(grep -o 'ws://[^ ]*' "$WORK/serve.log" | head -n 1)
[ -n "$url" ] || fail "ndb serve did not start"
"$R/usr/bin/ndb" --url "$url" set packaged yes >/dev/null
[ "$("$R/usr/bin/ndb" --url "$url" get -r packaged)" = yes ] || fail "client against the installed server"
[ "$("$R/usr/bin/ndb" --url "$url" save pkgcheck | tr -d ' ')" != "" ] || fail "save with the example config"
grep -q "journal: everysec, file $WORK/data/@ndb/journal/" "$WORK/serve.log" ||
    fail "the example config does not turn the journal on with everysec"
kill "$SERVER_PID"
wait "$SERVER_PID" || fail "ndb serve did not exit 0 on SIGTERM"
SERVER_PID=
# a restart keeps the data (the journal is recovered), as systemctl restart would
"$R/usr/bin/ndb" serve --config "$R/etc/ndb/ndb.jsonc" --persist-path "$WORK/data" --port 0 \
    2>"$WORK/serve2.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
    grep -q 'listening on ws://' "$WORK/serve2.log" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve2.log" >&2; fail "ndb serve exited on restart"; }
    sleep 0.05
done
url=$(grep -o 'ws://[^ ]*' "$WORK/serve2.log" | head -n 1)
[ "$("$R/usr/bin/ndb" --url "$url" get -r packaged)" = yes ] || fail "the data did not survive a restart"
kill "$SERVER_PID"
wait "$SERVER_PID" || fail "ndb serve did not exit 0 on SIGTERM after the restart"
SERVER_PID=
# the installed man pages render, the installed completions load
for p in "$R"/usr/share/man/man1/*; do
    if command -v mandoc >/dev/null; then
        mandoc -T ascii "$p" >/dev/null || fail "mandoc $p"
    else
        { if [[ $p == *.gz ]]; then zcat "$p"; else cat "$p"; fi; } |
            groff -mdoc -Tascii -ww -z || fail "groff $p"
    fi
done
bash -c 'source "$1"; complete -p ndb' _ "$R/usr/share/bash-completion/completions/ndb" >/dev/null ||
    fail "bash completion"
if command -v zsh >/dev/null; then zsh -n "$R/usr/share/zsh/vendor-completions/_ndb" || fail "zsh completion"; fi
if command -v fish >/dev/null; then
    fish --no-config -c 'source $argv[1]; complete -C"$argv[2] he"' \
        "$R/usr/share/fish/vendor_completions.d/ndb.fish" "$R/usr/bin/ndb" | grep -q '^help' ||
        fail "fish completion"
fi
if command -v systemd-analyze >/dev/null; then
    step "systemd-analyze verify ndb.service"
    # Verify the installed unit as it is, except that ExecStart names the
    # binary of the throwaway root (verify checks that it exists) and the
    # man pages of Documentation= are not looked up (not installed here).
    mkdir -p "$WORK/unit"
    sed "s#^ExecStart=/usr/bin/ndb #ExecStart=$R/usr/bin/ndb #" \
        "$WORK/stage/usr/lib/systemd/system/ndb.service" >"$WORK/unit/ndb.service"
    # systemd-analyze verify exits 0 on unknown or invalid settings (it only
    # warns): any output fails the check
    out=$(systemd-analyze verify --man=no "$WORK/unit/ndb.service" 2>&1) || fail "systemd-analyze verify: $out"
    [ -z "$out" ] || fail "systemd-analyze verify: $out"
    echo "   no messages"
    if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
        systemd-analyze security --offline=yes "$WORK/unit/ndb.service" 2>/dev/null | tail -n 1 | sed 's/^/   /'
    fi
else
    echo "== systemd-analyze not found: unit not verified"
fi

step "upgrade in the throwaway root: the administrator's choices stay"
# the data where the unit keeps it (StateDirectory=ndb, DynamicUser=yes)
mkdir -p "$R/var/lib/private/ndb/@ndb"
ln -s private/ndb "$R/var/lib/ndb"
echo '// edited' >>"$R/etc/ndb/ndb.jsonc"
[ -z "$helper" ] || rm "$WANTS" # systemctl disable ndb
"${DPKG[@]}" -i "$deb" >"$WORK/dpkg.log" 2>&1 </dev/null ||
    { cat "$WORK/dpkg.log" >&2; fail "dpkg -i (upgrade) failed"; }
[ "$(tail -n 1 "$R/etc/ndb/ndb.jsonc")" = '// edited' ] || fail "the upgrade replaced the edited conffile"
[ -z "$helper" ] || [ ! -L "$WANTS" ] || fail "the upgrade enabled the unit the administrator disabled"
[ -d "$R/var/lib/private/ndb/@ndb" ] || fail "the upgrade touched the data"

step "dpkg -r and dpkg -P in the throwaway root"
"${DPKG[@]}" -r ndb >/dev/null || fail "dpkg -r failed"
[ ! -e "$R/usr/bin/ndb" ] || fail "dpkg -r left usr/bin/ndb"
[ -e "$R/etc/ndb/ndb.jsonc" ] || fail "dpkg -r removed the conffile (only purge should)"
if [ ! -d "$R/var/lib/private/ndb/@ndb" ] || [ ! -L "$R/var/lib/ndb" ]; then
    fail "dpkg -r removed the data (only purge should)"
fi
"${DPKG[@]}" -P ndb >/dev/null || fail "dpkg -P failed"
[ ! -e "$R/etc/ndb/ndb.jsonc" ] || fail "dpkg -P left the conffile"
if [ -e "$R/var/lib/private/ndb" ] || [ -L "$R/var/lib/ndb" ]; then fail "dpkg -P left the data"; fi
if [ -n "$helper" ]; then
    [ ! -e "$R/var/lib/systemd/deb-systemd-helper-enabled/ndb.service.dsh-also" ] ||
        fail "dpkg -P left deb-systemd-helper's state of the unit"
fi

echo "== packaging checks passed"
