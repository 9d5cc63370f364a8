/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The width of every Mach status code. */
#ifndef _MACH_MACHINE_KERN_RETURN_H_
#define _MACH_MACHINE_KERN_RETURN_H_

typedef int kern_return_t;

#endif
