/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hash both sides of the e2e memory scenario compute: the guest over
 * its buffer, the dom0 agent over what it read of it.
 */
#ifndef XI_HASH_H
#define XI_HASH_H

#include <stddef.h>
#include <stdint.h>

#define XI_FNV_INIT	0xcbf29ce484222325ULL

/* FNV-1a, 64 bit: enough to tell two listings or buffers apart. */
static inline uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#endif /* XI_HASH_H */
