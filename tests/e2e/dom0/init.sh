#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test dom0 (Debian's kernel, PV, busybox; no bash here).
#
# Brings up what xl needs (testing.md, "Dom0 initramfs essentials"): the
# Xen device modules, xenfs, xenstored, xen-init-dom0, xenconsoled with
# per-guest console logs; then loads xenintro.ko + xenintro_xen.ko and
# runs /xi/<mode>.sh, where <mode> comes from "xi.mode=" on the kernel
# command line (e2e, bench or demo). Everything is printed on the console
# (hvc0 -> Xen -> QEMU's serial port), which the host parses. Lines the host
# looks for start with "XI-".
#
# Whatever happens, the machine is powered off at the end, so that QEMU
# exits; the host's `timeout` is only the last resort.
#
# No "set -e": a failing step must be reported and the machine still
# powered off, not leave PID 1 dead (a kernel panic) with QEMU running on.
set -u
# Xen's tools sit in Debian's versioned directory (the host copied them at
# the path its xen-utils package uses).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
for d in /usr/lib/xen-*/bin; do
	[ -d "$d" ] && PATH=$PATH:$d
done
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /dev/shm
exec </dev/console >/dev/console 2>&1

mode=e2e
for arg in $(cat /proc/cmdline); do
	case "$arg" in xi.mode=*) mode=${arg#xi.mode=} ;; esac
done

echo "XI-BOOT: dom0 up mode=$mode kernel=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)"

bye() {
	echo "XI-BOOT: poweroff uptime=$(cut -d' ' -f1 /proc/uptime)"
	sync
	# Xen powers the machine off when dom0 does; QEMU then exits.
	poweroff -f
	sleep 30
	echo "XI-BOOT: still here after poweroff"
	reboot -f
}

fail_boot() {
	echo "XI-BOOT: FAILED $*"
	dmesg | tail -n 40 | sed 's/^/XI-DMESG boot: /'
	bye
}

# The Xen device drivers, in dependency order (xenfs needs privcmd).
for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs; do
	insmod "/lib/modules/xen/$m.ko" || fail_boot "insmod $m"
done
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen || fail_boot "mount xenfs"

mkdir -p /var/lib/xen /var/lib/xenstored /etc/xen /run/xen /run/xenstored \
	/var/log/xen/console /var/run
[ -e /var/run/xen ] || ln -s /run/xen /var/run/xen
[ -e /var/run/xenstored ] || ln -s /run/xenstored /var/run/xenstored
: >/etc/xen/xl.conf

xenstored --pid-file=/run/xenstored.pid || fail_boot "xenstored"
# xenstored daemonises once its socket is up; xen-init-dom0 needs it.
xen-init-dom0 || fail_boot "xen-init-dom0"
# --log=guest: each guest's console in /var/log/xen/console/guest-<name>.log
xenconsoled --log=guest --log-dir=/var/log/xen/console \
	--pid-file=/run/xenconsoled.pid || fail_boot "xenconsoled"
xl info >/tmp/xl-info 2>&1 || fail_boot "xl info: $(cat /tmp/xl-info)"
echo "XI-BOOT: xen $(sed -n 's/^xen_version *: //p' /tmp/xl-info)" \
	"caps=[$(sed -n 's/^virt_caps *: //p' /tmp/xl-info)]" \
	"free_mb=$(sed -n 's/^free_memory *: //p' /tmp/xl-info)"

if [ -x "/xi/$mode.sh" ]; then
	/xi/"$mode".sh
	echo "XI-BOOT: $mode.sh exited $?"
else
	echo "XI-BOOT: FAILED no /xi/$mode.sh"
fi
bye
