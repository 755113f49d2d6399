#!/bin/bash
# The image-size comparison: the same Debian 12 arm64 base as image/build.sh with, on one
# side, frontdesk-kiosk's own dependencies and, on the other, a browser kiosk (Chromium
# under the cage Wayland kiosk compositor, the usual way to run a web page full screen
# without a desktop). Both are only extracted (mmdebstrap --variant=extract: no maintainer
# scripts, no qemu), so the two figures compare like with like; the frontdesk binary
# itself (package size from packaging/cross-arm64.sh) is added on its side. Run as root,
# needs a Debian mirror; a few minutes.   bash image/compare-chromium.sh
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/target/image-compare}
apt-get install -y -qq mmdebstrap xz-utils >/dev/null
rm -rf "$out"
mkdir -p "$out"
# image/build.sh's package set, without the kernel and firmware (the same on both sides).
# (What minbase holds: the essential and required packages, as apt patterns, each an
# --include of its own: mmdebstrap does not split a pattern at commas.)
base="systemd,systemd-sysv,udev,kmod,systemd-resolved,systemd-timesyncd,adduser,ca-certificates,e2fsprogs,dosfstools,fdisk,openssh-server"
# frontdesk-kiosk's Depends (cargo-deb's, from the arm64 package), its font and its OCR.
kiosk=$(ls -t target/debian/frontdesk-kiosk_*_arm64.deb | head -1)
kiosk_deps=$(dpkg-deb -f "$kiosk" Depends | sed 's/([^)]*)//g; s/ //g')
measure() { # name, packages
    mmdebstrap --quiet --arch=arm64 --variant=extract --components=main \
        --include='?essential' --include='?priority(required)' --include="$2" \
        bookworm "$out/$1" >/dev/null
    rm -rf "$out/$1/var/cache/apt/"* "$out/$1/var/lib/apt/lists/"*
    local installed compressed
    installed=$(du -sm "$out/$1" | cut -f1)
    compressed=$(tar -C "$out/$1" -cf - . | xz -T2 -6 | wc -c)
    echo "$1 $installed $((compressed / 1048576))"
}
echo "== extracting both roots (arm64, bookworm)"
ours=$(measure frontdesk "$base,$kiosk_deps,fonts-dejavu-core,tesseract-ocr,tesseract-ocr-eng")
browser=$(measure chromium "$base,chromium,cage,fonts-dejavu-core")
deb_mib=$(( $(stat -c %s "$kiosk") / 1048576 ))
installed_bin=$(dpkg-deb -f "$kiosk" Installed-Size)
read -r _ ours_installed ours_xz <<<"$ours"
read -r _ browser_installed browser_xz <<<"$browser"
echo "== figures (root filesystem without kernel and firmware)"
printf '%-28s installed %5s MiB, xz %4s MiB\n' \
    "frontdesk-kiosk (native)" "$((ours_installed + installed_bin / 1024))" "$((ours_xz + deb_mib))" \
    "Chromium + cage (browser)" "$browser_installed" "$browser_xz"
rm -rf "$out"
