/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xenintro's trace events, for ftrace and perf users:
 * /sys/kernel/tracing/events/xenintro/.
 *
 * The event path: a request read from the hypervisor's ring (received),
 * decided by a kernel rule (decided), put into the agent's ring
 * (forwarded), answered by the agent (answered, with the time it waited)
 * or by the deadline (deadline). The deferred ring processing reports
 * each bounded chunk (drain). The control path: attach and detach.
 *
 * Every event is emitted under the domain's event lock (or, for attach
 * and detach, its control lock), so a trace of one domain is in the
 * order things happened to it. Arguments are plain numbers: nothing is
 * dereferenced when the event is off, and the arguments' evaluation is
 * all a disabled event costs (a static branch skips the rest).
 *
 * This header is read several times by <trace/define_trace.h> (hence the
 * TRACE_HEADER_MULTI_READ guard); trace.c defines CREATE_TRACE_POINTS.
 * The layout of the TP_ macro arguments is the kernel's convention for
 * trace headers, which checkpatch accepts for TRACE_EVENT blocks.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xenintro

#if !defined(_XENINTRO_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XENINTRO_TRACE_H

#include <linux/ktime.h>
#include <linux/tracepoint.h>

TRACE_EVENT(xenintro_event_received,

	TP_PROTO(u16 domid, u32 vcpu, u32 reason, u32 flags),

	TP_ARGS(domid, vcpu, reason, flags),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, vcpu)
		__field(u32, reason)
		__field(u32, flags)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->flags = flags;
	),

	TP_printk("dom=%u vcpu=%u reason=%u flags=%#x",
		  __entry->domid, __entry->vcpu, __entry->reason,
		  __entry->flags)
);

TRACE_EVENT(xenintro_event_decided,

	TP_PROTO(u16 domid, u32 vcpu, u32 reason, u32 rule, u32 action,
		 bool notify),

	TP_ARGS(domid, vcpu, reason, rule, action, notify),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, vcpu)
		__field(u32, reason)
		__field(u32, rule)
		__field(u32, action)
		__field(bool, notify)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->vcpu = vcpu;
		__entry->reason = reason;
		__entry->rule = rule;
		__entry->action = action;
		__entry->notify = notify;
	),

	TP_printk("dom=%u vcpu=%u reason=%u rule=%u action=%u notify=%d",
		  __entry->domid, __entry->vcpu, __entry->reason,
		  __entry->rule, __entry->action, __entry->notify)
);

TRACE_EVENT(xenintro_event_forwarded,

	TP_PROTO(u16 domid, u32 vcpu, u64 seq, u32 rule, bool sync),

	TP_ARGS(domid, vcpu, seq, rule, sync),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, vcpu)
		__field(u64, seq)
		__field(u32, rule)
		__field(bool, sync)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->vcpu = vcpu;
		__entry->seq = seq;
		__entry->rule = rule;
		__entry->sync = sync;
	),

	TP_printk("dom=%u vcpu=%u seq=%llu rule=%u sync=%d",
		  __entry->domid, __entry->vcpu, __entry->seq,
		  __entry->rule, __entry->sync)
);

/* @since: CLOCK_MONOTONIC ns when the request was read; 0 if unknown. */
TRACE_EVENT(xenintro_event_answered,

	TP_PROTO(u16 domid, u32 vcpu, u64 seq, u32 verdict, u64 since),

	TP_ARGS(domid, vcpu, seq, verdict, since),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, vcpu)
		__field(u64, seq)
		__field(u32, verdict)
		__field(u64, latency_ns)
	),

	/* The clock is read only when the event is on. */
	TP_fast_assign(
		__entry->domid = domid;
		__entry->vcpu = vcpu;
		__entry->seq = seq;
		__entry->verdict = verdict;
		__entry->latency_ns = since ? ktime_get_ns() - since : 0;
	),

	TP_printk("dom=%u vcpu=%u seq=%llu verdict=%u latency_ns=%llu",
		  __entry->domid, __entry->vcpu, __entry->seq,
		  __entry->verdict, __entry->latency_ns)
);

TRACE_EVENT(xenintro_deadline_expired,

	TP_PROTO(u16 domid, u32 vcpu, u64 seq, u32 verdict, u64 since),

	TP_ARGS(domid, vcpu, seq, verdict, since),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, vcpu)
		__field(u64, seq)
		__field(u32, verdict)
		__field(u64, waited_ns)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->vcpu = vcpu;
		__entry->seq = seq;
		__entry->verdict = verdict;
		__entry->waited_ns = since ? ktime_get_ns() - since : 0;
	),

	TP_printk("dom=%u vcpu=%u seq=%llu verdict=%u waited_ns=%llu",
		  __entry->domid, __entry->vcpu, __entry->seq,
		  __entry->verdict, __entry->waited_ns)
);

/*
 * One bounded chunk of ring processing (drain_work.c): in the interrupt
 * (@irq) or in the drain work.
 */
TRACE_EVENT(xenintro_drain,

	TP_PROTO(u16 domid, u32 requests, u32 budget, bool more, bool irq),

	TP_ARGS(domid, requests, budget, more, irq),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, requests)
		__field(u32, budget)
		__field(bool, more)
		__field(bool, irq)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->requests = requests;
		__entry->budget = budget;
		__entry->more = more;
		__entry->irq = irq;
	),

	TP_printk("dom=%u requests=%u budget=%u more=%d irq=%d",
		  __entry->domid, __entry->requests, __entry->budget,
		  __entry->more, __entry->irq)
);

TRACE_EVENT(xenintro_attach,

	TP_PROTO(u16 domid, u32 max_vcpus, u64 features),

	TP_ARGS(domid, max_vcpus, features),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(u32, max_vcpus)
		__field(u64, features)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->max_vcpus = max_vcpus;
		__entry->features = features;
	),

	TP_printk("dom=%u vcpus=%u features=%#llx",
		  __entry->domid, __entry->max_vcpus, __entry->features)
);

TRACE_EVENT(xenintro_detach,

	TP_PROTO(u16 domid, bool dead),

	TP_ARGS(domid, dead),

	TP_STRUCT__entry(
		__field(u16, domid)
		__field(bool, dead)
	),

	TP_fast_assign(
		__entry->domid = domid;
		__entry->dead = dead;
	),

	TP_printk("dom=%u dead=%d", __entry->domid, __entry->dead)
);

#endif /* _XENINTRO_TRACE_H */

/*
 * An out-of-tree module's trace header is not under include/trace/events:
 * define_trace.h finds it in this directory (Kbuild puts -I on trace.o).
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE xenintro_trace
#include <trace/define_trace.h>
