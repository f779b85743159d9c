#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-modules.sh <kdir> <outdir> [extra make args...]
#
# Build the xenintro modules against the kernel build tree <kdir> in the
# scratch directory <outdir>, never in the work tree: builds against two
# kernels (Debian's headers, the debug kernel) would otherwise share .o
# files and .cmd state. The sources (Kbuild, kmod/, uapi/) are mirrored into
# <outdir> first; objects already there are kept so that rebuilds are
# incremental, and objects in the work tree (someone ran `make modules`)
# are never copied.
#
# Make's output goes to stdout/stderr unchanged so callers can grep it for
# warnings; the exit status is make's.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/common.sh"

[ $# -ge 2 ] || die "usage: $0 <kdir> <outdir> [make args...]"
kdir=$1 out=$2
shift 2
[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel build tree"
[ -f "$XENINTRO_ROOT/Kbuild" ] || die "no Kbuild in $XENINTRO_ROOT"

mkdir -p "$out"
sync_sources "$out"

# KBUILD_MODPOST_WARN is left unset: an unresolved symbol is an error.
exec make -C "$kdir" M="$out" "$@" modules
