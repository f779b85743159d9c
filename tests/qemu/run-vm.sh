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
# (QEMU -cpu, default max), XENINTRO_VM_MEM (MiB, default 2048).
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
qemu=(qemu-system-x86_64
	-accel "tcg,thread=multi"
	-cpu "${XENINTRO_VM_CPU:-max}"
	-smp 2 -m "${XENINTRO_VM_MEM:-2048}"
	-nodefaults -display none -no-reboot
	-serial "file:$logf" -monitor none
	-kernel "$kernel" -initrd "$initrd"
	-append "$append")

log "booting VM (timeout ${tmo}s), console: $logf"
start=$(date +%s)
rc=0
# -k: QEMU ignores nothing we send, but be sure it is gone before the next
# run starts (only one QEMU at a time on these machines).
timeout -k 20 "$tmo" "${qemu[@]}" </dev/null >"$logf.qemu" 2>&1 || rc=$?
elapsed=$(($(date +%s) - start))
case "$rc" in
0) log "VM exited after ${elapsed}s" ;;
124) log "VM timed out after ${elapsed}s (limit ${tmo}s)" ;;
*) log "QEMU failed with status $rc after ${elapsed}s:"; sed 's/^/  qemu: /' "$logf.qemu" >&2 ;;
esac
exit "$rc"
