// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the event pipeline end to end on the simulated hypervisor.
 * Every check is what the simulated vCPU saw: its command blocks like a
 * real vCPU until the agent (this test) answers, then reports the outcome.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define VCPUS	4
#define FRAMES	64
#define WAIT_MS	10000

FIXTURE(dom) {
	struct xenintro x;
	unsigned int domid;
	bool attached;
};

static int attach_opts(struct xenintro *x, unsigned int domid,
		       __u32 deadline_ms, __u32 default_verdict,
		       __u32 entries)
{
	struct xenintro_attach a = {
		.deadline_ms = deadline_ms,
		.default_verdict = default_verdict,
		.event_entries = entries,
		.verdict_entries = entries,
	};

	return xenintro_attach(x, domid, &a);
}

FIXTURE_SETUP(dom)
{
	self->x.fd = -1;	/* teardown runs even when setup skips */
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_EMUL_READ_DATA, 0));
}

FIXTURE_TEARDOWN(dom)
{
	xenintro_close(&self->x);
	sim("destroy domid=%u", self->domid);
}

/* Domain-level state from the simulator. */
static void dom_state(unsigned int domid, char *out, size_t len)
{
	sim_cmd(out, len, "state domid=%u", domid);
}

TEST_F(dom, attach_detach)
{
	struct xenintro_attach a = { 0 };
	char st[512];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, &a));
	EXPECT_EQ(VCPUS, a.max_vcpus);
	EXPECT_EQ(XENINTRO_RING_DEFAULT, a.event_entries);
	EXPECT_EQ(512, a.event_record_size);
	EXPECT_EQ(XENINTRO_STATE_ATTACHED, xenintro_state(&self->x));
	EXPECT_EQ(self->domid, self->x.ctrl->domid);
	dom_state(self->domid, st, sizeof(st));
	EXPECT_EQ(1, kv_num(st, "ring")) TH_LOG("state: %s", st);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("state: %s", st);

	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	xenintro_close(&self->x);
	dom_state(self->domid, st, sizeof(st));
	EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("state: %s", st);
	EXPECT_EQ(0, kv_num(st, "monitors")) TH_LOG("state: %s", st);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("state: %s", st);

	/* re-attaching works */
	ASSERT_EQ(0, xenintro_open(&self->x, 0, 0));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
}

TEST_F(dom, attach_errors)
{
	struct xenintro y;
	char buf[64];

	EXPECT_EQ(-ESRCH, xenintro_attach(&self->x, 30999, NULL));
	/* dom0: refused by the default domain policy (policy_test) */
	EXPECT_EQ(-EACCES, xenintro_attach(&self->x, 0, NULL));
	EXPECT_EQ(-EINVAL, xenintro_attach(&self->x, 0x7ff0, NULL));
	EXPECT_EQ(-EINVAL, attach_opts(&self->x, self->domid, 0, 0, 3));
	EXPECT_EQ(-EINVAL, attach_opts(&self->x, self->domid, 0, 0, 8192));
	EXPECT_EQ(-EINVAL, attach_opts(&self->x, self->domid, 0, 0, 1));
	EXPECT_EQ(-EINVAL, attach_opts(&self->x, self->domid, 0,
				       XENINTRO_VERDICT_EMULATE, 0));
	EXPECT_EQ(-EINVAL, attach_opts(&self->x, self->domid,
				       XENINTRO_DEADLINE_MAX_MS + 1, 0, 0));
	/* none of that attached anything */
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	/* a second attach on one fd */
	EXPECT_EQ(-EBUSY, xenintro_attach(&self->x, self->domid, NULL));
	/* the domain is monitored already, from another fd */
	ASSERT_EQ(0, xenintro_open(&y, 0, 0));
	EXPECT_EQ(-EBUSY, xenintro_attach(&y, self->domid, NULL));
	xenintro_close(&y);

	/* a PV guest cannot be monitored */
	snprintf(buf, sizeof(buf), "%u", self->domid + 1);
	sim("destroy domid=%u", self->domid + 1);
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=4 hvm=0",
			 self->domid + 1));
	ASSERT_EQ(0, xenintro_open(&y, 0, 0));
	EXPECT_EQ(-EOPNOTSUPP, xenintro_attach(&y, self->domid + 1, NULL));
	xenintro_close(&y);
	sim("destroy domid=%u", self->domid + 1);
}

/* One round trip per event type. */
struct trip {
	const char *name;
	__u32 monitor;
	__u32 index;
	__u32 mon_flags;
	const char *cmd;	/* vCPU command after "domid=N vcpu=1 " */
	__u32 reason;
	__u32 verdict;
	const char *result;
};

