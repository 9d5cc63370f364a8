/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mach ABI xnu/ works with: the same headers clients compile against
 * (include/mach/), so that there is one copy of XNU's numbers and layouts.
 */
#ifndef XNU_MACH_ABI_H
#define XNU_MACH_ABI_H

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/notify.h>
#include <mach/port.h>

/* Kernel-private in XNU (ipc_entry.h): the most user references one name can hold. */
#define MACH_PORT_UREFS_MAX 0xffffu

#endif
