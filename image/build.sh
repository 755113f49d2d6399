#!/bin/bash
# Builds the Raspberry Pi 4 image: Debian 12 (bookworm) arm64 with Debian's kernel
# (linux-image-arm64) and firmware (raspi-firmware), the frontdesk-kiosk package and its
# fonts, a read-only root, a writable /var/lib/frontdesk partition, and the kiosk's
# config on the boot partition (frontdesk.toml, edited on any computer). No account has
# a password; there is no SSH server. Run as root on an x86_64 Debian 12 machine; needs a
# Debian mirror. Output: target/image/frontdesk-kiosk-arm64.img (+ .img.xz), figures.
#   bash image/build.sh        (after packaging/cross-arm64.sh; about 15 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/target/image}
deb=$(ls -t target/debian/frontdesk-kiosk_*_arm64.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "no arm64 kiosk package: run packaging/cross-arm64.sh first" >&2; exit 1; }

apt-get install -y -qq mmdebstrap qemu-user-static binfmt-support arch-test dosfstools \
    mtools fdisk e2fsprogs xz-utils >/dev/null
# Running arm64 maintainer scripts in the new root goes through binfmt_misc and qemu.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
arch-test arm64 >/dev/null || { echo "cannot run arm64 binaries (binfmt_misc + qemu-user-static)" >&2; exit 1; }

root=$out/root
# What an interrupted run left mounted in the old root.
{ findmnt -rno TARGET | grep "^$out/" || true; } | sort -r | xargs -r umount
rm -rf "$out"
mkdir -p "$out"
cp "$deb" "$out/frontdesk-kiosk.deb"

echo "== the root filesystem (mmdebstrap, arm64)"
# initramfs-tools: Debian's kernel mounts the root by label from its initramfs. Made once,
# at the end: each run is minutes under qemu, and installing runs it twice otherwise.
# tesseract-ocr(-eng): the kiosk reads insurance card photos with it (its package only
# recommends it, and mmdebstrap installs no recommends).
# systemd-resolved / -timesyncd: names and time (a Pi has no clock; check-in codes
# carry their day) on a root that stays read-only.
# wpasupplicant, firmware-brcm80211 (the Pi 4's onboard radio), wireless-regdb: Wi-Fi
# when frontdesk.toml has a [wifi] section.
mmdebstrap --quiet --arch=arm64 --variant=minbase --components=main,non-free-firmware \
    --include=systemd,systemd-sysv,udev,kmod,initramfs-tools,linux-image-arm64,raspi-firmware,systemd-resolved,systemd-timesyncd,fonts-dejavu-core,adduser,ca-certificates,e2fsprogs,dosfstools,fdisk,openssh-server,tesseract-ocr,tesseract-ocr-eng,wpasupplicant,firmware-brcm80211,wireless-regdb \
    --essential-hook='mkdir -p "$1/etc/default" "$1/boot/firmware"' \
    --essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
    --essential-hook='printf "#!/bin/sh\nexit 0\n" >"$1/usr/sbin/update-initramfs"; chmod 755 "$1/usr/sbin/update-initramfs"' \
    --include="$out/frontdesk-kiosk.deb" --hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
    --customize-hook='rm "$1/usr/sbin/update-initramfs"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs' \
    --customize-hook='chroot "$1" update-initramfs -c -k all' \
    --customize-hook='upload image/files/fstab /etc/fstab' \
    bookworm "$root"

echo "== read-only root, writable data, config on the boot partition"
fd_uid=$(chroot "$root" id -u frontdesk)
fd_gid=$(chroot "$root" id -g frontdesk)
# The data partition's mount point: the read-only root cannot make it at boot.
install -d -m 0750 -o "$fd_uid" -g "$fd_gid" "$root/var/lib/frontdesk"
# The boot partition's files (frontdesk.toml among them) readable by root and the kiosk.
sed -i "s/gid=frontdesk/gid=$fd_gid/" "$root/etc/fstab"
install -m 644 image/files/50-wired.network image/files/60-wireless.network "$root/etc/systemd/network/"
# Wi-Fi: written to /run from frontdesk.toml at boot; wpa_supplicant starts when the radio
# appears. Its D-Bus instance (for NetworkManager) has no D-Bus here.
install -m 644 image/files/frontdesk-wifi.service "$root/etc/systemd/system/"
install -d "$root/etc/systemd/system/wpa_supplicant@wlan0.service.d" \
    "$root/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants"
install -m 644 image/files/wpa-supplicant-frontdesk.conf \
    "$root/etc/systemd/system/wpa_supplicant@wlan0.service.d/frontdesk.conf"
ln -sf /lib/systemd/system/wpa_supplicant@.service \
    "$root/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants/wpa_supplicant@wlan0.service"
chroot "$root" systemctl enable -q frontdesk-wifi.service
chroot "$root" systemctl disable -q wpa_supplicant.service
ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
chroot "$root" systemctl enable -q systemd-networkd systemd-resolved systemd-timesyncd
install -d "$root/etc/systemd/journald.conf.d" "$root/etc/systemd/system/frontdesk-kiosk.service.d"
install -m 644 image/files/journald-volatile.conf "$root/etc/systemd/journald.conf.d/frontdesk.conf"
install -m 644 image/files/kiosk-boot-config.conf \
    "$root/etc/systemd/system/frontdesk-kiosk.service.d/boot-config.conf"