static const struct trip trips[] = {
	{ "cpuid", XENINTRO_MONITOR_CPUID, 0, 0, "cpuid leaf=0x40000000",
	  XENINTRO_EVENT_CPUID, XENINTRO_VERDICT_CONTINUE, "done" },
	{ "cr0", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0, XENINTRO_MON_SYNC,
	  "cr index=0 value=0x80050033", XENINTRO_EVENT_CTRLREG,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "cr3", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR3, XENINTRO_MON_SYNC,
	  "cr index=1 value=0x5000", XENINTRO_EVENT_CTRLREG,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "cr4", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR4, XENINTRO_MON_SYNC,
	  "cr index=2 value=0x3706f0", XENINTRO_EVENT_CTRLREG,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "xcr0", XENINTRO_MONITOR_CTRLREG, XENINTRO_XCR0, XENINTRO_MON_SYNC,
	  "cr index=3 value=0x7", XENINTRO_EVENT_CTRLREG,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "msr", XENINTRO_MONITOR_MSR, 0xc0000082, 0,
	  "msr msr=0xc0000082 value=0xffffffff81e00000", XENINTRO_EVENT_MSR,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0, "int3 rip=0x401000",
	  XENINTRO_EVENT_BREAKPOINT, XENINTRO_VERDICT_REINJECT, "reinjected" },
	{ "guest_request", XENINTRO_MONITOR_GUEST_REQUEST, 0,
	  XENINTRO_MON_SYNC, "guest_request", XENINTRO_EVENT_GUEST_REQUEST,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION, 0,
	  XENINTRO_MON_SYNC, "debug", XENINTRO_EVENT_DEBUG_EXCEPTION,
	  XENINTRO_VERDICT_REINJECT, "reinjected" },
	{ "desc_access", XENINTRO_MONITOR_DESC_ACCESS, 0, 0,
	  "desc descriptor=2 write=1", XENINTRO_EVENT_DESC_ACCESS,
	  XENINTRO_VERDICT_CONTINUE, "emulated" },
	{ "emul_unimplemented", XENINTRO_MONITOR_EMUL_UNIMPL, 0, 0,
	  "emul_unimpl", XENINTRO_EVENT_EMUL_UNIMPL,
	  XENINTRO_VERDICT_CONTINUE, "done" },
	{ "vmexit", XENINTRO_MONITOR_VMEXIT, 0, XENINTRO_MON_SYNC,
	  "vmexit reason=10", XENINTRO_EVENT_VMEXIT,
	  XENINTRO_VERDICT_CONTINUE, "done" },
};

TEST_F(dom, round_trip_every_event)
{
	const struct xenintro_event *ev;
	struct vcpu_op op;
	size_t i;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	for (i = 0; i < ARRAY_SIZE(trips); i++) {
		const struct trip *t = &trips[i];

		TH_LOG("event %s", t->name);
		ASSERT_EQ(0, xenintro_monitor_enable(&self->x, t->monitor,
						     t->index, t->mon_flags));
		ASSERT_EQ(0, vcpu_start(&op, "%.*s domid=%u vcpu=1 %s",
					(int)strcspn(t->cmd, " "), t->cmd,
					self->domid,
					strchr(t->cmd, ' ') ?
					strchr(t->cmd, ' ') + 1 : ""));
		ev = next_event(&self->x, WAIT_MS);
		ASSERT_NE(NULL, ev) TH_LOG("no %s event", t->name);
		EXPECT_EQ(t->reason, ev->reason);
		EXPECT_EQ(1, ev->vcpu);
		EXPECT_EQ(self->domid, ev->domid);
		EXPECT_NE(0, ev->seq);
		EXPECT_NE(0, ev->timestamp_ns);
		EXPECT_TRUE(xenintro_event_needs_verdict(ev));
		if (t->reason == XENINTRO_EVENT_CPUID)
			EXPECT_EQ(0x40000000, ev->u.cpuid.leaf);
		if (t->reason == XENINTRO_EVENT_MSR) {
			EXPECT_EQ(0xc0000082, ev->u.msr.msr);
			EXPECT_EQ(0xffffffff81e00000ULL, ev->u.msr.new_value);
		}
		if (t->reason == XENINTRO_EVENT_CTRLREG)
			EXPECT_EQ(t->index, ev->u.ctrlreg.index);
		if (t->reason == XENINTRO_EVENT_BREAKPOINT)
			EXPECT_EQ(1, ev->u.debug.insn_length);
		if (t->reason == XENINTRO_EVENT_DESC_ACCESS) {
			EXPECT_EQ(XENINTRO_DESC_GDTR, ev->u.desc_access.descriptor);
			EXPECT_EQ(1, ev->u.desc_access.is_write);
		}
		ASSERT_LE(0, answer(&self->x, ev, t->verdict));
		ASSERT_EQ(0, vcpu_join(&op)) TH_LOG("%s: %s", t->name, op.result);
		EXPECT_TRUE(kv_is(op.result, "result", t->result))
			TH_LOG("%s: %s", t->name, op.result);
		ASSERT_EQ(0, xenintro_monitor_disable(&self->x, t->monitor,
						      t->index));
	}
}

