// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: in-kernel rule tables (XENINTRO_IOC_SET_RULES) on the
 * simulated hypervisor. Every policy is checked by what the simulated vCPU
 * saw (its result line: result=, rip=, rax=, value=, inject=), by what did
 * or did not reach the agent's event ring, and by the counters of STATS.
 *
 * The agent side is raw ioctls and the mmap'd rings of the uAPI header,
 * without libxenintro: the handshake asks for XENINTRO_FEATURE_RULES.
 *
 * A vCPU command that a rule must decide runs on a thread with a time
 * limit (run_free()): if it waited for the agent, the test fails instead
 * of hanging, and detaching releases the vCPU.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define VCPUS		4
#define FRAMES		64
#define WAIT_MS		10000
#define FREE_MS		5000	/* a vCPU a rule decides never takes this */
#define NO_RULE		(~0U)

#ifndef BIT_ULL
#define BIT_ULL(n)	(1ULL << (n))
#endif

#define CR0_WP		BIT_ULL(16)
#define CR4_SMEP	BIT_ULL(20)
#define CR4_SMAP	BIT_ULL(21)

#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082

#define SIM_CPUID_ECX	0x73696d20	/* the sim's CPUID ecx, "sim " */

/* ---------------------------------------------------------------- agent */

/* A session over raw ioctls and the three mappings. */
struct agent {
	int fd;
	struct xenintro_attach a;
	struct xenintro_ctrl *ctrl;
	struct xenintro_event *events;
	void *vregion;
	struct xenintro_agent_page *page;
	struct xenintro_verdict *verdicts;
};

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int ag_open(struct agent *ag, __u64 features)
{
	struct xenintro_api api = {
		.size = sizeof(api),
		.api_version = XENINTRO_API_VERSION,
		.features = features,
	};
	int ret;

	memset(ag, 0, sizeof(*ag));
	ag->fd = open("/dev/xenintro", O_RDWR | O_CLOEXEC);
	if (ag->fd < 0)
		return -errno;
	ret = xioctl(ag->fd, XENINTRO_IOC_API, &api);
	if (ret) {
		close(ag->fd);
		ag->fd = -1;
	}
	return ret;
}

static void ag_close(struct agent *ag)
{
	if (ag->ctrl)
		munmap(ag->ctrl, ag->a.ctrl_size);
	if (ag->events)
		munmap(ag->events, ag->a.events_size);
	if (ag->vregion)
		munmap(ag->vregion, ag->a.verdicts_size);
	if (ag->fd >= 0)
		close(ag->fd);
	memset(ag, 0, sizeof(*ag));
	ag->fd = -1;
}

static void *ag_map(struct agent *ag, size_t size, int prot, __u64 off)
{
	void *p = mmap(NULL, size, prot, MAP_SHARED, ag->fd, off);

	return p == MAP_FAILED ? NULL : p;
}

/* ATTACH with @entries slots per ring (0: default) and map the rings. */
static int ag_attach(struct agent *ag, unsigned int domid, __u32 entries,
		     __u32 deadline_ms)
{
	int ret;

	memset(&ag->a, 0, sizeof(ag->a));
	ag->a.size = sizeof(ag->a);
	ag->a.domid = domid;
	ag->a.event_entries = entries;
	ag->a.verdict_entries = entries;
	ag->a.deadline_ms = deadline_ms;
	ag->a.default_verdict = XENINTRO_VERDICT_CONTINUE;
	ret = xioctl(ag->fd, XENINTRO_IOC_ATTACH, &ag->a);
	if (ret)
		return ret;
	ag->ctrl = ag_map(ag, ag->a.ctrl_size, PROT_READ, XENINTRO_OFF_CTRL);
	ag->events = ag_map(ag, ag->a.events_size, PROT_READ,
			    XENINTRO_OFF_EVENTS);
	ag->vregion = ag_map(ag, ag->a.verdicts_size, PROT_READ | PROT_WRITE,
			     XENINTRO_OFF_VERDICTS);
	if (!ag->ctrl || !ag->events || !ag->vregion)
		return -ENOMEM;
	ag->page = ag->vregion;
	ag->verdicts = (void *)((char *)ag->vregion + ag->a.verdict_records);
	return 0;
}

static int ag_monitor(struct agent *ag, __u32 event, __u32 index,
		      __u32 flags)
{
	struct xenintro_monitor m = {
		.size = sizeof(m),
		.event = event,
		.flags = flags | XENINTRO_MON_ENABLE,
		.index = index,
	};

	return xioctl(ag->fd, XENINTRO_IOC_MONITOR, &m);
}

static int ag_set_access(struct agent *ag, __u64 gfn, __u64 nr, __u32 rights)
{
	struct xenintro_access a = {
		.size = sizeof(a),
		.gfn = gfn,
		.nr = nr,
		.range_rights = rights,
	};

	return xioctl(ag->fd, XENINTRO_IOC_SET_ACCESS, &a);
}

/* SET_RULES with records of @rule_size bytes; @r gets the outputs. */
static int set_rules_sz(int fd, const void *rules, __u32 nr, __u32 rule_size,
			struct xenintro_rules *r)
{
	memset(r, 0, sizeof(*r));
	r->size = sizeof(*r);
	r->nr = nr;
	r->rule_size = rule_size;
	r->rules = (uintptr_t)rules;
	r->error_index = 12345;	/* must be overwritten */
	return xioctl(fd, XENINTRO_IOC_SET_RULES, r);
}

static int ag_rules(struct agent *ag, const struct xenintro_rule *rules,
		    __u32 nr, struct xenintro_rules *r)
{
	return set_rules_sz(ag->fd, rules, nr, sizeof(*rules), r);
}

/* STATS; @hits (or NULL) receives up to @nr rule hit counts. */
static int ag_stats(struct agent *ag, struct xenintro_stats *st, __u64 *hits,
		    __u32 nr)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->rule_hits = (uintptr_t)hits;
	st->rule_hits_nr = nr;
	return xioctl(ag->fd, XENINTRO_IOC_STATS, st);
}

/* Hits of rule @i, or -1 if STATS failed. */
static long long ag_hits(struct agent *ag, __u32 i)
{
	struct xenintro_stats st;
	__u64 hits[16];

	if (i >= 16 || ag_stats(ag, &st, hits, 16) || i >= st.rules_nr)
		return -1;
	return hits[i];
}

/* Events in the ring the agent has not consumed. */
static __u32 ag_ready(struct agent *ag)
{
	return __atomic_load_n(&ag->ctrl->event_tail, __ATOMIC_ACQUIRE) -
	       ag->page->event_head;
}

static const struct xenintro_event *ag_peek(struct agent *ag)
{
	if (!ag_ready(ag))
		return NULL;
	return &ag->events[ag->page->event_head & (ag->a.event_entries - 1)];
}

static void ag_pop(struct agent *ag)
{
	__atomic_store_n(&ag->page->event_head, ag->page->event_head + 1,
			 __ATOMIC_RELEASE);
}

/* Wait up to @ms for the next event; NULL on timeout. */
static const struct xenintro_event *ag_next(struct agent *ag, int ms)
{
	struct pollfd p = { .fd = ag->fd, .events = POLLIN };
	long long end = now_ms() + ms, left;
	const struct xenintro_event *ev;

	for (;;) {
		ev = ag_peek(ag);
		if (ev)
			return ev;
		left = end - now_ms();
		if (left <= 0)
			return NULL;
		poll(&p, 1, left < 50 ? left : 50);
	}
}

/* Publish @v and KICK; returns the verdicts consumed or -errno. */
static int ag_put_verdict(struct agent *ag, const struct xenintro_verdict *v)
{
	struct xenintro_kick k = { .size = sizeof(k) };
	__u32 tail = ag->page->verdict_tail;
	__u32 head = __atomic_load_n(&ag->ctrl->verdict_head,
				     __ATOMIC_ACQUIRE);
	int ret;

	if (tail - head >= ag->a.verdict_entries)
		return -ENOSPC;
	ag->verdicts[tail & (ag->a.verdict_entries - 1)] = *v;
	__atomic_store_n(&ag->page->verdict_tail, tail + 1, __ATOMIC_RELEASE);
	ret = xioctl(ag->fd, XENINTRO_IOC_KICK, &k);
	return ret ? ret : (int)k.consumed;
}

/*
 * Answer @ev (the event at the head of the ring) and consume it. With
 * SET_REGISTERS the vCPU gets the event's registers with RIP moved on by
 * @rip_delta.
 */
static int ag_answer(struct agent *ag, const struct xenintro_event *ev,
		     __u32 verdict, __u64 rip_delta)
{
	struct xenintro_verdict v;

	memset(&v, 0, sizeof(v));
	v.seq = ev->seq;
	v.vcpu = ev->vcpu;
	v.verdict = verdict;
	if (verdict == XENINTRO_VERDICT_SET_REGISTERS) {
		/* rax .. rip: the same 18 words in the same order */
		memcpy(&v.u.regs, &ev->regs, sizeof(v.u.regs));
		v.u.regs.rip += rip_delta;
	}
	ag_pop(ag);
	return ag_put_verdict(ag, &v);
}

/* ---------------------------------------------------------------- vCPUs */

static int vcpu_startv(struct vcpu_op *op, const char *fmt, va_list ap)
{
	memset(op, 0, sizeof(*op));
	vsnprintf(op->cmd, sizeof(op->cmd), fmt, ap);
	op->started = !pthread_create(&op->thread, NULL, vcpu_op_thread, op);
	return op->started ? 0 : -1;
}

/*
 * Run a vCPU command that must complete with nobody answering: returns
 * its -errno, or -ETIMEDOUT if it was still waiting after FREE_MS (then
 * the session is closed to release it).
 */
