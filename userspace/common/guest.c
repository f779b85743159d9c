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

static int parse_domid(const char *s, uint32_t *domid)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v == 0 || v > 0x7fef)
		return -EINVAL;
	*domid = (uint32_t)v;
	return 0;
}

int guest_resolve(const char *guest, uint32_t *domid, char *why, size_t len)
{
	struct xs_handle *xs;
	char **ids, path[64], *name;
	unsigned int n, i, nlen;
	int ret = -ENOENT;

	if (*guest >= '0' && *guest <= '9') {
		if (!parse_domid(guest, domid))
			return 0;
		snprintf(why, len, "\"%s\" is not a domain id (1..32751)",
			 guest);
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
		if (name && !strcmp(name, guest) &&
		    !parse_domid(ids[i], domid))
			ret = 0;
		free(name);
	}
	free(ids);
	xs_close(xs);
	if (ret)
		snprintf(why, len, "no guest named \"%s\" in xenstore", guest);
	return ret;
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