/* A mem_access round trip, and what happens with no monitor at all. */
TEST_F(dom, mem_access_round_trip)
{
	const struct xenintro_event *ev;
	struct vcpu_op op;
	__u8 rights[2];
	char res[512];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	/* allowed access: no event */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res),
			     "access domid=%u vcpu=0 gfn=5 op=w", self->domid));
	EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	EXPECT_EQ(0, kv_num(res, "events"));

	ASSERT_EQ(0, xenintro_set_access(&self->x, 5, 2, XENINTRO_ACCESS_R));
	ASSERT_EQ(0, xenintro_get_access(&self->x, 5, 2, rights));
	EXPECT_EQ(XENINTRO_ACCESS_R, rights[0]);
	EXPECT_EQ(XENINTRO_ACCESS_R, rights[1]);

	ASSERT_EQ(0, vcpu_start(&op, "access domid=%u vcpu=2 gfn=6 op=w gla=0x7000 offset=0x10",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(XENINTRO_EVENT_MEM_ACCESS, ev->reason);
	EXPECT_EQ(6, ev->u.mem_access.gfn);
	EXPECT_EQ(0x10, ev->u.mem_access.offset);
	EXPECT_EQ(XENINTRO_ACCESS_W, ev->u.mem_access.access);
	EXPECT_TRUE(ev->u.mem_access.flags & XENINTRO_MA_GLA_VALID);
	EXPECT_EQ(0x7000, ev->u.mem_access.gla);
	ASSERT_LE(0, answer(&self->x, ev, XENINTRO_VERDICT_EMULATE));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "emulated")) TH_LOG("%s", op.result);

	/* reads of a read-only page run free */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res),
			     "access domid=%u vcpu=0 gfn=6 op=r", self->domid));
	EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);

	/* detach restores rights */
	xenintro_close(&self->x);
	ASSERT_EQ(0, sim_cmd(res, sizeof(res),
			     "access domid=%u vcpu=0 gfn=6 op=w", self->domid));
	EXPECT_TRUE(kv_is(res, "result", "done")) TH_LOG("%s", res);
	EXPECT_EQ(0, kv_num(res, "events"));
}

/* Each verdict's effect, as the simulated vCPU saw it. */
struct verdict_case {
	const char *name;
	__u32 monitor;
	__u32 index;
	__u32 mon_flags;
	__u8 frame_rights;	/* 0xff: leave rwx */
	const char *cmd;
	__u32 verdict;
	__u32 vflags;
	const char *result;
	const char *check_key;	/* a field of the result, or NULL */
	long long check_val;
};

static const struct verdict_case verdicts[] = {
	{ "deny cr0 write", XENINTRO_MONITOR_CTRLREG, XENINTRO_CR0,
	  XENINTRO_MON_SYNC | XENINTRO_MON_DENY_CAPABLE, 0xff,
	  "cr index=0 value=0x80000033", XENINTRO_VERDICT_DENY, 0, "denied", NULL, 0 },
	{ "deny lstar write", XENINTRO_MONITOR_MSR, 0xc0000082,
	  XENINTRO_MON_DENY_CAPABLE, 0xff, "msr msr=0xc0000082 value=0x1234",
	  XENINTRO_VERDICT_DENY, 0, "denied", NULL, 0 },
	{ "deny page write", 0, 0, 0, XENINTRO_ACCESS_R,
	  "access gfn=9 op=w", XENINTRO_VERDICT_DENY, 0, "emulated-nowrite", NULL, 0 },
	{ "emulate", 0, 0, 0, XENINTRO_ACCESS_R, "access gfn=9 op=w",
	  XENINTRO_VERDICT_EMULATE, 0, "emulated", NULL, 0 },
	{ "emulate nowrite", 0, 0, 0, XENINTRO_ACCESS_R, "access gfn=9 op=w",
	  XENINTRO_VERDICT_EMULATE_NOWRITE, 0, "emulated-nowrite", NULL, 0 },
	{ "emulate read data", 0, 0, 0, XENINTRO_ACCESS_W, "access gfn=9 op=r",
	  XENINTRO_VERDICT_EMULATE_READ_DATA, 0, "emulated-readdata", NULL, 0 },
	{ "continue on x fault re-executes", 0, 0, 0, XENINTRO_ACCESS_R,
	  "access gfn=9 op=x", XENINTRO_VERDICT_CONTINUE, 0, "refault", NULL, 0 },
	{ "set registers answers cpuid", XENINTRO_MONITOR_CPUID, 0, 0, 0xff,
	  "cpuid leaf=0x40000000", XENINTRO_VERDICT_SET_REGISTERS, 0, "done",
	  "rax", 0x4d4d4d4d },
	{ "set registers skips int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0, 0xff,
	  "int3 rip=0x401000", XENINTRO_VERDICT_SET_REGISTERS, 0, "skipped",
	  "rip", 0x401001 },
	{ "reinject int3", XENINTRO_MONITOR_BREAKPOINT, 0, 0, 0xff,
	  "int3 rip=0x401000", XENINTRO_VERDICT_REINJECT, 0, "reinjected", NULL, 0 },
	{ "singlestep on", XENINTRO_MONITOR_CPUID, 0, 0, 0xff,
	  "cpuid leaf=1", XENINTRO_VERDICT_CONTINUE,
	  XENINTRO_VFLAG_SINGLESTEP_ON, "done", "ss", 1 },
	{ "altp2m switch", XENINTRO_MONITOR_CPUID, 0, 0, 0xff, "cpuid leaf=1",
	  XENINTRO_VERDICT_CONTINUE, XENINTRO_VFLAG_ALTP2M, "done", "altp2m",
	  3 },
};

