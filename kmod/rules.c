// SPDX-License-Identifier: GPL-2.0
/*
 * Rule tables: the in-kernel fast path.
 *
 * A table is built whole from the agent's records by
 * xenintro_rules_build() and never changes once installed: replacing a
 * table means building a new one, swapping the domain's pointer under the
 * domain's event lock and freeing the old one after that lock is dropped
 * (control.c). The event path holds that lock anyway while it decides an
 * event, so the match itself takes no lock of its own, allocates nothing,
 * and never waits for a grace period; an event is decided wholly by the
 * old or wholly by the new table.
 *
 * Rules live in one interval tree per key space: one per event reason, and
 * one more for breakpoints keyed by frame. A lookup walks the rules whose
 * key range holds the event's key, O(log n + k) for k such rules; the
 * filters (vCPU mask, access bits, linear address, CR bits) keep the ones
 * that match and the highest priority wins. The build refuses two rules of
 * equal priority that could match one event, so the winner is unique and
 * the order of the walk does not matter.
 *
 * Hit counters are per CPU (one u64 per rule in a percpu array): the event
 * path of one domain can run on every CPU in turn, and counting must not
 * bounce a cache line between them. Readers sum over the possible CPUs.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/interval_tree_generic.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/*
 * Trees 0..15 hold the rules of the event reason with that number, keyed
 * as the uAPI says; one more holds breakpoint rules keyed by frame.
 */
#define XENINTRO_NR_REASONS	16
#define XENINTRO_TREE_BP_GFN	XENINTRO_NR_REASONS
#define XENINTRO_NR_TREES	(XENINTRO_NR_REASONS + 1)

/**
 * struct xenintro_rule_node - one rule in its tree
 * @rb: tree linkage
 * @subtree_last: interval tree bookkeeping
 * @rule: the agent's rule, validated
 * @index: its position in the agent's table (hit counter, event.rule)
 */
struct xenintro_rule_node {
	struct rb_node rb;
	u64 subtree_last;
	struct xenintro_rule rule;
	u32 index;
};

/**
 * struct xenintro_rule_table - an immutable, published rule table
 * @nr: number of rules
 * @generation: set by the installer, for STATS
 * @hits: per-CPU hit counters, @nr of them
 * @trees: one interval tree per key space
 * @nodes: the rules, @nodes[i] is the agent's rule i
 */
struct xenintro_rule_table {
	u32 nr;
	u64 generation;
	u64 __percpu *hits;
	struct rb_root_cached trees[XENINTRO_NR_TREES];
	struct xenintro_rule_node nodes[];
};

#define XENINTRO_RULE_FIRST(n)	((n)->rule.first)
#define XENINTRO_RULE_LAST(n)	((n)->rule.last)

INTERVAL_TREE_DEFINE(struct xenintro_rule_node, rb, u64, subtree_last,
		     XENINTRO_RULE_FIRST, XENINTRO_RULE_LAST, static inline,
		     xenintro_rule_tree)

static unsigned int xenintro_rule_tree_of(const struct xenintro_rule *r)
{
	if (r->event == XENINTRO_EVENT_BREAKPOINT &&
	    (r->flags & XENINTRO_RULE_KEY_GFN))
		return XENINTRO_TREE_BP_GFN;
	return r->event;
}

/* The key an event is looked up by, in the tree of its reason. */
static u64 xenintro_event_key(const struct xenintro_event *ev)
{
	switch (ev->reason) {
	case XENINTRO_EVENT_MEM_ACCESS:
		return ev->u.mem_access.gfn;
	case XENINTRO_EVENT_CTRLREG:
		return ev->u.ctrlreg.index;
	case XENINTRO_EVENT_MSR:
		return ev->u.msr.msr;
	case XENINTRO_EVENT_CPUID:
		return XENINTRO_CPUID_KEY(ev->u.cpuid.leaf,
					  ev->u.cpuid.subleaf);
	default:
		return ev->regs.rip;
	}
}

