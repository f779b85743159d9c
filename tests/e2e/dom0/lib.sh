# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the dom0 side (busybox sh), sourced by e2e.sh, bench.sh and
# demo.sh: guests, the console channel into them, the agent, results.
# Their variables are "local" (busybox ash has it): they call each other,
# and a shared name would be clobbered.
#
# Guests are driven through their console (see guest/init.sh): dom0 writes
# "<id> <command>" into the guest's console pty and reads the answer from
# the log xenconsoled keeps of that console.

XI=/xi
AGENT=$XI/xi_agent
CONLOG=/var/log/xen/console
RESULTS=/tmp/xi-results

# To stderr (the console too): log lines must never end up in a $(...).
log() { echo "XI-LOG: $*" >&2; }

# result <n> <ok|fail|skip> <name> <detail...>: one scenario's verdict,
# printed now and kept for the block the host parses at the end.
# $NOTE, if set (e2e.sh: a guest was replaced), is added to the detail.
result() {
	local _n="$1" _st="$2" _name="$3"
	shift 3
	echo "XI-RESULT|$_n|$_st|$_name|$*${NOTE:+ $NOTE}" | tee -a "$RESULTS"
}

# Print the kernel log written since the last call, tagged with <tag>, so
# the host can attribute a splat to the scenario that caused it.
dmesg_mark() {
	dmesg -c 2>/dev/null | sed "s/^/XI-DMESG $1: /"
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# load_xenintro [param=value...]: the core (with those parameters) and
# the Xen backend; unload_xenintro the other way round.
load_xenintro() {
	insmod $XI/modules/xenintro.ko "$@" || return 1
	insmod $XI/modules/xenintro_xen.ko || return 1
	return 0
}
unload_xenintro() { rmmod xenintro_xen && rmmod xenintro; }

# How guests boot: "kaslr" (the default) through the GRUB image that
# tests/e2e/lib.sh builds, so that the kernel's decompressor randomizes
# its base as on any distribution guest; "direct" (xi.guest_boot=direct on
# dom0's command line) hands Xen the kernel itself, which then runs at
# its link addresses, a few seconds faster to boot.
GUEST_BOOT=kaslr
for _arg in $(cat /proc/cmdline); do
	case "$_arg" in xi.guest_boot=*) GUEST_BOOT=${_arg#xi.guest_boot=} ;; esac
done

# guest_create <name> [-p]: write its config and create it (-p: paused).
# A crash or a reboot (a triple fault is one) preserves the domain instead
# of restarting it under a new domid: the scenarios then fail visibly on
# the dead guest, and Xen's message on the console says why. Scenario 22
# reboots its own guest on purpose: XI_ON_REBOOT=restart for that one.
guest_create() {
	local _pin _pinl= _boot
	if [ "$GUEST_BOOT" = direct ]; then
		_boot="kernel = \"$XI/guest/vmlinuz\"
ramdisk = \"$XI/guest/initramfs.gz\"
cmdline = \"$(cat $XI/guest/cmdline)\""
	else
		_boot="kernel = \"$XI/guest/kaslr.bin\""
	fi
	# xi.pin.<guest>=<pCPU> on dom0's command line pins a guest's vCPU
	# (xl "cpus="), e.g. to keep two guests off one physical CPU. (No
	# commas: QEMU's -initrd splits the multiboot modules at commas.)
	_pin=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^xi\.pin\.$1=//p" | head -n1)
	[ -n "$_pin" ] && _pinl="cpus = \"$_pin\""
	cat >"/tmp/$1.cfg" <<EOF
name = "$1"
type = "pvh"
$_boot
memory = 256
vcpus = 1
on_crash = "preserve"
on_reboot = "${XI_ON_REBOOT:-preserve}"
$_pinl
EOF
	rm -f "$CONLOG/guest-$1.log"
	# shellcheck disable=SC2086 # no second argument: no word at all
	xl create ${2:-} "/tmp/$1.cfg" >"/tmp/$1.create.log" 2>&1
}

domid() { xl domid "$1" 2>/dev/null; }

# keep_dead_log <guest> <domid>: the end of a dead guest's console, onto
# dom0's console (as guest "<guest>-dead-dom<domid>"), before the guest is
# replaced and its log starts over.
keep_dead_log() {
	tail -n 80 "$CONLOG/guest-$1.log" 2>/dev/null | sed "s/^/XI-GLOG $1-dead-dom$2: /"
}
glog() { echo "$CONLOG/guest-$1.log"; }

# The xl state letters of a guest ("-b----"), empty if it does not exist.
gstate() { xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }
# Whether a guest runs: it exists and is not shut down, crashed or dying.
grunning() {
	case "$(gstate "$1")" in '' | *s* | *c* | *d*) return 1 ;; esac
	return 0
}

