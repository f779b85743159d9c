// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A Linux kernel image in memory, as the vmlinux ELF (see kimage.h).
 *
 * A vmlinuz is an x86 boot image (the "HdrS" setup header): its payload,
 * located by the header's payload_offset and payload_length, is the
 * compressed vmlinux ELF. It is unpacked with liblzma or zlib, the same
 * decoders the kernel's own scripts/extract-vmlinux calls through xz and
 * gzip. Everything read from the file is bounds-checked: a truncated or
 * hostile image ends in a message, never in a read past the buffer.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kimage.h"
#include "unpack.h"

/* Larger than any kernel image or vmlinux a distribution ships. */
#define XI_KIMAGE_MAX		(512u << 20)
#define XI_VMLINUX_MAX		(1024u << 20)

/* x86 boot protocol: offsets into the setup header (Documentation/x86/boot.rst). */
#define XI_BOOT_SETUP_SECTS	0x1f1
#define XI_BOOT_HEADER		0x202	/* "HdrS" */
#define XI_BOOT_VERSION		0x206
#define XI_BOOT_KERNEL_VERSION	0x20e
#define XI_BOOT_PAYLOAD_OFFSET	0x248
#define XI_BOOT_PAYLOAD_LENGTH	0x24c
#define XI_BOOT_MIN_SIZE	0x250

static uint32_t get_le(const unsigned char *p, unsigned int n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int read_whole(const char *path, unsigned char **buf, size_t *len,
		      struct diag *d)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0, got;
	unsigned char *b = NULL, *nb;

	if (!f)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "cannot open: %s", strerror(errno));
	do {
		if (n == cap || !b) {
			if (b)
				cap *= 2;
			if (cap > XI_KIMAGE_MAX)
				break;
			nb = realloc(b, cap);
			if (!nb)
				break;
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f) || !feof(f)) {
		fclose(f);
		free(b);
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "cannot read (larger than %u MiB, or an I/O error)",
				  XI_KIMAGE_MAX >> 20);
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

/* The version string a bzImage header points to, printable only. */
static void boot_version(const unsigned char *b, size_t len, char *out,
			 size_t outlen)
{
	size_t off = get_le(b + XI_BOOT_KERNEL_VERSION, 2), i;

	out[0] = '\0';
	if (!off || off + 0x200 >= len)
		return;
	off += 0x200;
	for (i = 0; i + 1 < outlen && off + i < len; i++) {
		unsigned char c = b[off + i];

		if (c < 0x20 || c > 0x7e)
			break;
		out[i] = (char)c;
	}
	out[i] = '\0';
}

/* Unpack a bzImage's payload into *@elf. */
static int bzimage_unpack(const unsigned char *b, size_t len,
			  struct xi_kimage *p, unsigned char **elf,
			  size_t *elf_len, struct diag *d)
{
	size_t setup = b[XI_BOOT_SETUP_SECTS] ? b[XI_BOOT_SETUP_SECTS] : 4;
	size_t start, off, plen;
	enum xi_packing how;

	if (get_le(b + XI_BOOT_VERSION, 2) < 0x208)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "boot protocol %#x is too old to locate the payload",
				  get_le(b + XI_BOOT_VERSION, 2));
	boot_version(b, len, p->version, sizeof(p->version));
	start = (setup + 1) * 512;
	off = get_le(b + XI_BOOT_PAYLOAD_OFFSET, 4);
	plen = get_le(b + XI_BOOT_PAYLOAD_LENGTH, 4);
	if (start + off < start || start + off + plen < start + off ||
	    start + off + plen > len || plen < 6)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "the compressed kernel lies outside the file (truncated?)");
	b += start + off;
	how = xi_packing_of(b, plen);
	if (how == XI_PACK_NONE)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "the kernel is compressed with something other than xz or gzip (magic %02x %02x %02x %02x)",
				  b[0], b[1], b[2], b[3]);
	p->format = how == XI_PACK_XZ ? "bzImage/xz" : "bzImage/gzip";
	return xi_unpack(how, b, plen, XI_VMLINUX_MAX, "the kernel", elf,
			 elf_len, d);
}

