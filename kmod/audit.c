// SPDX-License-Identifier: GPL-2.0
/*
 * Audit records: every use of the power to introspect a guest goes through
 * the kernel's audit subsystem, so that auditd and whatever reads its log
 * (a SIEM) see who did what to which domain.
 *
 * Each record has type AUDIT_KERNEL_OTHER (1316, the type the audit uAPI
 * sets aside for modules outside the kernel's own subsystems) and reads
 *   module=xenintro op=<what> [domid=<n>] <what changed> <task> res=0|1
 * where <task> is audit_log_task_info()'s ppid, pid, auid, uid, gid, the
 * other ids, tty, ses, comm, exe (and subj under an LSM), and res=1 means
 * it was done, res=0 that it was refused or failed (err=<errno>).
 *
 * Ops: set-policy, attach (and refusals: res=0 reason=<code>), detach,
 * monitor, set-access, set-rules, pause, unpause, write-mem, read-mem
 * (the first), map-frames (the first), read-summary, restrict.
 *
 * Rate. Changes (monitors, rights, rules, pauses, writes) are recorded
 * one by one: each changes what the guest does, and an agent makes few.
 * Reads change nothing and an agent may make thousands a second (each
 * READ_MEM, TRANSLATE and MAP_FRAMES), which would flood the audit
 * backlog and make the log useless. So a session's first READ_MEM and
 * first MAP_FRAMES are recorded at once (whoever reads a guest shows up
 * at the moment they start), every read is counted, the counts are
 * recorded again at most once per XENINTRO_AUDIT_READ_INTERVAL while
 * reading goes on, and the totals close the session in its detach
 * record. That answers "who read this guest's memory, from when to when,
 * and how much" at a bounded rate of records.
 *
 * Without CONFIG_AUDIT the audit calls are the kernel's empty stubs; with
 * it and no auditd running, the kernel prints the records to its log
 * ("audit: type=1316 ...", rate limited by printk) and sends them to the
 * audit netlink multicast group, which is where the tests read them.
 *
 * Every function is called in process context, allowed to sleep; the
 * read counters are under the domain's ctl_lock.
 */
#include <linux/audit.h>
#include <linux/jiffies.h>
#include <linux/sched.h>

#include "xenintro.h"

#define XENINTRO_AUDIT_READ_INTERVAL	(60 * HZ)

static struct audit_buffer *xenintro_audit_start(const char *op)
{
	struct audit_buffer *ab;

	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (ab)
		audit_log_format(ab, "module=xenintro op=%s", op);
	return ab;
}

/* Who did it, and how it ended; sends the record. */
static void xenintro_audit_end(struct audit_buffer *ab, int ret)
{
	if (!ab)
		return;
	audit_log_task_info(ab);
	if (ret)
		audit_log_format(ab, " err=%d res=0", -ret);
	else
		audit_log_format(ab, " res=1");
	audit_log_end(ab);
}

/*
 * A string from outside the kernel (a domain's name, a parse error): in
 * quotes if that is unambiguous, else in hex, as audit's own untrusted
 * strings are (the helper that does this is not exported to modules).
 */
static void xenintro_audit_string(struct audit_buffer *ab, const char *key,
				  const char *s)
{
	const char *c;

	if (!s || !*s) {
		audit_log_format(ab, " %s=?", key);
		return;
	}
	for (c = s; *c; c++)
		if (*c == '"' || *c <= ' ' || *c > '~')
			break;
	if (!*c) {
		audit_log_format(ab, " %s=\"%s\"", key, s);
		return;
	}
	audit_log_format(ab, " %s=", key);
	for (c = s; *c; c++)
		audit_log_format(ab, "%02X", (unsigned char)*c);
}

/* The session's read counters (see the top of the file). */
static void xenintro_audit_read_fields(struct audit_buffer *ab,
				       const struct xenintro_domain *dom)
{
	const struct xenintro_audit_reads *r = &dom->audit;

	if (!ab)
		return;
	audit_log_format(ab, " reads=%llu read_bytes=%llu", r->read_calls,
			 r->read_bytes);
	audit_log_format(ab, " maps=%llu map_frames=%llu translations=%llu",
			 r->map_calls, r->map_frames, r->translations);
}

