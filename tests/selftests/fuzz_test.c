// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: a randomized ioctl fuzzer on /dev/xenintro over the
 * simulated hypervisor. Every ioctl number (the defined ones and a few
 * beyond), random declared sizes, random contents with plausible values
 * mixed in, random orders, sessions reopened every few hundred calls with
 * random features, and the simulated guest running vCPU commands at the
 * same time. Each call must succeed or fail with an errno; afterwards the
 * domain must be left unpaused, unmonitored and without a ring, and the
 * kernel log clean (the VM layer's splat check). The seed and the number
 * of calls come from XENINTRO_FUZZ_SEED and XENINTRO_FUZZ_CALLS (default
 * 20000 calls, a few seconds; `make soak` runs far more).
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define VCPUS		2
#define FRAMES		64
#define NR_MAX		16	/* ioctl numbers tried: 0 .. NR_MAX - 1 */

static __u64 rng;

static __u64 rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static __u64 pick(const __u64 *v, size_t n)
{
	return v[rnd() % n];
}

/* A value a field might plausibly hold, or garbage. */
static __u64 field_value(void *pool, size_t pool_len)
{
	static const __u64 small[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 16, 63, 64, 255, 256, 4095, 4096,
		0x7fffffff, 0xffffffff, ~0ULL, 1ULL << 20, 1ULL << 40,
	};

	switch (rnd() % 6) {
	case 0:
		return rnd();
	case 1:		/* a pointer into our own pool */
		return (uintptr_t)pool + rnd() % pool_len;
	case 2:		/* a bad pointer */
		return rnd() % 2 ? 8 : 0xffff800000000000ULL;
	default:
		return pick(small, ARRAY_SIZE(small));
	}
}

static void fill(void *buf, size_t len, void *pool, size_t pool_len)
{
	__u64 *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = rnd() % 3 ? field_value(pool, pool_len) : 0;
}

FIXTURE(fuzz) {
	unsigned int domid;
};

FIXTURE_SETUP(fuzz)
{
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
}

FIXTURE_TEARDOWN(fuzz)
{
	sim("destroy domid=%u", self->domid);
}

static int fresh_session(struct xenintro *x, unsigned int domid)
{
	static const __u64 feats[] = {
		0, XENINTRO_FEATURE_RINGS,
		XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_RULES,
		XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_MEMORY |
		XENINTRO_FEATURE_KICK_WAIT | XENINTRO_FEATURE_RULES |
		XENINTRO_FEATURE_EMUL_READ_DATA | XENINTRO_FEATURE_MEM_MAP,
	};
	int ret;

	ret = xenintro_open(x, pick(feats, ARRAY_SIZE(feats)), 0);
	if (ret)
		return ret;
	/* mostly attached, sometimes not (the pre-attach states) */
	if (rnd() % 8)
		xenintro_attach(x, domid, NULL);
	return 0;
}

/*
 * User pointers the fuzzer hands out point into the first 64 KiB of a
 * 4 MiB pool: the kernel writes at most 1 MiB past such a pointer (a
 * segment, a GET_ACCESS range), so whatever it writes lands in the pool
 * and never in the test's own memory.
 */
#define POOL_LEN	(4U << 20)
#define POOL_PTRS	(64U << 10)

TEST_F_TIMEOUT(fuzz, random_ioctls, 7200)
{
	static __u64 argw[128];
	__u8 *arg = (__u8 *)argw;
	__u8 *pool;
	const char *env_seed = getenv("XENINTRO_FUZZ_SEED");
	const char *env_calls = getenv("XENINTRO_FUZZ_CALLS");
	unsigned long calls = env_calls ? strtoul(env_calls, NULL, 0) : 20000;
	unsigned long i, ok = 0, errs[140] = { 0 };
	struct vcpu_op op = { 0 };
	struct xenintro x;
	char st[1024];
	__u32 size;
	unsigned int nr;
	int ret, fd;

	pool = mmap(NULL, POOL_LEN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pool);
	rng = env_seed ? strtoull(env_seed, NULL, 0) : 0x5eed5eedULL;
	if (!rng)
		rng = 1;
	TH_LOG("seed 0x%llx, %lu calls", (unsigned long long)rng, calls);
	ASSERT_EQ(0, fresh_session(&x, self->domid));
	for (i = 0; i < calls; i++) {
		if (i % 300 == 299) {
			xenintro_close(&x);
			ASSERT_EQ(0, fresh_session(&x, self->domid));
		}
		/* the guest keeps doing things the session may monitor */
		if (!op.started && rnd() % 16 == 0)
			vcpu_start(&op, "%s domid=%u vcpu=%u%s",
				   rnd() % 2 ? "cpuid" : "cr",
				   self->domid, (unsigned int)(rnd() % VCPUS),
				   rnd() % 2 ? " leaf=1" : " index=1 value=0x2000");
		if (op.started && !vcpu_join_ms(&op, 0))
			op.started = false;

		fill(pool, 4096, pool, POOL_PTRS);
		fill(arg, sizeof(argw), pool, POOL_PTRS);
		size = (__u32)pick((const __u64[]){ 0, 4, 8, 32, 40, 48,
							  56, 64, 80, 88, 136,
							  144, 512, 1024,
							  rnd() % 1025 },
				      15);
		memcpy(arg, &size, sizeof(size));
		nr = (unsigned int)(rnd() % NR_MAX);
		/* a KICK that waits must not wait for ever: 0..49 ms */
		if (nr == _XENINTRO_KICK)
			((struct xenintro_kick *)arg)->timeout_ms = rnd() % 50;
		fd = xenintro_fd(&x);
		ret = ioctl(fd, _IO(XENINTRO_IOCTL_TYPE, nr),
			    rnd() % 16 ? (void *)arg : (void *)8);
		if (ret >= 0)
			ok++;
		else if (errno < (int)ARRAY_SIZE(errs))
			errs[errno]++;
		else
			errs[0]++;
	}
	if (op.started) {
		/* a vCPU may wait for a verdict: closing answers it */
		xenintro_close(&x);
		vcpu_join_ms(&op, 10000);
	} else {
		xenintro_close(&x);
	}
	TH_LOG("%lu calls: %lu succeeded; errno EINVAL %lu ENOTTY %lu ENOTCONN %lu ESRCH %lu",
	       calls, ok, errs[EINVAL], errs[ENOTTY], errs[ENOTCONN],
	       errs[ESRCH]);
	TH_LOG("EFAULT %lu E2BIG %lu EOPNOTSUPP %lu EBUSY %lu EEXIST %lu",
	       errs[EFAULT], errs[E2BIG], errs[EOPNOTSUPP], errs[EBUSY],
	       errs[EEXIST]);
	TH_LOG("ENOMEM %lu EPERM %lu ENOENT %lu other %lu", errs[ENOMEM],
	       errs[EPERM], errs[ENOENT], errs[0]);
	/* nothing left behind */
	sim_cmd(st, sizeof(st), "state domid=%u", self->domid);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "monitors")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "restricted")) TH_LOG("%s", st);
	EXPECT_GT(ok, 0);
	/* and nothing held on to the domain: a new session takes it */
	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS, 0));
	EXPECT_EQ(0, xenintro_attach(&x, self->domid, NULL));
	EXPECT_EQ(0, xenintro_monitor_cpuid(&x, 0));
	xenintro_close(&x);
	munmap(pool, POOL_LEN);
}

