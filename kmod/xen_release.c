// SPDX-License-Identifier: GPL-2.0
/*
 * The Xen releases xenintro knows (see xen_release.h), and the load-time
 * choice of one. In the core, so that the Xen backend, the simulated
 * hypervisor and the KUnit suites share the very same table and checks.
 *
 * Facts from Xen's public headers (public/domctl.h, public/vm_event.h,
 * public/memory.h) and the domctl code at each release tag. A release
 * missing here is refused: its interface may differ in ways no table
 * entry says.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/printk.h>

#include "xen_abi.h"
#include "xen_release.h"

static const struct xenintro_xen_release xenintro_xen_releases[] = {
	{ .major = 4, .minor = 16, .domctl_version = 0x14, .getdomaininfo_next = true },
	{ .major = 4, .minor = 17, .domctl_version = 0x15, .getdomaininfo_next = true },
	{ .major = 4, .minor = 18, .domctl_version = 0x16 },
	{ .major = 4, .minor = 19, .domctl_version = 0x17 },
	{ .major = 4, .minor = 20, .domctl_version = 0x17 },
};

/**
 * xenintro_xen_release_find() - the table entry of a release
 * @xenver: what XENVER_version returns: major << 16 | minor
 *
 * Return: the entry, or NULL for a release xenintro does not know.
 */
const struct xenintro_xen_release *xenintro_xen_release_find(u32 xenver)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(xenintro_xen_releases); i++) {
		const struct xenintro_xen_release *r = &xenintro_xen_releases[i];

		if (xenver == ((u32)r->major << 16 | r->minor))
			return r;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(xenintro_xen_release_find);

/**
 * xenintro_xen_release_select() - the facts to use with this hypervisor
 * @xenver: what XENVER_version returned
 * @probe: asks the hypervisor for its vm_event interface version
 * @out: the release, on success
 *
 * The release must be in the table, and the hypervisor must then accept
 * that release's domctl interface version (a vm_event GET_VERSION is the
 * harmless domctl to try: it changes nothing, and Xen checks the version
 * first) and report vm_event interface XVE_INTERFACE_VERSION. A Xen that
 * says it is 4.x but refuses 4.x's domctl version is a modified build:
 * refused too, never guessed at. Each refusal is logged with the reason.
 *
 * Return: 0, or -EOPNOTSUPP.
 */
int xenintro_xen_release_select(u32 xenver,
				const struct xenintro_xen_probe *probe,
				const struct xenintro_xen_release **out)
{
	const struct xenintro_xen_release *r = xenintro_xen_release_find(xenver);
	const struct xenintro_xen_release *first = &xenintro_xen_releases[0];
	const struct xenintro_xen_release *last =
		&xenintro_xen_releases[ARRAY_SIZE(xenintro_xen_releases) - 1];
	u32 version = 0;
	int ret;

	if (!r) {
		pr_err("%s: Xen %u.%u is not supported (this build knows Xen %u.%u to %u.%u)\n",
		       probe->who, xenver >> 16, xenver & 0xffff, first->major,
		       first->minor, last->major, last->minor);
		return -EOPNOTSUPP;
	}
	ret = probe->vm_event_version(probe->ctx, r->domctl_version, &version);
	if (ret == -EACCES) {
		pr_err("%s: Xen %u.%u refused domctl interface 0x%x, the one Xen %u.%u defines: a modified Xen build, not supported\n",
		       probe->who, r->major, r->minor, r->domctl_version,
		       r->major, r->minor);
		return -EOPNOTSUPP;
	}
	if (ret || version != XVE_INTERFACE_VERSION) {
		pr_err("%s: Xen %u.%u: vm_event interface %u (error %d); only %u is supported\n",
		       probe->who, r->major, r->minor, version, ret,
		       XVE_INTERFACE_VERSION);
		return -EOPNOTSUPP;
	}
	*out = r;
	return 0;
}
EXPORT_SYMBOL_GPL(xenintro_xen_release_select);
