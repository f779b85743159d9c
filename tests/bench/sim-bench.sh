#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Events on the simulated hypervisor: events/s and per-event latency
# (median, p99) through the agent path with agent batch sizes 1 and 64, and
# answered in the kernel by a rule (batch 0).
#
# Then the cost of xenintro's trace events: the kernel-rule and batch-64
# runs again with every xenintro event enabled in tracefs, printed next to
# the same runs with them disabled ("bench trace ...", one line each).
#
# Then the storm bench (tests/bench/storm_bench.c): a dom0 process's CPU
# share and wakeup latency on CPU 0 while a CPUID or CR3 storm runs, with
# kernel rules and through the agent ("bench storm ...").
#
# It boots Debian's own 6.1 kernel (the production kernel, not the debug
# one: KASAN and lockdep would dominate the figures) under QEMU with the
# modules built against Debian's headers, runs tests/bench/sim_bench.c as
# the agent, and prints its lines. Figures under TCG are only comparable
# with each other, within one run.
#
# Environment: XENINTRO_BENCH_EVENTS (default 20000), XENINTRO_BENCH_THREADS
# (storm threads = vCPUs, default 2), XENINTRO_BENCH_STORM_EVENTS (events
# per storm of the storm bench, default 100000), XENINTRO_BENCH_TIMEOUT
# (seconds the boot may take, default 1800: under TCG on a loaded 2-core
# host the four storms alone took over 900).
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

events=${XENINTRO_BENCH_EVENTS:-20000}
threads=${XENINTRO_BENCH_THREADS:-2}
kver=$(debian_kabi) || die "no Debian kernel (run: make deps)"
kdir=$(debian_kdir) || die "no Debian kernel headers (run: make deps)"

work="$XENINTRO_CACHE/bench/sim"
mkdir -p "$work"
log "sim bench: modules against $kdir"
"$XENINTRO_ROOT/tests/lib/build-modules.sh" "$kdir" "$work/build" \
	>"$work/modules.log" 2>&1 || die "module build failed; see $work/modules.log"
make -s -C "$XENINTRO_ROOT/userspace/lib" static >"$work/lib.log" 2>&1 ||
	die "libxenintro build failed; see $work/lib.log"
gcc -static -O2 -Wall -Wextra -I"$XENINTRO_ROOT/uapi" \
	-I"$XENINTRO_ROOT/userspace/lib/include" \
	"$XENINTRO_ROOT/tests/bench/sim_bench.c" \
	"$XENINTRO_ROOT/userspace/lib/libxenintro.a" -lpthread -o "$work/sim_bench"
gcc -static -O2 -Wall -Wextra -I"$XENINTRO_ROOT/uapi" \
	-I"$XENINTRO_ROOT/userspace/lib/include" \
	"$XENINTRO_ROOT/tests/bench/storm_bench.c" \
	"$XENINTRO_ROOT/userspace/lib/libxenintro.a" -lpthread -o "$work/storm_bench"
storm_events=${XENINTRO_BENCH_STORM_EVENTS:-100000}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$stage/bin/busybox"
for t in sh mount insmod sleep cat reboot sed echo; do ln -s busybox "$stage/bin/$t"; done
cp "$work/build/kmod/xenintro.ko" "$work/build/kmod/xenintro_sim.ko" \
	"$work/sim_bench" "$work/storm_bench" "$stage/"
cat >"$stage/init" <<INIT
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
insmod /xenintro.ko && insmod /xenintro_sim.ko
echo "##bench## start"
/sim_bench $events $threads 1 64 0
rc=\$?
# Trace events off, then on: the same runs, side by side.
mount -t tracefs tracefs /sys/kernel/tracing
/sim_bench $events $threads 0 64 | sed 's/^bench sim-/bench trace=off sim-/'
echo 1 >/sys/kernel/tracing/events/xenintro/enable || rc=1
/sim_bench $events $threads 0 64 | sed 's/^bench sim-/bench trace=on sim-/'
echo 0 >/sys/kernel/tracing/events/xenintro/enable
/storm_bench $storm_events $threads || rc=1
echo "##bench## end rc=\$rc"
reboot -f
INIT
chmod +x "$stage/init"
(cd "$stage" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initramfs.gz"

# One QEMU at a time on these machines: wait for a running one to end.
for _ in $(seq 180); do
	pgrep -f '^(\S*/)?qemu-system' >/dev/null || break
	sleep 5
done
log "sim bench: booting Debian's $kver under QEMU ($events events, $threads vCPUs)"
timeout -k 10 "${XENINTRO_BENCH_TIMEOUT:-1800}" qemu-system-x86_64 -accel tcg,thread=multi -cpu max \
	-smp 2 -m 2048 -nodefaults -display none -no-reboot \
	-serial "file:$work/console.log" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.gz" \
	-append "console=ttyS0 quiet panic=-1" || true
grep -q '##bench## end rc=0' "$work/console.log" ||
	{ tail -30 "$work/console.log" >&2; die "sim bench did not complete; see $work/console.log"; }
grep -E '^bench (sim-(forward batch|kernel )|trace=(off|on) sim-(forward|kernel)|storm kind)' "$work/console.log"
