// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: ring index arithmetic, for the hypervisor's vm_event ring and the
 * agent's rings, including the wrap of the free-running u32 indices and
 * indices corrupted by the other side.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../xenintro.h"

struct span_case {
	const char *name;
	u32 head, tail, entries;
	bool valid;
};

static const struct span_case span_cases[] = {
	{ "empty", 5, 5, 8, true },
	{ "full", 5, 13, 8, true },
	{ "one past full", 5, 14, 8, false },
	{ "tail behind head", 5, 4, 8, false },
	{ "wrap, 4 used", 0xfffffffe, 2, 8, true },
	{ "wrap, full", 0xfffffff8, 0, 8, true },
	{ "wrap, one past full", 0xfffffff8, 1, 8, false },
	{ "head at max, empty", 0xffffffff, 0xffffffff, 8, true },
	{ "far away", 0, 0x80000000, 4096, false },
};

static void span_case_desc(const struct span_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(span, span_cases, span_case_desc);

static void ring_span(struct kunit *test)
{
	const struct span_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, xenintro_ring_span_valid(c->head, c->tail,
						       c->entries), c->valid);
}

/* Xen's side of the vm_event ring: place one request. */
static void xen_put_request(struct xve_sring *s, u32 *req_prod, u32 vcpu)
{
	struct xve_event *slot = &s->ring[*req_prod & (XVE_RING_ENTRIES - 1)];

	memset(slot, 0, sizeof(*slot));
	slot->version = XVE_INTERFACE_VERSION;
	slot->reason = XVE_REASON_CPUID;
	slot->vcpu_id = vcpu;
	(*req_prod)++;
	WRITE_ONCE(s->req_prod, *req_prod);
}

static void vmring_wraps(struct kunit *test)
{
	struct xve_sring *s = kunit_kzalloc(test, XVE_RING_PAGE_SIZE,
					    GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xenintro_vmring vr;
	u32 start = 0xfffffffc, prod, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, req);
	xenintro_vmring_init(s);
	KUNIT_EXPECT_EQ(test, s->req_event, 1U);
	xenintro_vmring_attach(&vr, s);
	/* Pretend both sides already went round to just below the wrap. */
	vr.req_cons = start;
	vr.rsp_prod_pvt = start;
	vr.rsp_pushed = start;
	prod = start;
	s->req_prod = start;
	s->rsp_prod = start;

	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), 0);
	for (i = 0; i < XVE_RING_ENTRIES; i++)
		xen_put_request(s, &prod, i);
	for (i = 0; i < XVE_RING_ENTRIES; i++) {
		KUNIT_ASSERT_EQ(test, xenintro_vmring_next_request(&vr, req), 1);
		KUNIT_EXPECT_EQ(test, req->vcpu_id, i);
	}
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), 0);
	KUNIT_EXPECT_EQ(test, vr.req_cons, start + XVE_RING_ENTRIES);

	/* Answer in reverse order: responses take slots, not request ids. */
	for (i = XVE_RING_ENTRIES; i-- > 0;) {
		req->vcpu_id = i;
		xenintro_vmring_put_response(&vr, req);
	}
	KUNIT_EXPECT_TRUE(test, xenintro_vmring_push(&vr));
	KUNIT_EXPECT_EQ(test, s->rsp_prod, start + XVE_RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, s->ring[start & 7].vcpu_id, 7U);
	KUNIT_EXPECT_FALSE(test, xenintro_vmring_push(&vr));
	KUNIT_EXPECT_FALSE(test, xenintro_vmring_final_check(&vr));
	KUNIT_EXPECT_EQ(test, s->req_event, start + XVE_RING_ENTRIES + 1);
}

static void vmring_corrupt_producer(struct kunit *test)
{
	struct xve_sring *s = kunit_kzalloc(test, XVE_RING_PAGE_SIZE,
					    GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xenintro_vmring vr;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, req);
	xenintro_vmring_init(s);
	xenintro_vmring_attach(&vr, s);
	s->req_prod = XVE_RING_ENTRIES + 1;
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), -EIO);
	KUNIT_EXPECT_TRUE(test, vr.broken);
	KUNIT_EXPECT_EQ(test, vr.req_cons, 0U);
	/* Once broken, the ring is not read again, even if it looks sane. */
	s->req_prod = 1;
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), 0);
	/* A producer that went backwards is just as impossible. */
	xenintro_vmring_attach(&vr, s);
	vr.req_cons = 10;
	s->req_prod = 9;
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), -EIO);
}

