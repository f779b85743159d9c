#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make lint`: four checks, each one test, all must be clean.
#
#  lint: W=1 build       the modules built with W=1 against Debian's headers
#                        (production config: Xen backend on, no KUnit) and
#                        against the debug kernel (no Xen, KUnit tests on).
#                        Any compiler or modpost warning about our files
#                        fails it.
#  lint: sparse (C=2)    sparse on every file, against the debug kernel and
#                        against Debian's headers (the only build that sees
#                        the Xen backend). Any sparse warning about our
#                        files fails it.
#  lint: Debian 13      W=1 and sparse against Debian 13's kernel headers
#                        (6.12 today), built in a Debian 13 root with its
#                        gcc (tests/lib/trixie.sh).
#  lint: checkpatch      linux-source's checkpatch.pl --strict on
#                        kmod/**/*.[ch], the uAPI header (checked where it
#                        would live in the kernel, include/uapi/linux/, so
#                        that checkpatch applies its uAPI rules) and
#                        tests/selftests/*.[ch] (new code: it can be clean
#                        even though older kernel selftests are not).
#
# Builds happen in scratch copies under $XENINTRO_CACHE/build/, one per
# kernel, never in the work tree. Logs: $XENINTRO_RESULTS/lint/.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/lib/common.sh"

results_init
LAYER=lint
rm -f "$XENINTRO_RESULTS/$LAYER.results"
logdir="$XENINTRO_RESULTS/lint"
mkdir -p "$logdir"
BUILD="$XENINTRO_CACHE/build"
BM="$XENINTRO_ROOT/tests/lib/build-modules.sh"

# Prerequisites. A missing one fails the checks that need it, with the
# reason, rather than skipping them.
src='' kdeb='' kdbg=''
src=$(linux_source_dir 2>>"$logdir/prereq.log") ||
	log "no linux source: see $logdir/prereq.log"
kdeb=$(debian_kdir 2>>"$logdir/prereq.log") ||
	log "no Debian headers: see $logdir/prereq.log"
kdbg=$("$XENINTRO_ROOT/tests/kernel/build-kernel.sh" 2>>"$logdir/prereq.log") ||
	{ kdbg=''; log "no debug kernel: see $logdir/prereq.log"; }

# Scratch dirs, one per kernel build tree: an M= build's command lines use
# paths relative to the kernel tree, so kbuild alone would not notice that
# objects in a shared dir were built against another kernel.
sdeb="debian-$(basename "${kdeb:-none}")"
sdbg="$(basename "${kdbg:-none}")"

have_sources() {
	compgen -G "$XENINTRO_ROOT/kmod/*.c" >/dev/null ||
		compgen -G "$XENINTRO_ROOT/kmod/*/*.c" >/dev/null
}

# our_diags <log> <scratch dir> [modpost]: compiler/sparse diagnostics
# about our files (and modpost's warnings when asked). Kernel headers' own
# diagnostics are not ours to fix; they stay in the log.
our_diags() {
	local re="^$2/[^:]+:[0-9]+(:[0-9]+)?: (warning|error):"
	[ "${3:-}" = modpost ] && re="$re|^(WARNING|ERROR): modpost: "
	grep -E "$re" "$1" | sed "s|^$2/||" || true
}

# build_check <tag> <scratch> <kdir> [modpost] -- <make args...>: build in
# $BUILD/lint-<scratch>, log to $logdir/<tag>.log, diagnostics about our
# files to $logdir/<tag>.diag; returns non-zero if the build failed.
build_check() {
	local tag=$1 dir="$BUILD/lint-$2" kdir=$3 mp=''
	shift 3
	[ "$1" = modpost ] && { mp=modpost; shift; }
	[ "$1" = -- ] && shift
	local logf="$logdir/$tag.log" rc=0
	log "lint: $tag: make $* against $kdir"
	"$BM" "$kdir" "$dir" "$@" >"$logf" 2>&1 || rc=$?
	our_diags "$logf" "$dir" $mp >"$logdir/$tag.diag"
	return "$rc"
}

# joined <items...>: one detail string, items separated by "; ".
joined() {
	local IFS=';'
	local s="$*"
	echo "${s//;/; }"
}

