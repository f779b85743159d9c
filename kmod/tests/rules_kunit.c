// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: rule tables. Matching as parameter tables (ranges and their
 * edges, access and CR-bit masks, vCPU masks, priorities, both breakpoint
 * keys), refusal of bad tables with the right errno and index, hit
 * counting, the CPUID answer, and a table replaced while another thread
 * keeps matching against it.
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/spinlock.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "../xenintro.h"

#define NONE		XENINTRO_NO_RULE
#define CR0_WP		BIT_ULL(16)
#define CR4_SMEP	BIT_ULL(20)
#define CR4_SMAP	BIT_ULL(21)
#define LSTAR_MSR	0xc0000082ULL
#define KTEXT		0xffffffff81000000ULL
#define GLA_LO		0xffff888000000000ULL
#define GLA_HI		0xffff8880000fffffULL
#define R		XENINTRO_ACCESS_R
#define W		XENINTRO_ACCESS_W
#define X		XENINTRO_ACCESS_X

/* One table exercising every key space and filter; see match_cases. */
static const struct xenintro_rule policy[] = {
	/* 0: write-protect frames 0x100..0x1ff */
	{ .event = XENINTRO_EVENT_MEM_ACCESS, .action = XENINTRO_VERDICT_DENY,
	  .first = 0x100, .last = 0x1ff, .u.mem_access.access = W },
	/* 1: one frame inside it wins by priority */
	{ .event = XENINTRO_EVENT_MEM_ACCESS,
	  .action = XENINTRO_VERDICT_EMULATE, .priority = 5,
	  .first = 0x180, .last = 0x180, .u.mem_access.access = W },
	/* 2: same frames, execute: disjoint access, so not ambiguous */
	{ .event = XENINTRO_EVENT_MEM_ACCESS,
	  .action = XENINTRO_VERDICT_FORWARD,
	  .first = 0x100, .last = 0x1ff, .u.mem_access.access = X },
	/* 3: log-only on frames 0x300..0x3ff within a linear range */
	{ .event = XENINTRO_EVENT_MEM_ACCESS,
	  .action = XENINTRO_VERDICT_EMULATE,
	  .flags = XENINTRO_RULE_NOTIFY | XENINTRO_RULE_GLA,
	  .first = 0x300, .last = 0x3ff,
	  .u.mem_access = { .gla_first = GLA_LO, .gla_last = GLA_HI } },
	/* 4: CR0.WP cleared */
	{ .event = XENINTRO_EVENT_CTRLREG, .action = XENINTRO_VERDICT_DENY,
	  .first = XENINTRO_CR0, .last = XENINTRO_CR0,
	  .u.ctrlreg.clear_mask = CR0_WP },
	/* 5: CR4.SMEP or SMAP cleared */
	{ .event = XENINTRO_EVENT_CTRLREG, .action = XENINTRO_VERDICT_DENY,
	  .first = XENINTRO_CR4, .last = XENINTRO_CR4,
	  .u.ctrlreg.clear_mask = CR4_SMEP | CR4_SMAP },
	/* 6: every CR3 write, log-only */
	{ .event = XENINTRO_EVENT_CTRLREG,
	  .action = XENINTRO_VERDICT_CONTINUE, .flags = XENINTRO_RULE_NOTIFY,
	  .first = XENINTRO_CR3, .last = XENINTRO_CR3 },
	/* 7: SYSENTER_CS/ESP/EIP */
	{ .event = XENINTRO_EVENT_MSR, .action = XENINTRO_VERDICT_DENY,
	  .first = 0x174, .last = 0x176 },
	/* 8: LSTAR, vCPU 0 only */
	{ .event = XENINTRO_EVENT_MSR, .action = XENINTRO_VERDICT_DENY,
	  .first = LSTAR_MSR, .last = LSTAR_MSR, .vcpu_mask = BIT_ULL(0) },
	/* 9: every subleaf of the hypervisor leaf */
	{ .event = XENINTRO_EVENT_CPUID,
	  .action = XENINTRO_VERDICT_SET_REGISTERS,
	  .first = XENINTRO_CPUID_KEY(0x40000000, 0),
	  .last = XENINTRO_CPUID_KEY(0x40000000, 0xffffffff),
	  .u.cpuid = { 0x40000001, 0x1234, 0x5678, 0x9abc } },
	/* 10: every INT3 is re-injected ... */
	{ .event = XENINTRO_EVENT_BREAKPOINT,
	  .action = XENINTRO_VERDICT_REINJECT, .first = 0, .last = U64_MAX },
	/* 11: ... except the agent's breakpoint by RIP ... */
	{ .event = XENINTRO_EVENT_BREAKPOINT,
	  .action = XENINTRO_VERDICT_FORWARD, .priority = 10,
	  .first = KTEXT, .last = KTEXT },
	/* 12: ... and its breakpoint page */
	{ .event = XENINTRO_EVENT_BREAKPOINT,
	  .action = XENINTRO_VERDICT_FORWARD, .priority = 5,
	  .flags = XENINTRO_RULE_KEY_GFN, .first = 0x500, .last = 0x500 },
	/* 13: leaf 1 on vCPU 1 only */
	{ .event = XENINTRO_EVENT_CPUID, .action = XENINTRO_VERDICT_CONTINUE,
	  .first = XENINTRO_CPUID_KEY(1, 0), .last = XENINTRO_CPUID_KEY(1, 0),
	  .vcpu_mask = BIT_ULL(1) },
	/* 14: guest requests from anywhere */
	{ .event = XENINTRO_EVENT_GUEST_REQUEST,
	  .action = XENINTRO_VERDICT_FORWARD, .first = 0, .last = U64_MAX },
	/* 15: TSC_AUX on vCPU 65 only (the mask's high word) */
	{ .event = XENINTRO_EVENT_MSR, .action = XENINTRO_VERDICT_DENY,
	  .first = 0xc0000103, .last = 0xc0000103,
	  .vcpu_mask_hi = BIT_ULL(1) },
};

