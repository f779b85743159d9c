#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM layer of `make check`: KUnit (xenintro_kunit.ko) and the kselftests
# in one boot of the debug kernel under QEMU, then the kernel-splat check.
#
#   1. the debug kernel (tests/kernel/build-kernel.sh, cached);
#   2. the modules against it (tests/lib/build-modules.sh, scratch dir);
#   3. the static selftests (tests/selftests/Makefile);
#   4. the initramfs (tests/qemu/mkinitramfs.sh, /init = guest-init.sh);
#   5. one boot (tests/qemu/run-vm.sh), console saved;
#   6. counting (tests/lib/tapcount.py vm) into vm.results.
#
#   vm-tests.sh [-l <layer>] [<linux source dir>]
#
# The debug kernel and the selftests' kselftest_harness.h come from Debian
# 12's kernel source unless a source tree is named: the vm-trixie layer
# passes Debian 13's (tests/lib/trixie.sh source), for the same run on
# 6.12. Results go to <layer>.results (vm unless -l names another).
#
# Development overrides (environment):
#   XENINTRO_VM_MODULES   dir of .ko files to boot with instead of building
#   XENINTRO_VM_SELFTESTS dir of static test binaries instead of building
#   XENINTRO_VM_TIMEOUT   QEMU time limit in seconds (default 1500)
#   XENINTRO_VM_APPEND    extra kernel command line (xenintro.timeout=,
#                         xenintro.only=, see guest-init.sh)
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

layer_setup vm "$@"
layer_start=$(date +%s)

# A prerequisite that cannot be met fails the layer, with the reason.
fail_layer() {
	result "$LAYER" fail "$LAYER: prerequisites" "$*"
	layer_summary "$LAYER" || true
	exit 1
}
step() { log "$LAYER: $*"; }

step "debug kernel"
kdir=$("$XENINTRO_ROOT/tests/kernel/build-kernel.sh" ${src_arg:+"$src_arg"} 2>"$logdir/kernel.log") ||
	fail_layer "debug kernel build failed; see $logdir/kernel.log"
bzimage="$kdir/arch/x86/boot/bzImage"
[ -f "$bzimage" ] || fail_layer "no $bzimage"
if [ -n "$src_arg" ]; then
	src=$(cd "$src_arg" && pwd)
else
	src=$(linux_source_dir)
fi
log "$LAYER: kernel $(cat "$kdir/include/config/kernel.release" 2>/dev/null) from $src"

mods=${XENINTRO_VM_MODULES:-}
if [ -z "$mods" ]; then
	step "modules against $kdir"
	# One scratch dir per kernel build: objects never mix across kernels.
	out="$XENINTRO_CACHE/build/vm-$(basename "$kdir")"
	"$XENINTRO_ROOT/tests/lib/build-modules.sh" "$kdir" "$out" \
		>"$logdir/modules.log" 2>&1 ||
		fail_layer "module build against the debug kernel failed; see $logdir/modules.log"
	mods="$out/kmod"
	# Only what this build produced (modules.order), not leftovers of
	# modules since removed from Kbuild.
	# 6.1 writes absolute .ko paths for M= builds; older kernels wrote
	# relative .o paths.
	mapfile -t kos < <(sed -e 's|\.o$|.ko|' -e "s|^\([^/]\)|$out/\1|" \
		"$out/modules.order" 2>/dev/null)
else
	mapfile -t kos < <(find "$mods" -maxdepth 1 -name '*.ko' | LC_ALL=C sort)
fi
# A kernel with KUnit gets the KUnit module (see Kbuild): its absence means
# the KUnit layer would silently run nothing.
if [ -z "${XENINTRO_VM_MODULES:-}" ] && grep -qx 'CONFIG_KUNIT=y' "$kdir/.config" &&
	! printf '%s\n' "${kos[@]}" | grep -q '/xenintro_kunit\.ko$'; then
	result "$LAYER" fail "vm: xenintro_kunit.ko built" \
		"the debug kernel has CONFIG_KUNIT=y but the build made no xenintro_kunit.ko"
fi
printf '%s\n' "${kos[@]}" | grep -q '/xenintro\.ko$' ||
	fail_layer "no xenintro.ko among the modules (${kos[*]:-none})"

