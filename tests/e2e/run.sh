#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Xen end-to-end layer of `make check`: Debian's Xen 4.17 under QEMU
# (TCG, AMD SVM), Debian's kernel as a PV dom0, xenintro.ko +
# xenintro_xen.ko loaded there, PVH guests running test programs.
#
#   1. build: modules against Debian's headers, the static agent and guest
#      programs, the guest and dom0 initramfs (tests/e2e/lib.sh);
#   2. one boot of Xen; dom0 runs every scenario (tests/e2e/dom0/e2e.sh)
#      and powers off;
#   3. the serial console is turned into TAP (tests/e2e/parse.py).
#
# stdout carries only TAP (tests/check.sh counts it); progress goes to
# stderr, and the console, build logs, guest consoles and any splat lines
# to $XENINTRO_RESULTS/e2e/.
#
# Environment: XENINTRO_E2E_TIMEOUT (QEMU limit, s, default 960),
# XENINTRO_E2E_LIMIT (the whole run's budget, s, default 1020;
# a full run took 673 to 726 s in December 2026, with the GRUB-booted guests,
# before scenario 22 added about 115 s),
# XENINTRO_E2E_APPEND (extra dom0 command line; see below),
# XENINTRO_QEMU_WAIT (how long to wait for another QEMU to end, s),
# XEN_DIST=trixie (Debian 13's Xen and Debian 13's kernel as dom0, with
# xenintro built for it, from tests/lib/trixie.sh; results in
# e2e-trixie/), and
# XENINTRO_E2E_ONLY (scenario ids joined by "+": only those run; for
# XEN_DIST=trixie a default set, one per kind of event, the agent, memory
# and guest awareness, keeps this second boot short).
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=tests/e2e/lib.sh
. "$XENINTRO_ROOT/tests/e2e/lib.sh"

start=$(date +%s)
results_init
case "${XEN_DIST:-host}" in
trixie)
	logdir="$XENINTRO_RESULTS/e2e-trixie"
	ONLY=${XENINTRO_E2E_ONLY-1+2+4+5a+5b+11+13+14+15+16+16b+16p+19+20+21+21b+9}
	;;
*)
	logdir="$XENINTRO_RESULTS/e2e"
	ONLY=${XENINTRO_E2E_ONLY-}
	;;
esac
mkdir -p "$logdir"
# Keep TAP on fd 3 and send everything else to stderr: helpers may print.
exec 3>&1 1>&2

tap_fail_all() {
	printf 'TAP version 13\n1..1\nnot ok 1 - e2e: %s\n' "$*" >&3
	exit 1
}

# The build runs in a subshell so that its die() ends only the build; the
# paths it produced come back through a file, and its error message (what
# was missing, or which log to read) through another, for the TAP line.
rm -f "$logdir/build.error"
if ! (XENINTRO_DIE_FILE="$logdir/build.error" xen_build "$logdir/build" &&
	declare -p XEN_IMAGE DOM0_KERNEL DOM0_INITRD >"$logdir/build/vars"); then
	tap_fail_all "build failed: $(cat "$logdir/build.error" 2>/dev/null ||
		echo "no error message; see $logdir/../e2e.log")"
fi
# shellcheck source=/dev/null
. "$logdir/build/vars"

# XENINTRO_E2E_APPEND: more dom0 command line, e.g. xi.crash=7 (panics the
# guest at scenario 7 to exercise the harness's recovery).
DOM0_CMDLINE+="${XENINTRO_E2E_APPEND:+ $XENINTRO_E2E_APPEND}${ONLY:+ xi.only=$ONLY}"
rc=0
QEMU_WAITED=0
xen_boot e2e "$logdir/console.log" "${XENINTRO_E2E_TIMEOUT:-960}" || rc=$?
[ "$rc" -eq 125 ] && tap_fail_all "no QEMU slot: another QEMU kept running"
# The budget is for our own build and boot, not for waiting until another
# engineer's QEMU ends (reported separately).
elapsed=$(($(date +%s) - start - QEMU_WAITED))
log "e2e: QEMU exited with $rc; whole run ${elapsed}s (+${QEMU_WAITED}s waiting for a free QEMU slot)"

"$PYTHON" "$XENINTRO_ROOT/tests/e2e/parse.py" --console "$logdir/console.log" \
	--qemu-rc "$rc" --elapsed "$elapsed" --limit "${XENINTRO_E2E_LIMIT:-1020}" \
	--waited "$QEMU_WAITED" ${ONLY:+--only "$ONLY"} \
	--splats "$logdir/splats.txt" --guest-dir "$logdir" \
	--contention "$logdir/console.log.contention" \
	--stopped "$logdir/console.log.stopped" | tee "$logdir/e2e.tap" >&3
log "e2e: took ${elapsed}s; console $logdir/console.log"
