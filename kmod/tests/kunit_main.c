// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_kunit.ko: the KUnit suites of xenintro. Each *_kunit.c file
 * registers its own suite; this file only carries the module metadata.
 * The suites reach the core's internals through EXPORT_SYMBOL_IF_KUNIT.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for xenintro");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
