/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libdserver's view of the public Mach headers. The library is built with
 * hidden visibility; everything <mach/mach.h> declares is its API, so those
 * declarations are made default here, once, instead of marking every
 * definition.
 */
#ifndef DSERVER_CLIENT_MACH_API_H
#define DSERVER_CLIENT_MACH_API_H

#pragma GCC visibility push(default)
#include <mach/mach.h>
#pragma GCC visibility pop

/* client.c calls these around its own per-thread and fork handling. */

/* Before the calling thread checks out at its exit: releases its MIG reply port. */
void dserver_mach_thread_exit(void);
/* In a forked child: the parent's port names mean nothing in the child's space. */
void dserver_mach_fork_child(void);

#endif
