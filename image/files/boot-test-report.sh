#!/bin/sh
# Used by image/boot-test.sh only (put into a copy of the image): waits until the kiosk
# has fed its watchdog at least once, then prints one line the test reads on the console.
# Lines go to the kernel log too, which always reaches the serial console.
say() { echo "$*"; echo "$*" >/dev/kmsg 2>/dev/null || true; }
state() { systemctl show -p ActiveState -p SubState -p NRestarts -p WatchdogUSec frontdesk-kiosk.service | tr '\n' ' '; }
for i in $(seq 900); do
    fed=$(systemctl show -P WatchdogTimestampMonotonic frontdesk-kiosk.service)
    [ "${fed:-0}" -gt 0 ] 2>/dev/null && break
    [ $((i % 30)) -eq 0 ] && say "FRONTDESK-BOOT-WAIT ${i}s $(state) fed=${fed}"
    sleep 1
done
fed=$(systemctl show -P WatchdogTimestampMonotonic frontdesk-kiosk.service)
watchdog=unfed
[ "${fed:-0}" -gt 0 ] 2>/dev/null && watchdog=armed
root=rw
findmnt -no OPTIONS / | tr ',' '\n' | grep -qx ro && root=ro
data=ro
findmnt -no OPTIONS /var/lib/frontdesk | tr ',' '\n' | grep -qx rw && data=rw
data_mib=$(df -m --output=size /var/lib/frontdesk | tail -1 | tr -d ' ')
say "FRONTDESK-BOOT-TEST $(state) root=$root data=$data data_mib=$data_mib ssh=$(systemctl is-active ssh.service) watchdog=$watchdog"
