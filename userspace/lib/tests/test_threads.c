// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A kernel thread and an agent thread over the simulated rings, for
 * millions of records: every event arrives once, in order and intact, and
 * every verdict reaches the kernel once, in order and intact.
 *
 * XENINTRO_TEST_SCALE=n divides the record counts (sanitizer builds).
 */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#include "fake_kernel.h"
#include "harness.h"

struct stream {
	struct xenintro x;
	__u64 total;
	int kick;		/* agent kicks per batch, else publish only */
	/* kernel side: next verdict seq expected, owned under fk.lock */
	__u64 verdict_next;
};

static __u64 scaled(__u64 n)
{
	const char *s = getenv("XENINTRO_TEST_SCALE");
	long div = s ? strtol(s, NULL, 10) : 1;

	return div > 1 ? n / (__u64)div : n;
}

/* Contents derived from seq, so a torn or stale record shows. */
static __u64 mix(__u64 seq, unsigned int i)
{
	return (seq + i) * 0x9e3779b97f4a7c15ULL;
}

static void check_verdict(const struct xenintro_verdict *v, void *arg)
{
	struct stream *st = arg;
	__u64 seq = st->verdict_next;

	if (v->seq != seq || v->vcpu != (__u32)(seq % 7) ||
	    v->verdict != XENINTRO_VERDICT_SET_REGISTERS ||
	    v->u.regs.rax != mix(seq, 0) || v->u.regs.rip != ~seq)
		xt_fail(__FILE__, __LINE__,
			"verdict %llu: seq %llu vcpu %u verdict %u",
			(unsigned long long)seq, (unsigned long long)v->seq,
			v->vcpu, v->verdict);
	st->verdict_next++;
}

static void *kernel_thread(void *arg)
{
	struct stream *st = arg;
	struct xenintro_event ev;
	__u64 produced = 0;
	unsigned int i;
	int n, progress, done;

	memset(&ev, 0, sizeof(ev));
	ev.reason = XENINTRO_EVENT_CPUID;
	ev.flags = XENINTRO_EF_SYNC;
	for (;;) {
		progress = 0;
		while (produced < st->total) {
			ev.seq = produced + 1;
			ev.vcpu = (__u32)(ev.seq % 7);
			for (i = 0; i < 6; i++)
				ev.u.raw[i] = mix(ev.seq, i);
			ev.regs.rip = ~ev.seq;
			if (fk_produce(&ev))
				break;
			produced++;
			progress = 1;
		}
		/* the agent's KICK consumes too, under the same lock */
		pthread_mutex_lock(&fk.lock);
		n = fk_consume(check_verdict, st);
		done = st->verdict_next > st->total;
		pthread_mutex_unlock(&fk.lock);
		if (n < 0)
			xt_fail(__FILE__, __LINE__, "verdict ring: %d", n);
		if (done)
			break;
		if (!progress && !n)
			sched_yield();
	}
	return NULL;
}

static void *agent_thread(void *arg)
{
	struct stream *st = arg;
	struct xenintro *x = &st->x;
	const struct xenintro_event *evs[64];
	struct xenintro_verdict *v;
	__u64 expect = 1;
	int n, i;

	while (expect <= st->total) {
		n = xenintro_peek_batch(x, evs, 64);
		if (n < 0)
			xt_fail(__FILE__, __LINE__, "peek: %d", n);
		if (!n) {
			sched_yield();
			continue;
		}
		for (i = 0; i < n; i++) {
			const struct xenintro_event *ev = evs[i];
			unsigned int j;

			if (ev->seq != expect || ev->vcpu != (__u32)(expect % 7) ||
			    ev->regs.rip != ~expect)
				xt_fail(__FILE__, __LINE__,
					"event %llu: seq %llu",
					(unsigned long long)expect,
					(unsigned long long)ev->seq);
			for (j = 0; j < 6; j++)
				if (ev->u.raw[j] != mix(expect, j))
					xt_fail(__FILE__, __LINE__,
						"event %llu torn",
						(unsigned long long)expect);
			while (!(v = xenintro_get_verdict(x))) {
				/* full: hand over what we have, wait */
				if (st->kick && xenintro_submit(x) < 0)
					xt_fail(__FILE__, __LINE__, "submit");
				xenintro_publish(x);
				sched_yield();
			}
			xenintro_prep_set_regs(v, ev);
			v->u.regs.rax = ev->u.raw[0];
			expect++;
		}
		xenintro_event_advance(x, (unsigned int)n);
		if (st->kick) {
			if (xenintro_submit(x) < 0)
				xt_fail(__FILE__, __LINE__, "submit");
		} else {
			xenintro_publish(x);
		}
	}
	return NULL;
}

static void run_stream(__u32 ev_entries, __u32 vd_entries, __u32 start,
		       __u64 total, int kick)
{
	static struct stream st;
	pthread_t k, a;

	memset(&st, 0, sizeof(st));
	st.total = scaled(total);
	st.kick = kick;
	st.verdict_next = 1;
	fk.cfg.ev_start = start;
	fk.cfg.vd_start = start ^ 0x5555;
	fk.cfg.on_verdict = check_verdict;
	fk.cfg.on_verdict_arg = &st;
	xt_attach(&st.x, ev_entries, vd_entries);

	XT_EQ(pthread_create(&k, NULL, kernel_thread, &st), 0);
	XT_EQ(pthread_create(&a, NULL, agent_thread, &st), 0);
	XT_EQ(pthread_join(a, NULL), 0);
	XT_EQ(pthread_join(k, NULL), 0);

	XT_EQ(st.verdict_next, st.total + 1);
	XT_EQ(st.x.ev.head, (__u32)(start + st.total));
	XT_EQ(fk_event_head(), (__u32)(start + st.total));
	XT_EQ(fk.ctrl->verdict_head, (__u32)((start ^ 0x5555) + st.total));
	XT_EQ(xenintro_events_ready(&st.x), 0);
	XT_EQ(xenintro_verdict_space(&st.x), vd_entries);
	if (!kick)
		XT_EQ(fk.calls[_XENINTRO_KICK], 0);
	XT_EQ(xenintro_close(&st.x), 0);
	xt_diag("%llu events and verdicts, rings %u/%u, %s",
		(unsigned long long)st.total, ev_entries, vd_entries,
		kick ? "kick per batch" : "publish only");
}

XT_TEST(threads_stream_kick_per_batch)
{
	run_stream(256, 256, UINT32_MAX - 1000, 2000000, 1);
}

XT_TEST(threads_stream_publish_only)
{
	run_stream(8, 4, UINT32_MAX - 5, 1000000, 0);
}

XT_TEST(threads_stream_smallest_rings)
{
	run_stream(2, 2, UINT32_MAX, 500000, 1);
}
