#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, dom0 side (busybox sh): a guest, xenintro loaded, the agent
# printing every event the guest raises as one readable line
# (xenintro_event_format), then detach, and the guest shown alive.
#
# Every line meant for the viewer starts with "XI-DEMO: "; the host
# (tests/e2e/demo.sh) shows only those.
set -u
. /xi/lib.sh

say() { echo "XI-DEMO: $*"; }

say "dom0 is up: $(sed -n 's/^xen_version *: /Xen /p' /tmp/xl-info), Linux $(uname -r) as a PV dom0"
if load_xenintro; then
	say "loaded xenintro.ko and xenintro_xen.ko: $(dmesg | grep -F 'xenintro_xen:' | tail -n1 | sed 's/^\[[^]]*\] //')"
else
	say "xenintro did not load: $(dmesg | tail -n 2 | tr '\n' ' ')"
	exit 1
fi

say "starting a PVH guest (Debian's kernel booted by GRUB, so with KASLR; busybox, 256 MiB, 1 vCPU) ..."
guest_boot demo || { say "the guest did not boot"; exit 1; }
d=$(domid demo)
say "guest 'demo' is dom$d and running; its console says: $(grep -F 'XI-G: up' "$(glog demo)" | head -n1)"

say "attaching the agent: CR0/CR3/CR4 writes, CPUID, debug exceptions, descriptor-table reads, guest requests"
# The agent's lines go to the console as they come, and to a file for
# the "ready" check.
: >/tmp/demo.out
(
	$AGENT demo "$d" 14 2>&1 | while IFS= read -r l; do
		echo "XI-DEMO:   $l"
		echo "$l" >>/tmp/demo.out
	done
) &
streamer=$!
agent_ready /tmp/demo.out
say "guest: a CPUID, two single steps under a SIGTRAP handler, SGDT/SIDT/SLDT/STR, a guest request, two processes switching"
grun demo d1 60 "xi_guest cpuid-leaf 0x40000000; xi_guest tf 2; xi_guest sdt 1; xi_guest vmmcall 1; xi_guest pingpong 1"
for w in cpuid-leaf-value tf sdt vmmcall pingpong; do
	say "guest says: $(gline demo d1 "$w" | sed 's/^XI-G: d1 //')"
done
wait "$streamer"
say "agent detached: $(dmesg | grep -F "dom$d: detached" | tail -n1 | sed 's/^\[[^]]*\] //')"

XA=/xi/xenintro-agent
say "now the policy agent: xenintro-agent with the shipped example cr3-process-log.yaml (a rule continues every CR3 write in the kernel and logs a copy)"
$XA -g "$d" -f text -o /tmp/demo-cr3.log /xi/examples/cr3-process-log.yaml 2>/tmp/demo-cr3.err &
xa=$!
wait_file /tmp/demo-cr3.err "attached to domain" 30
say "$(head -n1 /tmp/demo-cr3.err)"
grun demo d3 60 "xi_guest pingpong 1"
kill -TERM "$xa"
wait "$xa"
say "agent exited with $? after SIGTERM (clean detach); $(grep -c . /tmp/demo-cr3.log) log lines, the first ten:"
head -n 10 /tmp/demo-cr3.log | while IFS= read -r l; do say "  $l"; done

say "looking inside the guest: the agent reads the guest kernel's symbols and struct layouts out of its memory (kernel.memory) and names the processes in each CR3 record"
printf 'guest: demo\nkernel: {memory: true}\nmonitors:\n  cr3: {sync: false}\nlog: {events: [cr], process: true}\n' >/tmp/demo-ps.yaml
$XA -g "$d" -f text -o /tmp/demo-ps.log /tmp/demo-ps.yaml 2>/tmp/demo-ps.err &
xa=$!
# the agent reads LSTAR from a CR3 write: processes switching make them
gsend demo d5w "xi_guest pingpong 20"
wait_file /tmp/demo-ps.err "attached to domain" 60
grep -F 'kernel from guest memory' /tmp/demo-ps.err | head -n1 | while IFS= read -r l; do say "$l"; done
gwait demo d5w 60
kill -TERM "$xa"
wait "$xa"
say "CR3 writes logged: $(grep -c . /tmp/demo-ps.log); some that switch to the ping-pong (process= was running, next_process= owns the address space loaded):"
grep -F 'next_process=' /tmp/demo-ps.log | grep -F 'xi_guest' | head -n 4 |
	sed 's/.* dom[0-9]* //' | while IFS= read -r l; do say "  $l"; done

say "and cpuid-hide-hypervisor.yaml: CPUID leaf 0x40000000 answered by a kernel rule"
$XA -g "$d" -f text -o /tmp/demo-cpuid.log /xi/examples/cpuid-hide-hypervisor.yaml 2>/tmp/demo-cpuid.err &
xa=$!
wait_file /tmp/demo-cpuid.err "attached to domain" 30
grun demo d4 60 "xi_guest cpuid-leaf 0x40000000"
kill -TERM "$xa"
wait "$xa"
say "guest says, under the policy: $(gline demo d4 cpuid-leaf-value | sed 's/^XI-G: d4 //')"

say "after detach: is the guest still alive?"
a=$(hb demo)
grun demo d2 30 "xi_guest cpuid-leaf 0x40000000"
sleep 2
b=$(hb demo)
say "guest says: $(gline demo d2 cpuid-leaf-value | sed 's/^XI-G: d2 //')"
say "heartbeats went from $a to $b: the guest runs on, unmonitored"
rmmod xenintro_xen && rmmod xenintro && say "modules unloaded"
xl destroy demo
say "done"