static int run_free(struct agent *ag, char *out, size_t len, const char *fmt,
		    ...)
{
	static struct vcpu_op op;	/* outlives us if the vCPU hangs */
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vcpu_startv(&op, fmt, ap);
	va_end(ap);
	if (ret)
		return -EAGAIN;
	ret = vcpu_join_ms(&op, FREE_MS);
	if (ret == -ETIMEDOUT) {
		ag_close(ag);
		vcpu_join(&op);
	}
	snprintf(out, len, "%s", op.result);
	return ret;
}

static long long vcpu_reg(unsigned int domid, int vcpu, const char *reg)
{
	char st[1024];

	if (sim_cmd(st, sizeof(st), "state domid=%u vcpu=%d", domid, vcpu))
		return -1;
	return kv_num(st, reg);
}

/* ---------------------------------------------------------------- rules */

static struct xenintro_rule mkrule(__u32 event, __u64 first, __u64 last,
				   __u32 action, __u32 priority)
{
	struct xenintro_rule r;

	memset(&r, 0, sizeof(r));
	r.event = event;
	r.first = first;
	r.last = last;
	r.action = action;
	r.priority = priority;
	return r;
}

static struct xenintro_rule cpuid_answer(__u64 first, __u64 last, __u32 eax,
					 __u32 ebx, __u32 ecx, __u32 edx)
{
	struct xenintro_rule r = mkrule(XENINTRO_EVENT_CPUID, first, last,
					XENINTRO_VERDICT_SET_REGISTERS, 0);

	r.u.cpuid.eax = eax;
	r.u.cpuid.ebx = ebx;
	r.u.cpuid.ecx = ecx;
	r.u.cpuid.edx = edx;
	return r;
}

#define LEAF(l)		XENINTRO_CPUID_KEY(l, 0)

/* -------------------------------------------------------------- fixture */

FIXTURE(rules) {
	struct agent ag;
	unsigned int domid;
};

FIXTURE_SETUP(rules)
{
	self->ag.fd = -1;	/* teardown runs even when setup skips */
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, ag_open(&self->ag, XENINTRO_FEATURE_RINGS |
			     XENINTRO_FEATURE_RULES));
}

FIXTURE_TEARDOWN(rules)
{
	ag_close(&self->ag);
	sim("destroy domid=%u", self->domid);
}

/*
 * 1. Protect a page range from writes. W is removed from frames 10..13;
 * a MEM_ACCESS rule for write faults there decides DENY (then, replaced,
 * EMULATE_NOWRITE). A write is discarded without the agent; reads of the
 * range and writes elsewhere raise nothing.
 */
TEST_F(rules, protect_pages_from_writes)
{
	static const __u32 actions[] = {
		XENINTRO_VERDICT_DENY, XENINTRO_VERDICT_EMULATE_NOWRITE,
	};
	struct xenintro_stats st0, st;
	struct xenintro_rules r;
	struct xenintro_rule rule;
	__u32 tail0;
	char res[512];
	size_t i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	/* known contents, written before the protection */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res),
			     "access domid=%u vcpu=0 gfn=11 op=w value=0xaaaa",
			     self->domid));
	ASSERT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	ASSERT_EQ(0, ag_set_access(&self->ag, 10, 4,
				   XENINTRO_ACCESS_R | XENINTRO_ACCESS_X));

	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		TH_LOG("action %u", actions[i]);
		rule = mkrule(XENINTRO_EVENT_MEM_ACCESS, 10, 13, actions[i], 0);
		rule.u.mem_access.access = XENINTRO_ACCESS_W;
		ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));
		EXPECT_EQ(i + 1, r.generation);
		EXPECT_EQ(NO_RULE, r.error_index);
		ASSERT_EQ(0, ag_stats(&self->ag, &st0, NULL, 0));
		tail0 = self->ag.ctrl->event_tail;

		/* a write into the range: discarded, memory unchanged */
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=1 gfn=11 op=w value=0x1234",
				      self->domid)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "emulated-nowrite"))
			TH_LOG("%s", res);
		EXPECT_EQ(1, kv_num(res, "events")) TH_LOG("%s", res);
		EXPECT_EQ(0xaaaa, kv_num(res, "value")) TH_LOG("%s", res);
		/* the last frame of the range too */
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=2 gfn=13 op=w value=0x5678",
				      self->domid)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "emulated-nowrite"))
			TH_LOG("%s", res);
		EXPECT_EQ(0, kv_num(res, "value")) TH_LOG("%s", res);

		/* reads of the range run free: no fault at all */
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=1 gfn=11 op=r",
				      self->domid)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
		EXPECT_EQ(0, kv_num(res, "events")) TH_LOG("%s", res);
		EXPECT_EQ(0xaaaa, kv_num(res, "rax")) TH_LOG("%s", res);

		/* so do writes to other frames, just outside the range too */
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=3 gfn=14 op=w value=0x%zx",
				      self->domid, 0xc0 + i)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
		EXPECT_EQ(0, kv_num(res, "events")) TH_LOG("%s", res);
		EXPECT_EQ(0xc0 + i, kv_num(res, "value")) TH_LOG("%s", res);
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=3 gfn=9 op=w value=0x99",
				      self->domid)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
		EXPECT_EQ(0, kv_num(res, "events")) TH_LOG("%s", res);

		/* nothing reached the agent: the kernel decided both */
		EXPECT_EQ(tail0, self->ag.ctrl->event_tail);
		ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
		EXPECT_EQ(st0.kernel_verdicts + 2, st.kernel_verdicts);
		EXPECT_EQ(0, st.forwarded);
		EXPECT_EQ(0, st.notified);
		EXPECT_EQ(st0.requests + 2, st.requests);
		EXPECT_EQ(2, ag_hits(&self->ag, 0));
	}
}

/*
 * 2. Answer CPUID from the kernel: SET_REGISTERS loads the rule's
 * eax..edx (zero-extended) and moves RIP past the instruction. A CONTINUE
 * rule completes CPUID with the sim's own result; a leaf no rule names
 * (or the same leaf with another subleaf) is forwarded with rule ~0.
 */
TEST_F(rules, answer_cpuid)
{
	struct xenintro_rule rules[2];
	const struct xenintro_event *ev;
	static struct vcpu_op op;
	struct xenintro_stats st;
	struct xenintro_rules r;
	long long rip0;
	char res[512];
	__u32 tail0;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	rules[0] = cpuid_answer(LEAF(0x40000000), LEAF(0x40000000),
				0x4b4d564b, 0x11111111, 0x22222222, 0x80000001);
	rules[1] = mkrule(XENINTRO_EVENT_CPUID, LEAF(0), LEAF(0),
			  XENINTRO_VERDICT_CONTINUE, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 2, &r));
	tail0 = self->ag.ctrl->event_tail;

	rip0 = vcpu_reg(self->domid, 0, "rip");
	ASSERT_LE(0, rip0);
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "cpuid domid=%u vcpu=0 leaf=0x40000000",
			      self->domid)) TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	EXPECT_EQ(1, kv_num(res, "events")) TH_LOG("%s", res);
	EXPECT_EQ(0x4b4d564b, kv_num(res, "rax")) TH_LOG("%s", res);
	EXPECT_EQ(0x11111111, kv_num(res, "rbx")) TH_LOG("%s", res);
	EXPECT_EQ(0x22222222, kv_num(res, "rcx")) TH_LOG("%s", res);
	EXPECT_EQ(0x80000001, kv_num(res, "rdx")) TH_LOG("%s", res);
	EXPECT_EQ(rip0 + 2, kv_num(res, "rip")) TH_LOG("%s", res);

	/* CONTINUE completes CPUID with the sim's result */
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "cpuid domid=%u vcpu=0 leaf=0", self->domid))
		TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	EXPECT_EQ(1, kv_num(res, "events")) TH_LOG("%s", res);
	EXPECT_EQ(0, kv_num(res, "rax")) TH_LOG("%s", res);
	EXPECT_EQ(SIM_CPUID_ECX, kv_num(res, "rcx")) TH_LOG("%s", res);
	EXPECT_EQ(rip0 + 4, kv_num(res, "rip")) TH_LOG("%s", res);
	EXPECT_EQ(tail0, self->ag.ctrl->event_tail);

	/* no rule: subleaf 1 of the answered leaf, and another leaf */
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=0x40000000 subleaf=1",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(XENINTRO_EVENT_CPUID, ev->reason);
	EXPECT_EQ(0x40000000, ev->u.cpuid.leaf);
	EXPECT_EQ(1, ev->u.cpuid.subleaf);
	EXPECT_EQ(NO_RULE, ev->rule);
	EXPECT_TRUE(ev->flags & XENINTRO_EF_SYNC);
	EXPECT_FALSE(ev->flags & XENINTRO_EF_NOTIFY);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_CONTINUE, 0));
	ASSERT_EQ(0, vcpu_join(&op)) TH_LOG("%s", op.result);
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);
	EXPECT_EQ(0x40000000, kv_num(op.result, "rax")) TH_LOG("%s", op.result);
	EXPECT_EQ(1, kv_num(op.result, "rbx")) TH_LOG("%s", op.result);
	EXPECT_EQ(0x40000001, kv_num(op.result, "rdx")) TH_LOG("%s", op.result);

	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=0x40000001",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(0x40000001, ev->u.cpuid.leaf);
	EXPECT_EQ(NO_RULE, ev->rule);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_CONTINUE, 0));
	ASSERT_EQ(0, vcpu_join(&op)) TH_LOG("%s", op.result);
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);
	EXPECT_EQ(0x40000001, kv_num(op.result, "rax")) TH_LOG("%s", op.result);
	EXPECT_EQ(SIM_CPUID_ECX, kv_num(op.result, "rcx"))
		TH_LOG("%s", op.result);

	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(2, st.kernel_verdicts);
	EXPECT_EQ(2, st.forwarded);
	EXPECT_EQ(2, st.agent_verdicts);
	EXPECT_EQ(1, ag_hits(&self->ag, 0));
	EXPECT_EQ(1, ag_hits(&self->ag, 1));
}

