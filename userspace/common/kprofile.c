// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A guest kernel's profile from its own image (see kprofile.h).
 *
 * A vmlinuz is an x86 boot image (the "HdrS" setup header): its payload,
 * located by the header's payload_offset and payload_length, is the
 * compressed vmlinux ELF. It is unpacked with liblzma or zlib, the same
 * decoders the kernel's own scripts/extract-vmlinux calls through xz and
 * gzip. The ELF's .BTF section goes to libbpf's BTF parser; nothing here
 * reads BTF records itself.
 *
 * Everything read from the file is bounds-checked: a truncated or hostile
 * image ends in a message, never in a read past the buffer.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "kprofile.h"

const struct xi_kfield_desc xi_kprofile_fields[XI_KF_NR] = {
	[XI_KF_TASK_COMM] = { "task_struct.comm", "task_struct", "comm" },
	[XI_KF_TASK_PID] = { "task_struct.pid", "task_struct", "pid" },
	[XI_KF_TASK_TGID] = { "task_struct.tgid", "task_struct", "tgid" },
	[XI_KF_TASK_MM] = { "task_struct.mm", "task_struct", "mm" },
	[XI_KF_TASK_ACTIVE_MM] = { "task_struct.active_mm", "task_struct",
				   "active_mm" },
	[XI_KF_TASK_TASKS] = { "task_struct.tasks", "task_struct", "tasks" },
	[XI_KF_TASK_REAL_PARENT] = { "task_struct.real_parent", "task_struct",
				     "real_parent" },
	[XI_KF_TASK_CRED] = { "task_struct.cred", "task_struct", "cred" },
	[XI_KF_MM_PGD] = { "mm_struct.pgd", "mm_struct", "pgd" },
	[XI_KF_CRED_UID] = { "cred.uid", "cred", "uid" },
	[XI_KF_LIST_NEXT] = { "list_head.next", "list_head", "next" },
};

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

/* Grow @out for a decoder; 0 or -1 at the limit. */
static int grow(unsigned char **out, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 64u << 20;
	unsigned char *nb;

	if (ncap > XI_VMLINUX_MAX)
		return -1;
	nb = realloc(*out, ncap);
	if (!nb)
		return -1;
	*out = nb;
	*cap = ncap;
	return 0;
}

static int unxz(const unsigned char *in, size_t in_len, unsigned char **out,
		size_t *out_len, struct diag *d)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret r;

	*out = NULL;
	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "xz: cannot set up the decoder");
	s.next_in = in;
	s.avail_in = in_len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap)) {
				lzma_end(&s);
				return diag_error(d, (struct src_mark){ 0 }, NULL,
						  "xz: the kernel unpacks to more than %u MiB",
						  XI_VMLINUX_MAX >> 20);
			}
			s.next_out = *out + s.total_out;
			s.avail_out = cap - s.total_out;
		}
		/* LZMA_FINISH: the input is all there is. */
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	*out_len = s.total_out;
	lzma_end(&s);
	if (r != LZMA_STREAM_END)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "xz: the compressed kernel is damaged (liblzma error %d)",
				  (int)r);
	return 0;
}

static int ungzip(const unsigned char *in, size_t in_len, unsigned char **out,
		  size_t *out_len, struct diag *d)
{
	z_stream s;
	size_t cap = 0;
	int r;

	memset(&s, 0, sizeof(s));
	*out = NULL;
	if (in_len > UINT32_MAX ||
	    inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "gzip: cannot set up the decoder");
	s.next_in = (unsigned char *)in;
	s.avail_in = (uInt)in_len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap) || cap - s.total_out > UINT32_MAX) {
				inflateEnd(&s);
				return diag_error(d, (struct src_mark){ 0 }, NULL,
						  "gzip: the kernel unpacks to more than %u MiB",
						  XI_VMLINUX_MAX >> 20);
			}
			s.next_out = *out + s.total_out;
			s.avail_out = (uInt)(cap - s.total_out);
		}
		r = inflate(&s, Z_NO_FLUSH);
	} while (r == Z_OK);
	*out_len = s.total_out;
	inflateEnd(&s);
	if (r != Z_STREAM_END)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "gzip: the compressed kernel is damaged (zlib error %d)",
				  r);
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
			  struct xi_kprofile *p, unsigned char **elf,
			  size_t *elf_len, struct diag *d)
{
	size_t setup = b[XI_BOOT_SETUP_SECTS] ? b[XI_BOOT_SETUP_SECTS] : 4;
	size_t start, off, plen;

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
	if (!memcmp(b, "\xfd" "7zXZ\0", 6)) {
		p->format = "bzImage/xz";
		return unxz(b, plen, elf, elf_len, d);
	}
	if (b[0] == 0x1f && b[1] == 0x8b) {
		p->format = "bzImage/gzip";
		return ungzip(b, plen, elf, elf_len, d);
	}
	return diag_error(d, (struct src_mark){ 0 }, NULL,
			  "the kernel is compressed with something other than xz or gzip (magic %02x %02x %02x %02x)",
			  b[0], b[1], b[2], b[3]);
}

