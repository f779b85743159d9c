// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: a session's life on the simulated hypervisor when things go
 * wrong around it: the domain destroyed at each step of ATTACH, a backend
 * op failing, DETACH and the last-reference rule of close(), single-step
 * left on by a verdict, and GET_ACCESS over the largest range.
 *
 * The simulator's fault points (sim_fault.c) make the failures happen
 * where the test wants them; "faults" counts a ring disabled while one of
 * the core's own operations was still running, which the core must never
 * allow (a use-after-free on Xen, where the ring is unmapped then).
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

/*
 * Whether the running test has failed so far. The harness of 6.1 keeps a
 * 'passed' flag; 6.12's keeps only the exit code and answers through
 * __test_passed(), and came with XFAIL_ADD, which 6.1's lacks.
 */
#ifdef XFAIL_ADD
#define XI_TEST_PASSED(m) __test_passed(m)
#else
#define XI_TEST_PASSED(m) ((m)->passed)
#endif

#define VCPUS	2
#define FRAMES	64
#define WAIT_MS	10000

static void faults(long long *fired, long long *raced)
{
	char out[256];

	sim_cmd(out, sizeof(out), "faults");
	*fired = kv_num(out, "fired");
	*raced = kv_num(out, "raced");
}

/* The domid is free again: nothing (a session, a zombie) holds it. */
static bool domid_free(unsigned int domid, int ms)
{
	long long end = now_ms() + ms;
	char out[256];

	do {
		if (sim_cmd(out, sizeof(out), "state domid=%u", domid) == -ESRCH)
			return true;
		usleep(10000);
	} while (now_ms() < end);
	return false;
}

FIXTURE(life) {
	struct xenintro x;
	unsigned int domid;
};

FIXTURE_SETUP(life)
{
	self->x.fd = -1;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS, 0));
}

FIXTURE_TEARDOWN(life)
{
	xenintro_close(&self->x);
	sim("destroy domid=%u", self->domid);
}

/*
 * Review finding 1: the domain destroyed at every step of ATTACH, with the
 * destroy landing at different moments (the op waits 0 to 20 ms for it).
 * ATTACH succeeds or says -ESRCH; a successful one sees the death; after
 * close nothing holds the domid; and no ring was ever disabled while
 * attach was still using it (raced stays 0; before the fix the "unpause"
 * point raced every time, as teardown ran inside attach).
 */
TEST_F_TIMEOUT(life, domain_destroyed_at_every_attach_step, 7200)
{
	static const char *const points[] = {
		"pause", "ring_enable", "ring_hide", "unpause", "notify",
	};
	const char *env = getenv("XENINTRO_SOAK_ROUNDS");
	/* rounds per point: 8 here, far more under `make soak` */
	unsigned int per_point = env ? (unsigned int)atoi(env) : 8;
	long long fired0, raced0, fired, raced;
	unsigned int p, i, rounds = 0, attached = 0;
	int ret;

	faults(&fired0, &raced0);
	ASSERT_LE(0, fired0) TH_LOG("no 'faults' command in xenintro_sim");
	for (p = 0; p < ARRAY_SIZE(points); p++) {
		for (i = 0; i < per_point; i++, rounds++) {
			struct xenintro y;

			ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
			ASSERT_EQ(0, sim("fault domid=%u op=%s action=destroy delay_us=%u",
					 self->domid, points[p], (i % 8) * 2500));
			ASSERT_EQ(0, xenintro_open(&y, XENINTRO_FEATURE_RINGS, 0));
			ret = xenintro_attach(&y, self->domid, NULL);
			EXPECT_TRUE(ret == 0 || ret == -ESRCH)
				TH_LOG("%s round %u: attach %d", points[p], i, ret);
			if (!ret) {
				attached++;
				/* notify fires later, in teardown, if at all */
				if (strcmp(points[p], "notify")) {
					long long end = now_ms() + WAIT_MS;

					while (xenintro_state(&y) == XENINTRO_STATE_ATTACHED &&
					       now_ms() < end)
						xenintro_wait(&y, 50);
					EXPECT_EQ(XENINTRO_STATE_DEAD, xenintro_state(&y))
						TH_LOG("%s round %u", points[p], i);
				}
			}
			xenintro_close(&y);
			sim("destroy domid=%u", self->domid);
			EXPECT_TRUE(domid_free(self->domid, WAIT_MS))
				TH_LOG("%s round %u: domid still held", points[p], i);
		}
	}
	faults(&fired, &raced);
	EXPECT_EQ(raced0, raced) TH_LOG("ring disabled under a running attach");
	/* Every point but notify fires during attach, every round. */
	EXPECT_LE(fired0 + 4 * per_point, fired);
	TH_LOG("%u rounds, %u attached, faults fired %lld, raced %lld",
	       rounds, attached, fired - fired0, raced - raced0);
}

