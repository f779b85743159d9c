// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * A guest kernel's profile from its own image (see kprofile.h): the
 * image's .BTF section (kimage.c unpacks it) goes to libbpf's BTF parser;
 * nothing here reads BTF records itself.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kimage.h"
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

int xi_kprofile_from(const struct xi_kimage *k, struct xi_kprofile *p,
		     struct diag *d)
{
	const unsigned char *btf_data;
	size_t btf_len = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	p->format = k->format;
	memcpy(p->version, k->version, sizeof(p->version));
	ret = xi_kimage_section(k, ".BTF", &btf_data, &btf_len, NULL, d);
	if (ret) {
		diag_init(d, d->file);	/* say why it matters */
		ret = diag_error(d, (struct src_mark){ 0 }, NULL,
				 "no .BTF section: this kernel was built without CONFIG_DEBUG_INFO_BTF");
	}
	if (ret)
		return -1;
	return xi_kprofile_from_btf(btf_data, btf_len, p, d);
}

int xi_kprofile_from_btf(const void *btf_data, size_t btf_len,
			 struct xi_kprofile *p, struct diag *d)
{
	struct btf *btf;
	int ret;

	if (btf_len > UINT32_MAX)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "BTF too large");
	p->btf_bytes = btf_len;
	btf = btf__new(btf_data, (__u32)btf_len);
	if (!btf)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "libbpf cannot parse the .BTF section: %s",
				  strerror(errno));
	ret = resolve_fields(btf, p, d);
	btf__free(btf);
	return ret ? -1 : 0;
}

int xi_kprofile_load(const char *path, struct xi_kprofile *p, struct diag *d)
{
	struct xi_kimage k;
	int ret;

	if (xi_kimage_load(path, &k, d))
		return -1;
	ret = xi_kprofile_from(&k, p, d);
	xi_kimage_free(&k);
	return ret;
}