struct match_case {
	const char *name;
	u32 reason;
	u32 vcpu;
	u64 key;	/* gfn, CR index, MSR, CPUID leaf<<32|subleaf */
	u32 access;
	u64 gla;	/* MEM_ACCESS: valid when nonzero */
	u64 old_value, new_value;
	u64 rip;
	u64 gfn;	/* BREAKPOINT */
	u32 expect;	/* index into policy[] or NONE */
};

static const struct match_case match_cases[] = {
	{ "frame below range", XENINTRO_EVENT_MEM_ACCESS, 0, 0xff, W, .expect = NONE },
	{ "first frame", XENINTRO_EVENT_MEM_ACCESS, 0, 0x100, W, .expect = 0 },
	{ "last frame", XENINTRO_EVENT_MEM_ACCESS, 0, 0x1ff, W, .expect = 0 },
	{ "frame above range", XENINTRO_EVENT_MEM_ACCESS, 0, 0x200, W, .expect = NONE },
	{ "higher priority inside", XENINTRO_EVENT_MEM_ACCESS, 0, 0x180, W, .expect = 1 },
	{ "execute on protected frame", XENINTRO_EVENT_MEM_ACCESS, 0, 0x180, X, .expect = 2 },
	{ "read passes the write rule", XENINTRO_EVENT_MEM_ACCESS, 0, 0x150, R, .expect = NONE },
	{ "read-modify-write hits it", XENINTRO_EVENT_MEM_ACCESS, 0, 0x150, R | W, .expect = 0 },
	{ "gla inside", XENINTRO_EVENT_MEM_ACCESS, 0, 0x300, R, GLA_LO + 8, .expect = 3 },
	{ "gla last byte", XENINTRO_EVENT_MEM_ACCESS, 0, 0x3ff, R, GLA_HI, .expect = 3 },
	{ "gla outside", XENINTRO_EVENT_MEM_ACCESS, 0, 0x300, R, GLA_HI + 1, .expect = NONE },
	{ "gla not valid", XENINTRO_EVENT_MEM_ACCESS, 0, 0x300, R, 0, .expect = NONE },
	{ "cr0.wp cleared", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_CR0, 0, 0,
	  0x80050033, 0x80040033, .expect = 4 },
	{ "cr0.wp set", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_CR0, 0, 0,
	  0x80040033, 0x80050033, .expect = NONE },
	{ "cr0.ts only", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_CR0, 0, 0,
	  0x80050033, 0x8005003b, .expect = NONE },
	{ "cr4.smap cleared", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_CR4, 0, 0,
	  0x3706f0, 0x1706f0, .expect = 5 },
	{ "cr4.smep set", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_CR4, 0, 0,
	  0x0606f0, 0x1606f0, .expect = NONE },
	{ "cr3 any write", XENINTRO_EVENT_CTRLREG, 1, XENINTRO_CR3, 0, 0,
	  0x1000, 0x2000, .expect = 6 },
	{ "cr3 from vcpu 100", XENINTRO_EVENT_CTRLREG, 100, XENINTRO_CR3, 0, 0,
	  0x1000, 0x2000, .expect = 6 },
	{ "xcr0 no rule", XENINTRO_EVENT_CTRLREG, 0, XENINTRO_XCR0, .expect = NONE },
	{ "msr below", XENINTRO_EVENT_MSR, 0, 0x173, .expect = NONE },
	{ "sysenter_cs", XENINTRO_EVENT_MSR, 0, 0x174, .expect = 7 },
	{ "sysenter_eip", XENINTRO_EVENT_MSR, 0, 0x176, .expect = 7 },
	{ "msr above", XENINTRO_EVENT_MSR, 0, 0x177, .expect = NONE },
	{ "lstar vcpu 0", XENINTRO_EVENT_MSR, 0, LSTAR_MSR, .expect = 8 },
	{ "lstar vcpu 1", XENINTRO_EVENT_MSR, 1, LSTAR_MSR, .expect = NONE },
	{ "lstar vcpu 64", XENINTRO_EVENT_MSR, 64, LSTAR_MSR, .expect = NONE },
	{ "tsc_aux vcpu 65", XENINTRO_EVENT_MSR, 65, 0xc0000103, .expect = 15 },
	{ "tsc_aux vcpu 64", XENINTRO_EVENT_MSR, 64, 0xc0000103, .expect = NONE },
	{ "tsc_aux vcpu 1", XENINTRO_EVENT_MSR, 1, 0xc0000103, .expect = NONE },
	{ "tsc_aux vcpu 129", XENINTRO_EVENT_MSR, 129, 0xc0000103, .expect = NONE },
	{ "hv leaf", XENINTRO_EVENT_CPUID, 0, XENINTRO_CPUID_KEY(0x40000000, 0), .expect = 9 },
	{ "hv leaf last subleaf", XENINTRO_EVENT_CPUID, 0,
	  XENINTRO_CPUID_KEY(0x40000000, 0xffffffff), .expect = 9 },
	{ "leaf after", XENINTRO_EVENT_CPUID, 0,
	  XENINTRO_CPUID_KEY(0x40000001, 0), .expect = NONE },
	{ "leaf before", XENINTRO_EVENT_CPUID, 0,
	  XENINTRO_CPUID_KEY(0x3fffffff, 0xffffffff), .expect = NONE },
	{ "leaf 1 vcpu 1", XENINTRO_EVENT_CPUID, 1, XENINTRO_CPUID_KEY(1, 0), .expect = 13 },
	{ "leaf 1 vcpu 0", XENINTRO_EVENT_CPUID, 0, XENINTRO_CPUID_KEY(1, 0), .expect = NONE },
	{ "int3 on agent's rip", XENINTRO_EVENT_BREAKPOINT, 0, .rip = KTEXT,
	  .gfn = 0x500, .expect = 11 },
	{ "int3 on agent's page", XENINTRO_EVENT_BREAKPOINT, 0, .rip = 0x1234,
	  .gfn = 0x500, .expect = 12 },
	{ "int3 elsewhere", XENINTRO_EVENT_BREAKPOINT, 0, .rip = KTEXT + 1,
	  .gfn = 0x501, .expect = 10 },
	{ "guest request", XENINTRO_EVENT_GUEST_REQUEST, 3, .rip = 42, .expect = 14 },
	{ "no rule for desc", XENINTRO_EVENT_DESC_ACCESS, 0, .rip = 42, .expect = NONE },
};

