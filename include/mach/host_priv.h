/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The exception-port routines of the host_priv subsystem (XNU's
 * host_priv.defs, ids 400 + n), sent as MIG requests to the host port
 * (mach_host_self(): dserver has one host port, which serves as the
 * privileged one). The host's handlers are tried after the thread's and
 * the task's, for every task. When the server cannot be reached they return
 * MACH_SEND_INVALID_DEST.
 */
#ifndef _MACH_HOST_PRIV_H_
#define _MACH_HOST_PRIV_H_

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

/* As the task_*_exception_ports routines of <mach/task.h>. */
extern kern_return_t host_set_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
					      mach_port_t new_port, exception_behavior_t behavior,
					      thread_state_flavor_t new_flavor);
extern kern_return_t host_get_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
					      exception_mask_array_t masks, mach_msg_type_number_t *masksCnt,
					      exception_handler_array_t old_handlers,
					      exception_behavior_array_t old_behaviors,
					      exception_flavor_array_t old_flavors);
extern kern_return_t host_swap_exception_ports(host_priv_t host_priv, exception_mask_t exception_mask,
					       mach_port_t new_port, exception_behavior_t behavior,
					       thread_state_flavor_t new_flavor, exception_mask_array_t masks,
					       mach_msg_type_number_t *masksCnt,
					       exception_handler_array_t old_handlerss,
					       exception_behavior_array_t old_behaviors,
					       exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif
