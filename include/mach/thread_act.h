/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Routines of the thread_act subsystem (XNU's thread_act.defs, ids 3600 +
 * n), sent as MIG requests to the thread port `target_act` (docs/MIG.md).
 * When the server cannot be reached they return MACH_SEND_INVALID_DEST.
 *
 * A thread's registers are those of the signal it is handling: while it is
 * inside a signal handler (or stopped by a suspension), thread_get_state()
 * reads the interrupted registers and thread_set_state() changes what the
 * thread resumes with. Outside one, they read as zeros and cannot be set
 * (KERN_FAILURE).
 */
#ifndef _MACH_THREAD_ACT_H_
#define _MACH_THREAD_ACT_H_

#include <mach/exception_types.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* *old_stateCnt: the room in old_state in words on entry, the state's size on exit. */
extern kern_return_t thread_get_state(thread_read_t target_act, thread_state_flavor_t flavor,
				      thread_state_t old_state, mach_msg_type_number_t *old_stateCnt);
extern kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor,
				      thread_state_t new_state, mach_msg_type_number_t new_stateCnt);

/* One more suspension; on another thread, waits until it has stopped. */
extern kern_return_t thread_suspend(thread_read_t target_act);
/* One less; KERN_FAILURE if the thread is not suspended. */
extern kern_return_t thread_resume(thread_read_t target_act);

/* *thread_info_outCnt: the room in words on entry, the size on exit. */
extern kern_return_t thread_info(thread_inspect_t target_act, thread_flavor_t flavor,
				 thread_info_t thread_info_out, mach_msg_type_number_t *thread_info_outCnt);

/* As the task_*_exception_ports routines of <mach/task.h>, for one thread. */
extern kern_return_t thread_set_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
						mach_port_t new_port, exception_behavior_t behavior,
						thread_state_flavor_t new_flavor);
extern kern_return_t thread_get_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
						exception_mask_array_t masks, mach_msg_type_number_t *masksCnt,
						exception_handler_array_t old_handlers,
						exception_behavior_array_t old_behaviors,
						exception_flavor_array_t old_flavors);
extern kern_return_t thread_swap_exception_ports(thread_act_t thread, exception_mask_t exception_mask,
						 mach_port_t new_port, exception_behavior_t behavior,
						 thread_state_flavor_t new_flavor, exception_mask_array_t masks,
						 mach_msg_type_number_t *masksCnt,
						 exception_handler_array_t old_handlers,
						 exception_behavior_array_t old_behaviors,
						 exception_flavor_array_t old_flavors);

#ifdef __cplusplus
}
#endif

#endif