/* A CR write on vCPU 0 and what it must end as. */
struct cr_case {
	__u32 index;	/* sim index: 0 CR0, 2 CR4 */
	__u64 value;
	const char *result;
	__u64 after;	/* the register after the write */
};

/*
 * 3. Deny a CR0.WP clear and a CR4.SMEP/SMAP clear: CTRLREG rules with a
 * clear_mask decide DENY; a catch-all CONTINUE at a lower priority lets
 * every other write (setting WP, changing other bits) through. All of it
 * without the agent.
 */
TEST_F(rules, deny_cr0_wp_and_cr4_smep_smap_clear)
{
	static const struct cr_case cases[] = {
		{ 0, 0x80050033, "done", 0x80050033 },	/* sets WP */
		{ 0, 0x80040033, "denied", 0x80050033 },	/* clears WP */
		{ 0, 0x80010033, "done", 0x80010033 },	/* clears AM only */
		{ 0, 0x00000033, "denied", 0x80010033 },	/* PG and WP */
		{ 0, 0x80010033, "done", 0x80010033 },	/* unchanged: none */
		{ 2, 0x003006f0, "done", 0x003006f0 },	/* sets SMEP|SMAP */
		{ 2, 0x002006f0, "denied", 0x003006f0 },	/* clears SMEP */
		{ 2, 0x001006f0, "denied", 0x003006f0 },	/* clears SMAP */
		{ 2, 0x000006f0, "denied", 0x003006f0 },	/* both */
		{ 2, 0x003406f0, "done", 0x003406f0 },	/* sets OSXSAVE */
		{ 2, 0x003400f0, "done", 0x003400f0 },	/* clears others */
	};
	struct xenintro_rule rules[3];
	struct xenintro_stats st;
	struct xenintro_rules r;
	__u64 hits[3];
	char res[512];
	size_t i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR0, XENINTRO_MON_SYNC |
				XENINTRO_MON_DENY_CAPABLE));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR4, XENINTRO_MON_SYNC |
				XENINTRO_MON_DENY_CAPABLE));
	rules[0] = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR0, XENINTRO_CR0,
			  XENINTRO_VERDICT_DENY, 10);
	rules[0].u.ctrlreg.clear_mask = CR0_WP;
	rules[1] = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR4, XENINTRO_CR4,
			  XENINTRO_VERDICT_DENY, 10);
	rules[1].u.ctrlreg.clear_mask = CR4_SMEP | CR4_SMAP;
	rules[2] = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR0, XENINTRO_XCR0,
			  XENINTRO_VERDICT_CONTINUE, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 3, &r));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct cr_case *c = &cases[i];

		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "cr domid=%u vcpu=0 index=%u value=0x%llx",
				      self->domid, c->index,
				      (unsigned long long)c->value))
			TH_LOG("case %zu: %s", i, res);
		EXPECT_TRUE(kv_is(res, "result", c->result))
			TH_LOG("case %zu: %s", i, res);
		EXPECT_EQ(c->after, kv_num(res, "value"))
			TH_LOG("case %zu: %s", i, res);
	}
	EXPECT_EQ(0x80010033, vcpu_reg(self->domid, 0, "cr0"));
	EXPECT_EQ(0x003400f0, vcpu_reg(self->domid, 0, "cr4"));
	EXPECT_EQ(0, ag_ready(&self->ag));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 3));
	EXPECT_EQ(0, st.forwarded);
	/* the unchanged CR0 write raised no event */
	EXPECT_EQ(10, st.kernel_verdicts);
	EXPECT_EQ(2, hits[0]);
	EXPECT_EQ(3, hits[1]);
	EXPECT_EQ(5, hits[2]);
}

/*
 * 4. Deny writes to LSTAR and SYSENTER_CS/ESP/EIP after a chosen point:
 * before SET_RULES each write is forwarded and the agent lets it through;
 * after it the kernel denies them. A monitored MSR no rule names (STAR)
 * is still forwarded.
 */
TEST_F(rules, deny_msr_writes_after_point)
{
	static const __u32 msrs[] = {
		MSR_LSTAR, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
	};
	const struct xenintro_event *ev;
	struct xenintro_rule rules[2];
	static struct vcpu_op op;
	struct xenintro_stats st;
	struct xenintro_rules r;
	__u64 hits[2];
	char res[512];
	size_t i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	for (i = 0; i < ARRAY_SIZE(msrs); i++)
		ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_MSR, msrs[i],
					XENINTRO_MON_DENY_CAPABLE));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_MSR, MSR_STAR,
				XENINTRO_MON_DENY_CAPABLE));

	/* before: the agent decides, and allows */
	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		ASSERT_EQ(0, vcpu_start(&op, "msr domid=%u vcpu=0 msr=0x%x value=0x%zx",
					self->domid, msrs[i], 0x1000 + i));
		ev = ag_next(&self->ag, WAIT_MS);
		ASSERT_NE(NULL, ev) TH_LOG("msr %#x", msrs[i]);
		EXPECT_EQ(XENINTRO_EVENT_MSR, ev->reason);
		EXPECT_EQ(msrs[i], ev->u.msr.msr);
		EXPECT_EQ(NO_RULE, ev->rule);
		ASSERT_LE(0, ag_answer(&self->ag, ev,
				       XENINTRO_VERDICT_CONTINUE, 0));
		ASSERT_EQ(0, vcpu_join(&op)) TH_LOG("%s", op.result);
		EXPECT_TRUE(kv_is(op.result, "result", "done"))
			TH_LOG("%s", op.result);
		EXPECT_EQ(0x1000 + i, kv_num(op.result, "value"))
			TH_LOG("%s", op.result);
	}

	/* the chosen point */
	rules[0] = mkrule(XENINTRO_EVENT_MSR, MSR_LSTAR, MSR_LSTAR,
			  XENINTRO_VERDICT_DENY, 0);
	rules[1] = mkrule(XENINTRO_EVENT_MSR, MSR_SYSENTER_CS,
			  MSR_SYSENTER_EIP, XENINTRO_VERDICT_DENY, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 2, &r));

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "msr domid=%u vcpu=0 msr=0x%x value=0xbad",
				      self->domid, msrs[i])) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "denied")) TH_LOG("%s", res);
		EXPECT_EQ(0x1000 + i, kv_num(res, "value")) TH_LOG("%s", res);
	}
	EXPECT_EQ(0x1000, vcpu_reg(self->domid, 0, "lstar"));
	EXPECT_EQ(0x1001, vcpu_reg(self->domid, 0, "sysenter_cs"));
	EXPECT_EQ(0x1003, vcpu_reg(self->domid, 0, "sysenter_eip"));
	EXPECT_EQ(0, ag_ready(&self->ag));

	/* STAR: no rule, still the agent's */
	ASSERT_EQ(0, vcpu_start(&op, "msr domid=%u vcpu=1 msr=0x%x value=0x77",
				self->domid, MSR_STAR));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(MSR_STAR, ev->u.msr.msr);
	EXPECT_EQ(NO_RULE, ev->rule);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_DENY, 0));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "denied")) TH_LOG("%s", op.result);

	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 2));
	EXPECT_EQ(5, st.forwarded);
	EXPECT_EQ(5, st.agent_verdicts);
	EXPECT_EQ(4, st.kernel_verdicts);
	EXPECT_EQ(1, hits[0]);
	EXPECT_EQ(3, hits[1]);
}

/*
 * 5. INT3: the breakpoint on the agent's list (one RIP) is forwarded with
 * event.rule set and waits for the agent; every other one is re-injected
 * by the kernel (the guest gets #BP, inject=3) and never reaches the agent.
 */
TEST_F(rules, int3_reinject_unlisted_forward_listed)
{
	const struct xenintro_event *ev;
	struct xenintro_rule rules[2];
	static struct vcpu_op op;
	struct xenintro_stats st;
	struct xenintro_rules r;
	char res[512];
	__u64 hits[2];

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_BREAKPOINT, 0, 0));
	rules[0] = mkrule(XENINTRO_EVENT_BREAKPOINT, 0x401000, 0x401000,
			  XENINTRO_VERDICT_FORWARD, 10);
	rules[1] = mkrule(XENINTRO_EVENT_BREAKPOINT, 0, ~0ULL,
			  XENINTRO_VERDICT_REINJECT, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 2, &r));

	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "int3 domid=%u vcpu=0 rip=0x402000", self->domid))
		TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "reinjected")) TH_LOG("%s", res);
	EXPECT_EQ(3, kv_num(res, "inject")) TH_LOG("%s", res);
	EXPECT_EQ(1, kv_num(res, "events")) TH_LOG("%s", res);
	/* next to the listed RIP */
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "int3 domid=%u vcpu=0 rip=0x401001", self->domid))
		TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "reinjected")) TH_LOG("%s", res);
	EXPECT_EQ(3, kv_num(res, "inject")) TH_LOG("%s", res);
	EXPECT_EQ(0, ag_ready(&self->ag));

	/* the listed one: the agent's */
	ASSERT_EQ(0, vcpu_start(&op, "int3 domid=%u vcpu=1 rip=0x401000",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(XENINTRO_EVENT_BREAKPOINT, ev->reason);
	EXPECT_EQ(0, ev->rule);
	EXPECT_EQ(0x401000, ev->regs.rip);
	EXPECT_TRUE(ev->flags & XENINTRO_EF_SYNC);
	EXPECT_FALSE(ev->flags & XENINTRO_EF_NOTIFY);
	/* it waits for the verdict */
	EXPECT_EQ(-ETIMEDOUT, vcpu_join_ms(&op, 300));
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_SET_REGISTERS,
			       ev->u.debug.insn_length));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "skipped")) TH_LOG("%s", op.result);
	EXPECT_EQ(0x401001, kv_num(op.result, "rip")) TH_LOG("%s", op.result);
	EXPECT_EQ(-1, kv_num(op.result, "inject")) TH_LOG("%s", op.result);

	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 2));
	EXPECT_EQ(1, st.forwarded);
	EXPECT_EQ(1, st.agent_verdicts);
	EXPECT_EQ(2, st.kernel_verdicts);
	EXPECT_EQ(1, hits[0]);
	EXPECT_EQ(2, hits[1]);
}