TEST_F(dom, verdict_effects)
{
	const struct xenintro_event *ev;
	struct xenintro_verdict *v;
	struct vcpu_op op;
	size_t i;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	for (i = 0; i < ARRAY_SIZE(verdicts); i++) {
		const struct verdict_case *c = &verdicts[i];
		const char *args = strchr(c->cmd, ' ') + 1;

		TH_LOG("verdict case: %s", c->name);
		if (c->monitor || c->mon_flags)
			ASSERT_EQ(0, xenintro_monitor_enable(&self->x,
							     c->monitor,
							     c->index,
							     c->mon_flags));
		if (c->frame_rights != 0xff)
			ASSERT_EQ(0, xenintro_set_access(&self->x, 9, 1,
							 c->frame_rights));
		ASSERT_EQ(0, vcpu_start(&op, "%.*s domid=%u vcpu=3 %s",
					(int)(args - c->cmd - 1), c->cmd,
					self->domid, args));
		ev = next_event(&self->x, WAIT_MS);
		ASSERT_NE(NULL, ev) TH_LOG("%s: no event", c->name);
		v = xenintro_get_verdict(&self->x);
		ASSERT_NE(NULL, v);
		if (c->verdict == XENINTRO_VERDICT_SET_REGISTERS) {
			xenintro_prep_set_regs(v, ev);
			if (ev->reason == XENINTRO_EVENT_CPUID) {
				v->u.regs.rax = 0x4d4d4d4d;
				v->u.regs.rip += ev->u.cpuid.insn_length;
			} else {
				v->u.regs.rip += ev->u.debug.insn_length;
			}
		} else if (c->verdict == XENINTRO_VERDICT_EMULATE_READ_DATA) {
			ASSERT_EQ(0, xenintro_prep_emul_read(v, ev,
							     "\xde\xad\xbe\xef",
							     4));
		} else {
			xenintro_prep_verdict(v, ev, c->verdict);
		}
		v->flags = c->vflags;
		/* a view only with the flag: unused bytes must be zero */
		if (c->vflags & XENINTRO_VFLAG_ALTP2M)
			v->altp2m_idx = 3;
		xenintro_event_advance(&self->x, 1);
		ASSERT_LE(0, xenintro_submit(&self->x));

		/* a re-executing vCPU raises again: keep answering */
		if (!strcmp(c->result, "refault")) {
			int extra;

			for (extra = 0; extra < 8; extra++) {
				ev = next_event(&self->x, 500);
				if (!ev)
					break;
				ASSERT_LE(0, answer(&self->x, ev, c->verdict));
			}
		}
		ASSERT_EQ(0, vcpu_join(&op)) TH_LOG("%s: %s", c->name, op.result);
		EXPECT_TRUE(kv_is(op.result, "result", c->result))
			TH_LOG("%s: %s", c->name, op.result);
		if (c->check_key)
			EXPECT_EQ(c->check_val, kv_num(op.result, c->check_key))
				TH_LOG("%s: %s", c->name, op.result);
		if (c->monitor || c->mon_flags)
			ASSERT_EQ(0, xenintro_monitor_disable(&self->x,
							      c->monitor,
							      c->index));
		if (c->frame_rights != 0xff)
			ASSERT_EQ(0, xenintro_set_access(&self->x, 9, 1,
							 XENINTRO_ACCESS_RWX));
	}
}

/*
 * Single-step: a verdict turns stepping on, each step then raises a
 * SINGLESTEP event, and a verdict with SINGLESTEP_OFF ends it.
 */
TEST_F(dom, singlestep_round_trip)
{
	const struct xenintro_event *ev;
	struct xenintro_verdict *v;
	struct vcpu_op op;
	char res[512];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, xenintro_monitor_enable(&self->x,
					     XENINTRO_MONITOR_SINGLESTEP, 0, 0));
	/* not stepping yet: a step raises nothing */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "singlestep domid=%u vcpu=0",
			     self->domid));
	EXPECT_EQ(0, kv_num(res, "events")) TH_LOG("%s", res);

	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=1",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	v = xenintro_verdict_for(&self->x, ev, XENINTRO_VERDICT_CONTINUE);
	ASSERT_NE(NULL, v);
	v->flags = XENINTRO_VFLAG_SINGLESTEP_ON;
	xenintro_event_advance(&self->x, 1);
	ASSERT_LE(0, xenintro_submit(&self->x));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_EQ(1, kv_num(op.result, "ss")) TH_LOG("%s", op.result);

	ASSERT_EQ(0, vcpu_start(&op, "singlestep domid=%u vcpu=0",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(XENINTRO_EVENT_SINGLESTEP, ev->reason);
	EXPECT_EQ(0, ev->vcpu);
	v = xenintro_verdict_for(&self->x, ev, XENINTRO_VERDICT_CONTINUE);
	ASSERT_NE(NULL, v);
	v->flags = XENINTRO_VFLAG_SINGLESTEP_OFF;
	xenintro_event_advance(&self->x, 1);
	ASSERT_LE(0, xenintro_submit(&self->x));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_EQ(0, kv_num(op.result, "ss")) TH_LOG("%s", op.result);

	/* stepping is off again */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "singlestep domid=%u vcpu=0",
			     self->domid));
	EXPECT_EQ(0, kv_num(res, "events")) TH_LOG("%s", res);
}

/*
 * A verdict with bytes it does not use set (a stale register in a
 * CONTINUE, data past emul_read.size, a view without VFLAG_ALTP2M) is
 * invalid: counted, the event stays pending, and a clean verdict for it
 * still goes through.
 */