static void match_case_desc(const struct match_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(match, match_cases, match_case_desc);

static void match_case_event(const struct match_case *c,
			     struct xenintro_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->reason = c->reason;
	ev->vcpu = c->vcpu;
	ev->regs.rip = c->rip;
	switch (c->reason) {
	case XENINTRO_EVENT_MEM_ACCESS:
		ev->u.mem_access.gfn = c->key;
		ev->u.mem_access.access = c->access;
		ev->u.mem_access.gla = c->gla;
		if (c->gla)
			ev->u.mem_access.flags = XENINTRO_MA_GLA_VALID;
		break;
	case XENINTRO_EVENT_CTRLREG:
		ev->u.ctrlreg.index = c->key;
		ev->u.ctrlreg.old_value = c->old_value;
		ev->u.ctrlreg.new_value = c->new_value;
		break;
	case XENINTRO_EVENT_MSR:
		ev->u.msr.msr = c->key;
		break;
	case XENINTRO_EVENT_CPUID:
		ev->u.cpuid.leaf = c->key >> 32;
		ev->u.cpuid.subleaf = (u32)c->key;
		break;
	case XENINTRO_EVENT_BREAKPOINT:
		ev->u.debug.gfn = c->gfn;
		break;
	}
}

static struct xenintro_rule_table *build_ok(struct kunit *test,
					    const struct xenintro_rule *rules,
					    u32 nr)
{
	struct xenintro_rule_table *t;
	u32 bad;

	t = xenintro_rules_build(rules, nr, 1, &bad);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "build failed: %ld at %u",
			       PTR_ERR(t), bad);
	KUNIT_EXPECT_EQ(test, bad, NONE);
	return t;
}

