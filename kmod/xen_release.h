/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen releases xenintro speaks to, and what differs between them, in
 * one table (xen_release.c). A backend reads the hypervisor's release,
 * asks xenintro_xen_release_select() for its facts, and uses only those:
 * no version tests anywhere else.
 */
#ifndef _XENINTRO_XEN_RELEASE_H
#define _XENINTRO_XEN_RELEASE_H

#include <linux/types.h>

/**
 * struct xenintro_xen_release - the facts of one Xen release
 * @major: release, as XENVER_version's upper 16 bits
 * @minor: and its lower 16 bits
 * @domctl_version: XEN_DOMCTL_INTERFACE_VERSION; Xen refuses a domctl
 *	that carries another with -EACCES, before it looks at anything else
 * @getdomaininfo_next: getdomaininfo of a missing domain answers with the
 *	next domain up (until 4.17); from 4.18 it fails with -ESRCH
 *
 * The same in every release here, so not in the table: vm_event
 * interface 7 and its ring and request layouts, the domctl header, the
 * monitor and mem_access operation numbers and structures, and the
 * xenmem_access_t values n..rwx (0..7) that xenintro sends. What does
 * change but xenintro never uses: the number of xenmem_access_t
 * "default" (10, then 11 from 4.20), and altp2m being fixed at domain
 * creation from 4.19 (from each release tag's public headers).
 */
struct xenintro_xen_release {
	u16 major;
	u16 minor;
	u32 domctl_version;
	bool getdomaininfo_next;
};

/**
 * struct xenintro_xen_probe - how a backend asks its hypervisor
 * @who: the backend's name, for messages ("xenintro_xen")
 * @vm_event_version: XEN_VM_EVENT_GET_VERSION through a domctl carrying
 *	@domctl_version: 0 and the interface version in *@version, or the
 *	hypercall's error (-EACCES: Xen speaks another domctl version)
 * @ctx: for @vm_event_version
 */
struct xenintro_xen_probe {
	const char *who;
	int (*vm_event_version)(void *ctx, u32 domctl_version, u32 *version);
	void *ctx;
};

const struct xenintro_xen_release *xenintro_xen_release_find(u32 xenver);
int xenintro_xen_release_select(u32 xenver,
				const struct xenintro_xen_probe *probe,
				const struct xenintro_xen_release **out);

#endif /* _XENINTRO_XEN_RELEASE_H */
