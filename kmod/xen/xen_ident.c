// SPDX-License-Identifier: GPL-2.0
/*
 * Who a domain is, for the core's domain policy: its name and whether it
 * is a driver or stub domain, read from xenstore through the kernel's
 * own xenbus client (xenbus_read() and xenbus_exists() on
 * /local/domain/<domid>), as any backend driver of dom0 reads it.
 *
 * What marks a domain, as the toolstack (libxl) writes it:
 *  - name: /local/domain/<id>/name;
 *  - stub domain: a device-model stub domain has /local/domain/<id>/target
 *    (the domid it serves, written with xc_domain_set_target()); the
 *    xenstore stub domain has XEN_DOMINF_xs_domain in getdomaininfo;
 *  - driver domain: xl's driver_domain=1 creates /local/domain/<id>/libxl,
 *    and any domain that serves devices to others has backend directories
 *    under /local/domain/<id>/backend.
 * A guest cannot forge these: /local/domain/<id> and the nodes above are
 * the toolstack's, the guest may only read them; and a guest that could
 * write them could only make itself protected, never unprotected.
 *
 * xenbus requests wait for xenstored; in dom0 xenstored is a process
 * started after boot. Until the kernel's xenbus reports it ready (the
 * xenstore notifier) lookups answer -EAGAIN instead of waiting forever:
 * no guest the toolstack made can exist before that anyway.
 */
#include <linux/err.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/xenbus.h>

#include "../xenintro.h"
#include "xen.h"

static bool xi_xenstore_ready;
static u16 xi_own_domid;

/*
 * xenbus is up. The domain this kernel runs in: xenstore's "domid" node
 * relative to our own home (xen-init-dom0 writes it for dom0); this
 * backend loads only in the initial domain, which is domid 0 when the
 * node is missing.
 */
static int xi_xenstore_up(struct notifier_block *nb, unsigned long event,
			  void *data)
{
	unsigned int domid;

	if (xenbus_scanf(XBT_NIL, "domid", "", "%u", &domid) == 1 &&
	    domid < XENINTRO_DOMID_FIRST_RESERVED)
		xi_own_domid = domid;
	/* Pairs with the acquire in xi_domain_identity(). */
	smp_store_release(&xi_xenstore_ready, true);
	return NOTIFY_DONE;
}

static struct notifier_block xi_xenstore_nb = {
	.notifier_call = xi_xenstore_up,
};

int xi_ident_init(void)
{
	/* Calls xi_xenstore_up() at once if xenbus is ready already. */
	register_xenstore_notifier(&xi_xenstore_nb);
	return 0;
}

void xi_ident_exit(void)
{
	unregister_xenstore_notifier(&xi_xenstore_nb);
}

int xi_domain_identity(u16 domid, struct xenintro_domident *id)
{
	struct xi_domctl_getdomaininfo info;
	char home[24];
	char *name;
	int ret;

	/* Pairs with the release in xi_xenstore_up(). */
	if (!smp_load_acquire(&xi_xenstore_ready)) {
		pr_warn_ratelimited("xenintro_xen: xenstore is not up yet: cannot tell who dom%u is, ATTACH refused (-EAGAIN)\n",
				    domid);
		return -EAGAIN;
	}
	ret = xi_getdomaininfo(domid, &info);
	if (ret)
		return ret == -ESRCH ? ret : -ESRCH;

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	name = xenbus_read(XBT_NIL, home, "name", NULL);
	if (!IS_ERR(name)) {
		strscpy(id->name, name, sizeof(id->name));
		kfree(name);
	} else if (PTR_ERR(name) != -ENOENT) {
		return PTR_ERR(name);
	}

	if ((info.flags & XI_DOMINF_xs_domain) ||
	    xenbus_exists(XBT_NIL, home, "target"))
		id->marks |= XENINTRO_IDENT_STUB;
	if (xenbus_exists(XBT_NIL, home, "libxl") ||
	    xenbus_exists(XBT_NIL, home, "backend"))
		id->marks |= XENINTRO_IDENT_DRIVER;
	if (domid == xi_own_domid)
		id->marks |= XENINTRO_IDENT_SELF;
	return 0;
}
