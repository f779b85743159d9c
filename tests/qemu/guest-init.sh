#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the xenintro test VM (busybox sh, PID 1). Runs the KUnit suites
# and the kselftests against the debug kernel, then powers off.
#
# What the host reads from the serial console (tests/lib/tapcount.py):
#   - kernel log lines ("[   12.345678] ..."): KTAP of the KUnit suites and
#     any splat;
#   - "xenintro-test: start <name>" / "xenintro-test: end <name> rc=<n>",
#     written to /dev/kmsg so that they sit in the kernel log in order with
#     the splats they bracket (liburing's runtests.sh does the same);
#   - "##xenintro## ..." lines from this script: blocks of test output and
#     results decided here (module load/unload).
#
# Kernel command line knobs (all optional):
#   xenintro.timeout=<s>   per selftest binary (default 600)
#   xenintro.only=<a,b>    run only these selftest binaries
#   xenintro.skip=<a,b>    leave these out, each counted as a skip (the
#                          short vm-trixie run of `make check`)
#   xenintro.env.<NAME>=<value>  export NAME=value to the selftests
#                          (`make soak`: XENINTRO_FUZZ_CALLS, ...)
#   xenintro.shell=1       drop to a shell at the end instead of rebooting
#
# Never `set -e` here: PID 1 exiting panics the kernel, and one failed step
# must not stop the others from running.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
MODDIR=/xenintro/modules
TESTDIR=/xenintro/selftests
DBG=/sys/kernel/debug

mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs may lack /dev/console, leaving PID 1 without stdio.
exec </dev/console >/dev/console 2>&1
mount -t debugfs debugfs $DBG
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname xenintro-vm

mark() { echo "##xenintro## $*"; }
kmsg() { echo "xenintro-test: $*" >/dev/kmsg; }
# result <pass|fail|skip> <name> [detail]: a result decided by this script.
result() { mark "result $1 $2${3:+ -- $3}"; }

# kguest_test unpacks a distribution kernel image some eight times under
# TCG (about three minutes): 600 s leaves room on a loaded host.
TIMEOUT=600
ONLY=
SKIP=
SHELL_AT_END=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	xenintro.timeout=*) TIMEOUT=${arg#*=} ;;
	xenintro.only=*) ONLY=${arg#*=} ;;
	xenintro.skip=*) SKIP=${arg#*=} ;;
	xenintro.env.*=*)
		kv=${arg#xenintro.env.}
		export "${kv%%=*}=${kv#*=}"
		;;
	xenintro.shell=1) SHELL_AT_END=1 ;;
	esac
done

mark "guest-start $(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)"

# Forget whatever the boot itself leaked: only what happens from here on
# is ours to report.
# Also stop the automatic scan thread: a scan takes tens of seconds under
# TCG with KASAN, and its reports would come at random points in the run.
# The two scans at the end are the ones that count.
if [ -w $DBG/kmemleak ]; then
	echo clear >$DBG/kmemleak
	echo scan=off >$DBG/kmemleak
else
	mark "note: no kmemleak in this kernel"
fi

# Fault injection for /proc/self/fail-nth (tools/testing/selftests/iommu/
# iommufd_fail_nth.c does the same). fail-nth bypasses probability/interval/
# times, so leaving probability at 0 means nothing fails unless a task asks.
# The ignore-* switches are per capability and apply even to fail-nth: turn
# them off so GFP_KERNEL (sleeping) and highmem/user page allocations can be
# failed too, and let order-0 pages be failed (min-order defaults to 1).
# verbose 0: no "FAULT_INJECTION: forcing a failure" and no stack dump per
# injected failure; the callers' own allocation-failure warnings remain.
for fa in failslab fail_page_alloc; do
	d=$DBG/$fa
	[ -d $d ] || { mark "note: no $d"; continue; }
	echo 0 >$d/probability
	echo 1 >$d/interval
	echo -1 >$d/times
	echo 0 >$d/space
	echo 0 >$d/verbose
	echo N >$d/task-filter
	echo N >$d/ignore-gfp-wait
	[ -f $d/ignore-gfp-highmem ] && echo N >$d/ignore-gfp-highmem
	[ -f $d/min-order ] && echo 0 >$d/min-order
done

# Test authors find the modules here (some tests rmmod/insmod the core).
export XENINTRO_KO_DIR=$MODDIR

is_loaded() { grep -q "^$1 " /proc/modules; }

# load <module name>: insmod from $MODDIR unless already loaded.
load() {
	is_loaded "$1" && return 0
	if [ ! -f "$MODDIR/$1.ko" ]; then
		echo "load: $MODDIR/$1.ko is missing"
		return 1
	fi
	insmod "$MODDIR/$1.ko"
}

# ------------------------------------------------------------------ KUnit
# Loading xenintro_kunit.ko runs its suites inside insmod; their KTAP goes to
# the kernel log (counted by the host) and to debugfs (printed below for
# people: debugfs keeps only 512 bytes of log per case in 6.1, so it is not
# what the host counts).
core_ok=
kmsg "start load-core"
if load xenintro; then
	core_ok=1
	result pass "vm/load xenintro.ko"
