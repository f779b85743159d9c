// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro: fast-path virtual-machine introspection for a Xen dom0.
 *
 * Module entry: registers /dev/xenintro. Hypervisor backends are separate
 * modules (xenintro_xen.ko, xenintro_sim.ko) that register with the core
 * (backend.c). The architecture is described in kmod/xenintro.h and
 * kmod/hv_ops.h.
 */
#include <linux/build_bug.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/*
 * Writing guest memory can change what a guest does; reading cannot. So
 * XENINTRO_FEATURE_MEM_WRITE is granted only when the administrator says
 * so at load time. 0444: it cannot be switched on later through sysfs.
 */
bool xenintro_allow_guest_writes;
EXPORT_SYMBOL_IF_KUNIT(xenintro_allow_guest_writes);
module_param_named(allow_guest_writes, xenintro_allow_guest_writes, bool,
		   0444);
MODULE_PARM_DESC(allow_guest_writes,
		 "let sessions that ask write guest memory (default: no)");

static struct miscdevice xenintro_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xenintro",
	.fops = &xenintro_fops,
	/* Root only; open() also demands CAP_SYS_ADMIN. */
	.mode = 0600,
};

/* The uAPI sizes userspace asserts too; records must stay powers of two. */
static void __init xenintro_uapi_check(void)
{
	BUILD_BUG_ON(sizeof(struct xenintro_api) != 48);
	BUILD_BUG_ON(sizeof(struct xenintro_regs) != 376);
	BUILD_BUG_ON(sizeof(struct xenintro_event) != 512);
	BUILD_BUG_ON(sizeof(struct xenintro_verdict) != 512);
	BUILD_BUG_ON(!is_power_of_2(sizeof(struct xenintro_event)));
	BUILD_BUG_ON(!is_power_of_2(sizeof(struct xenintro_verdict)));
	BUILD_BUG_ON(sizeof(struct xenintro_ctrl) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct xenintro_agent_page) >
		     XENINTRO_AGENT_PAGE_SIZE);
	BUILD_BUG_ON(offsetof(struct xenintro_ctrl, event_tail) % 64);
	BUILD_BUG_ON(offsetof(struct xenintro_ctrl, verdict_head) % 64);
	BUILD_BUG_ON(offsetof(struct xenintro_agent_page, verdict_tail) % 64);
	BUILD_BUG_ON(sizeof(struct xenintro_attach) != 88);
	BUILD_BUG_ON(sizeof(struct xenintro_monitor) != 40);
	BUILD_BUG_ON(sizeof(struct xenintro_access) != 64);
	BUILD_BUG_ON(sizeof(struct xenintro_kick) != 32);
	BUILD_BUG_ON(sizeof(struct xenintro_stats) != 136);
	BUILD_BUG_ON(sizeof(struct xenintro_rule) != 96);
	BUILD_BUG_ON(sizeof(struct xenintro_rules) != 56);
	BUILD_BUG_ON(sizeof(struct xenintro_mem_root) != 32);
	BUILD_BUG_ON(sizeof(struct xenintro_mem_seg) != 48);
	BUILD_BUG_ON(sizeof(struct xenintro_mem) != 80);
	BUILD_BUG_ON(sizeof(struct xenintro_translate) != 144);
	BUILD_BUG_ON(sizeof(struct xenintro_map_frames) != 56);
	BUILD_BUG_ON(sizeof(struct xenintro_restrict) != 40);
	BUILD_BUG_ON(XENINTRO_EMUL_READ_MAX > XVE_EMUL_READ_MAX);
	/* decode.c copies reasons as they are */
	BUILD_BUG_ON(XENINTRO_EVENT_MEM_ACCESS != XVE_REASON_MEM_ACCESS);
	BUILD_BUG_ON(XENINTRO_EVENT_CTRLREG != XVE_REASON_WRITE_CTRLREG);
	BUILD_BUG_ON(XENINTRO_EVENT_MSR != XVE_REASON_MOV_TO_MSR);
	BUILD_BUG_ON(XENINTRO_EVENT_BREAKPOINT !=
		     XVE_REASON_SOFTWARE_BREAKPOINT);
	BUILD_BUG_ON(XENINTRO_EVENT_SINGLESTEP != XVE_REASON_SINGLESTEP);
	BUILD_BUG_ON(XENINTRO_EVENT_GUEST_REQUEST != XVE_REASON_GUEST_REQUEST);
	BUILD_BUG_ON(XENINTRO_EVENT_DEBUG_EXCEPTION !=
		     XVE_REASON_DEBUG_EXCEPTION);
	BUILD_BUG_ON(XENINTRO_EVENT_CPUID != XVE_REASON_CPUID);
	BUILD_BUG_ON(XENINTRO_EVENT_INTERRUPT != XVE_REASON_INTERRUPT);
	BUILD_BUG_ON(XENINTRO_EVENT_DESC_ACCESS !=
		     XVE_REASON_DESCRIPTOR_ACCESS);
	BUILD_BUG_ON(XENINTRO_EVENT_EMUL_UNIMPL !=
		     XVE_REASON_EMUL_UNIMPLEMENTED);
	BUILD_BUG_ON(XENINTRO_EVENT_VMEXIT != XVE_REASON_VMEXIT);
	xenintro_xen_abi_check();
}

static int __init xenintro_init(void)
{
	int ret;

	xenintro_uapi_check();
	/* Parameters were parsed before init: later writes are run time. */
	xenintro_policy_live();

	ret = xenintro_drain_work_init();
	if (ret)
		goto out_policy;
	ret = xenintro_map_init();
	if (ret)
		goto out_drain;
	ret = misc_register(&xenintro_misc);
	if (ret)
		goto out_map;
	pr_info("xenintro: /dev/xenintro ready (uAPI %d)\n",
		XENINTRO_API_VERSION);
	return 0;

out_map:
	xenintro_map_exit();
out_drain:
	xenintro_drain_work_exit();
out_policy:
	/* A domain_policy given at load time was parsed already. */
	xenintro_policy_exit();
	return ret;
}

static void __exit xenintro_exit(void)
{
	misc_deregister(&xenintro_misc);
	xenintro_map_exit();
	xenintro_drain_work_exit();
	xenintro_policy_exit();
}

module_init(xenintro_init);
module_exit(xenintro_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Fast-path VM introspection for a Xen dom0 (/dev/xenintro)");
MODULE_AUTHOR("The xenintro developers");
