#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: xenintro's main job in one command. Boots Debian's Xen 4.17
# under QEMU with a PVH guest, loads xenintro, streams the guest's real
# events to this terminal, detaches and shows the guest still running.
# QEMU is always stopped at the end (tests/e2e/demo.sh traps EXIT).
set -euo pipefail
exec "$(dirname "$0")/e2e/demo.sh" "$@"
