/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Guest names to domain ids and back, through xenstore
 * (/local/domain/<domid>/name), which is where xl keeps them.
 */
#ifndef XI_GUEST_H
#define XI_GUEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * @guest is a domid ("5") or a name. 0 with *@domid set, or -errno:
 * -ENOENT no such guest, -EINVAL not a valid domid, -EHOSTUNREACH no
 * xenstore to ask (not a Xen dom0); @why gets a sentence.
 */
int guest_resolve(const char *guest, uint32_t *domid, char *why, size_t len);
/* The name of @domid into @buf, or "" if unknown or no xenstore. */
void guest_name(uint32_t domid, char *buf, size_t len);

#endif /* XI_GUEST_H */
