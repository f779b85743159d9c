// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The control ioctl wrappers: what reaches the kernel, and what comes back.
 */
#include "fake_kernel.h"
#include "harness.h"

static void expect_monitor(__u32 event, __u32 index, __u32 flags,
			   __u64 ignore_mask)
{
	XT_EQ(fk.last_monitor.size, sizeof(struct xenintro_monitor));
	XT_EQ(fk.last_monitor.event, event);
	XT_EQ(fk.last_monitor.index, index);
	XT_EQ(fk.last_monitor.flags, flags);
	XT_EQ(fk.last_monitor.ignore_mask, ignore_mask);
	XT_EQ(fk.last_monitor.reserved[0] | fk.last_monitor.reserved[1], 0);
}

XT_TEST(monitor_passes_arguments)
{
	struct xenintro x;

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
			       XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC,
			       0x1000), 0);
	expect_monitor(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
		       XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC, 0x1000);
	/* enabling twice: the kernel's -EEXIST comes back as is */
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3,
			       XENINTRO_MON_ENABLE, 0), -EEXIST);
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, 0,
			       0), 0);
	expect_monitor(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, 0, 0);
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, 0,
			       0), -EEXIST);
	/* flags the kernel does not know are the kernel's to refuse */
	XT_EQ(xenintro_monitor(&x, XENINTRO_MONITOR_CPUID, 0, 1U << 31, 0),
	      -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_MONITOR], 5);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(monitor_conveniences)
{
	struct xenintro x;

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_monitor_cr(&x, XENINTRO_CR4, XENINTRO_MON_ONCHANGE,
				  0xff), 0);
	expect_monitor(XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4,
		       XENINTRO_MON_ENABLE | XENINTRO_MON_ONCHANGE, 0xff);
	XT_EQ(xenintro_monitor_msr(&x, 0xc0000080, XENINTRO_MON_DENY_CAPABLE),
	      0);
	expect_monitor(XENINTRO_MONITOR_MSR, 0xc0000080,
		       XENINTRO_MON_ENABLE | XENINTRO_MON_DENY_CAPABLE, 0);
	XT_EQ(xenintro_monitor_cpuid(&x, 0), 0);
	expect_monitor(XENINTRO_MONITOR_CPUID, 0, XENINTRO_MON_ENABLE, 0);
	XT_EQ(xenintro_monitor_breakpoint(&x, 0), 0);
	expect_monitor(XENINTRO_MONITOR_BREAKPOINT, 0, XENINTRO_MON_ENABLE, 0);
	XT_EQ(xenintro_monitor_singlestep(&x, 0), 0);
	expect_monitor(XENINTRO_MONITOR_SINGLESTEP, 0, XENINTRO_MON_ENABLE, 0);
	XT_EQ(xenintro_monitor_guest_request(&x, XENINTRO_MON_SYNC |
					     XENINTRO_MON_ALLOW_USERSPACE), 0);
	expect_monitor(XENINTRO_MONITOR_GUEST_REQUEST, 0,
		       XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC |
		       XENINTRO_MON_ALLOW_USERSPACE, 0);
	XT_EQ(xenintro_monitor_enable(&x, XENINTRO_MONITOR_VMEXIT, 0,
				      XENINTRO_MON_SYNC), 0);
	expect_monitor(XENINTRO_MONITOR_VMEXIT, 0,
		       XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC, 0);
	XT_EQ(xenintro_monitor_disable(&x, XENINTRO_MONITOR_MSR, 0xc0000080),
	      0);
	expect_monitor(XENINTRO_MONITOR_MSR, 0xc0000080, 0, 0);
	XT_EQ(fk.nr_monitors, 6);
	XT_EQ(xenintro_close(&x), 0);
}

static void expect_access_header(__u32 flags, __u64 nr)
{
	XT_EQ(fk.last_access.size, sizeof(struct xenintro_access));
	XT_EQ(fk.last_access.flags, flags);
	XT_EQ(fk.last_access.nr, nr);
	XT_EQ(fk.last_access.reserved0, 0);
	XT_EQ(fk.last_access.reserved[0] | fk.last_access.reserved[1], 0);
}

