// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * One function per control ioctl. Each fills in the argument struct (size,
 * zeroed reserved fields), makes the call and returns -errno.
 *
 * What the library checks: the pointers and counts it needs to build the
 * call. Event numbers, flag words and limits are left to the kernel, so an
 * application built against a newer uAPI header can use a newer kernel's
 * flags through this library.
 */
#include <limits.h>
#include <sys/ioctl.h>

#include "internal.h"

static int xi_ioctl(struct xenintro *x, unsigned long req, void *arg)
{
	int ret = xi_check_open(x);

	if (ret)
		return ret;
	if (ioctl(x->fd, req, arg) < 0)
		return -errno;
	return 0;
}

XENINTRO_EXPORT
int xenintro_monitor(struct xenintro *x, uint32_t event, uint32_t index,
		     uint32_t flags, uint64_t ignore_mask)
{
	struct xenintro_monitor m;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.event = event;
	m.flags = flags;
	m.index = index;
	m.ignore_mask = ignore_mask;
	return xi_ioctl(x, XENINTRO_IOC_MONITOR, &m);
}

static void xi_access_init(struct xenintro_access *a, uint32_t flags,
			   uint64_t nr)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = flags;
	a->nr = nr;
}

XENINTRO_EXPORT
int xenintro_set_access(struct xenintro *x, uint64_t gfn, uint64_t nr,
			uint8_t rights)
{
	struct xenintro_access a;

	/* Rights are three bits by definition; anything else is a bug. */
	if (!nr || (rights & ~XENINTRO_ACCESS_RWX))
		return -EINVAL;
	xi_access_init(&a, 0, nr);
	a.gfn = gfn;
	a.range_rights = rights;
	return xi_ioctl(x, XENINTRO_IOC_SET_ACCESS, &a);
}

XENINTRO_EXPORT
int xenintro_set_access_list(struct xenintro *x, const uint64_t *gfns,
			     const uint8_t *rights, uint64_t nr)
{
	struct xenintro_access a;

	if (!nr || !gfns || !rights)
		return -EINVAL;
	xi_access_init(&a, XENINTRO_ACCESS_LIST, nr);
	a.gfns = (__u64)(uintptr_t)gfns;
	a.rights = (__u64)(uintptr_t)rights;
	return xi_ioctl(x, XENINTRO_IOC_SET_ACCESS, &a);
}

XENINTRO_EXPORT
int xenintro_get_access(struct xenintro *x, uint64_t gfn, uint64_t nr,
			uint8_t *rights)
{
	struct xenintro_access a;

	if (!nr || !rights)
		return -EINVAL;
	xi_access_init(&a, 0, nr);
	a.gfn = gfn;
	a.rights = (__u64)(uintptr_t)rights;
	return xi_ioctl(x, XENINTRO_IOC_GET_ACCESS, &a);
}

XENINTRO_EXPORT
int xenintro_get_access_list(struct xenintro *x, const uint64_t *gfns,
			     uint8_t *rights, uint64_t nr)
{
	struct xenintro_access a;

	if (!nr || !gfns || !rights)
		return -EINVAL;
	xi_access_init(&a, XENINTRO_ACCESS_LIST, nr);
	a.gfns = (__u64)(uintptr_t)gfns;
	a.rights = (__u64)(uintptr_t)rights;
	return xi_ioctl(x, XENINTRO_IOC_GET_ACCESS, &a);
}

/*
 * The uAPI defines no argument struct for PAUSE and UNPAUSE; pass a null
 * argument so that a kernel which one day reads one fails loudly (-EFAULT)
 * rather than reading stack garbage.
 */
XENINTRO_EXPORT
int xenintro_pause(struct xenintro *x)
{
	return xi_ioctl(x, XENINTRO_IOC_PAUSE, NULL);
}

XENINTRO_EXPORT
int xenintro_unpause(struct xenintro *x)
{
	return xi_ioctl(x, XENINTRO_IOC_UNPAUSE, NULL);
}

XENINTRO_EXPORT
int xenintro_restrict(struct xenintro *x, uint32_t flags, uint16_t domid,
		      uint64_t ioctls)
{
	struct xenintro_restrict r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.domid = domid;
	r.ioctls = ioctls;
	ret = xi_ioctl(x, XENINTRO_IOC_RESTRICT, &r);
	/* What is gone is gone: xenintro_has_ioctl() says so from now on. */
	if (!ret)
		x->ioctls &= ioctls | (1ULL << _XENINTRO_RESTRICT);
	return ret;
}

XENINTRO_EXPORT
int xenintro_detach(struct xenintro *x)
{
	return xi_ioctl(x, XENINTRO_IOC_DETACH, NULL);
}

XENINTRO_EXPORT
int xenintro_kick(struct xenintro *x)
{
	struct xenintro_kick k;
	int ret;

	memset(&k, 0, sizeof(k));
	k.size = sizeof(k);
	ret = xi_ioctl(x, XENINTRO_IOC_KICK, &k);
	if (ret)
		return ret;
	/* At most the verdict ring's size; more is not a reply we can use. */
	if (k.consumed > INT_MAX)
		return -EPROTO;
	return (int)k.consumed;
}

XENINTRO_EXPORT
int xenintro_get_stats(struct xenintro *x, struct xenintro_stats *st)
{
	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return xi_ioctl(x, XENINTRO_IOC_STATS, st);
}