static bool xenintro_rule_all_vcpus(const struct xenintro_rule *r)
{
	return !r->vcpu_mask && !r->vcpu_mask_hi;
}

/* 128 vCPUs (Xen's HVM_MAX_VCPUS) in two words. */
static bool xenintro_rule_vcpu_matches(const struct xenintro_rule *r,
				       u32 vcpu)
{
	if (xenintro_rule_all_vcpus(r))
		return true;
	if (vcpu < 64)
		return r->vcpu_mask & BIT_ULL(vcpu);
	return vcpu < 128 && (r->vcpu_mask_hi & BIT_ULL(vcpu - 64));
}

/* The filters beyond the key range and the vCPU mask. */
static bool xenintro_rule_filters_pass(const struct xenintro_rule *r,
				       const struct xenintro_event *ev)
{
	u64 old, new;

	switch (r->event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		if (r->u.mem_access.access &&
		    !(r->u.mem_access.access & ev->u.mem_access.access))
			return false;
		if (!(r->flags & XENINTRO_RULE_GLA))
			return true;
		return (ev->u.mem_access.flags & XENINTRO_MA_GLA_VALID) &&
		       ev->u.mem_access.gla >= r->u.mem_access.gla_first &&
		       ev->u.mem_access.gla <= r->u.mem_access.gla_last;
	case XENINTRO_EVENT_CTRLREG:
		if (!r->u.ctrlreg.set_mask && !r->u.ctrlreg.clear_mask)
			return true;
		old = ev->u.ctrlreg.old_value;
		new = ev->u.ctrlreg.new_value;
		return (~old & new & r->u.ctrlreg.set_mask) ||
		       (old & ~new & r->u.ctrlreg.clear_mask);
	default:
		return true;
	}
}

/* Best match in one tree, or @best if nothing there beats it. */
static struct xenintro_rule_node *
xenintro_rules_best_in(struct rb_root_cached *root, u64 key,
		       const struct xenintro_event *ev,
		       struct xenintro_rule_node *best)
{
	struct xenintro_rule_node *n;

	for (n = xenintro_rule_tree_iter_first(root, key, key); n;
	     n = xenintro_rule_tree_iter_next(n, key, key)) {
		if (best && n->rule.priority <= best->rule.priority)
			continue;
		if (xenintro_rule_vcpu_matches(&n->rule, ev->vcpu) &&
		    xenintro_rule_filters_pass(&n->rule, ev))
			best = n;
	}
	return best;
}

/**
 * xenintro_rules_match() - the rule that decides @ev
 * @t: the table, or NULL for none; read under the domain's lock
 * @ev: the decoded event
 * @rule: out: the winning rule, valid while the domain's lock is held
 *
 * Counts a hit for the winner on this CPU.
 *
 * Return: the winner's index in the agent's table, or XENINTRO_NO_RULE.
 */
u32 xenintro_rules_match(struct xenintro_rule_table *t,
			 const struct xenintro_event *ev,
			 const struct xenintro_rule **rule)
{
	struct xenintro_rule_node *best;

	*rule = NULL;
	if (!t || ev->reason >= XENINTRO_NR_REASONS)
		return XENINTRO_NO_RULE;
	best = xenintro_rules_best_in(&t->trees[ev->reason],
				      xenintro_event_key(ev), ev, NULL);
	if (ev->reason == XENINTRO_EVENT_BREAKPOINT)
		best = xenintro_rules_best_in(&t->trees[XENINTRO_TREE_BP_GFN],
					      ev->u.debug.gfn, ev, best);
	if (!best)
		return XENINTRO_NO_RULE;
	this_cpu_inc(t->hits[best->index]);
	*rule = &best->rule;
	return best->index;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_match);

