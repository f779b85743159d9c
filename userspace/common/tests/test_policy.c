// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Policy unit tests, TAP on stdout: every shipped example parses into
 * exactly the rule records, monitors and page rights written out here;
 * every file in tests/bad/ fails with exactly the message given here
 * (file:line:col: field: text); and the agent's decisions for forwarded
 * events. The examples are the ones in userspace/examples/ (XI_SRCDIR).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide.h"
#include "event_log.h"
#include "guest.h"
#include "policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int test_failed;

__attribute__((format(printf, 3, 4)))
static void fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	test_failed = 1;
}

#define EXPECT_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b)						\
			fail(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", \
			     #a, #b, _a, _b);				\
	} while (0)

#define EXPECT_STREQ(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b))			\
			fail(__FILE__, __LINE__, "%s:\n#   got  \"%s\"\n#   want \"%s\"", \
			     #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

/* ---- expected rule records ------------------------------------------ */

#define RULE(ev, act, fl, prio, f, l) \
	{ .event = (ev), .action = (act), .flags = (fl), .priority = (prio), \
	  .first = (f), .last = (l) }
#define KEY XENINTRO_CPUID_KEY
#define MON(ev, idx, fl) { .event = (ev), .index = (idx), .flags = (fl) }

/*
 * A kernel for the policies that name symbols: a few symbols at made-up
 * addresses, and frames at the link-time physical address (virtual minus
 * __START_KERNEL_map), except for one 2 MiB stretch that the guest keeps
 * elsewhere (FAKE_MOVED), so that a range of addresses can split into
 * runs of frames.
 */
#define FAKE_MAP	0xffffffff80000000ULL
#define FAKE_STEXT	0xffffffff81000000ULL
#define FAKE_ETEXT	0xffffffff81c00000ULL
#define FAKE_SYSCALLS	0xffffffff82000280ULL
#define FAKE_CREDS	0xffffffff810d2f30ULL
#define FAKE_ENTRY	0xffffffff81a00000ULL
#define FAKE_MOVED	0xffffffff81400000ULL	/* 2 MiB at frame 0x100000 */

struct fake_env {
	struct policy_env env;
	int kernel_calls;
	const char *fail;		/* kernel() refuses with this */
	bool moved;			/* FAKE_MOVED is elsewhere */
	bool scattered;			/* no two pages in neighbouring frames */
};

static int fake_kernel(struct policy_env *pe, const struct policy *p,
		       char *why, size_t len)
{
	struct fake_env *f = (struct fake_env *)pe;

	f->kernel_calls++;
	if (f->fail) {
		snprintf(why, len, "%s: %s", p->kernel_image, f->fail);
		return -1;
	}
	return 0;
}

static int fake_symbol(struct policy_env *pe, const char *name,
		       uint64_t *addr)
{
	static const struct { const char *name; uint64_t addr; } syms[] = {
		{ "_stext", FAKE_STEXT }, { "_etext", FAKE_ETEXT },
		{ "sys_call_table", FAKE_SYSCALLS },
		{ "commit_creds", FAKE_CREDS },
		{ "entry_SYSCALL_64", FAKE_ENTRY },
		{ "init_task", 0xffffffff82a0c940ULL },
	};
	size_t i;

	(void)pe;
	for (i = 0; i < ARRAY_SIZE(syms); i++)
		if (!strcmp(syms[i].name, name)) {
			*addr = syms[i].addr;
			return 0;
		}
	return -1;
}

static int fake_frame(struct policy_env *pe, uint64_t va, uint64_t *gfn,
		      char *why, size_t len)
{
	struct fake_env *f = (struct fake_env *)pe;

	if (va < FAKE_MAP) {
		snprintf(why, len, "not mapped");
		return -1;
	}
	*gfn = (va - FAKE_MAP) >> 12;
	if (f->scattered)
		*gfn *= 2;
	if (f->moved && va >= FAKE_MOVED && va < FAKE_MOVED + (2 << 20))
		*gfn = 0x100000 + ((va - FAKE_MOVED) >> 12);
	return 0;
}

static void fake_env_init(struct fake_env *f)
{
	memset(f, 0, sizeof(*f));
	f->env.kernel = fake_kernel;
	f->env.symbol = fake_symbol;
	f->env.frame = fake_frame;
}

struct expect {
	const char *file;
	const char *guest_name;
	uint32_t default_verdict, deadline_ms, stats_interval;
	struct xenintro_rule rules[4];
	const char *names[4];
	const char *kernel_image;
	size_t nr_rules;
	struct policy_monitor monitors[4];
	size_t nr_monitors;
	struct policy_access access[2];
	size_t nr_access;
	uint32_t log_events;
};

static struct expect examples[] = {
	{
		.file = "write-protect-kernel-text.yaml",
		.guest_name = "web1",
		.deadline_ms = 1000,
		.rules = {
			RULE(XENINTRO_EVENT_MEM_ACCESS, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 0, 0x1000, 0x17ff),
		},
		.names = { "kernel-text-write" },
		.nr_rules = 1,
		.access = { { 0x1000, 0x800,
			      XENINTRO_ACCESS_R | XENINTRO_ACCESS_X } },
		.nr_access = 1,
		.log_events = 1U << XENINTRO_EVENT_MEM_ACCESS,
	},
	{
		.file = "cpuid-hide-hypervisor.yaml",
		.guest_name = "web1",
		.rules = {
			RULE(XENINTRO_EVENT_CPUID,
			     XENINTRO_VERDICT_SET_REGISTERS, 0, 10,
			     KEY(0x40000000, 0), KEY(0x40000000, 0xffffffff)),
			RULE(XENINTRO_EVENT_CPUID,
			     XENINTRO_VERDICT_SET_REGISTERS, 0, 10,
			     KEY(0x40000001, 0), KEY(0x400000ff, 0xffffffff)),
			RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE,
			     0, 0, KEY(0, 0), KEY(0xffffffff, 0xffffffff)),
		},
		.names = { "hide-hypervisor-leaf", "hide-hypervisor-leaves",
			   "other-leaves" },
		.nr_rules = 3,
		.monitors = { MON(XENINTRO_MONITOR_CPUID, 0, 0) },
		.nr_monitors = 1,
		.log_events = 1U << XENINTRO_EVENT_CPUID,
	},
	{
		.file = "cr-guard.yaml",
		.guest_name = "web1",
		.rules = {
			RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 10, XENINTRO_CR0,
			     XENINTRO_CR0),
			RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 10, XENINTRO_CR4,
			     XENINTRO_CR4),
			RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_CONTINUE,
			     0, 0, XENINTRO_CR0, XENINTRO_CR4),
		},
		.names = { "cr0-wp-clear", "cr4-smep-smap-clear",
			   "other-cr-writes" },
		.nr_rules = 3,
		.monitors = {
			MON(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0,
			    XENINTRO_MON_SYNC | XENINTRO_MON_ONCHANGE |
			    XENINTRO_MON_DENY_CAPABLE),
			MON(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4,
			    XENINTRO_MON_SYNC | XENINTRO_MON_ONCHANGE |
			    XENINTRO_MON_DENY_CAPABLE),
		},
		.nr_monitors = 2,
		.log_events = 1U << XENINTRO_EVENT_CTRLREG,
	},
	{
		.file = "lstar-guard.yaml",
		.guest_name = "web1",
		.kernel_image = "/var/lib/xenintro/web1/vmlinuz",
		.rules = {
			RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_FORWARD,
			     0, 0, 0xc0000082, 0xc0000082),
			RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 0, 0x174, 0x176),
		},
		.names = { "lstar-write", "sysenter-write" },
		.nr_rules = 2,
		.monitors = {
			MON(XENINTRO_MONITOR_MSR, 0xc0000082,
			    XENINTRO_MON_DENY_CAPABLE),
			MON(XENINTRO_MONITOR_MSR, 0x174,
			    XENINTRO_MON_DENY_CAPABLE),
			MON(XENINTRO_MONITOR_MSR, 0x175,
			    XENINTRO_MON_DENY_CAPABLE),
			MON(XENINTRO_MONITOR_MSR, 0x176,
			    XENINTRO_MON_DENY_CAPABLE),
		},
		.nr_monitors = 4,
		.log_events = 1U << XENINTRO_EVENT_MSR,
	},
	{
		.file = "cr3-process-log.yaml",
		.guest_name = "web1",
		.stats_interval = 60,
		.rules = {
			RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_CONTINUE,
			     XENINTRO_RULE_NOTIFY, 0, XENINTRO_CR3,
			     XENINTRO_CR3),
		},
		.names = { "process-switch" },
		.nr_rules = 1,
		.monitors = {
			MON(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
			    XENINTRO_MON_SYNC | XENINTRO_MON_ONCHANGE),
		},
		.nr_monitors = 1,
		.log_events = 1U << XENINTRO_EVENT_CTRLREG,
	},
	{
		.file = "breakpoint-forward.yaml",
		.guest_name = "web1",
		.deadline_ms = 500,
		.rules = {
			RULE(XENINTRO_EVENT_BREAKPOINT,
			     XENINTRO_VERDICT_FORWARD, 0, 10,
			     0xffffffff81000000, 0xffffffff81000000),
			RULE(XENINTRO_EVENT_BREAKPOINT,
			     XENINTRO_VERDICT_FORWARD, 0, 10,
			     0xffffffff81234560, 0xffffffff81234560),
			RULE(XENINTRO_EVENT_BREAKPOINT,
			     XENINTRO_VERDICT_REINJECT, 0, 0, 0, UINT64_MAX),
		},
		.names = { "agent-breakpoints", "agent-breakpoints",
			   "guest-breakpoints" },
		.nr_rules = 3,
		.monitors = { MON(XENINTRO_MONITOR_BREAKPOINT, 0, 0) },
		.nr_monitors = 1,
		.log_events = 1U << XENINTRO_EVENT_BREAKPOINT,
	},
	{
		.file = "kernel-integrity.yaml",
		.guest_name = "web1",
		.kernel_image = "/var/lib/xenintro/web1/vmlinuz",
		.deadline_ms = 1000,
		.rules = {
			RULE(XENINTRO_EVENT_MEM_ACCESS, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 0,
			     (FAKE_STEXT - FAKE_MAP) >> 12,
			     ((FAKE_ETEXT - FAKE_MAP) >> 12) - 1),
			RULE(XENINTRO_EVENT_MEM_ACCESS, XENINTRO_VERDICT_DENY,
			     XENINTRO_RULE_NOTIFY, 0,
			     (FAKE_SYSCALLS - FAKE_MAP) >> 12,
			     ((FAKE_SYSCALLS - FAKE_MAP) >> 12) + 1),
		},
		.names = { "kernel-text-write", "syscall-table-write" },
		.nr_rules = 2,
		.access = {
			{ (FAKE_STEXT - FAKE_MAP) >> 12,
			  (FAKE_ETEXT - FAKE_STEXT) >> 12,
			  XENINTRO_ACCESS_R | XENINTRO_ACCESS_X },
			/* 0x280 + 0xfff crosses into a second page */
			{ (FAKE_SYSCALLS - FAKE_MAP) >> 12, 2,
			  XENINTRO_ACCESS_R },
		},
		.nr_access = 2,
		.log_events = 1U << XENINTRO_EVENT_MEM_ACCESS,
	},
	{
		.file = "cred-watch.yaml",
		.guest_name = "web1",
		.kernel_image = "/var/lib/xenintro/web1/vmlinuz",
		.deadline_ms = 500,
		.rules = {
			RULE(XENINTRO_EVENT_BREAKPOINT,
			     XENINTRO_VERDICT_FORWARD, 0, 10,
			     FAKE_CREDS, FAKE_CREDS + 0xff),
			RULE(XENINTRO_EVENT_BREAKPOINT,
			     XENINTRO_VERDICT_REINJECT, 0, 0, 0, UINT64_MAX),
		},
		.names = { "commit-creds", "guest-breakpoints" },
		.nr_rules = 2,
		.monitors = { MON(XENINTRO_MONITOR_BREAKPOINT, 0, 0) },
		.nr_monitors = 1,
		.log_events = 1U << XENINTRO_EVENT_BREAKPOINT,
	},
};

