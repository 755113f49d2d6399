#!/bin/bash
# Boots the image from image/build.sh under qemu-system-aarch64 (-M virt: the image's own
# userland and initramfs with Debian's generic arm64 kernel; a Pi's firmware cannot run
# under QEMU) and waits until frontdesk-kiosk is active and has fed its watchdog. The
# kiosk draws headless there (no display in QEMU): the test sets `backend = "headless"` in
# a copy's frontdesk.toml, as an IT person would edit it. It also checks the root is
# read-only, the data partition writable and grown to the (enlarged) disk (the first boot
# grows it and reboots once, so QEMU runs without -no-reboot), and SSH: on
# with a key put on the boot partition, logged into with that key, and Wi-Fi: a [wifi]
# section joined through two simulated radios (one an access point). Run as root; about
# 10 min on 2 cores.
#   bash image/boot-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/target/image}
img=$out/frontdesk-kiosk-arm64.img
[ -f "$img" ] || { echo "no image: run image/build.sh first" >&2; exit 1; }
apt-get install -y -qq qemu-system-arm e2fsprogs mtools fdisk openssh-client >/dev/null
work=$(mktemp -d /tmp/frontdesk-boot.XXXXXX)
qemu=
trap '[ -n "$qemu" ] && kill "$qemu" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; tail -40 "$work/console.log" >&2 || true; exit 1; }

cp --sparse=always "$img" "$work/test.img"
# A bigger card than the image: the data partition must grow into the rest.
truncate -s +1G "$work/test.img"
# Start and size (sectors) of partition N.
part() { sfdisk -d "$work/test.img" | awk -v n="$work/test.img$1" -F'[=,]' '$1 ~ n" " {gsub(/ /, ""); print $2, $4}'; }
read -r boot_start _ < <(part 1)
read -r root_start root_size < <(part 2)

echo "== the copy's frontdesk.toml: headless (QEMU has no display)"
mcopy -n -i "$work/test.img@@$((boot_start * 512))" ::/frontdesk.toml "$work/frontdesk.toml"
sed -i 's/^backend = .*/backend = "headless"/' "$work/frontdesk.toml"
# A Wi-Fi network, as an IT person would add it; joined below through a simulated radio.
cat >>"$work/frontdesk.toml" <<'WIFI'

[wifi]
country = "US"
ssid = "Frontdesk Test Wi-Fi"
passphrase = "not-a-real-passphrase"
WIFI
mcopy -o -i "$work/test.img@@$((boot_start * 512))" "$work/frontdesk.toml" ::/frontdesk.toml

echo "== an SSH key on the copy's boot partition (SSH is off without one)"
ssh-keygen -q -t ed25519 -N "" -f "$work/id"
mcopy -o -i "$work/test.img@@$((boot_start * 512))" "$work/id.pub" ::/ssh_authorized_keys

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
StandardOutput=journal+console
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
qemu-system-aarch64 -M virt -cpu cortex-a72 -smp 2 -m 2048 -nographic \
    -kernel "$out/vmlinuz" -initrd "$out/initrd.img" \
    -append "root=LABEL=FDROOT ro console=ttyAMA0 panic=-1" \
    -drive if=none,id=disk,format=raw,file="$work/test.img" -device virtio-blk-pci,drive=disk \
    -netdev user,id=net,hostfwd=tcp:127.0.0.1:2222-:22 -device virtio-net-pci,netdev=net >"$work/console.log" 2>&1 &
qemu=$!
for _ in $(seq 1800); do
    grep -aq "FRONTDESK-BOOT-TEST" "$work/console.log" 2>/dev/null && break
    kill -0 "$qemu" 2>/dev/null || fail "QEMU stopped"
    sleep 1
done
report=$(grep -a "FRONTDESK-BOOT-TEST" "$work/console.log" | tr -d '\r' | tail -1)
[ -n "$report" ] || fail "no report within 30 minutes"
echo "$report"
seconds=$(( $(date +%s) - started ))
for want in "ActiveState=active" "root=ro" "data=rw" "ssh=active" "watchdog=armed"; do
    case "$report" in *"$want"*) ;; *) fail "expected $want";; esac
