// SPDX-License-Identifier: GPL-2.0
/*
 * The API handshake and the reading of extensible ioctl structs.
 *
 * Every ioctl struct starts with "__u32 size". The kernel's
 * copy_struct_from_user() applies the rules: a shorter struct than ours is
 * zero-extended, a longer one is accepted only if the bytes we do not know
 * are zero (-E2BIG otherwise). On top of it: a struct shorter than the
 * ioctl's first version gets -EINVAL, and declared sizes above a page are
 * refused outright.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/* Declared sizes above this are refused outright. */
#define XENINTRO_STRUCT_MAX	PAGE_SIZE

/**
 * xenintro_copy_struct_in() - read an ioctl struct from userspace
 * @dst: kernel struct, @ksize bytes
 * @ksize: the kernel's sizeof
 * @min_size: the size of the struct's first version
 * @uarg: user pointer
 * @usize: out: the size the caller declared
 *
 * Return: 0 with @dst filled and its size field set to @ksize (the
 * caller's size describes its buffer, not ours); -EINVAL if the declared
 * size is below @min_size; -E2BIG if it is above a page, or above @ksize
 * with non-zero extra bytes; -EFAULT.
 */
int xenintro_copy_struct_in(void *dst, size_t ksize, size_t min_size,
			    const void __user *uarg, u32 *usize)
{
	int ret;

	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < min_size)
		return -EINVAL;
	if (*usize > XENINTRO_STRUCT_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(dst, ksize, uarg, *usize);
	if (ret)
		return ret;
	*(u32 *)dst = ksize;
	return 0;
}

/**
 * xenintro_api_check() - validate a handshake request and fill the reply
 * @api: the caller's struct, already read in
 *
 * Return: 0 with the outputs filled, or -EINVAL for a wrong version, an
 * unknown feature bit or a non-zero reserved field, -EPERM for
 * XENINTRO_FEATURE_MEM_WRITE without allow_guest_writes; then @api is
 * unchanged.
 */
int xenintro_api_check(struct xenintro_api *api)
{
	if (api->api_version != XENINTRO_API_VERSION)
		return -EINVAL;
	if (api->features & ~XENINTRO_KNOWN_FEATURES)
		return -EINVAL;
	if (api->reserved[0] || api->reserved[1])
		return -EINVAL;
	/* Writing guest memory needs the administrator's consent at load. */
	if ((api->features & XENINTRO_FEATURE_MEM_WRITE) &&
	    !READ_ONCE(xenintro_allow_guest_writes))
		return -EPERM;
	api->supported_features = XENINTRO_SUPPORTED_FEATURES;
	if (READ_ONCE(xenintro_allow_guest_writes))
		api->supported_features |= XENINTRO_FEATURE_MEM_WRITE;
	api->ioctls = XENINTRO_V1_IOCTLS;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_api_check);
