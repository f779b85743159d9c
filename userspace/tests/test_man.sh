#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# `make lint-man` on the man pages as shipped, and on a page with the
# mistakes it is there to catch: a word split across the arguments of a
# one-font macro (".I /etc/xenintro/ guest .yaml", which renders with
# spaces) must fail it, words meant apart must not. TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$1" 2>/dev/null | col -b; }

echo "TAP version 13"
echo "1..5"

# 1. the shipped pages
if make -s lint-man >"$tmp/out" 2>&1; then
	ok "lint-man passes on the shipped pages"
else
	notok "lint-man on the shipped pages: $(head -c 400 "$tmp/out")"
fi

# 2. the page's FILES as an operator reads them: no stray spaces
render man/xenintro-agent.8 >"$tmp/agent.txt"
if grep -qF "/etc/xenintro/guest.yaml" "$tmp/agent.txt" &&
	grep -qF "xenintro-agent@guest.service" "$tmp/agent.txt"; then
	ok "xenintro-agent(8) renders /etc/xenintro/guest.yaml and xenintro-agent@guest.service whole"
else
	notok "xenintro-agent(8) FILES: $(grep -A3 '^FILES' "$tmp/agent.txt" | tr '\n' ' ')"
fi

# 3. a page with the defect: lint-man must fail and name each line
cat >"$tmp/bad.8" <<'EOF'
.TH BAD 8 2026-12-06 "xenintro" "Test"
.SH NAME
bad \- a page with split words
.SH FILES
.I /etc/xenintro/ guest .yaml
The policy of
.B xenintro\-agent@ guest .service
.SH SEE ALSO
.BR xenintro (1)
EOF
rc=0
make -s lint-man MANPAGES="$tmp/bad.8" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" != 0 ] && grep -q "bad.8:5: .I puts a space between \"/etc/xenintro/\" and \"guest\"" "$tmp/out" &&
	grep -q "bad.8:7: .B puts a space between \"xenintro\\\\-agent@\" and \"guest\"" "$tmp/out"; then
	ok "lint-man fails on .I and .B with a word split across arguments, at lines 5 and 7"
else
	notok "lint-man on the bad page: exit $rc: $(head -c 400 "$tmp/out")"
fi
# (man itself sees nothing wrong there: that is why the check exists)
if [ -z "$(LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$tmp/bad.8" 2>&1 >/dev/null)" ]; then
	ok "man --warnings alone passes the bad page"
else
	notok "man --warnings complains itself about the bad page"
fi

# 4. words meant apart are not flagged
cat >"$tmp/good.8" <<'EOF'
.TH GOOD 8 2026-12-06 "xenintro" "Test"
.SH NAME
good \- words apart on purpose
.SH SYNOPSIS
.B xenintro ksyms \-\-anchor
.I guest first_gva last_gva
.B "Event ring (inline, except xenintro_kick)"
.IR /etc/xenintro/ guest .yaml
EOF
if make -s lint-man MANPAGES="$tmp/good.8" >"$tmp/out" 2>&1; then
	ok "lint-man passes words meant apart and .IR joins"
else
	notok "lint-man flags a good page: $(head -c 400 "$tmp/out")"
fi
