/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Compressed files the tools read: a kernel's xz or gzip payload, and
 * Volatility's ISF files, which are shipped as .json.xz or .json.gz.
 */
#ifndef XI_UNPACK_H
#define XI_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum xi_packing { XI_PACK_NONE, XI_PACK_XZ, XI_PACK_GZIP };

/* Which packing @in starts with, by its magic bytes. */
enum xi_packing xi_packing_of(const unsigned char *in, size_t len);
const char *xi_packing_name(enum xi_packing how);

/*
 * Unpack @in (xz or gzip, as @how says) into a malloc()ed *@out of at
 * most @max bytes. @what names the contents in messages ("the kernel").
 * 0, or -1 with the reason in @d and *@out NULL.
 */
int xi_unpack(enum xi_packing how, const unsigned char *in, size_t in_len,
	      size_t max, const char *what, unsigned char **out,
	      size_t *out_len, struct diag *d);

#endif
