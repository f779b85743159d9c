// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The inline ring helpers over the simulated regions: FIFO order, empty
 * and full, batches, index wrap-around at 2^32, and indices the kernel got
 * wrong.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fake_kernel.h"
#include "harness.h"

static void ring_setup(struct xenintro *x, __u32 ev_entries, __u32 vd_entries,
		       __u32 ev_start, __u32 vd_start)
{
	fk.cfg.ev_start = ev_start;
	fk.cfg.vd_start = vd_start;
	xt_attach(x, ev_entries, vd_entries);
	XT_EQ(x->ev.head, ev_start);
	XT_EQ(x->vd.tail, vd_start);
}

/* Kick the way a kernel would: consume the verdict ring into fk.log. */
static int kernel_consume(void)
{
	int n;

	pthread_mutex_lock(&fk.lock);
	n = fk_consume(NULL, NULL);
	pthread_mutex_unlock(&fk.lock);
	return n;
}

XT_TEST(ring_empty)
{
	const struct xenintro_event *ev = NULL, *evs[4];
	struct xenintro x;

	ring_setup(&x, 8, 8, 0, 0);
	XT_EQ(xenintro_events_ready(&x), 0);
	XT_EQ(xenintro_peek_event(&x, &ev), -EAGAIN);
	XT_ASSERT(ev == NULL);
	XT_EQ(xenintro_peek_batch(&x, evs, 4), 0);
	XT_EQ(xenintro_verdict_space(&x), 8);
	XT_EQ(xenintro_publish(&x), 0);
	XT_EQ(xenintro_submit(&x), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_events_fifo_and_batch)
{
	const struct xenintro_event *ev, *evs[8];
	struct xenintro x;
	int i;

	ring_setup(&x, 8, 8, 0, 0);
	XT_EQ(fk_produce_n(5, XENINTRO_EVENT_CTRLREG), 0);
	XT_EQ(xenintro_events_ready(&x), 5);
	XT_EQ(xenintro_peek_event(&x, &ev), 0);
	XT_EQ(ev->seq, 1);
	XT_EQ(ev->reason, XENINTRO_EVENT_CTRLREG);
	/* peeking does not consume */
	XT_EQ(xenintro_peek_event(&x, &evs[0]), 0);
	XT_ASSERT(evs[0] == ev);
	XT_EQ(fk_event_head(), 0);

	/* a batch smaller than what is ready */
	XT_EQ(xenintro_peek_batch(&x, evs, 3), 3);
	for (i = 0; i < 3; i++)
		XT_EQ(evs[i]->seq, i + 1);
	xenintro_event_advance(&x, 3);
	XT_EQ(fk_event_head(), 3);
	XT_EQ(xenintro_events_ready(&x), 2);

	/* a batch larger than what is ready */
	XT_EQ(xenintro_peek_batch(&x, evs, 8), 2);
	XT_EQ(evs[0]->seq, 4);
	XT_EQ(evs[1]->seq, 5);
	XT_ASSERT(evs[1] == &x.ev.records[4]);
	xenintro_event_advance(&x, 2);
	XT_EQ(fk_event_head(), 5);
	XT_EQ(xenintro_events_ready(&x), 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_events_full)
{
	const struct xenintro_event *ev;
	struct xenintro x;

	ring_setup(&x, 4, 4, 0, 0);
	XT_EQ(fk_produce_n(4, XENINTRO_EVENT_CPUID), 0);
	/* the kernel sees the ring full until the agent consumes */
	XT_EQ(fk_produce_n(1, XENINTRO_EVENT_CPUID), -ENOSPC);
	XT_EQ(xenintro_events_ready(&x), 4);
	XT_EQ(xenintro_peek_event(&x, &ev), 0);
	xenintro_event_advance(&x, 1);
	XT_EQ(fk_produce_n(1, XENINTRO_EVENT_CPUID), 0);
	XT_EQ(fk_produce_n(1, XENINTRO_EVENT_CPUID), -ENOSPC);
	XT_EQ(xenintro_events_ready(&x), 4);
	XT_EQ(xenintro_peek_event(&x, &ev), 0);
	XT_EQ(ev->seq, 2);
	/* slot reuse: seq 5 went where seq 1 was */
	XT_EQ(x.ev.records[0].seq, 5);
	XT_EQ(xenintro_close(&x), 0);
}

/* Producer and consumer indices both cross 2^32 several times over. */
static void wrap_events(__u32 entries, __u32 start)
{
	const struct xenintro_event *evs[XENINTRO_RING_MAX];
	struct xenintro x;
	__u64 expect = 1;
	unsigned int round, i, n;

	ring_setup(&x, entries, entries, start, start);
	for (round = 0; round < 200; round++) {
		/* vary the batch: 1 .. entries */
		n = 1 + round % entries;
		XT_EQ(fk_produce_n(n, XENINTRO_EVENT_SINGLESTEP), 0);
		XT_EQ(xenintro_events_ready(&x), n);
		XT_EQ(xenintro_peek_batch(&x, evs, entries), n);
		for (i = 0; i < n; i++) {
			XT_EQ(evs[i]->seq, expect);
			XT_ASSERT(evs[i] == &x.ev.records[(x.ev.head + i) &
							  (entries - 1)]);
			expect++;
		}
		xenintro_event_advance(&x, n);
		XT_EQ(fk_event_head(), x.ev.head);
	}
	/* the counters did wrap */
	XT_ASSERT(x.ev.head < start);
	XT_EQ(x.ev.head, (__u32)(start + expect - 1));
	XT_EQ(xenintro_close(&x), 0);
	fk_reset();
}

XT_TEST(ring_events_wrap_at_2_32)
{
	wrap_events(4, UINT32_MAX - 2);
	wrap_events(2, UINT32_MAX);
	wrap_events(64, UINT32_MAX - 63);
}

XT_TEST(ring_events_full_across_wrap)
{
	const struct xenintro_event *evs[4];
	struct xenintro x;

	/* head = 2^32 - 2; a full ring puts the tail at 2 */
	ring_setup(&x, 4, 4, UINT32_MAX - 1, 0);
	XT_EQ(fk_produce_n(4, XENINTRO_EVENT_MSR), 0);
	XT_EQ(fk.ctrl->event_tail, 2);
	XT_EQ(xenintro_events_ready(&x), 4);
	XT_EQ(xenintro_peek_batch(&x, evs, 4), 4);
	XT_EQ(evs[3]->seq, 4);
	xenintro_event_advance(&x, 4);
	XT_EQ(fk_event_head(), 2);
	XT_EQ(xenintro_events_ready(&x), 0);
	XT_EQ(xenintro_close(&x), 0);
}

/*
 * A tail beyond what the ring can hold must be refused without reading a
 * record: the events mapping is made inaccessible, so a read would crash.
 */
XT_TEST(ring_corrupt_event_tail_reads_nothing)
{
	static const __u32 bad[] = { 9, 100, 0x80000000U, UINT32_MAX };
	const struct xenintro_event *ev = NULL, *evs[8] = { 0 };
	struct xenintro x;
	unsigned int i;

	ring_setup(&x, 8, 8, UINT32_MAX - 3, 0);
	XT_EQ(mprotect(x.events_map, x.events_size, PROT_NONE), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* UINT32_MAX is "one behind the head" */
		fk.ctrl->event_tail = x.ev.head + bad[i];
		XT_EQ(xenintro_events_ready(&x), -EIO);
		XT_EQ(xenintro_peek_event(&x, &ev), -EIO);
		XT_ASSERT(ev == NULL);
		XT_EQ(xenintro_peek_batch(&x, evs, 8), -EIO);
		XT_ASSERT(evs[0] == NULL);
	}
	/* exactly full is legal */
	fk.ctrl->event_tail = x.ev.head + 8;
	XT_EQ(xenintro_events_ready(&x), 8);
	/* the library's own head never moved */
	XT_EQ(x.ev.head, UINT32_MAX - 3);
	XT_EQ(fk_event_head(), UINT32_MAX - 3);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_verdict_space_and_full)
{
	struct xenintro_verdict *v[5];
	struct xenintro x;
	int i;

	ring_setup(&x, 4, 4, 0, 10);
	XT_EQ(xenintro_verdict_space(&x), 4);
	for (i = 0; i < 4; i++) {
		v[i] = xenintro_get_verdict(&x);
		XT_ASSERT(v[i] != NULL);
		XT_ASSERT(v[i] == &x.vd.records[(10 + i) & 3]);
		XT_EQ(xenintro_verdict_space(&x), 3 - i);
	}
	v[4] = xenintro_get_verdict(&x);
	XT_ASSERT(v[4] == NULL);
	/* a failed get does not move the tail */
	XT_EQ(x.vd.tail, 14);
	/* nothing is visible to the kernel before publish */
	XT_EQ(fk_verdict_tail(), 10);
	XT_EQ(kernel_consume(), 0);
	XT_EQ(xenintro_publish(&x), 4);
	XT_EQ(fk_verdict_tail(), 14);
	/* still full until the kernel consumes */
	XT_ASSERT(xenintro_get_verdict(&x) == NULL);
	XT_EQ(kernel_consume(), 4);
	XT_EQ(xenintro_verdict_space(&x), 4);
	XT_ASSERT(xenintro_get_verdict(&x) == &x.vd.records[14 & 3]);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_verdict_batch_publish_and_single_kick)
{
	const struct xenintro_event *evs[8];
	struct xenintro_verdict *v;
	struct xenintro x;
	int i, n;

	ring_setup(&x, 8, 8, 0, 0);
	XT_EQ(fk_produce_n(3, XENINTRO_EVENT_BREAKPOINT), 0);
	n = xenintro_peek_batch(&x, evs, 8);
	XT_EQ(n, 3);
	for (i = 0; i < n; i++) {
		v = xenintro_verdict_for(&x, evs[i],
					 i == 1 ? XENINTRO_VERDICT_REINJECT
						: XENINTRO_VERDICT_CONTINUE);
		XT_ASSERT(v != NULL);
		/* unpublished: the kernel's view is unchanged */
		XT_EQ(fk_verdict_tail(), 0);
	}
	xenintro_event_advance(&x, (unsigned int)n);
	XT_EQ(xenintro_submit(&x), 3);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);
	XT_EQ(fk.last_kick.size, sizeof(struct xenintro_kick));
	XT_EQ(fk.nlog, 3);
	for (i = 0; i < 3; i++) {
		XT_EQ(fk.log[i].seq, i + 1);
		XT_EQ(fk.log[i].vcpu, (i + 1) % fk.cfg.max_vcpus);
		XT_EQ(fk.log[i].verdict, i == 1 ? XENINTRO_VERDICT_REINJECT
						: XENINTRO_VERDICT_CONTINUE);
	}
	/* nothing new: no second kick */
	XT_EQ(xenintro_submit(&x), 0);
	XT_EQ(xenintro_publish(&x), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 1);

	/* published without a kick: the next submit still kicks */
	XT_ASSERT(xenintro_get_verdict(&x) != NULL);
	XT_EQ(xenintro_publish(&x), 1);
	XT_EQ(xenintro_submit(&x), 1);
	XT_EQ(fk.calls[_XENINTRO_KICK], 2);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_submit_retries_failed_kick)
{
	struct xenintro x;

	ring_setup(&x, 4, 4, 0, 0);
	XT_ASSERT(xenintro_get_verdict(&x) != NULL);
	fk.cfg.fail_ioctl[_XENINTRO_KICK] = EIO;
	XT_EQ(xenintro_submit(&x), -EIO);
	/* published even though the kick failed */
	XT_EQ(fk_verdict_tail(), 1);
	fk.cfg.fail_ioctl[_XENINTRO_KICK] = 0;
	XT_EQ(xenintro_submit(&x), 1);
	XT_EQ(fk.calls[_XENINTRO_KICK], 2);
	XT_EQ(xenintro_submit(&x), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 2);
	XT_EQ(xenintro_close(&x), 0);
}

/* Answer every event through rings whose indices cross 2^32. */
static void wrap_verdicts(__u32 ev_entries, __u32 vd_entries, __u32 start)
{
	const struct xenintro_event *evs[XENINTRO_RING_MAX];
	struct xenintro x;
	__u64 answered = 0;
	unsigned int round, i, n, done;

	ring_setup(&x, ev_entries, vd_entries, start, start + 7);
	for (round = 0; round < 300; round++) {
		n = 1 + round % ev_entries;
		XT_EQ(fk_produce_n(n, XENINTRO_EVENT_CPUID), 0);
		XT_EQ(xenintro_peek_batch(&x, evs, ev_entries), n);
		for (i = 0; i < n; i++) {
			struct xenintro_verdict *v;

			v = xenintro_verdict_for(&x, evs[i],
						 XENINTRO_VERDICT_CONTINUE);
			if (!v) {
				/* full: hand the batch over, then retry */
				XT_ASSERT(xenintro_submit(&x) > 0);
				v = xenintro_verdict_for(
					&x, evs[i], XENINTRO_VERDICT_CONTINUE);
				XT_ASSERT(v != NULL);
			}
			v->flags = XENINTRO_VFLAG_SINGLESTEP_OFF;
		}
		xenintro_event_advance(&x, n);
		XT_ASSERT(xenintro_submit(&x) > 0);
		answered += n;
		XT_EQ(fk.nlog, answered);
	}
	for (done = 0; done < fk.nlog; done++) {
		XT_EQ(fk.log[done].seq, done + 1);
		XT_EQ(fk.log[done].vcpu, (done + 1) % fk.cfg.max_vcpus);
		XT_EQ(fk.log[done].flags, XENINTRO_VFLAG_SINGLESTEP_OFF);
	}
	XT_ASSERT(x.vd.tail < start);
	XT_EQ(xenintro_close(&x), 0);
	fk_reset();
}

XT_TEST(ring_verdicts_wrap_at_2_32)
{
	wrap_verdicts(8, 8, UINT32_MAX - 20);
	wrap_verdicts(8, 2, UINT32_MAX - 20);
	wrap_verdicts(2, 4, UINT32_MAX);
}

XT_TEST(ring_corrupt_verdict_head)
{
	static const __u32 bad[] = { 1, 100, 0x80000000U };
	struct xenintro x;
	unsigned int i;

	ring_setup(&x, 8, 8, 0, UINT32_MAX - 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* the kernel claims to have consumed past our tail */
		fk.ctrl->verdict_head = x.vd.tail + bad[i];
		XT_EQ(xenintro_verdict_space(&x), -EIO);
		XT_ASSERT(xenintro_get_verdict(&x) == NULL);
		/* or to lag further behind than the ring is long */
		fk.ctrl->verdict_head = x.vd.tail - 9 - bad[i];
		XT_EQ(xenintro_verdict_space(&x), -EIO);
		XT_ASSERT(xenintro_get_verdict(&x) == NULL);
	}
	XT_EQ(x.vd.tail, UINT32_MAX - 1);
	fk.ctrl->verdict_head = x.vd.tail;
	XT_EQ(xenintro_verdict_space(&x), 8);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(ring_helpers_safe_before_attach)
{
	const struct xenintro_event *ev;
	struct xenintro x;

	xt_open(&x);
	XT_EQ(xenintro_events_ready(&x), 0);
	XT_EQ(xenintro_peek_event(&x, &ev), -EAGAIN);
	xenintro_event_advance(&x, 3);
	XT_EQ(xenintro_events_ready(&x), 0);
	XT_EQ(xenintro_verdict_space(&x), 0);
	XT_ASSERT(xenintro_get_verdict(&x) == NULL);
	XT_EQ(xenintro_publish(&x), 0);
	XT_EQ(xenintro_submit(&x), 0);
	XT_EQ(fk.calls[_XENINTRO_KICK], 0);
	XT_EQ(xenintro_close(&x), 0);
}

static struct xenintro_event sample_event(void)
{
	struct xenintro_event ev;
	__u64 *r;
	unsigned int i;

	memset(&ev, 0, sizeof(ev));
	ev.seq = 0x1122334455ULL;
	ev.vcpu = 3;
	ev.reason = XENINTRO_EVENT_CPUID;
	ev.flags = XENINTRO_EF_SYNC;
	r = &ev.regs.rax;
	for (i = 0; i < sizeof(ev.regs) / sizeof(__u64); i++)
		r[i] = 0x100 + i;
	return ev;
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return 0;
	return 1;
}

XT_TEST(prep_verdict_clears_reused_slot)
{
	struct xenintro_event ev = sample_event();
	struct xenintro_verdict v;

	memset(&v, 0xa5, sizeof(v));
	xenintro_prep_verdict(&v, &ev, XENINTRO_VERDICT_DENY);
	XT_EQ(v.seq, ev.seq);
	XT_EQ(v.vcpu, 3);
	XT_EQ(v.verdict, XENINTRO_VERDICT_DENY);
	XT_EQ(v.flags, 0);
	XT_EQ(v.altp2m_idx, 0);
	XT_ASSERT(all_zero(v.reserved0, sizeof(v.reserved0)));
	XT_ASSERT(all_zero(&v.u, sizeof(v.u)));
	XT_ASSERT(all_zero(v.reserved1, sizeof(v.reserved1)));
}

XT_TEST(prep_set_regs_copies_rax_to_rip)
{
	struct xenintro_event ev = sample_event();
	struct xenintro_verdict v;

	memset(&v, 0xa5, sizeof(v));
	xenintro_prep_set_regs(&v, &ev);
	XT_EQ(v.verdict, XENINTRO_VERDICT_SET_REGISTERS);
	XT_EQ(v.seq, ev.seq);
	XT_EQ(v.u.regs.rax, ev.regs.rax);
	XT_EQ(v.u.regs.rbx, ev.regs.rbx);
	XT_EQ(v.u.regs.r15, ev.regs.r15);
	XT_EQ(v.u.regs.rflags, ev.regs.rflags);
	XT_EQ(v.u.regs.rip, ev.regs.rip);
	XT_EQ(v.u.regs.rip, 0x100 + 17);
	/* nothing beyond rip leaks in */
	XT_ASSERT(all_zero((char *)&v.u + sizeof(v.u.regs),
			   sizeof(v.u) - sizeof(v.u.regs)));
	XT_ASSERT(all_zero(v.reserved1, sizeof(v.reserved1)));
}

XT_TEST(prep_emul_read_bounds)
{
	struct xenintro_event ev = sample_event();
	struct xenintro_verdict v, before;
	unsigned char data[XENINTRO_EMUL_READ_MAX + 1];

	memset(data, 0x5a, sizeof(data));
	memset(&v, 0xa5, sizeof(v));
	before = v;
	XT_EQ(xenintro_prep_emul_read(&v, &ev, data, sizeof(data)), -EINVAL);
	XT_EQ(xenintro_prep_emul_read(&v, &ev, NULL, 4), -EINVAL);
	XT_EQ(memcmp(&v, &before, sizeof(v)), 0);

	XT_EQ(xenintro_prep_emul_read(&v, &ev, data, XENINTRO_EMUL_READ_MAX), 0);
	XT_EQ(v.verdict, XENINTRO_VERDICT_EMULATE_READ_DATA);
	XT_EQ(v.u.emul_read.size, XENINTRO_EMUL_READ_MAX);
	XT_EQ(memcmp(v.u.emul_read.data, data, XENINTRO_EMUL_READ_MAX), 0);

	XT_EQ(xenintro_prep_emul_read(&v, &ev, data, 3), 0);
	XT_EQ(v.u.emul_read.size, 3);
	XT_ASSERT(all_zero(v.u.emul_read.data + 3, XENINTRO_EMUL_READ_MAX - 3));
	XT_EQ(xenintro_prep_emul_read(&v, &ev, NULL, 0), 0);
	XT_EQ(v.u.emul_read.size, 0);
}

XT_TEST(event_needs_verdict)
{
	struct xenintro_event ev;

	memset(&ev, 0, sizeof(ev));
	XT_ASSERT(!xenintro_event_needs_verdict(&ev));
	ev.flags = XENINTRO_EF_SYNC;
	XT_ASSERT(xenintro_event_needs_verdict(&ev));
	ev.flags = XENINTRO_EF_SYNC | XENINTRO_EF_FOREIGN | XENINTRO_EF_ALTP2M;
	XT_ASSERT(xenintro_event_needs_verdict(&ev));
	ev.flags = XENINTRO_EF_SYNC | XENINTRO_EF_NOTIFY;
	XT_ASSERT(!xenintro_event_needs_verdict(&ev));
	ev.flags = XENINTRO_EF_NOTIFY;
	XT_ASSERT(!xenintro_event_needs_verdict(&ev));
}
