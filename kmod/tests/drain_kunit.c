// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the bounded ring processing (dispatch.c, drain_work.c). A guest
 * that keeps the ring full must be processed in chunks of at most the
 * budget, every request answered exactly once and in order, and the
 * backend told (->kick_done()) only when the ring is empty.
 *
 * The domain is a real xenintro_domain with a rule table that answers
 * every CPUID in the kernel; the hypervisor is a fake whose ->notify()
 * does what Xen's does: consume the responses at once, and here, as a
 * guest in a CPUID loop would, raise new requests into the freed slots.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "../hv_ops.h"
#include "../xenintro.h"

#define STORM_TOTAL	100	/* requests the fake guest raises in all */

struct fake_hv {
	struct kunit *test;
	struct xve_sring *s;
	u32 req_prod;		/* Xen's private producer */
	u32 rsp_cons;		/* Xen's response consumer */
	u32 produced;		/* requests raised so far */
	u32 answered;		/* responses consumed so far */
	u32 limit;		/* raise no more than this many */
	bool refill;		/* raise new requests on notify */
	bool kicked;		/* a request was raised since the last run */
	u32 notifies;
	u32 kick_done;
	bool last_spurious;
};

static struct fake_hv *fake_of(struct xenintro_domain *dom)
{
	return xenintro_hv(dom)->hv;
}

/* A vCPU executes CPUID leaf @n (the request's number) and pauses. */
static void fake_raise(struct fake_hv *f)
{
	struct xve_event *slot;

	slot = &f->s->ring[f->req_prod & (XVE_RING_ENTRIES - 1)];
	memset(slot, 0, sizeof(*slot));
	slot->version = XVE_INTERFACE_VERSION;
	slot->reason = XVE_REASON_CPUID;
	slot->flags = XVE_FLAG_VCPU_PAUSED;
	slot->vcpu_id = f->produced % XVE_RING_ENTRIES;
	slot->u.cpuid.insn_length = 2;
	slot->u.cpuid.leaf = f->produced;
	f->req_prod++;
	f->produced++;
	WRITE_ONCE(f->s->req_prod, f->req_prod);
	f->kicked = true;
}

static void fake_fill(struct fake_hv *f)
{
	while (f->produced < f->limit &&
	       f->req_prod - f->rsp_cons < XVE_RING_ENTRIES)
		fake_raise(f);
}

/* Xen's vm_event_resume(): every response, in order, then new requests. */
static void fake_notify(struct xenintro_domain *dom)
{
	struct fake_hv *f = fake_of(dom);
	u32 prod = READ_ONCE(f->s->rsp_prod);

	f->notifies++;
	while (f->rsp_cons != prod) {
		const struct xve_event *rsp =
			&f->s->ring[f->rsp_cons & (XVE_RING_ENTRIES - 1)];

		/* Answered once each, in the order raised, vCPU unpaused. */
		KUNIT_EXPECT_EQ(f->test, rsp->u.cpuid.leaf, f->answered);
		KUNIT_EXPECT_EQ(f->test, rsp->vcpu_id,
				f->answered % XVE_RING_ENTRIES);
		KUNIT_EXPECT_TRUE(f->test, rsp->flags & XVE_FLAG_VCPU_PAUSED);
		KUNIT_EXPECT_TRUE(f->test, rsp->flags & XVE_FLAG_SET_REGISTERS);
		f->rsp_cons++;
		f->answered++;
	}
	if (f->refill)
		fake_fill(f);
}

static void fake_kick_done(struct xenintro_domain *dom, bool spurious)
{
	struct fake_hv *f = fake_of(dom);

	f->kick_done++;
	f->last_spurious = spurious;
}

static const struct xenintro_hv_ops fake_ops = {
	.name = "kunit",
	.notify = fake_notify,
	.kick_done = fake_kick_done,
};

static struct xenintro_domain *fake_domain(struct kunit *test,
					   struct fake_hv *f, u32 limit,
					   bool refill)
{
	const struct xenintro_rule cpuid_continue = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE,
		.last = ~0ULL,
	};
	struct xenintro_agent_rings *r;
	struct xenintro_domain *dom;
	u32 bad;

	dom = kunit_kzalloc(test, sizeof(*dom), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dom);
	memset(f, 0, sizeof(*f));
	f->test = test;
	f->limit = limit;
	f->refill = refill;
	f->s = kunit_kzalloc(test, XVE_RING_PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->s);
	xenintro_vmring_init(f->s);

	dom->ops = &fake_ops;
	dom->hv.domid = 7;
	dom->hv.max_vcpus = XVE_RING_ENTRIES;
	dom->hv.sring = f->s;
	dom->hv.hv = f;
	spin_lock_init(&dom->lock);
	dom->state = XENINTRO_DOM_ATTACHED;
	INIT_LIST_HEAD(&dom->backlog);
	INIT_LIST_HEAD(&dom->inflight);
	init_waitqueue_head(&dom->wq);
	dom->singlestep = kunit_kzalloc(test, BITS_TO_LONGS(XVE_RING_ENTRIES) *
					sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dom->singlestep);

	/* No agent verdicts here: an empty verdict ring is all it reads. */
	r = &dom->rings;
	r->agent = kunit_kzalloc(test, XENINTRO_AGENT_PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->agent);
	r->verdict_entries = 8;

	dom->rules = xenintro_rules_build(&cpuid_continue, 1, 1, &bad);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dom->rules));
	test->priv = dom->rules;	/* freed by drain_test_exit() */
	xenintro_vmring_attach(&dom->vmring, f->s);
	fake_fill(f);
	return dom;
}

