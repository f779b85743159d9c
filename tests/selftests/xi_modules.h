/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading xenintro's modules from a kselftest (the VM's
 * guest-init exports XENINTRO_KO_DIR, and reloads what a test left out).
 */
#ifndef XI_MODULES_H
#define XI_MODULES_H

#include <errno.h>
#include <fcntl.h>
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

#endif /* XI_MODULES_H */
