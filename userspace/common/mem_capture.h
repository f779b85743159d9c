/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The memory a policy asks for in an event's log record (log.memory):
 * read through the event's own page tables while it waits for the agent,
 * or through the CR3 and paging mode of its registers once it does not.
 */
#ifndef XI_MEM_CAPTURE_H
#define XI_MEM_CAPTURE_H

#include <jansson.h>
#include <xenintro/libxenintro.h>

#include "policy.h"

/*
 * A JSON array with one object per capture that applies to @ev ({"at",
 * "addr", "length", "got", "string" or "hex", or "error"}), or NULL if
 * none applies. A session without XENINTRO_FEATURE_MEMORY gets an
 * "error" per capture rather than nothing, so the gap shows in the log.
 */
json_t *mem_capture(struct xenintro *x, const struct policy_log *l,
		    const struct xenintro_event *ev);

#endif /* XI_MEM_CAPTURE_H */
