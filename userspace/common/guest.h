/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Guest names to domain ids and back, through xenstore
 * (/local/domain/<domid>/name), which is where xl keeps them.
 */
#ifndef XI_GUEST_H
#define XI_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The last domid a guest can have: Xen reserves DOMID_FIRST_RESERVED up. */
#define GUEST_DOMID_MAX		0x7fef	/* 32751 */

/*
 * Is @guest a domid? Only a string of decimal digits is, as xl has it
 * (libxl_domain_qualifier_to_domid()); anything else is a name, so a
 * guest called "2019-web" is a name, and no name is all digits.
 */
bool guest_is_domid(const char *guest);
/*
 * The domid in @guest, which guest_is_domid(): 0 with *@domid set, or
 * -EINVAL with a sentence in @why (dom0 itself, beyond GUEST_DOMID_MAX).
 */
int guest_domid(const char *guest, uint32_t *domid, char *why, size_t len);
/*
 * @guest is a domid ("5") or a name. 0 with *@domid set, or -errno:
 * -ENOENT no such guest, -EINVAL not a valid domid, -EHOSTUNREACH no
 * xenstore to ask (not a Xen dom0); @why gets a sentence.
 */
int guest_resolve(const char *guest, uint32_t *domid, char *why, size_t len);
/* The name of @domid into @buf, or "" if unknown or no xenstore. */
void guest_name(uint32_t domid, char *buf, size_t len);
/* "8-4-4-4-12" hex digits of a UUID, and its NUL */
#define GUEST_UUID_LEN		37
/*
 * The UUID of @domid into @buf (at least GUEST_UUID_LEN bytes), from
 * /local/domain/<domid>/vm, which the toolstack sets to "/vm/<uuid>";
 * "" if unknown, no xenstore, or not a UUID.
 */
void guest_uuid(uint32_t domid, char *buf, size_t len);

#endif /* XI_GUEST_H */
