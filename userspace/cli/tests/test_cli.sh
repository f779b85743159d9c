#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# The xenintro tool's commands that need no guest: the version line and
# `version` with and without a device, next to the agent's version line.
# TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(cd ../.. && pwd)
TOOL=$PWD/xenintro
AGENT=$PWD/../agent/xenintro-agent
# shellcheck source=userspace/tests/tap.sh
. ../tests/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..12"

# ---- versions (issue 17, defect 6) -----------------------------------
# what the line must say: the library's version from its Makefile (the
# soname's), the uAPI's from the kernel's header
lib=$(sed -n 's/^VERSION[[:space:]]*:= *\([0-9]*\.[0-9]*\).*/\1/p' ../lib/Makefile)
uapi=$(sed -n 's/^#define XENINTRO_API_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$ROOT/uapi/linux/xenintro.h")
want="(libxenintro $lib, uAPI $uapi)"
rc=0
v=$("$TOOL" --version 2>&1) || rc=$?
check "xenintro --version: \"$v\", exit $rc (want \"xenintro $want\", 0)" \
	test "$v" = "xenintro $want" -a "$rc" = 0
rc=0
v=$("$TOOL" -V 2>&1) || rc=$?
check "xenintro -V: the same" test "$v" = "xenintro $want" -a "$rc" = 0
rc=0
v=$("$AGENT" --version 2>&1) || rc=$?
check "xenintro-agent --version: \"$v\", the same format" \
	test "$v" = "xenintro-agent $want" -a "$rc" = 0
rc=0
"$TOOL" --version extra >/dev/null 2>&1 || rc=$?
check "xenintro --version with an argument is a usage error (exit $rc)" test "$rc" = 1

# `xenintro version`: the versions first, then the module's part, which
# needs the device: exit 3 without one (as the man page says), 0 with it
rc=0
"$TOOL" version >"$tmp/out" 2>&1 || rc=$?
if [ -e /dev/xenintro ]; then
	check "xenintro version with $(ls -l /dev/xenintro | cut -c1): exit $rc, the handshake" \
		bash -c '[ "$1" = 0 ] && grep -q "^device: .*handshake ok" "$2"' _ "$rc" "$tmp/out"
else
	check "xenintro version without /dev/xenintro: exit $rc (3), the version line, then why: $(tail -n1 "$tmp/out")" \
		bash -c '[ "$1" = 3 ] && [ "$(head -n1 "$2")" = "xenintro $3" ] &&
			grep -q "^device:   /dev/xenintro: no such file (is xenintro.ko loaded?)$" "$2"' \
		_ "$rc" "$tmp/out" "$want"
fi
rc=0
"$TOOL" version --json >"$tmp/json" 2>&1 || rc=$?
check "xenintro version --json: the same exit status ($rc), the library $lib, the device's state" \
	python3 - "$tmp/json" "$rc" "$lib" <<'PY'
import json, os, sys
o = json.load(open(sys.argv[1]))
dev = os.path.exists("/dev/xenintro")
ok = o["library"] == sys.argv[3] and (("device_error" not in o) == dev)
sys.exit(0 if ok and int(sys.argv[2]) == (0 if dev else 3) else 1)
PY
rc=0
"$TOOL" --help >"$tmp/help" 2>&1 || rc=$?
check "xenintro --help names --version (exit $rc)" \
	bash -c '[ "$1" = 0 ] && grep -q -- "--version" "$2"' _ "$rc" "$tmp/help"

# ---- a file that is no xenintro device (issue 17, defect 7) ----------
rc=0
"$TOOL" watch -d /dev/null 5 --events cpuid >/dev/null 2>"$tmp/err" || rc=$?
check "watch -d /dev/null: exit $rc (3), $(cat "$tmp/err")" \
	bash -c '[ "$1" = 3 ] && [ "$(cat "$2")" = "xenintro: /dev/null: not a xenintro device" ]' _ "$rc" "$tmp/err"
rc=0
"$TOOL" stats 0 >/dev/null 2>"$tmp/err" || rc=$?
check "stats 0: exit $rc (1), $(cat "$tmp/err")" \
	bash -c '[ "$1" = 1 ] && [ "$(cat "$2")" = "xenintro: domain 0 is dom0 itself, not a guest" ]' _ "$rc" "$tmp/err"

# ---- xenintro resume: the agent gives back its actions.pause ----------
# A stand-in agent in a registry of its own: it answers SIGUSR2 with a
# fresh record, and the resume signal (SIGRTMIN + 1, as glibc numbers it
# for both programs) with one that counts the resume.
export XENINTRO_RUN_DIR="$tmp/run"
mkdir -p "$XENINTRO_RUN_DIR"
rc=0
"$TOOL" resume 7 >/dev/null 2>"$tmp/err" || rc=$?
check "resume 7 with no agent: exit $rc (3), $(cat "$tmp/err")" \
	bash -c '[ "$1" = 3 ] && [ "$(cat "$2")" = "xenintro: no agent monitors domain 7 (see xenintro list)" ]' _ "$rc" "$tmp/err"
python3 - "$XENINTRO_RUN_DIR/7.json" <<'PY' &
import json, os, signal, sys, time
path = sys.argv[1]
st = {"pauses": 1, "resumes": 0}
def write(*_):
    rec = {"domid": 7, "guest": "web1", "pid": os.getpid(),
           "policy": "p.yaml", "started": "s", "updated": repr(time.time()),
           "stats": {"actions": dict(st)}}
    with open(path + ".tmp", "w") as f:
        json.dump(rec, f)
    os.rename(path + ".tmp", path)
def resume(*_):
    st["resumes"] += 1
    write()
signal.signal(signal.SIGUSR2, write)
signal.signal(signal.SIGRTMIN + 1, resume)
write()
for _ in range(200):
    time.sleep(0.05)
PY
fake=$!
for _ in $(seq 50); do [ -e "$XENINTRO_RUN_DIR/7.json" ] && break; sleep 0.1; done
rc=0
"$TOOL" resume 7 >"$tmp/out" 2>&1 || rc=$?
check "resume 7: exit $rc (0), $(cat "$tmp/out")" \
	bash -c '[ "$1" = 0 ] && [ "$(cat "$2")" = "domain 7: resumed by its agent (pid $3)" ]' _ "$rc" "$tmp/out" "$fake"
rc=0
"$TOOL" resume 7 >"$tmp/out" 2>&1 || rc=$?
check "resume 7 again: exit $rc (0), $(cat "$tmp/out")" \
	bash -c '[ "$1" = 0 ] && [ "$(cat "$2")" = "domain 7: not paused by its agent (pid $3)" ]' _ "$rc" "$tmp/out" "$fake"
kill "$fake" 2>/dev/null
wait "$fake" 2>/dev/null || true