/* How one random_cycles cycle ends. */
enum cycle_end {
	END_DETACH,		/* answer the event, then DETACH */
	END_CLOSE,		/* close the fd with the event pending */
	END_DESTROY,		/* destroy the domain with the event pending */
	END_KILL,		/* the agent is a process: SIGKILL it */
	END_MAX,
};

static const char *const cycle_end_name[] = {
	"detach", "close", "destroy", "kill",
};

/* vCPU @v waits for a verdict (vm_event paused it); false after @ms. */
static bool vcpu_waits(unsigned int domid, unsigned long v, int ms)
{
	long long end = now_ms() + ms;
	char out[1024];

	do {
		if (!sim_cmd(out, sizeof(out), "state domid=%u vcpu=%lu", domid,
			     v) && kv_num(out, "paused") > 0)
			return true;
		usleep(1000);
	} while (now_ms() < end);
	return false;
}

/*
 * A session that attaches and enables the CPUID monitor. A frame mapping
 * it makes (*@frames) holds the file like a ring mapping does: the
 * caller unmaps it before close() is the last reference.
 */
static int cycle_session(struct xenintro *x, unsigned int domid,
			 unsigned int extra, const void **frames)
{
	int ret = xenintro_open(x, XENINTRO_FEATURE_RINGS |
				XENINTRO_FEATURE_MEMORY |
				XENINTRO_FEATURE_MEM_MAP, 0);

	if (!ret)
		ret = xenintro_attach(x, domid, NULL);
	if (!ret)
		ret = xenintro_monitor_cpuid(x, 0);
	/* sometimes more to undo: page rights, a CR3 monitor, a mapping */
	if (!ret && (extra & 1))
		ret = xenintro_set_access(x, 5, 3, XENINTRO_ACCESS_R);
	if (!ret && (extra & 2))
		ret = xenintro_monitor_enable(x, XENINTRO_MONITOR_CTRLREG,
					      XENINTRO_CR3, 0);
	if (!ret && (extra & 4)) {
		/* the library's uint64_t: unsigned long on x86-64 */
		const unsigned long gfns[2] = { 1, 2 };

		ret = xenintro_map_frames(x, gfns, 2, NULL, frames) == 2 ?
		      0 : -EIO;
	}
	return ret;
}

/*
 * Issue 12's cycles: attach, monitors, events, and one of four ends
 * picked at random (DETACH after the answer; close with an event
 * pending; the domain destroyed with an event pending; the agent process
 * SIGKILLed). After each: the vCPU was released, and the domain is
 * either gone with its domid free, or unpaused, unmonitored, without a
 * ring or changed page rights. XENINTRO_SOAK_CYCLES sets the count
 * (default 40; `make soak` runs 10,000), XENINTRO_SOAK_SEED the seed.
 */
