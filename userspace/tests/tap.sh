# SPDX-License-Identifier: LGPL-2.1-only OR MIT
# shellcheck shell=bash
#
# TAP helpers for the userspace shell tests, sourced by each of them:
#   ok/notok <description>        one result line, numbered
#   check <description> <cmd...>  ok if the command succeeds
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