static void fill_filters(void)
{
	/* the union fields, which designated initialisers above can't
	 * reach in a readable way */
	examples[0].rules[0].u.mem_access.access = XENINTRO_ACCESS_W;
	examples[6].rules[0].u.mem_access.access = XENINTRO_ACCESS_W;
	examples[6].rules[1].u.mem_access.access = XENINTRO_ACCESS_W;
	examples[2].rules[0].u.ctrlreg.clear_mask = 1ULL << 16;	/* WP */
	examples[2].rules[1].u.ctrlreg.clear_mask =
		(1ULL << 20) | (1ULL << 21);			/* SMEP|SMAP */
}

static char *example_path(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/examples/%s", XI_SRCDIR, name) < 0)
		abort();
	return p;
}

static void check_example(const struct expect *e)
{
	struct fake_env fe;
	struct policy p;
	struct diag d;
	char *path = example_path(e->file);
	size_t i;

	fake_env_init(&fe);
	if (policy_load_env(path, &fe.env, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		free(path);
		return;
	}
	EXPECT_EQ(p.domid, POLICY_DOMID_NONE);
	EXPECT_STREQ(p.guest_name, e->guest_name);
	EXPECT_EQ(fe.kernel_calls, !!e->kernel_image);
	if (e->kernel_image)
		EXPECT_STREQ(p.kernel_image, e->kernel_image);
	EXPECT_EQ(p.default_verdict, e->default_verdict);
	EXPECT_EQ(p.deadline_ms, e->deadline_ms);
	EXPECT_EQ(p.stats_interval, e->stats_interval);
	EXPECT_EQ(p.nr_rules, e->nr_rules);
	for (i = 0; i < p.nr_rules && i < e->nr_rules; i++) {
		if (memcmp(&p.rules[i].rule, &e->rules[i],
			   sizeof(e->rules[i]))) {
			const struct xenintro_rule *r = &p.rules[i].rule;

			fail(__FILE__, __LINE__,
			     "rule %zu: event %u action %u flags %#x prio %u [%#llx, %#llx] u %#llx %#llx %#llx %#llx",
			     i, r->event, r->action, r->flags, r->priority,
			     (unsigned long long)r->first,
			     (unsigned long long)r->last,
			     (unsigned long long)r->u.raw[0],
			     (unsigned long long)r->u.raw[1],
			     (unsigned long long)r->u.raw[2],
			     (unsigned long long)r->u.raw[3]);
		}
		EXPECT_STREQ(p.rules[i].name, e->names[i]);
	}
	EXPECT_EQ(p.nr_monitors, e->nr_monitors);
	for (i = 0; i < p.nr_monitors && i < e->nr_monitors; i++) {
		EXPECT_EQ(p.monitors[i].event, e->monitors[i].event);
		EXPECT_EQ(p.monitors[i].index, e->monitors[i].index);
		EXPECT_EQ(p.monitors[i].flags, e->monitors[i].flags);
		EXPECT_EQ(p.monitors[i].ignore_mask, 0);
	}
	EXPECT_EQ(p.nr_access, e->nr_access);
	for (i = 0; i < p.nr_access && i < e->nr_access; i++) {
		EXPECT_EQ(p.access[i].gfn, e->access[i].gfn);
		EXPECT_EQ(p.access[i].nr, e->access[i].nr);
		EXPECT_EQ(p.access[i].rights, e->access[i].rights);
	}
	EXPECT_EQ(p.log.events, e->log_events);
	policy_free(&p);
	free(path);
}

/* ---- bad files ------------------------------------------------------ */

static const struct {
	const char *file;
	const char *msg;
} bad[] = {
	{ "syntax.yaml",
	  "syntax.yaml:5:11: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence" },
	{ "unknown-field.yaml",
	  "unknown-field.yaml:7:5: rules[0].acton: unknown field" },
	{ "field-of-other-event.yaml",
	  "field-of-other-event.yaml:5:5: rules[0].access: unknown field" },
	{ "wrong-type.yaml",
	  "wrong-type.yaml:6:15: rules[0].priority: expected a number, got a quoted string" },
	{ "wrong-type-list.yaml",
	  "wrong-type-list.yaml:2:14: deadline_ms: expected a number, got a list" },
	{ "out-of-range.yaml",
	  "out-of-range.yaml:4:11: rules[0].leaf: 0x100000000 is out of range (at most 0xffffffff)" },
	{ "first-above-last.yaml",
	  "first-above-last.yaml:4:10: rules[0].gfn: first (0x20) is above last (0x10)" },
	{ "deny-cpuid.yaml",
	  "deny-cpuid.yaml:7:13: rules[0].action: deny on cpuid events: only mem_access, cr and msr events can be denied" },
	{ "continue-on-page.yaml",
	  "continue-on-page.yaml:8:13: rules[0].action: continue on mem_access events: a mem_access rule cannot continue (the access would fault again); say emulate" },
	{ "memory-bad-register.yaml",
	  "memory-bad-register.yaml:6:11: log.memory[0].at: unknown register \"rsx\": rax..rdx, rsi, rdi, rbp, rsp, r8..r15, rip, cr2, an address, or a kernel symbol (with kernel.image)" },
	{ "memory-too-long.yaml",
	  "memory-too-long.yaml:7:15: log.memory[0].length: 4096 is out of range (at most 1024)" },
	{ "set-registers-no-answer.yaml",
	  "set-registers-no-answer.yaml:8:13: rules[1].action: set_registers needs an answer: {eax, ebx, ecx, edx}" },
	{ "notify-forward.yaml",
	  "notify-forward.yaml:6:13: rules[0].notify: a forwarded event reaches the agent anyway; notify is for kernel verdicts" },
	{ "unknown-bit.yaml",
	  "unknown-bit.yaml:7:19: rules[0].cleared[1]: CR0 has no bit \"SMEP\" (PE, MP, EM, TS, ET, NE, WP, AM, NW, CD, PG)" },
	{ "unknown-msr.yaml",
	  "unknown-msr.yaml:3:16: monitors.msr[1]: unknown MSR name \"KSTAR\"" },
	{ "unknown-event.yaml",
	  "unknown-event.yaml:3:12: rules[0].event: unknown event \"syscall\" (mem_access, cr, msr, cpuid, breakpoint, singlestep, guest_request, debug_exception, desc_access, emul_unimpl, vmexit)" },
	{ "duplicate-key.yaml",
	  "duplicate-key.yaml:6:5: rules[0].action: duplicate field (first at line 5)" },
	{ "ambiguous.yaml",
	  "ambiguous.yaml:7:5: rules[1]: ambiguous with rules[0] (same event and priority, overlapping keys and filters); give one a higher priority" },
	{ "deny-not-capable.yaml",
	  "deny-not-capable.yaml:5:5: rules[0].action: deny needs monitors.cr4 with deny_capable: true" },
	{ "duplicate-rule-name.yaml",
	  "duplicate-rule-name.yaml:8:11: rules[1].name: \"leaf\" is already the name of rules[0] (line 4)" },
	{ "decision-unknown-rule.yaml",
	  "decision-unknown-rule.yaml:8:13: forwarded.decide[0].rule: no rule is named \"pb\"" },
	{ "decision-bad-verdict.yaml",
	  "decision-bad-verdict.yaml:5:16: forwarded.decide[0].verdict: reinject: only breakpoint and debug_exception events can be reinjected" },
	{ "no-guest.yaml",
	  "no-guest.yaml:1:1: guest: missing (a domid or a name)" },
	{ "two-documents.yaml",
	  "two-documents.yaml:3:1: a second YAML document; a policy is one" },
	{ "missing.yaml",
	  "missing.yaml: cannot open: No such file or directory" },
	{ "never-fires-cpuid.yaml",
	  "never-fires-cpuid.yaml:5:12: rules[0].event: the rule never fires: no monitor raises cpuid events (add monitors.cpuid: true)" },
	{ "never-fires-cr.yaml",
	  "never-fires-cr.yaml:7:12: rules[0].event: the rule never fires: no monitor raises cr events for cr4 (add monitors.cr4: true)" },
	{ "never-fires-mem-access.yaml",
	  "never-fires-mem-access.yaml:9:10: rules[0].gfn: the rule never fires: no access: entry takes w away from frames 0x1800..0x1fff, and only that makes a page fault" },
	{ "log-unmonitored-event.yaml",
	  "log-unmonitored-event.yaml:6:19: log.events[1]: nothing to log: no monitor raises msr events (add MSRs to monitors.msr)" },
	{ "deny-cr3.yaml",
	  "deny-cr3.yaml:6:5: rules[0].action: deny on cr3 is refused: the guest kernel switches address spaces by writing CR3 (every context switch, and with KPTI every kernel entry and exit), and a vetoed write leaves it on the wrong page tables; log CR3 writes with action: continue and notify: true" },
	{ "bad-severity.yaml",
	  "bad-severity.yaml:8:15: rules[0].severity: unknown severity \"fatal\" (emergency, alert, critical, error, warning, notice, info, debug)" },
	{ "description-too-long.yaml",
	  "description-too-long.yaml:8:18: rules[0].description: 513 bytes: a description is at most 512" },
	{ "bad-tag.yaml",
	  "bad-tag.yaml:8:35: rules[0].tags[1]: \"T1497 sandbox\": a tag is letters, digits and _ - . : / only" },
	{ "key-too-long.yaml",
	  "key-too-long.yaml:8:10: rules[0].key: 69 bytes: a key is at most 64" },
	{ "rate-limit-zero.yaml",
	  "rate-limit-zero.yaml:9:26: rules[0].rate_limit.events: 0 would log none of the rule's records; leave its event out of log.events instead" },
	{ "syslog-facility.yaml",
	  "syslog-facility.yaml:6:22: log.syslog.facility: unknown facility \"local9\" (daemon, user, auth, authpriv, local0..local7)" },
	{ "enabled-not-bool.yaml",
	  "enabled-not-bool.yaml:8:14: rules[0].enabled: expected true or false, got a scalar \"maybe\"" },
	/* a disabled rule is checked all the same */
	{ "disabled-rule-checked.yaml",
	  "disabled-rule-checked.yaml:7:13: rules[0].action: deny on cpuid events: only mem_access, cr and msr events can be denied" },
	{ "list-unknown.yaml",
	  "list-unknown.yaml:8:12: rules[0].rips[0]: no list is named \"entry_point\"" },
	/* errors in an included file: that file's own name and line:col */
	{ "include-typo.yaml",
	  "include/typo.yaml:6:5: rules[0].acton: unknown field" },
	{ "include-cycle.yaml",
	  "include/cycle-b.yaml:2:11: include[0]: include-cycle.yaml includes itself (an include cycle through include/cycle-b.yaml)" },
	{ "include-deep.yaml",
	  "include/deep8.yaml:1:11: include[0]: includes nest more than 8 deep" },
	{ "include-guest.yaml",
	  "include/guest.yaml:1:1: guest: unknown field" },
	/* when: and actions: (rule_when.c, actions.c) */
	{ "when-kernel-verdict.yaml",
	  "when-kernel-verdict.yaml:9:11: rules[0].when: the kernel answers this rule's events without the agent, which evaluates when: (a condition cannot change a kernel verdict); add notify: true (the kernel's verdict stands, the agent sees a copy), or action: forward (the agent decides; forwarded.decide takes cpl, cr3 and value too)" },
	{ "when-value-cpuid.yaml",
	  "when-value-cpuid.yaml:8:19: rules[0].when.value: cpuid events write no value (only cr and msr events do)" },
	{ "when-cpl-range.yaml",
	  "when-cpl-range.yaml:7:21: rules[0].when.cpl[1]: 4 is out of range (at most 3)" },
	{ "when-bits-msr.yaml",
	  "when-bits-msr.yaml:7:23: rules[0].when.value_set: bit names exist for cr rules only; on msr events use value: {first, last}" },
	{ "when-bits-both.yaml",
	  "when-bits-both.yaml:8:11: rules[0].when: a bit in both value_set and value_clear: no value matches" },
	{ "actions-kernel-verdict.yaml",
	  "actions-kernel-verdict.yaml:7:14: rules[0].actions: the kernel answers this rule's events without the agent, which runs actions; add notify: true (the kernel's verdict stands, the agent sees a copy), or action: forward (the agent decides; forwarded.decide takes cpl, cr3 and value too)" },
	{ "actions-empty.yaml",
	  "actions-empty.yaml:7:14: rules[0].actions: no action; leave actions out" },
	{ "hook-relative.yaml",
	  "hook-relative.yaml:8:21: rules[0].actions.hook.argv[0]: \"notify-send\": an absolute path is needed (no PATH search)" },
	{ "hook-missing.yaml",
	  "hook-missing.yaml:8:21: rules[0].actions.hook.argv[0]: /nonexistent/xenintro-hook: No such file or directory" },
	{ "hook-argv-and-shell.yaml",
	  "hook-argv-and-shell.yaml:8:13: rules[0].actions.hook: needs argv: [PROGRAM, ARG...] (run directly) or shell: COMMAND (run by /bin/sh -c), not both" },
	{ "hook-running-zero.yaml",
	  "hook-running-zero.yaml:8:46: rules[0].actions.hook.max_running: 0 would run no hook; leave hook out" },
	{ "dump-placeholder.yaml",
	  "dump-placeholder.yaml:8:41: rules[0].actions.dump.file: unknown placeholder at \"{pid}.bin\" ({domid}, {guest}, {rule}, {seq}, {time})" },
	{ "dump-no-dir.yaml",
	  "dump-no-dir.yaml:8:41: rules[0].actions.dump.file: directory /nonexistent/xenintro: No such file or directory" },
	{ "dump-too-long.yaml",
	  "dump-too-long.yaml:8:31: rules[0].actions.dump.length: 1048577 is out of range (at most 1048576)" },
	{ "pause-zero.yaml",
	  "pause-zero.yaml:8:24: rules[0].actions.pause.seconds: 0 seconds pauses nothing; at least 1" },
	{ "decide-cpl-range.yaml",
	  "decide-cpl-range.yaml:7:26: forwarded.decide[0].cpl: 5 is out of range (at most 3)" },
	{ "deny-xcr0.yaml",
	  "deny-xcr0.yaml:6:5: rules[0].action: deny on xcr0 vetoes nothing: Xen writes XCR0 before it reports the XSETBV; log it with action: continue and notify: true" },
};

static void check_bad(const char *file, const char *msg)
{
	struct policy p;
	struct diag d;

	if (!policy_load(file, &p, &d)) {
		fail(__FILE__, __LINE__, "%s: accepted", file);
		policy_free(&p);
		return;
	}
	EXPECT_STREQ(d.msg, msg);
	/* a failed load leaves nothing to free, and free is harmless */
	EXPECT_EQ(p.nr_rules, 0);
	policy_free(&p);
}

/* vCPU lists reach 127: the high ones go into the rule's second word. */
static void check_vcpu_masks(void)
{
	static const char doc[] =
		"guest: 7\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {event: cpuid, leaf: 1, vcpus: [1, 65, 127], action: continue}\n"
		"  - {event: cpuid, leaf: 1, vcpus: [64], action: forward}\n";
	static const char too_big[] =
		"guest: 7\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {event: cpuid, leaf: 1, vcpus: [128], action: continue}\n";
	struct policy p;
	struct diag d;

	if (policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.nr_rules, 2);
	EXPECT_EQ(p.rules[0].rule.vcpu_mask, 1ULL << 1);
	EXPECT_EQ(p.rules[0].rule.vcpu_mask_hi, (1ULL << 1) | (1ULL << 63));
	EXPECT_EQ(p.rules[1].rule.vcpu_mask, 0);
	EXPECT_EQ(p.rules[1].rule.vcpu_mask_hi, 1);
	policy_free(&p);
	EXPECT_EQ(policy_load_buffer("inline.yaml", too_big,
				     sizeof(too_big) - 1, &p, &d), -1);
}

/* log.memory: registers or addresses, lengths, formats, event filters */
static void check_memory_captures(void)
{
	static const char doc[] =
		"guest: 7\n"
		"monitors: {cpuid: true, breakpoint: true}\n"
		"log:\n"
		"  memory:\n"
		"    - {at: rdi, length: 64, as: string, events: [breakpoint]}\n"
		"    - {at: 0xffffffff82000000, offset: 8, length: 16}\n";
	struct policy p;
	struct diag d;

	if (policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.log.nr_memory, 2);
	EXPECT_EQ(p.log.memory[0].at, MEM_AT_RDI);
	EXPECT_EQ(p.log.memory[0].length, 64);
	EXPECT_EQ(p.log.memory[0].string, 1);
	EXPECT_EQ(p.log.memory[0].events, 1U << XENINTRO_EVENT_BREAKPOINT);
	EXPECT_EQ(p.log.memory[1].at, MEM_AT_ADDR);
	EXPECT_EQ(p.log.memory[1].addr, 0xffffffff82000000ULL);
	EXPECT_EQ(p.log.memory[1].offset, 8);
	EXPECT_EQ(p.log.memory[1].string, 0);
	EXPECT_EQ(p.log.memory[1].events, 0);
	policy_free(&p);
}

/* A file over POLICY_FILE_MAX is refused before it is parsed. */
static void check_huge_policy(void)
{
	size_t len = POLICY_FILE_MAX + 1;
	char *big = malloc(len);
	struct policy p;
	struct diag d;

	if (!big) {
		fail(__FILE__, __LINE__, "malloc");
		return;
	}
	memset(big, '#', len);
	EXPECT_EQ(policy_load_buffer("big.yaml", big, len, &p, &d), -1);
	EXPECT_EQ(strstr(d.msg, "a policy file is at most") != NULL, 1);
	free(big);
}

/* ---- decisions ------------------------------------------------------ */

static void check_decisions(void)
{
	static const char doc[] =
		"guest: 7\n"
		"monitors: {breakpoint: true, cpuid: true}\n"
		"rules:\n"
		"  - {name: listed, event: breakpoint, rips: [0x1000, 0x2000], action: forward, priority: 1}\n"
		"  - {name: all-bp, event: breakpoint, action: forward}\n"
		"forwarded:\n"
		"  default: deny\n"
		"  decide:\n"
		"    - {rule: listed, rip: 0x2000, verdict: skip, log: false}\n"
		"    - {rule: listed, verdict: reinject}\n"
		"    - {event: cpuid, verdict: skip}\n";
	struct xenintro_event ev;
	struct xenintro_verdict v;
	struct decision dc;
	struct policy p;
	struct diag d;

	if (policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.domid, 7);
	EXPECT_EQ(p.nr_rules, 3);
	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_BREAKPOINT;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = 1;			/* second RIP of "listed" */
	ev.regs.rip = 0x2000;
	ev.u.debug.insn_length = 1;
	dc = decide(&p, &ev, NULL);
	EXPECT_EQ(dc.verdict, DECIDE_SKIP);
	EXPECT_EQ(dc.log, 0);
	decide_fill(&v, &ev, dc.verdict);
	EXPECT_EQ(v.verdict, XENINTRO_VERDICT_SET_REGISTERS);
	EXPECT_EQ(v.u.regs.rip, 0x2001);

	ev.rule = 0;
	ev.regs.rip = 0x1000;
	dc = decide(&p, &ev, NULL);
	EXPECT_EQ(dc.verdict, XENINTRO_VERDICT_REINJECT);
	EXPECT_EQ(dc.log, 1);

	/* no decision: the default, DENY, is no answer to an INT3 */
	ev.rule = 2;
	dc = decide(&p, &ev, NULL);
	EXPECT_EQ(dc.verdict, XENINTRO_VERDICT_REINJECT);
	/* ... but is one to an MSR write, and CONTINUE on a page is EMULATE */
	ev.reason = XENINTRO_EVENT_MSR;
	ev.rule = ~0U;
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_DENY);
	ev.reason = XENINTRO_EVENT_MEM_ACCESS;
	EXPECT_EQ(decide_safe(&ev, XENINTRO_VERDICT_CONTINUE),
		  XENINTRO_VERDICT_EMULATE);
	ev.reason = XENINTRO_EVENT_CPUID;
	ev.u.cpuid.insn_length = 2;
	dc = decide(&p, &ev, NULL);
	EXPECT_EQ(dc.verdict, DECIDE_SKIP);
	decide_fill(&v, &ev, dc.verdict);
	EXPECT_EQ(v.u.regs.rip, 0x1002);
	policy_free(&p);
}

