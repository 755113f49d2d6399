#!/bin/bash
# Builds the Raspberry Pi's arm64 binaries and Debian packages on an x86_64 Debian 12
# machine, and the kiosk's unit and serial-device tests for arm64 (image/boot-test.sh runs
# them in the booted image), and prints the figures (stripped binary and package sizes). Run as root (it installs the cross toolchain and the arm64 -dev
# libraries with apt). A slow run, not part of `cargo test`: about 35 min from nothing on
# 2 cores, a few minutes once built.   bash packaging/cross-arm64.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=aarch64-unknown-linux-gnu
out=target/$target/release

echo "== the cross toolchain and the arm64 libraries"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update -qq
fi
apt-get install -y -qq jq crossbuild-essential-arm64 libfontconfig1-dev:arm64 libinput-dev:arm64 \
    libudev-dev:arm64 libxkbcommon-dev:arm64 fonts-dejavu-core >/dev/null
rustup target add "$target" >/dev/null
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --version 3.8.0
# Linker, qemu runner and pkg-config wrapper for this target: .cargo/config.toml.

echo "== release binaries (the kiosk with linuxkms, the hub)"
cargo build --release --target "$target" --no-default-features --features linuxkms --bin frontdesk-kiosk
cargo build --release --target "$target" --no-default-features --features office --bin frontdesk-office
file "$out/frontdesk-kiosk" | grep -q "ARM aarch64" || { echo "FAIL: not an arm64 binary" >&2; exit 1; }

echo "== the kiosk's tests, built for arm64 (image/boot-test.sh runs them on the image)"
# The library's unit tests (the check-in journey, parsers, devices' protocols, the outbox)
# and the serial devices against their simulators on pseudo-terminals. They run on an
# arm64 kernel, in the image booted under qemu-system-aarch64: qemu-user on this machine
# hangs as soon as a program starts a thread (seen with Debian 12's qemu 7.2 and
# backports' 10.0), and the test harness runs every test in a thread of its own.
kiosk_tests=(--test scanner_serial --test zvt_terminal --test zvt_link --test receipt_printer
    --test gpio_pins --test card_camera)
cargo test --release --target "$target" --no-default-features --features linuxkms --lib \
    "${kiosk_tests[@]}" --no-run --message-format=json \
    | jq -r 'select(.profile.test == true and .executable != null) | .executable' \
    >"$out/arm64-tests.txt"
[ "$(wc -l <"$out/arm64-tests.txt")" -eq 7 ] || { echo "FAIL: expected 7 test binaries" >&2; exit 1; }

echo "== packages"
for variant in kiosk office; do
    cargo deb --no-build --target "$target" --variant "$variant" -o target/debian/
done

echo "== figures"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for bin in frontdesk-kiosk frontdesk-office; do
    aarch64-linux-gnu-strip -o "$data/$bin" "$out/$bin"
    stat -c %s "$data/$bin" | awk -v bin="$bin" '{printf "%-18s arm64, stripped: %5.1f MiB\n", bin, $1 / 1048576}'
done
ls -l target/debian/frontdesk-*_arm64.deb | awk '{printf "%-50s %5.1f MiB\n", $9, $5 / 1048576}'
