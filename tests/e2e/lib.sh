# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host side of the Xen tests, sourced by tests/e2e/run.sh, tests/e2e/demo.sh
# and tests/bench/xen-bench.sh (after tests/lib/common.sh):
#
#   xen_build <workdir>        modules, agent, guest programs, Xen image,
#                              guest and dom0 initramfs (sets XEN_IMAGE,
#                              DOM0_KERNEL, DOM0_INITRD)
#   xen_boot <mode> <log> <s>  one boot of Xen under QEMU; dom0 runs
#                              /xi/<mode>.sh; the serial console goes to <log>
#
# All output of these helpers goes to stderr or to files: run.sh keeps
# stdout for TAP.

E2E_DIR="$XENINTRO_ROOT/tests/e2e"
# Debian's dom0 kernel, the same build as linux-headers (testing.md: keep
# the pair), its modules, and Debian's Xen: all read from what `make deps`
# installed (tests/lib/debian.sh), never pinned. An unresolvable one is
# left empty here and named by xen_build's checks. XEN_KVER overrides the
# kernel ABI for experiments (its headers and image must both be installed).
XEN_KVER=${XEN_KVER:-$(debian_kabi 2>/dev/null || true)}
XEN_KDIR=${XEN_KDIR:-${XEN_KVER:+/usr/src/linux-headers-$XEN_KVER}}
# XEN_DIST=trixie: Debian 13's Xen instead (4.20 today), its hypervisor and
# tools unpacked from Debian's archive by tests/lib/trixie.sh into
# $XENINTRO_CACHE/trixie/root (XEN_ROOT), with its own C library for the
# tools, and Debian 13's kernel as dom0 (xen_build); the guests stay
# Debian 12's. XEN_TOOLS is then a path inside XEN_ROOT, as dom0 sees it.
XEN_DIST=${XEN_DIST:-host}
XEN_ROOT=
if [ "$XEN_DIST" = trixie ]; then
	# shellcheck source=tests/lib/trixie.sh
	. "$XENINTRO_ROOT/tests/lib/trixie.sh"
	# XEN_VERSION, XEN_TOOLS and XEN_GZ: set by xen_build, once fetched
	XEN_ROOT=$TRIXIE_ROOT XEN_VERSION= XEN_TOOLS= XEN_GZ=
else
	XEN_VERSION=$(debian_xen_version 2>/dev/null || true)
	XEN_TOOLS=$(debian_xen_tools 2>/dev/null || true)
	XEN_GZ=$(debian_xen_gz 2>/dev/null || true)
fi
# The CPU model testing.md found to work (max or EPYC kill the PV dom0 at
# its first instructions), plus SMEP and SMAP so that a guest has them in
# CR4 for scenario 14b to try clearing. Xen must then not use them itself
# (smep=hvm smap=hvm below, which still offers them to HVM guests): with
# SMAP in Xen's own CR4, this TCG-emulated CPU faults in Xen's
# create_bounce_frame and the PV dom0 is crashed during its boot.
# XENINTRO_XEN_CPU overrides the model for experiments.
XEN_QEMU_CPU=${XENINTRO_XEN_CPU:-qemu64,+svm,+npt,+smep,+smap}
XEN_CPU_OPTS=${XENINTRO_XEN_CPU_OPTS-smep=hvm smap=hvm}
XEN_QEMU_ACCEL=${XENINTRO_XEN_ACCEL:-tcg,thread=multi}
# Three physical CPUs for Xen: dom0's one vCPU on pCPU 0, the first guest
# on pCPU 1, the second on pCPU 2, each pinned (xi.pin.<guest>= below, and
# dom0_vcpus_pin). Under QEMU's TCG emulation of SVM, a PVH guest whose
# pCPU also runs a dom0 (PV) vCPU dies within seconds when dom0 builds
# another guest (triple faults, or a guest panic on a lost GS base): with
# dom0's two vCPUs and the guests spread over 2 pCPUs nearly every guest
# start killed a guest, xenintro loaded or not; with dom0's one vCPU alone
# on its pCPU none did, whether the guests shared a pCPU or not
# (tests/e2e/README.md).
# XENINTRO_XEN_SMP=2 XENINTRO_XEN_PIN= XENINTRO_GUEST_PIN= brings the old
# layout back.
XEN_QEMU_SMP=${XENINTRO_XEN_SMP:-3}
XEN_PIN=${XENINTRO_XEN_PIN-dom0_max_vcpus=1 dom0_vcpus_pin}
XEN_GUEST_PIN=${XENINTRO_GUEST_PIN-xi.pin.g1=1 xi.pin.g2=2 xi.pin.g3=2 xi.pin.gb=1 xi.pin.demo=1 xi.pin.s1=1 xi.pin.s2=2}
# Xen: serial console for the host to read; dom0 gets 1 GiB and the rest
# (about 2 GiB) is for guests. noreboot keeps a crashed Xen's message on
# the console (QEMU's timeout ends it). conring_size: dom0 reads Xen's log
# back (xl dmesg) to tell why a guest died; the default 16 KiB wraps.
XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot conring_size=1M${XEN_CPU_OPTS:+ $XEN_CPU_OPTS}${XEN_PIN:+ $XEN_PIN}${XENINTRO_XEN_APPEND:+ $XENINTRO_XEN_APPEND}"
# dom0: the console is Xen's (hvc0). loglevel=5 keeps warnings and worse
# on the console live; each scenario also dumps its full dmesg.
DOM0_CMDLINE="console=hvc0 loglevel=5 rdinit=/init${XEN_GUEST_PIN:+ $XEN_GUEST_PIN}"