/*
 * Responses owed: three requests read, none answered (their vCPUs wait for
 * the agent). A producer a full ring ahead of req_cons would still pass a
 * check against req_cons alone, but its newest request sits in the slot
 * the next response is written to (rsp_prod_pvt), so it must be refused
 * as Xen's RING_REQUEST_PROD_OVERFLOW does.
 */
static void vmring_producer_overruns_responses(struct kunit *test)
{
	struct xve_sring *s = kunit_kzalloc(test, XVE_RING_PAGE_SIZE,
					    GFP_KERNEL);
	struct xve_event *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	struct xenintro_vmring vr;
	u32 prod = 0, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, req);
	xenintro_vmring_init(s);
	xenintro_vmring_attach(&vr, s);
	for (i = 0; i < 3; i++)
		xen_put_request(s, &prod, i);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, xenintro_vmring_next_request(&vr, req), 1);
	KUNIT_ASSERT_EQ(test, vr.rsp_prod_pvt, 0U);

	/* Legal: fill the ring exactly (slots 3..7 for the producer). */
	WRITE_ONCE(s->req_prod, vr.rsp_prod_pvt + XVE_RING_ENTRIES);
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), 1);
	KUNIT_EXPECT_FALSE(test, vr.broken);

	/* One more than that overwrites the owed slot 0: refused. */
	xenintro_vmring_attach(&vr, s);
	vr.req_cons = 3;
	WRITE_ONCE(s->req_prod, XVE_RING_ENTRIES + 1);
	KUNIT_EXPECT_TRUE(test, xenintro_ring_span_valid(vr.req_cons,
							 XVE_RING_ENTRIES + 1,
							 XVE_RING_ENTRIES));
	KUNIT_EXPECT_EQ(test, xenintro_vmring_next_request(&vr, req), -EIO);
	KUNIT_EXPECT_TRUE(test, vr.broken);
	KUNIT_EXPECT_EQ(test, vr.req_cons, 3U);
}

/* Agent rings backed by kunit memory; only the pointers matter here. */
static void fake_rings(struct kunit *test, struct xenintro_agent_rings *r,
		       u32 entries)
{
	memset(r, 0, sizeof(*r));
	r->ctrl = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	r->events = kunit_kcalloc(test, entries, sizeof(*r->events),
				  GFP_KERNEL);
	r->verdict_region = kunit_kzalloc(test, XENINTRO_AGENT_PAGE_SIZE +
					  entries * sizeof(*r->verdicts),
					  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->ctrl);
	KUNIT_ASSERT_NOT_NULL(test, r->events);
	KUNIT_ASSERT_NOT_NULL(test, r->verdict_region);
	r->agent = r->verdict_region;
	r->verdicts = r->verdict_region + XENINTRO_AGENT_PAGE_SIZE;
	r->event_entries = entries;
	r->event_stride = sizeof(*r->events);
	r->verdict_entries = entries;
}

static void event_ring_wraps(struct kunit *test)
{
	struct xenintro_agent_rings r;
	struct xenintro_event *ev;
	u32 start = 0xfffffffe, i;

	fake_rings(test, &r, 4);
	r.event_tail = start;
	r.agent->event_head = start;
	KUNIT_EXPECT_FALSE(test, xenintro_events_pending(&r));

	for (i = 0; i < 4; i++) {
		ev = xenintro_event_slot(&r);
		KUNIT_ASSERT_NOT_NULL(test, ev);
		KUNIT_EXPECT_PTR_EQ(test, ev, &r.events[(start + i) & 3]);
		ev->seq = i + 1;
		xenintro_event_publish(&r);
	}
	KUNIT_EXPECT_EQ(test, r.ctrl->event_tail, start + 4);
	KUNIT_EXPECT_EQ(test, r.ctrl->events_delivered, 4ULL);
	KUNIT_EXPECT_TRUE(test, xenintro_events_pending(&r));
	/* full: the kernel will not overwrite unread records */
	KUNIT_EXPECT_NULL(test, xenintro_event_slot(&r));

	/* the agent consumed two */
	r.agent->event_head = start + 2;
	ev = xenintro_event_slot(&r);
	KUNIT_ASSERT_NOT_NULL(test, ev);
	KUNIT_EXPECT_PTR_EQ(test, ev, &r.events[(start + 4) & 3]);

	/* an agent head from nowhere looks like "full", never out of bounds */
	r.agent->event_head = start + 100;
	KUNIT_EXPECT_NULL(test, xenintro_event_slot(&r));
	r.agent->event_head = start - 100;
	KUNIT_EXPECT_NULL(test, xenintro_event_slot(&r));
}