/* A full ring, a budget of 3: chunks of 3, 3 and 2, then nothing. */
static void drain_in_budget_chunks(struct kunit *test)
{
	static const unsigned int chunks[] = { 3, 3, 2, 0 };
	struct xenintro_domain *dom;
	struct fake_hv f;
	unsigned long flags;
	unsigned int i, n;
	bool more;

	dom = fake_domain(test, &f, XVE_RING_ENTRIES, false);
	KUNIT_ASSERT_EQ(test, f.produced, XVE_RING_ENTRIES);

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		spin_lock_irqsave(&dom->lock, flags);
		n = xenintro_drain_budget_locked(dom, 3, &more);
		spin_unlock_irqrestore(&dom->lock, flags);
		KUNIT_EXPECT_EQ_MSG(test, n, chunks[i], "chunk %u", i);
		/* Requests left only after the first two chunks. */
		KUNIT_EXPECT_EQ_MSG(test, more, i < 2, "chunk %u", i);
		/* What a chunk answered reached the hypervisor with it. */
		KUNIT_EXPECT_EQ(test, f.answered, dom->stats.requests);
	}
	KUNIT_EXPECT_EQ(test, dom->stats.requests, (u64)XVE_RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, dom->stats.kernel_verdicts,
			(u64)XVE_RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, f.answered, (u32)XVE_RING_ENTRIES);
	/* One notification per chunk that answered something. */
	KUNIT_EXPECT_EQ(test, f.notifies, 3U);
	/* The final check asked Xen for a kick on the next request. */
	KUNIT_EXPECT_EQ(test, f.s->req_event, (u32)XVE_RING_ENTRIES + 1);
}

/*
 * A guest that refills every slot as soon as it is answered: each run of
 * the work takes at most the budget (the default: one ring), all
 * STORM_TOTAL requests are answered, and the backend hears "done" once
 * per run that found the ring empty, never spurious while work was done.
 */
static void drain_work_storm(struct kunit *test)
{
	struct xenintro_domain *dom;
	u64 before, most = 0;
	unsigned int runs = 0, done = 0;
	struct fake_hv f;
	bool more = false;

	dom = fake_domain(test, &f, STORM_TOTAL, true);
	while ((f.kicked || more) && runs < 10 * STORM_TOTAL) {
		f.kicked = false;
		before = dom->stats.requests;
		more = xenintro_drain_work_run(dom);
		most = max(most, dom->stats.requests - before);
		runs++;
		/* The backend unmasks only when nothing is left to do. */
		done += !more;
		KUNIT_EXPECT_EQ(test, f.kick_done, done);
	}
	KUNIT_EXPECT_EQ(test, f.produced, (u32)STORM_TOTAL);
	KUNIT_EXPECT_EQ(test, f.answered, (u32)STORM_TOTAL);
	KUNIT_EXPECT_EQ(test, dom->stats.requests, (u64)STORM_TOTAL);
	KUNIT_EXPECT_LE(test, most, (u64)XVE_RING_ENTRIES);
	KUNIT_EXPECT_GE(test, runs, DIV_ROUND_UP(STORM_TOTAL,
						 XVE_RING_ENTRIES));
	KUNIT_EXPECT_GE(test, f.kick_done, 1U);
	KUNIT_EXPECT_FALSE(test, f.last_spurious);

	/* A kick that finds nothing is reported as spurious. */
	KUNIT_EXPECT_FALSE(test, xenintro_drain_work_run(dom));
	KUNIT_EXPECT_TRUE(test, f.last_spurious);
}

static struct kunit_case drain_test_cases[] = {
	KUNIT_CASE(drain_in_budget_chunks),
	KUNIT_CASE(drain_work_storm),
	{}
};

static void drain_test_exit(struct kunit *test)
{
	if (test->priv)
		xenintro_rules_free(test->priv);
}

static struct kunit_suite drain_test_suite = {
	.name = "xenintro_drain",
	.exit = drain_test_exit,
	.test_cases = drain_test_cases,
};

kunit_test_suites(&drain_test_suite);
