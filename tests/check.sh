#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test layer, counted into one closing line
#
#   N passed, N failed, N skipped
#
# printed last and alone (CI reads it). Before it: the counts per layer and
# the names of the failed tests. Exit status 1 if anything failed or if no
# test ran at all. `make check` has already run tests/deps.sh.
#
# Layers, in order:
#   setup      tests/pins-check.sh (the installed kernel pair, sources and
#              Xen resolved from Debian's metapackages; no pinned versions)
#   lint       tests/lint.sh (W=1, sparse, checkpatch: 3 tests)
#   userspace  `make -C userspace check` (TAP on stdout)
#   kunit-py   tests/kunit/run-kunit-py.sh (kunit.py, UML)
#   kunit-py-trixie
#              the same on Debian 13's kernel source (6.12 today;
#              tests/lib/trixie.sh source)
#   vm         tests/qemu/vm-tests.sh (debug kernel under QEMU: KUnit,
#              kselftests, kernel splats)
#   vm-trixie  (opt-in: make check-vm-trixie) the same with a debug kernel
#              built from Debian 13's source, short: kguest_test and
#              agent_test (5 of the vm layer's 8 minutes, and userspace
#              code that the kernel does not change) are counted as
#              skipped unless XENINTRO_VM_TRIXIE_FULL=1
#   pkg        tests/pkg/run.sh (the Debian packages built, lintian, and
#              installed in a clean Debian 12 root with DKMS; the e2e
#              layer then runs what they installed)
#   e2e        tests/e2e/run.sh (Xen under QEMU, TAP on stdout), if it exists
#   e2e-trixie the same on Debian 13's Xen (XEN_DIST=trixie), fewer scenarios
#
# Each layer writes <layer>.results into the results directory
# ($XENINTRO_CACHE/results/<timestamp>, also reachable as results/latest);
# big outputs go to files there, and stdout stays short.
#
# XENINTRO_LAYERS="lint vm" runs only the layers named (for development);
# the layers left out are not counted.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

XENINTRO_RESULTS=''
results_init
R=$XENINTRO_RESULTS
# Every layer by default, the Xen end-to-end one included (about 5 min
# warm). Under QEMU's emulated SVM a guest still dies now and then on its
# own, monitored or not; the e2e layer re-runs a scenario once on a fresh
# guest when that happens and says so (tests/e2e/README.md).
# vm-trixie is opt-in (make check-vm-trixie): its first run builds a
# second debug kernel, which would take a cold make check past an hour on
# a 2-core machine; kunit-py-trixie keeps the 6.12 tree in every run.
LAYERS=${XENINTRO_LAYERS:-setup lint userspace kunit-py kunit-py-trixie vm pkg e2e e2e-trixie}
start=$(date +%s)
echo "make check: results in $R"

want() { case " $LAYERS " in *" $1 "*) return 0 ;; esac; return 1; }

# run_layer <name> <cmd...>: run a layer script with its output in
# <name>.log; a layer that died before writing any result is one failure.
run_layer() {
	local name=$1
	shift
	local t0 rc=0
	t0=$(date +%s)
	echo "== $name"
	"$@" >"$R/$name.log" 2>&1 || rc=$?
	if [ ! -s "$R/$name.results" ]; then
		result "$name" fail "$name: layer" \
			"exited $rc without any result; see $R/$name.log"
	fi
	# The layer's closing count line; failures are listed at the end.
	echo "   $name: $(tail -n1 "$R/$name.log") ($(($(date +%s) - t0))s, log $R/$name.log)"
}

# tap_layer <name> <what> <cmd...>: a layer that prints TAP on stdout.
tap_layer() {
	local name=$1 what=$2
	shift 2
	local t0 rc=0
	t0=$(date +%s)
	echo "== $name"
	rm -f "$R/$name.results"
	"$@" >"$R/$name.tap" 2>"$R/$name.log" </dev/null || rc=$?
	"$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" tap --prefix "$name/" \
		--what "$what" --rc "$rc" --out "$R/$name.results" "$R/$name.tap"
	echo "   $name: $("$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" summary "$R/$name.results" | tail -n1)" \
		"(exit $rc, $(($(date +%s) - t0))s, TAP $R/$name.tap, log $R/$name.log)"
}

