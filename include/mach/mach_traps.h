/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mach traps: the kernel entry points under the Mach API. In libdserver
 * each is one call to dserver (PROTOCOL.md §4, calls 33-55) with the
 * trap's arguments; out-parameters are written by the server into the
 * caller's memory.
 *
 * When the server cannot be reached: the port-returning traps return
 * MACH_PORT_NULL, mach_msg_trap() and mach_msg_overwrite_trap() return
 * MACH_SEND_INVALID_DEST (sending) or MACH_RCV_INVALID_NAME (receiving
 * only), or MACH_SEND_INTERRUPTED when a signal interrupted the send
 * before anything was sent, and the others return KERN_FAILURE.
 */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <stdint.h>

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/std_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Send rights to the calling task, host and thread; a new user reference each time. */
extern mach_port_name_t task_self_trap(void);
extern mach_port_name_t host_self_trap(void);
extern mach_port_name_t thread_self_trap(void);
/* A new receive right. */
extern mach_port_name_t mach_reply_port(void);
/* The calling thread's special reply port. */
extern mach_port_name_t thread_get_special_reply_port(void);

/* mach_msg() without restarts: an interruption is returned to the caller. */
extern mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option,
				       mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				       mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				       mach_port_name_t notify);
extern mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg,
						 mach_msg_option_t option,
						 mach_msg_size_t send_size,
						 mach_msg_size_t rcv_size,
						 mach_port_name_t rcv_name,
						 mach_msg_timeout_t timeout,
						 mach_msg_priority_t priority,
						 mach_msg_header_t *rcv_msg,
						 mach_msg_size_t rcv_limit);

/*
 * The fast versions of mach_port_* routines. They act on the caller's own
 * space only: for another task they answer MACH_SEND_INVALID_DEST.
 */
extern kern_return_t _kernelrpc_mach_port_allocate_trap(mach_port_name_t target,
							mach_port_right_t right,
							mach_port_name_t *name);
extern kern_return_t _kernelrpc_mach_port_deallocate_trap(mach_port_name_t target,
							  mach_port_name_t name);
extern kern_return_t _kernelrpc_mach_port_mod_refs_trap(mach_port_name_t target,
							mach_port_name_t name,
							mach_port_right_t right,
							mach_port_delta_t delta);
extern kern_return_t _kernelrpc_mach_port_move_member_trap(mach_port_name_t target,
							   mach_port_name_t member,
							   mach_port_name_t after);
extern kern_return_t _kernelrpc_mach_port_insert_right_trap(mach_port_name_t target,
							    mach_port_name_t name,
							    mach_port_name_t poly,
							    mach_msg_type_name_t polyPoly);
extern kern_return_t _kernelrpc_mach_port_insert_member_trap(mach_port_name_t target,
							     mach_port_name_t name,
							     mach_port_name_t pset);
extern kern_return_t _kernelrpc_mach_port_extract_member_trap(mach_port_name_t target,
							      mach_port_name_t name,
							      mach_port_name_t pset);
extern kern_return_t _kernelrpc_mach_port_construct_trap(mach_port_name_t target,
							 mach_port_options_t *options,
							 uint64_t context, mach_port_name_t *name);
extern kern_return_t _kernelrpc_mach_port_destruct_trap(mach_port_name_t target,
							mach_port_name_t name,
							mach_port_delta_t srdelta, uint64_t guard);
extern kern_return_t _kernelrpc_mach_port_guard_trap(mach_port_name_t target,
						     mach_port_name_t name, uint64_t guard,
						     boolean_t strict);
extern kern_return_t _kernelrpc_mach_port_unguard_trap(mach_port_name_t target,
						       mach_port_name_t name, uint64_t guard);
extern kern_return_t _kernelrpc_mach_port_request_notification_trap(
	mach_port_name_t target, mach_port_name_t name, mach_msg_id_t msgid,
	mach_port_mscount_t sync, mach_port_name_t notify, mach_msg_type_name_t notifyPoly,
	mach_port_name_t *previous);
extern kern_return_t _kernelrpc_mach_port_get_attributes_trap(mach_port_name_t target,
							      mach_port_name_t name,
							      mach_port_flavor_t flavor,
							      mach_port_info_t port_info_out,
							      mach_msg_type_number_t *port_info_outCnt);
extern kern_return_t _kernelrpc_mach_port_type_trap(mach_port_name_t target,
						    mach_port_name_t name,
						    mach_port_type_t *ptype);

/* For another task only; libdserver's vm_* calls handle the caller's own. */
extern kern_return_t _kernelrpc_mach_vm_allocate_trap(mach_port_name_t target,
						      mach_vm_offset_t *addr, mach_vm_size_t size,
						      int flags);
extern kern_return_t _kernelrpc_mach_vm_deallocate_trap(mach_port_name_t target,
							mach_vm_address_t address,
							mach_vm_size_t size);

/*
 * A send right to the task of process pid (same user or root only), or to
 * its name port; and the pid of a task. pid is a pid as the caller sees it.
 */
extern kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t);
extern kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid,
				       mach_port_name_t *tn);
extern kern_return_t pid_for_task(mach_port_name_t t, int *x);

#ifdef __cplusplus
}
#endif

#endif
