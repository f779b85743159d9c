/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A guest kernel's symbols and struct offsets from the files an operator
 * may already have instead of (or besides) the kernel image:
 *
 *   System.map      "ADDRESS TYPE NAME" lines (also /proc/kallsyms as a
 *                   root of the guest prints it), sysmap.c
 *   ISF JSON        Volatility 3's Intermediate Symbol Format, as
 *                   dwarf2json makes it from debug info, which DRAKVUF
 *                   and Volatility use: symbols and user_types, isf.c
 *
 * Both fill the same structures as the image does (ksyms.h, kprofile.h),
 * at link addresses. Neither carries the kallsyms token table, so the
 * KASLR slide's second anchor is then the linux_banner text (kslide.c).
 */
#ifndef XI_KSRC_H
#define XI_KSRC_H

#include "diag.h"
#include "kprofile.h"
#include "ksyms.h"

/* Bigger files are refused (an ISF of Debian's 6.1 is about 60 MB). */
#define XI_KSRC_FILE_MAX	(512u << 20)

/*
 * The symbols of a System.map at @path. 0, or -1 with "FILE:LINE: ..."
 * in @d for a line that is not "ADDRESS TYPE NAME".
 */
int xi_sysmap_load(const char *path, struct xi_ksyms *s, struct diag *d);

/*
 * The symbols (into @s, may be NULL) and the struct offsets of
 * xi_kprofile_fields (into @p, may be NULL) of the ISF file at @path.
 * 0, or -1 with the reason in @d ("FILE:LINE:COLUMN: ..." for JSON that
 * does not parse). An ISF without a member the profile needs still gives
 * its symbols: then @p is zeroed and @why_no_p says which member
 * ("no member task_struct.comm"); else @why_no_p is "".
 */
int xi_isf_load(const char *path, struct xi_ksyms *s, struct xi_kprofile *p,
		char *why_no_p, size_t len, struct diag *d);

#endif /* XI_KSRC_H */
