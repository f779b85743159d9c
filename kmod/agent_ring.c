// SPDX-License-Identifier: GPL-2.0
/*
 * The rings shared with the agent: allocation, mmap, and index arithmetic.
 *
 * Three vmalloc_user() regions: the control page and the event records are
 * mapped read-only; the verdict region (agent page + verdict records) is
 * mapped read-write. The kernel never trusts anything it reads from the
 * verdict region: every index is read once and checked against the ring
 * size before use, and records are copied out before they are looked at.
 *
 * Barrier pairing (see the diagram in uapi/linux/xenintro.h):
 *   K1 smp_store_release(ctrl->event_tail)     pairs with agent's acquire
 *   K2 smp_load_acquire(agent->event_head)     pairs with agent's release
 *   K3 smp_load_acquire(agent->verdict_tail)   pairs with agent's release
 *   K4 smp_store_release(ctrl->verdict_head)   pairs with agent's acquire
 * All of them run under the domain's lock, which orders the kernel side.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "xenintro.h"

/**
 * xenintro_ring_span_valid() - is [head, tail) a possible ring content?
 * @head: consumer index
 * @tail: producer index
 * @entries: ring size
 *
 * Indices are free-running u32 counters, so the distance is computed
 * modulo 2^32 and is valid when it does not exceed the ring size.
 */
bool xenintro_ring_span_valid(u32 head, u32 tail, u32 entries)
{
	return (u32)(tail - head) <= entries;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_ring_span_valid);

/*
 * @event_stride is the record size the agent asked for in ATTACH: a power
 * of two no smaller than the kernel's struct xenintro_event. A newer agent
 * with a larger record gets the kernel's fields and zeroes after them (the
 * region is zeroed once, and the kernel never writes past its own record).
 */
int xenintro_rings_alloc(struct xenintro_agent_rings *r, u32 event_entries,
			 u32 verdict_entries, u32 event_stride)
{
	memset(r, 0, sizeof(*r));
	r->event_entries = event_entries;
	r->verdict_entries = verdict_entries;
	r->event_stride = event_stride;
	r->ctrl_size = PAGE_ALIGN(sizeof(struct xenintro_ctrl));
	r->events_size = PAGE_ALIGN((size_t)event_entries * event_stride);
	r->verdicts_size = PAGE_ALIGN(XENINTRO_AGENT_PAGE_SIZE +
				      (size_t)verdict_entries *
				      sizeof(struct xenintro_verdict));

	/* vmalloc_user() zeroes and marks the pages for remap_vmalloc_range. */
	r->ctrl = vmalloc_user(r->ctrl_size);
	r->events = vmalloc_user(r->events_size);
	r->verdict_region = vmalloc_user(r->verdicts_size);
	if (!r->ctrl || !r->events || !r->verdict_region) {
		xenintro_rings_free(r);
		return -ENOMEM;
	}
	r->agent = r->verdict_region;
	r->verdicts = r->verdict_region + XENINTRO_AGENT_PAGE_SIZE;

	r->ctrl->version = XENINTRO_CTRL_VERSION;
	r->ctrl->event_entries = event_entries;
	r->ctrl->verdict_entries = verdict_entries;
	return 0;
}

void xenintro_rings_free(struct xenintro_agent_rings *r)
{
	vfree(r->ctrl);
	vfree(r->events);
	vfree(r->verdict_region);
	r->ctrl = NULL;
	r->events = NULL;
	r->verdict_region = NULL;
}

/*
 * mmap of one region: the offset names it, the size must be exactly the
 * region's, and the read-only ones can never become writable (VM_MAYWRITE
 * is cleared so mprotect() cannot add it back). Executable mappings are
 * refused outright.
 */
int xenintro_rings_mmap(struct xenintro_agent_rings *r,
			struct vm_area_struct *vma)
{
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	bool writable;
	size_t size;
	void *mem;

	switch (off) {
	case XENINTRO_OFF_CTRL:
		mem = r->ctrl;
		size = r->ctrl_size;
		writable = false;
		break;
	case XENINTRO_OFF_EVENTS:
		mem = r->events;
		size = r->events_size;
		writable = false;
		break;
	case XENINTRO_OFF_VERDICTS:
		mem = r->verdict_region;
		size = r->verdicts_size;
		writable = true;
		break;
	default:
		return -EINVAL;
	}

	if (len != size)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (!writable && (vma->vm_flags & VM_WRITE))
		return -EPERM;

	vm_flags_clear(vma, VM_MAYEXEC);
	if (!writable)
		vm_flags_clear(vma, VM_MAYWRITE);
	return remap_vmalloc_range(vma, mem, 0);
}

/**
 * xenintro_event_slot() - the next free event record, or NULL if full
 * @r: rings; the domain's lock held
 *
 * A head the agent corrupted (further from the tail than the ring size)
 * makes the ring look full: the kernel then keeps sync events in its
 * backlog until the deadline answers them, and never writes out of bounds.
 */
struct xenintro_event *xenintro_event_slot(struct xenintro_agent_rings *r)
{
	/* K2: the agent finished reading a record before releasing it. */
	u32 head = smp_load_acquire(&r->agent->event_head);
	u32 used = r->event_tail - head;

	if (used >= r->event_entries)
		return NULL;
	return (void *)r->events +
	       (size_t)(r->event_tail & (r->event_entries - 1)) *
	       r->event_stride;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_event_slot);

/* Publish the record returned by xenintro_event_slot(). */
void xenintro_event_publish(struct xenintro_agent_rings *r)
{
	r->event_tail++;
	r->ctrl->events_delivered++;
	/* K1: the record is written before the agent can see the new tail. */
	smp_store_release(&r->ctrl->event_tail, r->event_tail);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_event_publish);

/* Whether the agent has events it has not consumed. */
bool xenintro_events_pending(struct xenintro_agent_rings *r)
{
	return READ_ONCE(r->agent->event_head) != r->event_tail;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_events_pending);

/**
 * xenintro_verdicts_available() - verdicts the agent published
 * @r: rings; the domain's lock held
 *
 * Return: the number of records ready, or -EIO if the agent's tail is not
 * a possible value (the records are then not read).
 */
int xenintro_verdicts_available(struct xenintro_agent_rings *r)
{
	/* K3: the agent wrote the records before releasing the tail. */
	u32 tail = smp_load_acquire(&r->agent->verdict_tail);

	if (!xenintro_ring_span_valid(r->verdict_head, tail,
				      r->verdict_entries))
		return -EIO;
	return tail - r->verdict_head;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_verdicts_available);

/* Copy the next verdict out of shared memory before anything reads it. */
void xenintro_verdict_take(struct xenintro_agent_rings *r,
			   struct xenintro_verdict *v)
{
	memcpy(v, &r->verdicts[r->verdict_head & (r->verdict_entries - 1)],
	       sizeof(*v));
	r->verdict_head++;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_verdict_take);

/* Give the consumed verdict slots back to the agent. */
void xenintro_verdicts_release(struct xenintro_agent_rings *r)
{
	/* K4: our copies are done before the agent may overwrite the slots. */
	smp_store_release(&r->ctrl->verdict_head, r->verdict_head);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_verdicts_release);