else
	result fail "vm/load xenintro.ko" "insmod $MODDIR/xenintro.ko failed"
fi
kmsg "end load-core rc=0"

list_suites() {
	for d in "$DBG"/kunit/*; do
		[ -d "$d" ] && echo "${d##*/}"
	done
}

if [ -f $MODDIR/xenintro_kunit.ko ]; then
	mark "expect kunit"
	list_suites >/tmp/kunit.before
	kmsg "start kunit"
	insmod $MODDIR/xenintro_kunit.ko
	rc=$?
	kmsg "end kunit rc=$rc"
	[ $rc -eq 0 ] || result fail "vm/load xenintro_kunit.ko" "insmod rc=$rc"
	list_suites >/tmp/kunit.after
	# The suites that appeared with this module (busybox has no comm(1)).
	if [ -s /tmp/kunit.before ]; then
		suites=$(grep -vxF -f /tmp/kunit.before /tmp/kunit.after)
	else
		suites=$(cat /tmp/kunit.after)
	fi
	for s in $suites; do
		mark "kunit-suite $s"
		mark "begin debugfs-kunit $s"
		cat "$DBG/kunit/$s/results"
		mark "end debugfs-kunit $s"
	done
	rmmod xenintro_kunit || result fail "vm/unload xenintro_kunit.ko" "rmmod failed"
else
	mark "note: no xenintro_kunit.ko (kernel without CONFIG_KUNIT?)"
fi

# ------------------------------------------------------------- kselftests
[ -f $MODDIR/xenintro_sim.ko ] && { load xenintro_sim ||
	result fail "vm/load xenintro_sim.ko" "insmod failed"; }

tests=
for t in "$TESTDIR"/*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then continue; fi
	n=${t##*/}
	if [ -n "$ONLY" ]; then
		case ",$ONLY," in *",$n,"*) ;; *) continue ;; esac
	fi
	case ",$SKIP," in
	*",$n,"*)
		result skip "selftest/$n" "left out by xenintro.skip= (a short run)"
		continue
		;;
	esac
	tests="$tests $n"
done
# Announce every binary first: one the VM never got to (crash, host
# timeout) is then counted as failed, not forgotten.
for n in $tests; do mark "expect selftest $n"; done

mkdir -p /tmp/selftests
for n in $tests; do
	# A test that removed the core (or the simulator) and failed to put it
	# back would fail every later test: reload, and say so.
	if [ -n "$core_ok" ] && ! is_loaded xenintro; then
		mark "note: xenintro.ko was unloaded by an earlier test; reloading"
		load xenintro
	fi
	if [ -f $MODDIR/xenintro_sim.ko ] && ! is_loaded xenintro_sim; then
		mark "note: xenintro_sim.ko was unloaded by an earlier test; reloading"
		load xenintro_sim
	fi
	out=/tmp/selftests/$n.out
	kmsg "start $n"
	start=$(cut -d' ' -f1 /proc/uptime)
	(cd /tmp && exec timeout -s TERM -k 10 "$TIMEOUT" "$TESTDIR/$n") >"$out" 2>&1 </dev/null
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	kmsg "end $n rc=$rc"
	mark "begin tap $n"
	cat "$out"
	# cat adds no newline: keep the end marker on a line of its own.
	[ -z "$(tail -c1 "$out")" ] || echo
	mark "end tap $n rc=$rc start=$start end=$end timeout=$TIMEOUT"
done

# ----------------------------------------------------------------- unload
kmsg "start modules-unload"
unload_err=
for m in xenintro_kunit xenintro_sim xenintro; do
	if is_loaded $m; then
		rmmod $m || unload_err="$unload_err $m"
	fi
done
kmsg "end modules-unload rc=0"
if [ -n "$unload_err" ]; then
	result fail "vm/modules unload" "rmmod failed:$unload_err; $(tr '\n' ';' </proc/modules)"
else
	result pass "vm/modules unload"
fi

# --------------------------------------------------------------- kmemleak
# Two scans a few seconds apart: kmemleak reports an object only once it is
# older than 5 s and unchanged since the previous scan.
if [ -w $DBG/kmemleak ]; then
	kmsg "start kmemleak"
	t0=$(cut -d' ' -f1 /proc/uptime)
	echo scan >$DBG/kmemleak
	sleep 6
	echo scan >$DBG/kmemleak
	mark "kmemleak scans: $t0 -> $(cut -d' ' -f1 /proc/uptime)"
	mark "begin kmemleak"
	cat $DBG/kmemleak
	mark "end kmemleak"
	kmsg "end kmemleak rc=0"
fi

mark "guest-done uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -n "$SHELL_AT_END" ]; then
	setsid cttyhack sh
fi
sync
reboot -f
# reboot -f should not return; never let PID 1 exit.
while :; do sleep 60; done
