/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A Linux kernel's symbols from its own kallsyms tables, read out of the
 * kernel image (kimage.h): what /proc/kallsyms lists, at link addresses
 * (before the KASLR slide). Debian's /boot/System.map holds one line; the
 * full one ships in an 858 MB -dbg package, and the image has them all.
 */
#ifndef XI_KSYMS_H
#define XI_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "kimage.h"

struct xi_ksym {
	uint64_t addr;		/* link address */
	char type;		/* 'T', 't', 'D', ... as in /proc/kallsyms */
	const char *name;
};

/**
 * struct xi_ksyms - a kernel's symbol table
 * @syms: in kallsyms order (by address)
 * @nr: how many
 * @relative_base: the base the offsets are relative to (_text's address)
 * @names: the names' storage
 * @token_table_addr: the link address of kallsyms_token_table
 * @token_table: its bytes, in the image (valid while the image is loaded):
 *	read-only data no kernel changes at run time, so a running guest
 *	holds exactly these bytes at @token_table_addr + its KASLR slide
 * @token_table_len: their number
 */
struct xi_ksyms {
	struct xi_ksym *syms;
	size_t nr;
	uint64_t relative_base;
	char *names;
	uint64_t token_table_addr;
	const unsigned char *token_table;
	size_t token_table_len;
};

/*
 * Find and decode the kallsyms tables of @k (Linux 6.1 layout, x86-64,
 * CONFIG_KALLSYMS_BASE_RELATIVE). 0, or -1 with the reason in @d.
 */
int xi_ksyms_load(const struct xi_kimage *k, struct xi_ksyms *s,
		  struct diag *d);
/*
 * The same over @len bytes that hold the kernel's read-only data at
 * address @addr: an image's .rodata, or a running kernel's memory (then
 * the addresses are the running ones, slide included). @s's token table
 * points into @ro.
 */
int xi_ksyms_from_rodata(const unsigned char *ro, size_t len, uint64_t addr,
			 struct xi_ksyms *s, struct diag *d);
void xi_ksyms_free(struct xi_ksyms *s);
/* The first symbol named @name, or NULL. */
const struct xi_ksym *xi_ksyms_find(const struct xi_ksyms *s,
				    const char *name);

#endif /* XI_KSYMS_H */