/* Check one log-only copy. */
static void check_copy(struct __test_metadata *_metadata,
		       const struct xenintro_event *ev, __u32 reason,
		       __u32 rule, __u64 seq_after)
{
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(reason, ev->reason);
	EXPECT_TRUE(ev->flags & XENINTRO_EF_NOTIFY) TH_LOG("flags %#x", ev->flags);
	EXPECT_FALSE(ev->flags & XENINTRO_EF_SYNC) TH_LOG("flags %#x", ev->flags);
	EXPECT_EQ(rule, ev->rule);
	EXPECT_GT(ev->seq, seq_after);
}

/*
 * 6. Log-only monitoring: CR3 switches (a sync monitor) with CONTINUE |
 * NOTIFY, a write-protected page range with EMULATE | NOTIFY (for a page
 * fault, CONTINUE would re-execute the access, which faults again, so a
 * page rule must say EMULATE: the table refuses CONTINUE there). No agent loop runs: every vCPU
 * command completes, and the copies are read afterwards.
 */
TEST_F(rules, log_only_cr3_and_pages)
{
	const struct xenintro_event *ev;
	struct xenintro_rule rules[2];
	struct xenintro_stats st;
	struct xenintro_rules r;
	__u64 seq = 0;
	char res[512];
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR3, XENINTRO_MON_SYNC));
	ASSERT_EQ(0, ag_set_access(&self->ag, 30, 2,
				   XENINTRO_ACCESS_R | XENINTRO_ACCESS_X));
	rules[0] = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR3, XENINTRO_CR3,
			  XENINTRO_VERDICT_CONTINUE, 0);
	rules[0].flags = XENINTRO_RULE_NOTIFY;
	/* CONTINUE on a page is refused, whole table, nothing changed */
	rules[1] = mkrule(XENINTRO_EVENT_MEM_ACCESS, 30, 31,
			  XENINTRO_VERDICT_CONTINUE, 0);
	rules[1].flags = XENINTRO_RULE_NOTIFY;
	ASSERT_EQ(-EINVAL, ag_rules(&self->ag, rules, 2, &r));
	EXPECT_EQ(1, r.error_index);
	rules[1].action = XENINTRO_VERDICT_EMULATE;
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 2, &r));

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "cr domid=%u vcpu=%d index=1 value=0x%x",
				      self->domid, i, 0x5000 + i * 0x1000))
			TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
		EXPECT_EQ(1, kv_num(res, "events")) TH_LOG("%s", res);
		EXPECT_EQ(0x5000 + i * 0x1000, kv_num(res, "value"))
			TH_LOG("%s", res);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "access domid=%u vcpu=3 gfn=%d op=w value=0x%x gla=0x%x",
				      self->domid, 30 + i, 0x1111 * (i + 1),
				      0x30000 + i * 0x1000)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "emulated")) TH_LOG("%s", res);
		EXPECT_EQ(0x1111 * (i + 1), kv_num(res, "value"))
			TH_LOG("%s", res);
	}

	ASSERT_EQ(5, ag_ready(&self->ag));
	for (i = 0; i < 3; i++) {
		ev = ag_peek(&self->ag);
		check_copy(_metadata, ev, XENINTRO_EVENT_CTRLREG, 0, seq);
		EXPECT_EQ(XENINTRO_CR3, ev->u.ctrlreg.index);
		EXPECT_EQ(0x5000 + i * 0x1000, ev->u.ctrlreg.new_value);
		EXPECT_EQ(i, ev->vcpu);
		seq = ev->seq;
		ag_pop(&self->ag);
	}
	for (i = 0; i < 2; i++) {
		ev = ag_peek(&self->ag);
		check_copy(_metadata, ev, XENINTRO_EVENT_MEM_ACCESS, 1, seq);
		EXPECT_EQ(30 + i, ev->u.mem_access.gfn);
		EXPECT_EQ(XENINTRO_ACCESS_W, ev->u.mem_access.access);
		EXPECT_EQ(0x30000 + i * 0x1000, ev->u.mem_access.gla);
		seq = ev->seq;
		ag_pop(&self->ag);
	}

	/* a verdict for a copy names no pending event: stale, harmless */
	{
		struct xenintro_verdict v = { .seq = seq, .vcpu = 3 };

		ASSERT_LE(0, ag_put_verdict(&self->ag, &v));
	}
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(5, st.notified);
	EXPECT_EQ(5, st.kernel_verdicts);
	EXPECT_EQ(0, st.forwarded);
	EXPECT_EQ(0, st.dropped);
	EXPECT_EQ(1, st.verdicts_stale);
	EXPECT_EQ(3, ag_hits(&self->ag, 0));
	EXPECT_EQ(2, ag_hits(&self->ag, 1));
}

/*
 * 6b. Log-only with a two-slot event ring nobody drains: the copies that
 * find it full are dropped and counted, and the vCPU never waits.
 */
TEST_F(rules, log_only_full_ring_drops_copies)
{
	const struct xenintro_event *ev;
	struct xenintro_stats st;
	struct xenintro_rule rule;
	struct xenintro_rules r;
	char res[512];
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 2, 30000));
	ASSERT_EQ(2, self->ag.a.event_entries);
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR3, XENINTRO_MON_SYNC));
	rule = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR3, XENINTRO_CR3,
		      XENINTRO_VERDICT_CONTINUE, 0);
	rule.flags = XENINTRO_RULE_NOTIFY;
	ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));

	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "cr domid=%u vcpu=%d index=1 value=0x%x",
				      self->domid, i % VCPUS,
				      0x10000 + i * 0x1000)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	}
	EXPECT_EQ(2, ag_ready(&self->ag));
	EXPECT_EQ(4, self->ag.ctrl->events_dropped);
	EXPECT_EQ(2, self->ag.ctrl->events_delivered);
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(4, st.dropped);
	EXPECT_EQ(2, st.notified);
	EXPECT_EQ(6, st.kernel_verdicts);
	EXPECT_EQ(0, st.backlog_max);
	EXPECT_EQ(6, ag_hits(&self->ag, 0));

	/* the first two are the ones kept */
	ev = ag_peek(&self->ag);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(0x10000, ev->u.ctrlreg.new_value);
	ag_pop(&self->ag);
	ev = ag_peek(&self->ag);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(0x11000, ev->u.ctrlreg.new_value);
	ag_pop(&self->ag);

	/* room again: copies arrive again */
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "cr domid=%u vcpu=0 index=1 value=0x99000",
			      self->domid)) TH_LOG("%s", res);
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(0x99000, ev->u.ctrlreg.new_value);
	EXPECT_TRUE(ev->flags & XENINTRO_EF_NOTIFY);
	EXPECT_EQ(4, self->ag.ctrl->events_dropped);
}

/*
 * 6c. Asynchronous events (a CR3 monitor without SYNC): the kernel always
 * answers; a copy reaches the agent unless the rule that matched has
 * neither NOTIFY nor FORWARD.
 */
TEST_F(rules, async_events_and_rules)
{
	static const struct {
		__u32 action, flags;
		bool copy;
	} steps[] = {
		{ XENINTRO_VERDICT_CONTINUE, 0, false },
		{ XENINTRO_VERDICT_CONTINUE, XENINTRO_RULE_NOTIFY, true },
		{ XENINTRO_VERDICT_FORWARD, 0, true },
		{ XENINTRO_VERDICT_DENY, 0, false },
	};
	const struct xenintro_event *ev;
	struct xenintro_stats st;
	struct xenintro_rule rule;
	struct xenintro_rules r;
	char res[512];
	size_t i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR3, 0));
	for (i = 0; i <= ARRAY_SIZE(steps); i++) {
		bool copy = true;

		if (i < ARRAY_SIZE(steps)) {
			rule = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR3,
				      XENINTRO_CR3, steps[i].action, 0);
			rule.flags = steps[i].flags;
			ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));
			copy = steps[i].copy;
		} else {
			/* no table at all */
			ASSERT_EQ(0, set_rules_sz(self->ag.fd, NULL, 0, 0, &r));
		}
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "cr domid=%u vcpu=1 index=1 value=0x%zx",
				      self->domid, 0x1000 * (i + 1)))
			TH_LOG("step %zu: %s", i, res);
		/* async: written at once, whatever the rule says */
		EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
		EXPECT_EQ(0x1000 * (i + 1), kv_num(res, "value"))
			TH_LOG("%s", res);
		EXPECT_EQ(copy ? 1 : 0, ag_ready(&self->ag))
			TH_LOG("step %zu", i);
		ev = ag_peek(&self->ag);
		if (!copy || !ev)
			continue;
		EXPECT_TRUE(ev->flags & XENINTRO_EF_NOTIFY) TH_LOG("step %zu", i);
		EXPECT_FALSE(ev->flags & XENINTRO_EF_SYNC) TH_LOG("step %zu", i);
		EXPECT_EQ(i < ARRAY_SIZE(steps) ? 0 : NO_RULE, ev->rule)
			TH_LOG("step %zu", i);
		EXPECT_EQ(0x1000 * (i + 1), ev->u.ctrlreg.new_value);
		ag_pop(&self->ag);
	}
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(ARRAY_SIZE(steps) + 1, st.kernel_verdicts);
	EXPECT_EQ(3, st.notified);
	EXPECT_EQ(0, st.forwarded);
}