TEST_F_TIMEOUT(life, random_cycles, 14400)
{
	const char *env = getenv("XENINTRO_SOAK_CYCLES");
	const char *env_seed = getenv("XENINTRO_SOAK_SEED");
	unsigned long cycles = env ? strtoul(env, NULL, 0) : 40;
	static const char *const clean[] = {
		"pause", "ring", "monitors", "restricted",
	};
	unsigned long i, ends[END_MAX] = { 0 };
	size_t k;
	unsigned int seed = env_seed ? strtoul(env_seed, NULL, 0) : 12;
	char out[1024];

	srandom(seed);
	xenintro_close(&self->x);	/* the fixture's session is not used */
	for (i = 0; i < cycles; i++) {
		enum cycle_end end = random() % END_MAX;
		unsigned int extra = random() % 8;
		struct vcpu_op op = { 0 };
		struct xenintro x = { .fd = -1 };
		const void *frames = NULL;
		int ready[2], status, ret;
		pid_t child = -1;
		char c;

		if (sim_cmd(out, sizeof(out), "state domid=%u",
			    self->domid) == -ESRCH) {
			ASSERT_TRUE(domid_free(self->domid, WAIT_MS));
			ASSERT_EQ(0, sim("create domid=%u vcpus=%d frames=%d",
					 self->domid, VCPUS, FRAMES));
		}
		if (end == END_KILL) {
			ASSERT_EQ(0, pipe(ready));
			child = fork();
			ASSERT_LE(0, child);
			if (!child) {
				c = cycle_session(&x, self->domid, extra,
						  &frames) ? 'n' : 'y';
				if (write(ready[1], &c, 1) != 1)
					_exit(1);
				pause();	/* until SIGKILL */
				_exit(0);
			}
			close(ready[1]);
			ASSERT_EQ(1, read(ready[0], &c, 1));
			close(ready[0]);
			ASSERT_EQ('y', c) TH_LOG("cycle %lu: child session", i);
		} else {
			ASSERT_EQ(0, cycle_session(&x, self->domid, extra,
						   &frames))
				TH_LOG("cycle %lu", i);
		}
		/* a CPUID that waits for the agent's verdict */
		ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=%lu leaf=1",
					self->domid, i % VCPUS));
		/* the event is pending before the session ends, whichever way */
		ASSERT_TRUE(vcpu_waits(self->domid, i % VCPUS, WAIT_MS))
			TH_LOG("cycle %lu: the CPUID never reached the agent", i);
		switch (end) {
		case END_DETACH: {
			const struct xenintro_event *ev = next_event(&x, WAIT_MS);

			ASSERT_NE(NULL, ev) TH_LOG("cycle %lu: no event", i);
			EXPECT_LE(0, answer(&x, ev, XENINTRO_VERDICT_CONTINUE));
			EXPECT_EQ(0, xenintro_detach(&x));
			break;
		}
		case END_CLOSE:
			usleep(random() % 2000);
			break;
		case END_DESTROY:
			usleep(random() % 2000);
			EXPECT_EQ(0, sim("destroy domid=%u", self->domid));
			break;
		default:
			usleep(random() % 2000);
			kill(child, SIGKILL);
			ASSERT_EQ(child, waitpid(child, &status, 0));
			break;
		}
		if (end != END_KILL) {
			if (frames)
				xenintro_unmap_frames(frames, 2);
			xenintro_close(&x);
		}
		ret = vcpu_join_ms(&op, WAIT_MS);
		ASSERT_LE(0, ret) TH_LOG("cycle %lu (%s): the vCPU was left waiting: %d",
					 i, cycle_end_name[end], ret);
		ends[end]++;
		if (end == END_DESTROY) {
			EXPECT_TRUE(domid_free(self->domid, WAIT_MS))
				TH_LOG("cycle %lu: domid still held", i);
			continue;
		}
		ASSERT_EQ(0, sim_cmd(out, sizeof(out), "state domid=%u",
				     self->domid));
		for (k = 0; k < ARRAY_SIZE(clean); k++)
			EXPECT_EQ(0, kv_num(out, clean[k]))
				TH_LOG("cycle %lu (%s): %s", i,
				       cycle_end_name[end], out);
		if (!XI_TEST_PASSED(_metadata))
			break;
	}
	TH_LOG("%lu cycles (seed %u): %lu detach, %lu close, %lu destroy, %lu kill -9",
	       i, seed, ends[END_DETACH], ends[END_CLOSE], ends[END_DESTROY],
	       ends[END_KILL]);
}

