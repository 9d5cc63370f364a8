/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The calling task's, thread's and host's ports, the MIG reply port, and
 * the page size.
 */
#ifndef _MACH_MACH_INIT_H_
#define _MACH_MACH_INIT_H_

#include <mach/mach_traps.h>
#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The calling task's send right. Asked of the server once per process
 * (again in a forked child) and cached: do not deallocate it.
 * mach_task_self_ holds the cached name once mach_task_self() (or any
 * libdserver routine that needs it) has run; before, it is MACH_PORT_NULL.
 */
extern mach_port_t mach_task_self_;
extern mach_port_t mach_task_self(void);
#define current_task() mach_task_self()

/* A new user reference each call: deallocate it when done. */
extern mach_port_t mach_host_self(void);
extern mach_port_t mach_thread_self(void);

extern mach_port_t mig_get_reply_port(void);
extern void mig_dealloc_reply_port(mach_port_t reply_port);
extern void mig_put_reply_port(mach_port_t reply_port);

/* The page size, its mask and its log2; set when libdserver is loaded. */
extern vm_size_t vm_page_size;
extern vm_size_t vm_page_mask;
extern int vm_page_shift;

#define trunc_page(x) ((x) & (~(vm_page_size - 1)))
#define round_page(x) trunc_page((x) + (vm_page_size - 1))

#ifdef __cplusplus
}
#endif

#endif
