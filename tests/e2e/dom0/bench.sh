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
#                insn_length), verdicts batched; the agent hands the
#                verdicts over and sleeps in one kick ioctl
#                (KICK_WAIT): one system call per event
#   xenintro-kick  the same with a kick ioctl per batch, then poll()
#                (two system calls per event)
#   xenintro-busy  xenintro with libxenintro's busy polling: after each
#                batch xenintro_wait() spins up to 2000 us on the ring
#                before it sleeps in poll()
#   xenintro-spin  kick per batch, the agent busy-polling the ring
#   xenintro-rule  xi_agent bench-rule: one CPUID rule (CONTINUE: the
#                kernel completes each CPUID with Xen's result) answers
#                every CPUID in the kernel; nothing reaches the agent
#   unmon-after  nothing again: the guest is back to its old speed
#
# and prints one "XI-BENCH|<phase>|key=value ..." line per phase and pass
# for the host (tests/bench/xen-bench.sh) to tabulate.
#
# The conditions take turns: PASSES passes, each running every condition
# for ROUNDS / PASSES rounds, so that a drift of the emulator's speed
# during the boot spreads over all of them instead of favouring the ones
# measured in a fast stretch. unmon-after closes the last pass.
#
# "xi.rounds=" on the kernel command line sets the rounds (default 15) of
# 2000 CPUIDs each per condition, "xi.passes=" the passes (default 3),
# "xi.mem_mib=" the guest memory the memory benchmark reads (default 64).
#
# Then the guest-memory benchmark (xi_membench), one "XI-MEMBENCH|..."
# line per method.
set -u
. /xi/lib.sh

