#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh -k <bzImage> -i <initramfs.gz> -l <console log> [-t <timeout s>] [-a <extra cmdline>]
#
# Boot the test VM once under QEMU (TCG: /dev/kvm cannot run our kernels on
# these machines) and save the serial console to <console log>. The guest
# powers itself off with `reboot -f` (the debug kernel has no ACPI) and
# -no-reboot turns that into a QEMU exit. `timeout` bounds a hung guest.
#
# Exit status: 0 if QEMU exited by itself, 124 on timeout, else QEMU's.
# Whether the tests passed is for tests/lib/tapcount.py to say.
#
# Environment: XENINTRO_VM_TIMEOUT (seconds, default 1500), XENINTRO_VM_CPU
# (QEMU -cpu, default max: fine for this kernel under TCG),
# XENINTRO_VM_MEM (MiB, default 2048), XENINTRO_VM_INTERACTIVE=1 (console
# on the terminal too, for use with xenintro.shell=1).
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

usage() { die "usage: $0 -k <bzImage> -i <initramfs> -l <log> [-t <s>] [-a <cmdline>]"; }

kernel='' initrd='' logf='' extra=''
tmo=${XENINTRO_VM_TIMEOUT:-1500}
while getopts "k:i:l:t:a:" opt; do
	case "$opt" in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	l) logf=$OPTARG ;;
	t) tmo=$OPTARG ;;
	a) extra=$OPTARG ;;
	*) usage ;;
	esac
done
if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$logf" ]; then usage; fi
[ -f "$kernel" ] || die "no kernel image $kernel"
[ -f "$initrd" ] || die "no initramfs $initrd"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (run: make deps)"

# Kernel command line:
#  console=ttyS0        the only console; it is what the host parses
#  panic=-1             reboot at once on panic, which -no-reboot turns
#                       into a QEMU exit instead of waiting for the timeout
#  printk.time=1        timestamps: how the parser tells kernel lines from
#                       the guest's own output
#  loglevel=7           KUnit prints its KTAP at KERN_INFO
#  kmemleak=on          (default in this config; explicit for clarity)
#  rdinit=/init         our init script, not a kernel default
#  hung_task_panic=0 softlockup_panic=0
#                       report, don't die: the run goes on and the report
#                       is attributed to the test that caused it
append="console=ttyS0 panic=-1 printk.time=1 loglevel=7 kmemleak=on rdinit=/init"
append+=" hung_task_panic=0 softlockup_panic=0 $extra"

mkdir -p "$(dirname "$logf")"
: >"$logf"

# -nodefaults: no VGA, NIC (and its option ROM), floppy or CD; serial and
# monitor are set explicitly. The console goes to a file rather than stdio
# so that a run without a terminal (CI) and one in a terminal behave alike.
# One QEMU at a time on the 2-core build machines: wait (up to 20 min)
# for another one, e.g. a Xen end-to-end run, to end.
for _ in $(seq 240); do
	pgrep -f '^(\S*/)?qemu-system' >/dev/null || break
	sleep 5
done

qemu=(qemu-system-x86_64
	-accel "tcg,thread=multi"
	-cpu "${XENINTRO_VM_CPU:-max}"
	-smp 2 -m "${XENINTRO_VM_MEM:-2048}"
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "$append")
if [ -n "${XENINTRO_VM_INTERACTIVE:-}" ]; then
	# For a person at a terminal (with xenintro.shell=1 on the command
	# line): console on stdio, still logged; Ctrl-A X quits.
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$logf"
		-serial chardev:con -mon chardev=con)
else
	qemu+=(-serial "file:$logf" -monitor none)
fi

log "booting VM (timeout ${tmo}s), console: $logf"
start=$(date +%s)
start_ms=$(($(date +%s%N) / 1000000))
# Host-side boot time: when the kernel starts /init, by the wall clock
# (guest timestamps under TCG drift from it). Written to <log>.boot-ms.
rm -f "$logf.boot-ms"
(
	while sleep 0.2; do
		if grep -q 'Run /init as init process' "$logf" 2>/dev/null; then
			echo $(($(date +%s%N) / 1000000 - start_ms)) >"$logf.boot-ms"
			break
		fi
	done
) &
watcher=$!
rc=0
# -k: be sure QEMU is gone before the next run starts (only one QEMU at a
# time on these machines).
if [ -n "${XENINTRO_VM_INTERACTIVE:-}" ]; then
	timeout --foreground -k 20 "$tmo" "${qemu[@]}" || rc=$?
else
	timeout -k 20 "$tmo" "${qemu[@]}" </dev/null >"$logf.qemu" 2>&1 || rc=$?
fi
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
elapsed=$(($(date +%s) - start))
[ -f "$logf.boot-ms" ] && log "kernel started /init $(cat "$logf.boot-ms") ms after QEMU started"
case "$rc" in
0) log "VM exited after ${elapsed}s" ;;
124) log "VM timed out after ${elapsed}s (limit ${tmo}s)" ;;
*) log "QEMU failed with status $rc after ${elapsed}s:"; sed 's/^/  qemu: /' "$logf.qemu" >&2 ;;
esac
exit "$rc"
