// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * apply.c against libxenintro's simulated kernel (lib/tests/fake_kernel.c,
 * linked with --wrap): what a policy turns into at attach, and what a
 * reload changes (monitors, page rights, the rule table), including the
 * roll-back when the kernel refuses the new table. TAP, via the library
 * tests' harness.
 */
#include <stdlib.h>

#include "apply.h"
#include "fake_kernel.h"
#include "harness.h"

static void load(const char *doc, struct policy *p)
{
	struct diag d;

	if (policy_load_buffer("inline.yaml", doc, strlen(doc), p, &d))
		xt_fail(__FILE__, __LINE__, "%s", d.msg);
}

static bool monitored(__u32 event, __u32 index)
{
	unsigned int i;

	for (i = 0; i < fk.nr_monitors; i++)
		if (fk.monitors[i].event == event &&
		    fk.monitors[i].index == index)
			return true;
	return false;
}

static void attach(struct xenintro *x, const struct policy *p)
{
	char why[256];

	if (apply_attach(x, "/dev/null", p, 5, why, sizeof(why)))
		xt_fail(__FILE__, __LINE__, "%s", why);
}

static const char cr_guard[] =
	"guest: 5\n"
	"default_verdict: deny\n"
	"deadline_ms: 250\n"
	"ring_entries: 8\n"
	"monitors:\n"
	"  cr0: {sync: true, deny_capable: true}\n"
	"  cr4: {sync: true, deny_capable: true}\n"
	"access:\n"
	"  - {gfn: {first: 10, last: 19}, rights: rx}\n"
	"rules:\n"
	"  - {event: cr, cr: cr0, cleared: [WP], action: deny, priority: 1}\n"
	"  - {event: cr, cr: {first: cr0, last: cr4}, action: continue}\n";

static const char cpuid[] =
	"guest: 5\n"
	"monitors:\n"
	"  cpuid: true\n"
	"  cr4: {sync: true, deny_capable: true}\n"
	"access:\n"
	"  - {gfn: {first: 15, last: 24}, rights: r}\n"
	"rules:\n"
	"  - {event: cpuid, leaf: 1, answer: {eax: 1}}\n";

XT_TEST(apply_attach_and_first_policy)
{
	struct xenintro x;
	struct policy p;
	char why[256];

	load(cr_guard, &p);
	attach(&x, &p);
	XT_EQ(fk.last_attach.default_verdict, XENINTRO_VERDICT_DENY);
	XT_EQ(fk.last_attach.deadline_ms, 250);
	XT_EQ(fk.last_attach.event_entries, 8);
	XT_EQ(fk.last_attach.verdict_entries, 8);
	XT_ASSERT(xenintro_feature_enabled(&x, XENINTRO_FEATURE_RULES));

	XT_EQ(apply_policy(&x, NULL, &p, why, sizeof(why)), 0);
	XT_EQ(fk.nr_monitors, 2);
	XT_ASSERT(monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0));
	XT_EQ(fk.last_monitor.flags, XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC |
	      XENINTRO_MON_DENY_CAPABLE);
	XT_EQ(fk.rights[9], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.rights[10], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[19], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[20], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.nr_rules, 2);
	XT_EQ(memcmp(&fk.rules[0], &p.rules[0].rule, sizeof(fk.rules[0])), 0);
	XT_EQ(fk.rules[0].u.ctrlreg.clear_mask, 1ULL << 16);
	xenintro_close(&x);
	policy_free(&p);
}

