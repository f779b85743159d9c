// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"

const char *registry_dir(void)
{
	const char *d = getenv("XENINTRO_RUN_DIR");

	return d && *d ? d : REGISTRY_DEFAULT_DIR;
}

int registry_write(uint32_t domid, json_t *rec)
{
	char path[512], tmp[520];

	if (mkdir(registry_dir(), 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%u.json", registry_dir(), domid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(rec, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER))
		return -EIO;
	/* readers see the old record or the new one, never half of one */
	if (rename(tmp, path)) {
		int ret = -errno;

		unlink(tmp);
		return ret;
	}
	return 0;
}

void registry_remove(uint32_t domid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%u.json", registry_dir(), domid);
	unlink(path);
}

json_t *registry_read(uint32_t domid)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%u.json", registry_dir(), domid);
	return json_load_file(path, 0, NULL);
}

int registry_alive(json_t *rec)
{
	json_int_t pid = json_integer_value(json_object_get(rec, "pid"));

	return pid > 0 && (!kill((pid_t)pid, 0) || errno == EPERM);
}

static int by_domid(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a,
							  "domid"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b,
							  "domid"));

	return (x > y) - (x < y);
}

json_t *registry_list(void)
{
	json_t *out = json_array(), **v = NULL, *rec;
	size_t n = 0, i;
	struct dirent *de;
	unsigned int domid;
	char tail[8];
	DIR *d = opendir(registry_dir());

	if (!d)
		return out;
	while ((de = readdir(d))) {
		json_t **nv;

		if (sscanf(de->d_name, "%u.%7s", &domid, tail) != 2 ||
		    strcmp(tail, "json"))
			continue;
		rec = registry_read(domid);
		if (!rec)
			continue;
		json_object_set_new(rec, "running",
				    json_boolean(registry_alive(rec)));
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			json_decref(rec);
			break;
		}
		v = nv;
		v[n++] = rec;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_domid);
	for (i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	return out;
}