/*
 * Policies that name kernel symbols: every place an address goes, the
 * frames behind a range of them split into runs, decisions on the value
 * written and on the process, and the errors, each at its line.
 */
static void check_symbols(void)
{
	static const char doc[] =
		"guest: 7\n"
		"kernel: {image: /guest/vmlinuz}\n"
		"monitors: {breakpoint: true, msr: [{msr: LSTAR, deny_capable: true}]}\n"
		"access:\n"
		"  - {va: {first: _stext, last: _etext-1}, rights: rx}\n"
		"rules:\n"
		"  - {name: creds, event: breakpoint, rips: [commit_creds, commit_creds+0x10], action: forward}\n"
		"  - {name: text, event: mem_access, va: {first: _stext, last: _etext-1}, access: w, action: deny}\n"
		"  - {name: lstar, event: msr, msr: LSTAR, action: forward}\n"
		"forwarded:\n"
		"  decide:\n"
		"    - {event: msr, value: entry_SYSCALL_64, verdict: continue}\n"
		"    - {event: breakpoint, process: [sudo], verdict: reinject, log: false}\n"
		"    - {event: msr, verdict: deny}\n"
		"log:\n"
		"  process: true\n"
		"  memory: [{at: init_task+0x10, length: 16, as: string}]\n";
	static const struct { const char *doc, *msg; } bad_sym[] = {
		{ "guest: 7\nmonitors: {breakpoint: true}\nrules:\n"
		  "  - {event: breakpoint, rip: commit_creds, action: forward}\n",
		  "inline.yaml:4:30: rules[0].rip: \"commit_creds\" is a kernel symbol: name the guest's kernel image in kernel.image" },
		{ "guest: 7\nkernel: {image: /k}\nmonitors: {breakpoint: true}\nrules:\n"
		  "  - {event: breakpoint, rip: commit_credz, action: forward}\n",
		  "inline.yaml:5:30: rules[0].rip: no symbol \"commit_credz\" in the guest kernel's symbols" },
		{ "guest: 7\nkernel: {image: /k}\nmonitors: {breakpoint: true}\nrules:\n"
		  "  - {event: breakpoint, rip: commit_creds*2, action: forward}\n",
		  "inline.yaml:5:30: rules[0].rip: expected SYMBOL, SYMBOL+OFFSET or SYMBOL-OFFSET, got \"commit_creds*2\"" },
		{ "guest: 7\nkernel: {image: /k}\naccess:\n"
		  "  - {va: {first: 0x1000, last: 0x1fff}, rights: r}\n",
		  "inline.yaml:4:10: access[0].va: 0x1000: not mapped" },
		{ "guest: 7\nkernel: {image: /k}\naccess:\n"
		  "  - {va: {first: _etext, last: _stext}, rights: r}\n",
		  "inline.yaml:4:10: access[0].va: first (0xffffffff81c00000) is above last (0xffffffff81000000)" },
		{ "guest: 7\nkernel: {image: /k}\naccess:\n"
		  "  - {va: _stext, gfn: 1, rights: r}\n",
		  "inline.yaml:4:5: access[0]: needs rights and one of gfn (frames) or va (kernel addresses)" },
		{ "guest: 7\nkernel: {}\n",
		  "inline.yaml:2:9: kernel: needs image (the guest kernel's vmlinuz or vmlinux), system_map, isf or memory: true" },
		{ "guest: 7\nmonitors: {msr: [LSTAR], cpuid: true}\nrules: [{name: l, event: msr, msr: LSTAR, action: forward}]\n"
		  "forwarded: {decide: [{event: cpuid, value: 1, verdict: continue}]}\n",
		  "inline.yaml:4:44: forwarded.decide[0].value: a written value needs event: msr or event: cr" },
		{ "guest: 7\nlog: {process: true}\n",
		  "inline.yaml:2:16: log.process: the process comes from the guest kernel's task_struct: name its image in kernel.image" },
		{ "guest: 7\nkernel: {image: /k}\nmonitors: {breakpoint: true}\n"
		  "forwarded: {decide: [{event: breakpoint, process: [a_name_of_16_char], verdict: reinject}]}\n",
		  "inline.yaml:4:52: forwarded.decide[0].process[0]: a process name (task->comm) is 1 to 15 characters" },
	};
	struct xenintro_event ev;
	struct fake_env fe;
	struct policy p;
	struct diag d;
	size_t i;

	fake_env_init(&fe);
	fe.moved = true;
	if (policy_load_buffer_env("inline.yaml", doc, sizeof(doc) - 1,
				   &fe.env, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_STREQ(p.kernel_image, "/guest/vmlinuz");
	/* _stext.._etext: 0x1000..0x13ff, the moved 2 MiB, 0x1600..0x1bff */
	EXPECT_EQ(p.nr_access, 3);
	if (p.nr_access == 3) {
		EXPECT_EQ(p.access[0].gfn, 0x1000);
		EXPECT_EQ(p.access[0].nr, 0x400);
		EXPECT_EQ(p.access[1].gfn, 0x100000);
		EXPECT_EQ(p.access[1].nr, 0x200);
		EXPECT_EQ(p.access[2].gfn, 0x1600);
		EXPECT_EQ(p.access[2].nr, 0x600);
	}
	/* two RIPs, three runs of frames, one MSR */
	EXPECT_EQ(p.nr_rules, 6);
	if (p.nr_rules == 6) {
		EXPECT_EQ(p.rules[0].rule.first, FAKE_CREDS);
		EXPECT_EQ(p.rules[1].rule.first, FAKE_CREDS + 0x10);
		EXPECT_EQ(p.rules[1].rule.last, FAKE_CREDS + 0x10);
		EXPECT_EQ(p.rules[2].rule.first, 0x1000);
		EXPECT_EQ(p.rules[2].rule.last, 0x13ff);
		EXPECT_EQ(p.rules[3].rule.first, 0x100000);
		EXPECT_EQ(p.rules[3].rule.last, 0x1001ff);
		EXPECT_EQ(p.rules[4].rule.first, 0x1600);
		EXPECT_EQ(p.rules[4].rule.last, 0x1bff);
		EXPECT_STREQ(p.rules[3].name, "text");
	}
	EXPECT_EQ(p.log.nr_memory, 1);
	EXPECT_EQ(p.log.memory[0].at, MEM_AT_ADDR);
	EXPECT_EQ(p.log.memory[0].addr, 0xffffffff82a0c950ULL);
	EXPECT_EQ(p.log.process, 1);

	/* LSTAR held to entry_SYSCALL_64: that value goes, others not */
	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_MSR;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = 5;
	ev.u.msr.msr = 0xc0000082;
	ev.u.msr.new_value = FAKE_ENTRY;
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_CONTINUE);
	ev.u.msr.new_value = FAKE_ENTRY + 0x40;
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_DENY);
	/* by process: only a known comm matches */
	ev.reason = XENINTRO_EVENT_BREAKPOINT;
	ev.rule = 0;
	EXPECT_EQ(decide(&p, &ev, "sudo").log, 0);
	EXPECT_EQ(decide(&p, &ev, "sudoers").log, 1);
	EXPECT_EQ(decide(&p, &ev, NULL).log, 1);
	policy_free(&p);

	for (i = 0; i < ARRAY_SIZE(bad_sym); i++) {
		fake_env_init(&fe);
		if (!policy_load_buffer_env("inline.yaml", bad_sym[i].doc,
					    strlen(bad_sym[i].doc), &fe.env, &p,
					    &d)) {
			fail(__FILE__, __LINE__, "bad_sym[%zu] accepted", i);
			policy_free(&p);
			continue;
		}
		EXPECT_STREQ(d.msg, bad_sym[i].msg);
	}
	/* the image cannot be read: its reason, at kernel.image */
	fake_env_init(&fe);
	fe.fail = "cannot open: No such file or directory";
	EXPECT_EQ(policy_load_buffer_env("inline.yaml", doc, sizeof(doc) - 1,
					 &fe.env, &p, &d), -1);
	EXPECT_STREQ(d.msg, "inline.yaml:2:9: kernel: /guest/vmlinuz: cannot open: No such file or directory");
	/* symbols known only later: what attaching needs, the rest after */
	fake_env_init(&fe);
	fe.env.provisional = true;
	if (policy_load_buffer_env("inline.yaml", doc, sizeof(doc) - 1,
				   &fe.env, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
	} else {
		EXPECT_EQ(p.provisional, 1);
		EXPECT_EQ(p.nr_rules, 0);
		EXPECT_EQ(p.nr_monitors, 0);
		EXPECT_EQ(p.nr_access, 0);
		EXPECT_EQ(p.domid, 7);
		EXPECT_EQ(p.log.process, 1);
		EXPECT_EQ(p.log.memory[0].addr, 0);
		policy_free(&p);
	}
	/* no environment at all (a tool that resolves no symbols) */
	EXPECT_EQ(policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p,
				     &d), -1);
	EXPECT_STREQ(d.msg, "inline.yaml:2:9: kernel: kernel symbols cannot be resolved here");
}

