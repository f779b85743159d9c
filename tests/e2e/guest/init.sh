#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the monitored PVH guest (busybox sh; the guest has no bash).
#
# The guest is driven from dom0 through its console: dom0 writes
#   <id> <command line>
# into the guest's console pty, and this loop runs the command with
# XI_ID=<id> and brackets its output with
#   XI-G: begin <id>   ...   XI-G: end <id> rc=<status>
# xenconsoled logs the console in dom0 (/var/log/xen/console/), where the
# scenario scripts look for these lines.
#
# A heartbeat ("XI-G: hb <n>", once a second) runs all the time: it is how
# dom0 tells that the guest still runs after a detach, a killed agent, ...
#
# No "set -e": this is PID 1, and a failed command must not kill the guest.
set -u

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp && mount -t tmpfs tmpfs /tmp

exec </dev/hvc0 >/dev/hvc0 2>&1
# Commands are read from the console: no echo of them into the log, and
# no CR/LF translation that would put \r into the markers.
stty -echo -onlcr 2>/dev/null

echo "XI-G: up kernel=$(uname -r)"

(
	n=0
	while :; do
		n=$((n + 1))
		echo "XI-G: hb $n"
		sleep 1
	done
) &

while :; do
	if ! read -r id cmd; then
		# EOF on the console (nothing to read yet): try again.
		sleep 1
		continue
	fi
	[ -n "$id" ] || continue
	echo "XI-G: begin $id"
	XI_ID=$id sh -c "$cmd"
	echo "XI-G: end $id rc=$?"
done