static bool xenintro_rule_event_known(u32 event)
{
	switch (event) {
	case XENINTRO_EVENT_MEM_ACCESS:
	case XENINTRO_EVENT_CTRLREG:
	case XENINTRO_EVENT_MSR:
	case XENINTRO_EVENT_BREAKPOINT:
	case XENINTRO_EVENT_SINGLESTEP:
	case XENINTRO_EVENT_GUEST_REQUEST:
	case XENINTRO_EVENT_DEBUG_EXCEPTION:
	case XENINTRO_EVENT_CPUID:
	case XENINTRO_EVENT_DESC_ACCESS:
	case XENINTRO_EVENT_EMUL_UNIMPL:
	case XENINTRO_EVENT_VMEXIT:
		return true;
	default:
		return false;
	}
}

/* How many leading u64 words of rule->u the event's filters use. */
static unsigned int xenintro_rule_union_words(const struct xenintro_rule *r)
{
	switch (r->event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		return 4;
	case XENINTRO_EVENT_CTRLREG:
		return 2;
	case XENINTRO_EVENT_CPUID:
		return r->action == XENINTRO_VERDICT_SET_REGISTERS ? 2 : 0;
	default:
		return 0;
	}
}

static int xenintro_rule_action_check(const struct xenintro_rule *r)
{
	struct xve_event req = { .reason = r->event };
	struct xenintro_answer ans = { .verdict = r->action };

	switch (r->action) {
	case XENINTRO_VERDICT_FORWARD:
		/* The agent answers; a copy on top would be a duplicate. */
		return (r->flags & XENINTRO_RULE_NOTIFY) ? -EINVAL : 0;
	case XENINTRO_VERDICT_SET_REGISTERS:
		/* Only CPUID has an answer a rule can carry. */
		return r->event == XENINTRO_EVENT_CPUID ? 0 : -EINVAL;
	case XENINTRO_VERDICT_EMULATE_READ_DATA:
		return -EINVAL;
	case XENINTRO_VERDICT_CONTINUE:
		/*
		 * A rule never relaxes page rights, so re-executing the
		 * access would fault again at once: a page rule that lets
		 * the access through says EMULATE.
		 */
		if (r->event == XENINTRO_EVENT_MEM_ACCESS)
			return -EINVAL;
		return xenintro_answer_check(&req, &ans, 0);
	default:
		return xenintro_answer_check(&req, &ans, 0);
	}
}

/**
 * xenintro_rule_check() - validate one rule on its own
 * @r: the rule
 *
 * Return: 0 or -EINVAL.
 */
int xenintro_rule_check(const struct xenintro_rule *r)
{
	unsigned int used = xenintro_rule_union_words(r);
	unsigned int i;

	if (!xenintro_rule_event_known(r->event))
		return -EINVAL;
	if (r->flags & ~XENINTRO_RULE_ALL)
		return -EINVAL;
	if ((r->flags & XENINTRO_RULE_KEY_GFN) &&
	    r->event != XENINTRO_EVENT_BREAKPOINT)
		return -EINVAL;
	if ((r->flags & XENINTRO_RULE_GLA) &&
	    r->event != XENINTRO_EVENT_MEM_ACCESS)
		return -EINVAL;
	if (memchr_inv(r->reserved, 0, sizeof(r->reserved)))
		return -EINVAL;
	for (i = used; i < ARRAY_SIZE(r->u.raw); i++)
		if (r->u.raw[i])
			return -EINVAL;
	if (r->first > r->last)
		return -EINVAL;

	switch (r->event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		if ((r->u.mem_access.access & ~XENINTRO_ACCESS_RWX) ||
		    r->u.mem_access.pad)
			return -EINVAL;
		if (r->flags & XENINTRO_RULE_GLA) {
			if (r->u.mem_access.gla_first >
			    r->u.mem_access.gla_last)
				return -EINVAL;
		} else if (r->u.mem_access.gla_first ||
			   r->u.mem_access.gla_last) {
			return -EINVAL;
		}
		break;
	case XENINTRO_EVENT_CTRLREG:
		if (r->last > XENINTRO_XCR0)
			return -EINVAL;
		break;
	case XENINTRO_EVENT_MSR:
		if (r->last > U32_MAX)
			return -EINVAL;
		break;
	}
	return xenintro_rule_action_check(r);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rule_check);