/* The winner must not depend on the order the rules were given in. */
static void rules_match_test(struct kunit *test)
{
	const struct match_case *c = test->param_value;
	const u32 nr = ARRAY_SIZE(policy);
	struct xenintro_rule *reversed;
	struct xenintro_rule_table *t;
	const struct xenintro_rule *rule;
	struct xenintro_event ev;
	u32 i, idx;

	match_case_event(c, &ev);

	t = build_ok(test, policy, nr);
	idx = xenintro_rules_match(t, &ev, &rule);
	KUNIT_EXPECT_EQ(test, idx, c->expect);
	if (c->expect == NONE)
		KUNIT_EXPECT_NULL(test, rule);
	else
		KUNIT_EXPECT_NOT_NULL(test, rule);
	if (rule && idx < nr)
		KUNIT_EXPECT_EQ(test, memcmp(rule, &policy[idx], sizeof(*rule)),
				0);
	xenintro_rules_free(t);

	reversed = kunit_kmalloc_array(test, nr, sizeof(*reversed), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, reversed);
	for (i = 0; i < nr; i++)
		reversed[i] = policy[nr - 1 - i];
	t = build_ok(test, reversed, nr);
	idx = xenintro_rules_match(t, &ev, &rule);
	KUNIT_EXPECT_EQ(test, idx, c->expect == NONE ? NONE : nr - 1 - c->expect);
	xenintro_rules_free(t);
}

/* Every match counts one hit for its rule and nothing for the others. */
static void rules_hits_test(struct kunit *test)
{
	const u32 nr = ARRAY_SIZE(policy);
	u64 expect[ARRAY_SIZE(policy)] = { };
	struct xenintro_rule_table *t = build_ok(test, policy, nr);
	const struct xenintro_rule *rule;
	struct xenintro_event ev;
	unsigned int round, i;
	u32 idx;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < ARRAY_SIZE(match_cases); i++) {
			match_case_event(&match_cases[i], &ev);
			idx = xenintro_rules_match(t, &ev, &rule);
			if (idx != NONE)
				expect[idx]++;
		}
	}
	KUNIT_EXPECT_EQ(test, xenintro_rules_count(t), nr);
	for (i = 0; i < nr; i++)
		KUNIT_EXPECT_EQ_MSG(test, xenintro_rules_hits(t, i), expect[i],
				    "rule %u", i);
	KUNIT_EXPECT_EQ(test, xenintro_rules_hits(t, 4), 3ULL);
	xenintro_rules_free(t);
}

static void rules_no_table_test(struct kunit *test)
{
	const struct xenintro_rule *rule = (void *)1;
	struct xenintro_event ev = { .reason = XENINTRO_EVENT_CPUID };

	KUNIT_EXPECT_EQ(test, xenintro_rules_match(NULL, &ev, &rule), NONE);
	KUNIT_EXPECT_NULL(test, rule);
	KUNIT_EXPECT_EQ(test, xenintro_rules_count(NULL), 0U);
}