/*
 * The filters end to end: a vCPU mask, a linear-address range, a
 * breakpoint keyed by frame, and priorities across the RIP and frame keys.
 */
TEST_F(rules, filters_end_to_end)
{
	const struct xenintro_event *ev;
	struct xenintro_rule rules[4];
	static struct vcpu_op op;
	struct xenintro_rules r;
	__u64 hits[4];
	struct xenintro_stats st;
	char res[512];
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_MSR, MSR_STAR,
				XENINTRO_MON_DENY_CAPABLE));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_BREAKPOINT, 0, 0));
	ASSERT_EQ(0, ag_set_access(&self->ag, 40, 1, XENINTRO_ACCESS_R));
	rules[0] = mkrule(XENINTRO_EVENT_MSR, MSR_STAR, MSR_STAR,
			  XENINTRO_VERDICT_DENY, 0);
	rules[0].vcpu_mask = BIT_ULL(0) | BIT_ULL(2);
	/* frame 5 is where the sim puts rip 0x405xxx */
	rules[1] = mkrule(XENINTRO_EVENT_BREAKPOINT, 5, 5,
			  XENINTRO_VERDICT_REINJECT, 0);
	rules[1].flags = XENINTRO_RULE_KEY_GFN;
	rules[2] = mkrule(XENINTRO_EVENT_BREAKPOINT, 0x405800, 0x405800,
			  XENINTRO_VERDICT_FORWARD, 1);
	rules[3] = mkrule(XENINTRO_EVENT_MEM_ACCESS, 40, 40,
			  XENINTRO_VERDICT_DENY, 0);
	rules[3].flags = XENINTRO_RULE_GLA;
	rules[3].u.mem_access.gla_first = 0x7000;
	rules[3].u.mem_access.gla_last = 0x7fff;
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 4, &r));

	/* vCPU mask: 0 and 2 denied by the kernel, 1 asks the agent */
	for (i = 0; i < 3; i++) {
		if (i == 1)
			continue;
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "msr domid=%u vcpu=%d msr=0x%x value=0x5",
				      self->domid, i, MSR_STAR)) TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "denied")) TH_LOG("%s", res);
	}
	ASSERT_EQ(0, vcpu_start(&op, "msr domid=%u vcpu=1 msr=0x%x value=0x5",
				self->domid, MSR_STAR));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(1, ev->vcpu);
	EXPECT_EQ(NO_RULE, ev->rule);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_CONTINUE, 0));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);

	/* breakpoints: by frame, and the RIP rule of higher priority */
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "int3 domid=%u vcpu=0 rip=0x405010", self->domid))
		TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "reinjected")) TH_LOG("%s", res);
	EXPECT_EQ(3, kv_num(res, "inject")) TH_LOG("%s", res);
	ASSERT_EQ(0, vcpu_start(&op, "int3 domid=%u vcpu=0 rip=0x405800",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(2, ev->rule);
	EXPECT_EQ(5, ev->u.debug.gfn);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_SET_REGISTERS,
			       1));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "skipped")) TH_LOG("%s", op.result);
	/* another frame: no rule */
	ASSERT_EQ(0, vcpu_start(&op, "int3 domid=%u vcpu=0 rip=0x406000",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(NO_RULE, ev->rule);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_REINJECT, 0));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "reinjected"))
		TH_LOG("%s", op.result);

	/* linear-address range: inside denied, outside and no gla forwarded */
	ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
			      "access domid=%u vcpu=3 gfn=40 op=w value=1 gla=0x7ff8",
			      self->domid)) TH_LOG("%s", res);
	EXPECT_TRUE(kv_is(res, "result", "emulated-nowrite")) TH_LOG("%s", res);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vcpu_start(&op, "access domid=%u vcpu=3 gfn=40 op=w value=2%s",
					self->domid, i ? "" : " gla=0x8000"));
		ev = ag_next(&self->ag, WAIT_MS);
		ASSERT_NE(NULL, ev);
		EXPECT_EQ(NO_RULE, ev->rule);
		EXPECT_EQ(40, ev->u.mem_access.gfn);
		ASSERT_LE(0, ag_answer(&self->ag, ev,
				       XENINTRO_VERDICT_EMULATE, 0));
		ASSERT_EQ(0, vcpu_join(&op));
		EXPECT_TRUE(kv_is(op.result, "result", "emulated"))
			TH_LOG("%s", op.result);
		EXPECT_EQ(2, kv_num(op.result, "value")) TH_LOG("%s", op.result);
	}

	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 4));
	EXPECT_EQ(2, hits[0]);
	EXPECT_EQ(1, hits[1]);
	EXPECT_EQ(1, hits[2]);
	EXPECT_EQ(1, hits[3]);
	EXPECT_EQ(4, st.kernel_verdicts);
	EXPECT_EQ(5, st.forwarded);
	EXPECT_EQ(5, st.agent_verdicts);
}

/* A CPUID on vCPU @vcpu that a rule answers; returns rax or -errno. */
static long long cpuid_rax(struct agent *ag, unsigned int domid, int vcpu,
			   unsigned int leaf)
{
	char res[512];
	int ret;

	ret = run_free(ag, res, sizeof(res), "cpuid domid=%u vcpu=%d leaf=%u",
		       domid, vcpu, leaf);
	if (ret)
		return ret;
	if (!kv_is(res, "result", "done"))
		return -EPROTO;
	return kv_num(res, "rax");
}

/*
 * 7. Replacing the table: the generation counts every SET_RULES, hit
 * counts start at zero with each table, and nr = 0 removes the table
 * (events are forwarded again).
 */
TEST_F(rules, replace_and_remove)
{
	const struct xenintro_event *ev;
	struct xenintro_rule rule;
	static struct vcpu_op op;
	struct xenintro_stats st;
	struct xenintro_rules r;
	__u64 hit = 0xdeadbeef;
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(0, st.rules_nr);
	EXPECT_EQ(0, st.rules_generation);

	rule = cpuid_answer(0, ~0ULL, 1, 0, 0, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));
	EXPECT_EQ(1, r.generation);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(1, cpuid_rax(&self->ag, self->domid, 0, 7 + i));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, &hit, 1));
	EXPECT_EQ(1, st.rules_nr);
	EXPECT_EQ(1, st.rules_generation);
	EXPECT_EQ(3, hit);

	rule.u.cpuid.eax = 2;
	ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));
	EXPECT_EQ(2, r.generation);
	ASSERT_EQ(0, ag_stats(&self->ag, &st, &hit, 1));
	EXPECT_EQ(2, st.rules_generation);
	EXPECT_EQ(0, hit);
	EXPECT_EQ(2, cpuid_rax(&self->ag, self->domid, 1, 7));
	EXPECT_EQ(1, ag_hits(&self->ag, 0));

	/* nr = 0: no table, a removal counts as a generation */
	ASSERT_EQ(0, set_rules_sz(self->ag.fd, NULL, 0, 0, &r));
	EXPECT_EQ(3, r.generation);
	EXPECT_EQ(NO_RULE, r.error_index);
	hit = 0xdeadbeef;
	ASSERT_EQ(0, ag_stats(&self->ag, &st, &hit, 1));
	EXPECT_EQ(0, st.rules_nr);
	EXPECT_EQ(3, st.rules_generation);
	EXPECT_EQ(0xdeadbeef, hit);	/* nothing to copy */
	EXPECT_EQ(4, st.kernel_verdicts);
	EXPECT_EQ(0, st.forwarded);

	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=2 leaf=5",
				self->domid));
	ev = ag_next(&self->ag, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(5, ev->u.cpuid.leaf);
	EXPECT_EQ(NO_RULE, ev->rule);
	ASSERT_LE(0, ag_answer(&self->ag, ev, XENINTRO_VERDICT_CONTINUE, 0));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_EQ(5, kv_num(op.result, "rax")) TH_LOG("%s", op.result);
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(1, st.forwarded);

	/* removing nothing again is fine too */
	ASSERT_EQ(0, set_rules_sz(self->ag.fd, NULL, 0, 0, &r));
	EXPECT_EQ(4, r.generation);
	/* and a table again */
	ASSERT_EQ(0, ag_rules(&self->ag, &rule, 1, &r));
	EXPECT_EQ(5, r.generation);
	EXPECT_EQ(2, cpuid_rax(&self->ag, self->domid, 3, 7));
}

/* vCPU 3 running CPUIDs in a loop while the tables change. */
struct checker {
	pthread_t thread;
	unsigned int domid;
	bool stop;	/* __atomic */
	long long n, ones, twos, bad, last_bad;
	int err;
};

static void *checker_thread(void *arg)
{
	struct checker *c = arg;
	char res[512];
	long long rax;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		c->err = sim_cmd(res, sizeof(res),
				 "cpuid domid=%u vcpu=3 leaf=0x%llx",
				 c->domid, 0x50000000 + c->n);
		if (c->err)
			break;
		rax = kv_num(res, "rax");
		c->n++;
		if (rax == 1) {
			c->ones++;
		} else if (rax == 2) {
			c->twos++;
		} else {
			c->bad++;
			c->last_bad = rax;
		}
	}
	return NULL;
}

/*
 * 7b. Tables replaced while a storm runs on three vCPUs and vCPU 3 checks
 * each answer: old table eax=1, new eax=2, flipped back and forth. Every
 * CPUID is answered by one or the other, none is forwarded or lost.
 */
