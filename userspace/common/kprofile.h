/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A Linux guest kernel's profile, taken from the kernel image itself: the
 * struct layouts introspection needs, from the BTF every current
 * distribution kernel carries (CONFIG_DEBUG_INFO_BTF), parsed with
 * libbpf. No profile has to be generated beforehand from debug symbols.
 */
#ifndef XI_KPROFILE_H
#define XI_KPROFILE_H

#include <stddef.h>

#include "diag.h"

/* The members a profile resolves, in this order (xi_kprofile_fields[]). */
enum xi_kfield {
	XI_KF_TASK_COMM,
	XI_KF_TASK_PID,
	XI_KF_TASK_TGID,
	XI_KF_TASK_MM,
	XI_KF_TASK_ACTIVE_MM,
	XI_KF_TASK_TASKS,
	XI_KF_TASK_REAL_PARENT,
	XI_KF_TASK_CRED,
	XI_KF_MM_PGD,
	XI_KF_CRED_UID,
	XI_KF_LIST_NEXT,
	XI_KF_NR,
};

struct xi_kfield_desc {
	const char *name;	/* "task_struct.comm" */
	const char *type;	/* "task_struct" */
	const char *member;	/* "comm" */
};

extern const struct xi_kfield_desc xi_kprofile_fields[XI_KF_NR];

/**
 * struct xi_kprofile - what a kernel image says about its own layout
 * @version: the image's version string (bzImage header), or ""
 * @format: "bzImage/xz", "bzImage/gzip" or "ELF"
 * @btf_bytes: size of its .BTF section
 * @offset: byte offset of each member in its struct
 * @size: its size in bytes
 * @struct_size: sizeof(task_struct), sizeof(mm_struct), ...: of the
 *	member's struct
 */
struct xi_kprofile {
	char version[256];
	const char *format;
	size_t btf_bytes;
	long offset[XI_KF_NR];
	long size[XI_KF_NR];
	long struct_size[XI_KF_NR];
};

/*
 * Read the kernel image at @path (a vmlinuz bzImage compressed with xz or
 * gzip, or a vmlinux ELF) and resolve every field of @p from its BTF.
 * 0, or -1 with the reason in @d ("FILE: ...").
 */
int xi_kprofile_load(const char *path, struct xi_kprofile *p, struct diag *d);
/* The same from an image already loaded (kimage.h). */
struct xi_kimage;
int xi_kprofile_from(const struct xi_kimage *k, struct xi_kprofile *p,
		     struct diag *d);
/* The same from @len bytes of BTF (a running kernel's, for instance). */
int xi_kprofile_from_btf(const void *btf, size_t len, struct xi_kprofile *p,
			 struct diag *d);

#endif /* XI_KPROFILE_H */
