// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: an allocation failure at every allocation of every ioctl
 * that allocates (the kernel's fail-nth: /proc/thread-self/fail-nth fails
 * the Nth allocation of the calling task). Each failure must give a clean
 * errno, change nothing (no monitor left on, no page right changed, the
 * old rule table still in force, nothing read, no frame mapped), and
 * leave the session working; then the same call without a failure
 * succeeds. DETACH cannot fail: with every allocation in it failed in
 * turn it still releases the domain. ATTACH's own walk is in
 * pipeline_test.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define VCPUS	2
#define FRAMES	64
#define WALK	300	/* allocations an ioctl makes, at most */

FIXTURE(faults) {
	struct xenintro x;
	unsigned int domid;
	int failfd;
};

FIXTURE_SETUP(faults)
{
	self->x.fd = -1;
	self->failfd = -1;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->failfd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (self->failfd < 0)
		SKIP(return, "no /proc/thread-self/fail-nth (kernel without fault injection)");
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_RULES |
				   XENINTRO_FEATURE_MEMORY |
				   XENINTRO_FEATURE_MEM_MAP, 0));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
}

FIXTURE_TEARDOWN(faults)
{
	if (self->failfd >= 0)
		close(self->failfd);
	xenintro_close(&self->x);
	sim("destroy domid=%u", self->domid);
}

/* One call of the ioctl under test, and the check of what it left. */
struct fault_op {
	const char *name;
	int (*call)(struct xenintro *x);
	/* after a failed call: nothing changed (an EXPECT-style count) */
	int (*unchanged)(struct xenintro *x, unsigned int domid, char *why,
			 size_t len);
	/* before the next try: undo a successful call */
	void (*undo)(struct xenintro *x);
	/* before each try, outside the injected failure */
	void (*prepare)(struct xenintro *x);
};

static long long state_num(unsigned int domid, const char *key)
{
	char st[1024];

	sim_cmd(st, sizeof(st), "state domid=%u", domid);
	return kv_num(st, key);
}

static int call_monitor(struct xenintro *x)
{
	return xenintro_monitor_cpuid(x, 0);
}

static int monitor_off(struct xenintro *x, unsigned int domid, char *why,
		       size_t len)
{
	(void)x;
	snprintf(why, len, "monitors=%lld", state_num(domid, "monitors"));
	return state_num(domid, "monitors") == 0;
}

static void undo_monitor(struct xenintro *x)
{
	xenintro_monitor_disable(x, XENINTRO_MONITOR_CPUID, 0);
}

static int call_set_access_list(struct xenintro *x)
{
	static const __u64 gfns[3] = { 5, 6, 7 };
	static const __u8 rights[3] = { XENINTRO_ACCESS_R,
					   XENINTRO_ACCESS_R,
					   XENINTRO_ACCESS_R };

	return xenintro_set_access_list(x, (const void *)gfns, rights, 3);
}

static int rights_unchanged(struct xenintro *x, unsigned int domid,
			    char *why, size_t len)
{
	(void)x;
	snprintf(why, len, "restricted=%lld", state_num(domid, "restricted"));
	return state_num(domid, "restricted") == 0;
}

static void undo_access(struct xenintro *x)
{
	xenintro_set_access(x, 5, 3, XENINTRO_ACCESS_RWX);
}

/*
 * The user buffer GET_ACCESS, STATS and READ_MEM write into, filled with
 * a marker before each call: a failed call must not have written it. The
 * fill happens before the failure is armed: a first touch of these pages
 * would itself allocate (a page fault) and use up the injected failure.
 */
#define UNTOUCHED	0xee
static __u8 outbuf[3 * 4096];

static int outbuf_untouched(struct xenintro *x, unsigned int domid,
			    char *why, size_t len)
{
	size_t i;

	(void)x;
	(void)domid;
	for (i = 0; i < sizeof(outbuf) && outbuf[i] == UNTOUCHED; i++)
		;
	snprintf(why, len, "output written at byte %zu", i);
	return i == sizeof(outbuf);
}

static int call_get_access(struct xenintro *x)
{
	return xenintro_get_access(x, 0, FRAMES, outbuf);
}

static int call_set_rules(struct xenintro *x)
{
	struct xenintro_rule r[2] = {
		{ .event = XENINTRO_EVENT_CPUID,
		  .action = XENINTRO_VERDICT_CONTINUE, .last = 5 },
		{ .event = XENINTRO_EVENT_MSR, .action = XENINTRO_VERDICT_DENY,
		  .first = 0x174, .last = 0x176 },
	};

	return xenintro_set_rules(x, r, 2, NULL, NULL);
}

/* The table in force is the old one: one rule (installed beforehand). */
static int old_table(struct xenintro *x, unsigned int domid, char *why,
		     size_t len)
{
	struct xenintro_stats st;

	(void)domid;
	memset(&st, 0, sizeof(st));
	if (xenintro_get_stats(x, &st))
		return 0;
	snprintf(why, len, "rules_nr=%u generation=%llu", st.rules_nr,
		 (unsigned long long)st.rules_generation);
	return st.rules_nr == 1;
}

static void undo_rules(struct xenintro *x)
{
	struct xenintro_rule r = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE, .last = 1,
	};

	xenintro_set_rules(x, &r, 1, NULL, NULL);
}

static int call_rule_hits(struct xenintro *x)
{
	__u32 nr;

	return xenintro_get_rule_hits(x, (void *)outbuf, 4, &nr);
}

static int call_read_mem(struct xenintro *x)
{
	struct xenintro_mem_seg segs[3];
	unsigned int i;

	memset(segs, 0, sizeof(segs));
	for (i = 0; i < 3; i++) {
		segs[i].addr = i * 4096;
		segs[i].buf = (uintptr_t)(outbuf + i * 4096);
		segs[i].len = 4096;
	}
	return xenintro_read_segs(x, NULL, segs, 3);
}

