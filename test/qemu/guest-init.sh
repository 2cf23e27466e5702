#!/bin/busybox sh
# /init of the test guest: load the modules, run every line of /etc/wd-tests
# ("name command..."), and print everything to the serial console with
# markers the host reads (run-qemu.sh):
#   @@T <name> <line>   a line of test output (TAP)
#   @@X <name> <status> exit status of a test program
#   @@D <line>          the guest's dmesg, at the end
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/tests
echo "@@BOOTED $(uname -r) $(nproc) cpus"

n=0
say() {
	n=$((n + 1))
	echo "@@T init $1 $n - $2"
}

for m in /lib/wd/crypto/*.ko; do
	[ -f "$m" ] && insmod "$m"
done
if insmod /lib/wd/uacce.ko && insmod /lib/wd/wd_soft.ko; then
	say ok "insmod uacce.ko and wd_soft.ko"
else
	say "not ok" "insmod uacce.ko and wd_soft.ko"
fi
ls /sys/class/uacce | sed 's/^/@@I device /'
echo "@@T init 1..$n"

while read -r name cmd; do
	[ -n "$name" ] || continue
	echo "@@R $name $(cut -d" " -f1 /proc/uptime)"
	( cd /tmp && eval "timeout 300 $cmd"; echo "@@X $name $?" ) 2>&1 |
		sed "s/^@@X /@@X /;t;s/^/@@T $name /"
done < /etc/wd-tests

dmesg | sed 's/^/@@D /'
echo "@@DONE"
poweroff -f