files=()

if want setup; then
	run_layer setup "$XENINTRO_ROOT/tests/pins-check.sh"
	files+=("$R/setup.results")
fi

if want lint; then
	run_layer lint "$XENINTRO_ROOT/tests/lint.sh"
	files+=("$R/lint.results")
fi

if want userspace; then
	# Debian's kernel image, for the tests that read a real kernel's
	# symbols and BTF (common/tests/test_ksrc.c says so when it is absent)
	kabi=$("$XENINTRO_ROOT/tests/lib/debian.sh" kabi 2>/dev/null) &&
		[ -r "/boot/vmlinuz-$kabi" ] && export XI_KERNEL_IMAGE="/boot/vmlinuz-$kabi"
	tap_layer userspace "make -C userspace check" \
		make -C "$XENINTRO_ROOT/userspace" --no-print-directory -s check
	files+=("$R/userspace.results")
fi

if want kunit-py; then
	run_layer kunit-py "$XENINTRO_ROOT/tests/kunit/run-kunit-py.sh"
	files+=("$R/kunit-py.results")
fi

# trixie_source <layer>: Debian 13's kernel source tree, downloaded and
# unpacked once per version; when it cannot be had, <layer> fails with
# the reason (it must never fall back to Debian 12's tree).
trixie_source() {
	local dir
	if dir=$("$XENINTRO_ROOT/tests/lib/trixie.sh" source 2>"$R/$1-source.log"); then
		echo "$dir"
	else
		result "$1" fail "$1: Debian 13's kernel source" \
			"$(tail -n1 "$R/$1-source.log"); see $R/$1-source.log"
		return 1
	fi
}

if want kunit-py-trixie; then
	if src612=$(trixie_source kunit-py-trixie); then
		run_layer kunit-py-trixie "$XENINTRO_ROOT/tests/kunit/run-kunit-py.sh" \
			-l kunit-py-trixie "$src612"
	fi
	files+=("$R/kunit-py-trixie.results")
fi

if want vm; then
	run_layer vm "$XENINTRO_ROOT/tests/qemu/vm-tests.sh"
	files+=("$R/vm.results")
fi

if want vm-trixie; then
	if src612=$(trixie_source vm-trixie); then
		skip=xenintro.skip=kguest_test,agent_test
		[ -z "${XENINTRO_VM_TRIXIE_FULL:-}" ] || skip=
		# A xenintro.only= or xenintro.skip= of the caller's comes last
		# and wins.
		run_layer vm-trixie env XENINTRO_VM_APPEND="$skip ${XENINTRO_VM_APPEND:-}" \
			"$XENINTRO_ROOT/tests/qemu/vm-tests.sh" -l vm-trixie "$src612"
	fi
	files+=("$R/vm-trixie.results")
fi
if want pkg; then
	run_layer pkg "$XENINTRO_ROOT/tests/pkg/run.sh"
	files+=("$R/pkg.results")
fi

if want e2e; then
	if [ -x "$XENINTRO_ROOT/tests/e2e/run.sh" ] || [ -f "$XENINTRO_ROOT/tests/e2e/run.sh" ]; then
		tap_layer e2e "tests/e2e/run.sh" bash "$XENINTRO_ROOT/tests/e2e/run.sh"
		files+=("$R/e2e.results")
	else
		echo "== e2e: no tests/e2e/run.sh yet; not run"
	fi
fi

# Debian 13's Xen (4.20 today): the second release of the backend's table
# on a real hypervisor, a shorter set of scenarios.
if want e2e-trixie; then
	tap_layer e2e-trixie "XEN_DIST=trixie tests/e2e/run.sh" \
		env XEN_DIST=trixie bash "$XENINTRO_ROOT/tests/e2e/run.sh"
	files+=("$R/e2e-trixie.results")
fi

echo "make check took $(($(date +%s) - start))s; results in $R"
# The summary ends with the closing count line; its status is ours.
# A copy goes to summary.txt: .ci/run repeats its last line after make's
# own "*** Error" message so that the count stays the last line of a run.
rc=0
"$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" summary "${files[@]}" >"$R/summary.txt" || rc=$?
cat "$R/summary.txt"
exit "$rc"