TEST_F(dom, unused_verdict_bytes_refused)
{
	const struct xenintro_event *ev;
	struct xenintro_stats st = { 0 };
	struct xenintro_verdict *v;
	struct vcpu_op op;
	int bad;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=1",
				self->domid));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	for (bad = 0; bad < 3; bad++) {
		v = xenintro_verdict_for(&self->x, ev,
					 XENINTRO_VERDICT_CONTINUE);
		ASSERT_NE(NULL, v);
		if (bad == 0)
			v->u.regs.rax = 1;
		else if (bad == 1)
			v->altp2m_idx = 1;
		else
			v->u.emul_read.data[200] = 1;
		ASSERT_LE(0, xenintro_submit(&self->x));
	}
	ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(3, st.verdicts_invalid);
	EXPECT_EQ(-ETIMEDOUT, vcpu_join_ms(&op, 200));

	v = xenintro_verdict_for(&self->x, ev, XENINTRO_VERDICT_CONTINUE);
	ASSERT_NE(NULL, v);
	xenintro_event_advance(&self->x, 1);
	ASSERT_LE(0, xenintro_submit(&self->x));
	EXPECT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(1, st.agent_verdicts);
}

TEST_F(dom, deadline_applies_default)
{
	struct xenintro_stats st;
	struct vcpu_op op;
	long long t0;

	ASSERT_EQ(0, attach_opts(&self->x, self->domid, 300,
				 XENINTRO_VERDICT_DENY, 0));
	ASSERT_EQ(0, xenintro_monitor_enable(&self->x, XENINTRO_MONITOR_CTRLREG,
					     XENINTRO_CR4, XENINTRO_MON_SYNC |
					     XENINTRO_MON_DENY_CAPABLE));
	t0 = now_ms();
	ASSERT_EQ(0, vcpu_start(&op, "cr domid=%u vcpu=0 index=2 value=0x1",
				self->domid));
	/* the agent never answers */
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_GE(now_ms() - t0, 250);
	EXPECT_TRUE(kv_is(op.result, "result", "denied")) TH_LOG("%s", op.result);
	ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(1, st.deadline_expired);
	EXPECT_EQ(1, self->x.ctrl->deadline_expired);

	/* a verdict arriving afterwards is stale, and harmless */
	{
		const struct xenintro_event *ev = next_event(&self->x, 1000);

		ASSERT_NE(NULL, ev);
		ASSERT_LE(0, answer(&self->x, ev, XENINTRO_VERDICT_CONTINUE));
		ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
		EXPECT_EQ(1, st.verdicts_stale);
	}
}

TEST_F(dom, close_with_events_pending)
{
	struct vcpu_op op[VCPUS];
	const struct xenintro_event *ev;
	char st[512];
	int i;

	ASSERT_EQ(0, attach_opts(&self->x, self->domid, 600000, 0, 0));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	for (i = 0; i < VCPUS; i++)
		ASSERT_EQ(0, vcpu_start(&op[i], "cpuid domid=%u vcpu=%d leaf=%d",
					self->domid, i, i));
	/* all four are waiting on us */
	for (i = 0; i < VCPUS; i++) {
		ev = next_event(&self->x, WAIT_MS);
		ASSERT_NE(NULL, ev);
		xenintro_event_advance(&self->x, 1);
	}
	xenintro_close(&self->x);
	for (i = 0; i < VCPUS; i++) {
		ASSERT_EQ(0, vcpu_join(&op[i]));
		/* the default completes CPUID: the vCPU moved on */
		EXPECT_TRUE(kv_is(op[i].result, "result", "done"))
			TH_LOG("%s", op[i].result);
	}
	dom_state(self->domid, st, sizeof(st));
	EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("%s", st);
	EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("%s", st);
}

TEST_F(dom, vcpus_answered_out_of_order)
{
	const struct xenintro_event *evs[VCPUS];
	struct vcpu_op op[VCPUS];
	int i, n = 0;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	for (i = 0; i < VCPUS; i++)
		ASSERT_EQ(0, vcpu_start(&op[i], "cpuid domid=%u vcpu=%d leaf=%d",
					self->domid, i, i));
	while (n < VCPUS) {
		ASSERT_NE(NULL, next_event(&self->x, WAIT_MS));
		n = xenintro_peek_batch(&self->x, evs, VCPUS);
	}
	/* answer the last vCPU first; the others keep waiting */
	ASSERT_NE(NULL, xenintro_verdict_for(&self->x, evs[3],
					     XENINTRO_VERDICT_CONTINUE));
	ASSERT_LE(0, xenintro_submit(&self->x));
	ASSERT_EQ(0, vcpu_join(&op[evs[3]->vcpu]));
	for (i = 0; i < 3; i++)
		ASSERT_NE(NULL, xenintro_verdict_for(&self->x, evs[i],
						     XENINTRO_VERDICT_CONTINUE));
	xenintro_event_advance(&self->x, VCPUS);
	ASSERT_LE(0, xenintro_submit(&self->x));
	for (i = 0; i < VCPUS; i++) {
		if (op[i].started)
			ASSERT_EQ(0, vcpu_join(&op[i]));
		EXPECT_TRUE(kv_is(op[i].result, "result", "done"))
			TH_LOG("%s", op[i].result);
	}
}

/* XENINTRO_IOC_KICK with XENINTRO_KICK_WAIT; -errno or 0. */
static int kick_wait(struct xenintro *x, __u32 timeout_ms,
		     struct xenintro_kick *k)
{
	memset(k, 0, sizeof(*k));
	k->size = sizeof(*k);
	k->flags = XENINTRO_KICK_WAIT;
	k->timeout_ms = timeout_ms;
	return ioctl(xenintro_fd(x), XENINTRO_IOC_KICK, k) < 0 ? -errno : 0;
}