/* ---- refusals ---- */

#define RULE(ev, act, ...) \
	{ .event = (ev), .action = (act), __VA_ARGS__ }
#define CPUID_ANY	RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE, \
			     .last = U64_MAX)

struct refuse_case {
	const char *name;
	struct xenintro_rule rules[2];
	u32 nr;
	int err;	/* 0: accepted */
	u32 index;	/* error_index expected */
};

static const struct refuse_case refuse_cases[] = {
	{ "unknown event", { RULE(2, XENINTRO_VERDICT_CONTINUE) }, 1, -EINVAL, 0 },
	{ "interrupt event", { RULE(XENINTRO_EVENT_INTERRUPT,
				    XENINTRO_VERDICT_CONTINUE) }, 1, -EINVAL, 0 },
	{ "unknown action", { RULE(XENINTRO_EVENT_CPUID, 99) }, 1, -EINVAL, 0 },
	{ "unknown flag", { RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE,
				 .flags = BIT(3)) }, 1, -EINVAL, 0 },
	{ "key_gfn on msr", { RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_CONTINUE,
				   .flags = XENINTRO_RULE_KEY_GFN, .last = 1) },
	  1, -EINVAL, 0 },
	{ "gla on cpuid", { RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE,
				 .flags = XENINTRO_RULE_GLA) }, 1, -EINVAL, 0 },
	{ "reserved set", { RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE,
				 .reserved[1] = 1) }, 1, -EINVAL, 0 },
	{ "first after last", { { .event = XENINTRO_EVENT_CPUID, .first = 2,
				  .last = 1 } }, 1, -EINVAL, 0 },
	{ "continue on a page", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				       XENINTRO_VERDICT_CONTINUE, .last = 1) },
	  1, -EINVAL, 0 },
	{ "emulate on a page", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				      XENINTRO_VERDICT_EMULATE, .last = 1) },
	  1, 0 },
	{ "cr index 4", { RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_DENY,
			       .first = 4, .last = 4) }, 1, -EINVAL, 0 },
	{ "msr above 32 bits", { RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_DENY,
				      .last = U64_MAX) },
	  1, -EINVAL, 0 },
	{ "deny cpuid", { RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_DENY) },
	  1, -EINVAL, 0 },
	{ "set_registers on msr", { RULE(XENINTRO_EVENT_MSR,
					 XENINTRO_VERDICT_SET_REGISTERS,
					 .last = 0x10) }, 1, -EINVAL, 0 },
	{ "emulate cr", { RULE(XENINTRO_EVENT_CTRLREG, XENINTRO_VERDICT_EMULATE,
			       .last = 0) }, 1, -EINVAL, 0 },
	{ "emulate_read_data", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				      XENINTRO_VERDICT_EMULATE_READ_DATA) },
	  1, -EINVAL, 0 },
	{ "reinject cpuid", { RULE(XENINTRO_EVENT_CPUID,
				   XENINTRO_VERDICT_REINJECT) }, 1, -EINVAL, 0 },
	{ "notify with forward", { RULE(XENINTRO_EVENT_CPUID,
					XENINTRO_VERDICT_FORWARD,
					.flags = XENINTRO_RULE_NOTIFY) },
	  1, -EINVAL, 0 },
	{ "cpuid answer without set_registers",
	  { RULE(XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE,
		 .u.cpuid.eax = 1) }, 1, -EINVAL, 0 },
	{ "unused union word", { RULE(XENINTRO_EVENT_CTRLREG,
				      XENINTRO_VERDICT_DENY, .last = 0,
				      .u.raw[2] = 1) }, 1, -EINVAL, 0 },
	{ "gla without flag", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				     XENINTRO_VERDICT_DENY,
				     .u.mem_access.gla_last = 1) },
	  1, -EINVAL, 0 },
	{ "gla range reversed", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				       XENINTRO_VERDICT_DENY,
				       .flags = XENINTRO_RULE_GLA,
				       .u.mem_access = { 2, 1 }) },
	  1, -EINVAL, 0 },
	{ "unknown access bit", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				       XENINTRO_VERDICT_DENY,
				       .u.mem_access.access = 8) },
	  1, -EINVAL, 0 },
	{ "second rule bad", { CPUID_ANY, RULE(XENINTRO_EVENT_MSR,
					       XENINTRO_VERDICT_EMULATE,
					       .last = 1) }, 2, -EINVAL, 1 },
	{ "equal priority overlap", { CPUID_ANY,
				      RULE(XENINTRO_EVENT_CPUID,
					   XENINTRO_VERDICT_FORWARD,
					   .first = 5, .last = 5) },
	  2, -EEXIST, 1 },
	{ "different priority overlap", { CPUID_ANY,
					  RULE(XENINTRO_EVENT_CPUID,
					       XENINTRO_VERDICT_FORWARD,
					       .first = 5, .last = 5,
					       .priority = 1) }, 2, 0 },
	{ "disjoint keys", { RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_DENY,
				  .first = 1, .last = 2),
			     RULE(XENINTRO_EVENT_MSR, XENINTRO_VERDICT_DENY,
				  .first = 3, .last = 3) }, 2, 0 },
	{ "adjacent edge overlap", { RULE(XENINTRO_EVENT_MSR,
					  XENINTRO_VERDICT_DENY,
					  .first = 1, .last = 3),
				     RULE(XENINTRO_EVENT_MSR,
					  XENINTRO_VERDICT_DENY,
					  .first = 3, .last = 3) },
	  2, -EEXIST, 1 },
	{ "same key other event", { CPUID_ANY,
				    RULE(XENINTRO_EVENT_GUEST_REQUEST,
					 XENINTRO_VERDICT_FORWARD) }, 2, 0 },
	{ "disjoint vcpu masks", { RULE(XENINTRO_EVENT_CPUID,
					XENINTRO_VERDICT_CONTINUE,
					.vcpu_mask = 1),
				   RULE(XENINTRO_EVENT_CPUID,
					XENINTRO_VERDICT_FORWARD,
					.vcpu_mask = 2) }, 2, 0 },
	{ "disjoint high vcpu masks", { RULE(XENINTRO_EVENT_CPUID,
					     XENINTRO_VERDICT_CONTINUE,
					     .vcpu_mask_hi = 1),
					RULE(XENINTRO_EVENT_CPUID,
					     XENINTRO_VERDICT_FORWARD,
					     .vcpu_mask_hi = 2) }, 2, 0 },
	{ "low and high vcpus apart", { RULE(XENINTRO_EVENT_CPUID,
					     XENINTRO_VERDICT_CONTINUE,
					     .vcpu_mask = 1),
					RULE(XENINTRO_EVENT_CPUID,
					     XENINTRO_VERDICT_FORWARD,
					     .vcpu_mask_hi = 1) }, 2, 0 },
	{ "high vcpu masks meet", { RULE(XENINTRO_EVENT_CPUID,
					 XENINTRO_VERDICT_CONTINUE,
					 .vcpu_mask_hi = 3),
				    RULE(XENINTRO_EVENT_CPUID,
					 XENINTRO_VERDICT_FORWARD,
					 .vcpu_mask = 1, .vcpu_mask_hi = 2) },
	  2, -EEXIST, 1 },
	{ "vcpu mask meets all", { RULE(XENINTRO_EVENT_CPUID,
					XENINTRO_VERDICT_CONTINUE,
					.vcpu_mask = 1), CPUID_ANY },
	  2, -EEXIST, 1 },
	{ "disjoint access", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				    XENINTRO_VERDICT_DENY,
				    .u.mem_access.access = W),
			       RULE(XENINTRO_EVENT_MEM_ACCESS,
				    XENINTRO_VERDICT_FORWARD,
				    .u.mem_access.access = R | X) }, 2, 0 },
	{ "any access meets w", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				       XENINTRO_VERDICT_DENY,
				       .u.mem_access.access = W),
				  RULE(XENINTRO_EVENT_MEM_ACCESS,
				       XENINTRO_VERDICT_FORWARD) },
	  2, -EEXIST, 1 },
	{ "disjoint gla", { RULE(XENINTRO_EVENT_MEM_ACCESS,
				 XENINTRO_VERDICT_DENY,
				 .flags = XENINTRO_RULE_GLA,
				 .u.mem_access = { 0, 9 }),
			    RULE(XENINTRO_EVENT_MEM_ACCESS,
				 XENINTRO_VERDICT_DENY,
				 .flags = XENINTRO_RULE_GLA,
				 .u.mem_access = { 10, 19 }) }, 2, 0 },
	{ "rip and frame breakpoints", { RULE(XENINTRO_EVENT_BREAKPOINT,
					      XENINTRO_VERDICT_REINJECT,
					      .first = 7, .last = 7),
					 RULE(XENINTRO_EVENT_BREAKPOINT,
					      XENINTRO_VERDICT_FORWARD,
					      .flags = XENINTRO_RULE_KEY_GFN,
					      .first = 100, .last = 100) },
	  2, -EEXIST, 1 },
};

