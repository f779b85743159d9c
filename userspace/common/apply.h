/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A policy applied to a session: open and attach with its default verdict
 * and deadline, then monitors, page rights and the rule table. Applying a
 * new policy over an old one (SIGHUP) changes only what differs, in an
 * order that never leaves the guest less guarded than either policy:
 * new monitors and rights first, then the rule table (which the kernel
 * swaps atomically), then the old monitors and rights go.
 */
#ifndef XI_APPLY_H
#define XI_APPLY_H

#include "policy.h"

/*
 * Why xenintro_open_path() of a device failed with @err, in words for an
 * operator ("not a xenintro device" for ENOTTY, the file that is no
 * xenintro device, ...), into @buf.
 */
void apply_device_problem(int err, char *buf, size_t len);
/*
 * Open /dev/xenintro (@device, NULL for the default) asking for rule
 * tables if the kernel has them, and attach to @domid as @p says.
 * -errno with a sentence in @why.
 */
int apply_attach(struct xenintro *x, const char *device,
		 const struct policy *p, uint32_t domid, char *why,
		 size_t len);
/*
 * Bring the session from @old (NULL: nothing applied yet) to @new.
 * On failure the session is put back to @old as far as possible and
 * -errno returned with a sentence in @why.
 */
int apply_policy(struct xenintro *x, const struct policy *old,
		 const struct policy *new, char *why, size_t len);

#endif /* XI_APPLY_H */
