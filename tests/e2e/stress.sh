#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A diagnostic, not part of `make check`: boots Xen under QEMU once and runs
# tests/e2e/dom0/stress.sh, which loads two PVH guests with process switches
# and CPUIDs, unmonitored and under several kinds of monitoring, and reports
# which guests survived each phase. Used to tell a guest crash caused by
# xenintro from one this QEMU/Xen combination produces on its own.
#
#   tests/e2e/stress.sh [seconds per phase, default 60]
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=tests/e2e/lib.sh
. "$XENINTRO_ROOT/tests/e2e/lib.sh"

secs=${1:-60}
case "$secs" in '' | *[!0-9]*) die "usage: $0 [seconds per phase]" ;; esac
start=$(date +%s)
results_init
out="$XENINTRO_RESULTS/e2e-stress"
mkdir -p "$out"
xen_build "$out/build"
DOM0_CMDLINE+=" xi.stress=$secs"
rc=0
xen_boot stress "$out/console.log" $((secs * 4 + 400)) || rc=$?
grep -a 'XI-STRESS|' "$out/console.log" | sed 's/.*XI-STRESS|/  /' || true
grep -a '(XEN).*\(Triple fault\|domain_crash\|crashed\)' "$out/console.log" | sed 's/^/  /' || true
log "stress: QEMU rc $rc, took $(($(date +%s) - start))s; console $out/console.log"