TEST_F_TIMEOUT(rules, replace_during_storm, 240)
{
	enum { STORM = 20000 };
	struct xenintro_rule t1, t2;
	static struct checker chk;
	static struct vcpu_op storm;
	struct xenintro_stats st;
	struct xenintro_rules r;
	long long t0 = now_ms();
	int flips = 0, ret;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	t1 = cpuid_answer(0, ~0ULL, 1, 0, 0, 0);
	t2 = cpuid_answer(0, ~0ULL, 2, 0, 0, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, &t1, 1, &r));

	chk.domid = self->domid;
	ASSERT_EQ(0, pthread_create(&chk.thread, NULL, checker_thread, &chk));
	/* threads=3: vCPUs 0..2, vCPU 3 is the checker's */
	ASSERT_EQ(0, vcpu_start(&storm,
				"storm domid=%u events=%d threads=3 kind=cpuid",
				self->domid, STORM));
	for (;;) {
		ret = ag_rules(&self->ag, flips % 2 ? &t1 : &t2, 1, &r);
		EXPECT_EQ(0, ret);
		if (ret)
			break;
		flips++;
		EXPECT_EQ(flips + 1, r.generation);
		ret = vcpu_join_ms(&storm, 2);
		if (ret != -ETIMEDOUT)
			break;
		if (now_ms() - t0 > 200000)
			break;
	}
	__atomic_store_n(&chk.stop, true, __ATOMIC_RELAXED);
	pthread_join(chk.thread, NULL);
	ASSERT_EQ(0, ret) TH_LOG("storm: %d %s", ret, storm.result);
	TH_LOG("%d replacements; storm: %s", flips, storm.result);
	TH_LOG("checker: %lld CPUIDs, %lld eax=1, %lld eax=2", chk.n, chk.ones,
	       chk.twos);
	EXPECT_TRUE(kv_is(storm.result, "result", "done")) TH_LOG("%s", storm.result);
	EXPECT_EQ(STORM, kv_num(storm.result, "events")) TH_LOG("%s", storm.result);
	EXPECT_EQ(0, chk.err);
	EXPECT_EQ(0, chk.bad) TH_LOG("last bad rax %#llx", chk.last_bad);
	EXPECT_GT(chk.n, 0);
	EXPECT_GT(flips, 2);

	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(STORM + chk.n, st.kernel_verdicts);
	EXPECT_EQ(STORM + chk.n, st.requests);
	EXPECT_EQ(0, st.forwarded);
	EXPECT_EQ(0, st.malformed);
	EXPECT_EQ(0, st.deadline_expired);
	EXPECT_EQ(flips + 1, st.rules_generation);
	EXPECT_EQ(0, ag_ready(&self->ag));
}

/* A table of 2 or 3 rules the kernel must refuse or accept. */
struct table_case {
	const char *name;
	struct xenintro_rule r1;
	struct xenintro_rule r2;	/* used if r2.event != 0 */
	int err;			/* 0: accepted */
	__u32 error_index;
};

#define RULE(ev, f, l, act, ...) \
	{ .event = (ev), .first = (f), .last = (l), .action = (act), \
	  __VA_ARGS__ }

static const struct table_case table_cases[] = {
	{ "unknown event 2", RULE(2, 0, 0, XENINTRO_VERDICT_CONTINUE),
	  {}, -EINVAL, 1 },
	{ "unknown event 0", RULE(0, 0, 0, XENINTRO_VERDICT_CONTINUE),
	  {}, -EINVAL, 1 },
	{ "INTERRUPT: no rules", RULE(XENINTRO_EVENT_INTERRUPT, 0, 0,
				      XENINTRO_VERDICT_CONTINUE),
	  {}, -EINVAL, 1 },
	{ "unknown action", RULE(XENINTRO_EVENT_MSR, 0, 0, 99), {},
	  -EINVAL, 1 },
	{ "unknown flag", RULE(XENINTRO_EVENT_MSR, 0, 0,
			       XENINTRO_VERDICT_DENY, .flags = 1U << 3),
	  {}, -EINVAL, 1 },
	{ "KEY_GFN not on a breakpoint",
	  RULE(XENINTRO_EVENT_MSR, 0, 0, XENINTRO_VERDICT_DENY,
	       .flags = XENINTRO_RULE_KEY_GFN), {}, -EINVAL, 1 },
	{ "GLA not on mem_access",
	  RULE(XENINTRO_EVENT_MSR, 0, 0, XENINTRO_VERDICT_DENY,
	       .flags = XENINTRO_RULE_GLA), {}, -EINVAL, 1 },
	{ "nonzero reserved", RULE(XENINTRO_EVENT_MSR, 0, 0,
				   XENINTRO_VERDICT_DENY, .reserved[1] = 1),
	  {}, -EINVAL, 1 },
	{ "nonzero unused union word",
	  RULE(XENINTRO_EVENT_MSR, 0, 0, XENINTRO_VERDICT_DENY,
	       .u.raw[0] = 1), {}, -EINVAL, 1 },
	{ "CPUID CONTINUE with an answer",
	  RULE(XENINTRO_EVENT_CPUID, 1, 1, XENINTRO_VERDICT_CONTINUE,
	       .u.cpuid.eax = 1), {}, -EINVAL, 1 },
	{ "first > last", RULE(XENINTRO_EVENT_MSR, 5, 4,
			       XENINTRO_VERDICT_DENY), {}, -EINVAL, 1 },
	{ "DENY on CPUID", RULE(XENINTRO_EVENT_CPUID, 1, 1,
				XENINTRO_VERDICT_DENY), {}, -EINVAL, 1 },
	{ "REINJECT on CPUID", RULE(XENINTRO_EVENT_CPUID, 1, 1,
				    XENINTRO_VERDICT_REINJECT), {},
	  -EINVAL, 1 },
	{ "SET_REGISTERS on MSR", RULE(XENINTRO_EVENT_MSR, 0x174, 0x174,
				       XENINTRO_VERDICT_SET_REGISTERS), {},
	  -EINVAL, 1 },
	{ "EMULATE_READ_DATA", RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 1,
				    XENINTRO_VERDICT_EMULATE_READ_DATA), {},
	  -EINVAL, 1 },
	{ "NOTIFY with FORWARD",
	  RULE(XENINTRO_EVENT_MSR, 0, 0, XENINTRO_VERDICT_FORWARD,
	       .flags = XENINTRO_RULE_NOTIFY), {}, -EINVAL, 1 },
	{ "CR index 4", RULE(XENINTRO_EVENT_CTRLREG, 0, 4,
			     XENINTRO_VERDICT_DENY), {}, -EINVAL, 1 },
	{ "MSR beyond 32 bits", RULE(XENINTRO_EVENT_MSR, 0, 1ULL << 32,
				     XENINTRO_VERDICT_DENY), {}, -EINVAL, 1 },
	{ "access bit 8", RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 1,
			       XENINTRO_VERDICT_DENY,
			       .u.mem_access.access = 8), {}, -EINVAL, 1 },
	{ "gla range without GLA",
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 1, XENINTRO_VERDICT_DENY,
	       .u.mem_access.gla_last = 1), {}, -EINVAL, 1 },
	{ "bad one after a good one",
	  RULE(XENINTRO_EVENT_MSR, 0, 0, XENINTRO_VERDICT_DENY),
	  RULE(XENINTRO_EVENT_MSR, 1, 1, XENINTRO_VERDICT_CONTINUE,
	       .reserved[0] = 1), -EINVAL, 2 },
	/* ambiguous: equal priority, keys meet, filters cannot part them */
	{ "overlaps rule 0 at equal priority",
	  RULE(XENINTRO_EVENT_CPUID, 0, ~0ULL, XENINTRO_VERDICT_CONTINUE),
	  {}, -EEXIST, 1 },
	{ "mem_access overlap, access masks meet",
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 10, XENINTRO_VERDICT_DENY,
	       .u.mem_access.access = XENINTRO_ACCESS_W),
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 10, 20, XENINTRO_VERDICT_EMULATE,
	       .u.mem_access.access = XENINTRO_ACCESS_RWX), -EEXIST, 2 },
	{ "mem_access overlap, one any-access",
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 10, XENINTRO_VERDICT_DENY,
	       .u.mem_access.access = XENINTRO_ACCESS_W),
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 5, 5, XENINTRO_VERDICT_EMULATE),
	  -EEXIST, 2 },
	{ "vcpu masks meet",
	  RULE(XENINTRO_EVENT_MSR, 0x174, 0x176, XENINTRO_VERDICT_DENY,
	       .vcpu_mask = 3),
	  RULE(XENINTRO_EVENT_MSR, 0x175, 0x175, XENINTRO_VERDICT_CONTINUE,
	       .vcpu_mask = 2), -EEXIST, 2 },
	{ "vcpu mask and all vcpus",
	  RULE(XENINTRO_EVENT_MSR, 0x174, 0x176, XENINTRO_VERDICT_DENY,
	       .vcpu_mask = 1),
	  RULE(XENINTRO_EVENT_MSR, 0x175, 0x175, XENINTRO_VERDICT_CONTINUE),
	  -EEXIST, 2 },
	{ "breakpoint by RIP and by frame",
	  RULE(XENINTRO_EVENT_BREAKPOINT, 0x401000, 0x401000,
	       XENINTRO_VERDICT_FORWARD),
	  RULE(XENINTRO_EVENT_BREAKPOINT, 3, 3, XENINTRO_VERDICT_REINJECT,
	       .flags = XENINTRO_RULE_KEY_GFN), -EEXIST, 2 },
	/* accepted */
	{ "overlap at another priority",
	  RULE(XENINTRO_EVENT_CPUID, 0, ~0ULL, XENINTRO_VERDICT_CONTINUE,
	       .priority = 1), {}, 0, NO_RULE },
	{ "mem_access overlap, disjoint access masks",
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 10, XENINTRO_VERDICT_DENY,
	       .u.mem_access.access = XENINTRO_ACCESS_W),
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 5, 20, XENINTRO_VERDICT_EMULATE,
	       .u.mem_access.access = XENINTRO_ACCESS_R | XENINTRO_ACCESS_X),
	  0, NO_RULE },
	{ "mem_access overlap, disjoint gla ranges",
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 10, XENINTRO_VERDICT_DENY,
	       .flags = XENINTRO_RULE_GLA, .u.mem_access.gla_first = 0x1000,
	       .u.mem_access.gla_last = 0x1fff),
	  RULE(XENINTRO_EVENT_MEM_ACCESS, 0, 10, XENINTRO_VERDICT_EMULATE,
	       .flags = XENINTRO_RULE_GLA, .u.mem_access.gla_first = 0x2000,
	       .u.mem_access.gla_last = 0x2fff), 0, NO_RULE },
	{ "vcpu masks disjoint",
	  RULE(XENINTRO_EVENT_MSR, 0x174, 0x176, XENINTRO_VERDICT_DENY,
	       .vcpu_mask = 1),
	  RULE(XENINTRO_EVENT_MSR, 0x175, 0x175, XENINTRO_VERDICT_CONTINUE,
	       .vcpu_mask = 6), 0, NO_RULE },
	{ "one key, two events",
	  RULE(XENINTRO_EVENT_MSR, 0, ~0U, XENINTRO_VERDICT_DENY),
	  RULE(XENINTRO_EVENT_CTRLREG, 0, 3, XENINTRO_VERDICT_DENY),
	  0, NO_RULE },
};