ROUNDS=15
PASSES=3
PER=2000
MEM_MIB=64
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	xi.rounds=*) ROUNDS=${arg#xi.rounds=} ;;
	xi.passes=*) PASSES=${arg#xi.passes=} ;;
	xi.mem_mib=*) MEM_MIB=${arg#xi.mem_mib=} ;;
	esac
done
[ "$PASSES" -ge 1 ] 2>/dev/null || PASSES=1
PASS_ROUNDS=$((ROUNDS / PASSES))
[ "$PASS_ROUNDS" -ge 1 ] || PASS_ROUNDS=1
PASS=0

bench() {
	echo "XI-BENCH|$1|$2 events=$3 handled_by=$4 pass=$PASS"
}

# phase <name>: one timed run in the guest; its result in $PHASE_LINE.
phase() {
	grun gb "b-$1-$PASS" 900 xi_guest cpuid-bench "$PASS_ROUNDS" "$PER" ||
		log "phase $1 (pass $PASS): no end marker from the guest"
	PHASE_LINE=$(gline gb "b-$1-$PASS" cpuid-bench)
	PHASE_LINE=${PHASE_LINE#*cpuid-bench }
}

# The guest may die under this emulator whatever watches it (see
# ensure_guest in lib.sh): replace it, and say so in the table's notes.
revive() {
	grunning gb && return 0
	ensure_guest gb || { log "bench guest lost and not replaced"; exit 1; }
	d=$(domid gb)
	sleep 3
	echo "XI-BENCH-NOTE|the guest died during $1 (pass $PASS) and was replaced (dom$d); $1 was measured again"
	return 1
}

load_xenintro || log "xenintro did not load: $(dmesg | tail -n 3)"
dmesg_mark load
guest_boot gb || { log "guest did not boot"; exit 1; }
d=$(domid gb)
log "bench guest dom$d, $PASSES passes of $PASS_ROUNDS rounds of $PER CPUIDs per condition"
# Let the guest's boot finish settling before the first timing.
sleep 3

unmon_phase() { # unmon_phase <name>
	phase "$1"
	revive "$1" || phase "$1"
	bench "$1" "$PHASE_LINE" 0 -
}

xa_phase() {
	# Its per-event lines go to stdout, its chatter ("Got event from
	# Xen", once per wake-up) to stderr: separate files keep the lines
	# whole for counting.
	xen-access "$d" cpuid >/tmp/xa.out 2>/tmp/xa.err &
	xa=$!
	sleep 2
	phase xen-access
	kill -INT "$xa"
	wait "$xa"
}
xa_bench() {
	xa_phase
	revive xen-access || xa_phase
	bench xen-access "$PHASE_LINE" "$(grep -c 'CPUID executed' /tmp/xa.out)" "xen-access(userspace)"
	echo "XI-LOG xen-access (pass $PASS): $(grep -c 'Got event from Xen' /tmp/xa.err) wake-ups"
	grep -v 'Got event from Xen' /tmp/xa.err | head -n 20 | sed 's/^/XI-LOG xen-access: /'
	alive gb 2 || log "guest stalled after xen-access"
}

# xb_phase <phase> <agent mode>
xb_phase() {
	agent_start /tmp/xb.out "$2" "$d" 0
	agent_ready /tmp/xb.out
	phase "$1"
	agent_stop "$AGENT_PID" 20
}
xb_bench() {
	for m in bench bench-kick bench-busy bench-spin; do
		p=xenintro${m#bench}
		xb_phase $p $m
		revive $p || xb_phase $p $m
		show /tmp/xb.out "XI-AGENT $m"
		l=$(aline /tmp/xb.out "$m done")
		bench $p "$PHASE_LINE batches=$(kv "$l" batches) kicks=$(kv "$l" kicks) max_batch=$(kv "$l" max_batch) notifies=$(kv "$l" notifies) deadline=$(kv "$l" deadline) wake_avg_us=$(kv "$l" wake_avg_us)" \
			"$(kv "$l" cpuid)" "xenintro(agent,$m)"
	done
}

# The kernel verdict: a rule answers every CPUID in the event path.
xr_phase() {
	agent_start /tmp/xr.out bench-rule "$d" 0
	agent_ready /tmp/xr.out
	phase xenintro-rule
	agent_stop "$AGENT_PID" 20
}
xr_bench() {
	xr_phase
	revive xenintro-rule || xr_phase
	show /tmp/xr.out "XI-AGENT bench-rule"
	l=$(aline /tmp/xr.out "rulestats")
	bench xenintro-rule "$PHASE_LINE hits=$(kv "$l" hit0) forwarded=$(kv "$l" forwarded) kernel_verdicts=$(kv "$l" kernel_verdicts) agent_verdicts=$(kv "$l" agent_verdicts) deadline=$(kv "$l" deadline) rules_ret=$(kv "$(aline /tmp/xr.out "rules nr=")" ret)" \
		"$(kv "$l" hit0)" "xenintro(kernel rule)"
}

while [ "$PASS" -lt "$PASSES" ]; do
	PASS=$((PASS + 1))
	unmon_phase unmon
	xa_bench
	xb_bench
	xr_bench
done
unmon_phase unmon-after

# Where the kernel's time goes (issue 5: profile before guessing). perf
# needs a C library this initramfs does not have; the kernel's own
# function_graph tracer does not. Each traced phase runs a few rounds with
# the graph tracer on xenintro's three entry points (the event channel's
# hard IRQ, poll() and ioctl()) and prints, per function, its calls and
# inclusive time: one "XI-PROF|<phase>|<func>|calls=N total_us=T" line
# each. Tracing inflates what it measures, so these phases are not in
# the table above; their own us/CPUID is printed for comparison.
TR=/sys/kernel/tracing
trace_ready() {
	[ -e $TR/current_tracer ] || mount -t tracefs nodev $TR 2>/dev/null
	grep -qw function_graph $TR/available_tracers 2>/dev/null
}

trace_on() {
	echo 0 >$TR/tracing_on
	echo nop >$TR/current_tracer
	: >$TR/set_graph_function
	for fn in xi_evtchn_interrupt xenintro_drain_work_fn xenintro_poll xenintro_ioctl; do
		echo $fn >>$TR/set_graph_function ||
			log "trace: $fn cannot be traced"
	done
	# Deep enough for the drain work -> per request -> hypercall.
	echo 7 >$TR/max_graph_depth
	echo 1 >$TR/options/funcgraph-tail
	echo 16384 >$TR/buffer_size_kb
	echo function_graph >$TR/current_tracer
	: >$TR/trace
	echo 1 >$TR/tracing_on
}

# trace_off <phase> <events>: stop and sum up. A function's inclusive time
# is on its closing line ("} /* f */", funcgraph-tail) or, for a leaf, on
# its "f();" line; the duration is the number before "us".
trace_off() {
	awk -v ph="$1" -v ev="$2" '
		/ us +\|/ {
			n = split($0, a, "|")
			left = a[1]; right = a[2]
			sub(/.*\) */, "", left); gsub(/[^0-9.]/, "", left)
			if (left == "") next
			f = ""
			if (match(right, /\/\* .* \*\//))
				f = substr(right, RSTART + 3, RLENGTH - 6)
			else if (match(right, /[A-Za-z0-9_.]+( \[[A-Za-z0-9_]+\])?\(\);/))
				f = substr(right, RSTART, RLENGTH - 3)
			sub(/ \[.*\]/, "", f)
			if (f == "") next
			calls[f]++; tot[f] += left
		}
		/overrun|LOST/ { lost = lost " " $0 }
		END {
			for (f in calls)
				printf "XI-PROF|%s|%s|calls=%d total_us=%.1f events=%s\n", ph, f, calls[f], tot[f], ev
			if (lost != "") printf "XI-PROF-NOTE|%s|trace lost entries:%s\n", ph, lost
		}' $TR/trace
	echo nop >$TR/current_tracer
	: >$TR/trace
}

PROF_ROUNDS=2
prof_phase() {
	agent_start /tmp/xp.out "$2" "$d" 0
	agent_ready /tmp/xp.out
	trace_on
	grun gb "p-$1" 900 xi_guest cpuid-bench "$PROF_ROUNDS" "$PER" ||
		log "profile $1: no end marker from the guest"
	l=$(gline gb "p-$1" cpuid-bench)
	# Stop before the agent's detach, which is not the event path.
	echo 0 >$TR/tracing_on
	agent_stop "$AGENT_PID" 20
	ev=$(kv "$(aline /tmp/xp.out "$3")" "$4")
	trace_off "$1" "${ev:-0}"
	echo "XI-PROF-PHASE|$1|${l#*cpuid-bench } events=${ev:-0}"
}
if trace_ready; then
	prof_phase xenintro-rule bench-rule rulestats hit0
	prof_phase xenintro bench "bench done" cpuid
	alive gb 2 || log "guest stalled after the traced phases"
else
	echo "XI-PROF-NOTE|-|function_graph tracer not available in this dom0 kernel; no profile"
fi

# Guest memory, xenintro against Debian's libxenforeignmemory, on a paused
# guest (tests/e2e/agent/xi_membench.c): 64 MiB of frames, in order and
# shuffled, in 3 passes, and 2000 64-byte reads at a vmalloc address
# (4-level walk).
grun gb m-va 60 xi_va
va=$(gline gb m-va va | sed -n 's/.*vmalloc va=\([^ ]*\).*/\1/p')
/xi/xi_membench "$d" "${va:-0}" "$MEM_MIB" 2000 3 2>&1 | grep '^XI-MEMBENCH|'
alive gb 2 || log "guest stalled after the memory benchmark"

dmesg_mark bench
xl destroy gb
show "$(glog gb)" "XI-GLOG gb"
echo "XI-BENCH-END"