# Guests die now and then on this emulator, monitored or not: under heavy
# exits QEMU's TCG emulation of nested SVM makes Xen report a triple fault,
# either at Xen's own VMRUN (the dumped state is Xen's: cs e008) or inside
# the guest kernel. tests/e2e/stress.sh shows it on unmonitored guests.
# So callers replace a guest found dead by a fresh one (ensure_guest) and
# run their step once more on it; "XI-FLAKE|dom<id>|<guest>|<Xen's words>"
# records each such death for the host, which reports them (parse.py). A
# death that xenintro causes every time still fails: the re-run dies too.
crash_words() {
	xl dmesg 2>/dev/null | grep -E "d${1}v0 (Triple fault|.*crash)|Dom${1} crash" | tail -n1
	xl dmesg 2>/dev/null | grep -A4 "d${1}v0 Triple fault" | grep 'RIP:' | tail -n1
}

# ensure_guest <name>: 0 if it runs, or was booted (it did not exist), or
# was replaced by a fresh guest (it had died).
ensure_guest() {
	local _d _w
	grunning "$1" && return 0
	_d=$(domid "$1")
	if [ -z "$_d" ]; then
		guest_boot "$1"
		return
	fi
	_w=$(crash_words "$_d" | head -n1 | sed 's/^(XEN) //')
	echo "XI-FLAKE|dom$_d|$1|$(crash_words "$_d" | tr '\n' ' ')"
	log "$1 (dom$_d) is dead ($(gstate "$1")); replacing it"
	keep_dead_log "$1" "$_d"
	NOTE="$NOTE [$1 dom$_d died (${_w:-xl state $(gstate "$1"), nothing from Xen}); replaced by a fresh guest]"
	xl destroy "$1" 2>/dev/null
	guest_boot "$1"
}

# wait_file <file> <fixed string> <timeout s>: until the string shows up.
wait_file() {
	local _i=0
	while [ "$_i" -lt $(($3 * 4)) ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.25
		_i=$((_i + 1))
	done
	return 1
}

# gsend <guest> <id> <command...>: one command line into the guest.
gsend() {
	local _g="$1" _id="$2" _tty
	shift 2
	_tty=$(xenstore-read "/local/domain/$(domid "$_g")/console/tty" 2>/dev/null)
	[ -n "$_tty" ] || return 1
	printf '%s %s\n' "$_id" "$*" >"$_tty"
}

# grun <guest> <id> <timeout s> <command...>: run it and wait for its end;
# 2 at once if the guest stops running meanwhile (nothing more will come).
grun() {
	local _g="$1" _id="$2" _t="$3"
	shift 3
	gsend "$_g" "$_id" "$@" || return 1
	gwait "$_g" "$_id" "$_t"
}

# gwait <guest> <id> <timeout s>: wait for the end of a command gsend
# started; as grun.
gwait() {
	local _g="$1" _id="$2" _t="$3" _i=0
	while [ "$_i" -lt $((_t * 4)) ]; do
		grep -qF -- "XI-G: end $_id " "$(glog "$_g")" 2>/dev/null && return 0
		# xl list costs a little: look once a second.
		if [ $((_i % 4)) = 3 ] && ! grunning "$_g"; then
			log "$_g stopped running while '$_id' ran"
			return 2
		fi
		sleep 0.25
		_i=$((_i + 1))
	done
	return 1
}

# gline <guest> <id> <word>: the guest's result line "XI-G: <id> <word> ..."
gline() { grep -F "XI-G: $2 $3" "$(glog "$1")" | tail -n1; }

# kv <line> <key>: the value of " key=" in a line.
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n1; }

hb() {
	local _n
	_n=$(grep -c "XI-G: hb" "$(glog "$1")" 2>/dev/null)
	echo "${_n:-0}"
}

# alive <guest> <secs>: heartbeats continue for <secs> more seconds.
alive() {
	local _a _b
	_a=$(hb "$1")
	sleep "$2"
	_b=$(hb "$1")
	log "$1 heartbeats $_a -> $_b in ${2}s"
	[ "$_b" -gt "$_a" ]
}

# guest_boot <name> [-p]: create and (unless paused) wait until it is up.
guest_boot() {
	guest_create "$@" || { log "xl create $1 failed: $(cat "/tmp/$1.create.log")"; return 1; }
	[ "${2:-}" = -p ] && return 0
	wait_file "$(glog "$1")" "XI-G: up" 120
}

# agent_start <outfile> <args...>: the agent in the background; its pid
# in $AGENT_PID. agent_ready waits for its "ready" line.
agent_start() {
	local _out="$1"
	shift
	$AGENT "$@" >"$_out" 2>&1 &
	# shellcheck disable=SC2034 # for the caller
	AGENT_PID=$!
}

agent_ready() { wait_file "$1" " ready" "${2:-20}"; }

# agent_stop <pid> <timeout s>: SIGTERM, wait, SIGKILL as last resort.
agent_stop() {
	local _i=0
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt $(($2 * 4)) ]; do
		sleep 0.25
		_i=$((_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		log "agent $1 did not stop; killing it"
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 1
	fi
	wait "$1" 2>/dev/null
	return 0
}

# aline <file> <tag>: the agent's last "AGENT: ... <tag> ..." line.
aline() { grep -F " $2" "$1" | grep '^AGENT:' | tail -n1; }

# show <file> <prefix>: a file into the console log, for the record.
show() { sed "s/^/$2: /" "$1" 2>/dev/null; }
