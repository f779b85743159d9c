/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Names a policy may use for x86 things: control-register bits (CR0.WP,
 * CR4.SMEP, ...) and MSRs (LSTAR, ...). Architectural names from the SDM,
 * upper case as the SDM writes them; lookups ignore case.
 */
#ifndef XI_X86_NAMES_H
#define XI_X86_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The bit of control register @cr (XENINTRO_CR0 .. XENINTRO_XCR0) named
 * @name, as a mask; 0 if the register has no bit of that name.
 */
uint64_t x86_cr_bit(uint32_t cr, const char *name);
/* The names of @cr's bits, comma separated, for error messages. */
const char *x86_cr_bit_names(uint32_t cr);
/* Control register by name ("cr0", "cr3", "cr4", "xcr0"); false if none. */
bool x86_cr_index(const char *name, uint32_t *cr);
/* MSR by name ("LSTAR", "SYSENTER_CS", ...); false if unknown. */
bool x86_msr_by_name(const char *name, uint32_t *msr);
/* The name of MSR @msr, or NULL. */
const char *x86_msr_name(uint32_t msr);

#endif /* XI_X86_NAMES_H */