done
data_mib=$(echo "$report" | sed -n 's/.*data_mib=\([0-9]*\).*/\1/p')
[ "${data_mib:-0}" -gt 1000 ] || fail "the data partition did not grow (${data_mib:-?} MiB)"
echo "== SSH in with the key from the boot partition"
vm() {
    ssh -i "$work/id" -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=60 -o BatchMode=yes -o LogLevel=ERROR root@127.0.0.1 "$@"
}
vm 'systemctl is-active frontdesk-kiosk.service && ls -ld /var/lib/frontdesk/ssh' \
    || fail "could not log in over SSH with the key"
ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o PubkeyAuthentication=no -o ConnectTimeout=60 root@127.0.0.1 true 2>/dev/null \
    && fail "SSH let a login in without a key"
echo "== Wi-Fi: the [wifi] network joined through simulated radios (mac80211_hwsim)"
vm 'systemctl is-active frontdesk-wifi.service && stat -c "%a %U" /run/frontdesk-wifi/wpa_supplicant-wlan0.conf' \
    | tr '\n' ' ' | grep -q "^active 600 root" || fail "frontdesk-wifi.service wrote no private configuration"
# Two radios: wlan0 is the kiosk's (its wpa_supplicant starts when it appears), wlan1 an
# access point run by a second wpa_supplicant with the network's name and passphrase.
vm 'modprobe mac80211_hwsim radios=2' </dev/null || fail "no mac80211_hwsim in the image's kernel"
vm 'cat >/tmp/ap.conf' <<'AP'
network={
    ssid="Frontdesk Test Wi-Fi"
    mode=2
    frequency=2412
    key_mgmt=WPA-PSK
    proto=RSN
    pairwise=CCMP
    group=CCMP
    psk="not-a-real-passphrase"
}
AP
vm 'wpa_supplicant -B -i wlan1 -c /tmp/ap.conf' </dev/null >/dev/null || fail "the test access point did not start"
wifi=
for _ in $(seq 60); do
    wifi=$(vm 'wpa_cli -p /run/wpa_supplicant -i wlan0 status' </dev/null 2>/dev/null | sed -n 's/^wpa_state=//p')
    [ "$wifi" = COMPLETED ] && break
    sleep 2
done
[ "$wifi" = COMPLETED ] || fail "the kiosk's radio did not join the network (wpa_state=${wifi:-none})"
echo "wlan0 joined \"Frontdesk Test Wi-Fi\" (WPA2, passphrase from frontdesk.toml): wpa_state=$wifi"

# The kiosk's memory on arm64 (emulated CPU, real arm64 kernel): peak and current resident.
vm 'grep -E "^Vm(HWM|RSS)" /proc/$(systemctl show -P MainPID frontdesk-kiosk.service)/status' \
    | awk '{printf "frontdesk-kiosk on arm64 (headless): %s %.1f MiB\n", $1, $2 / 1024}'

# The kiosk's arm64 tests (packaging/cross-arm64.sh builds them): on an arm64 kernel here.
tests=target/aarch64-unknown-linux-gnu/release/arm64-tests.txt
if [ -s "$tests" ]; then
    echo "== the kiosk's arm64 tests, in the booted image"
    while read -r bin; do
        name=$(basename "$bin")
        vm "cat >/tmp/$name && chmod 755 /tmp/$name" <"$bin"
        # </dev/null: ssh would otherwise read the rest of the list as the command's input.
        vm "cd /tmp && ./$name --test-threads=2" </dev/null >"$work/$name.log" 2>&1 || true
        result=$(grep -a "^test result:" "$work/$name.log" | tail -1)
        echo "$name: ${result:-no result}"
        case "$result" in "test result: ok."*) ;; *)
            grep -a -A2 -E "FAILED|panicked" "$work/$name.log" | head -40 >&2
            fail "arm64 tests failed: $name";;
        esac
        vm "rm /tmp/$name" </dev/null
    done <"$tests"
else
    echo "(no arm64 test binaries: run packaging/cross-arm64.sh to have them run here)"
fi
echo "OK: frontdesk-kiosk active with its watchdog armed, ${seconds} s after QEMU started"
