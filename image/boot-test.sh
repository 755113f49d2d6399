#!/bin/bash
# Boots the image from image/build.sh under qemu-system-aarch64 (-M virt: the image's own
# userland and initramfs with Debian's generic arm64 kernel; a Pi's firmware cannot run
# under QEMU) and waits until frontdesk-kiosk is active and has fed its watchdog. The
# kiosk draws headless there (no display in QEMU): the test sets `backend = "headless"` in
# a copy's frontdesk.toml, as an IT person would edit it. It also checks the root is
# read-only and the data partition writable. Run as root; about 10 min on 2 cores.
#   bash image/boot-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/target/image}
img=$out/frontdesk-kiosk-arm64.img
[ -f "$img" ] || { echo "no image: run image/build.sh first" >&2; exit 1; }
apt-get install -y -qq qemu-system-arm e2fsprogs mtools fdisk >/dev/null
work=$(mktemp -d /tmp/frontdesk-boot.XXXXXX)
qemu=
trap '[ -n "$qemu" ] && kill "$qemu" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; tail -40 "$work/console.log" >&2 || true; exit 1; }

cp --sparse=always "$img" "$work/test.img"
# Start and size (sectors) of partition N.
part() { sfdisk -d "$work/test.img" | awk -v n="$work/test.img$1" -F'[=,]' '$1 ~ n" " {gsub(/ /, ""); print $2, $4}'; }
read -r boot_start _ < <(part 1)
read -r root_start root_size < <(part 2)

echo "== the copy's frontdesk.toml: headless (QEMU has no display)"
mcopy -n -i "$work/test.img@@$((boot_start * 512))" ::/frontdesk.toml "$work/frontdesk.toml"
sed -i 's/^backend = .*/backend = "headless"/' "$work/frontdesk.toml"
mcopy -o -i "$work/test.img@@$((boot_start * 512))" "$work/frontdesk.toml" ::/frontdesk.toml

echo "== a reporting unit in the copy's root (the image itself has none)"
dd if="$work/test.img" of="$work/root.part" bs=4M iflag=skip_bytes,count_bytes \
    skip=$((root_start * 512)) count=$((root_size * 512)) conv=sparse status=none
cp image/files/boot-test-report.sh "$work/report.sh"
chmod 755 "$work/report.sh"
cat >"$work/report.service" <<'UNIT'
[Unit]
Description=frontdesk boot test: the kiosk's state on the console
After=frontdesk-kiosk.service
[Service]
Type=oneshot
ExecStart=/etc/frontdesk-boot-test.sh
StandardOutput=tty
TTYPath=/dev/ttyAMA0
[Install]
WantedBy=multi-user.target
UNIT
debugfs -w "$work/root.part" >/dev/null 2>&1 <<CMDS
write $work/report.sh /etc/frontdesk-boot-test.sh
write $work/report.service /etc/systemd/system/frontdesk-boot-test.service
symlink /etc/systemd/system/multi-user.target.wants/frontdesk-boot-test.service /etc/systemd/system/frontdesk-boot-test.service
CMDS
debugfs -R "stat /etc/frontdesk-boot-test.sh" "$work/root.part" 2>/dev/null | grep -q "Mode:  0755" \
    || fail "could not put the reporting unit in the root"
dd if="$work/root.part" of="$work/test.img" bs=4M oflag=seek_bytes seek=$((root_start * 512)) \
    conv=notrunc,sparse status=none
rm "$work/root.part"

echo "== boot (qemu-system-aarch64 -M virt, software-emulated: minutes)"
started=$(date +%s)
qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$out/vmlinuz" -initrd "$out/initrd.img" \
    -append "root=LABEL=FDROOT ro console=ttyAMA0 panic=-1" \
    -drive if=none,id=disk,format=raw,file="$work/test.img" -device virtio-blk-pci,drive=disk \
    -netdev user,id=net -device virtio-net-pci,netdev=net >"$work/console.log" 2>&1 &
qemu=$!
for _ in $(seq 1800); do
    grep -q "FRONTDESK-BOOT-TEST" "$work/console.log" 2>/dev/null && break
    kill -0 "$qemu" 2>/dev/null || fail "QEMU stopped"
    sleep 1
done
report=$(grep -a "FRONTDESK-BOOT-TEST" "$work/console.log" | tr -d '\r' | tail -1)
[ -n "$report" ] || fail "no report within 30 minutes"
echo "$report"
seconds=$(( $(date +%s) - started ))
for want in "ActiveState=active" "root=ro" "data=rw" "watchdog=armed"; do
    case "$report" in *"$want"*) ;; *) fail "expected $want";; esac
done
echo "OK: frontdesk-kiosk active with its watchdog armed, ${seconds} s after QEMU started"