static void refuse_case_desc(const struct refuse_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refuse, refuse_cases, refuse_case_desc);

static void rules_refuse_test(struct kunit *test)
{
	const struct refuse_case *c = test->param_value;
	struct xenintro_rule_table *t;
	u32 bad;

	t = xenintro_rules_build(c->rules, c->nr, 1, &bad);
	if (!c->err) {
		KUNIT_EXPECT_FALSE_MSG(test, IS_ERR(t), "refused: %ld at %u",
				       PTR_ERR(t), bad);
		KUNIT_EXPECT_EQ(test, bad, NONE);
		if (!IS_ERR(t))
			xenintro_rules_free(t);
		return;
	}
	KUNIT_ASSERT_TRUE(test, IS_ERR(t));
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), (long)c->err);
	KUNIT_EXPECT_EQ(test, bad, c->index);
}

static void rules_too_many_test(struct kunit *test)
{
	struct xenintro_rule *rules;
	struct xenintro_rule_table *t;
	u32 i, bad;

	rules = kunit_kcalloc(test, XENINTRO_RULES_MAX + 1, sizeof(*rules),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rules);
	for (i = 0; i <= XENINTRO_RULES_MAX; i++) {
		rules[i].event = XENINTRO_EVENT_MSR;
		rules[i].action = XENINTRO_VERDICT_DENY;
		rules[i].first = i;
		rules[i].last = i;
	}
	t = xenintro_rules_build(rules, XENINTRO_RULES_MAX + 1, 1, &bad);
	KUNIT_EXPECT_EQ(test, PTR_ERR(t), -E2BIG);
	KUNIT_EXPECT_EQ(test, bad, NONE);

	/* The maximum itself is fine, and every rule is found. */
	t = build_ok(test, rules, XENINTRO_RULES_MAX);
	for (i = 0; i < XENINTRO_RULES_MAX; i += 97) {
		struct xenintro_event ev = { .reason = XENINTRO_EVENT_MSR };
		const struct xenintro_rule *rule;

		ev.u.msr.msr = i;
		KUNIT_EXPECT_EQ(test, xenintro_rules_match(t, &ev, &rule), i);
	}
	xenintro_rules_free(t);
}

