/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Audit records of every use of the introspection power (audit.c).
 */
#ifndef _XENINTRO_AUDIT_H
#define _XENINTRO_AUDIT_H

#include <linux/types.h>

struct xenintro_access;
struct xenintro_domain;
struct xenintro_domident;
struct xenintro_map_frames;
struct xenintro_mem;
struct xenintro_mem_seg;
struct xenintro_monitor;

/*
 * Guest-memory reads of one session, counted instead of recorded one by
 * one (see audit.c). Under the domain's ctl_lock.
 */
struct xenintro_audit_reads {
	u64 read_calls;
	u64 read_bytes;
	u64 map_calls;
	u64 map_frames;
	u64 translations;
	unsigned long next_summary;	/* jiffies */
	bool read_recorded;
	bool map_recorded;
};

void xenintro_audit_policy(const char *old_text, const char *new_text,
			   const char *error, int ret);
void xenintro_audit_refused(u16 domid, const struct xenintro_domident *id,
			    const char *why);
void xenintro_audit_attach(struct xenintro_domain *dom);
void xenintro_audit_detach(struct xenintro_domain *dom, bool dead);
void xenintro_audit_monitor(struct xenintro_domain *dom,
			    const struct xenintro_monitor *m, int ret);
void xenintro_audit_access(struct xenintro_domain *dom,
			   const struct xenintro_access *a, int ret);
void xenintro_audit_rules(struct xenintro_domain *dom, u32 nr,
			  u64 generation, int ret);
void xenintro_audit_pause(struct xenintro_domain *dom, bool pause, int ret);
void xenintro_audit_mem(struct xenintro_domain *dom,
			const struct xenintro_mem *m,
			const struct xenintro_mem_seg *segs, bool write,
			int ret);
void xenintro_audit_translate(struct xenintro_domain *dom);
void xenintro_audit_map_frames(struct xenintro_domain *dom,
			       const struct xenintro_map_frames *mf, int ret);
void xenintro_audit_restrict(u16 domid, bool domain, u64 ioctls_kept);

#endif /* _XENINTRO_AUDIT_H */