/*
 * Submit and wait in one call: KICK_WAIT takes the published verdicts and
 * sleeps until an event comes or the time is up. poll() never takes
 * verdicts. A session without the feature gets -EOPNOTSUPP for the flag.
 * Then the library's "answer, xenintro_wait()" loop with no submit at all.
 */
TEST_F(dom, kick_wait_submits_and_waits)
{
	const struct xenintro_event *ev;
	struct xenintro_stats st;
	struct xenintro_kick k;
	struct vcpu_op op;
	struct pollfd pfd;
	long long t0;
	int with;

	for (with = 0; with < 3; with++) {
		__u64 kw = with ? XENINTRO_FEATURE_KICK_WAIT : 0;

		xenintro_close(&self->x);
		ASSERT_EQ(0, xenintro_open(&self->x,
					   XENINTRO_FEATURE_RINGS | kw, 0));
		ASSERT_EQ(!!kw, !!(self->x.features & kw));
		ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
		ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
		ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=1",
					self->domid));
		ev = next_event(&self->x, WAIT_MS);
		ASSERT_NE(NULL, ev);
		ASSERT_NE(NULL, xenintro_verdict_for(&self->x, ev,
						     XENINTRO_VERDICT_CONTINUE));
		xenintro_event_advance(&self->x, 1);
		if (with < 2) {
			/* published, not kicked; poll() takes nothing */
			ASSERT_EQ(1, xenintro_publish(&self->x));
			pfd.fd = xenintro_fd(&self->x);
			pfd.events = POLLIN;
			ASSERT_EQ(0, poll(&pfd, 1, 0));
			ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
			EXPECT_EQ(0, st.agent_verdicts);
			if (!with) {
				EXPECT_EQ(-EOPNOTSUPP,
					  kick_wait(&self->x, 0, &k));
				ASSERT_EQ(1, xenintro_submit(&self->x));
			} else {
				ASSERT_EQ(0, kick_wait(&self->x, 0, &k));
				EXPECT_EQ(1, k.consumed);
				EXPECT_EQ(0, k.ready);
			}
		} else {
			/* the library publishes and hands over in its kick */
			ASSERT_EQ(0, xenintro_wait(&self->x, 0));
			ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
			EXPECT_EQ(1, st.agent_verdicts);
			/* nothing left to kick for */
			EXPECT_EQ(0, xenintro_submit(&self->x));
		}
		ASSERT_EQ(0, vcpu_join(&op));
		EXPECT_TRUE(kv_is(op.result, "result", "done"))
			TH_LOG("%s", op.result);
		ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
		EXPECT_EQ(1, st.agent_verdicts);
		EXPECT_EQ(0, st.deadline_expired);
	}

	/* It sleeps: nothing comes, the time is up. */
	t0 = now_ms();
	ASSERT_EQ(0, kick_wait(&self->x, 150, &k));
	EXPECT_EQ(0, k.ready);
	EXPECT_LE(140, now_ms() - t0);
	/* An event ends the sleep long before the limit. */
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=1",
				self->domid));
	t0 = now_ms();
	ASSERT_EQ(0, kick_wait(&self->x, XENINTRO_KICK_WAIT_FOREVER, &k));
	EXPECT_EQ(1, k.ready);
	EXPECT_GT(WAIT_MS, now_ms() - t0);
	ASSERT_LE(0, answer(&self->x, next_event(&self->x, WAIT_MS),
			    XENINTRO_VERDICT_CONTINUE));
	ASSERT_EQ(0, vcpu_join(&op));
	/* Argument checks. */
	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	k.timeout_ms = 5;
	EXPECT_EQ(-1, ioctl(xenintro_fd(&self->x), XENINTRO_IOC_KICK, &k));
	EXPECT_EQ(EINVAL, errno);
	k.timeout_ms = 0;
	k.flags = 2;
	EXPECT_EQ(-1, ioctl(xenintro_fd(&self->x), XENINTRO_IOC_KICK, &k));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dom, two_domains_two_fds)
{
	unsigned int other = self->domid + 5000;
	const struct xenintro_event *ev;
	struct vcpu_op a, b;
	struct xenintro y;

	sim("destroy domid=%u", other);
	ASSERT_EQ(0, sim("create domid=%u vcpus=2 frames=8", other));
	ASSERT_EQ(0, xenintro_open(&y, 0, 0));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_attach(&y, other, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&y, 0));

	ASSERT_EQ(0, vcpu_start(&a, "cpuid domid=%u vcpu=0 leaf=1", self->domid));
	ASSERT_EQ(0, vcpu_start(&b, "cpuid domid=%u vcpu=1 leaf=2", other));
	ev = next_event(&y, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(other, ev->domid);
	EXPECT_EQ(2, ev->u.cpuid.leaf);
	ASSERT_LE(0, answer(&y, ev, XENINTRO_VERDICT_CONTINUE));
	ev = next_event(&self->x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(self->domid, ev->domid);
	EXPECT_EQ(1, ev->u.cpuid.leaf);
	ASSERT_LE(0, answer(&self->x, ev, XENINTRO_VERDICT_CONTINUE));
	ASSERT_EQ(0, vcpu_join(&a));
	ASSERT_EQ(0, vcpu_join(&b));
	EXPECT_TRUE(kv_is(a.result, "result", "done"));
	EXPECT_TRUE(kv_is(b.result, "result", "done"));
	xenintro_close(&y);
	sim("destroy domid=%u", other);
}

TEST_F(dom, domain_dies_while_attached)
{
	struct xenintro_stats st;
	struct pollfd pfd;
	struct vcpu_op op;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=1",
				self->domid));
	ASSERT_NE(NULL, next_event(&self->x, WAIT_MS));
	/* the event stays unanswered; the guest is destroyed */
	ASSERT_EQ(0, sim("destroy domid=%u", self->domid));
	ASSERT_EQ(0, vcpu_join(&op));
	EXPECT_TRUE(kv_is(op.result, "result", "dead")) TH_LOG("%s", op.result);

	pfd.fd = xenintro_fd(&self->x);
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_EQ(XENINTRO_STATE_DEAD, xenintro_state(&self->x));
	EXPECT_EQ(-ESRCH, xenintro_monitor_cpuid(&self->x, 0));
	EXPECT_EQ(-ESRCH, xenintro_pause(&self->x));
	EXPECT_EQ(-ESRCH, xenintro_kick(&self->x));
	/* the counters stay readable for a last report */
	EXPECT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(1, st.forwarded);
}