/* ---- the CPUID answer ---- */

static void rules_cpuid_answer_test(struct kunit *test)
{
	const struct xenintro_rule *r = &policy[9];
	struct xenintro_verdict *v;
	struct xenintro_event ev = { };

	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	ev.seq = 7;
	ev.vcpu = 2;
	ev.reason = XENINTRO_EVENT_CPUID;
	ev.u.cpuid.leaf = 0x40000000;
	ev.u.cpuid.insn_length = 2;
	ev.regs.rax = ~0ULL;
	ev.regs.rbx = ~0ULL;
	ev.regs.rsp = 0x1000;
	ev.regs.r15 = 15;
	ev.regs.rflags = 0x246;
	ev.regs.rip = 0xffffffff81234567ULL;

	xenintro_rule_cpuid_answer(r, &ev, v);
	KUNIT_EXPECT_EQ(test, v->seq, 7ULL);
	KUNIT_EXPECT_EQ(test, v->vcpu, 2U);
	KUNIT_EXPECT_EQ(test, v->verdict, (u32)XENINTRO_VERDICT_SET_REGISTERS);
	/* CPUID zero-extends: nothing of the old upper halves survives. */
	KUNIT_EXPECT_EQ(test, v->u.regs.rax, 0x40000001ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rbx, 0x1234ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rcx, 0x5678ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rdx, 0x9abcULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rsp, 0x1000ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.r15, 15ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rflags, 0x246ULL);
	KUNIT_EXPECT_EQ(test, v->u.regs.rip, 0xffffffff81234569ULL);
}