echo frontdesk-kiosk >"$root/etc/hostname"
# systemd makes a machine id in memory on every boot of a read-only root.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# SSH: off unless the boot partition holds ssh_authorized_keys; each card makes its own
# host key on its first start (the package made some here: they would be every card's).
rm -f "$root"/etc/ssh/ssh_host_*
install -m 644 image/files/sshd-frontdesk.conf "$root/etc/ssh/sshd_config.d/frontdesk.conf"
install -d "$root/etc/systemd/system/ssh.service.d"
install -m 644 image/files/ssh-opt-in.conf "$root/etc/systemd/system/ssh.service.d/frontdesk.conf"
chroot "$root" systemctl enable -q ssh.service
# The data partition grows to the card on the first boot.
install -m 755 image/files/frontdesk-grow-data "$root/usr/local/sbin/frontdesk-grow-data"
install -m 644 image/files/frontdesk-grow-data.service "$root/etc/systemd/system/"
chroot "$root" systemctl enable -q frontdesk-grow-data.service
# No passwords: root is locked, and no other account can log in.
chroot "$root" passwd -q -l root
# Debian's raspi-firmware writes the Pi's cmdline.txt; point it at our root, read-only.
sed -i 's/^#\?ROOTPART=.*/ROOTPART=LABEL=FDROOT/' "$root/etc/default/raspi-firmware"
sed -i 's/\broot=[^ ]*/root=LABEL=FDROOT/; s/\brw\b/ro/' "$root/boot/firmware/cmdline.txt"
grep -q 'root=LABEL=FDROOT' "$root/boot/firmware/cmdline.txt" || sed -i 's/$/ root=LABEL=FDROOT ro/' "$root/boot/firmware/cmdline.txt"
sed 's/^backend = .*/backend = "linuxkms"/' packaging/kiosk.toml >"$root/boot/firmware/frontdesk.toml"
rm -rf "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"* "$root/var/log/"*

if awk -F: '$2 !~ /^[*!]/ { print $1 }' "$root/etc/shadow" | grep .; then
    echo "FAIL: these accounts have a password" >&2
    exit 1
fi
if ls "$root"/etc/ssh/ssh_host_* 2>/dev/null; then
    echo "FAIL: SSH host keys in the image" >&2
    exit 1
fi

# The boot test's kernel and initramfs (QEMU boots them directly; they are also on the
# boot partition, where the Pi's firmware finds them).
cp "$(ls "$root"/boot/vmlinuz-* | tail -1)" "$out/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | tail -1)" "$out/initrd.img"

echo "== partitions (no loop devices: filesystems made from directories, then placed)"
mkdir -p "$out/boot" "$out/data"
mv "$root/boot/firmware/"* "$out/boot/"
# The vfat boot partition: the Pi's firmware, kernel, initramfs, cmdline.txt and the config.
mkfs.vfat -C -n RASPIFIRM "$out/boot.part" $((256 * 1024)) >/dev/null
mcopy -s -i "$out/boot.part" "$out/boot/"* ::/
root_mib=$(( $(du -sm "$root" | cut -f1) * 13 / 10 + 64 ))
mkfs.ext4 -q -L FDROOT -d "$root" "$out/root.part" "${root_mib}M"
# The data partition's top is root's: the kiosk's state (kiosk/, made by its unit) and
# the SSH host key (ssh/, root only) sit side by side in it.
chmod 0755 "$out/data"
mkfs.ext4 -q -L FDDATA -d "$out/data" "$out/data.part" 256M

img=$out/frontdesk-kiosk-arm64.img
boot_mib=256
data_mib=256
total=$((4 + boot_mib + root_mib + data_mib + 1))
truncate -s "${total}M" "$img"
sfdisk -q "$img" <<PARTS
label: dos
start=4MiB, size=${boot_mib}MiB, type=c, bootable
size=${root_mib}MiB, type=83
size=${data_mib}MiB, type=83
PARTS
dd if="$out/boot.part" of="$img" bs=1M seek=4 conv=notrunc,sparse status=none
dd if="$out/root.part" of="$img" bs=1M seek=$((4 + boot_mib)) conv=notrunc,sparse status=none
dd if="$out/data.part" of="$img" bs=1M seek=$((4 + boot_mib + root_mib)) conv=notrunc,sparse status=none
rm -f "$out/"*.part
xz -T2 -6 -k -f "$img"

echo "== figures"
printf 'installed root: %s MiB, image: %s MiB, compressed (xz): %s MiB\n' \
    "$(du -sm "$root" | cut -f1)" "$(( $(stat -c %s "$img") / 1048576 ))" \
    "$(( $(stat -c %s "$img.xz") / 1048576 ))"
echo "write it: xzcat $img.xz | dd of=/dev/sdX bs=4M conv=fsync"
