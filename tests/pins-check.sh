#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "setup" layer of `make check`: what a fresh Debian 12 machine needs,
# checked before any build. Four tests:
#
#   setup: kernel pair     linux-image-amd64 and linux-headers-amd64 depend
#                          on one ABI, and its image, modules and headers
#                          are installed (the pair the Xen layer boots and
#                          builds against).
#   setup: sources and Xen the kernel source tarball, Xen's image and tools,
#                          each found through its metapackage.
#   setup: no pins         no script, Makefile or CI file names a version
#                          that Debian's archive can move: a kernel ABI, a
#                          versioned kernel or Xen package, or a path with
#                          such a version in it. An ABI found is reported
#                          next to the installed metapackage's.
#   setup: pin scanner     the scanner itself flags planted pins (so that
#                          "no pins" can fail).
#
# Documentation (*.md, man pages) may name versions as facts; it is not
# scanned.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

results_init
LAYER=setup
rm -f "$XENINTRO_RESULTS/$LAYER.results"

# What can move in Debian's archive, as extended regexes.
PIN_PATTERNS=(
	'[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-(amd64|cloud-amd64|rt-amd64)'
	'linux-(image|headers|source|kbuild)-[0-9]'
	'xen-(hypervisor|utils|system)-[0-9]'
	'/usr/lib/xen-[0-9]'
	'/boot/(xen|vmlinuz|initrd\.img|System\.map|config)-[0-9]'
)

# scan_pins <dir> <file>...: one "file:line: text" per pinned version.
scan_pins() {
	local dir=$1 re
	shift
	re=$(IFS='|'; echo "${PIN_PATTERNS[*]}")
	[ "$#" -gt 0 ] || return 0
	(cd "$dir" && grep -nHE -- "$re" "$@" 2>/dev/null) || true
}

# The files to scan: everything tracked (or, outside git, everything),
# minus documentation.
tree_files() {
	local f
	if git -C "$XENINTRO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$XENINTRO_ROOT" ls-files
	else
		(cd "$XENINTRO_ROOT" && find . -type f -not -path './.git/*' | sed 's|^\./||')
	fi | while IFS= read -r f; do
		case "$f" in
		*.md | */man/* | *.[0-9]) continue ;;
		esac
		[ -f "$XENINTRO_ROOT/$f" ] && printf '%s\n' "$f"
	done
}

# --------------------------------------------------------- kernel pair
name="setup: linux-image-amd64 and linux-headers-amd64 name one kernel ABI, installed as a pair"
err=''
if kabi=$(debian_kabi 2>/tmp/pins-kabi.$$) && kdir=$(debian_kdir 2>/dev/null) &&
	[ -d "/lib/modules/$kabi/kernel" ]; then
	result $LAYER pass "$name" "ABI $kabi: /boot/vmlinuz-$kabi, /lib/modules/$kabi, $kdir"
else
	err=$(cat /tmp/pins-kabi.$$ 2>/dev/null)
	kabi=''
	result $LAYER fail "$name" "${err:-modules of the ABI missing under /lib/modules}"
fi

rm -f /tmp/pins-kabi.$$

# ------------------------------------------------------ sources and Xen
name="setup: kernel source, Xen image and Xen tools found through their metapackages"
errs=() found=()
if v=$(debian_source_tar 2>&1); then found+=("$v"); else errs+=("$v"); fi
if v=$(debian_xen_gz 2>&1); then found+=("$v"); else errs+=("$v"); fi
if v=$(debian_xen_tools 2>&1); then found+=("$v/xl"); else errs+=("$v"); fi
if [ "${#errs[@]}" -eq 0 ]; then
	result $LAYER pass "$name" "Xen $(debian_xen_version): ${found[*]}"
else
	result $LAYER fail "$name" "${errs[*]}"
fi

# -------------------------------------------------------------- no pins
name="setup: no script, Makefile or CI file names a version Debian's archive can move"
mapfile -t files < <(tree_files)
mapfile -t hits < <(scan_pins "$XENINTRO_ROOT" "${files[@]}")
if [ "${#hits[@]}" -eq 0 ]; then
	result $LAYER pass "$name" "${#files[@]} files scanned"
else
	detail=''
	for h in "${hits[@]}"; do
		abi=$(grep -oE "${PIN_PATTERNS[0]}" <<<"$h" | head -n1 || true)
		if [ -n "$abi" ] && [ "$abi" != "${kabi:-}" ]; then
			h="$h [names ABI $abi; linux-image-amd64 installs ${kabi:-none}]"
		fi
		detail+="$h; "
	done
	result $LAYER fail "$name" "${#hits[@]} pinned: $detail"
fi

# ---------------------------------------------------------- pin scanner
name="setup: the pin scanner flags planted pins (a stale ABI, versioned packages and paths)"
plant=$(mktemp -d)
trap 'rm -rf "$plant"' EXIT
# Assembled from pieces so that this file does not itself hold a pin.
k=6.1.0 x=4.17
{
	printf 'XEN_KVER=${XEN_KVER:-%s-56-amd64}\n' "$k"
	printf 'apt-get install linux-source-%s xen-hypervisor-%s-amd64\n' "${k%.0}" "$x"
	printf 'PATH=$PATH:/usr/lib/xen-%s/bin\n' "$x"
	printf 'KDIR=/usr/src/linux-headers-$(debian_kabi)\n'
} >"$plant/planted.sh"
mapfile -t hits < <(scan_pins "$plant" planted.sh)
lines=$(printf '%s\n' "${hits[@]}" | cut -d: -f2 | tr '\n' ' ')
if [ "$lines" = "1 2 3 " ]; then
	result $LAYER pass "$name" "flagged lines $lines; the derived line 4 not flagged"
else
	result $LAYER fail "$name" "expected lines 1 2 3 flagged, got: ${lines:-none}"
fi

layer_summary $LAYER