/*
 * What can never happen is refused, what can is not: page rights as the
 * last entry naming a frame leaves them, the fault kinds a rule filters
 * on, monitors for a part of a range, decisions and captures.
 */
static void check_reachable(void)
{
	static const struct { const char *doc, *msg; } cases[] = {
		/* rx then rwx again: nothing is taken away any more */
		{ "guest: 5\naccess:\n  - {gfn: {first: 0x10, last: 0x1f}, rights: rx}\n"
		  "  - {gfn: {first: 0x10, last: 0x1f}, rights: rwx}\n"
		  "rules: [{event: mem_access, gfn: 0x18, action: emulate}]\n",
		  "inline.yaml:5:34: rules[0].gfn: the rule never fires: no access: entry takes a right away from frame 0x18, and only that makes a page fault" },
		/* x is still allowed: execution never faults there */
		{ "guest: 5\naccess: [{gfn: {first: 0x10, last: 0x1f}, rights: rx}]\n"
		  "rules: [{event: mem_access, gfn: {first: 0, last: 0x100}, access: x, action: deny}]\n",
		  "inline.yaml:3:34: rules[0].gfn: the rule never fires: no access: entry takes x away from frames 0x0..0x100, and only that makes a page fault" },
		{ "guest: 5\nmonitors: {cpuid: true}\n"
		  "forwarded: {decide: [{event: breakpoint, verdict: reinject}]}\n",
		  "inline.yaml:3:30: forwarded.decide[0].event: the decision never applies: no monitor raises breakpoint events (add monitors.breakpoint: true)" },
		{ "guest: 5\nmonitors: {cpuid: true}\n"
		  "log: {memory: [{at: rdi, length: 8, events: [cpuid, singlestep]}]}\n",
		  "inline.yaml:3:53: log.memory[0].events[1]: never captured: no monitor raises singlestep events (add monitors.singlestep: true)" },
		{ "guest: 5\nmonitors: {msr: [LSTAR]}\n"
		  "rules: [{event: msr, msr: {first: 0x174, last: 0x176}, action: forward}]\n",
		  "inline.yaml:3:17: rules[0].event: the rule never fires: no monitor raises msr events for MSRs 0x174..0x176 (add them to monitors.msr)" },
		{ "guest: 5\nmonitors: {cpuid: true}\nlog: {events: [mem_access]}\n",
		  "inline.yaml:3:16: log.events[0]: nothing to log: no access: entry takes a right away from any frame, and only that makes a page fault" },
		/* a range of CRs that holds CR3 cannot deny either */
		{ "guest: 5\nmonitors: {cr0: {deny_capable: true}, cr3: {deny_capable: true}}\n"
		  "rules: [{event: cr, cr: {first: cr0, last: cr3}, action: deny}]\n",
		  "inline.yaml:3:9: rules[0].action: deny on cr3 is refused: the guest kernel switches address spaces by writing CR3 (every context switch, and with KPTI every kernel entry and exit), and a vetoed write leaves it on the wrong page tables; log CR3 writes with action: continue and notify: true" },
	};
	static const char good[] =
		"guest: 5\n"
		"monitors: {cr4: true, msr: [SYSENTER_ESP], breakpoint: true}\n"
		"access:\n"
		"  - {gfn: {first: 0x10, last: 0x1f}, rights: r}\n"
		"  - {gfn: {first: 0x14, last: 0x17}, rights: rwx}\n"
		"rules:\n"
		/* 0x14..0x17 are rwx again, 0x18 still lost w and x */
		"  - {event: mem_access, gfn: {first: 0x14, last: 0x18}, access: x, action: deny}\n"
		/* one of the three MSRs is monitored, one of cr0..cr4 */
		"  - {event: msr, msr: {first: 0x174, last: 0x176}, action: forward}\n"
		"  - {event: cr, cr: {first: cr0, last: cr4}, action: continue}\n"
		"forwarded: {decide: [{event: breakpoint, verdict: reinject}]}\n"
		"log: {events: [mem_access, msr, cr, breakpoint]}\n";
	struct policy p;
	struct diag d;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!policy_load_buffer("inline.yaml", cases[i].doc,
					strlen(cases[i].doc), &p, &d)) {
			fail(__FILE__, __LINE__, "cases[%zu] accepted", i);
			policy_free(&p);
			continue;
		}
		EXPECT_STREQ(d.msg, cases[i].msg);
	}
	if (policy_load_buffer("inline.yaml", good, sizeof(good) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.nr_rules, 3);
	policy_free(&p);
}

/*
 * Guests: only plain decimal digits are a domid (xl's rule), so a name
 * may start with a digit; dom0 and domids beyond 32751 are refused, in
 * the policy and on the command line (guest_resolve()) alike.
 */
static void check_guests(void)
{
	static const struct { const char *doc, *name; uint32_t domid; } good[] = {
		{ "guest: 2019-web\n", "2019-web", POLICY_DOMID_NONE },
		{ "guest: \"2019-web\"\n", "2019-web", POLICY_DOMID_NONE },
		{ "guest: 1st\n", "1st", POLICY_DOMID_NONE },
		{ "guest: 0x10\n", "0x10", POLICY_DOMID_NONE },
		{ "guest: 42\n", NULL, 42 },
		{ "guest: 32751\n", NULL, 32751 },
	};
	static const struct { const char *doc, *msg; } bad_guest[] = {
		{ "guest: 0\n",
		  "inline.yaml:1:8: guest: domain 0 is dom0 itself, not a guest" },
		{ "guest: 32752\n",
		  "inline.yaml:1:8: guest: 32752 is not a domain id: guests have 1 to 32751" },
		{ "guest: 99999999999999999999999\n",
		  "inline.yaml:1:8: guest: 99999999999999999999999 is not a domain id: guests have 1 to 32751" },
		{ "guest: \"42\"\n",
		  "inline.yaml:1:8: guest: \"42\" is quoted: all digits are a domid, never a name; write 42 for domain 42" },
	};
	struct policy p;
	struct diag d;
	char why[256];
	uint32_t domid;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (policy_load_buffer("inline.yaml", good[i].doc,
				       strlen(good[i].doc), &p, &d)) {
			fail(__FILE__, __LINE__, "%s", d.msg);
			continue;
		}
		EXPECT_EQ(p.domid, good[i].domid);
		if (good[i].name)
			EXPECT_STREQ(p.guest_name, good[i].name);
		else
			EXPECT_EQ(p.guest_name == NULL, 1);
		policy_free(&p);
	}
	for (i = 0; i < ARRAY_SIZE(bad_guest); i++) {
		if (!policy_load_buffer("inline.yaml", bad_guest[i].doc,
					strlen(bad_guest[i].doc), &p, &d)) {
			fail(__FILE__, __LINE__, "%s accepted", bad_guest[i].doc);
			policy_free(&p);
			continue;
		}
		EXPECT_STREQ(d.msg, bad_guest[i].msg);
	}

	/* the command line's --guest, -g and the tool's GUEST */
	EXPECT_EQ(guest_resolve("7", &domid, why, sizeof(why)), 0);
	EXPECT_EQ(domid, 7);
	EXPECT_EQ(guest_resolve("0", &domid, why, sizeof(why)), -EINVAL);
	EXPECT_STREQ(why, "domain 0 is dom0 itself, not a guest");
	EXPECT_EQ(guest_resolve("99999", &domid, why, sizeof(why)), -EINVAL);
	EXPECT_STREQ(why, "99999 is not a domain id: guests have 1 to 32751");
	/* a name: looked up in xenstore (absent here, or without it) */
	ret = guest_resolve("2019-web", &domid, why, sizeof(why));
	EXPECT_EQ(ret == -EHOSTUNREACH || ret == -ENOENT, 1);
	EXPECT_EQ(strstr(why, "\"2019-web\"") != NULL, 1);
}

