# shellcheck shell=bash
# script_root.sh — sourced by tests/cli/package_scripts.bats: a throwaway
# root in which the package's maintainer scripts run as dpkg runs them
# (chrooted), with stand-ins for the systemd tools that record their calls
# instead of acting.  (tests/packaging/check.sh runs them through dpkg,
# unchrooted, on a root of its own.)
#
# script_root DIR: make DIR such a root: /bin/sh (this machine's dash), rm
# and stat, with the libraries they load, and in /usr/bin the stand-ins
# deb-systemd-helper, deb-systemd-invoke and systemctl, each appending
# "NAME ARGS..." to DIR/calls.  `deb-systemd-helper was-enabled` answers
# true unless DIR/disabled exists (the administrator disabled the unit),
# `deb-systemd-helper debian-installed` true if DIR/dsh-state exists (it
# has a state for the unit: the package's postinst ran before).
# mkdir DIR/run/systemd/system to make the scripts see a running systemd.
script_root() {
    local r=$1 f lib t
    mkdir -p "$r/bin" "$r/usr/bin" "$r/tmp" "$r/dev"
    # the scripts write to /dev/null: a plain file does (mknod needs root)
    : >"$r/dev/null"
    for f in "$(command -v dash)" "$(command -v rm)" "$(command -v stat)"; do
        [ -x "$f" ] || return 1
        # ldd lists the loader and the libraries as absolute paths
        for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
            mkdir -p "$r$(dirname "$lib")"
            cp -L "$lib" "$r$lib"
        done
    done
    cp -L "$(command -v dash)" "$r/bin/sh"
    cp -L "$(command -v rm)" "$r/bin/rm"
    cp -L "$(command -v stat)" "$r/bin/stat"
    for t in deb-systemd-helper deb-systemd-invoke systemctl; do
        cat >"$r/usr/bin/$t" <<STUB
#!/bin/sh
echo "$t \$*" >>/calls
if [ "$t" = deb-systemd-helper ]; then
    case "\$*" in
    "--quiet was-enabled ndb.service") [ ! -e /disabled ] || exit 1 ;;
    "debian-installed ndb.service") [ -e /dsh-state ] || exit 1 ;;
    esac
fi
exit 0
STUB
        chmod 755 "$r/usr/bin/$t"
    done
    : >"$r/calls"
}

# in_root DIR CMD...: run CMD chrooted into DIR with a plain PATH (as root,
# or as a user through a user namespace when the kernel allows it)
in_root() {
    local r=$1 chroot
    shift
    chroot=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot) || return 1
    if [ "$(id -u)" = 0 ]; then
        env -i PATH=/usr/bin:/bin "$chroot" "$r" "$@"
    else
        env -i PATH=/usr/bin:/bin "$(command -v unshare)" --map-root-user "$chroot" "$r" "$@"
    fi
}
