/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A Linux kernel image, read and unpacked to its vmlinux ELF: the source
 * of a guest kernel's BTF (kprofile.c) and symbols (ksyms.c).
 */
#ifndef XI_KIMAGE_H
#define XI_KIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/**
 * struct xi_kimage - an unpacked kernel image
 * @elf: the vmlinux ELF, in memory
 * @elf_len: its size
 * @format: "bzImage/xz", "bzImage/gzip" or "ELF"
 * @version: the bzImage header's version string, or ""
 */
struct xi_kimage {
	unsigned char *elf;
	size_t elf_len;
	const char *format;
	char version[256];
};

int xi_kimage_load(const char *path, struct xi_kimage *k, struct diag *d);
void xi_kimage_free(struct xi_kimage *k);
int xi_kimage_section(const struct xi_kimage *k, const char *want,
		      const unsigned char **data, size_t *size,
		      uint64_t *addr, struct diag *d);

#endif /* XI_KIMAGE_H */