/*
 * Every error of a policy, as compilers report them: in the order of the
 * file, one per mistake (a rule or a field in error is left out, so that
 * nothing is reported twice), at most DIAG_MAX_ERRORS.
 */
static void check_all_errors(void)
{
	static const char doc[] =
		"log: {format: xml}\n"
		"guest: 0\n"
		"deadline_ms: 0\n"
		"monitors:\n"
		"  cpuid: ture\n"
		"rules:\n"
		"  - {event: cpuid, leaf: 1, acton: continue, prio: 1}\n"
		"  - {event: msr, msr: KSTAR, action: continue}\n"
		"  - {name: fine, event: cpuid, leaf: 2, action: continue}\n"
		"forwarded:\n"
		"  decide:\n"
		"    - {rule: nosuch, verdict: continue}\n";
	static const char *const want[] = {
		"inline.yaml:1:15: log.format: unknown format \"xml\"",
		"inline.yaml:2:8: guest: domain 0 is dom0 itself, not a guest",
		"inline.yaml:3:14: deadline_ms: 0 would answer every event at once; leave it out for the default",
		"inline.yaml:5:10: monitors.cpuid: expected true or false, got a scalar \"ture\"",
		"inline.yaml:7:29: rules[0].acton: unknown field",
		"inline.yaml:7:46: rules[0].prio: unknown field",
		"inline.yaml:8:23: rules[1].msr: unknown MSR name \"KSTAR\"",
	};
	/* a misspelt section: the rule is not said to "never fire" too */
	static const char typo[] =
		"guest: 5\nmonitor: {cpuid: true}\n"
		"rules: [{event: cpuid, leaf: 1, action: continue}]\n";
	struct policy p;
	struct diag d;
	char *doc30 = NULL, *out = NULL;
	size_t i, len = 0;
	FILE *f;

	EXPECT_EQ(policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p,
				     &d), -1);
	EXPECT_EQ(d.nr, ARRAY_SIZE(want));
	EXPECT_EQ(diag_kept(&d), ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_STREQ(diag_message(&d, (unsigned int)i), want[i]);
	EXPECT_STREQ(d.msg, want[0]);
	EXPECT_EQ(p.nr_rules, 0);

	EXPECT_EQ(policy_load_buffer("inline.yaml", typo, sizeof(typo) - 1,
				     &p, &d), -1);
	EXPECT_EQ(d.nr, 1);
	EXPECT_STREQ(d.msg, "inline.yaml:2:1: monitor: unknown field");

	/* 30 bad entries: the first 20, then the parse stops */
	f = open_memstream(&doc30, &len);
	fputs("guest: 5\naccess:\n", f);
	for (i = 0; i < 30; i++)
		fprintf(f, "  - {gfn: %zu, rights: rwz}\n", i);
	fclose(f);
	EXPECT_EQ(policy_load_buffer("inline.yaml", doc30, len, &p, &d), -1);
	EXPECT_EQ(diag_kept(&d), DIAG_MAX_ERRORS);
	EXPECT_EQ(d.nr, DIAG_MAX_ERRORS + 1);
	EXPECT_STREQ(diag_message(&d, DIAG_MAX_ERRORS - 1),
		     "inline.yaml:22:23: access[19].rights: expected r, w and x letters (e.g. rx) or none, got \"rwz\"");
	f = open_memstream(&out, &len);
	diag_print(f, &d);
	fclose(f);
	EXPECT_EQ(strstr(out, "inline.yaml: too many errors, stopped after 20\n") != NULL, 1);
	free(doc30);
	free(out);
}

/* A policy with @n access entries (@msrs: @n MSR monitors), a line each. */
static char *many(size_t n, bool msrs)
{
	char *doc = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&doc, &len);

	fputs(msrs ? "guest: 5\nmonitors:\n  msr:\n" : "guest: 5\naccess:\n", f);
	for (i = 0; i < n; i++) {
		if (msrs)
			fprintf(f, "    - 0x%zx\n", i);
		else
			fprintf(f, "  - {gfn: %zu, rights: r}\n", i);
	}
	fclose(f);
	return doc;
}

/*
 * Page ranges and monitors are bounded (POLICY_ACCESS_MAX, _MONITORS_MAX)
 * and their lists grow by doubling: the exact bound is taken, one more is
 * refused at its entry, and so is a va: range whose frames make more runs.
 */
static void check_list_bounds(void)
{
	const char *va_doc =
		"guest: 5\nkernel: {image: /k}\naccess:\n"
		"  - {va: {first: _stext, last: _stext+0x400fff}, rights: r}\n";
	struct fake_env fe;
	struct policy p;
	struct diag d;
	char *doc;

	doc = many(POLICY_ACCESS_MAX, false);
	if (policy_load_buffer("inline.yaml", doc, strlen(doc), &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
	} else {
		EXPECT_EQ(p.nr_access, POLICY_ACCESS_MAX);
		/* 16, 32, ... 1024: doubled, not one realloc per entry */
		EXPECT_EQ(p.access_room, POLICY_ACCESS_MAX);
		policy_free(&p);
	}
	free(doc);
	doc = many(POLICY_ACCESS_MAX + 1, false);
	EXPECT_EQ(policy_load_buffer("inline.yaml", doc, strlen(doc), &p, &d),
		  -1);
	EXPECT_EQ(d.nr, 1);
	EXPECT_STREQ(d.msg, "inline.yaml:1027:5: access[1024]: more than 1024 page ranges (a va: range counts once per run of contiguous frames); merge neighbouring ranges");
	free(doc);

	/* one va: range of 1025 pages in 1025 frames far apart */
	fake_env_init(&fe);
	fe.scattered = true;
	EXPECT_EQ(policy_load_buffer_env("inline.yaml", va_doc, strlen(va_doc),
					 &fe.env, &p, &d), -1);
	EXPECT_STREQ(d.msg, "inline.yaml:4:5: access[0]: more than 1024 page ranges (a va: range counts once per run of contiguous frames); merge neighbouring ranges");

	doc = many(POLICY_MONITORS_MAX + 1, true);
	EXPECT_EQ(policy_load_buffer("inline.yaml", doc, strlen(doc), &p, &d),
		  -1);
	EXPECT_EQ(d.nr, 1);
	EXPECT_STREQ(d.msg, "inline.yaml:1028:7: monitors.msr[1024]: more than 1024 monitors (each is an ioctl at attach); monitor fewer MSRs");
	free(doc);
}

/* The JSON record of an event: the fields a SIEM keys on. */
static void check_event_json(void)
{
	struct xenintro_event ev;
	char *s;
	json_t *o;

	memset(&ev, 0, sizeof(ev));
	ev.seq = 42;
	ev.domid = 7;
	ev.vcpu = 1;
	ev.reason = XENINTRO_EVENT_MSR;
	ev.flags = XENINTRO_EF_SYNC | XENINTRO_EF_NOTIFY;
	ev.u.msr.msr = 0xc0000082;
	ev.u.msr.new_value = 0xffffffff81000000ULL;
	ev.regs.rip = 0x1234;
	o = event_json(&ev);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	EXPECT_STREQ(s,
		     "{\"seq\":42,\"domid\":7,\"vcpu\":1,\"event\":\"msr\",\"sync\":true,\"notify\":true,\"rip\":\"0x1234\",\"cr3\":\"0x0\",\"msr\":\"0xc0000082\",\"msr_name\":\"LSTAR\",\"old\":\"0x0\",\"new\":\"0xffffffff81000000\"}");
	free(s);
	json_decref(o);
}

/*
 * A line of the text log read as logfmt, as a machine would: fields apart
 * at spaces, each key=value or a bare word, a value bare or in quotes with
 * \" \\ \n \r \t \xNN escapes. 0 with the fields in @f, -1 if the
 * line is not logfmt.
 */
struct logfmt_field {
	char key[64];
	char val[512];
	bool has_val;
};

static int logfmt_parse(const char *q, struct logfmt_field *f, size_t max,
			size_t *nr)
{
	size_t n = 0, k, v;

	for (;;) {
		while (*q == ' ')
			q++;
		if (!*q || *q == '\n')
			break;
		if (n == max)
			return -1;
		memset(&f[n], 0, sizeof(f[n]));
		for (k = 0; *q && *q != ' ' && *q != '=' && *q != '\n'; q++) {
			if (*q == '"' || k + 1 >= sizeof(f[n].key))
				return -1;
			f[n].key[k++] = *q;
		}
		if (*q == '=') {
			f[n].has_val = true;
			q++;
			v = 0;
			if (*q == '"') {
				for (q++; *q != '"'; q++) {
					char ch = *q;

					if (!ch || ch == '\n' ||
					    v + 1 >= sizeof(f[n].val))
						return -1;
					if (ch == '\\') {
						q++;
						ch = *q == 'n' ? '\n' : *q == 'r' ? '\r' :
						     *q == 't' ? '\t' : *q;
						if (*q == 'x') {
							unsigned int b;

							if (sscanf(q + 1, "%2x", &b) != 1)
								return -1;
							ch = (char)b;
							q += 2;
						} else if (!strchr("\"\\nrt", *q)) {
							return -1;
						}
					}
					f[n].val[v++] = ch;
				}
				q++;
				if (*q && *q != ' ' && *q != '\n')
					return -1;	/* "a"b */
			} else {
				for (; *q && *q != ' ' && *q != '\n'; q++) {
					if (*q == '"' || *q == '=' ||
					    v + 1 >= sizeof(f[n].val))
						return -1;
					f[n].val[v++] = *q;
				}
			}
		}
		n++;
	}
	*nr = n;
	return 0;
}

static const char *logfmt_get(const struct logfmt_field *f, size_t nr,
			      const char *key)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (f[i].has_val && !strcmp(f[i].key, key))
			return f[i].val;
	return NULL;
}

/*
 * The text log: every value that holds a space, a quote, '=', a
 * backslash or a control character is quoted and escaped, so each line
 * reads back as logfmt fields with exactly the values written.
 */
