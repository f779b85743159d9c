// SPDX-License-Identifier: GPL-2.0
/*
 * The one place xenintro's trace events are instantiated (see
 * xenintro_trace.h); everything else includes the header plainly.
 */
#define CREATE_TRACE_POINTS
#include "xenintro_trace.h"