TEST_F(dom, malformed_requests_answered)
{
	struct xenintro_stats st;
	char res[256];

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "corrupt domid=%u what=version",
			     self->domid));
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "corrupt domid=%u what=vcpu",
			     self->domid));
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "corrupt domid=%u what=reason",
			     self->domid));
	ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(3, st.malformed);
	EXPECT_EQ(0, st.forwarded);
	EXPECT_EQ(0, xenintro_events_ready(&self->x));
	/* and the ring still works */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res), "state domid=%u", self->domid));
	EXPECT_EQ(8, kv_num(res, "free")) TH_LOG("%s", res);
}

TEST_F(dom, bad_ioctl_arguments)
{
	struct xenintro_monitor m = { .size = sizeof(m) };
	struct xenintro_access a = { .size = sizeof(a) };
	struct xenintro_kick k = { .size = sizeof(k) };
	struct xenintro_stats s = { .size = sizeof(s) };
	int fd;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
	fd = xenintro_fd(&self->x);
#define BAD(cmd, arg, err) EXPECT_EQ(-(err), ioctl(fd, cmd, arg) ? -errno : 0)

	/* monitor: unknown event, flag a kind does not take, bad CR index */
	m.event = 7;
	m.flags = XENINTRO_MON_ENABLE;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	m.event = XENINTRO_MONITOR_CPUID;
	m.flags = XENINTRO_MON_ENABLE | XENINTRO_MON_SYNC;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	m.event = XENINTRO_MONITOR_CTRLREG;
	m.index = 4;
	m.flags = XENINTRO_MON_ENABLE;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	m.index = 0;
	m.reserved[1] = 1;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	m.reserved[1] = 0;
	m.flags = 1U << 20;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	m.size = 8;
	BAD(XENINTRO_IOC_MONITOR, &m, EINVAL);
	/* enabling twice: -EEXIST, as Xen says */
	EXPECT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	EXPECT_EQ(-EEXIST, xenintro_monitor_cpuid(&self->x, 0));
	EXPECT_EQ(0, xenintro_monitor_disable(&self->x, XENINTRO_MONITOR_CPUID, 0));
	EXPECT_EQ(-EEXIST, xenintro_monitor_disable(&self->x,
						    XENINTRO_MONITOR_CPUID, 0));

	/* access: zero frames, wrap, bad rights, beyond the domain */
	a.nr = 0;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.nr = 2;
	a.gfn = ~0ULL;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.gfn = 0;
	a.range_rights = 8;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.range_rights = 1;
	a.gfn = FRAMES;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.gfn = 0;
	a.flags = 2;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.flags = XENINTRO_ACCESS_LIST;	/* list without arrays */
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EINVAL);
	a.gfns = 8;
	a.rights = 16;
	a.range_rights = 0;
	BAD(XENINTRO_IOC_SET_ACCESS, &a, EFAULT);
	a.flags = 0;
	a.gfns = 0;
	a.rights = 0;
	BAD(XENINTRO_IOC_GET_ACCESS, &a, EINVAL);

	/* kick and stats: flags and reserved */
	k.flags = 2;
	BAD(XENINTRO_IOC_KICK, &k, EINVAL);
	/* KICK_WAIT in a session that did not ask for it */
	k.flags = XENINTRO_KICK_WAIT;
	BAD(XENINTRO_IOC_KICK, &k, EOPNOTSUPP);
	k.flags = 0;
	k.reserved[0] = 1;
	BAD(XENINTRO_IOC_KICK, &k, EINVAL);
	s.reserved0 = 1;
	BAD(XENINTRO_IOC_STATS, &s, EINVAL);
	s.reserved0 = 0;
	/* rule hits: a buffer without a length, or a length without one */
	s.rule_hits = 8;
	BAD(XENINTRO_IOC_STATS, &s, EINVAL);
	s.rule_hits = 0;
	s.rule_hits_nr = 1;
	BAD(XENINTRO_IOC_STATS, &s, EINVAL);
	/* unpause without a pause of ours */
	EXPECT_EQ(-EINVAL, xenintro_unpause(&self->x));
	EXPECT_EQ(0, xenintro_pause(&self->x));
	EXPECT_EQ(0, xenintro_unpause(&self->x));
#undef BAD
}

