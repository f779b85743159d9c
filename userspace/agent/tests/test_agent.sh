#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# xenintro-agent's command line without a device: what --check accepts
# and refuses, with its exit status and message, and the systemd unit's
# command lines for an instance. TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
AGENT=$PWD/xenintro-agent
# shellcheck source=userspace/tests/tap.sh
. ../tests/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect <name> <status> <stderr text or ""> <command...>: the exit status,
# and a line of standard error holding the text (empty: stderr empty)
expect() {
	local name=$1 want_rc=$2 want_err=$3 rc=0
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want_rc" ]; then
		notok "$name: exit $rc, not $want_rc: $(head -c 300 "$tmp/err")"
	elif [ -n "$want_err" ] && ! grep -qxF -- "$want_err" "$tmp/err"; then
		notok "$name: stderr $(head -c 300 "$tmp/err"), not: $want_err"
	elif [ -z "$want_err" ] && [ -s "$tmp/err" ]; then
		notok "$name: unexpected stderr: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}

echo "TAP version 13"
echo "1..38"

# ---- guests named with a leading digit (issue 17, defect 4) ----------
printf 'guest: 2019-web\nmonitors: {cpuid: true}\n' >"$tmp/2019-web.yaml"
expect "a policy for guest 2019-web (a name, not a bad number) passes --check" 0 "" \
	"$AGENT" --check "$tmp/2019-web.yaml"
expect "--guest 2019-web is a name for --check" 0 "" \
	"$AGENT" --check --guest 2019-web "$tmp/2019-web.yaml"
expect "--check -g 0 is refused: dom0 is no guest" 1 \
	"xenintro-agent: --guest: domain 0 is dom0 itself, not a guest" \
	"$AGENT" --check -g 0 "$tmp/2019-web.yaml"
expect "--check -g 99999 is refused: beyond the last domid" 1 \
	"xenintro-agent: --guest: 99999 is not a domain id: guests have 1 to 32751" \
	"$AGENT" --check -g 99999 "$tmp/2019-web.yaml"
expect "--check -g 32751 (the last domid) is accepted" 0 "" \
	"$AGENT" --check -g 32751 "$tmp/2019-web.yaml"
# without a device, attaching fails; the name must be looked up first (in
# xenstore, which this machine may not run), never read as a number
rc=0
"$AGENT" "$tmp/2019-web.yaml" >/dev/null 2>"$tmp/err" || rc=$?
if [ "$rc" = 3 ] && grep -qE 'guest name "2019-web"|no guest named "2019-web"|cannot open' "$tmp/err" &&
	! grep -q 'not a domain id' "$tmp/err"; then
	ok "running the policy looks 2019-web up by name (exit 3: $(head -n1 "$tmp/err"))"
else
	notok "running the policy: exit $rc: $(head -c 300 "$tmp/err")"
fi

# The unit's command lines for instance 2019-web: %i is the instance as
# typed (systemctl start xenintro-agent@2019-web), @SBINDIR@ this build;
# ExecStart gets --check so that it needs no device.
mkdir -p "$tmp/etc"
cp "$tmp/2019-web.yaml" "$tmp/etc/2019-web.yaml"
unit_line() {
	sed -n "s/^$1=//p" xenintro-agent@.service | sed "s|@SBINDIR@|$PWD|g; s|%i|$2|g; s|/etc/xenintro/|$tmp/etc/|g"
}
pre=$(unit_line ExecStartPre 2019-web)
start=$(unit_line ExecStart 2019-web)
expect "unit instance 2019-web: ExecStartPre ($pre) passes" 0 "" bash -c "$pre >/dev/null"
expect "unit instance 2019-web: ExecStart's --guest %i is the guest named 2019-web" 0 "" \
	bash -c "${start/xenintro-agent /xenintro-agent --check } >/dev/null"
cp "$tmp/2019-web.yaml" "$tmp/etc/0.yaml"
start=$(unit_line ExecStart 0)
expect "unit instance 0: ExecStart refuses dom0" 1 \
	"xenintro-agent: --guest: domain 0 is dom0 itself, not a guest" \
	bash -c "${start/xenintro-agent /xenintro-agent --check }"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$tmp/units"
	sed "s|@SBINDIR@|$PWD|g" xenintro-agent@.service >"$tmp/units/xenintro-agent@.service"
	ln -s xenintro-agent@.service "$tmp/units/xenintro-agent@2019-web.service"
	expect "systemd-analyze verify xenintro-agent@2019-web.service" 0 "" \
		timeout 60 systemd-analyze verify --man=no "$tmp/units/xenintro-agent@2019-web.service"
else
	ok "systemd-analyze verify # SKIP no systemd-analyze here"
fi

# ---- guests across their lifetime: --follow, --watch, the units -----
printf 'guest: web9\nmonitors: {cpuid: true}\n' >"$tmp/web9.yaml"
expect "--follow=x is refused" 1 "xenintro-agent: --follow: seconds, 0..31536000" \
	"$AGENT" --follow=x "$tmp/web9.yaml"
expect "--follow=-1 is refused" 1 "xenintro-agent: --follow: seconds, 0..31536000" \
	"$AGENT" --follow=-1 "$tmp/web9.yaml"
expect "--watch with --guest is refused" 1 \
	"xenintro-agent: --watch: the guests are the pattern's; no --guest with it" \
	"$AGENT" --watch 'web*' --guest web1 "$tmp/web9.yaml"
expect "--watch '' is refused" 1 "xenintro-agent: --watch: an empty pattern" \
	"$AGENT" --watch '' "$tmp/web9.yaml"
expect "--check takes --follow and --watch (the policy is what it checks)" 0 "" \
	"$AGENT" --check --follow --watch 'web*' "$tmp/web9.yaml"
# No guest web9 here (and, on a build machine, no xenstore at all):
# --follow waits for it instead of exiting 3; --follow=1 gives up with 4.
if [ -e /run/xenstored/socket ] || [ -e /dev/xen/xenbus ]; then
	ok "--follow=1 with no such guest # SKIP this machine runs xenstore: a guest web9 could exist"
	ok "SIGTERM while --follow waits # SKIP this machine runs xenstore"
else
	expect "--follow=1: no guest web9 within 1 s: exit 4, said so" 4 \
		"xenintro-agent: no domain named web9 ran within 1 s (--follow=1)" \
		timeout 20 "$AGENT" --follow=1 -d /dev/null "$tmp/web9.yaml"
	"$AGENT" --follow -d /dev/null "$tmp/web9.yaml" 2>"$tmp/ferr" &
	fpid=$!
	for _ in $(seq 50); do grep -q "waiting for it" "$tmp/ferr" && break; sleep 0.1; done
	kill -TERM "$fpid"
	rc=0
	wait "$fpid" || rc=$?
	if [ "$rc" = 0 ] && grep -qxF "xenintro-agent: signal 15 while waiting for web9: exiting" "$tmp/ferr"; then
		ok "SIGTERM while --follow waits for the guest: exit 0"
	else
		notok "SIGTERM while --follow waits: exit $rc: $(cat "$tmp/ferr")"
	fi
fi
if [ -e /run/xenstored/socket ] || [ -e /dev/xen/xenbus ]; then
	ok "--watch without xenstore # SKIP this machine runs xenstore"
else
	expect "--watch without xenstore: exit 3" 3 \
		"xenintro-agent: watch: no xenstore to list the guests in (No such file or directory)" \
		timeout 20 "$AGENT" --watch 'web*' -d /dev/null "$tmp/web9.yaml"
fi
# The unit follows its guest: --follow in ExecStart, and no
# SuccessExitStatus=4, which kept a rebooted guest's unit stopped.
if unit_line ExecStart web9 | grep -q -- ' --follow --guest web9 ' &&
	! grep -q '^SuccessExitStatus=.*4' xenintro-agent@.service; then
	ok "xenintro-agent@.service: ExecStart has --follow, no SuccessExitStatus=4"
else
	notok "xenintro-agent@.service: $(grep -E '^(ExecStart|SuccessExitStatus)=' xenintro-agent@.service | tr '\n' ' ')"
fi
wunit_line() {
	sed -n "s/^$1=//p" xenintro-agent-watch@.service | sed "s|@SBINDIR@|$PWD|g; s|%i|$2|g; s|/etc/xenintro/|$tmp/etc/|g"
}
cp "$tmp/web9.yaml" "$tmp/etc/web.yaml"
pre=$(wunit_line ExecStartPre web)
start=$(wunit_line ExecStart web)
expect "xenintro-agent-watch@web: ExecStartPre ($pre) passes" 0 "" bash -c "$pre >/dev/null"
expect "xenintro-agent-watch@web: ExecStart with PATTERN=web-* passes --check" 0 "" \
	env PATTERN='web-*' bash -c "${start/xenintro-agent /xenintro-agent --check } >/dev/null"
if ! grep -qx 'Environment=PATTERN=\*' xenintro-agent-watch@.service ||
	! grep -qx 'EnvironmentFile=-/etc/xenintro/%i.watch' xenintro-agent-watch@.service; then
	notok "xenintro-agent-watch@.service: PATTERN defaults to * and comes from /etc/xenintro/%i.watch"
else
	ok "xenintro-agent-watch@.service: PATTERN defaults to * and comes from /etc/xenintro/%i.watch"
fi
if command -v systemd-analyze >/dev/null; then
	sed "s|@SBINDIR@|$PWD|g" xenintro-agent-watch@.service >"$tmp/units/xenintro-agent-watch@.service"
	ln -s xenintro-agent-watch@.service "$tmp/units/xenintro-agent-watch@web.service"
	expect "systemd-analyze verify xenintro-agent-watch@web.service" 0 "" \
		timeout 60 systemd-analyze verify --man=no "$tmp/units/xenintro-agent-watch@web.service"
else
	ok "systemd-analyze verify xenintro-agent-watch@web.service # SKIP no systemd-analyze here"
fi

# ---- log.file checked by --check (issue 17, defect 5) ----------------
chmod 755 "$tmp"	# for the unprivileged run below
logpol() { printf 'guest: 5\nmonitors: {cpuid: true}\nlog:\n  file: %s\n' "$1" >"$tmp/log.yaml"; chmod 644 "$tmp/log.yaml"; }
logpol "$tmp/missing/agent.log"
expect "--check: log.file in a missing directory, at its line" 2 \
	"$tmp/log.yaml:4:9: log.file: $tmp/missing/agent.log: no directory $tmp/missing" \
	"$AGENT" --check "$tmp/log.yaml"
expect "running: the same, before any device is opened" 2 \
	"$tmp/log.yaml:4:9: log.file: $tmp/missing/agent.log: no directory $tmp/missing" \
	"$AGENT" -g 5 "$tmp/log.yaml"
expect "--check: -o overrides the policy's log.file" 0 "" \
	"$AGENT" --check -o "$tmp/ok.log" "$tmp/log.yaml"
if [ -e "$tmp/ok.log" ]; then
	notok "--check created the log file $tmp/ok.log"
else
	ok "--check created no log file"
fi
expect "--check: -o in a missing directory is an option's error" 1 \
	"xenintro-agent: --log: $tmp/nodir/x.log: no directory $tmp/nodir" \
	"$AGENT" --check -o "$tmp/nodir/x.log" "$tmp/log.yaml"
logpol "$tmp"
expect "--check: log.file that is a directory" 2 \
	"$tmp/log.yaml:4:9: log.file: $tmp is a directory" \
	"$AGENT" --check "$tmp/log.yaml"
mkdir "$tmp/ro"
chmod 555 "$tmp/ro"
logpol "$tmp/ro/agent.log"
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	expect "--check: log.file in a directory the agent cannot write (as nobody)" 2 \
		"$tmp/log.yaml:4:9: log.file: $tmp/ro/agent.log: cannot create files in $tmp/ro: Permission denied" \
		runuser -u nobody -- "$AGENT" --check "$tmp/log.yaml"
elif [ "$(id -u)" != 0 ]; then
	expect "--check: log.file in a directory the agent cannot write" 2 \
		"$tmp/log.yaml:4:9: log.file: $tmp/ro/agent.log: cannot create files in $tmp/ro: Permission denied" \
		"$AGENT" --check "$tmp/log.yaml"
else
	ok "--check: unwritable log directory # SKIP root without runuser"
fi

# ---- messages (issue 17, defect 7) -----------------------------------
printf 'guest: 5\nmonitors: {cpuid: true}\nrules: [{event: cpuid, leaf: 1, action: continue}]\n' >"$tmp/one.yaml"
expect "--check counts in the singular: 1 rule, 1 monitor" 0 "" \
	"$AGENT" --check "$tmp/one.yaml"
if grep -qxF "$tmp/one.yaml: ok: 1 rule, 1 monitor, 0 page ranges, 0 decisions" "$tmp/out"; then
	ok "--check's summary: $(cat "$tmp/out")"
else
	notok "--check's summary: $(cat "$tmp/out")"
fi
expect "-d /dev/null: not a xenintro device (exit 3)" 3 \
	"xenintro-agent: /dev/null: not a xenintro device" \
	"$AGENT" -d /dev/null "$tmp/one.yaml"
printf 'guest: ""\n' >"$tmp/empty.yaml"
expect "guest: \"\": an empty string, not a quoted string" 2 \
	"$tmp/empty.yaml:1:8: guest: expected a guest name or domid, got an empty string" \
	"$AGENT" --check "$tmp/empty.yaml"
printf -- '- guest: 5\n' >"$tmp/list.yaml"
expect "a top-level list: the policy is named" 2 \
	"$tmp/list.yaml:1:1: the policy: expected a mapping, got a list" \
	"$AGENT" --check "$tmp/list.yaml"
printf 'guest: 5\nring_entries: 8192\n' >"$tmp/limit.yaml"
expect "a decimal limit in decimal" 2 \
	"$tmp/limit.yaml:2:15: ring_entries: 8192 is out of range (at most 4096)" \
	"$AGENT" --check "$tmp/limit.yaml"
# every error, one line each, in the order of the file
printf 'guest: 5\ndeadline_ms: 0\nmonitors: {cpuid: ture}\n' >"$tmp/two.yaml"
rc=0
"$AGENT" --check "$tmp/two.yaml" >/dev/null 2>"$tmp/err" || rc=$?
printf '%s\n' "$tmp/two.yaml:2:14: deadline_ms: 0 would answer every event at once; leave it out for the default" \
	"$tmp/two.yaml:3:19: monitors.cpuid: expected true or false, got a scalar \"ture\"" >"$tmp/want"
if [ "$rc" = 2 ] && diff -u "$tmp/want" "$tmp/err" >"$tmp/diff"; then
	ok "--check reports both errors of a policy, in file order (exit 2)"
else
	notok "--check with two errors: exit $rc: $(cat "$tmp/diff")"
fi

# ---- enabled: false -------------------------------------------------
cat >"$tmp/disabled.yaml" <<'EOF'
guest: 5
monitors: {cpuid: true}
rules:
  - {name: leaf1, event: cpuid, leaf: 1, action: forward}
  - {name: leaf2, event: cpuid, leaf: 2, action: forward, enabled: false}
EOF
rc=0
"$AGENT" --check "$tmp/disabled.yaml" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 0 ] && grep -qxF "$tmp/disabled.yaml: ok: 1 rule, 1 monitor, 0 page ranges, 0 decisions" "$tmp/out" &&
	grep -qxF "$tmp/disabled.yaml: 1 rule disabled (enabled: false): checked, not installed" "$tmp/out"; then
	ok "--check counts the disabled rule apart: $(tail -n1 "$tmp/out")"
else
	notok "--check with a disabled rule: exit $rc: $(cat "$tmp/out" "$tmp/err")"
fi
