#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
#   build-kernel.sh [<linux source dir>]
#
# Build (once) the debug test kernel from Debian's kernel source (the one
# the linux-source metapackage installed; tests/lib/debian.sh), or from the
# source tree named (Debian 13's for the vm-trixie layer), and print the
# build directory. The result is cached outside the work tree, keyed by
# the config fragment and the source version, and reused while that key is
# unchanged.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

FRAGMENT="$XENINTRO_ROOT/tests/kernel/debug.config"
JOBS=${JOBS:-$(($(nproc) + 1))}

if [ -n "${1:-}" ]; then
	src=$(cd "$1" && pwd) && [ -f "$src/Makefile" ] ||
		die "$1 is not a kernel source tree"
	# The extract's name carries the package version (linux_source_extract).
	ver=$(basename "$src")
	ver=${ver#linux-source-}
else
	src=$(linux_source_dir)
	ver=$(linux_source_version)
fi
key=$( { echo "$ver"; cat "$FRAGMENT"; } | sha256sum | cut -c1-16)
out="$XENINTRO_CACHE/kernel/debug-$key"

if [ -f "$out/.complete" ]; then
	log "debug kernel cached: $out"
	echo "$out"
	exit 0
fi

log "building debug kernel in $out (key $key, -j$JOBS)"
rm -rf "$out" && mkdir -p "$out"
make -s -C "$src" O="$out" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$FRAGMENT" >/dev/null
make -s -C "$src" O="$out" olddefconfig >/dev/null

# merge_config.sh does not fail on a dropped option (tinyconfig's SLOB once
# silently removed KASAN), so compare every requested line with the result.
missing=0
while IFS= read -r line; do
	case "$line" in ''|'#'*) continue ;; esac
	if ! grep -qxF -- "$line" "$out/.config"; then
		opt=${line%%=*}
		got=$(grep -E "^(# )?$opt[= ]" "$out/.config" || echo "absent")
		log "config option dropped: asked '$line', got '$got'"
		missing=1
	fi
done <"$FRAGMENT"
[ "$missing" = 0 ] || die "debug kernel config is incomplete; fix $FRAGMENT"

make -s -C "$src" O="$out" -j"$JOBS" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -40 "$out/build.log" >&2; die "debug kernel build failed"; }
touch "$out/.complete"
log "debug kernel ready: $out"
echo "$out"