XT_TEST(apply_reload_changes_only_the_difference)
{
	struct policy a, b;
	struct xenintro x;
	char why[256];
	unsigned int monitor_calls;

	load(cr_guard, &a);
	load(cpuid, &b);
	attach(&x, &a);
	XT_EQ(apply_policy(&x, NULL, &a, why, sizeof(why)), 0);
	monitor_calls = fk.calls[_XENINTRO_MONITOR];

	XT_EQ(apply_policy(&x, &a, &b, why, sizeof(why)), 0);
	/* cpuid on, cr0 off, cr4 untouched: two calls */
	XT_EQ(fk.calls[_XENINTRO_MONITOR] - monitor_calls, 2);
	XT_EQ(fk.nr_monitors, 2);
	XT_ASSERT(monitored(XENINTRO_MONITOR_CPUID, 0));
	XT_ASSERT(monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4));
	XT_ASSERT(!monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0));
	/* rights: 10..14 given back, 15..24 read-only */
	XT_EQ(fk.rights[10], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.rights[14], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.rights[15], XENINTRO_ACCESS_R);
	XT_EQ(fk.rights[24], XENINTRO_ACCESS_R);
	XT_EQ(fk.rights[25], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.nr_rules, 1);
	XT_EQ(fk.rules[0].action, XENINTRO_VERDICT_SET_REGISTERS);
	XT_EQ(fk.rules_generation, 2);

	/* and back again */
	XT_EQ(apply_policy(&x, &b, &a, why, sizeof(why)), 0);
	XT_ASSERT(!monitored(XENINTRO_MONITOR_CPUID, 0));
	XT_ASSERT(monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0));
	XT_EQ(fk.rights[10], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[20], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.nr_rules, 2);
	xenintro_close(&x);
	policy_free(&a);
	policy_free(&b);
}

XT_TEST(apply_reload_refused_rolls_back)
{
	struct policy a, b;
	struct xenintro x;
	char why[256];

	load(cr_guard, &a);
	load(cpuid, &b);
	attach(&x, &a);
	XT_EQ(apply_policy(&x, NULL, &a, why, sizeof(why)), 0);

	/* the kernel refuses the new table: everything as before */
	fk.cfg.fail_ioctl[_XENINTRO_SET_RULES] = EINVAL;
	XT_EQ(apply_policy(&x, &a, &b, why, sizeof(why)), -EINVAL);
	XT_STREQ(why, "rules: Invalid argument");
	XT_EQ(fk.nr_monitors, 2);
	XT_ASSERT(monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0));
	XT_ASSERT(monitored(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4));
	XT_ASSERT(!monitored(XENINTRO_MONITOR_CPUID, 0));
	XT_EQ(fk.rights[10], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[19], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[20], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.rights[24], XENINTRO_ACCESS_RWX);
	XT_EQ(fk.nr_rules, 2);
	XT_EQ(fk.rules_generation, 1);
	xenintro_close(&x);
	policy_free(&a);
	policy_free(&b);
}

XT_TEST(apply_attach_refuses_rules_without_the_feature)
{
	struct xenintro x;
	struct policy p;
	char why[256];

	fk.cfg.supported_features = XENINTRO_FEATURE_RINGS;
	load(cr_guard, &p);
	XT_EQ(apply_attach(&x, "/dev/null", &p, 5, why, sizeof(why)),
	      -EOPNOTSUPP);
	XT_STREQ(why, "the policy has rules but this kernel has no rule tables (XENINTRO_FEATURE_RULES)");
	XT_EQ(fk.calls[_XENINTRO_ATTACH], 0);
	policy_free(&p);
}

XT_TEST(apply_attach_errors_say_why)
{
	struct xenintro x;
	struct policy p;
	char why[256];

	load(cpuid, &p);
	XT_EQ(apply_attach(&x, "/nonexistent/xenintro", &p, 5, why,
			   sizeof(why)), -ENOENT);
	XT_STREQ(why, "/nonexistent/xenintro: no such file (is xenintro.ko loaded?)");
	/* a file that does not know the handshake (-d /dev/null) */
	fk.cfg.fail_ioctl[_XENINTRO_API] = ENOTTY;
	XT_EQ(apply_attach(&x, "/dev/null", &p, 5, why, sizeof(why)), -ENOTTY);
	XT_STREQ(why, "/dev/null: not a xenintro device");
	fk.cfg.fail_ioctl[_XENINTRO_API] = 0;
	fk.cfg.fail_ioctl[_XENINTRO_ATTACH] = EBUSY;
	XT_EQ(apply_attach(&x, "/dev/null", &p, 5, why, sizeof(why)), -EBUSY);
	XT_STREQ(why, "cannot attach to domain 5: Device or resource busy (another agent monitors it?)");
	policy_free(&p);
}
