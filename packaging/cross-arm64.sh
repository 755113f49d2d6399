#!/bin/bash
# Builds the Raspberry Pi's arm64 binaries and Debian packages on an x86_64 Debian 12
# machine, runs the kiosk's unit tests and serial-device tests under qemu-user, has the
# arm64 kiosk draw its first frame under qemu, and prints the figures (stripped binary
# and package sizes). Run as root (it installs the cross toolchain and the arm64 -dev
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
apt-get install -y -qq crossbuild-essential-arm64 libfontconfig1-dev:arm64 libinput-dev:arm64 \
    libudev-dev:arm64 libxkbcommon-dev:arm64 qemu-user fonts-dejavu-core >/dev/null
rustup target add "$target" >/dev/null
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --version 3.8.0
# Linker, qemu runner and pkg-config wrapper for this target: .cargo/config.toml.

echo "== release binaries (the kiosk with linuxkms, the hub)"
cargo build --release --target "$target" --no-default-features --features linuxkms --bin frontdesk-kiosk
cargo build --release --target "$target" --no-default-features --features office --bin frontdesk-office
file "$out/frontdesk-kiosk" | grep -q "ARM aarch64" || { echo "FAIL: not an arm64 binary" >&2; exit 1; }

echo "== the kiosk's tests, run by qemu-aarch64"
# The library's unit tests (the check-in journey, parsers, devices' protocols, the outbox)
# and the serial devices against their simulators on pseudo-terminals.
kiosk_tests=(--test scanner_serial --test zvt_terminal --test zvt_link --test receipt_printer
    --test gpio_pins --test card_camera)
cargo test --release --target "$target" --no-default-features --features linuxkms --lib \
    "${kiosk_tests[@]}"

echo "== the arm64 kiosk draws its first frame (headless, under qemu)"
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
cat >"$data/kiosk.toml" <<EOF
kiosk_id = "arm64-check"
office_url = "http://127.0.0.1:9"
office_token = "arm64-check-token"
data_dir = "$data"
EOF
qemu-aarch64 -L /usr/aarch64-linux-gnu "$out/frontdesk-kiosk" --config "$data/kiosk.toml" \
    run --headless --exit-after-first-frame >"$data/run.log" 2>&1 \
    || { cat "$data/run.log"; echo "FAIL: the arm64 kiosk did not run" >&2; exit 1; }
grep -q "first frame rendered" "$data/run.log" || { cat "$data/run.log"; exit 1; }

echo "== packages"
for variant in kiosk office; do
    cargo deb --no-build --target "$target" --variant "$variant" -o target/debian/
done

echo "== figures"
for bin in frontdesk-kiosk frontdesk-office; do
    aarch64-linux-gnu-strip -o "$data/$bin" "$out/$bin"
    stat -c %s "$data/$bin" | awk -v bin="$bin" '{printf "%-18s arm64, stripped: %5.1f MiB\n", bin, $1 / 1048576}'
done
ls -l target/debian/frontdesk-*_arm64.deb | awk '{printf "%-50s %5.1f MiB\n", $9, $5 / 1048576}'