/* The table every refusal must leave in force: leaf 0x40000000 -> 0x77. */
static struct xenintro_rule base_rule(void)
{
	return cpuid_answer(LEAF(0x40000000), LEAF(0x40000000), 0x77, 0, 0, 0);
}

/*
 * The base table is still the one in force: it answers a CPUID, after
 * which it has generation @gen and @hits hits.
 */
static void check_base(struct __test_metadata *_metadata, struct agent *ag,
		       unsigned int domid, __u64 gen, long long hits)
{
	struct xenintro_stats st;
	__u64 h[2] = { 0, 0xdeadbeef };

	EXPECT_EQ(0x77, cpuid_rax(ag, domid, 0, 0x40000000));
	ASSERT_EQ(0, ag_stats(ag, &st, h, 2));
	EXPECT_EQ(1, st.rules_nr);
	EXPECT_EQ(gen, st.rules_generation);
	EXPECT_EQ(hits, h[0]);
	EXPECT_EQ(0xdeadbeef, h[1]);
}

/*
 * 8. Refusals: each bad table gets its errno and error_index, and the
 * table in force before is still in force (generation, rules, answers).
 */
TEST_F(rules, refusals)
{
	struct xenintro_rule rules[3], *big;
	size_t i, rsz = sizeof(struct xenintro_rule);
	__u64 gen = 1, hits = 0;
	struct xenintro_rules r;
	unsigned char *page;
	long pagesz = sysconf(_SC_PAGESIZE);
	struct agent other;
	int ret;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	rules[0] = base_rule();
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 1, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	check_base(_metadata, &self->ag, self->domid, gen, ++hits);

	/* rule by rule */
	for (i = 0; i < ARRAY_SIZE(table_cases); i++) {
		const struct table_case *c = &table_cases[i];
		__u32 nr = c->r2.event ? 3 : 2;

		rules[0] = base_rule();
		rules[1] = c->r1;
		rules[2] = c->r2;
		ret = ag_rules(&self->ag, rules, nr, &r);
		EXPECT_EQ(c->err, ret) TH_LOG("%s", c->name);
		EXPECT_EQ(c->error_index, r.error_index) TH_LOG("%s", c->name);
		if (!c->err) {
			EXPECT_EQ(++gen, r.generation) TH_LOG("%s", c->name);
			/* back to the base table */
			ASSERT_EQ(0, ag_rules(&self->ag, rules, 1, &r));
			gen++;
			hits = 0;
		} else {
			EXPECT_EQ(0, r.generation) TH_LOG("%s", c->name);
		}
	}
	check_base(_metadata, &self->ag, self->domid, gen, ++hits);

	/* the header: too many rules, before anything is read */
	ASSERT_EQ(-E2BIG, set_rules_sz(self->ag.fd, rules,
				       XENINTRO_RULES_MAX + 1, rsz, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	/* exactly the maximum is fine (disjoint MSR keys) */
	big = calloc(XENINTRO_RULES_MAX, rsz);
	ASSERT_NE(NULL, big);
	for (i = 0; i < XENINTRO_RULES_MAX; i++)
		big[i] = mkrule(XENINTRO_EVENT_MSR, 0x1000 + i, 0x1000 + i,
				XENINTRO_VERDICT_DENY, 0);
	big[XENINTRO_RULES_MAX - 1].reserved[1] = 1;
	ASSERT_EQ(-EINVAL, set_rules_sz(self->ag.fd, big, XENINTRO_RULES_MAX,
					rsz, &r));
	EXPECT_EQ(XENINTRO_RULES_MAX - 1, r.error_index);
	big[XENINTRO_RULES_MAX - 1].reserved[1] = 0;
	big[XENINTRO_RULES_MAX - 1].first = 0x1000;	/* meets rule 0 */
	ASSERT_EQ(-EEXIST, set_rules_sz(self->ag.fd, big, XENINTRO_RULES_MAX,
					rsz, &r));
	EXPECT_EQ(XENINTRO_RULES_MAX - 1, r.error_index);
	check_base(_metadata, &self->ag, self->domid, gen, ++hits);
	big[XENINTRO_RULES_MAX - 1].first = 0x1000 + XENINTRO_RULES_MAX - 1;
	ASSERT_EQ(0, set_rules_sz(self->ag.fd, big, XENINTRO_RULES_MAX, rsz,
				  &r));
	EXPECT_EQ(++gen, r.generation);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 1, &r));
	gen++;
	hits = 0;

	/* record size: too small, beyond a page */
	rules[0] = base_rule();
	ASSERT_EQ(-EINVAL, set_rules_sz(self->ag.fd, rules, 1, rsz - 8, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	ASSERT_EQ(-EINVAL, set_rules_sz(self->ag.fd, big, 1, pagesz + 8, &r));
	/* header fields */
	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.nr = 1;
	r.rule_size = rsz;
	r.rules = (uintptr_t)rules;
	r.flags = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));
	r.flags = 0;
	r.reserved0 = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));
	r.reserved0 = 0;
	r.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));
	r.reserved[1] = 0;
	r.generation = 7;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));
	r.generation = 0;
	r.rules = 0;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));
	r.size = 8;
	r.rules = (uintptr_t)rules;
	EXPECT_EQ(-EINVAL, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES, &r));

	/*
	 * Bad user pointers, at once and in the second record: no record is
	 * refused, so error_index stays ~0.
	 */
	ASSERT_EQ(-EFAULT, set_rules_sz(self->ag.fd, (void *)16, 2, rsz, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	page = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, mprotect(page + pagesz, pagesz, PROT_NONE));
	memcpy(page + pagesz - rsz, rules, rsz);
	ASSERT_EQ(-EFAULT, set_rules_sz(self->ag.fd, page + pagesz - rsz, 2,
					rsz, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	munmap(page, 2 * pagesz);
	EXPECT_EQ(-EFAULT, xioctl(self->ag.fd, XENINTRO_IOC_SET_RULES,
				  (void *)16));

	/* larger records from a newer caller: the tail must be zero */
	{
		size_t bsz = rsz + 8;
		unsigned char buf[3 * (sizeof(struct xenintro_rule) + 8)];

		memset(buf, 0, sizeof(buf));
		for (i = 0; i < 3; i++) {
			struct xenintro_rule x = mkrule(XENINTRO_EVENT_MSR,
							0x174 + i, 0x174 + i,
							XENINTRO_VERDICT_DENY,
							0);

			if (!i)
				x = base_rule();
			memcpy(buf + i * bsz, &x, rsz);
		}
		buf[2 * bsz + rsz + 3] = 1;
		ASSERT_EQ(-E2BIG, set_rules_sz(self->ag.fd, buf, 3, bsz, &r));
		EXPECT_EQ(2, r.error_index);
		check_base(_metadata, &self->ag, self->domid, gen, ++hits);

		buf[2 * bsz + rsz + 3] = 0;
		ASSERT_EQ(0, set_rules_sz(self->ag.fd, buf, 3, bsz, &r));
		EXPECT_EQ(++gen, r.generation);
		EXPECT_EQ(NO_RULE, r.error_index);
		EXPECT_EQ(0x77, cpuid_rax(&self->ag, self->domid, 1,
					  0x40000000));
		EXPECT_EQ(1, ag_hits(&self->ag, 0));
		ASSERT_EQ(0, ag_rules(&self->ag, rules, 1, &r));
		gen++;
		hits = 0;
	}
	check_base(_metadata, &self->ag, self->domid, gen, ++hits);
	free(big);

	/* a session without the RULES feature: -EOPNOTSUPP */
	sim("destroy domid=%u", self->domid + 5000);
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=4",
			 self->domid + 5000));
	ASSERT_EQ(0, ag_open(&other, XENINTRO_FEATURE_RINGS));
	ASSERT_EQ(0, ag_attach(&other, self->domid + 5000, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, ag_rules(&other, rules, 1, &r));
	EXPECT_EQ(NO_RULE, r.error_index);
	EXPECT_EQ(-EOPNOTSUPP, set_rules_sz(other.fd, NULL, 0, 0, &r));
	ag_close(&other);
	sim("destroy domid=%u", self->domid + 5000);
	/* before ATTACH: -ENOTCONN */
	ASSERT_EQ(0, ag_open(&other, XENINTRO_FEATURE_RINGS |
			     XENINTRO_FEATURE_RULES));
	EXPECT_EQ(-ENOTCONN, ag_rules(&other, rules, 1, &r));
	ag_close(&other);

	check_base(_metadata, &self->ag, self->domid, gen, ++hits);
}

/*
 * 9. STATS rule_hits: one count per rule for what the test caused, only
 * rule_hits_nr of them copied, and the pointer and count go together.
 */
TEST_F(rules, stats_rule_hits)
{
	struct xenintro_rule rules[3];
	struct xenintro_stats st;
	struct xenintro_rules r;
	__u64 hits[4];
	char res[512];
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 30000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_MSR, MSR_LSTAR,
				XENINTRO_MON_DENY_CAPABLE));
	rules[0] = cpuid_answer(LEAF(1), LEAF(1), 0xa, 0, 0, 0);
	rules[1] = mkrule(XENINTRO_EVENT_CPUID, LEAF(2), LEAF(2),
			  XENINTRO_VERDICT_CONTINUE, 0);
	rules[2] = mkrule(XENINTRO_EVENT_MSR, MSR_LSTAR, MSR_LSTAR,
			  XENINTRO_VERDICT_DENY, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 3, &r));

	for (i = 0; i < 3; i++)
		EXPECT_EQ(0xa, cpuid_rax(&self->ag, self->domid, i, 1));
	EXPECT_EQ(2, cpuid_rax(&self->ag, self->domid, 3, 2));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, run_free(&self->ag, res, sizeof(res),
				      "msr domid=%u vcpu=%d msr=0x%x value=0x%x",
				      self->domid, i, MSR_LSTAR, 0x100 + i))
			TH_LOG("%s", res);
		EXPECT_TRUE(kv_is(res, "result", "denied")) TH_LOG("%s", res);
	}

	memset(hits, 0xee, sizeof(hits));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 4));
	EXPECT_EQ(3, st.rules_nr);
	EXPECT_EQ(1, st.rules_generation);
	EXPECT_EQ(3, hits[0]);
	EXPECT_EQ(1, hits[1]);
	EXPECT_EQ(2, hits[2]);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, hits[3]);
	EXPECT_EQ(6, st.kernel_verdicts);
	EXPECT_EQ(0, st.forwarded);

	/* fewer slots than rules: only that many are written */
	memset(hits, 0xee, sizeof(hits));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, hits, 2));
	EXPECT_EQ(3, st.rules_nr);
	EXPECT_EQ(3, hits[0]);
	EXPECT_EQ(1, hits[1]);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, hits[2]);

	/* pointer without a count, count without a pointer */
	EXPECT_EQ(-EINVAL, ag_stats(&self->ag, &st, hits, 0));
	EXPECT_EQ(-EINVAL, ag_stats(&self->ag, &st, NULL, 3));
	EXPECT_EQ(-EFAULT, ag_stats(&self->ag, &st, (__u64 *)16, 3));
	/* no pointer: the table's size and generation still come back */
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(3, st.rules_nr);
	EXPECT_EQ(1, st.rules_generation);
}

