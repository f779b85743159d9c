#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kunit`: run the xenintro KUnit suites the way kernel CI does, with
# tools/testing/kunit/kunit.py on a UML kernel, from a kernel tree that has
# xenintro in it as drivers/misc/xenintro/.
#
# The tree is a hard-link copy (cp -al) of the pristine linux-source
# extract, made once per source version: cheap in time and space. Files
# shared with the pristine tree must never be written in place, so the two
# files we change (drivers/misc/{Makefile,Kconfig}) are replaced by new
# files, and xenintro's own files are new files too. kunit.py builds with
# O=, so nothing else is written to the tree.
#
# The xenintro files (Kbuild, kmod/, uapi/) are refreshed on every run.
#
#   run-kunit-py.sh [-l <layer>] [<linux source dir>]
#
# The source tree is Debian 12's (linux_source_dir) unless one is named:
# the kunit-py-trixie layer passes Debian 13's (tests/lib/trixie.sh
# source). Caches are keyed by the directory's name (linux-source-<ver>).
# Logs and results: $XENINTRO_RESULTS/<layer>/ and <layer>.results
# (layer kunit-py unless -l names another).
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../lib/common.sh"

layer_setup kunit-py "$@"
JOBS=${JOBS:-3}
KUNIT_TIMEOUT=${XENINTRO_KUNIT_TIMEOUT:-2400}

fail_layer() {
	result $LAYER fail "kunit.py/run" "$*"
	layer_summary $LAYER || true
	exit 1
}

kunitconfig="$XENINTRO_ROOT/kmod/.kunitconfig"
[ -f "$kunitconfig" ] || fail_layer "no kmod/.kunitconfig"
[ -f "$XENINTRO_ROOT/kmod/Kconfig" ] || fail_layer "no kmod/Kconfig"

if [ -n "$src_arg" ]; then
	src=$(cd "$src_arg" && pwd) && [ -f "$src/tools/testing/kunit/kunit.py" ] ||
		fail_layer "$src_arg is not a kernel source tree with kunit.py"
else
	src=$(linux_source_dir) || fail_layer "no linux source (run: make deps)"
fi
ver=$(basename "$src")
ver=${ver#linux-source-}
tree="$XENINTRO_CACHE/kunit-src/linux-source-$ver"
build="$XENINTRO_CACHE/kunit-build/$ver"

if [ ! -f "$tree/.xenintro-tree" ]; then
	log "kunit.py: hard-link copy of $src -> $tree"
	rm -rf "$tree.tmp" "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -al "$src" "$tree.tmp"
	rm -f "$tree.tmp/.extracted"
	# Replace (never edit in place: they are hard links into the pristine
	# tree) the two files that hook drivers/misc/xenintro/ into the build.
	mk="$tree.tmp/drivers/misc/Makefile"
	{ cat "$mk"; echo 'obj-y				+= xenintro/'; } >"$mk.new"
	rm -f "$mk" && mv "$mk.new" "$mk"
	kc="$tree.tmp/drivers/misc/Kconfig"
	# 'source' inside the "Misc devices" menu, before its endmenu.
	awk -v line='source "drivers/misc/xenintro/kmod/Kconfig"' '
		{ lines[NR] = $0 } /^endmenu/ { last = NR }
		END { for (i = 1; i <= NR; i++) {
			if (i == last) print line; print lines[i] } }' \
		"$kc" >"$kc.new"
	grep -q 'drivers/misc/xenintro/kmod/Kconfig' "$kc.new" ||
		fail_layer "could not hook xenintro into $kc"
	rm -f "$kc" && mv "$kc.new" "$kc"
	touch "$tree.tmp/.xenintro-tree"
	mv "$tree.tmp" "$tree"
fi
# Guard against the one thing that would corrupt the pristine extract.
[ "$(stat -c %h "$tree/drivers/misc/Makefile")" = 1 ] ||
	fail_layer "$tree/drivers/misc/Makefile is still a hard link; remove $tree"

sync_sources "$tree/drivers/misc/xenintro"

mkdir -p "$build"
log "kunit.py run (build dir $build, -j$JOBS); log: $logdir/kunit.log"
start=$(date +%s)
rc=0
(cd "$tree" && timeout -k 30 "$KUNIT_TIMEOUT" "$PYTHON" tools/testing/kunit/kunit.py run \
	--kunitconfig=drivers/misc/xenintro/kmod/.kunitconfig \
	--build_dir="$build" --jobs="$JOBS" \
	--json="$logdir/kunit.json") >"$logdir/kunit.log" 2>&1 </dev/null || rc=$?
log "kunit.py exited $rc after $(($(date +%s) - start))s"
# The raw kernel log of the UML run, for when the parser disagrees.
[ -f "$build/test.log" ] && cp "$build/test.log" "$logdir/test.log"

"$PYTHON" "$XENINTRO_ROOT/tests/lib/tapcount.py" kunit-json --prefix "kunit.py/" \
	--out "$XENINTRO_RESULTS/$LAYER.results" --rc "$rc" \
	--log "$logdir/kunit.log" "$logdir/kunit.json"
if [ "$rc" -ne 0 ]; then
	log "last lines of $logdir/kunit.log:"
	tail -n 15 "$logdir/kunit.log" | sed 's/^/  | /' >&2
fi
layer_summary $LAYER
