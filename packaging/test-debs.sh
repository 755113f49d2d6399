#!/bin/bash
# Installs, runs, upgrades and removes the two Debian packages in a fresh Debian 12
# (bookworm) root, as the IT person's `apt install ./frontdesk-*.deb` would, and checks
# what the packages promise: the frontdesk user in its device groups, configs readable
# only by root and that group, units enabled, the kiosk drawing a frame as that user, and
# an upgrade that keeps the edited config and the data. Run as root; needs network to a
# Debian mirror (mmdebstrap) and a built target/debug. A slow run (a few minutes), not
# part of `cargo test`:  bash packaging/test-debs.sh   (KEEP=1 keeps the root to look at)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mmdebstrap >/dev/null || apt-get install -y -qq mmdebstrap >/dev/null
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --version 3.8.0
work=$(mktemp -d /tmp/frontdesk-debs.XXXXXX)
root=$work/root
trap 'umount -R "$root/proc" 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }

build() { # revision
    for variant in kiosk office; do
        cargo deb --no-build --profile dev --variant "$variant" --fast --deb-revision "$1" \
            -o "$work/r$1" -q >/dev/null 2>&1 || cargo deb --no-build --profile dev \
            --variant "$variant" --fast --deb-revision "$1" -o "$work/r$1"
    done
}

cargo build -q --bins
build 1
build 2
echo "== a fresh Debian 12 root"
mmdebstrap --quiet --variant=minbase --include=adduser,udev,init-system-helpers \
    bookworm "$root" >/dev/null
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root apt-get update -qq
cp -r "$work/r1" "$work/r2" "$root/tmp/"

echo "== install revision 1 (apt resolves the dependencies)"
in_root apt-get install -y -qq --no-install-recommends /tmp/r1/frontdesk-kiosk_0.1.0-1_amd64.deb \
    /tmp/r1/frontdesk-office_0.1.0-1_amd64.deb >"$work/apt.log" 2>&1 \
    || { tail -20 "$work/apt.log"; fail "apt could not install the packages"; }
in_root getent passwd frontdesk >/dev/null || fail "no frontdesk user"
for group in dialout video input render gpio; do
    in_root id -nG frontdesk | tr ' ' '\n' | grep -qx "$group" || fail "frontdesk not in $group"
done
for conf in kiosk office; do
    [ "$(in_root stat -c '%a %U:%G' "/etc/frontdesk/$conf.toml")" = "640 root:frontdesk" ] \
        || fail "$conf.toml is $(in_root stat -c '%a %U:%G' "/etc/frontdesk/$conf.toml")"
    [ -L "$root/etc/systemd/system/multi-user.target.wants/frontdesk-$conf.service" ] \
        || fail "frontdesk-$conf.service not enabled"
done
[ -L "$root/etc/systemd/system/timers.target.wants/frontdesk-office-backup.timer" ] \
    || fail "the nightly backup timer is not enabled"
[ -f "$root/lib/systemd/system/frontdesk-office-backup.service" ] || fail "no backup service"
[ "$(in_root stat -c '%a %U:%G' "/etc/frontdesk")" = "750 root:frontdesk" ] || fail "/etc/frontdesk"
[ -f "$root/usr/lib/udev/rules.d/90-frontdesk-backlight.rules" ] || fail "no udev rule"

echo "== the kiosk draws its first frame as the frontdesk user"
# systemd's StateDirectory= makes this on a real boot.
install -d -o "$(in_root id -u frontdesk)" -g "$(in_root id -g frontdesk)" -m 0700 \
    "$root/var/lib/frontdesk" "$root/var/lib/frontdesk/kiosk" "$root/var/lib/frontdesk/office"
in_root setpriv --reuid=frontdesk --regid=frontdesk --init-groups \
    /usr/bin/frontdesk-kiosk --config /etc/frontdesk/kiosk.toml run --headless \
    --exit-after-first-frame >"$work/kiosk.log" 2>&1 || { cat "$work/kiosk.log"; fail "kiosk did not run"; }
grep -q "first frame rendered" "$work/kiosk.log" || fail "no first frame"
[ -f "$root/var/lib/frontdesk/kiosk/kiosk.db" ] || fail "no kiosk database"
echo "== the hub serves as the frontdesk user"
sed -i 's/^listen = .*/listen = "127.0.0.1:18480"/' "$root/etc/frontdesk/office.toml"
in_root setpriv --reuid=frontdesk --regid=frontdesk --init-groups \
    /usr/bin/frontdesk-office --config /etc/frontdesk/office.toml serve >"$work/office.log" 2>&1 &
office=$!
for _ in $(seq 100); do
    python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:18480/healthz")' \
        2>/dev/null && break
    sleep 0.2
done
python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:18480/healthz")' \
    || { cat "$work/office.log"; fail "hub not serving"; }
kill "$office"; wait "$office" || true
[ -f "$root/var/lib/frontdesk/office/office.db" ] || fail "no office database"

echo "== upgrade to revision 2 keeps the edited config and the data"
echo "# edited by the IT person" >>"$root/etc/frontdesk/kiosk.toml"
echo "keep me" >"$root/var/lib/frontdesk/kiosk/marker"
in_root dpkg -i /tmp/r2/frontdesk-kiosk_0.1.0-2_amd64.deb /tmp/r2/frontdesk-office_0.1.0-2_amd64.deb >/dev/null
[ "$(in_root dpkg-query -W -f '${Version}' frontdesk-kiosk)" = "0.1.0-2" ] || fail "not upgraded"
grep -q "edited by the IT person" "$root/etc/frontdesk/kiosk.toml" || fail "config edit lost"
grep -q "keep me" "$root/var/lib/frontdesk/kiosk/marker" || fail "data lost"
[ -f "$root/var/lib/frontdesk/office/office.db" ] || fail "office data lost"
[ "$(in_root stat -c '%a %U:%G' "/etc/frontdesk/kiosk.toml")" = "640 root:frontdesk" ] || fail "perms after upgrade"

echo "== remove keeps config and data; purge removes the config, keeps the data"
in_root dpkg -r frontdesk-kiosk >/dev/null
[ -f "$root/etc/frontdesk/kiosk.toml" ] && [ -f "$root/var/lib/frontdesk/kiosk/marker" ] || fail "remove"
[ ! -e "$root/usr/bin/frontdesk-kiosk" ] || fail "binary left"
in_root dpkg -P frontdesk-kiosk >/dev/null
[ ! -e "$root/etc/frontdesk/kiosk.toml" ] || fail "purge left the config"
[ -f "$root/var/lib/frontdesk/kiosk/marker" ] || fail "purge took the data"
ls -l "$work/r1"
echo "OK: packages install, run, upgrade and remove as promised"