static void check_text_log(void)
{
	static const char guest[] = "web 1 \"x\"";
	static const char msg[] = "policy /etc/x y.yaml: a=b \"q\" \\ done\nnext\ttab\x01";
	struct logfmt_field f[48];
	struct xenintro_event ev;
	struct event_log l;
	char path[] = "/tmp/xi-text-log-XXXXXX", *line = NULL;
	json_t *procs, *mem, *st;
	size_t cap = 0, nr, n = 0;
	FILE *in;
	int fd;

	fd = mkstemp(path);
	if (fd < 0 || event_log_open(&l, path, LOG_TEXT)) {
		fail(__FILE__, __LINE__, "cannot open %s", path);
		return;
	}
	close(fd);
	l.guest = guest;
	event_log_msg(&l, "info", "%s", msg);

	memset(&ev, 0, sizeof(ev));
	ev.seq = 9;
	ev.domid = 5;
	ev.reason = XENINTRO_EVENT_CTRLREG;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = 0;
	ev.u.ctrlreg.index = XENINTRO_CR3;
	ev.u.ctrlreg.old_value = 0x5000;
	ev.u.ctrlreg.new_value = 0x6000;
	procs = json_pack("{s:{s:i,s:i,s:s,s:s}, s:{s:s}}",
			  "process", "pid", 8, "tgid", 7, "comm", "my prog",
			  "task", "0x1",
			  "next_process", "error", "no task has this address space");
	mem = json_pack("[{s:s,s:s}, {s:s,s:s}, {s:s,s:s}]",
			"at", "rdi", "string", "x\"y z",
			"at", "rsi", "hex", "00ff",
			"at", "rdx", "error", "Operation not supported");
	event_log_event_ctx(&l, &ev, "my rule=1", NULL, XENINTRO_VERDICT_CONTINUE,
			    mem, procs);

	st = json_pack("{s:i, s:{s:i}, s:[{s:s,s:i}]}", "domid", 5,
		       "kernel", "requests", 3,
		       "rules", "name", "leaf \"0\"", "hits", 2);
	event_log_record(&l, "stats", st);
	event_log_close(&l);

	in = fopen(path, "re");
	while (in && getline(&line, &cap, in) > 0) {
		n++;
		if (logfmt_parse(line, f, ARRAY_SIZE(f), &nr)) {
			fail(__FILE__, __LINE__, "line %zu is not logfmt: %s", n,
			     line);
			continue;
		}
		if (n == 1) {
			EXPECT_EQ(nr, 5);
			EXPECT_STREQ(f[1].key, "agent");
			EXPECT_STREQ(logfmt_get(f, nr, "guest"), guest);
			EXPECT_STREQ(logfmt_get(f, nr, "level"), "info");
			EXPECT_STREQ(logfmt_get(f, nr, "msg"), msg);
		} else if (n == 2) {
			EXPECT_STREQ(f[1].key, "dom5");
			EXPECT_STREQ(logfmt_get(f, nr, "seq"), "9");
			EXPECT_STREQ(logfmt_get(f, nr, "rule_name"), "my rule=1");
			EXPECT_STREQ(logfmt_get(f, nr, "verdict"), "continue");
			EXPECT_STREQ(logfmt_get(f, nr, "process"), "7/8:my prog");
			EXPECT_STREQ(logfmt_get(f, nr, "next_process"),
				     "error:no task has this address space");
			EXPECT_STREQ(logfmt_get(f, nr, "mem.rdi"), "x\"y z");
			EXPECT_STREQ(logfmt_get(f, nr, "mem.rsi"), "00ff");
			EXPECT_STREQ(logfmt_get(f, nr, "mem.rdx"),
				     "error:Operation not supported");
		} else if (n == 3) {
			EXPECT_STREQ(f[1].key, "stats");
			EXPECT_STREQ(logfmt_get(f, nr, "guest"), guest);
			EXPECT_STREQ(logfmt_get(f, nr, "domid"), "5");
			EXPECT_STREQ(logfmt_get(f, nr, "kernel.requests"), "3");
			EXPECT_STREQ(logfmt_get(f, nr, "rules[0].name"), "leaf \"0\"");
			EXPECT_STREQ(logfmt_get(f, nr, "rules[0].hits"), "2");
		}
	}
	EXPECT_EQ(n, 3);
	if (in)
		fclose(in);
	free(line);
	unlink(path);
}

/* A whole line of @path that holds @want, or NULL; the caller frees it. */
static char *line_with(const char *path, const char *want)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *in = fopen(path, "re");

	while (in && getline(&line, &cap, in) > 0)
		if (strstr(line, want)) {
			fclose(in);
			return line;
		}
	if (in)
		fclose(in);
	free(line);
	return NULL;
}

/*
 * Rule metadata: parsed, shared by the kernel records of one rule (a
 * rips: list makes several), and in each record of the rule in both log
 * formats; a rule without any has none in its records.
 */
/*
 * enabled: false: parsed and checked, counted, but no kernel record; a
 * decision may name the rule; its name stays taken.
 */
