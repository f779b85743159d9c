#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: figures, not pass/fail. Each part prints its own table.
#   1. the simulated hypervisor: events/s and latency through the agent
#      path, agent batch 1 and 64 (tests/bench/sim-bench.sh);
#   2. real Xen 4.17 under QEMU, side by side with xen-access, in one boot
#      (tests/bench/xen-bench.sh).
# QEMU runs one at a time, so the parts run one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
rc=0
echo "== simulated hypervisor =="
tests/bench/sim-bench.sh || rc=1
echo "== Xen 4.17 under QEMU, next to xen-access =="
tests/bench/xen-bench.sh || rc=1
exit $rc