/*
 * MAP_FRAMES fills a window mmap()ed before the failure is armed, with
 * a frame list touched before it too (a first touch is a page fault that
 * would use up the injected failure, as for outbuf).
 */
static void *window;
static __u64 map_gfns[2] = { 1, 2 };

static void prepare_window(struct xenintro *x)
{
	map_gfns[0] = 1;
	map_gfns[1] = 2;
	if (!window)
		window = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, x->fd,
			      XENINTRO_OFF_FRAMES);
	if (window == MAP_FAILED)
		window = NULL;
}

static int call_map_frames(struct xenintro *x)
{
	struct xenintro_map_frames mf = {
		.size = sizeof(mf), .nr = 2, .addr = (uintptr_t)window,
		.gfns = (uintptr_t)map_gfns, .errs = (uintptr_t)outbuf,
	};

	if (!window)
		return -EBADF;
	return ioctl(x->fd, XENINTRO_IOC_MAP_FRAMES, &mf) ? -errno : 0;
}

/* Nothing mapped (the window's pages raise SIGBUS), errs untouched. */
static int window_empty(struct xenintro *x, unsigned int domid, char *why,
			size_t len)
{
	__u64 v;
	int sig;

	if (!outbuf_untouched(x, domid, why, len))
		return 0;
	sig = touch(window, &v);
	snprintf(why, len, "window page 0 %s", sig ? "empty" : "mapped");
	return sig == SIGBUS;
}

/* A filled window cannot be filled again: the next try gets a new one. */
static void undo_window(struct xenintro *x)
{
	(void)x;
	munmap(window, 2 * 4096);
	window = NULL;
}

static const struct fault_op ops[] = {
	{ .name = "MONITOR", .call = call_monitor, .unchanged = monitor_off,
	  .undo = undo_monitor },
	{ .name = "SET_ACCESS (list)", .call = call_set_access_list,
	  .unchanged = rights_unchanged, .undo = undo_access },
	{ .name = "GET_ACCESS", .call = call_get_access,
	  .unchanged = outbuf_untouched },
	{ .name = "SET_RULES", .call = call_set_rules, .unchanged = old_table,
	  .undo = undo_rules },
	{ .name = "STATS (rule hits)", .call = call_rule_hits,
	  .unchanged = outbuf_untouched },
	{ .name = "READ_MEM", .call = call_read_mem,
	  .unchanged = outbuf_untouched },
	{ .name = "MAP_FRAMES", .call = call_map_frames,
	  .unchanged = window_empty, .undo = undo_window,
	  .prepare = prepare_window },
};

TEST_F(faults, every_allocation_of_every_ioctl)
{
	char left[32], why[128];
	unsigned int o;
	int n, ret, injected, total = 0;
	ssize_t len;

	undo_rules(&self->x);	/* a one-rule table: "old_table" */
	for (o = 0; o < ARRAY_SIZE(ops); o++) {
		const struct fault_op *op = &ops[o];

		injected = 0;
		ret = -1;
		for (n = 1; n < WALK; n++) {
			if (op->prepare)
				op->prepare(&self->x);
			memset(outbuf, UNTOUCHED, sizeof(outbuf));
			dprintf(self->failfd, "%d", n);
			ret = op->call(&self->x);
			len = pread(self->failfd, left, sizeof(left) - 1, 0);
			left[len > 0 ? len : 0] = '\0';
			dprintf(self->failfd, "0");
			if (ret) {
				injected++;
				EXPECT_EQ(-ENOMEM, ret)
					TH_LOG("%s, fail-nth %d", op->name, n);
				EXPECT_TRUE(op->unchanged(&self->x, self->domid,
							  why, sizeof(why)))
					TH_LOG("%s, fail-nth %d: %s", op->name,
					       n, why);
				EXPECT_EQ(0, state_num(self->domid, "pause"));
				continue;
			}
			if (op->undo)
				op->undo(&self->x);
			if (atoi(left) != 0)
				break;	/* every allocation went through */
		}
		EXPECT_EQ(0, ret) TH_LOG("%s: never succeeded", op->name);
		EXPECT_GT(injected, 0) TH_LOG("%s: no allocation failed", op->name);
		TH_LOG("%s: %d allocations, %d failures refused cleanly",
		       op->name, n - 1, injected);
		total += injected;
	}
	TH_LOG("%d injected failures over %zu ioctls", total, ARRAY_SIZE(ops));
}

/* Teardown allocates nothing it needs: with failures it still detaches. */
TEST_F(faults, detach_with_failures)
{
	char left[32];
	ssize_t len;
	int n;

	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, xenintro_set_access(&self->x, 5, 2, XENINTRO_ACCESS_R));
	for (n = 1; n < 4; n++) {
		dprintf(self->failfd, "%d", n);
		EXPECT_EQ(0, xenintro_detach(&self->x));
		len = pread(self->failfd, left, sizeof(left) - 1, 0);
		left[len > 0 ? len : 0] = '\0';
		dprintf(self->failfd, "0");
		EXPECT_EQ(0, state_num(self->domid, "attached"));
		EXPECT_EQ(0, state_num(self->domid, "monitors"));
		EXPECT_EQ(0, state_num(self->domid, "restricted"));
		EXPECT_EQ(0, state_num(self->domid, "pause"));
		/* attach again for the next round */
		xenintro_close(&self->x);
		ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS, 0));
		ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
		ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
		ASSERT_EQ(0, xenintro_set_access(&self->x, 5, 2,
						 XENINTRO_ACCESS_R));
	}
}

TEST_HARNESS_MAIN