TEST_F(dom, mmap_misuse)
{
	struct xenintro_attach a = { 0 };
	int fd;
	void *p;

	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, &a));
	fd = xenintro_fd(&self->x);
	/* wrong offset */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x30000000);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* wrong size */
	p = mmap(NULL, a.events_size - 4096, PROT_READ, MAP_SHARED, fd,
		 XENINTRO_OFF_EVENTS);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, a.ctrl_size * 2, PROT_READ, MAP_SHARED, fd,
		 XENINTRO_OFF_CTRL);
	EXPECT_EQ(MAP_FAILED, p);
	/* writable control page or event ring */
	p = mmap(NULL, a.ctrl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 XENINTRO_OFF_CTRL);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, a.events_size, PROT_WRITE, MAP_SHARED, fd,
		 XENINTRO_OFF_EVENTS);
	EXPECT_EQ(MAP_FAILED, p);
	/* and mprotect cannot add write later */
	p = mmap(NULL, a.ctrl_size, PROT_READ, MAP_SHARED, fd,
		 XENINTRO_OFF_CTRL);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, a.ctrl_size, PROT_READ | PROT_WRITE));
	munmap(p, a.ctrl_size);
	/* executable, or private */
	p = mmap(NULL, a.verdicts_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd,
		 XENINTRO_OFF_VERDICTS);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, a.verdicts_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 fd, XENINTRO_OFF_VERDICTS);
	EXPECT_EQ(MAP_FAILED, p);
}

/*
 * A slow agent with a two-slot event ring: sync events wait in the kernel
 * and every one of them reaches the agent, in order, none lost.
 */
TEST_F(dom, slow_agent_loses_nothing)
{
	enum { PER_VCPU = 10 };
	struct vcpu_op storm;
	const struct xenintro_event *ev;
	struct xenintro_stats st;
	__u64 last_seq = 0;
	int seen = 0;

	ASSERT_EQ(0, attach_opts(&self->x, self->domid, 600000, 0, 2));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&self->x, 0));
	/* one kernel thread per vCPU, each raising PER_VCPU events */
	ASSERT_EQ(0, vcpu_start(&storm,
				"storm domid=%u events=%d threads=%d kind=cpuid",
				self->domid, VCPUS * PER_VCPU, VCPUS));
	while (seen < VCPUS * PER_VCPU) {
		ev = next_event(&self->x, WAIT_MS);
		ASSERT_NE(NULL, ev) TH_LOG("only %d events", seen);
		EXPECT_GT(ev->seq, last_seq);
		last_seq = ev->seq;
		usleep(2000);	/* slow */
		ASSERT_LE(0, answer(&self->x, ev, XENINTRO_VERDICT_CONTINUE));
		seen++;
	}
	ASSERT_EQ(0, vcpu_join(&storm)) TH_LOG("%s", storm.result);
	EXPECT_EQ(VCPUS * PER_VCPU, kv_num(storm.result, "events"))
		TH_LOG("%s", storm.result);
	ASSERT_EQ(0, xenintro_get_stats(&self->x, &st));
	EXPECT_EQ(VCPUS * PER_VCPU, st.forwarded);
	EXPECT_EQ(VCPUS * PER_VCPU, st.agent_verdicts);
	EXPECT_EQ(0, st.deadline_expired);
	EXPECT_EQ(0, st.dropped);
	EXPECT_GT(st.backlog_max, 0);
}

/*
 * Fault injection: make the Nth allocation of ATTACH fail, for every N
 * until it succeeds. Each failure is a clean errno that leaves the domain
 * unpaused and unmonitored; kmemleak (checked by the harness) finds no leak.
 */
TEST_F(dom, attach_fault_injection)
{
	char path[64], st[512], left[32];
	int n, ret = -1, failfd, injected = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/thread-self/fail-nth");
	failfd = open(path, O_RDWR);
	if (failfd < 0)
		SKIP(return, "no %s (kernel without fault injection)", path);

	/*
	 * Walk N up until the Nth allocation is never reached: the counter
	 * then reads non-zero after ATTACH. A failure some caller absorbs
	 * (kvmalloc falls back to vmalloc) lets ATTACH succeed with the
	 * counter used up; the walk goes on past it.
	 */
	for (n = 1; n < 400; n++) {
		struct xenintro y;

		ASSERT_EQ(0, xenintro_open(&y, 0, 0));
		dprintf(failfd, "%d", n);
		ret = xenintro_attach(&y, self->domid, NULL);
		len = pread(failfd, left, sizeof(left) - 1, 0);
		left[len > 0 ? len : 0] = '\0';
		dprintf(failfd, "0");
		xenintro_close(&y);
		if (ret) {
			injected++;
			EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT)
				TH_LOG("fail-nth %d: attach returned %d", n, ret);
		}
		dom_state(self->domid, st, sizeof(st));
		EXPECT_EQ(0, kv_num(st, "ring")) TH_LOG("fail-nth %d: %s", n, st);
		EXPECT_EQ(0, kv_num(st, "pause")) TH_LOG("fail-nth %d: %s", n, st);
		if (!ret && atoi(left) != 0)
			break;	/* all allocations went through */
	}
	close(failfd);
	EXPECT_EQ(0, ret);
	EXPECT_GT(injected, 3) TH_LOG("too few allocations were failed");
	TH_LOG("%d allocations in ATTACH, %d failures made it fail cleanly",
	       n - 1, injected);
	/* and a normal attach still works */
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
}

TEST_HARNESS_MAIN
