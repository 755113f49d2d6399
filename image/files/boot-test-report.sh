#!/bin/sh
# Used by image/boot-test.sh only (put into a copy of the image): waits until the kiosk
# has fed its watchdog at least once, then prints one line the test reads on the console.
for _ in $(seq 900); do
    fed=$(systemctl show -P WatchdogTimestampMonotonic frontdesk-kiosk.service)
    [ "${fed:-0}" -gt 0 ] 2>/dev/null && break
    sleep 1
done
state=$(systemctl show -p ActiveState -p SubState -p NRestarts -p WatchdogUSec frontdesk-kiosk.service | tr '\n' ' ')
fed=$(systemctl show -P WatchdogTimestampMonotonic frontdesk-kiosk.service)
watchdog=unfed
[ "${fed:-0}" -gt 0 ] 2>/dev/null && watchdog=armed
root=rw
findmnt -no OPTIONS / | tr ',' '\n' | grep -qx ro && root=ro
data=ro
findmnt -no OPTIONS /var/lib/frontdesk | tr ',' '\n' | grep -qx rw && data=rw
echo "FRONTDESK-BOOT-TEST $state root=$root data=$data watchdog=$watchdog"