static void xenintro_audit_domain(struct audit_buffer *ab,
				  const struct xenintro_domain *dom)
{
	if (!ab)
		return;
	audit_log_format(ab, " domid=%u", dom->hv.domid);
	xenintro_audit_string(ab, "dom_name", dom->name);
}

/**
 * xenintro_audit_policy() - the domain policy was written
 * @old_text: the policy before, normal form (NULL when refused)
 * @new_text: the policy now, normal form (NULL when refused)
 * @error: why it was refused, or NULL
 * @ret: 0, or the refusal's -errno
 */
void xenintro_audit_policy(const char *old_text, const char *new_text,
			   const char *error, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start("set-policy");

	if (!ab)
		return;
	if (error) {
		xenintro_audit_string(ab, "error", error);
		xenintro_audit_end(ab, ret);
		return;
	}
	/* The normal form has no blanks or quotes: one field each. */
	audit_log_format(ab, " old=\"%s\" new=\"%s\"", old_text, new_text);
	xenintro_audit_end(ab, 0);
}

/**
 * xenintro_audit_refused() - the domain policy refused an ATTACH
 * @domid: the domain asked for
 * @id: its name and marks
 * @code: the reason, one word (struct xenintro_policy_decision)
 */
void xenintro_audit_refused(u16 domid, const struct xenintro_domident *id,
			    const char *code)
{
	struct audit_buffer *ab = xenintro_audit_start("attach");

	if (!ab)
		return;
	audit_log_format(ab, " domid=%u", domid);
	xenintro_audit_string(ab, "dom_name", id->name);
	audit_log_format(ab, " marks=%#x reason=%s", id->marks, code);
	xenintro_audit_end(ab, -EACCES);
}

void xenintro_audit_attach(struct xenintro_domain *dom)
{
	struct audit_buffer *ab = xenintro_audit_start("attach");

	xenintro_audit_domain(ab, dom);
	if (ab)
		audit_log_format(ab, " backend=%s vcpus=%u features=%#llx",
				 dom->ops->name, dom->hv.max_vcpus,
				 dom->features);
	xenintro_audit_end(ab, 0);
}

/* Teardown, under ctl_lock: the session's totals of reads end with it. */
void xenintro_audit_detach(struct xenintro_domain *dom, bool dead)
{
	struct audit_buffer *ab = xenintro_audit_start("detach");

	xenintro_audit_domain(ab, dom);
	if (ab)
		audit_log_format(ab, " reason=%s", dead ? "died" : "detach");
	xenintro_audit_read_fields(ab, dom);
	if (ab)
		audit_log_format(ab, " mem_writes=%llu", dom->mem_writes);
	xenintro_audit_end(ab, 0);
}

void xenintro_audit_monitor(struct xenintro_domain *dom,
			    const struct xenintro_monitor *m, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start("monitor");

	xenintro_audit_domain(ab, dom);
	if (ab)
		audit_log_format(ab, " event=%u index=%#x enable=%u flags=%#x",
				 m->event, m->index,
				 !!(m->flags & XENINTRO_MON_ENABLE), m->flags);
	xenintro_audit_end(ab, ret);
}

void xenintro_audit_access(struct xenintro_domain *dom,
			   const struct xenintro_access *a, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start("set-access");

	xenintro_audit_domain(ab, dom);
	if (!ab)
		return;
	if (a->flags & XENINTRO_ACCESS_LIST)
		audit_log_format(ab, " list=1 nr=%llu", (u64)a->nr);
	else
		audit_log_format(ab, " list=0 gfn=%#llx nr=%llu rights=%#x",
				 (u64)a->gfn, (u64)a->nr, a->range_rights);
	xenintro_audit_end(ab, ret);
}

void xenintro_audit_rules(struct xenintro_domain *dom, u32 nr,
			  u64 generation, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start("set-rules");

	xenintro_audit_domain(ab, dom);
	if (ab)
		audit_log_format(ab, " rules=%u generation=%llu", nr,
				 generation);
	xenintro_audit_end(ab, ret);
}