/*
 * Review finding 3, and a failing op at each step of ATTACH: the attach
 * fails with the op's errno and leaves the domain unpaused, without a
 * ring, and attachable again.
 */
TEST_F(life, failed_attach_step_leaves_domain_clean)
{
	static const char *const points[] = { "pause", "ring_enable", "ring_hide" };
	char st[512];
	unsigned int p;

	for (p = 0; p < ARRAY_SIZE(points); p++) {
		ASSERT_EQ(0, sim("fault domid=%u op=%s action=fail errno=%d",
				 self->domid, points[p], EIO));
		EXPECT_EQ(-EIO, xenintro_attach(&self->x, self->domid, NULL))
			TH_LOG("%s", points[p]);
		sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
		EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("%s: %s", points[p], st);
		EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("%s: %s", points[p], st);
		EXPECT_EQ(0, kv_num(st, "attached")) TH_LOG("%s: %s", points[p], st);
	}
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(1, kv_num(st, "ring")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("%s", st);
}

/*
 * Review finding 5: DETACH releases the guest at once; the rings stay
 * mapped and say so; the domain can be attached from another fd while the
 * first still holds its mappings.
 */
TEST_F(life, detach_ioctl)
{
	struct xenintro_stats stats = { 0 };
	struct vcpu_op op;
	struct xenintro y;
	char st[512];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_TRUE(xenintro_has_ioctl(&self->x, _XENINTRO_DETACH));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, xenintro_pause(&self->x));
	ASSERT_EQ(0, xenintro_unpause(&self->x));
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=1",
				self->domid));
	ASSERT_NE(NULL, next_event(&self->x, WAIT_MS));

	/* The vCPU waiting for this agent is answered by the detach. */
	ASSERT_EQ(0, xenintro_detach(&self->x));
	/* what was delivered stays readable, then the end is reported */
	EXPECT_EQ(1, xenintro_wait(&self->x, 0));
	xenintro_event_advance(&self->x, 1);
	EXPECT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);
	EXPECT_EQ(XENINTRO_STATE_DETACHED, xenintro_state(&self->x));
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "monitors")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("%s", st);

	/* Only STATS works now, for a last report; DETACH once. */
	EXPECT_EQ(-ESRCH, xenintro_detach(&self->x));
	EXPECT_EQ(-ESRCH, xenintro_monitor_cpuid(&self->x, 0));
	EXPECT_EQ(-ESRCH, xenintro_pause(&self->x));
	EXPECT_EQ(-ESRCH, xenintro_kick(&self->x));
	EXPECT_EQ(0, xenintro_get_stats(&self->x, &stats));
	EXPECT_EQ(1, stats.kernel_verdicts);
	EXPECT_EQ(-ESRCH, xenintro_wait(&self->x, 0));

	/* Another session may take the domain; the first one's close later
	 * does not disturb it.
	 */
	ASSERT_EQ(0, xenintro_open(&y, 0, 0));
	ASSERT_EQ(0, xenintro_attach(&y, self->domid, NULL));
	xenintro_close(&self->x);
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(1, kv_num(st, "attached")) TH_LOG("%s", st);
	xenintro_close(&y);
}

/*
 * close() detaches at the last reference to the file: a mapping of the
 * rings holds one (as io_uring's do), so the guest is released at its
 * munmap(), not at close().
 */
