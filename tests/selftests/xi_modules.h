/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading xenintro's modules from a kselftest (the VM's
 * guest-init exports XENINTRO_KO_DIR, and reloads what a test left out),
 * and dropping the privilege the module checks.
 */
#ifndef XI_MODULES_H
#define XI_MODULES_H

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* finit_module of @dir/@name.ko with @params; 0 or -errno. */
static inline int load_module(const char *dir, const char *name,
			      const char *params)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s.ko", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/*
 * Reload the core with @params, and the simulator after it (it depends
 * on the core); 0 or -errno.
 */
static inline int reload_core(const char *dir, const char *params)
{
	int ret;

	unload_module("xenintro_sim");
	ret = unload_module("xenintro");
	if (ret && ret != -ENOENT)
		return ret;
	ret = load_module(dir, "xenintro", params);
	if (!ret)
		ret = load_module(dir, "xenintro_sim", "");
	return ret;
}

/*
 * Drop CAP_SYS_ADMIN from this process's effective and permitted sets
 * (for good: run it in a child). 0, or 100/101 if capget/capset failed.
 */
static inline int drop_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	const unsigned int word = CAP_SYS_ADMIN / 32;
	const __u32 bit = 1U << (CAP_SYS_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data))
		return 100;
	data[word].effective &= ~bit;
	data[word].permitted &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return 101;
	return 0;
}

#endif /* XI_MODULES_H */
