// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of hypervisor backends. Exactly one backend serves ATTACH:
 * the Xen backend on a dom0, or xenintro_sim.ko when loaded for tests.
 */
#include <linux/module.h>
#include <linux/mutex.h>

#include "xenintro.h"

/* Protects xenintro_active_backend. */
static DEFINE_MUTEX(xenintro_backend_lock);
static const struct xenintro_hv_ops *xenintro_active_backend;

/**
 * xenintro_register_backend() - make @ops the backend for new sessions
 * @ops: the operations table; must stay valid until unregistered
 *
 * Return: 0, or -EBUSY if another backend is registered.
 */
int xenintro_register_backend(const struct xenintro_hv_ops *ops)
{
	int ret = 0;

	mutex_lock(&xenintro_backend_lock);
	if (xenintro_active_backend)
		ret = -EBUSY;
	else
		xenintro_active_backend = ops;
	mutex_unlock(&xenintro_backend_lock);
	if (!ret)
		pr_info("xenintro: backend %s registered\n", ops->name);
	return ret;
}
EXPORT_SYMBOL_GPL(xenintro_register_backend);

/**
 * xenintro_unregister_backend() - stop offering @ops to new sessions
 * @ops: a registered table
 *
 * Sessions already using @ops pin its module, so a backend module cannot
 * be unloaded while one exists.
 */
void xenintro_unregister_backend(const struct xenintro_hv_ops *ops)
{
	mutex_lock(&xenintro_backend_lock);
	if (xenintro_active_backend == ops)
		xenintro_active_backend = NULL;
	mutex_unlock(&xenintro_backend_lock);
}
EXPORT_SYMBOL_GPL(xenintro_unregister_backend);

/* Returns the backend with its module pinned, or NULL. */
const struct xenintro_hv_ops *xenintro_backend_get(void)
{
	const struct xenintro_hv_ops *ops;

	mutex_lock(&xenintro_backend_lock);
	ops = xenintro_active_backend;
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	mutex_unlock(&xenintro_backend_lock);
	return ops;
}

void xenintro_backend_put(const struct xenintro_hv_ops *ops)
{
	module_put(ops->owner);
}