/*
 * An agent with a larger record (a newer uAPI): slots are its size apart,
 * the kernel's record at the start of each and the rest left zero.
 */
static void event_ring_larger_records(struct kunit *test)
{
	const u32 stride = 2 * sizeof(struct xenintro_event);
	struct xenintro_agent_rings r;
	struct xenintro_event *ev;
	u32 i;

	fake_rings(test, &r, 4);
	r.events = kunit_kzalloc(test, 4 * stride, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r.events);
	r.event_stride = stride;
	for (i = 0; i < 4; i++) {
		ev = xenintro_event_slot(&r);
		KUNIT_ASSERT_NOT_NULL(test, ev);
		KUNIT_EXPECT_PTR_EQ(test, (void *)ev,
				    (void *)r.events + i * stride);
		memset(ev, 0xab, sizeof(*ev));
		xenintro_event_publish(&r);
	}
	KUNIT_EXPECT_NULL(test, xenintro_event_slot(&r));
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NULL(test, memchr_inv((void *)r.events + i * stride +
						   sizeof(*ev), 0,
						   stride - sizeof(*ev)));
}

static void verdict_ring_wraps(struct kunit *test)
{
	struct xenintro_agent_rings r;
	struct xenintro_verdict v;
	u32 start = 0xffffffff, i;

	fake_rings(test, &r, 4);
	r.verdict_head = start;
	r.agent->verdict_tail = start;
	KUNIT_EXPECT_EQ(test, xenintro_verdicts_available(&r), 0);

	for (i = 0; i < 3; i++)
		r.verdicts[(start + i) & 3].seq = 100 + i;
	r.agent->verdict_tail = start + 3;
	KUNIT_ASSERT_EQ(test, xenintro_verdicts_available(&r), 3);
	for (i = 0; i < 3; i++) {
		xenintro_verdict_take(&r, &v);
		KUNIT_EXPECT_EQ(test, v.seq, 100ULL + i);
	}
	xenintro_verdicts_release(&r);
	KUNIT_EXPECT_EQ(test, r.ctrl->verdict_head, start + 3);
	KUNIT_EXPECT_EQ(test, r.verdict_head, 2U);

	/* more than the ring holds, or behind the head: refused */
	r.agent->verdict_tail = r.verdict_head + 5;
	KUNIT_EXPECT_EQ(test, xenintro_verdicts_available(&r), -EIO);
	r.agent->verdict_tail = r.verdict_head - 1;
	KUNIT_EXPECT_EQ(test, xenintro_verdicts_available(&r), -EIO);
	KUNIT_EXPECT_EQ(test, r.verdict_head, 2U);
}

static struct kunit_case ring_test_cases[] = {
	KUNIT_CASE_PARAM(ring_span, span_gen_params),
	KUNIT_CASE(vmring_wraps),
	KUNIT_CASE(vmring_corrupt_producer),
	KUNIT_CASE(vmring_producer_overruns_responses),
	KUNIT_CASE(event_ring_wraps),
	KUNIT_CASE(event_ring_larger_records),
	KUNIT_CASE(verdict_ring_wraps),
	{}
};

static struct kunit_suite ring_test_suite = {
	.name = "xenintro_ring",
	.test_cases = ring_test_cases,
};

kunit_test_suites(&ring_test_suite);