/* The .BTF section of a 64-bit ELF in memory. */
static int elf_btf(const unsigned char *e, size_t len, const void **btf,
		   size_t *btf_len, struct diag *d)
{
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
		    strs->sh_size - sh[i].sh_name || strcmp(name, ".BTF"))
			continue;
		if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset > len ||
		    sh[i].sh_size > len - sh[i].sh_offset || !sh[i].sh_size)
			return diag_error(d, (struct src_mark){ 0 }, NULL,
					  ".BTF section lies outside the file");
		*btf = e + sh[i].sh_offset;
		*btf_len = sh[i].sh_size;
		return 0;
	}
	return diag_error(d, (struct src_mark){ 0 }, NULL,
			  "no .BTF section: this kernel was built without CONFIG_DEBUG_INFO_BTF");
}

/*
 * @member of the struct or union @id, looking into anonymous members as
 * C does; its byte offset from the start of @id and its type. -1 if none.
 */
static int find_member(const struct btf *btf, __u32 id, const char *member,
		       long base, long *offset, __u32 *type, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	unsigned int i;
	int rid;

	if (!t || !btf_is_composite(t) || depth > 8)
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		long off = base + btf_member_bit_offset(t, i) / 8;

		if (name && *name) {
			if (!strcmp(name, member)) {
				*offset = off;
				*type = m->type;
				return 0;
			}
			continue;
		}
		/* anonymous struct or union: its members are ours */
		rid = btf__resolve_type(btf, m->type);
		if (rid >= 0 && !find_member(btf, (__u32)rid, member, off,
					     offset, type, depth + 1))
			return 0;
	}
	return -1;
}

static int resolve_fields(const struct btf *btf, struct xi_kprofile *p,
			  struct diag *d)
{
	unsigned int i;

	for (i = 0; i < XI_KF_NR; i++) {
		const struct xi_kfield_desc *f = &xi_kprofile_fields[i];
		__s32 id = btf__find_by_name_kind(btf, f->type,
						  BTF_KIND_STRUCT);
		__u32 type;

		if (id < 0)
			return diag_error(d, (struct src_mark){ 0 }, f->name,
					  "the kernel's BTF has no struct %s",
					  f->type);
		if (find_member(btf, (__u32)id, f->member, 0, &p->offset[i],
				&type, 0))
			return diag_error(d, (struct src_mark){ 0 }, f->name,
					  "struct %s has no member %s in this kernel",
					  f->type, f->member);
		p->size[i] = btf__resolve_size(btf, type);
		p->struct_size[i] = btf__resolve_size(btf, (__u32)id);
	}
	return 0;
}

int xi_kprofile_load(const char *path, struct xi_kprofile *p, struct diag *d)
{
	unsigned char *file = NULL, *elf = NULL;
	size_t len = 0, elf_len = 0, btf_len = 0;
	const void *btf_data;
	struct btf *btf;
	int ret;

	memset(p, 0, sizeof(*p));
	diag_init(d, path);
	if (read_whole(path, &file, &len, d))
		return -1;
	if (len >= SELFMAG && !memcmp(file, ELFMAG, SELFMAG)) {
		p->format = "ELF";
		ret = elf_btf(file, len, &btf_data, &btf_len, d);
	} else if (len >= XI_BOOT_MIN_SIZE &&
		   !memcmp(file + XI_BOOT_HEADER, "HdrS", 4)) {
		ret = bzimage_unpack(file, len, p, &elf, &elf_len, d);
		if (!ret)
			ret = elf_btf(elf, elf_len, &btf_data, &btf_len, d);
	} else {
		ret = diag_error(d, (struct src_mark){ 0 }, NULL,
				 "neither a vmlinuz (x86 boot image) nor a vmlinux (ELF)");
	}
	if (!ret && btf_len > UINT32_MAX)
		ret = diag_error(d, (struct src_mark){ 0 }, NULL,
				 ".BTF section too large");
	if (!ret) {
		p->btf_bytes = btf_len;
		btf = btf__new(btf_data, (__u32)btf_len);
		if (!btf) {
			ret = diag_error(d, (struct src_mark){ 0 }, NULL,
					 "libbpf cannot parse the .BTF section: %s",
					 strerror(errno));
		} else {
			ret = resolve_fields(btf, p, d);
			btf__free(btf);
		}
	}
	free(elf);
	free(file);
	return ret ? -1 : 0;
}