# first_diags <files...>: the first diagnostics, for the one-line detail.
first_diags() {
	cat "$@" 2>/dev/null | head -n 3 | paste -sd ';' - | sed 's/;/; /g'
}

# ------------------------------------------------------------------ W=1
w1() {
	local why=() n=0 f
	have_sources || why+=("no kmod/*.c sources yet")
	[ -n "$kdeb" ] || why+=("no Debian kernel headers")
	[ -n "$kdbg" ] || why+=("no debug kernel")
	if [ "${#why[@]}" -ne 0 ]; then
		result $LAYER fail "lint: W=1 build" "$(joined "${why[@]}")"
		return
	fi
	build_check w1-debian "$sdeb" "$kdeb" modpost -- W=1 ||
		why+=("build against Debian headers failed (w1-debian.log)")
	build_check w1-debug "$sdbg" "$kdbg" modpost -- W=1 ||
		why+=("build against the debug kernel failed (w1-debug.log)")
	for f in "$logdir"/w1-debian.diag "$logdir"/w1-debug.diag; do
		n=$((n + $(wc -l <"$f")))
	done
	[ "$n" -eq 0 ] || why+=("$n diagnostic(s): $(first_diags "$logdir"/w1-*.diag)")
	if [ "${#why[@]}" -eq 0 ]; then
		result $LAYER pass "lint: W=1 build"
	else
		result $LAYER fail "lint: W=1 build" "$(joined "${why[@]}" "see $logdir")"
	fi
}

# --------------------------------------------------------------- sparse
# Runs in the W=1 scratch dirs after the W=1 builds: with the same flags
# nothing is recompiled, so the output holds sparse's diagnostics only
# (C=2 checks every file, whether rebuilt or not).
sparse_check() {
	local why=() n=0 f
	command -v sparse >/dev/null || why+=("sparse not installed")
	have_sources || why+=("no kmod/*.c sources yet")
	[ -n "$kdbg" ] || why+=("no debug kernel")
	[ -n "$kdeb" ] || why+=("no Debian kernel headers")
	if [ "${#why[@]}" -ne 0 ]; then
		result $LAYER fail "lint: sparse (C=2)" "$(joined "${why[@]}")"
		return
	fi
	build_check sparse-debug "$sdbg" "$kdbg" -- W=1 C=2 ||
		why+=("C=2 build against the debug kernel failed (sparse-debug.log)")
	build_check sparse-debian "$sdeb" "$kdeb" -- W=1 C=2 ||
		why+=("C=2 build against Debian headers failed (sparse-debian.log)")
	for f in "$logdir"/sparse-debug.diag "$logdir"/sparse-debian.diag; do
		[ -f "$f" ] && n=$((n + $(wc -l <"$f")))
	done
	# C=2 must actually have run sparse ("CHECK" lines): a silently
	# missing checker would otherwise pass.
	for f in sparse-debug sparse-debian; do
		grep -q '^  CHECK ' "$logdir/$f.log" ||
			why+=("sparse did not run (no CHECK lines in $f.log)")
	done
	[ "$n" -eq 0 ] || why+=("$n diagnostic(s): $(first_diags "$logdir"/sparse-*.diag)")
	if [ "${#why[@]}" -eq 0 ]; then
		result $LAYER pass "lint: sparse (C=2)"
	else
		result $LAYER fail "lint: sparse (C=2)" "$(joined "${why[@]}" "see $logdir")"
	fi
}

