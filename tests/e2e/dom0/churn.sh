#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A diagnostic, not part of `make check` (busybox sh, dom0 side): how often
# does a PVH guest die on this QEMU/Xen while guests are created and
# destroyed next to it? Boot with xi.mode=churn (tests/e2e/stress.sh
# --churn). Guest s1 runs process switches and CPUIDs the whole time; s2
# is destroyed and booted again, xi.churn=<n> times (default 10), and
# lives 5 s after each boot. One line per round:
#
#   XI-CHURN|<round>|s2=dom<id> <state> up=<yes|no>|s1=dom<id> <state>
#
# and at the end "XI-CHURN-END|boots=<n> s2_deaths=<n> s1_deaths=<n>
# xenintro=<loaded|not loaded> monitor=<none|stream>".
#
# xi.churn_load=0: xenintro is not even loaded. xi.churn_mon=1: xi_agent
# streams s1's CPUID/CR3/FS_BASE events (sync) all along.
set -u
. /xi/lib.sh

N=10 LOAD=1 MON=0
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	xi.churn=*) N=${arg#xi.churn=} ;;
	xi.churn_load=*) LOAD=${arg#xi.churn_load=} ;;
	xi.churn_mon=*) MON=${arg#xi.churn_mon=} ;;
	esac
done

loaded="not loaded"
if [ "$LOAD" = 1 ]; then
	load_xenintro && loaded=loaded
fi
[ "$LOAD" = 1 ] || MON=0

s1_deaths=0 s2_deaths=0 boots=0
start_s1() {
	guest_boot s1 || log "s1 did not boot"
	gsend s1 load "xi_guest pingpong 3600 & xi_guest cpuid-loop 3600; wait"
	if [ "$MON" = 1 ]; then
		agent_start /tmp/churn-agent.out stream "$(domid s1)" 0
		agent_ready /tmp/churn-agent.out
	fi
}
start_s1
i=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	xl destroy s2 2>/dev/null
	up=no
	guest_boot s2 && up=yes
	boots=$((boots + 1))
	sleep 5
	grunning s2 || s2_deaths=$((s2_deaths + 1))
	echo "XI-CHURN|$i|s2=dom$(domid s2) $(gstate s2) up=$up|s1=dom$(domid s1) $(gstate s1)"
	if ! grunning s1; then
		s1_deaths=$((s1_deaths + 1))
		[ "$MON" = 1 ] && agent_stop "$AGENT_PID" 10
		keep_dead_log s1 "$(domid s1)"
		xl destroy s1 2>/dev/null
		start_s1
	fi
done
[ "$MON" = 1 ] && agent_stop "$AGENT_PID" 20 && show /tmp/churn-agent.out "XI-AGENT churn"
echo "XI-CHURN-END|boots=$boots s2_deaths=$s2_deaths s1_deaths=$s1_deaths xenintro=$loaded monitor=$([ "$MON" = 1 ] && echo stream || echo none)"
dmesg_mark churn
