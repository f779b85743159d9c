#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-only OR MIT
#
# `make lint-man` on the man pages as shipped, and on a page with the
# mistakes it is there to catch: a word split across the arguments of a
# one-font macro (".I /etc/xenintro/ guest .yaml", which renders with
# spaces) must fail it, words meant apart must not. TAP on stdout.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=userspace/tests/tap.sh
. tests/tap.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$1" 2>/dev/null | col -b; }

echo "TAP version 13"
echo "1..6"

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

# 6. xenintro-policy(5) names every field the parser takes: the top level
# (parse_top), log: (parse_log), log.syslog: (parse_syslog) and a rule's
# common fields (parse_rule), read from the fields tables in the source
fields_of() {
	awk -v fn="$1" '
		$0 ~ "^static int " fn "\\(" { inf = 1 }
		inf && /static const char \*const (fields|common)\[\] = \{/ {
			intab = 1; sub(/.*= \{/, "") }
		intab { line = line $0; if (/\};/) exit }
		END { while (match(line, /"[a-z_0-9]+"/)) {
			print substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH) } }' common/policy_parse.c
}
render man/xenintro-policy.5 >"$tmp/policy.txt"
missing="" count=0
for fn in parse_top parse_log parse_syslog parse_rule; do
	for k in $(fields_of $fn); do
		count=$((count + 1))
		grep -qE "(^|[^a-z_])$k([^a-z_]|$)" "$tmp/policy.txt" || missing+=" $fn:$k"
	done
done
if [ "$count" -ge 30 ] && [ -z "$missing" ]; then
	ok "xenintro-policy(5) names all $count fields of the top level, log, log.syslog and rules"
else
	notok "xenintro-policy(5) lacks fields the parser takes (of $count):${missing:- none}"
fi