tests=${XENINTRO_VM_SELFTESTS:-}
if [ -z "$tests" ]; then
	step "selftests"
	# One scratch dir per harness: the .d files would not notice a
	# different KSRC, and binaries of the other harness would look current.
	sdir=$(tree_build_dir "selftests${src_arg:+-$(basename "$src")}")
	make -C "$XENINTRO_ROOT/tests/selftests" KSRC="$src" OUT="$sdir" \
		>"$logdir/selftests-build.log" 2>&1 ||
		fail_layer "selftest build failed; see $logdir/selftests-build.log"
	# The binaries of the current sources only, not stale ones in $sdir.
	mapfile -t bins < <(make -s -C "$XENINTRO_ROOT/tests/selftests" \
		KSRC="$src" OUT="$sdir" list)
else
	mapfile -t bins < <(find "$tests" -maxdepth 1 -type f -perm -u+x | LC_ALL=C sort)
fi
[ "${#bins[@]}" -gt 0 ] || log "vm: no selftest binaries (tests/selftests/*_test.c)"

# The agent and the tool, static, with the example policies, for
# tests/selftests/agent_test.c (in /xenintro/files).
step "userspace (static agent and tool)"
make -C "$XENINTRO_ROOT/userspace" static >"$logdir/userspace-build.log" 2>&1 ||
	fail_layer "userspace static build failed; see $logdir/userspace-build.log"
files=("$XENINTRO_ROOT/userspace/agent/xenintro-agent.static"
	"$XENINTRO_ROOT/userspace/cli/xenintro.static"
	"$XENINTRO_ROOT"/userspace/examples/*.yaml)
# A distribution kernel image (with BTF and kallsyms) for the agent's
# policies that name kernel symbols: agent_test.c builds that kernel's
# data structures in a simulated guest. Debian's, as the e2e guest runs.
if kabi=$(debian_kabi 2>"$logdir/guest-vmlinuz.err"); then
	cp "/boot/vmlinuz-$kabi" "$XENINTRO_CACHE/build/guest-vmlinuz"
	files+=("$XENINTRO_CACHE/build/guest-vmlinuz")
else
	log "vm: no guest kernel image for the symbol tests: $(cat "$logdir/guest-vmlinuz.err")"
fi

step "initramfs"
initrd="$XENINTRO_CACHE/build/$LAYER-initramfs.gz"
args=()
for k in "${kos[@]}"; do args+=(-m "$k"); done
for b in "${bins[@]}"; do args+=(-t "$b"); done
for f in "${files[@]}"; do args+=(-f "$f"); done
"$XENINTRO_ROOT/tests/qemu/mkinitramfs.sh" -o "$initrd" "${args[@]}" 2>"$logdir/initramfs.log" ||
	fail_layer "initramfs build failed; see $logdir/initramfs.log"
cat "$logdir/initramfs.log" >&2

step "boot"
vm_start=$(date +%s)
qrc=0
"$XENINTRO_ROOT/tests/qemu/run-vm.sh" -k "$bzimage" -i "$initrd" \
	-l "$logdir/console.log" -a "${XENINTRO_VM_APPEND:-}" || qrc=$?
vm_secs=$(($(date +%s) - vm_start))

"$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" vm --out "$XENINTRO_RESULTS/$LAYER.results" \
	--qemu-rc "$qrc" --splats "$logdir/splats.txt" "$logdir/console.log"

# Timing, for people comparing runs (absolute TCG times mean little).
{
	echo "qemu wall time: ${vm_secs}s"
	[ -f "$logdir/console.log.boot-ms" ] &&
		echo "QEMU start to /init: $(cat "$logdir/console.log.boot-ms") ms (wall clock)"
	grep -m1 -o '\[ *[0-9.]*\] Run /init' "$logdir/console.log" |
		sed 's/^\[ *\([0-9.]*\)\].*/kernel boot to \/init: \1s (guest clock)/' || true
	grep -m1 -o 'guest-done uptime=[0-9.]*' "$logdir/console.log" |
		sed 's/.*=/guest done at: /; s/$/s (guest clock)/' || true
	echo "layer wall time: $(($(date +%s) - layer_start))s"
} >"$logdir/timing.txt"
sed 's/^/  /' "$logdir/timing.txt" >&2

if [ -s "$logdir/splats.txt" ]; then
	log "kernel splats (full reports in $logdir/splats.txt):"
	grep '^=== splat' -A1 "$logdir/splats.txt" | grep -v '^--$' | head -n 20 | sed 's/^/  /' >&2
fi
log "vm: console log $logdir/console.log"
layer_summary "$LAYER"
