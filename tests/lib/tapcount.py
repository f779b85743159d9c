#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn test output into per-test results, and results into the final count.

Every layer of `make check` ends up as a .results file: one line per test,
"<pass|fail|skip> TAB <name> TAB <detail>". This tool writes those files
from the raw outputs and sums them up:

  tapcount.py tap --prefix P --out F [--rc N] [--what W] INPUT
      TAP or KTAP (kselftest_harness, KUnit, `make -C userspace check`,
      tests/e2e/run.sh) from INPUT ("-" for stdin).
  tapcount.py kunit-json --prefix P --out F --rc N JSON
      the --json output of tools/testing/kunit/kunit.py.
  tapcount.py vm --out F [--qemu-rc N] [--splats FILE] CONSOLE_LOG
      the serial console of one test-VM boot (tests/qemu/guest-init.sh):
      KUnit KTAP from the kernel log, each selftest's TAP block, results
      decided by the guest, and the kernel-splat check.
  tapcount.py summary FILE...
      per-layer counts, the failed tests, then "N passed, N failed,
      N skipped" alone on the last line; exits 1 if anything failed or
      nothing ran at all.

Only the standard library: it runs on a bare Debian python3.
"""

import argparse
import json
import os
import re
import sys

# --------------------------------------------------------------- results


class Result:
    __slots__ = ("status", "name", "detail")

    def __init__(self, status, name, detail=""):
        assert status in ("pass", "fail", "skip"), status
        self.status = status
        self.name = name
        self.detail = detail

    def line(self):
        def clean(s):
            return " ".join(str(s).replace("\t", " ").split("\n")).strip()
        detail = clean(self.detail)
        if len(detail) > 400:
            detail = detail[:397] + "..."
        return "%s\t%s\t%s\n" % (self.status, clean(self.name), detail)


def write_results(path, results):
    with open(path, "a", encoding="utf-8") as f:
        for r in results:
            f.write(r.line())


def read_results(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if not ln:
                continue
            parts = ln.split("\t", 2)
            while len(parts) < 3:
                parts.append("")
            if parts[0] not in ("pass", "fail", "skip"):
                # A corrupt line must not vanish from the count.
                out.append(Result("fail", "results file %s" % path,
                                  "unparsable line: %r" % ln))
                continue
            out.append(Result(*parts))
    return out

# ------------------------------------------------------------- TAP/KTAP

# "ok 1 - name # SKIP reason", "not ok 3 name", "ok 2 # SKIP why" (the
# kselftest harness prints no name for a skipped test in 6.1).
RESULT_RE = re.compile(
    r"^(?P<ok>not ok|ok)\b(?:\s+(?P<num>\d+))?(?:\s+-)?\s*"
    r"(?P<desc>[^#]*?)\s*(?:#\s*(?P<dir>[A-Za-z]+)\b\s*(?P<reason>.*))?$")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#.*)?$")
SUBTEST_RE = re.compile(r"^#\s*Subtest:\s*(.*?)\s*$")
VERSION_RE = re.compile(r"^(?:KTAP|TAP) version \d+\s*$")
BAIL_RE = re.compile(r"^Bail out!\s*(.*)$")
# kselftest_harness announces each test: "#  RUN           fixture.name ..."
RUN_RE = re.compile(r"^#\s+RUN\s+(\S+)\s*\.\.\.\s*$")
# Harness chatter that says nothing about why a test failed.
NOISE_RE = re.compile(
    r"^#\s*(?:RUN\s|OK\s|FAIL\s|SKIP\s|Starting \d+ tests|Totals:|PASSED:|"
    r"FAILED:|[\w.-]+: pass:\d+)")


def is_tap_line(s):
    """Whether a line (indentation stripped) belongs to a TAP/KTAP stream."""
    return bool(RESULT_RE.match(s) or PLAN_RE.match(s) or
                VERSION_RE.match(s) or s.startswith("#") or
                BAIL_RE.match(s))


class Node:
    def __init__(self, ok, num, name, directive, reason):
        self.ok = ok
        self.num = num
        self.name = name
        self.directive = directive
        self.reason = reason
        self.children = []
        self.child_plan = None
        self.child_bailed = None
        self.diag = []
        self.diag_after = False


class Level:
    def __init__(self, indent):
        self.indent = indent
        self.plan = None
        self.subtest = None
        self.results = []
        self.last_run = None
        self.bailed = None


def diag_follows(lines):
    """Where a result's diagnostics are. KUnit and the kselftest harness
    print them before the "not ok" line; plain TAP (TAP13/14 scripts such as
    tests/e2e/run.sh) prints them after the test line."""
    for ln in lines:
        s = ln.strip()
        if RUN_RE.match(s) or SUBTEST_RE.match(s) or s.startswith("KTAP"):
            return False
    return True


def parse_tap_tree(lines):
    """Parse TAP/KTAP lines into a list of top-level Nodes.

    Nesting is by indentation, as in KTAP (KUnit suites at 4 spaces, the
    parameters of a case at 8): the result line that closes a deeper block
    is that block's parent. Lines that are not TAP are kept as diagnostics
    of the next result. Returns (nodes, plan, bailed, orphans) where orphans
    are nodes of blocks never closed by a parent result (a crash mid-suite).
    """
    levels = {}   # indent -> Level, all currently open blocks
    after = diag_follows(lines)
    pending_diag = []   # diagnostics since the last result line
    last_node = None

    def level(indent):
        if indent not in levels:
            levels[indent] = Level(indent)
        return levels[indent]

    for raw in lines:
        raw = raw.rstrip("\r\n")
        stripped = raw.lstrip(" \t")
        if not stripped:
            continue
        indent = len(raw) - len(stripped)
        m = RESULT_RE.match(stripped)
        if m:
            lv = level(indent)
            desc = (m.group("desc") or "").strip()
            directive = (m.group("dir") or "").upper()
            num = int(m.group("num")) if m.group("num") else None
            node = Node(m.group("ok") == "ok", num, desc, directive,
                        (m.group("reason") or "").strip())
            # Every open block deeper than this line belongs to it.
            for ind in sorted(k for k in levels if k > indent):
                sub = levels.pop(ind)
                node.children.extend(sub.results)
                if node.child_plan is None:
                    node.child_plan = sub.plan
                node.child_bailed = node.child_bailed or sub.bailed
                if not node.name and sub.subtest:
                    node.name = sub.subtest

            if not node.name:
                node.name = lv.last_run or ("test %d" % num if num else "test")
            node.diag = pending_diag
            node.diag_after = after
            pending_diag = []
            last_node = node
            lv.last_run = None
            lv.results.append(node)
            continue
        m = PLAN_RE.match(stripped)
        if m:
            level(indent).plan = int(m.group(1))
            continue
        m = SUBTEST_RE.match(stripped)
        if m:
            level(indent).subtest = m.group(1)
            continue
        m = BAIL_RE.match(stripped)
        if m:
            level(indent).bailed = m.group(1) or "Bail out!"
            continue
        m = RUN_RE.match(stripped)
        if m:
            level(indent).last_run = m.group(1)
            pending_diag = []
            continue
        if VERSION_RE.match(stripped):
            continue
        if NOISE_RE.match(stripped):
            continue
        # Diagnostics ("# ..." or free text such as KUnit's continuation
        # lines): attach to the innermost block at or above this indent.
        # Diagnostics belong to results by order, not by indentation: in
        # 6.1 KUnit logs a parameter's failure at the case's indentation.
        text = stripped.lstrip("# ").strip()
        if after and last_node is not None:
            if len(last_node.diag) < 50:
                last_node.diag.append(text)
        elif len(pending_diag) < 50:
            pending_diag.append(text)

    if not levels:
        return [], None, None, []
    top = min(levels)
    tl = levels.pop(top)
    orphans = []
    for ind in sorted(levels):
        sub = levels[ind]
        orphans.append((sub.subtest, sub.plan, sub.results))
    return tl.results, tl.plan, tl.bailed, orphans


def node_status(node):
    if node.directive in ("SKIP", "TODO"):
        return "skip"
    return "pass" if node.ok else "fail"


def flatten(nodes, prefix, out, plan=None, bailed=None, group=None):
    """Leaves of the tree as Results; a block that fell short of its plan,
    bailed out, or whose parent failed with no failing leaf counts as one
    extra failure, so that nothing that went wrong is lost."""
    for n in nodes:
        name = prefix + n.name
        if n.children:
            before = sum(1 for r in out if r.status == "fail")
            flatten(n.children, name + "/", out, n.child_plan,
                    n.child_bailed, name)
            after = sum(1 for r in out if r.status == "fail")
            if not n.ok and n.directive not in ("SKIP", "TODO") and \
                    after == before:
                out.append(Result("fail", name, "reported not ok with no "
                                  "failed subtest: " + diag_text(n)))
        else:
            st = node_status(n)
            detail = ""
            if st == "skip":
                detail = n.reason
            elif st == "fail":
                detail = diag_text(n)
            out.append(Result(st, name, detail))
    where = group or prefix.rstrip("/") or "TAP"
    if bailed:
        out.append(Result("fail", where + ": bail out", bailed))
    elif plan is not None and len(nodes) < plan:
        out.append(Result("fail", where + ": missing results",
                          "plan 1..%d but %d results (crashed or hung?)" %
                          (plan, len(nodes))))


def diag_text(node):
    lines = [d for d in node.diag if d]
    # Before the result line, the last lines are the closest to the
    # failure; after it, the first ones.
    return " | ".join(lines[-4:] if not node.diag_after else lines[:4])


def parse_tap(lines, prefix):
    """TAP/KTAP lines -> (results, ntop, plan, bailed)."""
    nodes, plan, bailed, orphans = parse_tap_tree(lines)
    out = []
    flatten(nodes, prefix, out, plan, bailed, prefix.rstrip("/") or "TAP")
    for subtest, splan, results in orphans:
        grp = prefix + (subtest or "unnamed block")
        flatten(results, grp + "/", out, splan, None, grp)
        out.append(Result("fail", grp, "block has no result line of its "
                          "own (the run stopped inside it)"))
    return out, len(nodes), plan, bailed


def cmd_tap(args):
    if args.input == "-":
        lines = sys.stdin.read().splitlines()
    else:
        with open(args.input, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    # Only TAP lines: make's own chatter must not become diagnostics.
    lines = [ln for ln in lines if is_tap_line(ln.strip()) or
             ln.startswith((" ", "\t"))]
    # Several test programs in a row each print their own "TAP version"
    # header and plan: check each document's plan on its own.
    docs, cur = [], []
    for ln in lines:
        if VERSION_RE.match(ln) and cur and any(
                RESULT_RE.match(c) or PLAN_RE.match(c) for c in cur):
            docs.append(cur)
            cur = []
        cur.append(ln)
    docs.append(cur)
    res = []
    for doc in docs:
        res.extend(parse_tap(doc, args.prefix)[0])
    what = args.what or args.prefix.rstrip("/") or "TAP"
    failed = any(r.status == "fail" for r in res)
    if args.rc is not None and args.rc != 0 and not failed:
        res.append(Result("fail", what + ": exit status",
                          "exited %d without reporting a failed test" %
                          args.rc))
    if not res:
        res.append(Result("fail", what, "ran no test: no TAP results"))
    write_results(args.out, res)
    return 0

# ------------------------------------------------------------ kunit.py


def cmd_kunit_json(args):
    res = []
    try:
        with open(args.json, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        # One failure for one cause: a failed build leaves no JSON.
        res.append(Result("fail", args.prefix + "run",
                          "kunit.py exited %d with no usable --json output "
                          "(%s); see %s" % (args.rc, e, args.log or "its log")))
        write_results(args.out, res)
        return 0

    def walk(group, prefix):
        for tc in group.get("test_cases", []):
            st = {"PASS": "pass", "SKIP": "skip"}.get(tc.get("status"),
                                                       "fail")
            detail = "" if st == "pass" else "kunit.py status %s" % \
                tc.get("status")
            res.append(Result(st, prefix + tc.get("name", "?"), detail))
        for sg in group.get("sub_groups", []):
            walk(sg, prefix + sg.get("name", "?") + "/")

    walk(data, args.prefix)
    if not res:
        res.append(Result("fail", args.prefix + "run",
                          "kunit.py ran no test (exit status %d)" % args.rc))
    elif args.rc != 0 and not any(r.status == "fail" for r in res):
        res.append(Result("fail", args.prefix + "run",
                          "kunit.py exited %d without a failed test; see %s"
                          % (args.rc, args.log or "its log")))
    write_results(args.out, res)
    return 0

# ------------------------------------------------------------- VM console

TS_RE = re.compile(r"\[\s*(\d+\.\d+)\] ?")
MARK_RE = re.compile(r"##xenintro## (.*)$")
KMARK_RE = re.compile(r"^xenintro-test: (start|end) (\S+)(?: rc=(-?\d+))?")

# A kernel splat. Matched against the message text of kernel log lines
# only (never the guest's own output), at the start of the message or
# after a "subsystem: " prefix ("watchdog: BUG: soft lockup").
SPLAT_RES = [re.compile(p) for p in (
    r"^(?:[\w.-]+: )?BUG: ",                   # KASAN, sleeping in atomic,
                                                # NULL deref, soft lockup...
    r"^BUG \S+ \((?:Not t|T)ainted\): ",       # SLUB debug reports
    r"^WARNING: ",                             # WARN_ON, lockdep, RCU
    r"^UBSAN: ",
    r"^(?:Oops|general protection fault|invalid opcode|stack segment|"
    r"double fault|divide error)\b.*\[#\d+\]",
    r"^Oops\b",
    r"^kernel BUG at ",
    r"^Kernel panic - not syncing",
    r"^INFO: task \S+ blocked for more than \d+ seconds",
    r"^(?:rcu: )?INFO: rcu\w* (?:self-)?detected stall",
    r"^(?:watchdog: )?Watchdog detected hard LOCKUP",
    r"^kmemleak: \d+ new suspected memory leaks",
    r"possible circular locking dependency",
    r"inconsistent lock state",
    r"possible recursive locking",
    r"suspicious RCU usage",
    r"bad unlock balance",
    r"sleeping function called from invalid context",
    r"^unreferenced object 0x",
    r"^list_(?:add|del) corruption",
    r"^refcount_t: ",
)]
# Expected under fault injection: an allocation that was made to fail, and
# its report (a call trace and, for pages, a memory summary).
EXPECTED_RES = [re.compile(p) for p in (
    r"page allocation failure: order:",
    r": vmalloc error: size \d+",
    r"^SLUB: Unable to allocate memory on node",
    r"^FAULT_INJECTION: forcing a failure",
    r"^name (?:failslab|fail_page_alloc|fail_usercopy|fail_futex), interval",
)]
# What follows an expected report and belongs to it.
CONT_RE = re.compile(
    r"^(?:\s|CPU: \d+ PID: |Hardware name: |Call Trace:|<TASK>|</TASK>|"
    r"<IRQ>|</IRQ>|RIP: |RSP: |R[A-Z0-9]{2}: |Code: |Mem-Info:|"
    r"Node \d|(?:DMA|DMA32|Normal|Movable|HighMem)\b|lowmem_reserve\[\]|\d+ total pagecache pages|\d+ pages |"
    r"active_anon:|Free swap|Total swap|\? |[\w.]+\+0x[0-9a-f]+/0x[0-9a-f]+|"
    r"warn_alloc|dump_stack|Workqueue: |Tainted: |Modules linked in:|"
    r"slab_out_of_memory|SLUB: Unable to allocate|  cache: |  node \d)")

# The end of a splat report, for quoting it whole (up to a limit).
REPORT_LINES = 40


def split_console(raw_lines):
    """Yield (kind, ts, text): kind is "k" for a kernel log line (text is
    the message) or "u" for the guest's own output. A kernel line can be
    glued to the end of a user line when both hit the serial port at once;
    split it off."""
    for raw in raw_lines:
        line = raw.replace("\r", "").rstrip("\n")
        line = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1bc", "", line)
        m = TS_RE.search(line)
        if m and m.start() == 0:
            yield "k", float(m.group(1)), line[m.end():]
        elif m and re.match(r"\[\s*\d+\.\d{6}\] ", line[m.start():]):
            if line[:m.start()].strip():
                yield "u", None, line[:m.start()]
            yield "k", float(m.group(1)), line[m.end():]
        else:
            yield "u", None, line


# Attribution of a splat before the guest's /init started.
BOOT_SPLAT = "kernel boot (before /init)"


def cmd_vm(args):
    with open(args.console, encoding="utf-8", errors="replace") as f:
        raw = f.read().splitlines()

    res = []
    guest_results = []
    current = None          # test between kernel markers
    last_ended = "boot"     # for attributing splats between tests
    ktap = []               # KUnit KTAP (kernel lines while 'kunit' runs)
    expect_kunit = False
    kunit_suites = []
    expect_selftests = []
    tap_blocks = {}         # name -> (lines, rc, info)
    collecting = None       # name of the TAP block being read
    block_lines = []
    in_kmemleak = False
    kmemleak = []
    guest_start = None
    guest_done = None
    splats = []             # (attribution, ts, [lines])
    open_splat = None
    expected = False
    last_kernel_ts = None

    def attribution():
        # Before /init nothing of xenintro exists: the kernel's own boot.
        if guest_start is None and not current:
            return BOOT_SPLAT
        return current if current else "outside any test (after %s)" % \
            last_ended

    for kind, ts, text in split_console(raw):
        if kind == "k":
            last_kernel_ts = ts
            km = KMARK_RE.match(text)
            if km:
                if km.group(1) == "start":
                    current = km.group(2)
                else:
                    current = None
                    last_ended = km.group(2)
                open_splat = None
                continue
            if current == "kunit":
                # KTAP, plus KUnit's indented continuation lines
                # ("Expected x == y, but ...") as diagnostics.
                if is_tap_line(text.lstrip(" ")) or text.startswith("    "):
                    ktap.append(text)
            # --- splats
            if any(r.search(text) for r in EXPECTED_RES):
                expected = True
                open_splat = None
                continue
            if expected:
                if CONT_RE.match(text):
                    continue
                expected = False
            if any(r.search(text) for r in SPLAT_RES):
                open_splat = (attribution(), ts, [text])
                splats.append(open_splat)
                continue
            if open_splat is not None and len(open_splat[2]) < REPORT_LINES:
                open_splat[2].append(text)
            continue

        # --- the guest's own output
        mm = MARK_RE.search(text)
        if mm:
            words = mm.group(1).split()
            if not words:
                continue
            w0 = words[0]
            if w0 == "guest-start":
                guest_start = " ".join(words[1:])
            elif w0 == "guest-done":
                guest_done = " ".join(words[1:])
            elif w0 == "result" and len(words) >= 3:
                st = words[1] if words[1] in ("pass", "fail", "skip") \
                    else "fail"
                # "result <status> <name> [-- <detail>]"; names may have
                # spaces ("vm/load xenintro.ko").
                rest = mm.group(1).split(None, 2)[2]
                name, _, detail = rest.partition(" -- ")
                guest_results.append(Result(st, name, detail))
            elif w0 == "expect" and len(words) >= 2:
                if words[1] == "kunit":
                    expect_kunit = True
                elif words[1] == "selftest" and len(words) >= 3:
                    expect_selftests.append(words[2])
            elif w0 == "kunit-suite" and len(words) >= 2:
                kunit_suites.append(words[1])
            elif w0 == "begin" and len(words) >= 2:
                if words[1] == "tap" and len(words) >= 3:
                    collecting = words[2]
                    block_lines = []
                elif words[1] == "kmemleak":
                    in_kmemleak = True
            elif w0 == "end" and len(words) >= 2:
                if words[1] == "tap" and len(words) >= 3:
                    info = dict(w.split("=", 1) for w in words[3:]
                                if "=" in w)
                    try:
                        rc = int(info.get("rc", "-1"))
                    except ValueError:
                        rc = -1
                    tap_blocks[words[2]] = (block_lines, rc, info)
                    collecting = None
                elif words[1] == "kmemleak":
                    in_kmemleak = False
            continue
        if collecting is not None:
            block_lines.append(text)
        elif in_kmemleak:
            if text.strip():
                kmemleak.append(text)
        # Anything else (the debugfs copies of the KTAP, notes, shell
        # messages) is for people reading the log, not for counting.

    # ---- KUnit
    if expect_kunit:
        kres = parse_tap(ktap, "kunit/")[0]
        res.extend(kres)
        if not kres:
            res.append(Result("fail", "kunit: xenintro_kunit.ko",
                              "module present but no KTAP on the console"))
        # Every suite the module registered must have reported.
        seen = set()
        for ln in ktap:
            m = RESULT_RE.match(ln)
            if m and not ln.startswith(" "):
                seen.add((m.group("desc") or "").strip())
        for s in kunit_suites:
            if s not in seen:
                res.append(Result("fail", "kunit/%s" % s,
                                  "suite registered but no result on the "
                                  "console (crashed?)"))

    # ---- kselftests
    for name in expect_selftests:
        prefix = "selftest/%s/" % name
        if name not in tap_blocks:
            res.append(Result("fail", "selftest/%s" % name,
                              "not run or output lost: the VM stopped "
                              "before this test finished"))
            continue
        lines, rc, info = tap_blocks[name]
        sres, ntop, plan, bailed = parse_tap(lines, prefix)
        # A crash or a timeout already shows as missing results; say why.
        why = None
        tmo = info.get("timeout")
        try:
            took = float(info.get("end", 0)) - float(info.get("start", 0))
        except ValueError:
            took = 0.0
        if rc in (124, 137, 143) and tmo and took >= float(tmo) - 1:
            why = "timed out after %ss" % tmo
        elif rc > 128:
            why = "killed by signal %d" % (rc - 128)
        if why:
            sres = [r for r in sres if not (r.status == "fail" and
                                            r.name.endswith(": missing results"))]
            got = ("%d of %d results" % (ntop, plan) if plan is not None
                   else "%d results, no plan" % ntop)
            sres.append(Result("fail", "selftest/%s" % name,
                               "%s (%s)" % (why, got)))
        elif not sres:
            sres.append(Result("fail", "selftest/%s" % name,
                               "no TAP output (exit status %d)" % rc))
        elif rc not in (0, 4) and not any(r.status == "fail" for r in sres):
            # 4 is KSFT_SKIP: every test skipped.
            sres.append(Result("fail", "selftest/%s: exit status" % name,
                               "exited %d without a failed test" % rc))
        res.extend(sres)

    res.extend(guest_results)

    # ---- the boot itself
    if guest_done is not None:
        res.append(Result("pass", "vm: guest ran to completion"))
    else:
        why = "no '##xenintro## guest-done'"
        if guest_start is None:
            why += "; /init never started"
        if args.qemu_rc == 124:
            why += "; QEMU killed by the host timeout"
        elif args.qemu_rc not in (None, 0):
            why += "; QEMU exit status %d" % args.qemu_rc
        why += "; last test: %s; last kernel time %s" % (
            current or last_ended, last_kernel_ts)
        res.append(Result("fail", "vm: guest ran to completion", why))

    # ---- splats
    if kmemleak:
        splats.append(("kmemleak scan after all tests (see report for "
                       "'comm')", None, kmemleak[:REPORT_LINES * 2]))
    # A splat in the kernel's early boot (before /init, before any module)
    # cannot come from xenintro; it is reported on its own, as a skip with
    # its first line, and does not hide or fail the check of ours.
    boot = [s for s in splats if s[0] == BOOT_SPLAT]
    ours = [s for s in splats if s[0] != BOOT_SPLAT]
    if boot:
        res.append(Result("skip", "vm: the debug kernel's own boot is clean",
                          "%d splat(s) in the kernel's early boot, before "
                          "/init and any xenintro code (the emulated CPU "
                          "or the debug kernel, not xenintro): \"%s\"; full "
                          "report in splats.txt" % (
                              len(boot), boot[0][2][0].strip())))
    else:
        res.append(Result("pass", "vm: the debug kernel's own boot is clean"))
    if ours:
        first = ours[0]
        by_test = {}
        for a, _, _ in ours:
            by_test[a] = by_test.get(a, 0) + 1
        res.append(Result("fail", "vm: no kernel splat",
                          "%d splat(s): %s; first: \"%s\" in %s" % (
                              len(ours),
                              ", ".join("%s: %d" % kv for kv in by_test.items()),
                              first[2][0].strip(), first[0])))
    else:
        res.append(Result("pass", "vm: no kernel splat"))
    if args.splats:
        with open(args.splats, "w", encoding="utf-8") as f:
            for a, ts, lines in splats:
                f.write("=== splat in %s%s\n" % (
                    a, " at %.6f" % ts if ts is not None else ""))
                for ln in lines:
                    f.write(ln + "\n")
                f.write("\n")
    write_results(args.out, res)
    return 0

# ---------------------------------------------------------------- summary


def cmd_summary(args):
    total = {"pass": 0, "fail": 0, "skip": 0}
    failed = []
    print("Per layer:")
    for path in args.files:
        layer = os.path.basename(path)
        if layer.endswith(".results"):
            layer = layer[:-len(".results")]
        if not os.path.exists(path):
            print("  %-12s no results file" % layer)
            continue
        cnt = {"pass": 0, "fail": 0, "skip": 0}
        for r in read_results(path):
            cnt[r.status] += 1
            if r.status == "fail":
                failed.append((layer, r))
        for k in cnt:
            total[k] += cnt[k]
        print("  %-12s %d passed, %d failed, %d skipped" % (
            layer + ":", cnt["pass"], cnt["fail"], cnt["skip"]))
    if failed:
        print("Failed tests:")
        for layer, r in failed:
            print("  [%s] %s%s" % (layer, r.name,
                                   (": " + r.detail) if r.detail else ""))
    ran = total["pass"] + total["fail"] + total["skip"]
    if ran == 0:
        print("No test ran at all.")
    # The closing line, alone and last: CI reads it.
    print("%d passed, %d failed, %d skipped" % (
        total["pass"], total["fail"], total["skip"]))
    sys.stdout.flush()
    return 1 if total["fail"] or ran == 0 else 0

# ------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("tap")
    p.add_argument("--prefix", default="")
    p.add_argument("--out", required=True)
    p.add_argument("--rc", type=int)
    p.add_argument("--what")
    p.add_argument("input")
    p.set_defaults(fn=cmd_tap)

    p = sub.add_parser("kunit-json")
    p.add_argument("--prefix", default="kunit.py/")
    p.add_argument("--out", required=True)
    p.add_argument("--rc", type=int, required=True)
    p.add_argument("--log")
    p.add_argument("json")
    p.set_defaults(fn=cmd_kunit_json)

    p = sub.add_parser("vm")
    p.add_argument("--out", required=True)
    p.add_argument("--qemu-rc", type=int)
    p.add_argument("--splats")
    p.add_argument("console")
    p.set_defaults(fn=cmd_vm)

    p = sub.add_parser("summary")
    p.add_argument("files", nargs="*")
    p.set_defaults(fn=cmd_summary)

    args = ap.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
