#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak`: the long versions of the VM layer's stress tests, in one
# boot of the debug kernel (KASAN, lockdep, kmemleak): lifecycle_test's
# destroy-during-attach loop at XENINTRO_SOAK_ROUNDS rounds per point
# (default 2000: 10,000 attach cycles) and its randomized cycles (attach,
# monitors, events, then DETACH, close, destroy or kill -9 at random;
# XENINTRO_SOAK_CYCLES, default 10,000), and fuzz_test with
# XENINTRO_FUZZ_CALLS random ioctls (default 1,000,000) and
# XENINTRO_GARBAGE_RECORDS fuzzed ring records through the whole event
# path (default 1,000,000); before it, the
# policy parser under libFuzzer for XENINTRO_FUZZ_RUNS runs (default
# 1,000,000); after it, the Xen end-to-end layer with 100 attach/detach
# cycles (scenario 18). make check runs all of them short. Ends with the same "N passed, N failed"
# line; every splat fails it.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

rounds=${XENINTRO_SOAK_ROUNDS:-2000}
calls=${XENINTRO_FUZZ_CALLS:-1000000}
records=${XENINTRO_GARBAGE_RECORDS:-1000000}
soak_cycles=${XENINTRO_SOAK_CYCLES:-10000}
export XENINTRO_VM_TIMEOUT=${XENINTRO_VM_TIMEOUT:-14400}
export XENINTRO_VM_APPEND="xenintro.timeout=14000 xenintro.env.XENINTRO_SOAK_ROUNDS=$rounds xenintro.env.XENINTRO_FUZZ_CALLS=$calls xenintro.env.XENINTRO_GARBAGE_RECORDS=$records xenintro.env.XENINTRO_SOAK_CYCLES=$soak_cycles ${XENINTRO_VM_APPEND:-}"
# Real Xen: scenario 18 with XENINTRO_XEN_CYCLES attach/detach cycles
# (default 100) instead of make check's 10.
cycles=${XENINTRO_XEN_CYCLES:-100}
export XENINTRO_E2E_APPEND="xi.cycles=$cycles ${XENINTRO_E2E_APPEND:-}"
export XENINTRO_E2E_TIMEOUT=${XENINTRO_E2E_TIMEOUT:-2400}
export XENINTRO_E2E_LIMIT=${XENINTRO_E2E_LIMIT:-2500}
fuzz_runs=${XENINTRO_FUZZ_RUNS:-1000000}
log "soak: the policy parser under libFuzzer, $fuzz_runs runs"
make -s -C "$XENINTRO_ROOT/userspace/lib" static >/dev/null
make -s -C "$XENINTRO_ROOT/userspace/common" fuzz FUZZ_RUNS="$fuzz_runs"
log "soak: $rounds rounds per attach step, $soak_cycles random cycles, $calls fuzzed ioctls, $records ring records; $cycles cycles on Xen"
XENINTRO_LAYERS="vm e2e" exec "$XENINTRO_ROOT/tests/check.sh"
