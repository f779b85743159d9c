#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Xen CPUID benchmark, dom0 side (busybox sh), one boot: a PVH guest
# times rounds of CPUIDs (xi_guest cpuid-bench) under
#
#   unmon        nothing monitoring
#   xen-access   Debian's `xen-access <domid> cpuid`, output to tmpfs
#   xenintro     xi_agent bench: every CPUID forwarded to the agent through
#                the event ring, answered SET_REGISTERS (echo, rip +=
#                insn_length), verdicts batched, one kick per batch
#   unmon-after  nothing again: the guest is back to its old speed
#
# and prints one "XI-BENCH|<phase>|key=value ..." line per phase for the
# host (tests/bench/xen-bench.sh) to tabulate. xenintro has no in-kernel
# rule engine yet (XENINTRO_FEATURE_RULES is not offered), so a kernel
# verdict row cannot be measured; the host says so.
#
# "xi.rounds=" on the kernel command line sets the rounds (default 15) of
# 2000 CPUIDs each.
set -u
. /xi/lib.sh

ROUNDS=15
PER=2000
for arg in $(cat /proc/cmdline); do
	case "$arg" in xi.rounds=*) ROUNDS=${arg#xi.rounds=} ;; esac
done

bench() {
	echo "XI-BENCH|$1|$2 events=$3 handled_by=$4"
}

# phase <name>: one timed run in the guest; prints its line.
phase() {
	grun gb "b-$1" 900 xi_guest cpuid-bench "$ROUNDS" "$PER" ||
		log "phase $1: no end marker from the guest"
	PHASE_LINE=$(gline gb "b-$1" cpuid-bench)
	PHASE_LINE=${PHASE_LINE#*cpuid-bench }
}

load_xenintro || log "xenintro did not load: $(dmesg | tail -n 3)"
dmesg_mark load
guest_boot gb || { log "guest did not boot"; exit 1; }
d=$(domid gb)
log "bench guest dom$d, $ROUNDS rounds of $PER CPUIDs per phase"
# Let the guest's boot finish settling before the first timing.
sleep 3

phase unmon
bench unmon "$PHASE_LINE" 0 -

xen-access "$d" cpuid >/tmp/xa.out 2>&1 &
xa=$!
sleep 2
phase xen-access
kill -INT "$xa"
wait "$xa"
bench xen-access "$PHASE_LINE" "$(grep -c 'CPUID executed' /tmp/xa.out)" "xen-access(userspace)"
grep -v 'CPUID executed' /tmp/xa.out | sed 's/^/XI-LOG xen-access: /'
alive gb 2 || log "guest stalled after xen-access"

agent_start /tmp/xb.out bench "$d" 0
agent_ready /tmp/xb.out
phase xenintro
agent_stop "$AGENT_PID" 20
show /tmp/xb.out "XI-AGENT bench"
l=$(aline /tmp/xb.out "bench done")
bench xenintro "$PHASE_LINE batches=$(kv "$l" batches) kicks=$(kv "$l" kicks) max_batch=$(kv "$l" max_batch) notifies=$(kv "$l" notifies) deadline=$(kv "$l" deadline)" \
	"$(kv "$l" cpuid)" "xenintro(agent,batched)"

phase unmon-after
bench unmon-after "$PHASE_LINE" 0 -

dmesg_mark bench
xl destroy gb
show "$(glog gb)" "XI-GLOG gb"
echo "XI-BENCH-END"
