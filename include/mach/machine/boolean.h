/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boolean_t: unsigned on x86_64 user space, signed elsewhere, as in XNU. */
#ifndef _MACH_MACHINE_BOOLEAN_H_
#define _MACH_MACHINE_BOOLEAN_H_

#if defined(__x86_64__)
typedef unsigned int boolean_t;
#else
typedef int boolean_t;
#endif

#endif