/**
 * xi_kimage_section() - a section of the image's ELF by name
 * @k: the image
 * @want: ".BTF", ".rodata"...
 * @data: its bytes
 * @size: their number
 * @addr: its link address (may be NULL)
 * @d: the error, if any
 *
 * Return: 0, or -1 with a message in @d (no such section, or a damaged
 * section table).
 */
int xi_kimage_section(const struct xi_kimage *k, const char *want,
		      const unsigned char **data, size_t *size,
		      uint64_t *addr, struct diag *d)
{
	const unsigned char *e = k->elf;
	size_t len = k->elf_len;
	const Elf64_Ehdr *eh = (const void *)e;
	const Elf64_Shdr *sh, *strs;
	unsigned int i;

	if (len < sizeof(*eh) || memcmp(e, ELFMAG, SELFMAG) ||
	    e[EI_CLASS] != ELFCLASS64)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "not a 64-bit ELF kernel");
	if (eh->e_shentsize != sizeof(*sh) || eh->e_shoff > len ||
	    (len - eh->e_shoff) / sizeof(*sh) < eh->e_shnum ||
	    eh->e_shstrndx >= eh->e_shnum)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "the ELF section table is damaged");
	sh = (const void *)(e + eh->e_shoff);
	strs = &sh[eh->e_shstrndx];
	if (strs->sh_offset > len || strs->sh_size > len - strs->sh_offset)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "the ELF section names are damaged");
	for (i = 0; i < eh->e_shnum; i++) {
		const char *name = (const char *)e + strs->sh_offset +
				   sh[i].sh_name;

		if (sh[i].sh_name >= strs->sh_size ||
		    strnlen(name, strs->sh_size - sh[i].sh_name) ==
		    strs->sh_size - sh[i].sh_name || strcmp(name, want))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset || !sh[i].sh_size)
			return diag_error(d, (struct src_mark){ 0 }, NULL,
					  "%s section lies outside the file",
					  want);
		*data = e + sh[i].sh_offset;
		*size = sh[i].sh_size;
		if (addr)
			*addr = sh[i].sh_addr;
		return 0;
	}
	return diag_error(d, (struct src_mark){ 0 }, NULL, "no %s section",
			  want);
}

/**
 * xi_kimage_load() - read a kernel image and unpack it to its ELF
 * @path: a vmlinuz (x86 boot image, xz or gzip) or a vmlinux ELF
 * @k: filled; xi_kimage_free() it
 * @d: the error, if any ("FILE: ...")
 *
 * Return: 0, or -1 with a message in @d.
 */
int xi_kimage_load(const char *path, struct xi_kimage *k, struct diag *d)
{
	unsigned char *file = NULL;
	size_t len = 0;
	int ret;

	memset(k, 0, sizeof(*k));
	diag_init(d, path);
	if (read_whole(path, &file, &len, d))
		return -1;
	if (len >= SELFMAG && !memcmp(file, ELFMAG, SELFMAG)) {
		k->format = "ELF";
		k->elf = file;
		k->elf_len = len;
		return 0;
	}
	if (len >= XI_BOOT_MIN_SIZE &&
	    !memcmp(file + XI_BOOT_HEADER, "HdrS", 4))
		ret = bzimage_unpack(file, len, k, &k->elf, &k->elf_len, d);
	else
		ret = diag_error(d, (struct src_mark){ 0 }, NULL,
				 "neither a vmlinuz (x86 boot image) nor a vmlinux (ELF)");
	free(file);
	if (ret) {
		free(k->elf);
		k->elf = NULL;
		return -1;
	}
	return 0;
}

void xi_kimage_free(struct xi_kimage *k)
{
	free(k->elf);
	k->elf = NULL;
}
