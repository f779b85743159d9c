// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * libFuzzer target: the policy parser (policy_load_buffer_env()) on arbitrary
 * bytes, under ASan and UBSan. Every input must give a policy or a
 * diagnostic, within libFuzzer's time and memory limits, and free all it
 * took. Seeds: tests/corpus/ (the shipped examples and the bad files).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A kernel whose symbols are their names' hash (below the kernel map for
 * names starting with "percpu_", like per-CPU offsets), and whose frames
 * are the link-time physical ones: every symbol path of the parser runs,
 * and a long range costs the translation loop its full length.
 */
static int fz_kernel(struct policy_env *e, const struct policy *p, char *why,
		     size_t len)
{
	/* kernel.memory: the provisional read before attaching */
	e->provisional = p->kernel_memory;
	if (p->kernel_image && !strcmp(p->kernel_image, "missing")) {
		snprintf(why, len, "%s: cannot open", p->kernel_image);
		return -1;
	}
	return 0;
}

static int fz_symbol(struct policy_env *e, const char *name, uint64_t *addr)
{
	uint64_t h = 1469598103934665603ULL;
	const char *c;

	(void)e;
	if (!strcmp(name, "nosuch"))
		return -1;
	for (c = name; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	*addr = strncmp(name, "percpu_", 7) ? h | 0xffffffff80000000ULL :
					      h & 0xfffff;
	return 0;
}

static int fz_frame(struct policy_env *e, uint64_t va, uint64_t *gfn,
		    char *why, size_t len)
{
	(void)e;
	if (va < 0xffffffff80000000ULL) {
		snprintf(why, len, "not mapped");
		return -1;
	}
	*gfn = (va - 0xffffffff80000000ULL) >> 12;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_env env = {
		.kernel = fz_kernel, .symbol = fz_symbol, .frame = fz_frame,
	};
	struct policy p;
	struct diag d;

	if (!policy_load_buffer_env("fuzz.yaml", (const char *)data, size,
				    &env, &p, &d))
		policy_free(&p);
	return 0;
}