static void check_enabled(void)
{
	static const char doc[] =
		"guest: 7\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {name: one, event: cpuid, leaf: 1, action: forward}\n"
		"  - {name: two, event: cpuid, leaf: 2, action: forward, enabled: false}\n"
		"  - {name: three, event: cpuid, leaf: 3, action: forward, enabled: true}\n"
		"forwarded:\n"
		"  decide:\n"
		"    - {rule: two, verdict: continue}\n";
	static const char dup[] =
		"guest: 7\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {name: two, event: cpuid, leaf: 2, action: forward, enabled: false}\n"
		"  - {name: two, event: cpuid, leaf: 3, action: forward}\n";
	struct policy p;
	struct diag d;
	size_t i;

	if (policy_load_buffer("enabled.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.nr_policy_rules, 3);
	EXPECT_EQ(p.nr_rules, 2);
	EXPECT_EQ(p.nr_disabled_rules, 1);
	for (i = 0; i < p.nr_rules; i++)
		EXPECT_EQ(!strcmp(p.rules[i].name, "two"), 0);
	EXPECT_EQ(p.rule_meta[1].disabled, true);
	EXPECT_STREQ(p.rule_meta[1].disabled_name, "two");
	EXPECT_EQ(p.rule_meta[0].disabled, false);
	EXPECT_EQ(p.nr_decisions, 1);
	policy_free(&p);
	if (!policy_load_buffer("dup.yaml", dup, sizeof(dup) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "two rules named two accepted");
		policy_free(&p);
		return;
	}
	EXPECT_STREQ(d.msg, "dup.yaml:5:12: rules[1].name: \"two\" is already the name of rules[0], which is disabled");
}

/* tmp/name with @text in it */
static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fail(__FILE__, __LINE__, "%s: %s", path, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);	/* whatever the umask: the agent refuses go+w */
}

/*
 * lists: and "@name" wherever a list goes (rips, monitors.msr,
 * log.events); include: merging lists, monitors and rules, relative to
 * the including file; the 1 MiB bound over all files together.
 */
static void check_lists_includes(void)
{
	char dir[] = "/tmp/xi-include-XXXXXX", path[256], *big;
	struct policy p;
	struct diag d;
	size_t i;

	if (!mkdtemp(dir)) {
		fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
		return;
	}
	if (mkdir(strcat(strcpy(path, dir), "/sub"), 0700))
		fail(__FILE__, __LINE__, "mkdir: %s", strerror(errno));
	write_file(dir, "main.yaml",
		"guest: 5\n"
		"include: [sub/base.yaml]\n"
		"lists:\n"
		"  entry_points: [0x1000, 0x2000]\n"
		"monitors: {breakpoint: true, msr: \"@watched_msrs\"}\n"
		"rules:\n"
		"  - {name: bps, event: breakpoint, rips: [\"@entry_points\", 0x3000], action: forward}\n"
		"log: {events: \"@logged\"}\n");
	/* its own include is relative to it, not to main.yaml */
	write_file(dir, "sub/base.yaml",
		"include: [more.yaml]\n"
		"lists:\n"
		"  watched_msrs: [LSTAR, SYSENTER_EIP]\n"
		"  logged: [breakpoint, cpuid, msr]\n"
		"rules:\n"
		"  - {name: lstar, event: msr, msr: LSTAR, action: continue, notify: true}\n");
	write_file(dir, "sub/more.yaml",
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {name: leaf, event: cpuid, leaf: 1, action: continue, notify: true}\n");
	snprintf(path, sizeof(path), "%s/main.yaml", dir);
	if (policy_load(path, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
	} else {
		EXPECT_EQ(p.nr_policy_rules, 3);
		/* bps: one kernel rule per RIP, 0x1000 and 0x2000 from the list */
		EXPECT_EQ(p.nr_rules, 5);
		EXPECT_EQ(p.rules[0].rule.first, 0x1000);
		EXPECT_EQ(p.rules[1].rule.first, 0x2000);
		EXPECT_EQ(p.rules[2].rule.first, 0x3000);
		EXPECT_STREQ(p.rules[3].name, "lstar");
		EXPECT_STREQ(p.rules[4].name, "leaf");
		/* breakpoint, two MSRs, cpuid */
		EXPECT_EQ(p.nr_monitors, 4);
		EXPECT_EQ(p.log.events, (1U << XENINTRO_EVENT_BREAKPOINT) |
			  (1U << XENINTRO_EVENT_CPUID) |
			  (1U << XENINTRO_EVENT_MSR));
		policy_free(&p);
	}
	/* a list defined twice, across files: both places named */
	write_file(dir, "sub/more.yaml", "lists: {logged: [cpuid]}\n");
	if (!policy_load(path, &p, &d)) {
		fail(__FILE__, __LINE__, "a list defined twice accepted");
		policy_free(&p);
	} else {
		char want[512];

		snprintf(want, sizeof(want),
			 "%s/sub/more.yaml:1:9: lists.logged: a list of this name is defined already (%s/sub/base.yaml:4)",
			 dir, dir);
		EXPECT_STREQ(d.msg, want);
	}
	/* 1 MiB for the policy and its includes together */
	big = malloc(700 * 1024 + 1);
	if (big) {
		memset(big, '#', 700 * 1024);
		big[700 * 1024] = '\0';
		for (i = 1023; i < 700 * 1024; i += 1024)
			big[i] = '\n';
		write_file(dir, "sub/more.yaml", big);
		write_file(dir, "sub/base.yaml", big);
		write_file(dir, "sub/base.yaml", "include: [more.yaml, more2.yaml]\n");
		write_file(dir, "sub/more2.yaml", big);
		if (!policy_load(path, &p, &d)) {
			fail(__FILE__, __LINE__, "1.4 MiB of includes accepted");
			policy_free(&p);
		} else {
			char want[512];

			unsigned int k, found = 0;

			/* main.yaml's errors come first: its lists are missing */
			snprintf(want, sizeof(want),
				 "%s/sub/base.yaml:1:22: include[1]: %s/sub/more2.yaml makes the policy and its includes more than 1048576 bytes in all",
				 dir, dir);
			for (k = 0; k < diag_kept(&d); k++)
				found += !strcmp(diag_message(&d, k), want);
			EXPECT_EQ(found, 1);
		}
		free(big);
	}
	for (i = 0; i < 5; i++) {
		static const char *const files[] = {
			"main.yaml", "sub/base.yaml", "sub/more.yaml",
			"sub/more2.yaml", "sub",
		};

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		remove(path);
	}
	rmdir(dir);
}

static void check_rule_metadata(void)
{
	static const char doc[] =
		"guest: 7\n"
		"monitors: {breakpoint: true, cpuid: true}\n"
		"rules:\n"
		"  - name: bps\n"
		"    event: breakpoint\n"
		"    rips: [0x1000, 0x2000]\n"
		"    action: forward\n"
		"    severity: critical\n"
		"    description: >\n"
		"      Planted INT3 \"hit\"\n"
		"    tags: [mitre_execution, T1059]\n"
		"    key: bp-watch\n"
		"    rate_limit: {events: 5, per: 60}\n"
		"  - {name: plain, event: cpuid, leaf: 1, action: continue}\n";
	const struct policy_rule_meta *m;
	struct xenintro_event ev;
	struct event_log l;
	struct policy p;
	struct diag d;
	char path[] = "/tmp/xi-meta-log-XXXXXX", *line;
	json_t *rec;
	int fd, fmt;

	if (policy_load_buffer("meta.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.nr_rules, 3);
	m = policy_rule_meta(&p, 1);
	if (!m || m != policy_rule_meta(&p, 0)) {
		fail(__FILE__, __LINE__, "both RIPs' records share rules[0]'s metadata");
		policy_free(&p);
		return;
	}
	EXPECT_EQ(m->severity, SEVERITY_CRITICAL);
	EXPECT_STREQ(m->description, "Planted INT3 \"hit\"");
	EXPECT_EQ(m->nr_tags, 2);
	EXPECT_STREQ(m->tags[1], "T1059");
	EXPECT_STREQ(m->key, "bp-watch");
	EXPECT_EQ(m->rate.events, 5);
	EXPECT_EQ(m->rate.per_s, 60);
	EXPECT_EQ(policy_rule_meta(&p, 2)->severity, SEVERITY_NONE);
	EXPECT_EQ(policy_rule_meta(&p, 3) == NULL, 1);

	memset(&ev, 0, sizeof(ev));
	ev.seq = 3;
	ev.domid = 7;
	ev.reason = XENINTRO_EVENT_BREAKPOINT;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = 1;
	ev.regs.rip = 0x2000;
	for (fmt = LOG_JSON; fmt <= LOG_TEXT; fmt++) {
		fd = mkstemp(path);
		if (fd < 0 || event_log_open(&l, path, (enum log_format)fmt)) {
			fail(__FILE__, __LINE__, "cannot open %s", path);
			break;
		}
		close(fd);
		event_log_event_ctx(&l, &ev, p.rules[1].name, m,
				    XENINTRO_VERDICT_REINJECT, NULL, NULL);
		ev.reason = XENINTRO_EVENT_CPUID;
		ev.rule = 2;
		event_log_event_ctx(&l, &ev, p.rules[2].name,
				    policy_rule_meta(&p, 2),
				    XENINTRO_VERDICT_CONTINUE, NULL, NULL);
		ev.reason = XENINTRO_EVENT_BREAKPOINT;
		ev.rule = 1;
		event_log_close(&l);
		if (fmt == LOG_JSON) {
			line = line_with(path, "\"rule\":\"bps\"");
			rec = line ? json_loads(line, 0, NULL) : NULL;
			EXPECT_STREQ(json_string_value(json_object_get(rec, "severity")), "critical");
			EXPECT_STREQ(json_string_value(json_object_get(rec, "key")), "bp-watch");
			EXPECT_STREQ(json_string_value(json_array_get(json_object_get(rec, "tags"), 0)), "mitre_execution");
			EXPECT_STREQ(json_string_value(json_object_get(rec, "description")), "Planted INT3 \"hit\"");
			json_decref(rec);
			free(line);
			line = line_with(path, "\"rule\":\"plain\"");
			EXPECT_EQ(line && !strstr(line, "severity") &&
				  !strstr(line, "tags"), 1);
		} else {
			line = line_with(path, "rule_name=bps");
			EXPECT_EQ(line && strstr(line,
				" rule_name=bps severity=critical key=bp-watch tags=mitre_execution,T1059 description=\"Planted INT3 \\\"hit\\\"\" verdict=reinject domid=7\n") != NULL, 1);
			free(line);
			line = line_with(path, "rule_name=plain");
			EXPECT_EQ(line && strstr(line, " rule_name=plain verdict=continue domid=7\n") != NULL, 1);
		}
		free(line);
		unlink(path);
		strcpy(path, "/tmp/xi-meta-log-XXXXXX");
	}
	policy_free(&p);
}

/*
 * syslog(3) as the log sees it: openlog() and syslog() are wrapped at
 * link time (-Wl,--wrap, common/Makefile), so the test reads what would
 * have gone to /dev/log. __syslog_chk is what syslog() becomes with
 * _FORTIFY_SOURCE.
 */
static char sl_ident[64], sl_msg[4][1024];
static int sl_option, sl_facility, sl_prio[4], sl_nr;

void __wrap_openlog(const char *ident, int option, int facility);
void __wrap_openlog(const char *ident, int option, int facility)
{
	snprintf(sl_ident, sizeof(sl_ident), "%s", ident);
	sl_option = option;
	sl_facility = facility;
}

static void sl_record(int prio, const char *fmt, va_list ap)
{
	if (sl_nr < 4) {
		sl_prio[sl_nr] = prio;
		vsnprintf(sl_msg[sl_nr], sizeof(sl_msg[0]), fmt, ap);
		sl_nr++;
	}
}

void __wrap_syslog(int prio, const char *fmt, ...);
void __wrap_syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_record(prio, fmt, ap);
	va_end(ap);
}

void __wrap___syslog_chk(int prio, int flag, const char *fmt, ...);
void __wrap___syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	sl_record(prio, fmt, ap);
	va_end(ap);
}

static const char syslog_doc[] =
	"guest: 7\n"
	"monitors: {breakpoint: true}\n"
	"rules:\n"
	"  - name: bps\n"
	"    event: breakpoint\n"
	"    action: forward\n"
	"    severity: critical\n"
	"    tags: [a, b]\n"
	"    key: bp-watch\n"
	"log:\n"
	"  format: text\n"
	"  syslog: {facility: local3, ident: xi-test}\n";

static void breakpoint_event(struct xenintro_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = 4;
	ev->domid = 7;
	ev->reason = XENINTRO_EVENT_BREAKPOINT;
	ev->flags = XENINTRO_EF_SYNC;
	ev->regs.rip = 0x1000;
}

/* log.syslog with syslog(3): facility, ident, priority by severity */
static void check_syslog(void)
{
	struct xenintro_event ev;
	struct event_log l;
	struct policy p;
	struct diag d;

	if (policy_load_buffer("syslog.yaml", syslog_doc,
			       sizeof(syslog_doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	EXPECT_EQ(p.log.syslog, true);
	EXPECT_EQ(p.log.syslog_facility, LOG_LOCAL3);
	EXPECT_STREQ(p.log.syslog_ident, "xi-test");
	sl_nr = 0;
	event_log_open(&l, NULL, LOG_TEXT);
	l.f = NULL;	/* syslog only, as the agent has it without log.file */
	EXPECT_EQ(event_log_open_syslog(&l, p.log.syslog_facility,
					p.log.syslog_ident, NULL), 0);
	EXPECT_STREQ(sl_ident, "xi-test");
	EXPECT_EQ(sl_facility, LOG_LOCAL3);
	EXPECT_EQ(sl_option & LOG_PID, LOG_PID);
	breakpoint_event(&ev);
	ev.rule = 0;
	event_log_event_ctx(&l, &ev, "bps", policy_rule_meta(&p, 0),
			    XENINTRO_VERDICT_REINJECT, NULL, NULL);
	event_log_msg(&l, "error", "reload failed");
	event_log_msg(&l, "info", "attached");
	event_log_close(&l);
	EXPECT_EQ(sl_nr, 3);
	EXPECT_EQ(sl_prio[0], LOG_LOCAL3 | LOG_CRIT);
	EXPECT_EQ(strstr(sl_msg[0], " dom7 ") && strstr(sl_msg[0],
		  " rule_name=bps severity=critical key=bp-watch tags=a,b verdict=reinject"), 1);
	EXPECT_EQ(sl_prio[1], LOG_LOCAL3 | LOG_ERR);
	EXPECT_EQ(strstr(sl_msg[1], " agent level=error msg=\"reload failed\"") != NULL, 1);
	EXPECT_EQ(sl_prio[2], LOG_LOCAL3 | LOG_INFO);
	policy_free(&p);
}

/* log.syslog under systemd: one native journald datagram per record */
static void check_journald(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/xi-journal-XXXXXX", buf[4096];
	struct xenintro_event ev;
	struct event_log l;
	struct policy p;
	struct diag d;
	ssize_t n;
	int fd;

	if (policy_load_buffer("syslog.yaml", syslog_doc,
			       sizeof(syslog_doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	if (!mkdtemp(dir)) {
		fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
		policy_free(&p);
		return;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fail(__FILE__, __LINE__, "bind %s: %s", sa.sun_path,
		     strerror(errno));
		goto out;
	}
	event_log_open(&l, NULL, LOG_JSON);
	l.f = NULL;
	EXPECT_EQ(event_log_open_syslog(&l, LOG_LOCAL3, "xi-test",
					sa.sun_path), 0);
	l.guest = "web1";
	l.host = "dom0-a";
	l.uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
	breakpoint_event(&ev);
	ev.rule = 0;
	event_log_event_ctx(&l, &ev, "bps", policy_rule_meta(&p, 0),
			    XENINTRO_VERDICT_REINJECT, NULL, NULL);
	event_log_msg(&l, "warning", "two\nlines");
	event_log_close(&l);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	EXPECT_EQ(n > 0, 1);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_EQ(strncmp(buf, "MESSAGE={\"time\":", 16), 0);
	EXPECT_EQ(strstr(buf, "\nPRIORITY=2\nSYSLOG_FACILITY=19\nSYSLOG_IDENTIFIER=xi-test\nXENINTRO_TYPE=event\n") != NULL, 1);
	EXPECT_EQ(strstr(buf, "\nXENINTRO_HOST=dom0-a\nXENINTRO_DOMID=7\nXENINTRO_GUEST=web1\nXENINTRO_UUID=1b4e28ba-2fa1-11d2-883f-0016d3cca427\n") != NULL, 1);
	EXPECT_EQ(strstr(buf, "\nXENINTRO_RULE=bps\nXENINTRO_SEVERITY=critical\nXENINTRO_KEY=bp-watch\nXENINTRO_TAGS=a,b\nXENINTRO_EVENT=breakpoint\nXENINTRO_VERDICT=reinject\n") != NULL, 1);
	/* the JSON line has no newline; a field with one gets a length */
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	EXPECT_EQ(n > 0, 1);
	buf[n > 0 ? n : 0] = '\0';
	EXPECT_EQ(strstr(buf, "\nPRIORITY=4\n") != NULL, 1);
	EXPECT_EQ(strstr(buf, "\nXENINTRO_LEVEL=warning\n") != NULL, 1);
out:
	if (fd >= 0)
		close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
	policy_free(&p);
}

static void check_iso_time(void)
{
	char buf[40];

	iso_time_now(buf, sizeof(buf));
	/* 2026-11-22T11:30:00.123456Z */
	EXPECT_EQ(strlen(buf), 27);
	EXPECT_EQ(buf[10], 'T');
	EXPECT_EQ(buf[19], '.');
	EXPECT_EQ(buf[26], 'Z');
}

/*
 * when: and actions: as parsed, and when: as evaluated on events: the
 * privilege level from SS's DPL, CR3 values and ranges, the written
 * value's range and bits; decisions filter on cpl and cr3 the same way.
 */
static void check_when_actions(void)
{
	static const char doc[] =
		"guest: 5\n"
		"monitors: {cr4: true, msr: [LSTAR]}\n"
		"rules:\n"
		"  - name: smep\n"
		"    event: cr\n"
		"    cr: cr4\n"
		"    action: continue\n"
		"    notify: true\n"
		"    when: {cpl: [0, 3], cr3: [0x1000, {first: 0x8000, last: 0x9fff}], value_clear: [SMEP], value_set: [PAE]}\n"
		"    actions:\n"
		"      pause: {seconds: 30}\n"
		"      dump: {at: rip, offset: -0x40, length: 256, file: \"/tmp/x-{domid}-{rule}-{seq}.bin\"}\n"
		"      hook: {shell: \"logger -t xenintro\", timeout: 5, max_running: 2}\n"
		"  - name: lstar\n"
		"    event: msr\n"
		"    msr: LSTAR\n"
		"    action: forward\n"
		"    when: {value: {first: 0xffffffff81000000, last: 0xffffffff81ffffff}}\n"
		"    actions: {pause: true, hook: {argv: [/bin/cat, -]}}\n"
		"forwarded:\n"
		"  decide:\n"
		"    - {rule: lstar, cpl: 3, verdict: deny}\n"
		"    - {rule: lstar, cr3: 0x5000, verdict: deny}\n";
	const struct policy_rule_meta *m;
	struct xenintro_event ev;
	struct policy p;
	struct diag d;

	if (policy_load_buffer("inline.yaml", doc, sizeof(doc) - 1, &p, &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		return;
	}
	m = policy_rule_meta(&p, 0);
	EXPECT_EQ(m->has_when, 1);
	EXPECT_EQ(m->when.cpls, 0x9);
	EXPECT_EQ(m->when.nr_cr3, 2);
	EXPECT_EQ(m->when.cr3[1].first, 0x8000);
	EXPECT_EQ(m->when.cr3[1].last, 0x9fff);
	EXPECT_EQ(m->when.value_clear, 1ULL << 20);
	EXPECT_EQ(m->when.value_set, 1ULL << 5);
	EXPECT_EQ(m->actions.pause, 1);
	EXPECT_EQ(m->actions.pause_s, 30);
	EXPECT_EQ(m->actions.dump, 1);
	EXPECT_EQ(m->actions.dump_at, MEM_AT_RIP);
	EXPECT_EQ(m->actions.dump_offset, -0x40);
	EXPECT_EQ(m->actions.dump_length, 256);
	EXPECT_EQ(m->actions.dump_max_files, POLICY_DUMP_FILES_DEFAULT);
	EXPECT_STREQ(m->actions.dump_file, "/tmp/x-{domid}-{rule}-{seq}.bin");
	EXPECT_STREQ(m->actions.hook_argv[0], "/bin/sh");
	EXPECT_STREQ(m->actions.hook_argv[1], "-c");
	EXPECT_STREQ(m->actions.hook_argv[2], "logger -t xenintro");
	EXPECT_EQ(m->actions.hook_argv[3] == NULL, 1);
	EXPECT_EQ(m->actions.hook_timeout_s, 5);
	EXPECT_EQ(m->actions.hook_max_running, 2);
	/* the kernel rule is the one it was: when: is the agent's */
	EXPECT_EQ(p.rules[0].rule.flags, XENINTRO_RULE_NOTIFY);
	EXPECT_EQ(p.rules[0].rule.u.ctrlreg.set_mask, 0);
	EXPECT_EQ(p.rules[0].rule.u.ctrlreg.clear_mask, 0);

	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_CTRLREG;
	ev.u.ctrlreg.index = XENINTRO_CR4;
	ev.u.ctrlreg.new_value = 1ULL << 5;	/* PAE, no SMEP */
	ev.regs.cr3 = 0x1000;
	ev.regs.ss.ar = 0xc93;			/* DPL 0 */
	EXPECT_EQ(policy_event_cpl(&ev), 0);
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 1);
	ev.regs.ss.ar = 0xcf3;			/* DPL 3 */
	EXPECT_EQ(policy_event_cpl(&ev), 3);
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 1);
	ev.regs.ss.ar = 0xcb3;			/* DPL 1 */
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);
	ev.regs.ss.ar = 0xc93;
	ev.regs.cr3 = 0x9fff;
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 1);
	ev.regs.cr3 = 0xa000;
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);
	ev.regs.cr3 = 0x8000;
	ev.u.ctrlreg.new_value |= 1ULL << 20;	/* SMEP on: not cleared */
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);
	ev.u.ctrlreg.new_value = 0;		/* PAE off: not set */
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);

	m = policy_rule_meta(&p, 1);
	EXPECT_STREQ(m->actions.hook_argv[0], "/bin/cat");
	EXPECT_STREQ(m->actions.hook_argv[1], "-");
	EXPECT_EQ(m->actions.pause_s, 0);
	EXPECT_EQ(m->actions.hook_timeout_s, POLICY_HOOK_TIMEOUT_DEFAULT);
	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_MSR;
	ev.flags = XENINTRO_EF_SYNC;
	ev.rule = 1;
	ev.u.msr.msr = 0xc0000082;
	ev.u.msr.new_value = 0xffffffff81000000ULL;
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 1);
	ev.u.msr.new_value = 0xffffffff82000000ULL;
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);
	/* decisions: cpl 3 denies, cr3 0x5000 denies, else the default */
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_CONTINUE);
	ev.regs.ss.ar = 0xcf3;
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_DENY);
	ev.regs.ss.ar = 0;
	ev.regs.cr3 = 0x5000;
	EXPECT_EQ(decide(&p, &ev, NULL).verdict, XENINTRO_VERDICT_DENY);
	policy_free(&p);
}