static bool xenintro_ranges_meet(u64 a_first, u64 a_last, u64 b_first,
				 u64 b_last)
{
	return a_first <= b_last && b_first <= a_last;
}

/*
 * Could @a and @b, whose keys overlap, both match one event? Only filters
 * that can prove them disjoint count; anything else is assumed to meet.
 */
static bool xenintro_rules_ambiguous(const struct xenintro_rule *a,
				     const struct xenintro_rule *b)
{
	if (a->priority != b->priority)
		return false;
	if (!xenintro_rule_all_vcpus(a) && !xenintro_rule_all_vcpus(b) &&
	    !(a->vcpu_mask & b->vcpu_mask) &&
	    !(a->vcpu_mask_hi & b->vcpu_mask_hi))
		return false;
	if (a->event == XENINTRO_EVENT_MEM_ACCESS) {
		if (a->u.mem_access.access && b->u.mem_access.access &&
		    !(a->u.mem_access.access & b->u.mem_access.access))
			return false;
		if ((a->flags & b->flags & XENINTRO_RULE_GLA) &&
		    !xenintro_ranges_meet(a->u.mem_access.gla_first,
					  a->u.mem_access.gla_last,
					  b->u.mem_access.gla_first,
					  b->u.mem_access.gla_last))
			return false;
	}
	return true;
}

/* Does @r clash with a rule already in @root over [first, last]? */
static bool xenintro_rule_clashes_in(struct rb_root_cached *root,
				     const struct xenintro_rule *r,
				     u64 first, u64 last)
{
	struct xenintro_rule_node *n;

	for (n = xenintro_rule_tree_iter_first(root, first, last); n;
	     n = xenintro_rule_tree_iter_next(n, first, last))
		if (xenintro_rules_ambiguous(&n->rule, r))
			return true;
	return false;
}

static bool xenintro_rule_clashes(struct xenintro_rule_table *t,
				  const struct xenintro_rule *r)
{
	unsigned int tree = xenintro_rule_tree_of(r);

	if (xenintro_rule_clashes_in(&t->trees[tree], r, r->first, r->last))
		return true;
	/*
	 * A breakpoint matches by RIP and by frame at once; the two keys
	 * cannot be compared, so any pair across the trees may meet.
	 */
	if (r->event != XENINTRO_EVENT_BREAKPOINT)
		return false;
	tree = tree == XENINTRO_TREE_BP_GFN ? XENINTRO_EVENT_BREAKPOINT :
					      XENINTRO_TREE_BP_GFN;
	return xenintro_rule_clashes_in(&t->trees[tree], r, 0, U64_MAX);
}

/**
 * xenintro_rules_free() - free a table no reader can see any more
 * @t: the table, or NULL
 */
void xenintro_rules_free(struct xenintro_rule_table *t)
{
	if (!t)
		return;
	free_percpu(t->hits);
	kvfree(t);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_free);

/**
 * xenintro_rules_build() - validate rules and build their table
 * @rules: the agent's rules, copied into the kernel
 * @nr: how many, 1 .. XENINTRO_RULES_MAX
 * @generation: recorded in the table
 * @error_index: out: the first refused rule, or XENINTRO_NO_RULE
 *
 * Return: the table, or ERR_PTR(-EINVAL) (a rule is malformed),
 * ERR_PTR(-EEXIST) (two rules are ambiguous), ERR_PTR(-E2BIG) (too many
 * rules), ERR_PTR(-ENOMEM).
 */
