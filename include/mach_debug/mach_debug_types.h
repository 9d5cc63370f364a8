/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Types of the Mach debugging routines, with XNU's sizes. */
#ifndef _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#define _MACH_DEBUG_MACH_DEBUG_TYPES_H_

#include <mach_debug/ipc_info.h>

/* mach_port_kobject_description()'s text: a NUL-terminated string. */
#define KOBJECT_DESCRIPTION_LENGTH 512
typedef char kobject_description_t[KOBJECT_DESCRIPTION_LENGTH];

#endif
