// SPDX-License-Identifier: GPL-2.0
/*
 * The API handshake and the reading of extensible ioctl structs.
 *
 * Every ioctl struct starts with "__u32 size". The rules (those of
 * copy_struct_from_user()) are implemented on a kernel copy of the
 * caller's bytes so that KUnit can test exactly the code the ioctls run.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/* Declared sizes above this are refused outright. */
#define XENINTRO_STRUCT_MAX	PAGE_SIZE
/* User structs up to this size are copied through the stack. */
#define XENINTRO_STRUCT_ONSTACK	192

/**
 * xenintro_struct_in() - apply the extensible-struct rules to a buffer
 * @dst: kernel struct, @ksize bytes
 * @ksize: the kernel's sizeof
 * @min_size: the size of the struct's first version
 * @src: the caller's bytes
 * @usize: how many bytes the caller declared (and @src holds)
 *
 * Return: 0 with @dst filled (bytes the caller did not send are zero and
 * the size field is set to @ksize); -EINVAL if @usize is below @min_size;
 * -E2BIG if it is above a page, or above @ksize with non-zero extra bytes.
 */
VISIBLE_IF_KUNIT int xenintro_struct_in(void *dst, size_t ksize,
					size_t min_size, const void *src,
					size_t usize)
{
	if (usize < min_size)
		return -EINVAL;
	if (usize > XENINTRO_STRUCT_MAX)
		return -E2BIG;
	if (usize > ksize && memchr_inv((const u8 *)src + ksize, 0,
					usize - ksize))
		return -E2BIG;
	memset(dst, 0, ksize);
	memcpy(dst, src, min(usize, ksize));
	/* The caller's size field describes its buffer, not ours. */
	*(u32 *)dst = ksize;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_struct_in);

/**
 * xenintro_copy_struct_in() - read an ioctl struct from userspace
 * @dst: kernel struct, @ksize bytes
 * @ksize: the kernel's sizeof
 * @min_size: the size of the struct's first version
 * @uarg: user pointer
 * @usize: out: the size the caller declared
 *
 * Return: as xenintro_struct_in(), or -EFAULT / -ENOMEM.
 */
int xenintro_copy_struct_in(void *dst, size_t ksize, size_t min_size,
			    const void __user *uarg, u32 *usize)
{
	u8 onstack[XENINTRO_STRUCT_ONSTACK];
	void *buf = onstack;
	int ret;

	if (get_user(*usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (*usize < min_size)
		return -EINVAL;
	if (*usize > XENINTRO_STRUCT_MAX)
		return -E2BIG;
	if (*usize > sizeof(onstack)) {
		buf = memdup_user(uarg, *usize);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
	} else if (copy_from_user(buf, uarg, *usize)) {
		return -EFAULT;
	}
	ret = xenintro_struct_in(dst, ksize, min_size, buf, *usize);
	if (buf != onstack)
		kfree(buf);
	return ret;
}

/**
 * xenintro_api_check() - validate a handshake request and fill the reply
 * @api: the caller's struct, already read in
 *
 * Return: 0 with the outputs filled, or -EINVAL for a wrong version, an
 * unknown feature bit or a non-zero reserved field; then @api is unchanged.
 */
int xenintro_api_check(struct xenintro_api *api)
{
	if (api->api_version != XENINTRO_API_VERSION)
		return -EINVAL;
	if (api->features & ~XENINTRO_SUPPORTED_FEATURES)
		return -EINVAL;
	if (api->reserved[0] || api->reserved[1])
		return -EINVAL;
	api->supported_features = XENINTRO_SUPPORTED_FEATURES;
	api->ioctls = XENINTRO_V1_IOCTLS;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_api_check);
