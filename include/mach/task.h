/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Routines of the task subsystem (XNU's task.defs, ids 3400 + n), sent as
 * MIG requests to the task port `task` (docs/MIG.md). When the server
 * cannot be reached they return MACH_SEND_INVALID_DEST.
 */
#ifndef _MACH_TASK_H_
#define _MACH_TASK_H_

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The task's threads: a send right to each, in an array mapped in the
 * caller's address space (release it with vm_deallocate(mach_task_self(),
 * address, count * sizeof(thread_act_t)), and the rights with
 * mach_port_deallocate()).
 */
extern kern_return_t task_threads(task_inspect_t target_task, thread_act_array_t *act_list,
				  mach_msg_type_number_t *act_listCnt);

/* One more suspension of every thread of the task; waits until the others have stopped. */
extern kern_return_t task_suspend(task_read_t target_task);
/* One less; KERN_FAILURE if the task is not suspended. */
extern kern_return_t task_resume(task_read_t target_task);

/*
 * The exception port (a send right, copied), behavior and thread-state
 * flavor for each exception type in exception_mask. new_port may be
 * MACH_PORT_NULL, which removes the handler.
 */
extern kern_return_t task_set_exception_ports(task_t task, exception_mask_t exception_mask,
					      mach_port_t new_port, exception_behavior_t behavior,
					      thread_state_flavor_t new_flavor);
/*
 * The handlers for the types in exception_mask, one entry per distinct
 * (port, behavior, flavor) with the mask of the types it serves. *masksCnt:
 * the room in the four arrays on entry (at most EXC_TYPES_COUNT entries can
 * come back), the number of entries on exit. The ports are new send rights.
 */
extern kern_return_t task_get_exception_ports(task_t task, exception_mask_t exception_mask,
					      exception_mask_array_t masks, mach_msg_type_number_t *masksCnt,
					      exception_handler_array_t old_handlers,
					      exception_behavior_array_t old_behaviors,
					      exception_flavor_array_t old_flavors);
/* Both at once: the handlers before the change. */
extern kern_return_t task_swap_exception_ports(task_t task, exception_mask_t exception_mask,
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