/* The agent of ring_garbage: answers whatever reaches it, CONTINUE. */
struct garbage_agent {
	struct xenintro *x;
	int stop;		/* __atomic: set by the test, read here */
	unsigned long answered;
};

static void *garbage_agent_run(void *arg)
{
	struct garbage_agent *ag = arg;
	const struct xenintro_event *ev;

	while (!__atomic_load_n(&ag->stop, __ATOMIC_ACQUIRE)) {
		ev = next_event(ag->x, 50);
		if (!ev)
			continue;
		if (xenintro_event_needs_verdict(ev)) {
			/* answer() returns the verdicts the kernel took */
			if (answer(ag->x, ev, XENINTRO_VERDICT_CONTINUE) >= 0)
				ag->answered++;
		} else {
			xenintro_event_advance(ag->x, 1);
		}
	}
	return NULL;
}

/*
 * Fuzzed records through the whole event path: the simulator writes
 * them into the real ring as a hostile producer would (a quarter random
 * bytes, the rest valid records with random reason, vCPU and flags and
 * 1..8 random bytes changed), and the core must drain, decode, match
 * against a rule table, answer or forward every one, and never stop
 * draining. Each record is counted (STATS.requests) and every slot
 * answered; the kernel log must stay free of splats. XENINTRO_GARBAGE_RECORDS
 * sets the count (default 50000; `make soak` runs 1,000,000).
 */
