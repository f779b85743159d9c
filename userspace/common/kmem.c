// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmem.h"

#define PAGE		4096u
#define CHUNK		(1u << 20)
#define BTF_MAGIC	0xeb9f
#define BTF_HDR_LEN	24

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * The vmlinux BTF: the first header that says magic 0xeb9f, version 1,
 * a 24-byte header, types right after it and strings right after them,
 * all inside @len, and that libbpf accepts with task_struct in it.
 */
static int find_btf(const unsigned char *buf, size_t len,
		    struct xi_kprofile *p, struct diag *d)
{
	static const unsigned char magic[4] = { 0x9f, 0xeb, 0x01, 0x00 };
	const unsigned char *hit;
	size_t at = 0;

	while (at + BTF_HDR_LEN <= len &&
	       (hit = memmem(buf + at, len - at, magic, sizeof(magic)))) {
		size_t off = (size_t)(hit - buf);
		uint32_t hdr = off + BTF_HDR_LEN <= len ? le32(hit + 4) : 0;
		uint64_t type_len, str_len, total;

		at = off + 1;
		if (hdr != BTF_HDR_LEN || le32(hit + 8) != 0)
			continue;
		type_len = le32(hit + 12);
		str_len = le32(hit + 20);
		total = BTF_HDR_LEN + type_len + str_len;
		if (le32(hit + 16) != type_len || !type_len || !str_len ||
		    total > len - off)
			continue;
		if (!xi_kprofile_from_btf(hit, (size_t)total, p, d))
			return 0;
		/* not it (or not a kernel's): look further, quietly */
		diag_init_max(d, d->file, d->max);
	}
	return diag_error(d, (struct src_mark){ 0 }, NULL,
			  "no vmlinux BTF in the guest kernel's memory (a kernel without CONFIG_DEBUG_INFO_BTF?)");
}

int xi_kmem_scan(const unsigned char *buf, size_t len, uint64_t base,
		 struct xi_ksyms *s, struct xi_kprofile *p, struct diag *d)
{
	if (xi_ksyms_from_rodata(buf, len, base, s, d))
		return -1;
	/* it points into @buf, which the caller frees */
	s->token_table = NULL;
	s->token_table_len = 0;
	memset(p, 0, sizeof(*p));
	p->format = "guest memory";
	if (find_btf(buf, len, p, d)) {
		xi_ksyms_free(s);
		return -1;
	}
	return 0;
}

int xi_kmem_read(struct xenintro *x, const struct xenintro_mem_root *root,
		 uint64_t from, size_t span, unsigned char **out,
		 size_t *mapped)
{
	unsigned char *buf = calloc(1, span);
	size_t at = 0;
	int64_t got;

	*mapped = 0;
	if (!buf)
		return -ENOMEM;
	while (at < span) {
		uint32_t want = span - at < CHUNK ? (uint32_t)(span - at) : CHUNK;

		got = xenintro_read_virt(x, root, from + at, buf + at, want);
		if (got < 0 && got != -EFAULT && got != -ENXIO) {
			free(buf);
			return (int)got;
		}
		if (got > 0) {
			at += (size_t)got;
			*mapped += (size_t)got;
		}
		/* a hole (freed init memory, gaps): on to the next page */
		if (got < want)
			at = (at + PAGE) & ~(size_t)(PAGE - 1);
	}
	*out = buf;
	return 0;
}
