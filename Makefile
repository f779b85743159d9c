# SPDX-License-Identifier: GPL-2.0
#
# xenintro top-level Makefile. The kernel objects are described in Kbuild;
# this file only drives Kbuild and the scripts under tests/.

# The running kernel's build tree, or where the running kernel has none (as
# on the build machines) the one linux-headers-amd64 installed today
# (tests/lib/debian.sh reads it from dpkg; no ABI is written down here).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(shell $(CURDIR)/tests/lib/debian.sh kdir 2>/dev/null))

.PHONY: all modules userspace clean deps lint check check-e2e bench demo kunit soak

all: modules userspace

modules:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C userspace clean

# Installs every Debian package any target needs (idempotent, needs root).
deps:
	tests/deps.sh

# W=1, sparse (C=2) and checkpatch --strict; all three must be clean.
lint: deps
	tests/lint.sh

# Every test layer; ends with one "N passed, N failed" line.
check: deps
	tests/check.sh

# Only the Xen end-to-end layers (Debian 12's and Debian 13's Xen under
# QEMU), counted the same way.
check-e2e: deps
	XENINTRO_LAYERS="e2e e2e-trixie" tests/check.sh

# KUnit the way kernel CI runs it (kunit.py, UML).
kunit: deps
	tests/kunit/run-kunit-py.sh

bench: deps
	tests/bench.sh

# The long campaigns: the simulator's attach/destroy race 2000 rounds per
# point (10,000 in all), 10,000 random session cycles, a million fuzzed
# ioctls and a million fuzzed ring records, in the debug kernel (KASAN,
# lockdep, kmemleak), then 100 attach/detach cycles on Xen; counted like
# make check.
soak: deps
	tests/soak.sh

demo: deps
	tests/demo.sh