/*
 * examples/respond-to-tamper.yaml: the shipped example of when: and
 * actions:. Its dump directory (/var/lib/xenintro/web1) must exist at
 * load, so it is read with that directory swapped for a fresh one.
 */
static void check_example_respond_to_tamper(void)
{
	static const char dir[] = "/var/lib/xenintro/web1/";
	char tmp[] = "/tmp/xi-tamper-XXXXXX", buf[8192], doc[8192], want[96];
	const struct policy_rule_meta *m;
	char *path = example_path("respond-to-tamper.yaml"), *at, *src;
	struct xenintro_event ev;
	struct policy p;
	struct diag d;
	size_t n, o;
	FILE *f;

	f = fopen(path, "r");
	free(path);
	EXPECT_EQ(f != NULL, 1);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	EXPECT_EQ(mkdtemp(tmp) != NULL, 1);
	/* every mention, comments too: the file: line is the one that counts */
	for (src = buf, o = 0; (at = strstr(src, dir)); src = at + strlen(dir))
		o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%.*s%s/",
				      (int)(at - src), src, tmp);
	snprintf(doc + o, sizeof(doc) - o, "%s", src);
	EXPECT_EQ(src != buf, 1);
	if (policy_load_buffer("respond-to-tamper.yaml", doc, strlen(doc), &p,
			       &d)) {
		fail(__FILE__, __LINE__, "%s", d.msg);
		rmdir(tmp);
		return;
	}
	EXPECT_EQ(p.nr_rules, 2);
	EXPECT_EQ(p.rules[0].rule.action, XENINTRO_VERDICT_DENY);
	EXPECT_EQ(p.rules[0].rule.flags, XENINTRO_RULE_NOTIFY);
	EXPECT_EQ(p.rules[0].rule.u.ctrlreg.clear_mask,
		  (1ULL << 20) | (1ULL << 21));		/* SMEP|SMAP */
	m = policy_rule_meta(&p, 0);
	EXPECT_EQ(m->has_when, 1);
	EXPECT_EQ(m->when.cpls, 0x1);
	EXPECT_EQ(m->has_actions, 1);
	EXPECT_EQ(m->actions.pause, 1);
	EXPECT_EQ(m->actions.pause_s, 300);
	EXPECT_EQ(m->actions.dump_at, MEM_AT_RIP);
	EXPECT_EQ(m->actions.dump_offset, -0x800);
	EXPECT_EQ(m->actions.dump_length, 4096);
	EXPECT_EQ(m->actions.dump_max_files, 20);
	snprintf(want, sizeof(want), "%s/{rule}-{seq}.bin", tmp);
	EXPECT_STREQ(m->actions.dump_file, want);
	EXPECT_STREQ(m->actions.hook_argv[0], "/bin/sh");
	EXPECT_STREQ(m->actions.hook_argv[2],
		     "logger -t xenintro-tamper -p auth.crit");
	EXPECT_EQ(m->actions.hook_max_running, 2);
	/* kernel mode only: a CPL 3 copy would run no action */
	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_CTRLREG;
	ev.u.ctrlreg.index = XENINTRO_CR4;
	ev.regs.ss.ar = 0xc93;			/* DPL 0 */
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 1);
	ev.regs.ss.ar = 0xcf3;			/* DPL 3 */
	EXPECT_EQ(policy_when_holds(&m->when, &ev), 0);
	policy_free(&p);
	EXPECT_EQ(rmdir(tmp), 0);
}

/*
 * Agents under --watch may share one log.file: each record is one
 * write(2) to the O_APPEND file, so records of any length never
 * interleave (stdio would split one longer than its buffer).
 */
static void check_shared_log_file(void)
{
	enum { WRITERS = 3, RECORDS = 40, BIG = 20000 };
	char path[] = "/tmp/xi-shared-log-XXXXXX", *big, *line = NULL;
	size_t cap = 0, lines = 0, whole = 0;
	ssize_t n;
	int fd, w, status;
	pid_t pid[WRITERS];
	FILE *in;

	fd = mkstemp(path);
	EXPECT_EQ(fd >= 0, 1);
	if (fd < 0)
		return;
	close(fd);
	big = malloc(BIG + 1);
	for (w = 0; w < WRITERS; w++) {
		pid[w] = fork();
		if (pid[w] == 0) {
			struct event_log l;
			int i;

			if (event_log_open(&l, path, LOG_JSON))
				_exit(1);
			memset(big, 'a' + w, BIG);
			big[BIG] = '\0';
			for (i = 0; i < RECORDS; i++)
				event_log_record(&l, "test",
						 json_pack("{s:s}", "fill", big));
			event_log_close(&l);
			_exit(0);
		}
	}
	for (w = 0; w < WRITERS; w++) {
		EXPECT_EQ(waitpid(pid[w], &status, 0), pid[w]);
		EXPECT_EQ(WIFEXITED(status) && !WEXITSTATUS(status), 1);
	}
	in = fopen(path, "r");
	while (in && (n = getline(&line, &cap, in)) > 0) {
		const char *fill = strstr(line, "\"fill\":\"");
		size_t run;

		lines++;
		if (!fill)
			continue;
		fill += 8;
		/* one writer's letter, BIG of it, then the end of the record */
		run = strspn(fill, (char[]){ fill[0], '\0' });
		whole += run == BIG && fill[run] == '"';
	}
	if (in)
		fclose(in);
	EXPECT_EQ(lines, WRITERS * RECORDS);
	EXPECT_EQ(whole, WRITERS * RECORDS);
	free(line);
	free(big);
	unlink(path);
}

/* d.msg holds @want; else the test fails with both. */
static void expect_msg(const struct diag *d, const char *want, int line)
{
	if (!strstr(d->msg, want))
		fail(__FILE__, line, "\"%s\" not in \"%s\"", want, d->msg);
}

/*
 * Only the owner may be able to change a policy or its includes (it runs
 * hooks as the agent): group- or world-writable files, and files of
 * another user, are refused with the reason.
 */
static void check_file_trust(void)
{
	char dir[] = "/tmp/xi-trust-XXXXXX", main_path[256], inc[256];
	struct policy p;
	struct diag d;

	if (!mkdtemp(dir)) {
		fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
		return;
	}
	write_file(dir, "main.yaml",
		   "guest: 5\n"
		   "include: [inc.yaml]\n"
		   "monitors: {cpuid: true}\n");
	write_file(dir, "inc.yaml",
		   "rules:\n"
		   "  - {name: leaf, event: cpuid, leaf: 1, action: continue, notify: true}\n");
	snprintf(main_path, sizeof(main_path), "%s/main.yaml", dir);
	snprintf(inc, sizeof(inc), "%s/inc.yaml", dir);
	if (policy_load(main_path, &p, &d))
		fail(__FILE__, __LINE__, "%s", d.msg);
	else
		policy_free(&p);

	chmod(inc, 0664);
	EXPECT_EQ(policy_load(main_path, &p, &d), -1);
	expect_msg(&d, "main.yaml:2:11: include[0]: ", __LINE__);
	expect_msg(&d, "inc.yaml: writable by its group (mode 0664): a policy runs as the agent; chmod go-w it",
		   __LINE__);
	chmod(inc, 0644);
	chmod(main_path, 0602);
	EXPECT_EQ(policy_load(main_path, &p, &d), -1);
	expect_msg(&d, "main.yaml: writable by every user (mode 0602)",
		   __LINE__);
	chmod(main_path, 0644);
	if (geteuid() == 0) {
		EXPECT_EQ(chown(inc, 65534, 65534), 0);
		EXPECT_EQ(policy_load(main_path, &p, &d), -1);
		expect_msg(&d, "inc.yaml: owned by uid 65534, neither root nor this user (uid 0)",
			   __LINE__);
	} else {
		printf("# not root: a file of another user not tried\n");
	}
	unlink(inc);
	unlink(main_path);
	rmdir(dir);
}

int main(void)
{
	size_t i, n = 0, total = ARRAY_SIZE(examples) + ARRAY_SIZE(bad) + 21;
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fill_filters();
	printf("TAP version 13\n1..%zu\n", total);
#define RUN(name, call)							\
	do {								\
		test_failed = 0;					\
		call;							\
		failed += test_failed;					\
		printf("%sok %zu - %s\n", test_failed ? "not " : "", ++n, \
		       name);						\
	} while (0)
	for (i = 0; i < ARRAY_SIZE(examples); i++) {
		char name[96];

		snprintf(name, sizeof(name), "policy example %s",
			 examples[i].file);
		RUN(name, check_example(&examples[i]));
	}
	if (chdir(XI_SRCDIR "/common/tests/bad")) {
		perror("chdir");
		return 1;
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char name[96];

		snprintf(name, sizeof(name), "policy error %s", bad[i].file);
		RUN(name, check_bad(bad[i].file, bad[i].msg));
	}
	RUN("vCPU lists up to 127", check_vcpu_masks());
	RUN("log.memory captures", check_memory_captures());
	RUN("huge policy refused", check_huge_policy());
	RUN("decisions for forwarded events", check_decisions());
	RUN("kernel symbols in policies", check_symbols());
	RUN("rules, decisions and log filters that can never apply", check_reachable());
	RUN("guests: names with a leading digit, domids 1..32751", check_guests());
	RUN("every error of a policy, in file order, at most 20", check_all_errors());
	RUN("at most 1024 page ranges and monitors, lists grown by doubling", check_list_bounds());
	RUN("event JSON record", check_event_json());
	RUN("text log: values quoted and escaped, lines read back as logfmt", check_text_log());
	RUN("log.file shared by agents: 20 KB records never interleave", check_shared_log_file());
	RUN("rule metadata: parsed, in JSON and text records", check_rule_metadata());
	RUN("enabled: false: checked, counted, not installed", check_enabled());
	RUN("lists and include files", check_lists_includes());
	RUN("policy files only their owner can change", check_file_trust());
	RUN("log.syslog: syslog(3) with the facility, ident, priority by severity", check_syslog());
	RUN("log.syslog under systemd: journald native fields", check_journald());
	RUN("ISO 8601 timestamps", check_iso_time());
	RUN("rules' when: and actions:, decisions on cpl and cr3", check_when_actions());
	RUN("policy example respond-to-tamper.yaml (when: and actions:)", check_example_respond_to_tamper());
	return failed ? 1 : 0;
}
