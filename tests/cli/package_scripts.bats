#!/usr/bin/env bats
# The .deb's maintainer scripts (src/dist/debian), run as dpkg runs them:
# chrooted into a throwaway root (tests/packaging/script_root.sh) whose
# deb-systemd-helper, deb-systemd-invoke and systemctl only record their
# calls.  With systemd running (DIR/run/systemd/system) and without (a
# chroot, a container, CI): enabled on install, started on install and
# restarted on upgrade only under systemd, stopped on removal, the data
# deleted on purge.  tests/packaging/check.sh installs, upgrades and purges
# the built .deb itself with dpkg.

load helpers

SCRIPTS="$BATS_TEST_DIRNAME/../../src/dist/debian"

setup() {
    # shellcheck source=../packaging/script_root.sh
    source "$BATS_TEST_DIRNAME/../packaging/script_root.sh"
    R=$BATS_TEST_TMPDIR/root
    script_root "$R"
    in_root "$R" /bin/sh -c true 2>/dev/null || skip "cannot chroot here (not root, no user namespaces)"
    cp "$SCRIPTS/postinst" "$SCRIPTS/prerm" "$SCRIPTS/postrm" "$R/"
}

# calls EXPECTED: the recorded calls, in order, are exactly EXPECTED (one a
# line; empty: none); then forget them
calls() {
    if [ "$(cat "$R/calls")" != "$1" ]; then
        printf 'expected calls:\n%s\ngot:\n%s\n' "$1" "$(cat "$R/calls")" >&2
        return 1
    fi
    : >"$R/calls"
}

# maint SCRIPT ARGS...: run a maintainer script in the root; it must exit 0
maint() {
    run in_root "$R" "/$1" "${@:2}"
    [ "$status" -eq 0 ] || { echo "$1 ${*:2}: exit $status: $output" >&2; return 1; }
    [ -z "$output" ] || { echo "$1 ${*:2} printed: $output" >&2; return 1; }
}

@test "first install under systemd: enabled, then started" {
    mkdir -p "$R/run/systemd/system"
    maint postinst configure
    calls "deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper enable ndb.service
systemctl --system daemon-reload
deb-systemd-invoke start ndb.service"
}

@test "upgrade under systemd: the running server is not stopped before, and restarted after" {
    mkdir -p "$R/run/systemd/system"
    touch "$R/dsh-state"
    maint prerm upgrade 0.1.0
    calls ""
    maint postinst configure 0.1.0
    calls "deb-systemd-helper debian-installed ndb.service
deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper enable ndb.service
systemctl --system daemon-reload
deb-systemd-invoke restart ndb.service"
}

@test "upgrade of a unit the administrator disabled: it stays disabled" {
    mkdir -p "$R/run/systemd/system"
    touch "$R/dsh-state" "$R/disabled"
    maint postinst configure 0.1.0
    # deb-systemd-invoke restarts a disabled unit only if it runs
    calls "deb-systemd-helper debian-installed ndb.service
deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper update-state ndb.service
systemctl --system daemon-reload
deb-systemd-invoke restart ndb.service"
}

@test "upgrade from the package without maintainer scripts: enabled or not as the administrator left it" {
    mkdir -p "$R/run/systemd/system"
    maint postinst configure 0.1.0
    # no state yet: not enabled, only recorded; restarted if it runs
    calls "deb-systemd-helper debian-installed ndb.service
deb-systemd-helper update-state ndb.service
systemctl --system daemon-reload
deb-systemd-invoke restart ndb.service"
}

@test "remove under systemd: stopped before the files go, systemd reloaded after; the data stays" {
    mkdir -p "$R/run/systemd/system" "$R/var/lib/private/ndb/@ndb"
    ln -s private/ndb "$R/var/lib/ndb"
    maint prerm remove
    calls "deb-systemd-invoke stop ndb.service"
    maint postrm remove
    calls "systemctl --system daemon-reload"
    [ -d "$R/var/lib/private/ndb/@ndb" ] && [ -L "$R/var/lib/ndb" ]
}

