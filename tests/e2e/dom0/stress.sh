#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A diagnostic, not part of `make check` (busybox sh, dom0 side): how often
# do PVH guests die under this QEMU/Xen when they switch processes and run
# CPUID hard, with and without monitoring? Boot with xi.mode=stress, e.g.
#   XENINTRO_E2E_MODE=stress tests/e2e/run.sh
# Each phase prints "XI-STRESS|<phase>|guests alive before/after".
#
# Phases (xi.stress=<seconds per phase>, default 60):
#   unmon        two guests, nothing monitoring
#   sync-cr3     the same, xi_agent watching CR3 (sync) on one of them
#   async-cr3    the same with asynchronous CR3 events
#   stream       CPUID + CR3 + FS_BASE (sync) on one of them
set -u
. /xi/lib.sh

T=60
for arg in $(cat /proc/cmdline); do
	case "$arg" in xi.stress=*) T=${arg#xi.stress=} ;; esac
done

state() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

load_xenintro || log "xenintro did not load"
guest_boot s1 || log "s1 did not boot"
guest_boot s2 || log "s2 did not boot"

# A guest that died in an earlier phase is replaced, so every phase starts
# with two running guests (the crash itself is on the console already).
revive() {
	case "$(state "$1")" in
	'' | *s* | *c* | *d*)
		log "$1 is dead ($(state "$1")); booting a new one"
		keep_dead_log "$1" "$(domid "$1")"
		xl destroy "$1" 2>/dev/null
		guest_boot "$1" || log "$1 did not boot again"
		;;
	esac
}

phase() {
	name=$1
	shift
	revive s1
	revive s2
	# The agent's domid is only known now.
	[ $# -gt 0 ] && { a=$1; shift; set -- "$a" "$(domid s1)" "$@"; }
	b1=$(hb s1) b2=$(hb s2)
	gsend s1 "$name" "xi_guest pingpong $T & xi_guest cpuid-loop $T; wait"
	gsend s2 "$name" "xi_guest pingpong $T & xi_guest cpuid-loop $T; wait"
	if [ $# -gt 0 ]; then
		$AGENT "$@" >"/tmp/stress-$name.out" 2>&1
		show "/tmp/stress-$name.out" "XI-AGENT $name"
	else
		sleep "$T"
	fi
	wait_file "$(glog s1)" "XI-G: end $name " 60
	wait_file "$(glog s2)" "XI-G: end $name " 60
	echo "XI-STRESS|$name|s1=dom$(domid s1) $(state s1) hb $b1->$(hb s1) $(gline s1 "$name" pingpong | sed 's/.*pingpong //')|s2=dom$(domid s2) $(state s2) hb $b2->$(hb s2) $(gline s2 "$name" pingpong | sed 's/.*pingpong //')"
	dmesg_mark "$name"
}

phase unmon
phase sync-cr3 cr3 "$T"
phase async-cr3 cr3 "$T" async
phase stream stream "$T"
# Where in the guest kernel the crashes were (PVH entry: no KASLR, so a
# running guest's /proc/kallsyms names the addresses).
revive s1
for rip in $(xl dmesg | sed -n 's/.*RIP:    0010:\[<\(ffffffff[0-9a-f]*\)>\].*/\1/p' | sort -u); do
	gsend s1 "ks$rip" "awk '\$1 <= \"$rip\"' /proc/kallsyms | sort | tail -n 1 | sed 's/^/XI-G: ks$rip /'"
	wait_file "$(glog s1)" "XI-G: end ks$rip " 30
	echo "XI-STRESS|crash-rip|$rip $(grep "XI-G: ks$rip " "$(glog s1)" | tail -n1 | cut -d' ' -f3-)"
done
for g in s1 s2; do
	show "$(glog $g)" "XI-GLOG $g"
done
echo "XI-STRESS-END"