/* ---- replacement under concurrent matching ---- */

#define REPLACE_ROUNDS	40

struct replace_ctx {
	spinlock_t lock;	/* as dom->lock: the event path's */
	struct xenintro_rule_table *table;
	atomic_t matches;
	atomic_t torn;		/* rule and table disagree */
	atomic_t backwards;	/* an older table after a newer one */
	atomic_t missed;	/* no rule although every table has one */
	bool stop;
};

/* A table whose only rule answers CPUID with eax = its generation. */
static struct xenintro_rule_table *marker_table(u64 generation)
{
	struct xenintro_rule rule = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_SET_REGISTERS,
		.last = U64_MAX,
		.u.cpuid.eax = generation,
	};
	u32 bad;

	return xenintro_rules_build(&rule, 1, generation, &bad);
}

static int replace_matcher(void *data)
{
	struct replace_ctx *ctx = data;
	struct xenintro_event ev = { .reason = XENINTRO_EVENT_CPUID };
	const struct xenintro_rule *rule;
	struct xenintro_rule_table *t;
	unsigned long flags;
	u64 last_seen = 0, gen;

	while (!READ_ONCE(ctx->stop)) {
		/* As the event path does: the domain's lock, IRQs off. */
		spin_lock_irqsave(&ctx->lock, flags);
		t = ctx->table;
		if (xenintro_rules_match(t, &ev, &rule) == NONE) {
			atomic_inc(&ctx->missed);
		} else {
			gen = xenintro_rules_generation(t);
			if (rule->u.cpuid.eax != gen)
				atomic_inc(&ctx->torn);
			if (gen < last_seen)
				atomic_inc(&ctx->backwards);
			last_seen = gen;
		}
		spin_unlock_irqrestore(&ctx->lock, flags);
		atomic_inc(&ctx->matches);
		cond_resched();
	}
	return 0;
}

static void rules_replace_concurrent_test(struct kunit *test)
{
	struct replace_ctx *ctx;
	struct xenintro_rule_table *t, *old;
	struct task_struct *matcher;
	unsigned long flags;
	u64 gen;
	int seen;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	t = marker_table(1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	spin_lock_init(&ctx->lock);
	ctx->table = t;

	matcher = kthread_run(replace_matcher, ctx, "xi-rules-match");
	KUNIT_ASSERT_FALSE(test, IS_ERR(matcher));
	get_task_struct(matcher);

	for (gen = 2; gen <= REPLACE_ROUNDS; gen++) {
		t = marker_table(gen);
		if (IS_ERR(t)) {
			KUNIT_FAIL(test, "table %llu: %ld", gen, PTR_ERR(t));
			break;
		}
		/* As SET_RULES does: swap under the lock, free at once. */
		spin_lock_irqsave(&ctx->lock, flags);
		old = ctx->table;
		ctx->table = t;
		spin_unlock_irqrestore(&ctx->lock, flags);
		xenintro_rules_free(old);
		/* Let the matcher run on the new table before the next. */
		seen = atomic_read(&ctx->matches);
		while (atomic_read(&ctx->matches) < seen + 5)
			usleep_range(50, 100);
	}

	WRITE_ONCE(ctx->stop, true);
	kthread_stop(matcher);
	put_task_struct(matcher);
	xenintro_rules_free(ctx->table);

	KUNIT_EXPECT_GT(test, atomic_read(&ctx->matches), REPLACE_ROUNDS * 5);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->torn), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->backwards), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->missed), 0);
}

static struct kunit_case rules_cases[] = {
	KUNIT_CASE_PARAM(rules_match_test, match_gen_params),
	KUNIT_CASE(rules_hits_test),
	KUNIT_CASE(rules_no_table_test),
	KUNIT_CASE_PARAM(rules_refuse_test, refuse_gen_params),
	KUNIT_CASE(rules_too_many_test),
	KUNIT_CASE(rules_cpuid_answer_test),
	KUNIT_CASE(rules_replace_concurrent_test),
	{}
};

static struct kunit_suite rules_suite = {
	.name = "xenintro_rules",
	.test_cases = rules_cases,
};

kunit_test_suite(rules_suite);