# Wait until no QEMU runs on this machine: only one may run at a time, and
# other engineers' runs use it too. Bounded, so a stuck QEMU elsewhere does
# not hang `make check` for ever. Matches QEMU processes only (argv[0]), not
# shells whose command line happens to mention qemu-system.
wait_qemu_slot() {
	local limit=${XENINTRO_QEMU_WAIT:-3600} waited=0
	while pgrep -f '^(\S*/)?qemu-system' >/dev/null; do
		if [ "$waited" -eq 0 ]; then
			log "another QEMU is running; waiting for it (up to ${limit}s)"
		fi
		if [ "$waited" -ge "$limit" ]; then
			log "QEMU still busy after ${limit}s"
			return 1
		fi
		sleep 5
		waited=$((waited + 5))
	done
	[ "$waited" -eq 0 ] || log "QEMU slot free after ${waited}s"
	# For the caller's time budget: waiting for others is not our time.
	QEMU_WAITED=$((${QEMU_WAITED:-0} + waited))
	return 0
}

# copy_with_libs <stage> <binary>...: the binaries at their own paths plus
# every library ldd names (at the path ldd gives, symlinks resolved).
copy_with_libs() {
	local stage=$1 bin lib
	shift
	for bin in "$@"; do
		install -D -m 0755 "$bin" "$stage$bin"
		while read -r lib; do
			[ -n "$lib" ] || continue
			[ -e "$stage$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$stage$lib"
		done < <(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | sort -u)
	done
}

# copy_with_libs_from <root> <stage> <binary...>: the same for binaries of
# an unpacked tree (Debian 13's tools): paths are inside <root>, and the
# libraries are those <root>'s own dynamic loader resolves there (its
# --list runs on the host: same architecture, its own C library).
copy_with_libs_from() {
	local root=$1 stage=$2 bin lib ld deps
	shift 2
	ld="$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
	[ -x "$ld" ] || die "no dynamic loader in $root"
	install -D -m 0755 "$(readlink -f "$ld")" "$stage/lib64/ld-linux-x86-64.so.2"
	for bin in "$@"; do
		install -D -m 0755 "$root$bin" "$stage$bin"
		deps=$("$ld" --library-path "$root/usr/lib/x86_64-linux-gnu" --list "$root$bin")
		case "$deps" in *"not found"*) die "$bin needs a library that is not in $root" ;; esac
		while read -r lib; do
			case "$lib" in "$root"/*) ;; *) continue ;; esac
			[ -e "$stage${lib#"$root"}" ] ||
				install -D -m 0755 "$(readlink -f "$lib")" "$stage${lib#"$root"}"
		done < <(printf '%s\n' "$deps" | grep -o '/[^ ]*' | sort -u)
	done
	return 0
}

# busybox_into <stage>: busybox-static with a link per applet.
busybox_into() {
	local stage=$1 applet
	readelf -l /bin/busybox | grep -q 'program interpreter' &&
		die "/bin/busybox is dynamically linked; install busybox-static"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc}
	cp /bin/busybox "$stage/bin/busybox"
	for applet in $(/bin/busybox --list); do
		case "$applet" in busybox|init|linuxrc) continue ;; esac
		ln -sf busybox "$stage/bin/$applet"
	done
	if [ "$(id -u)" -eq 0 ]; then
		mknod -m 600 "$stage/dev/console" c 5 1
	fi
}

cpio_gz() {
	local stage=$1 out=$2
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
}

# The guests' kernel command line (console on Xen's PV console, the test
# /init of tests/e2e/guest/init.sh), for both ways a guest boots.
GUEST_CMDLINE="console=hvc0 rdinit=/init loglevel=5"
GRUB_PVH_DIR=/usr/lib/grub/i386-xen_pvh

# guest_grub_image <vmlinuz> <initramfs> <out>: a GRUB for Xen PVH guests
# (grub-xen-bin) holding the kernel and its initramfs in a memdisk, with a
# configuration that boots them at once. Xen starts a PVH kernel given
# directly at its uncompressed entry point, past the decompressor, which
# is where Linux randomizes its base: such a guest always runs at its
# link addresses (slide 0). GRUB instead boots the bzImage the way a
# distribution's bootloader does, so the decompressor runs and KASLR
# picks a fresh slide at every boot (the kernel then recognises the PVH
# container from ACPI). The end-to-end guests boot this way: the slide
# xenintro finds is a real one.
guest_grub_image() {
	local vmlinuz=$1 initramfs=$2 out=$3 md
	md=$(mktemp -d "${TMPDIR:-/tmp}/xi-grub.XXXXXX")
	cp "$vmlinuz" "$md/vmlinuz"
	cp "$initramfs" "$md/initramfs.gz"
	printf '%s\n' "linux (memdisk)/vmlinuz $GUEST_CMDLINE" \
		'initrd (memdisk)/initramfs.gz' boot >"$md/grub.cfg"
	tar -C "$md" -cf "$md/memdisk.tar" vmlinuz initramfs.gz
	grub-mkimage -O i386-xen_pvh -d "$GRUB_PVH_DIR" -o "$out.tmp" \
		-c "$md/grub.cfg" -m "$md/memdisk.tar" -p '(memdisk)' \
		memdisk tar linux >"$out.log" 2>&1 ||
		{ rm -rf "$md"; die "grub-mkimage failed; see $out.log"; }
	rm -rf "$md"
	mv "$out.tmp" "$out"
}

# xen_shipped <workdir>: the package root of tests/lib/pkgroot.sh, made
# now if the pkg layer has not made one from the tree as it is (the
# packages built and installed; about 4 min, log <workdir>/packages.log).
# Sets SHIPPED_KOS (xenintro.ko and xenintro_xen.ko as DKMS installed
# them, uncompressed into <workdir> if DKMS compressed them) and
# SHIPPED_LIB_ARGS (make variables that link libxenintro-dev's files).
SHIPPED_KOS=()
SHIPPED_LIB_ARGS=()
xen_shipped() {
	local work=$1 m ko lib
	# shellcheck source=tests/lib/pkgroot.sh
	. "$XENINTRO_ROOT/tests/lib/pkgroot.sh"
	log "e2e: xenintro from its packages ($PKGROOT)"
	(pkgroot_ensure) >"$work/packages.log" 2>&1 ||
		die "no package root: $(cat "${XENINTRO_DIE_FILE:-/dev/null}" 2>/dev/null) (log $work/packages.log)"
	mkdir -p "$work/shipped"
	for m in xenintro xenintro_xen; do
		ko=$(pkgroot_ko "$m")
		case "$ko" in
		*.ko) cp "$ko" "$work/shipped/$m.ko" ;;
		*.ko.xz) xz -dc "$ko" >"$work/shipped/$m.ko" ;;
		*.ko.zst) zstd -qdc "$ko" >"$work/shipped/$m.ko" ;;
		'') die "xenintro-dkms installed no $m.ko for $PKGROOT_KABI in $PKGROOT" ;;
		*) die "cannot handle $ko" ;;
		esac
		SHIPPED_KOS+=("$work/shipped/$m.ko")
	done
	lib=$(find "$PKGROOT/usr/lib" -name libxenintro.a | head -n1)
	[ -n "$lib" ] || die "libxenintro-dev installed no libxenintro.a in $PKGROOT"
	SHIPPED_LIB_ARGS=("LIBXENINTRO=$lib" "AGENT_CFLAGS=-I$PKGROOT/usr/include")
}

xen_build() {
	local work=$1 mods bins stage m gmod gmodva kos=() guest_kos=()
	mkdir -p "$work"

	# Each check names what is missing and the package behind it; the
	# message reaches the TAP line (run.sh), no log is needed to read it.
	[ -n "$XEN_KVER" ] || die "no dom0 kernel: $(debian_kabi 2>&1 >/dev/null)"
	[ -f "/boot/vmlinuz-$XEN_KVER" ] || die "no /boot/vmlinuz-$XEN_KVER (install linux-image-$XEN_KVER)"
	[ -d "$XEN_KDIR" ] || die "no $XEN_KDIR (install linux-headers-$XEN_KVER)"
	[ -d "/lib/modules/$XEN_KVER/kernel/drivers/xen" ] ||
		die "no /lib/modules/$XEN_KVER/kernel/drivers/xen (install linux-image-$XEN_KVER)"
	if [ "$XEN_DIST" = trixie ]; then
		trixie_fetch >&2 || die "could not fetch Debian 13's Xen (see $TRIXIE_DIR/*.log)"
		XEN_VERSION=$(trixie_xen_version) || die "no Debian 13 Xen image"
		XEN_TOOLS=$(trixie_xen_tools) || die "no Debian 13 Xen tools"
		XEN_TOOLS=${XEN_TOOLS#"$XEN_ROOT"}
		XEN_GZ=$(trixie_xen_gz)
	fi
	[ -n "$XEN_GZ" ] || die "no Xen image: $(debian_xen_gz 2>&1 >/dev/null)"
	[ -n "$XEN_TOOLS" ] || die "no Xen tools: $(debian_xen_tools 2>&1 >/dev/null)"
	[ -x "$XEN_ROOT$XEN_TOOLS/xen-access" ] || die "no $XEN_ROOT$XEN_TOOLS/xen-access (xen-utils)"
	command -v xenstore-read >/dev/null || die "no xenstore-read (xenstore-utils)"
	command -v qemu-system-x86_64 >/dev/null || die "no qemu-system-x86_64"
	command -v grub-mkimage >/dev/null || die "no grub-mkimage (grub-common)"
	[ -f "$GRUB_PVH_DIR/linux.mod" ] || die "no $GRUB_PVH_DIR/linux.mod (grub-xen-bin)"

	# Xen: an ELF32 multiboot image QEMU can load, cached per package version.
	local xver
	if [ "$XEN_DIST" = trixie ]; then
		xver=$(sed -n 's/^xen-hypervisor-[^=]*=//p' "$XEN_ROOT/.packages")
	else
		xver=$(dpkg-query -W -f='${Version}' "$(debian_xen_pkg)" 2>/dev/null || echo unknown)
	fi
	XEN_IMAGE="$XENINTRO_CACHE/xen/xen-$XEN_VERSION-$xver"
	if [ ! -s "$XEN_IMAGE" ]; then
		mkdir -p "$(dirname "$XEN_IMAGE")"
		gunzip -c "$XEN_GZ" >"$XEN_IMAGE.tmp" && mv "$XEN_IMAGE.tmp" "$XEN_IMAGE"
	fi
	# The guests run Debian 12's kernel (XEN_KVER) in either case; so does
	# dom0, except with Debian 13's Xen, whose dom0 runs Debian 13's own
	# kernel and its Xen drivers (from the build root of
	# tests/lib/trixie.sh), with xenintro built there for it.
	GUEST_KERNEL="/boot/vmlinuz-$XEN_KVER"
	if [ "$XEN_DIST" = trixie ]; then
		local tkdir
		trixie_buildroot >&2 || die "no Debian 13 build root (see $TRIXIE_DIR/*.log)"
		tkdir=$(trixie_kdir) || die "no Debian 13 kernel headers in $TRIXIE_BUILDROOT"
		DOM0_KVER=${tkdir#/usr/src/linux-headers-}
		DOM0_KERNEL="$TRIXIE_BUILDROOT/boot/vmlinuz-$DOM0_KVER"
		DOM0_XEN_MODS="$TRIXIE_BUILDROOT/usr/lib/modules/$DOM0_KVER/kernel/drivers/xen"
		[ -f "$DOM0_KERNEL" ] || die "no $DOM0_KERNEL in the Debian 13 build root"
		log "e2e: modules against Debian 13's $tkdir (in $TRIXIE_BUILDROOT)"
		mods="$TRIXIE_BUILDROOT/build/e2e"
		TRIXIE_BUILD_DIR=/build/e2e trixie_build_modules \
			CONFIG_XENINTRO_SIM= CONFIG_XENINTRO_KUNIT_TEST= \
			>"$work/modules.log" 2>&1 || die "module build failed; see $work/modules.log"
	else
		DOM0_KVER=$XEN_KVER
		DOM0_KERNEL=$GUEST_KERNEL
		DOM0_XEN_MODS="/lib/modules/$XEN_KVER/kernel/drivers/xen"
		# What the packages ship: the modules DKMS built when
		# xenintro-dkms was installed in a clean Debian 12 root, and
		# the agent, tool and library of the other packages there.
		xen_shipped "$work"
		kos=("${SHIPPED_KOS[@]}")
	fi
	if [ "$XEN_DIST" = trixie ]; then
		for m in xenintro xenintro_xen; do
			[ -f "$mods/kmod/$m.ko" ] || die "no $m.ko after the build; see $work/modules.log"
			kos+=("$mods/kmod/$m.ko")
		done
	fi

	# The guest's own modules (the CR0.WP scenario, the kernel addresses
	# of the memory scenario): Debian's kernel runs in the guest too, so
	# the same headers fit.
	gmod=$(tree_build_dir "e2e-guest-mod-$XEN_KVER")
	mkdir -p "$gmod"
	cp -p "$E2E_DIR/guest/crwp/Kbuild" "$E2E_DIR/guest/crwp/xi_crwp.c" "$gmod/"
	make -C "$XEN_KDIR" M="$gmod" modules >"$work/guest-module.log" 2>&1 ||
		die "guest module build failed; see $work/guest-module.log"
	for m in va patch lstar; do
		gmodva=$(tree_build_dir "e2e-guest-mod-$m-$XEN_KVER")
		mkdir -p "$gmodva"
		cp -p "$E2E_DIR/guest/$m/Kbuild" "$E2E_DIR/guest/$m/xi_$m.c" "$gmodva/"
		make -C "$XEN_KDIR" M="$gmodva" modules >"$work/guest-module-$m.log" 2>&1 ||
			die "guest module build failed; see $work/guest-module-$m.log"
		guest_kos+=("$gmodva/xi_$m.ko")
	done

	log "e2e: agent and guest programs"
	bins=$(tree_build_dir e2e-bin)
	# The test agents link libxenintro-dev's static library and headers
	# as installed, where the packages are used.
	make -C "$E2E_DIR" OUT="$bins" "${SHIPPED_LIB_ARGS[@]}" >"$work/programs.log" 2>&1 ||
		die "agent/guest program build failed; see $work/programs.log"
	if [ "$XEN_DIST" = trixie ]; then
		# The policy agent and the xenintro tool, static (Debian 12's
		# packages are not for Debian 13's dom0).
		make -C "$XENINTRO_ROOT/userspace" static >"$work/userspace.log" 2>&1 ||
			die "xenintro-agent/xenintro build failed; see $work/userspace.log"
	fi

	log "e2e: guest initramfs"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/xi-guest.XXXXXX")
	busybox_into "$stage"
	install -m 0755 "$E2E_DIR/guest/init.sh" "$stage/init"
	install -m 0755 "$bins/xi_guest" "$stage/bin/xi_guest"
	install -D -m 0644 "$gmod/xi_crwp.ko" "$stage/lib/xi/xi_crwp.ko"
	install -m 0755 "$E2E_DIR/guest/xi_crwp.sh" "$stage/bin/xi_crwp"
	for m in "${guest_kos[@]}"; do
		install -D -m 0644 "$m" "$stage/lib/xi/$(basename "$m")"
	done
	install -m 0755 "$E2E_DIR/guest/xi_va.sh" "$stage/bin/xi_va"
	install -m 0755 "$E2E_DIR/guest/xi_patch.sh" "$stage/bin/xi_patch"
	install -m 0755 "$E2E_DIR/guest/xi_lstar.sh" "$stage/bin/xi_lstar"
	install -m 0755 "$E2E_DIR/guest/xi_ksyms.sh" "$stage/bin/xi_ksyms"
	install -m 0755 "$E2E_DIR/guest/xi_procs.sh" "$stage/bin/xi_procs"
	cpio_gz "$stage" "$work/guest-initramfs.gz"
	rm -rf "$stage"
	log "e2e: guest boot image (GRUB for PVH, so that KASLR randomizes)"
	guest_grub_image "$GUEST_KERNEL" "$work/guest-initramfs.gz" "$work/guest-kaslr.bin"

	log "e2e: dom0 initramfs"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/xi-dom0.XXXXXX")
	busybox_into "$stage"
	install -m 0755 "$E2E_DIR/dom0/init.sh" "$stage/init"
	mkdir -p "$stage/xi/modules" "$stage/xi/guest" "$stage/lib/modules/xen"
	for m in lib.sh e2e.sh bench.sh demo.sh stress.sh churn.sh; do
		[ -f "$E2E_DIR/dom0/$m" ] && install -m 0755 "$E2E_DIR/dom0/$m" "$stage/xi/$m"
	done
	install -m 0755 "$bins/xi_agent" "$stage/xi/xi_agent"
	install -m 0755 "$bins/xi_journal_sink" "$stage/xi/xi_journal_sink"
	# Dynamic (Debian's libxenforeignmemory, libxenctrl): its libraries
	# come along, at the paths ldd gives. Not with Debian 13's Xen: this
	# libxenctrl is the host's, whose domctl version that Xen refuses.
	if [ "$XEN_DIST" != trixie ]; then
		copy_with_libs "$stage" "$bins/xi_membench"
		ln -s "$bins/xi_membench" "$stage/xi/xi_membench"
	fi
	mkdir -p "$stage/xi/examples"
	if [ "$XEN_DIST" = trixie ]; then
		install -m 0755 "$XENINTRO_ROOT/userspace/agent/xenintro-agent.static" \
			"$stage/xi/xenintro-agent"
		install -m 0755 "$XENINTRO_ROOT/userspace/cli/xenintro.static" \
			"$stage/xi/xenintro"
		cp "$XENINTRO_ROOT"/userspace/examples/*.yaml "$stage/xi/examples/"
	else
		# xenintro-agent's files at their installed paths, with the
		# shared libraries the root resolves them to (its own C
		# library: the dom0 has none); /xi/ names them as before.
		copy_with_libs_from "$PKGROOT" "$stage" /usr/sbin/xenintro-agent /usr/bin/xenintro
		ln -s /usr/sbin/xenintro-agent "$stage/xi/xenintro-agent"
		ln -s /usr/bin/xenintro "$stage/xi/xenintro"
		cp "$PKGROOT"/usr/share/doc/xenintro-agent/examples/*.yaml "$stage/xi/examples/"
	fi
	cp "${kos[@]}" "$stage/xi/modules/"
	cp "$GUEST_KERNEL" "$stage/xi/guest/vmlinuz"
	cp "$work/guest-initramfs.gz" "$stage/xi/guest/initramfs.gz"
	cp "$work/guest-kaslr.bin" "$stage/xi/guest/kaslr.bin"
	echo "$GUEST_CMDLINE" >"$stage/xi/guest/cmdline"
	for m in xen-evtchn xen-privcmd xen-gntdev xen-gntalloc xenfs; do
		m=$(find "$DOM0_XEN_MODS" -name "$m.ko*" | head -n1)
		[ -n "$m" ] || die "dom0 module missing under $DOM0_XEN_MODS"
		case "$m" in
		*.ko) cp "$m" "$stage/lib/modules/xen/" ;;
		*.ko.xz) xz -dc "$m" >"$stage/lib/modules/xen/$(basename "$m" .xz)" ;;
		*) die "cannot handle $m" ;;
		esac
	done
	if [ "$XEN_DIST" = trixie ]; then
		copy_with_libs_from "$XEN_ROOT" "$stage" "$XEN_TOOLS/xl" \
			"$XEN_TOOLS/xenstored" "$XEN_TOOLS/xen-init-dom0" \
			"$XEN_TOOLS/xenconsoled" "$XEN_TOOLS/xen-access" \
			/usr/bin/xenstore
		install -D -m 0644 "$(readlink -f "$XEN_ROOT/usr/lib/x86_64-linux-gnu/libgcc_s.so.1")" \
			"$stage/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"
	else
		copy_with_libs "$stage" "$XEN_TOOLS/xl" "$XEN_TOOLS/xenstored" \
			"$XEN_TOOLS/xen-init-dom0" "$XEN_TOOLS/xenconsoled" \
			"$XEN_TOOLS/xen-access" /usr/bin/xenstore
		# xl console (and pthread_cancel in general) dlopen()s libgcc_s.
		install -D -m 0644 "$(readlink -f /lib/x86_64-linux-gnu/libgcc_s.so.1)" \
			"$stage/lib/x86_64-linux-gnu/libgcc_s.so.1"
	fi
	for m in read write ls list rm; do
		ln -sf xenstore "$stage/usr/bin/xenstore-$m"
	done
	cpio_gz "$stage" "$work/dom0-initramfs.gz"
	rm -rf "$stage"
	DOM0_INITRD="$work/dom0-initramfs.gz"
	log "e2e: dom0 initramfs $(du -h "$DOM0_INITRD" | cut -f1), guest initramfs $(du -h "$work/guest-initramfs.gz" | cut -f1)"
}

# xen_boot_start <mode> <serial log> <timeout s>: start Xen under QEMU in
# the background; QEMU_PID is the pid of the `timeout` that runs it (a TERM
# to it reaches QEMU). Returns 125 if no QEMU slot came free.
xen_boot_start() {
	local mode=$1 logf=$2 tmo=$3
	: >"$logf"
	rm -f "$logf.stopped"
	wait_qemu_slot || return 125
	# TCG only: /dev/kvm cannot run these kernels here.
	local qemu=(qemu-system-x86_64
		-accel "$XEN_QEMU_ACCEL" -cpu "$XEN_QEMU_CPU" -smp "$XEN_QEMU_SMP" -m 3072
		-nodefaults -display none -no-reboot
		-serial "file:$logf" -monitor none
		-kernel "$XEN_IMAGE" -append "$XEN_CMDLINE"
		-initrd "$DOM0_KERNEL $DOM0_CMDLINE xi.mode=$mode,$DOM0_INITRD")
	log "e2e: booting Xen (mode $mode, limit ${tmo}s), console $logf"
	# -k: SIGKILL if QEMU ignores the TERM; never leave one behind.
	timeout -k 10 "$tmo" "${qemu[@]}" </dev/null >"$logf.qemu" 2>&1 &
	QEMU_PID=$!
	# Someone else's QEMU may start while ours runs (they wait for a free
	# slot too, but the check and the start are not atomic): sample that,
	# so timings from a shared machine can be told apart. One line per
	# 10 s: "<epoch> <other QEMUs>"; ends with our QEMU.
	# A crashed dom0 or a Xen panic never powers off (noreboot): stop QEMU
	# then instead of waiting for the time limit, and say why.
	(
		while kill -0 "$QEMU_PID" 2>/dev/null; do
			mine=$(pgrep -P "$QEMU_PID" | head -n1)
			n=$(pgrep -f '^(\S*/)?qemu-system' | grep -vxc "${mine:-none}" || true)
			echo "$(date +%s) $n"
			if grep -aqE 'Hardware Dom0 crashed|Panic on CPU' "$logf"; then
				sleep 5	# the rest of the crash report
				echo "dom0 crashed or Xen panicked: QEMU stopped early" >"$logf.stopped"
				kill -TERM "$QEMU_PID" 2>/dev/null
				break
			fi
			sleep 10
		done
	) >"$logf.contention" 2>/dev/null &
	# Whoever sources this file and exits early still ends its QEMU.
	trap xen_boot_kill EXIT
	return 0
}

# End the QEMU started by xen_boot_start, if it still runs.
xen_boot_kill() {
	if [ -n "${QEMU_PID:-}" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		log "e2e: stopping QEMU (timeout pid $QEMU_PID)"
		kill -TERM "$QEMU_PID" 2>/dev/null || true
		wait "$QEMU_PID" 2>/dev/null || true
	fi
	QEMU_PID=
}

# xen_boot_wait <serial log>: wait for the QEMU xen_boot_start started.
# Its exit status, 124 on timeout, or 123 if the watcher stopped it because
# dom0 crashed or Xen panicked (QEMU itself exits 0 on that TERM, which
# would read as a clean power-off).
xen_boot_wait() {
	local rc=0
	wait "$QEMU_PID" || rc=$?
	QEMU_PID=
	if [ -s "$1.stopped" ]; then
		log "e2e: $(cat "$1.stopped")"
		rc=123
	fi
	return "$rc"
}

# xen_boot <mode> <serial log> <timeout s>: boot Xen once and wait. Exit
# status as xen_boot_wait's (0: dom0 powered off), 125 if no QEMU slot
# came free.
xen_boot() {
	xen_boot_start "$@" || return $?
	xen_boot_wait "$2"
}