@test "purge: the enabled state is forgotten and the state directory deleted, nothing else" {
    mkdir -p "$R/var/lib/private/ndb/@ndb/journal" "$R/var/lib/private/other" "$R/var/lib/ndbx"
    echo data >"$R/var/lib/private/ndb/@ndb/journal/1"
    ln -s private/ndb "$R/var/lib/ndb"
    maint postrm purge
    calls "deb-systemd-helper purge ndb.service"
    [ ! -e "$R/var/lib/private/ndb" ] && [ ! -L "$R/var/lib/ndb" ]
    [ -d "$R/var/lib/private/other" ] && [ -d "$R/var/lib/ndbx" ]
    # a state directory made before DynamicUser (a directory, no link)
    mkdir -p "$R/var/lib/ndb/@ndb"
    maint postrm purge
    calls "deb-systemd-helper purge ndb.service"
    [ ! -e "$R/var/lib/ndb" ]
}

@test "no systemd running (a chroot, a container): enabled on install, nothing started, restarted or stopped" {
    maint postinst configure
    calls "deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper enable ndb.service"
    touch "$R/dsh-state"
    maint postinst configure 0.1.0
    calls "deb-systemd-helper debian-installed ndb.service
deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper enable ndb.service"
    maint prerm remove
    calls ""
    maint postrm remove
    calls ""
}

@test "an install into another root without chroot (DPKG_ROOT): nothing started, even under systemd" {
    mkdir -p "$R/run/systemd/system" "$R/target/var/lib/private/ndb" "$R/var/lib/private/ndb"
    in_root "$R" /bin/sh -c 'DPKG_ROOT=/target /postinst configure && DPKG_ROOT=/target /prerm remove &&
        DPKG_ROOT=/target /postrm remove && DPKG_ROOT=/target /postrm purge'
    calls "deb-systemd-helper --quiet was-enabled ndb.service
deb-systemd-helper enable ndb.service
deb-systemd-helper purge ndb.service"
    # purge deletes the data of that root, not this one's
    [ ! -e "$R/target/var/lib/private/ndb" ] && [ -d "$R/var/lib/private/ndb" ]
}

@test "without deb-systemd-helper (init-system-helpers not installed) and without systemd: nothing fails" {
    rm "$R/usr/bin/deb-systemd-helper"
    maint postinst configure
    maint prerm remove
    maint postrm remove
    maint postrm purge
    calls ""
}

@test "configure with a config every user can read (an edited one kept from the package of before): a note" {
    mkdir -p "$R/etc/ndb"
    echo '{}' >"$R/etc/ndb/ndb.jsonc"
    chmod 0644 "$R/etc/ndb/ndb.jsonc"
    run in_root "$R" /postinst configure 0.1.0
    [ "$status" -eq 0 ]
    [ "$output" = "ndb: /etc/ndb/ndb.jsonc is readable by every user of this machine (mode 644); once it holds users (their password hashes), make it private: chmod 600 /etc/ndb/ndb.jsonc (the service reads it through systemd, as root)" ]
    [ "$(stat -c %a "$R/etc/ndb/ndb.jsonc")" = 644 ] # the administrator's file: only said
    chmod 0640 "$R/etc/ndb/ndb.jsonc"
    maint postinst configure 0.1.0
    chmod 0600 "$R/etc/ndb/ndb.jsonc"
    maint postinst configure
}

@test "without init-system-helpers under systemd: nothing started, stopped all the same, no error" {
    mkdir -p "$R/run/systemd/system"
    rm "$R/usr/bin/deb-systemd-helper" "$R/usr/bin/deb-systemd-invoke"
    maint postinst configure
    calls "systemctl --system daemon-reload"
    maint prerm remove
    calls "systemctl stop ndb.service"
}

@test "the maintainer scripts are POSIX sh and shellcheck-clean" {
    command -v shellcheck >/dev/null || skip "shellcheck is not installed"
    run shellcheck --shell=sh "$SCRIPTS/postinst" "$SCRIPTS/prerm" "$SCRIPTS/postrm"
    [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}
