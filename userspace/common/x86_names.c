// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <stddef.h>
#include <strings.h>

#include <xenintro/libxenintro.h>

#include "x86_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct bit_name {
	const char *name;
	unsigned int bit;
};

/* Intel SDM vol. 3, 2.5 "Control Registers" */
static const struct bit_name cr0_bits[] = {
	{ "PE", 0 }, { "MP", 1 }, { "EM", 2 }, { "TS", 3 }, { "ET", 4 },
	{ "NE", 5 }, { "WP", 16 }, { "AM", 18 }, { "NW", 29 }, { "CD", 30 },
	{ "PG", 31 },
};

static const struct bit_name cr3_bits[] = {
	{ "PWT", 3 }, { "PCD", 4 }, { "LAM_U57", 61 }, { "LAM_U48", 62 },
};

static const struct bit_name cr4_bits[] = {
	{ "VME", 0 }, { "PVI", 1 }, { "TSD", 2 }, { "DE", 3 }, { "PSE", 4 },
	{ "PAE", 5 }, { "MCE", 6 }, { "PGE", 7 }, { "PCE", 8 },
	{ "OSFXSR", 9 }, { "OSXMMEXCPT", 10 }, { "UMIP", 11 }, { "LA57", 12 },
	{ "VMXE", 13 }, { "SMXE", 14 }, { "FSGSBASE", 16 }, { "PCIDE", 17 },
	{ "OSXSAVE", 18 }, { "KL", 19 }, { "SMEP", 20 }, { "SMAP", 21 },
	{ "PKE", 22 }, { "CET", 23 }, { "PKS", 24 },
};

/* Intel SDM vol. 1, 13.1 "XSAVE-supported features" */
static const struct bit_name xcr0_bits[] = {
	{ "X87", 0 }, { "SSE", 1 }, { "AVX", 2 }, { "BNDREGS", 3 },
	{ "BNDCSR", 4 }, { "OPMASK", 5 }, { "ZMM_HI256", 6 },
	{ "HI16_ZMM", 7 }, { "PKRU", 9 }, { "AMX_TILECFG", 17 },
	{ "AMX_TILEDATA", 18 },
};

static const struct {
	const struct bit_name *bits;
	size_t nr;
	const char *list;
} cr_tables[] = {
	[XENINTRO_CR0] = { cr0_bits, ARRAY_SIZE(cr0_bits),
			   "PE, MP, EM, TS, ET, NE, WP, AM, NW, CD, PG" },
	[XENINTRO_CR3] = { cr3_bits, ARRAY_SIZE(cr3_bits),
			   "PWT, PCD, LAM_U57, LAM_U48" },
	[XENINTRO_CR4] = { cr4_bits, ARRAY_SIZE(cr4_bits),
			   "VME, PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE, OSFXSR, "
			   "OSXMMEXCPT, UMIP, LA57, VMXE, SMXE, FSGSBASE, PCIDE, "
			   "OSXSAVE, KL, SMEP, SMAP, PKE, CET, PKS" },
	[XENINTRO_XCR0] = { xcr0_bits, ARRAY_SIZE(xcr0_bits),
			    "X87, SSE, AVX, BNDREGS, BNDCSR, OPMASK, ZMM_HI256, "
			    "HI16_ZMM, PKRU, AMX_TILECFG, AMX_TILEDATA" },
};

uint64_t x86_cr_bit(uint32_t cr, const char *name)
{
	size_t i;

	if (cr >= ARRAY_SIZE(cr_tables))
		return 0;
	for (i = 0; i < cr_tables[cr].nr; i++)
		if (!strcasecmp(cr_tables[cr].bits[i].name, name))
			return 1ULL << cr_tables[cr].bits[i].bit;
	return 0;
}

const char *x86_cr_bit_names(uint32_t cr)
{
	return cr < ARRAY_SIZE(cr_tables) ? cr_tables[cr].list : "";
}

bool x86_cr_index(const char *name, uint32_t *cr)
{
	static const char *const names[] = {
		[XENINTRO_CR0] = "cr0", [XENINTRO_CR3] = "cr3",
		[XENINTRO_CR4] = "cr4", [XENINTRO_XCR0] = "xcr0",
	};
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcasecmp(names[i], name)) {
			*cr = i;
			return true;
		}
	}
	return false;
}

/* The MSRs an introspection policy guards: the system-call entry points. */
static const struct {
	const char *name;
	uint32_t msr;
} msrs[] = {
	{ "SYSENTER_CS", 0x174 }, { "SYSENTER_ESP", 0x175 },
	{ "SYSENTER_EIP", 0x176 }, { "EFER", 0xc0000080 },
	{ "STAR", 0xc0000081 }, { "LSTAR", 0xc0000082 },
	{ "CSTAR", 0xc0000083 }, { "SFMASK", 0xc0000084 },
	{ "FS_BASE", 0xc0000100 }, { "GS_BASE", 0xc0000101 },
	{ "KERNEL_GS_BASE", 0xc0000102 },
};

bool x86_msr_by_name(const char *name, uint32_t *msr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++) {
		if (!strcasecmp(msrs[i].name, name)) {
			*msr = msrs[i].msr;
			return true;
		}
	}
	return false;
}

const char *x86_msr_name(uint32_t msr)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msrs); i++)
		if (msrs[i].msr == msr)
			return msrs[i].name;
	return NULL;
}