TEST_F(life, close_detaches_at_last_reference)
{
	struct xenintro_attach a = { 0 };
	char st[512];
	void *ctrl;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, &a));
	ctrl = mmap(NULL, a.ctrl_size, PROT_READ, MAP_SHARED, self->x.fd,
		    XENINTRO_OFF_CTRL);
	ASSERT_NE(MAP_FAILED, ctrl);
	xenintro_close(&self->x);
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(1, kv_num(st, "attached")) TH_LOG("after close: %s", st);
	ASSERT_EQ(0, munmap(ctrl, a.ctrl_size));
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(0, kv_num(st, "attached")) TH_LOG("after munmap: %s", st);
	EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("after munmap: %s", st);
}

/*
 * Review finding 6: a verdict switched single-step on; the agent goes
 * away without switching it off. Teardown must, or the vCPU steps on
 * unmonitored.
 */
TEST_F(life, singlestep_off_after_detach)
{
	const struct xenintro_event *ev;
	struct xenintro_verdict *v;
	struct vcpu_op op;
	char st[512];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, xenintro_monitor_enable(&self->x,
					     XENINTRO_MONITOR_SINGLESTEP, 0, 0));
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=1",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	v = xenintro_verdict_for(&self->x, ev, XENINTRO_VERDICT_CONTINUE);
	ASSERT_NE(NULL, v);
	v->flags = XENINTRO_VFLAG_SINGLESTEP_ON;
	xenintro_event_advance(&self->x, 1);
	ASSERT_LE(0, xenintro_submit(&self->x));
	ASSERT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	sim_cmd(st, sizeof(st), "state domid=%u vcpu=1", self->domid);
	ASSERT_EQ(1, kv_num(st, "ss")) TH_LOG("%s", st);

	xenintro_close(&self->x);
	sim_cmd(st, sizeof(st), "state domid=%u vcpu=1", self->domid);
	EXPECT_EQ(0, kv_num(st, "ss")) TH_LOG("after detach: %s", st);
	sim_cmd(st, sizeof(st), "state domid=%u vcpu=0", self->domid);
	EXPECT_EQ(0, kv_num(st, "ss")) TH_LOG("vcpu 0: %s", st);
}

/*
 * Review finding 4: GET_ACCESS over XENINTRO_ACCESS_NR_MAX frames in one
 * call answers correctly and in bounded time (printed), and a failing
 * backend leaves nothing half-copied: the output buffer is untouched.
 */
TEST_F(life, get_access_largest_range)
{
	const __u64 nr = XENINTRO_ACCESS_NR_MAX;
	unsigned int dom2 = self->domid + 1;
	struct timespec t0, t1;
	struct xenintro y;
	__u8 *rights;
	__u64 i, bad = 0;
	double ms;

	sim("destroy domid=%u", dom2);
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=%llu", dom2,
			 (unsigned long long)nr));
	ASSERT_EQ(0, xenintro_open(&y, 0, 0));
	ASSERT_EQ(0, xenintro_attach(&y, dom2, NULL));
	ASSERT_EQ(0, xenintro_set_access(&y, 4096, 4096, XENINTRO_ACCESS_R));
	rights = malloc(nr);
	ASSERT_NE(NULL, rights);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, xenintro_get_access(&y, 0, nr, rights));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < nr; i++) {
		__u8 want = (i >= 4096 && i < 8192) ? XENINTRO_ACCESS_R :
							 XENINTRO_ACCESS_RWX;

		bad += rights[i] != want;
	}
	EXPECT_EQ(0, bad);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	TH_LOG("GET_ACCESS of %llu frames: %.1f ms (%.1f ns/frame)",
	       (unsigned long long)nr, ms, ms * 1e6 / nr);

	memset(rights, 0xee, nr);
	ASSERT_EQ(0, sim("fault domid=%u op=get_access action=fail errno=%d",
			 dom2, EIO));
	EXPECT_EQ(-EIO, xenintro_get_access(&y, 0, nr, rights));
	EXPECT_EQ(0xee, rights[0]);
	EXPECT_EQ(0xee, rights[nr - 1]);
	free(rights);
	xenintro_close(&y);
	sim("destroy domid=%u", dom2);
}

TEST_HARNESS_MAIN
