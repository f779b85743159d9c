#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Xen end-to-end scenarios, run in dom0 in one boot (busybox sh).
#
# Each scenario decides its own verdict from what the guest printed on its
# console and what the agent (xi_agent) counted, and reports it with
# result(); the host turns those lines into TAP and adds its own checks
# (kernel splats on the console, run time). Order:
#
#   load, 1 boot events, 2 CPUID, 3 INT3, 4 CR3, 5 guest request /
#   descriptor access / debug exception (+ what SVM cannot do), 6
#   mem_access, 7 detach under load, 8 kill -9, 10 two guests, 9 xl destroy
#   (last: it kills the second guest and ends with rmmod).
#
# No "set -e": every scenario must run and report even when an earlier one
# failed; each checks its own steps.
set -u
. /xi/lib.sh

: >"$RESULTS"
num() { case "${1:-}" in '' | *[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
ge() { [ "$(num "$1")" -ge "$2" ]; }

MARKER=0x4a4a0000
dmesg_mark boot

# ---------------------------------------------------------------- load
if load_xenintro; then
	probe=$(dmesg | grep -F 'xenintro_xen: Xen 4.17 backend ready' | tail -n1)
	if [ -n "$probe" ]; then
		result L1 ok "load: xenintro.ko and xenintro_xen.ko load in a Xen 4.17 dom0 and log the probe" "${probe#*] }"
	else
		result L1 fail "load: xenintro.ko and xenintro_xen.ko load in a Xen 4.17 dom0 and log the probe" "loaded but no probe line in dmesg"
	fi
else
	result L1 fail "load: xenintro.ko and xenintro_xen.ko load in a Xen 4.17 dom0 and log the probe" "insmod failed: $(dmesg | tail -n 3 | tr '\n' ' ')"
fi
result L2 skip "load: xenintro_xen refuses to load outside dom0" "needs a non-dom0 Linux with the same module build (a domU or bare metal); this harness boots only a dom0"
dmesg_mark load

# -------------------------------------------------- 1: attach at creation
S=1 name="attach to a guest created paused; CR and MSR events from its boot"
t=$(uptime_s)
if guest_boot g1 -p; then
	d1=$(domid g1)
	agent_start /tmp/s1.out boot "$d1" 0
	if agent_ready /tmp/s1.out; then
		xl unpause g1
		up=no
		wait_file "$(glog g1)" "XI-G: up" 180 && up=yes
		# Let the guest settle (init, heartbeat) while still monitored.
		sleep 2
		agent_stop "$AGENT_PID" 20
		show /tmp/s1.out "XI-AGENT 1"
		l=$(aline /tmp/s1.out "boot done")
		detail="dom$d1 guest_up=$up cr0=$(kv "$l" cr0) cr3=$(kv "$l" cr3) cr4=$(kv "$l" cr4) lstar=$(kv "$l" lstar) msr_other=$(kv "$l" msr_other) total=$(kv "$l" total) deadline=$(kv "$l" deadline) boot_s=$(awk "BEGIN{print $(uptime_s)-$t}")"
		# EFER is not monitored: see mode_boot() in xi_agent.c.
		if [ "$up" = yes ] && ge "$(kv "$l" cr0)" 1 && ge "$(kv "$l" cr3)" 1 &&
			ge "$(kv "$l" cr4)" 1 && ge "$(kv "$l" lstar)" 1 && alive g1 2; then
			result $S ok "$name" "$detail"
		else
			result $S fail "$name" "$detail"
		fi
	else
		show /tmp/s1.out "XI-AGENT 1"
		result $S fail "$name" "agent did not attach: $(head -n 3 /tmp/s1.out | tr '\n' ' ')"
		agent_stop "$AGENT_PID" 5
		xl unpause g1
		wait_file "$(glog g1)" "XI-G: up" 180
	fi
else
	result $S fail "$name" "xl create -p failed: $(tr '\n' ' ' <"/tmp/g1.create.log")"
fi
d1=$(domid g1)
dmesg_mark 1

# --------------------------------------------------------------- 2: CPUID
S=2 name="CPUID: SET_REGISTERS verdicts; marker leaf changed, every other leaf as unmonitored"
grun g1 s2a 300 xi_guest cpuid-list
grun g1 s2m 60 xi_guest cpuid-leaf $MARKER
agent_start /tmp/s2.out cpuid "$d1" 0 $MARKER
agent_ready /tmp/s2.out
grun g1 s2b 600 xi_guest cpuid-list
grun g1 s2c 60 xi_guest cpuid-leaf $MARKER
agent_stop "$AGENT_PID" 20
show /tmp/s2.out "XI-AGENT 2"
grun g1 s2d 300 xi_guest cpuid-list
h0=$(kv "$(gline g1 s2a cpuid-list)" hash)
n0=$(kv "$(gline g1 s2a cpuid-list)" count)
h1=$(kv "$(gline g1 s2b cpuid-list)" hash)
h2=$(kv "$(gline g1 s2d cpuid-list)" hash)
m0=$(gline g1 s2m cpuid-leaf-value)
m1=$(gline g1 s2c cpuid-leaf-value)
l=$(aline /tmp/s2.out "cpuid done")
detail="unmonitored=$h0 monitored=$h1 after=$h2 (leaves*subleaves=$n0) marker_unmonitored=[eax=$(kv "$m0" eax) ebx=$(kv "$m0" ebx) ecx=$(kv "$m0" ecx) edx=$(kv "$m0" edx)] marker_monitored=[eax=$(kv "$m1" eax) ebx=$(kv "$m1" ebx) ecx=$(kv "$m1" ecx) edx=$(kv "$m1" edx)] cpuid_events=$(kv "$l" cpuid) marker_events=$(kv "$l" marker) verdicts=$(kv "$l" agent_verdicts) deadline=$(kv "$l" deadline)"
if [ -n "$h0" ] && [ "$h0" = "$h1" ] && [ "$h0" = "$h2" ] &&
	[ "$(kv "$m1" eax)" = 0x494e4558 ] && [ "$(kv "$m1" edx)" = 0x1234abcd ] &&
	ge "$(kv "$l" cpuid)" "$(num "$n0")" && ge "$(kv "$l" marker)" 1 &&
	[ "$(kv "$l" deadline)" = 0 ]; then
	result $S ok "$name" "$detail"
else
	# Which leaves differ, for the log.
	grep -F "XI-G: s2a cpuid-leaf " "$(glog g1)" | sed 's/.*cpuid-leaf //' >/tmp/s2a.leaves
	grep -F "XI-G: s2b cpuid-leaf " "$(glog g1)" | sed 's/.*cpuid-leaf //' >/tmp/s2b.leaves
	diffl=$(diff /tmp/s2a.leaves /tmp/s2b.leaves | grep '^[-+]leaf' | cut -c2- | cut -d' ' -f1 | sort -u | tr '\n' ' ')
	result $S fail "$name" "$detail differing=[$diffl]"
fi
dmesg_mark 2

# ---------------------------------------------------------------- 3: INT3
S=3 name="INT3 in a guest program, REINJECT verdict: its SIGTRAP handler runs"
grun g1 s3u 60 xi_guest int3 5
agent_start /tmp/s3.out int3 "$d1" 0
agent_ready /tmp/s3.out
grun g1 s3 120 xi_guest int3 20
agent_stop "$AGENT_PID" 20
show /tmp/s3.out "XI-AGENT 3"
g=$(gline g1 s3 int3)
l=$(aline /tmp/s3.out "int3 done")
detail="guest: n=$(kv "$g" n) handled=$(kv "$g" handled) (unmonitored: $(kv "$(gline g1 s3u int3)" handled)/5); agent: int3_events=$(kv "$l" int3) verdicts=$(kv "$l" agent_verdicts)"
if [ "$(kv "$g" handled)" = 20 ] && [ "$(kv "$g" bad)" = 0 ] && ge "$(kv "$l" int3)" 20; then
	result $S ok "$name" "$detail"
elif [ "$(kv "$g" handled)" = 20 ] && [ "$(kv "$l" total)" = 0 ]; then
	# QEMU's TCG checks INT3 against the INTn intercept (SVM_EXIT_SWINT,
	# target/i386 raise_interrupt2() with is_int set), not the #BP
	# exception intercept Xen sets, so Xen never sees the INT3. Real AMD
	# hardware raises the #BP intercept. REINJECT's dm_op path is the
	# same one scenario 5c (#DB) exercises.
	result $S skip "$name" "no INT3 event can reach Xen under QEMU TCG (it checks INT3 against the INTn intercept, not the #BP intercept Xen sets); the guest's handler ran $(kv "$g" handled)/20 with the monitor on; REINJECT is exercised by 5c (#DB)"
else
	result $S fail "$name" "$detail"
fi
dmesg_mark 3

# ----------------------------------------------------------------- 4: CR3
S=4 name="CR3 writes counted during a process-switching workload"
irqs() { grep xenintro /proc/interrupts | awk '{s=0; for (i=2; i<=NF; i++) if ($i ~ /^[0-9]+$/) s+=$i; print s}' | head -n1; }
grun g1 s4u 60 xi_guest pingpong 5
agent_start /tmp/s4.out cr3 "$d1" 0
agent_ready /tmp/s4.out
i0=$(irqs)
grun g1 s4 120 xi_guest pingpong 5
i1=$(irqs)
agent_stop "$AGENT_PID" 20
show /tmp/s4.out "XI-AGENT 4"
# The same with asynchronous events: the guest does not wait for dom0.
agent_start /tmp/s4a.out cr3 "$d1" 0 async
agent_ready /tmp/s4a.out
grun g1 s4a 120 xi_guest pingpong 5
agent_stop "$AGENT_PID" 20
show /tmp/s4a.out "XI-AGENT 4a"
r0=$(kv "$(gline g1 s4u pingpong)" rounds)
r1=$(kv "$(gline g1 s4 pingpong)" rounds)
r2=$(kv "$(gline g1 s4a pingpong)" rounds)
l=$(aline /tmp/s4.out "cr3 done")
la=$(aline /tmp/s4a.out "cr3 done")
detail="pingpong rounds in 5 s: unmonitored=$r0 sync=$r1 async=$r2; sync: cr3_events=$(kv "$l" cr3) (about 2 per round expected) verdicts=$(kv "$l" agent_verdicts) wake_avg_us=$(kv "$l" wake_avg_us) wake_max_us=$(kv "$l" wake_max_us) gap_avg_us=$(kv "$l" gap_avg_us) irqs=$((${i1:-0} - ${i0:-0})); async: cr3_events=$(kv "$la" cr3) dropped=$(kv "$la" dropped)"
# Each round is two process switches, each a CR3 load; ask for one.
if ge "$r1" 1 && ge "$(kv "$l" cr3)" "$(num "$r1")"; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi
dmesg_mark 4

# ------------------------------------- 5: guest request, descriptors, #DB
$AGENT caps "$d1" >/tmp/s5caps.out 2>&1
show /tmp/s5caps.out "XI-AGENT 5"
cap() { sed -n "s/^AGENT: caps $1=//p" /tmp/s5caps.out; }

S=5a name="guest request (VMMCALL from ring 3, sync): events arrive, the hypercall completes"
grun g1 s5au 60 xi_guest vmmcall 3
agent_start /tmp/s5a.out greq "$d1" 0
agent_ready /tmp/s5a.out
grun g1 s5a 120 xi_guest vmmcall 10
agent_stop "$AGENT_PID" 20
show /tmp/s5a.out "XI-AGENT 5a"
g=$(gline g1 s5a vmmcall)
l=$(aline /tmp/s5a.out "greq done")
detail="enable=$(cap guest_request); guest: ok=$(kv "$g" ok)/10 last=$(kv "$g" last) (unmonitored: last=$(kv "$(gline g1 s5au vmmcall)" last), -EPERM expected); agent: greq_events=$(kv "$l" greq)"
if [ "$(kv "$g" ok)" = 10 ] && ge "$(kv "$l" greq)" 10; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi

S=5b name="descriptor access (SGDT/SIDT/SLDT/STR from ring 3): events arrive, EMULATE completes them"
grun g1 s5bu 60 xi_guest sdt 5
agent_start /tmp/s5b.out desc "$d1" 0
agent_ready /tmp/s5b.out
grun g1 s5b 120 xi_guest sdt 10
agent_stop "$AGENT_PID" 20
show /tmp/s5b.out "XI-AGENT 5b"
g=$(gline g1 s5b sdt)
u=$(gline g1 s5bu sdt)
l=$(aline /tmp/s5b.out "desc done")
detail="enable=$(cap desc_access); events gdtr=$(kv "$l" gdtr) idtr=$(kv "$l" idtr) ldtr=$(kv "$l" ldtr) tr=$(kv "$l" tr); guest values monitored [${g#*sdt }] unmonitored [${u#*sdt }]"
if [ -n "$g" ] && [ "${g#*sdt n=10 }" = "${u#*sdt n=5 }" ] && ge "$(kv "$l" gdtr)" 10 &&
	ge "$(kv "$l" idtr)" 10 && ge "$(kv "$l" ldtr)" 10 && ge "$(kv "$l" tr)" 10; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi

S=5c name="debug exception (EFLAGS.TF single step in ring 3, sync), REINJECT: SIGTRAP handler runs"
agent_start /tmp/s5c.out debug "$d1" 0
agent_ready /tmp/s5c.out
grun g1 s5c 120 xi_guest tf 10
agent_stop "$AGENT_PID" 20
show /tmp/s5c.out "XI-AGENT 5c"
g=$(gline g1 s5c tf)
l=$(aline /tmp/s5c.out "debug done")
detail="enable=$(cap debug_exception); guest: handled=$(kv "$g" handled)/10; agent: debug_events=$(kv "$l" debug)"
if [ "$(kv "$g" handled)" = 10 ] && ge "$(kv "$l" debug)" 10; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi

# What AMD SVM cannot deliver: the monitor must be refused cleanly.
c=$(cap singlestep)
if [ "$c" = -95 ]; then
	result 5d skip "single-step monitor" "Xen 4.17 single-step is Intel MTF only; on this AMD SVM host enabling it gets -EOPNOTSUPP (checked: $c)"
else
	result 5d fail "single-step monitor refused cleanly on SVM" "enable returned $c, expected -95"
fi
c=$(cap vmexit)
result 5e skip "VMEXIT monitor" "Xen 4.17 raises VMEXIT events on Intel VT-x only; enabling it here returned $c and no event can come"
dmesg_mark 5

# ---------------------------------------------------------- 6: mem_access
S=6 name="mem_access: SET_ACCESS gets -EOPNOTSUPP on SVM; the guest still runs"
$AGENT access "$d1" >/tmp/s6.out 2>&1
show /tmp/s6.out "XI-AGENT 6"
l=$(grep '^AGENT: access set=' /tmp/s6.out)
detail="set=$(kv "$l" set) set_list=$(kv "$l" set_list) get=$(kv "$l" get) (-EOPNOTSUPP is -95)"
if [ "$(kv "$l" set)" = -95 ] && [ "$(kv "$l" set_list)" = -95 ] && alive g1 2; then
	result $S ok "$name" "$detail; guest alive"
else
	result $S fail "$name" "$detail"
fi
dmesg_mark 6

# -------------------------------------------------- 7: detach under load
S=7 name="detach under load: the guest keeps running; re-attach works"
gsend g1 s7 "xi_guest pingpong 20 & xi_guest cpuid-loop 20; wait"
sleep 1
$AGENT stream "$d1" 6 >/tmp/s7.out 2>&1
show /tmp/s7.out "XI-AGENT 7"
l=$(aline /tmp/s7.out "stream done")
un=$(sed -n 's/^AGENT: stream unanswered=//p' /tmp/s7.out)
a1=no
alive g1 3 && a1=yes
$AGENT stream "$d1" 3 >/tmp/s7b.out 2>&1
show /tmp/s7b.out "XI-AGENT 7b"
l2=$(aline /tmp/s7b.out "stream done")
fin=no
wait_file "$(glog g1)" "XI-G: end s7 " 60 && fin=yes
detail="first session: events=$(kv "$l" total) (cpuid=$(kv "$l" cpuid) cr3=$(kv "$l" cr3) fsbase=$(kv "$l" fsbase)) left unanswered at close=$un; heartbeats after detach: $a1; re-attach events=$(kv "$l2" total); load finished: $fin ($(kv "$(gline g1 s7 pingpong)" rounds) pingpong rounds, $(kv "$(gline g1 s7 cpuid-loop)" count) CPUIDs)"
if ge "$(kv "$l" total)" 1 && [ $a1 = yes ] && ge "$(kv "$l2" total)" 1 && [ $fin = yes ]; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi
dmesg_mark 7

# ----------------------------------------------------- 8: kill -9 agent
S=8 name="kill -9 of the agent mid-stream: the guest keeps running"
gsend g1 s8 "xi_guest pingpong 15 & xi_guest cpuid-loop 15; wait"
agent_start /tmp/s8.out stream "$d1" 0
agent_ready /tmp/s8.out
sleep 3
before=$(grep -c '^AGENT: stream event' /tmp/s8.out)
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
show /tmp/s8.out "XI-AGENT 8"
a1=no
alive g1 3 && a1=yes
$AGENT stream "$d1" 2 >/tmp/s8b.out 2>&1
show /tmp/s8b.out "XI-AGENT 8b"
l2=$(aline /tmp/s8b.out "stream done")
fin=no
wait_file "$(glog g1)" "XI-G: end s8 " 60 && fin=yes
det=$(dmesg | grep -c "dom$d1: detached")
detail="killed after events (first ones printed: $before); kernel detach logged: $det; heartbeats after: $a1; re-attach events=$(kv "$l2" total); load finished: $fin"
if [ $a1 = yes ] && ge "$(kv "$l2" total)" 1 && [ $fin = yes ] && ge "$det" 1; then
	result $S ok "$name" "$detail"
else
	result $S fail "$name" "$detail"
fi
dmesg_mark 8

# ------------------------------------------------------ 10: two guests
S=10 name="two guests monitored at once from two fds"
if guest_boot g2; then
	d2=$(domid g2)
	agent_start /tmp/s10.out multi "$d1" 8 "$d2"
	agent_ready /tmp/s10.out
	gsend g1 s10 "xi_guest pingpong 5 & xi_guest cpuid-loop 5; wait"
	gsend g2 s10 "xi_guest pingpong 5 & xi_guest cpuid-loop 5; wait"
	wait "$AGENT_PID"
	show /tmp/s10.out "XI-AGENT 10"
	la=$(grep "^AGENT: multi done dom=$d1 " /tmp/s10.out)
	lb=$(grep "^AGENT: multi done dom=$d2 " /tmp/s10.out)
	wait_file "$(glog g1)" "XI-G: end s10 " 60
	wait_file "$(glog g2)" "XI-G: end s10 " 60
	detail="dom$d1: events=$(kv "$la" total) (cpuid=$(kv "$la" cpuid) cr3=$(kv "$la" cr3)); dom$d2: events=$(kv "$lb" total) (cpuid=$(kv "$lb" cpuid) cr3=$(kv "$lb" cr3))"
	if ge "$(kv "$la" cpuid)" 1 && ge "$(kv "$la" cr3)" 1 && ge "$(kv "$lb" cpuid)" 1 &&
		ge "$(kv "$lb" cr3)" 1 && alive g1 2 && alive g2 2; then
		result $S ok "$name" "$detail"
	else
		result $S fail "$name" "$detail"
	fi
else
	result $S fail "$name" "second guest did not boot: $(tr '\n' ' ' <"/tmp/g2.create.log")"
fi
dmesg_mark 10

# ------------------------------------------------ 9: xl destroy, rmmod
S=9 name="xl destroy while attached: POLLHUP + state DEAD, clean kernel log, modules unload"
d2=$(domid g2)
if [ -n "$d2" ]; then
	gsend g2 s9 "xi_guest pingpong 60 & xi_guest cpuid-loop 60; wait"
	agent_start /tmp/s9.out dead "$d2" 0
	agent_ready /tmp/s9.out
	sleep 3
	xl destroy g2
	i=0
	while kill -0 "$AGENT_PID" 2>/dev/null && [ $i -lt 80 ]; do
		sleep 0.25
		i=$((i + 1))
	done
	gone=yes
	kill -0 "$AGENT_PID" 2>/dev/null && gone=no
	agent_stop "$AGENT_PID" 5
	show /tmp/s9.out "XI-AGENT 9"
	l=$(grep '^AGENT: dead end=' /tmp/s9.out)
	ia=$(sed -n 's/^AGENT: dead ioctl_after=//p' /tmp/s9.out)
	died=$(dmesg | grep -c "dom$d2 died while monitored")
	detached=$(dmesg | grep -c "dom$d2: detached (domain died)")
	rm_out=$(rmmod xenintro_xen 2>&1 && rmmod xenintro 2>&1)
	rm_rc=$?
	left=$(grep -c '^xenintro' /proc/modules)
	detail="agent noticed within 20s: $gone; wait end=$(kv "$l" end) pollhup=$(kv "$l" pollhup) pollerr=$(kv "$l" pollerr) state=$(kv "$l" state); ioctl after death=$ia (-ESRCH is -3); dmesg: died=$died detached=$detached; rmmod rc=$rm_rc $rm_out; modules left=$left"
	if [ $gone = yes ] && [ "$(kv "$l" pollhup)" = 1 ] && [ "$(kv "$l" state | tr a-z A-Z)" = DEAD ] &&
		[ "$ia" = -3 ] && ge "$detached" 1 && [ $rm_rc = 0 ] && [ "$left" = 0 ]; then
		result $S ok "$name" "$detail"
	else
		result $S fail "$name" "$detail"
	fi
else
	result $S fail "$name" "no second guest to destroy"
fi
dmesg_mark 9

a=no
alive g1 2 && a=yes
log "g1 still alive at the end: $a"

# The record: guest consoles, xl's view, the results block.
for g in g1 g2; do
	show "$(glog $g)" "XI-GLOG $g"
done
xl list 2>&1 | sed 's/^/XI-LOG xl list: /'
echo "XI-RESULTS-BEGIN"
cat "$RESULTS"
echo "XI-RESULTS-END"