/*
 * 10. Detach with rules installed while events wait for the agent (a
 * forwarded CPUID, a listed breakpoint) and a storm is being decided by
 * the kernel: every vCPU moves on, the domain is left unpaused and
 * unmonitored, with every frame's rights restored.
 */
TEST_F_TIMEOUT(rules, detach_with_rules_and_pending_events, 120)
{
	static struct vcpu_op cpuid_op, int3_op, storm;
	struct xenintro_rule rules[5];
	struct xenintro_stats st;
	struct xenintro_rules r;
	char st_line[1024];
	int i;

	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 600000));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CPUID, 0, 0));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_BREAKPOINT, 0, 0));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_CTRLREG,
				XENINTRO_CR3, XENINTRO_MON_SYNC));
	ASSERT_EQ(0, ag_monitor(&self->ag, XENINTRO_MONITOR_MSR, MSR_LSTAR,
				XENINTRO_MON_DENY_CAPABLE));
	ASSERT_EQ(0, ag_set_access(&self->ag, 10, 4, XENINTRO_ACCESS_R));
	rules[0] = mkrule(XENINTRO_EVENT_CPUID, LEAF(0x40000000),
			  LEAF(0x40000000), XENINTRO_VERDICT_FORWARD, 10);
	rules[1] = cpuid_answer(0, ~0ULL, 0x5a, 0, 0, 0);
	rules[2] = mkrule(XENINTRO_EVENT_BREAKPOINT, 0x401000, 0x401000,
			  XENINTRO_VERDICT_FORWARD, 0);
	rules[3] = mkrule(XENINTRO_EVENT_CTRLREG, XENINTRO_CR3, XENINTRO_CR3,
			  XENINTRO_VERDICT_CONTINUE, 0);
	rules[3].flags = XENINTRO_RULE_NOTIFY;
	rules[4] = mkrule(XENINTRO_EVENT_MEM_ACCESS, 10, 13,
			  XENINTRO_VERDICT_DENY, 0);
	ASSERT_EQ(0, ag_rules(&self->ag, rules, 5, &r));

	ASSERT_EQ(0, vcpu_start(&cpuid_op,
				"cpuid domid=%u vcpu=2 leaf=0x40000000",
				self->domid));
	ASSERT_EQ(0, vcpu_start(&int3_op, "int3 domid=%u vcpu=3 rip=0x401000",
				self->domid));
	/* both forwarded, both left waiting */
	for (i = 0; i < 2; i++) {
		ASSERT_NE(NULL, ag_next(&self->ag, WAIT_MS));
		EXPECT_TRUE(ag_peek(&self->ag)->flags & XENINTRO_EF_SYNC);
		ag_pop(&self->ag);
	}
	EXPECT_EQ(-ETIMEDOUT, vcpu_join_ms(&cpuid_op, 100));
	EXPECT_EQ(-ETIMEDOUT, vcpu_join_ms(&int3_op, 1));

	/* a log-only copy stays unread in the ring */
	ASSERT_EQ(0, run_free(&self->ag, st_line, sizeof(st_line),
			      "cr domid=%u vcpu=0 index=1 value=0x8000",
			      self->domid)) TH_LOG("%s", st_line);
	EXPECT_EQ(1, ag_ready(&self->ag));

	/* the kernel decides a storm on vCPUs 0 and 1 meanwhile */
	ASSERT_EQ(0, vcpu_start(&storm,
				"storm domid=%u events=200000 threads=2 kind=cpuid",
				self->domid));
	usleep(200000);
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	TH_LOG("before close: %llu kernel verdicts, %llu forwarded",
	       (unsigned long long)st.kernel_verdicts,
	       (unsigned long long)st.forwarded);
	EXPECT_GT(st.kernel_verdicts, 0);
	EXPECT_EQ(2, st.forwarded);

	ag_close(&self->ag);

	ASSERT_EQ(0, vcpu_join(&cpuid_op)) TH_LOG("%s", cpuid_op.result);
	/* the default (CONTINUE) completes CPUID with the sim's result */
	EXPECT_TRUE(kv_is(cpuid_op.result, "result", "done"))
		TH_LOG("%s", cpuid_op.result);
	EXPECT_EQ(0x40000000, kv_num(cpuid_op.result, "rax"))
		TH_LOG("%s", cpuid_op.result);
	ASSERT_EQ(0, vcpu_join(&int3_op)) TH_LOG("%s", int3_op.result);
	EXPECT_TRUE(kv_is(int3_op.result, "result", "reinjected"))
		TH_LOG("%s", int3_op.result);
	ASSERT_EQ(0, vcpu_join(&storm)) TH_LOG("%s", storm.result);
	EXPECT_TRUE(kv_is(storm.result, "result", "done"))
		TH_LOG("%s", storm.result);
	TH_LOG("storm: %s", storm.result);

	ASSERT_EQ(0, sim_cmd(st_line, sizeof(st_line), "state domid=%u",
			     self->domid));
	EXPECT_EQ(0, kv_num(st_line, "ring")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "monitors")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "pause")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "restricted")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "attached")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "running")) TH_LOG("%s", st_line);
	for (i = 0; i < VCPUS; i++) {
		ASSERT_EQ(0, sim_cmd(st_line, sizeof(st_line),
				     "state domid=%u vcpu=%d", self->domid, i));
		EXPECT_EQ(0, kv_num(st_line, "paused")) TH_LOG("%s", st_line);
	}

	/* the guest runs free: nothing is intercepted any more */
	ASSERT_EQ(0, sim_cmd(st_line, sizeof(st_line),
			     "cpuid domid=%u vcpu=0 leaf=0x40000000",
			     self->domid));
	EXPECT_EQ(0, kv_num(st_line, "events")) TH_LOG("%s", st_line);
	ASSERT_EQ(0, sim_cmd(st_line, sizeof(st_line),
			     "access domid=%u vcpu=0 gfn=11 op=w value=1",
			     self->domid));
	EXPECT_TRUE(kv_is(st_line, "result", "done")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "events")) TH_LOG("%s", st_line);
	ASSERT_EQ(0, sim_cmd(st_line, sizeof(st_line),
			     "msr domid=%u vcpu=0 msr=0x%x value=0x42",
			     self->domid, MSR_LSTAR));
	EXPECT_TRUE(kv_is(st_line, "result", "done")) TH_LOG("%s", st_line);
	EXPECT_EQ(0, kv_num(st_line, "events")) TH_LOG("%s", st_line);

	/* and can be monitored again, by a fresh session without rules */
	ASSERT_EQ(0, ag_open(&self->ag, XENINTRO_FEATURE_RINGS |
			     XENINTRO_FEATURE_RULES));
	ASSERT_EQ(0, ag_attach(&self->ag, self->domid, 0, 0));
	ASSERT_EQ(0, ag_stats(&self->ag, &st, NULL, 0));
	EXPECT_EQ(0, st.rules_nr);
	EXPECT_EQ(0, st.rules_generation);
}

TEST_HARNESS_MAIN
