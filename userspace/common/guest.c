// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * libxenstore, read-only. It is linked statically into the VM build too:
 * without Xen xs_open() simply fails and only numeric domids work, which
 * is all a guest of the simulator has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "guest.h"

bool guest_is_domid(const char *guest)
{
	const char *q;

	for (q = guest; *q >= '0' && *q <= '9'; q++)
		;
	return q != guest && !*q;
}

int guest_domid(const char *guest, uint32_t *domid, char *why, size_t len)
{
	unsigned long v;

	errno = 0;
	v = strtoul(guest, NULL, 10);
	if (errno || v > GUEST_DOMID_MAX) {
		snprintf(why, len,
			 "%s is not a domain id: guests have 1 to %u",
			 guest, GUEST_DOMID_MAX);
		return -EINVAL;
	}
	if (!v) {
		snprintf(why, len, "domain 0 is dom0 itself, not a guest");
		return -EINVAL;
	}
	*domid = (uint32_t)v;
	return 0;
}

int guest_resolve(const char *guest, uint32_t *domid, char *why, size_t len)
{
	struct xs_handle *xs;
	char **ids, path[64], *name;
	unsigned int n, i, nlen;
	int ret = -ENOENT;

	if (guest_is_domid(guest))
		return guest_domid(guest, domid, why, len);
	if (!*guest) {
		snprintf(why, len, "an empty guest name");
		return -EINVAL;
	}
	xs = xs_open(XS_OPEN_READONLY);
	if (!xs) {
		snprintf(why, len,
			 "cannot resolve guest name \"%s\": no xenstore (%s); give a domid",
			 guest, strerror(errno));
		return -EHOSTUNREACH;
	}
	ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; ids && i < n && ret; i++) {
		snprintf(path, sizeof(path), "/local/domain/%s/name", ids[i]);
		name = xs_read(xs, XBT_NULL, path, &nlen);
		/* "Domain-0" is a name too: say it is dom0 */
		if (name && !strcmp(name, guest) && guest_is_domid(ids[i]))
			ret = guest_domid(ids[i], domid, why, len);
		free(name);
	}
	free(ids);
	xs_close(xs);
	if (ret == -ENOENT)
		snprintf(why, len, "no guest named \"%s\" in xenstore", guest);
	return ret;
}

/* 8-4-4-4-12 hex digits, as libxl writes them (lowercase) */
static bool is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != GUEST_UUID_LEN - 1)
		return false;
	for (i = 0; i < GUEST_UUID_LEN - 1; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdefABCDEF", s[i])) {
			return false;
		}
	}
	return true;
}

void guest_uuid(uint32_t domid, char *buf, size_t len)
{
	struct xs_handle *xs = xs_open(XS_OPEN_READONLY);
	char path[64], *vm;
	unsigned int vlen;

	buf[0] = '\0';
	if (!xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(xs, XBT_NULL, path, &vlen);
	/* "/vm/<uuid>": anything else is not one, and goes in no record */
	if (vm && !strncmp(vm, "/vm/", 4) && is_uuid(vm + 4))
		snprintf(buf, len, "%s", vm + 4);
	free(vm);
	xs_close(xs);
}

void guest_name(uint32_t domid, char *buf, size_t len)
{
	struct xs_handle *xs = xs_open(XS_OPEN_READONLY);
	char path[64], *name;
	unsigned int nlen;

	buf[0] = '\0';
	if (!xs)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	name = xs_read(xs, XBT_NULL, path, &nlen);
	if (name)
		snprintf(buf, len, "%s", name);
	free(name);
	xs_close(xs);
}