void xenintro_audit_pause(struct xenintro_domain *dom, bool pause, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start(pause ? "pause" :
						       "unpause");

	xenintro_audit_domain(ab, dom);
	xenintro_audit_end(ab, ret);
}

/* The session's read counters so far, as one record. */
static void xenintro_audit_read_counts(struct xenintro_domain *dom,
				       const char *op, int ret)
{
	struct audit_buffer *ab = xenintro_audit_start(op);

	xenintro_audit_domain(ab, dom);
	xenintro_audit_read_fields(ab, dom);
	xenintro_audit_end(ab, ret);
}

/* While reading goes on: the counters again, once per interval. */
static void xenintro_audit_read_summary(struct xenintro_domain *dom)
{
	struct xenintro_audit_reads *r = &dom->audit;

	if ((!r->read_recorded && !r->map_recorded) ||
	    time_before(jiffies, r->next_summary))
		return;
	r->next_summary = jiffies + XENINTRO_AUDIT_READ_INTERVAL;
	xenintro_audit_read_counts(dom, "read-summary", 0);
}

/**
 * xenintro_audit_mem() - READ_MEM or WRITE_MEM ran (ctl_lock held)
 * @dom: the domain
 * @m: the request, @m->bytes moved
 * @segs: its segments
 * @write: WRITE_MEM
 * @ret: its result
 *
 * Every write is recorded; reads are counted (see the top of the file).
 */
void xenintro_audit_mem(struct xenintro_domain *dom,
			const struct xenintro_mem *m,
			const struct xenintro_mem_seg *segs, bool write,
			int ret)
{
	struct xenintro_audit_reads *r = &dom->audit;
	struct audit_buffer *ab;

	lockdep_assert_held(&dom->ctl_lock);
	if (!write) {
		r->read_calls++;
		r->read_bytes += m->bytes;
		if (r->read_recorded) {
			xenintro_audit_read_summary(dom);
			return;
		}
		r->read_recorded = true;
		r->next_summary = jiffies + XENINTRO_AUDIT_READ_INTERVAL;
		xenintro_audit_read_counts(dom, "read-mem", ret);
		return;
	}
	ab = xenintro_audit_start("write-mem");
	xenintro_audit_domain(ab, dom);
	if (ab)
		audit_log_format(ab, " segs=%u bytes=%llu addr=%#llx virt=%u",
				 m->nr_segs, m->bytes, segs[0].addr,
				 !!(segs[0].flags & XENINTRO_SEG_VIRT));
	xenintro_audit_end(ab, ret);
}

/* TRANSLATE ran (ctl_lock held): it reads page tables, so it counts. */
void xenintro_audit_translate(struct xenintro_domain *dom)
{
	lockdep_assert_held(&dom->ctl_lock);
	dom->audit.translations++;
	xenintro_audit_read_summary(dom);
}

/* MAP_FRAMES ran (ctl_lock held): the first one is recorded at once. */
void xenintro_audit_map_frames(struct xenintro_domain *dom,
			       const struct xenintro_map_frames *mf, int ret)
{
	struct xenintro_audit_reads *r = &dom->audit;

	lockdep_assert_held(&dom->ctl_lock);
	if (!ret) {
		r->map_calls++;
		r->map_frames += mf->mapped;
	}
	if (r->map_recorded) {
		xenintro_audit_read_summary(dom);
		return;
	}
	r->map_recorded = true;
	r->next_summary = jiffies + XENINTRO_AUDIT_READ_INTERVAL;
	xenintro_audit_read_counts(dom, "map-frames", ret);
}

/* RESTRICT narrowed an fd (its domain, or 0 without a domain lock). */
void xenintro_audit_restrict(u16 domid, bool domain, u64 ioctls_kept)
{
	struct audit_buffer *ab = xenintro_audit_start("restrict");

	if (!ab)
		return;
	if (domain)
		audit_log_format(ab, " domid=%u", domid);
	audit_log_format(ab, " ioctls=%#llx", ioctls_kept);
	xenintro_audit_end(ab, 0);
}
