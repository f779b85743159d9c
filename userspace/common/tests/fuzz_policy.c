// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * libFuzzer target: the policy parser (policy_load_buffer()) on arbitrary
 * bytes, under ASan and UBSan. Every input must give a policy or a
 * diagnostic, within libFuzzer's time and memory limits, and free all it
 * took. Seeds: tests/corpus/ (the shipped examples and the bad files).
 */
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct diag d;

	if (!policy_load_buffer("fuzz.yaml", (const char *)data, size, &p, &d))
		policy_free(&p);
	return 0;
}