TEST_F_TIMEOUT(fuzz, ring_garbage, 7200)
{
	const char *env = getenv("XENINTRO_GARBAGE_RECORDS");
	unsigned long records = env ? strtoul(env, NULL, 0) : 50000;
	struct garbage_agent ag = { 0 };
	struct xenintro_stats st;
	struct xenintro_rule rules[2];
	unsigned long long hits[2] = { 0, 0 };
	struct xenintro x;
	char out[512];
	pthread_t th;

	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_RULES, 0));
	ASSERT_EQ(0, xenintro_attach(&x, self->domid, NULL));
	/* CPUIDs are answered in the kernel; CR writes also copied */
	memset(rules, 0, sizeof(rules));
	rules[0].event = XENINTRO_EVENT_CPUID;
	rules[0].last = ~0ULL;	/* every leaf and subleaf */
	rules[0].action = XENINTRO_VERDICT_CONTINUE;
	rules[1].event = XENINTRO_EVENT_CTRLREG;
	rules[1].last = XENINTRO_XCR0;		/* every register */
	rules[1].action = XENINTRO_VERDICT_CONTINUE;
	rules[1].flags = XENINTRO_RULE_NOTIFY;
	ASSERT_EQ(0, xenintro_set_rules(&x, rules, 2, NULL, NULL));
	ag.x = &x;
	ASSERT_EQ(0, pthread_create(&th, NULL, garbage_agent_run, &ag));

	EXPECT_EQ(0, sim_cmd(out, sizeof(out),
			     "garbage domid=%u records=%lu seed=0x%x timeout_ms=20000",
			     self->domid, records, 0x6a7ba6e)) TH_LOG("%s", out);
	__atomic_store_n(&ag.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);

	EXPECT_EQ((long long)records, kv_num(out, "placed"));
	EXPECT_EQ((long long)records, kv_num(out, "answered"));
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(0, xenintro_get_stats(&x, &st));
	EXPECT_EQ(records, st.requests);
	EXPECT_GT(st.malformed, 0);
	EXPECT_GT(st.forwarded, 0);
	ASSERT_EQ(0, xenintro_get_rule_hits(&x, (uint64_t *)hits, 2, NULL));
	EXPECT_GT(hits[0], 0);
	EXPECT_GT(hits[1], 0);
	EXPECT_GT(ag.answered, 0);
	TH_LOG("%lu records in %lld ms: %llu malformed, %llu forwarded",
	       records, kv_num(out, "ns") / 1000000,
	       (unsigned long long)st.malformed,
	       (unsigned long long)st.forwarded);
	TH_LOG("%lu answered by the agent, %llu by the deadline, %llu kernel verdicts",
	       ag.answered, (unsigned long long)st.deadline_expired,
	       (unsigned long long)st.kernel_verdicts);
	TH_LOG("rule hits %llu (CPUID) %llu (CR), %llu notify copies",
	       hits[0], hits[1], (unsigned long long)st.notified);
	/* the session still works, and detaches cleanly */
	EXPECT_EQ(0, xenintro_monitor_cpuid(&x, 0));
	EXPECT_EQ(0, xenintro_detach(&x));
	xenintro_close(&x);
	sim_cmd(out, sizeof(out), "state domid=%u", self->domid);
	EXPECT_EQ(0, kv_num(out, "pause")) TH_LOG("%s", out);
	EXPECT_EQ(0, kv_num(out, "ring")) TH_LOG("%s", out);
	EXPECT_EQ(0, kv_num(out, "monitors")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