# ----------------------------------------------------------- checkpatch
checkpatch() {
	local name="lint: checkpatch --strict"
	local cp="$src/scripts/checkpatch.pl" dir="$BUILD/lint-checkpatch"
	if [ -z "$src" ] || [ ! -x "$cp" ]; then
		result $LAYER fail "$name" "no checkpatch.pl (linux-source missing)"
		return
	fi
	# Work on a copy outside git: checkpatch runs git in the current
	# directory and leaves a .checkpatch-camelcase.* cache file behind.
	rm -rf "$dir" && mkdir -p "$dir/include/uapi/linux" "$dir/tests/selftests"
	sync_sources "$dir"
	cp "$XENINTRO_ROOT/uapi/linux/xenintro.h" "$dir/include/uapi/linux/" 2>/dev/null || true
	cp "$XENINTRO_ROOT"/tests/selftests/*.[ch] "$dir/tests/selftests/" 2>/dev/null || true
	local files=()
	mapfile -t files < <(cd "$dir" && {
		find kmod -name '*.[ch]' 2>/dev/null
		[ -f include/uapi/linux/xenintro.h ] && echo include/uapi/linux/xenintro.h
		find tests/selftests -name '*.[ch]' 2>/dev/null
	} | LC_ALL=C sort)
	if [ "${#files[@]}" -eq 0 ]; then
		result $LAYER fail "$name" "no files to check"
		return
	fi
	local rc=0 f rest=() compat=() trace=()
	# kmod/compat.h exists to compare LINUX_VERSION_CODE, which checkpatch
	# warns against in code meant for one kernel: only those two checks
	# are off, for that file only.
	# Trace headers (kmod/*_trace.h) are written in the layout every
	# kernel trace header uses: TRACE_EVENT(name, then TP_PROTO(...),
	# TP_STRUCT__entry( with one __field() a line, which --strict reads
	# as open-ended lines and misaligned arguments. Only those two checks
	# are off, for those files only.
	for f in "${files[@]}"; do
		case "$f" in
		kmod/compat.h) compat+=("$f") ;;
		kmod/*_trace.h) trace+=("$f") ;;
		*) rest+=("$f") ;;
		esac
	done
	(cd "$dir" && "$cp" --strict --no-tree --terse --show-types -f "${rest[@]}") \
		>"$logdir/checkpatch.log" 2>"$logdir/checkpatch.stderr" || rc=$?
	if [ "${#compat[@]}" -ne 0 ]; then
		(cd "$dir" && "$cp" --strict --no-tree --terse --show-types \
			--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f "${compat[@]}") \
			>>"$logdir/checkpatch.log" 2>>"$logdir/checkpatch.stderr" || rc=$?
	fi
	if [ "${#trace[@]}" -ne 0 ]; then
		(cd "$dir" && "$cp" --strict --no-tree --terse --show-types \
			--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT -f "${trace[@]}") \
			>>"$logdir/checkpatch.log" 2>>"$logdir/checkpatch.stderr" || rc=$?
	fi
	# One line per finding; map the uAPI header back to its real path.
	sed -i 's|^include/uapi/linux/xenintro.h:|uapi/linux/xenintro.h:|' "$logdir/checkpatch.log"
	local n
	n=$(grep -cE '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' "$logdir/checkpatch.log" || true)
	if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; then
		result $LAYER pass "$name" "${#files[@]} files"
	else
		result $LAYER fail "$name" "$n finding(s) in ${#files[@]} files: $(grep -E ':[0-9]+: ' "$logdir/checkpatch.log" | head -n 3 | paste -sd ';' - | sed 's/;/; /g'); see $logdir/checkpatch.log"
	fi
}

# ------------------------------------------- Debian 13's kernel (6.12)
# W=1 and C=2 against Debian 13's headers, with Debian 13's gcc, in the
# Debian 13 root tests/lib/trixie.sh keeps (its headers need gcc 14). The
# kernel APIs that differ from 6.1 are bridged in kmod/compat.h only.
trixie_check() {
	local name="lint: Debian 13 kernel: W=1 and sparse (C=2)" rc=0 n
	local logf="$logdir/trixie.log"
	log "lint: modules against Debian 13's headers, in its build root"
	"$XENINTRO_ROOT/tests/lib/trixie.sh" build W=1 C=2 >"$logf" 2>&1 || rc=$?
	our_diags "$logf" /build/xenintro modpost >"$logdir/trixie.diag"
	n=$(wc -l <"$logdir/trixie.diag")
	if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ] && grep -q '  CHECK ' "$logf"; then
		result $LAYER pass "$name" "$(head -n1 "$logf" | sed 's/^trixie: //')"
	elif [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
		result $LAYER fail "$name" "exit $rc: $(grep -E 'trixie:|error' "$logf" | head -n 3 | paste -sd ';' -); see $logf"
	else
		result $LAYER fail "$name" "exit $rc, $n diagnostic(s): $(first_diags "$logdir/trixie.diag"); see $logf"
	fi
}

w1
sparse_check
checkpatch
trixie_check
log "lint logs: $logdir"
layer_summary $LAYER