XT_TEST(access_range)
{
	struct xenintro x;
	uint8_t rights[8];
	unsigned int i;

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_set_access(&x, 100, 4, XENINTRO_ACCESS_R), 0);
	expect_access_header(0, 4);
	XT_EQ(fk.last_access.gfn, 100);
	XT_EQ(fk.last_access.range_rights, XENINTRO_ACCESS_R);
	XT_EQ(fk.last_access.rights, 0);
	XT_EQ(fk.last_access.gfns, 0);

	memset(rights, 0xee, sizeof(rights));
	XT_EQ(xenintro_get_access(&x, 98, 8, rights), 0);
	expect_access_header(0, 8);
	XT_EQ(fk.last_access.rights, (uintptr_t)rights);
	XT_EQ(fk.last_access.range_rights, 0);
	for (i = 0; i < 8; i++)
		XT_EQ(rights[i], i >= 2 && i < 6 ? XENINTRO_ACCESS_R
						 : XENINTRO_ACCESS_RWX);
	/* out of the domain's memory: the kernel's error */
	XT_EQ(xenintro_set_access(&x, FK_NR_GFNS, 1, 0), -EINVAL);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(access_list)
{
	static const uint64_t gfns[3] = { 7, 500, 9 };
	static const uint8_t set[3] = {
		0, XENINTRO_ACCESS_R | XENINTRO_ACCESS_X, XENINTRO_ACCESS_W,
	};
	struct xenintro x;
	uint8_t got[3];

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_set_access_list(&x, gfns, set, 3), 0);
	expect_access_header(XENINTRO_ACCESS_LIST, 3);
	XT_EQ(fk.last_access.gfns, (uintptr_t)gfns);
	XT_EQ(fk.last_access.rights, (uintptr_t)set);
	XT_EQ(fk.last_access.range_rights, 0);
	XT_EQ(fk.rights[7], 0);
	XT_EQ(fk.rights[500], XENINTRO_ACCESS_R | XENINTRO_ACCESS_X);
	XT_EQ(fk.rights[9], XENINTRO_ACCESS_W);
	XT_EQ(fk.rights[8], XENINTRO_ACCESS_RWX);

	memset(got, 0xee, sizeof(got));
	XT_EQ(xenintro_get_access_list(&x, gfns, got, 3), 0);
	expect_access_header(XENINTRO_ACCESS_LIST, 3);
	XT_EQ(memcmp(got, set, sizeof(got)), 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(access_argument_validation)
{
	struct xenintro x;
	uint64_t g = 1;
	uint8_t r = 0;

	xt_attach(&x, 4, 4);
	XT_EQ(xenintro_set_access(&x, 0, 0, 0), -EINVAL);
	XT_EQ(xenintro_set_access(&x, 0, 1, 0x8), -EINVAL);
	XT_EQ(xenintro_set_access(&x, 0, 1, 0xff), -EINVAL);
	XT_EQ(xenintro_set_access_list(&x, NULL, &r, 1), -EINVAL);
	XT_EQ(xenintro_set_access_list(&x, &g, NULL, 1), -EINVAL);
	XT_EQ(xenintro_set_access_list(&x, &g, &r, 0), -EINVAL);
	XT_EQ(xenintro_get_access(&x, 0, 1, NULL), -EINVAL);
	XT_EQ(xenintro_get_access(&x, 0, 0, &r), -EINVAL);
	XT_EQ(xenintro_get_access_list(&x, NULL, &r, 1), -EINVAL);
	XT_EQ(xenintro_get_access_list(&x, &g, NULL, 1), -EINVAL);
	XT_EQ(xenintro_get_access_list(&x, &g, &r, 0), -EINVAL);
	XT_EQ(xenintro_set_access(NULL, 0, 1, 0), -EINVAL);
	/* refused before any system call */
	XT_EQ(fk.calls[_XENINTRO_SET_ACCESS], 0);
	XT_EQ(fk.calls[_XENINTRO_GET_ACCESS], 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(pause_unpause)
{
	struct xenintro x;

	xt_attach(&x, 4, 4);
	fk.last_pause_arg = &x;
	XT_EQ(xenintro_pause(&x), 0);
	XT_ASSERT(fk.last_pause_arg == NULL);
	XT_EQ(xenintro_pause(&x), 0);
	XT_EQ(fk.paused, 2);
	XT_EQ(xenintro_unpause(&x), 0);
	XT_EQ(xenintro_unpause(&x), 0);
	XT_EQ(fk.paused, 0);
	XT_EQ(xenintro_unpause(&x), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_PAUSE], 2);
	XT_EQ(fk.calls[_XENINTRO_UNPAUSE], 3);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(kick_returns_consumed)
{
	struct xenintro x;
	int i;

	xt_attach(&x, 8, 8);
	XT_EQ(xenintro_kick(&x), 0);
	for (i = 0; i < 5; i++)
		XT_ASSERT(xenintro_get_verdict(&x) != NULL);
	XT_EQ(xenintro_publish(&x), 5);
	XT_EQ(xenintro_kick(&x), 5);
	XT_EQ(fk.last_kick.size, sizeof(struct xenintro_kick));
	XT_EQ(fk.last_kick.flags | fk.last_kick.reserved0, 0);
	XT_EQ(fk.last_kick.consumed, 0);
	XT_EQ(xenintro_kick(&x), 0);
	fk.cfg.fail_ioctl[_XENINTRO_KICK] = ENODEV;
	XT_EQ(xenintro_kick(&x), -ENODEV);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(kick_before_attach)
{
	struct xenintro x;

	xt_open(&x);
	XT_EQ(xenintro_kick(&x), -ENOTCONN);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(stats)
{
	struct xenintro x;
	struct xenintro_stats st;

	xt_attach(&x, 4, 4);
	fk.stats.requests = 10;
	fk.stats.forwarded = 7;
	fk.stats.verdicts_stale = 2;
	fk.stats.notifies = 3;
	memset(&st, 0xff, sizeof(st));
	XT_EQ(xenintro_get_stats(&x, &st), 0);
	XT_EQ(fk.last_stats_size, sizeof(st));
	XT_EQ(st.size, sizeof(st));
	XT_EQ(st.requests, 10);
	XT_EQ(st.forwarded, 7);
	XT_EQ(st.verdicts_stale, 2);
	XT_EQ(st.notifies, 3);
	XT_EQ(st.dropped, 0);
	XT_EQ(xenintro_get_stats(&x, NULL), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_STATS], 1);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(monitor_before_attach_is_the_kernels_call)
{
	struct xenintro x;

	/* the library passes it on; the (fake) kernel refuses it */
	xt_open(&x);
	XT_EQ(xenintro_monitor_cpuid(&x, 0), -ENOTCONN);
	XT_EQ(fk.calls[_XENINTRO_MONITOR], 1);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(control_after_death_is_esrch)
{
	struct xenintro x;

	xt_attach(&x, 4, 4);
	XT_ASSERT(xenintro_get_verdict(&x) != NULL);
	fk_set_dead();
	XT_EQ(xenintro_submit(&x), -ESRCH);
	XT_EQ(xenintro_monitor_cpuid(&x, 0), -ESRCH);
	XT_EQ(xenintro_pause(&x), -ESRCH);
	XT_EQ(xenintro_close(&x), 0);
}
