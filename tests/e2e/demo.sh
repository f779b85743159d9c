#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xenintro on real Xen, in one command (a `make demo` candidate):
#
#   tests/e2e/demo.sh
#
# Boots Debian's Xen 4.17 under QEMU with Debian's kernel as dom0, starts a
# PVH guest, loads xenintro, streams the guest's real events (CR writes,
# LSTAR, CPUID, INT3) to this terminal as readable lines, detaches and shows
# the guest still alive. A few minutes under TCG. QEMU is always stopped
# when this script ends, however it ends (trap).
#
# The dom0 side is tests/e2e/dom0/demo.sh; the full console is kept in
# $XENINTRO_RESULTS/demo/console.log.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=tests/e2e/lib.sh
. "$XENINTRO_ROOT/tests/e2e/lib.sh"

start=$(date +%s)
results_init
out="$XENINTRO_RESULTS/demo"
mkdir -p "$out"

echo "== building the modules, the agent, the guest and dom0 images"
xen_build "$out/build"

echo "== booting Xen $XEN_VERSION under QEMU (TCG; this takes a minute or two)"
# xen_boot_start sets an EXIT trap that stops QEMU; INT/TERM end the
# script, which runs it.
trap 'exit 130' INT TERM
rc=0
xen_boot_start demo "$out/console.log" "${XENINTRO_DEMO_TIMEOUT:-420}" || rc=$?
[ "$rc" -eq 0 ] || die "could not start QEMU (another QEMU kept running?)"

# Show the viewer's lines as they arrive; tail ends when QEMU does.
tail -n +1 -f --pid="$QEMU_PID" "$out/console.log" 2>/dev/null |
	grep --line-buffered -E 'XI-DEMO: |XI-BOOT: (xen|FAILED)' |
	sed -u -e 's/.*XI-DEMO: /  /' -e 's/.*XI-BOOT: xen /  Xen is up: /' \
		-e 's/.*XI-BOOT: FAILED/  dom0 FAILED:/'
xen_boot_wait "$out/console.log" || rc=$?
echo "== QEMU exited ($rc); took $(($(date +%s) - start))s; full console: $out/console.log"
grep -q 'XI-DEMO: done' "$out/console.log" || die "the demo did not finish; see $out/console.log"
