/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Private to the library. The build uses -fvisibility=hidden, so only
 * definitions marked XENINTRO_EXPORT reach the shared object's dynamic
 * symbol table; libxenintro.map then gives each a version.
 */
#ifndef XENINTRO_INTERNAL_H
#define XENINTRO_INTERNAL_H

#include <xenintro/libxenintro.h>

#define XENINTRO_EXPORT __attribute__((visibility("default")))

/* struct xenintro.int_flags */
#define XI_OPEN		(1U << 0)	/* fd open, handshake done */
#define XI_BOUND	(1U << 1)	/* ATTACH succeeded on the fd */
#define XI_ATTACHED	(1U << 2)	/* ... and the rings are mapped */

/* Open and handshaken: the fd may take an ioctl. */
static inline int xi_check_open(const struct xenintro *x)
{
	if (!x)
		return -EINVAL;
	if (!(x->int_flags & XI_OPEN))
		return -EBADF;
	return 0;
}

void xi_rings_idle(struct xenintro *x);

#endif /* XENINTRO_INTERNAL_H */
