#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A diagnostic, not part of `make check`: boots Xen under QEMU once and
# measures how often PVH guests die on this QEMU/Xen combination, to tell
# a guest crash caused by xenintro from one the emulator produces alone.
#
#   tests/e2e/stress.sh [seconds per phase, default 60]
#       tests/e2e/dom0/stress.sh: two guests with process switches and
#       CPUIDs, unmonitored and under several kinds of monitoring; which
#       guests survived each phase
#   tests/e2e/stress.sh --churn [rounds, default 10] [dom0 options...]
#       tests/e2e/dom0/churn.sh: one loaded guest while a second one is
#       destroyed and booted again <rounds> times; deaths counted. Options:
#       xi.churn_load=0 (xenintro not loaded), xi.churn_mon=1 (the loaded
#       guest monitored all along)
#
# XENINTRO_XEN_CPU, XENINTRO_XEN_ACCEL and XENINTRO_XEN_APPEND (tests/e2e/
# lib.sh) change the emulated CPU, QEMU's TCG threading and Xen's command
# line for experiments.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"
# shellcheck source=tests/e2e/lib.sh
. "$XENINTRO_ROOT/tests/e2e/lib.sh"

mode=stress
if [ "${1:-}" = --churn ]; then
	mode=churn
	shift
	rounds=${1:-10}
	shift || true
	case "$rounds" in '' | *[!0-9]*) die "usage: $0 --churn [rounds] [dom0 options]" ;; esac
	DOM0_CMDLINE+=" xi.churn=$rounds${*:+ $*}"
	limit=$((rounds * 60 + 300))
else
	secs=${1:-60}
	case "$secs" in '' | *[!0-9]*) die "usage: $0 [seconds per phase]" ;; esac
	DOM0_CMDLINE+=" xi.stress=$secs"
	limit=$((secs * 4 + 400))
fi
start=$(date +%s)
results_init
out="$XENINTRO_RESULTS/e2e-$mode"
mkdir -p "$out"
xen_build "$out/build"
log "stress: QEMU -cpu $XEN_QEMU_CPU -accel $XEN_QEMU_ACCEL; Xen: $XEN_CMDLINE; dom0: $DOM0_CMDLINE"
rc=0
xen_boot "$mode" "$out/console.log" "$limit" || rc=$?
grep -a 'XI-STRESS|\|XI-CHURN' "$out/console.log" | sed 's/.*XI-\(STRESS\|CHURN\)/  \1/' || true
grep -a '(XEN).*\(Triple fault\|domain_crash\|crashed\|Invalid EFER\)' "$out/console.log" | sed 's/^/  /' || true
log "stress: QEMU rc $rc, took $(($(date +%s) - start))s; console $out/console.log"