struct xenintro_rule_table *
xenintro_rules_build(const struct xenintro_rule *rules, u32 nr,
		     u64 generation, u32 *error_index)
{
	struct xenintro_rule_table *t;
	struct xenintro_rule_node *n;
	unsigned int i;
	int ret;

	*error_index = XENINTRO_NO_RULE;
	if (!nr || nr > XENINTRO_RULES_MAX)
		return ERR_PTR(-E2BIG);

	t = kvzalloc(struct_size(t, nodes, nr), GFP_KERNEL_ACCOUNT);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->hits = __alloc_percpu_gfp(nr * sizeof(u64), sizeof(u64),
				     GFP_KERNEL_ACCOUNT);
	if (!t->hits) {
		kvfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->nr = nr;
	t->generation = generation;
	for (i = 0; i < ARRAY_SIZE(t->trees); i++)
		t->trees[i] = RB_ROOT_CACHED;

	for (i = 0; i < nr; i++) {
		n = &t->nodes[i];
		n->rule = rules[i];
		n->index = i;
		ret = xenintro_rule_check(&n->rule);
		if (!ret && xenintro_rule_clashes(t, &n->rule))
			ret = -EEXIST;
		if (ret) {
			*error_index = i;
			xenintro_rules_free(t);
			return ERR_PTR(ret);
		}
		xenintro_rule_tree_insert(n,
					  &t->trees[xenintro_rule_tree_of(&n->rule)]);
	}
	return t;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_build);

/**
 * xenintro_rules_count() - rules in @t
 * @t: the table, or NULL
 *
 * Return: the number of rules, 0 without a table.
 */
u32 xenintro_rules_count(const struct xenintro_rule_table *t)
{
	return t ? t->nr : 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_count);

/**
 * xenintro_rules_generation() - the generation @t was installed as
 * @t: the table, or NULL
 *
 * Return: the generation, 0 without a table.
 */
u64 xenintro_rules_generation(const struct xenintro_rule_table *t)
{
	return t ? t->generation : 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_generation);

/**
 * xenintro_rules_hits() - a rule's hits, summed over CPUs
 * @t: the table
 * @index: the rule, below xenintro_rules_count()
 *
 * Return: the count. Increments racing with the sum may or may not be in
 * it; each CPU's counter is read whole (u64 on 64-bit).
 */
u64 xenintro_rules_hits(const struct xenintro_rule_table *t, u32 index)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&t->hits[index], cpu));
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rules_hits);

/**
 * xenintro_rule_cpuid_answer() - the registers a CPUID rule loads
 * @r: a CPUID rule with action SET_REGISTERS
 * @ev: the decoded CPUID event
 * @v: out: a SET_REGISTERS verdict record for the response builder
 *
 * CPUID writes eax..edx, zero-extending into rax..rdx, and the instruction
 * is complete, so RIP moves past it. Everything else stays as reported.
 */
void xenintro_rule_cpuid_answer(const struct xenintro_rule *r,
				const struct xenintro_event *ev,
				struct xenintro_verdict *v)
{
	const struct xenintro_regs *regs = &ev->regs;

	memset(v, 0, sizeof(*v));
	v->seq = ev->seq;
	v->vcpu = ev->vcpu;
	v->verdict = XENINTRO_VERDICT_SET_REGISTERS;
	v->u.regs.rax = r->u.cpuid.eax;
	v->u.regs.rbx = r->u.cpuid.ebx;
	v->u.regs.rcx = r->u.cpuid.ecx;
	v->u.regs.rdx = r->u.cpuid.edx;
	v->u.regs.rsp = regs->rsp;
	v->u.regs.rbp = regs->rbp;
	v->u.regs.rsi = regs->rsi;
	v->u.regs.rdi = regs->rdi;
	v->u.regs.r8 = regs->r8;
	v->u.regs.r9 = regs->r9;
	v->u.regs.r10 = regs->r10;
	v->u.regs.r11 = regs->r11;
	v->u.regs.r12 = regs->r12;
	v->u.regs.r13 = regs->r13;
	v->u.regs.r14 = regs->r14;
	v->u.regs.r15 = regs->r15;
	v->u.regs.rflags = regs->rflags;
	v->u.regs.rip = regs->rip + ev->u.cpuid.insn_length;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_rule_cpuid_answer);
