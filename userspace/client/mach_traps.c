/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mach traps, one protocol call each (PROTOCOL.md §4, calls 33-57).
 * The server writes out-parameters straight into the caller's memory, so
 * pointers travel as addresses. What a trap returns when the transport
 * fails (a negative errno from the stub) is chosen so that callers written
 * for XNU react sensibly; <mach/mach_traps.h> lists the choices.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <dserver/rpc.h>

#include "mach_api.h"
#include "mach_msg_inline.h"
#include "rpc_transport.h"

/* Calls 33-37 answer 0 and a name; the real traps answer MACH_PORT_NULL when they fail. */
static mach_port_name_t port_trap(int (*call)(uint32_t *name))
{
	uint32_t name = MACH_PORT_NULL;

	return call(&name) == 0 ? name : MACH_PORT_NULL;
}

/* An X call's code; the server never sends a negative one (§5.5). */
static kern_return_t kern_code(int code)
{
	return code < 0 ? KERN_FAILURE : code;
}

mach_port_name_t task_self_trap(void)
{
	return port_trap(dserver_rpc_task_self_trap);
}

mach_port_name_t host_self_trap(void)
{
	return port_trap(dserver_rpc_host_self_trap);
}

mach_port_name_t thread_self_trap(void)
{
	return port_trap(dserver_rpc_thread_self_trap);
}

mach_port_name_t mach_reply_port(void)
{
	return port_trap(dserver_rpc_mach_reply_port);
}

mach_port_name_t thread_get_special_reply_port(void)
{
	return port_trap(dserver_rpc_thread_get_special_reply_port);
}

mach_msg_return_t mach_msg_overwrite_trap(mach_msg_header_t *msg, mach_msg_option_t option,
					  mach_msg_size_t send_size, mach_msg_size_t rcv_size,
					  mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
					  mach_msg_priority_t priority, mach_msg_header_t *rcv_msg,
					  mach_msg_size_t rcv_limit)
{
	bool sends = option & MACH_SEND_MSG;
	int code;

	(void)rcv_limit; /* not an argument of the trap, in XNU either */
	code = -E2BIG;
	if (dserver_rpc_server_has_extensions())
		code = mach_msg_inline_trap(msg, option, send_size, rcv_size, rcv_name, timeout, priority, rcv_msg);
	if (code == -E2BIG || code == -EFAULT)
		code = dserver_rpc_mach_msg_overwrite((uintptr_t)msg, option, send_size, rcv_size,
						      rcv_name, timeout, priority, (uintptr_t)rcv_msg);
	if (code >= 0)
		return code;
	if (code == -EREMOTEIO)
		return MACH_RCV_INVALID_DATA;
	/* A signal came before the request left: nothing happened yet. */
	if (code == -EINTR)
		return sends ? MACH_SEND_INTERRUPTED : MACH_RCV_INTERRUPTED;
	return sends ? MACH_SEND_INVALID_DEST : MACH_RCV_INVALID_NAME;
}

mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option,
				mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				mach_port_name_t notify)
{
	return mach_msg_overwrite_trap(msg, option, send_size, rcv_size, rcv_name, timeout,
				       notify, NULL, 0);
}

kern_return_t _kernelrpc_mach_port_allocate_trap(mach_port_name_t target, mach_port_right_t right,
						 mach_port_name_t *name)
{
	return kern_code(dserver_rpc_mach_port_allocate(target, right, (uintptr_t)name));
}

kern_return_t _kernelrpc_mach_port_deallocate_trap(mach_port_name_t target, mach_port_name_t name)
{
	return kern_code(dserver_rpc_mach_port_deallocate(target, name));
}

kern_return_t _kernelrpc_mach_port_mod_refs_trap(mach_port_name_t target, mach_port_name_t name,
						 mach_port_right_t right, mach_port_delta_t delta)
{
	return kern_code(dserver_rpc_mach_port_mod_refs(target, name, right, delta));
}

kern_return_t _kernelrpc_mach_port_move_member_trap(mach_port_name_t target,
						    mach_port_name_t member,
						    mach_port_name_t after)
{
	return kern_code(dserver_rpc_mach_port_move_member(target, member, after));
}

kern_return_t _kernelrpc_mach_port_insert_right_trap(mach_port_name_t target,
						     mach_port_name_t name, mach_port_name_t poly,
						     mach_msg_type_name_t polyPoly)
{
	return kern_code(dserver_rpc_mach_port_insert_right(target, name, poly, polyPoly));
}

kern_return_t _kernelrpc_mach_port_insert_member_trap(mach_port_name_t target,
						      mach_port_name_t name, mach_port_name_t pset)
{
	return kern_code(dserver_rpc_mach_port_insert_member(target, name, pset));
}

kern_return_t _kernelrpc_mach_port_extract_member_trap(mach_port_name_t target,
						       mach_port_name_t name, mach_port_name_t pset)
{
	return kern_code(dserver_rpc_mach_port_extract_member(target, name, pset));
}

kern_return_t _kernelrpc_mach_port_construct_trap(mach_port_name_t target,
						  mach_port_options_t *options, uint64_t context,
						  mach_port_name_t *name)
{
	return kern_code(dserver_rpc_mach_port_construct(target, (uintptr_t)options, context,
							 (uintptr_t)name));
}

kern_return_t _kernelrpc_mach_port_destruct_trap(mach_port_name_t target, mach_port_name_t name,
						 mach_port_delta_t srdelta, uint64_t guard)
{
	return kern_code(dserver_rpc_mach_port_destruct(target, name, srdelta, guard));
}

kern_return_t _kernelrpc_mach_port_guard_trap(mach_port_name_t target, mach_port_name_t name,
					      uint64_t guard, boolean_t strict)
{
	return kern_code(dserver_rpc_mach_port_guard(target, name, guard, strict != 0));
}

kern_return_t _kernelrpc_mach_port_unguard_trap(mach_port_name_t target, mach_port_name_t name,
						uint64_t guard)
{
	return kern_code(dserver_rpc_mach_port_unguard(target, name, guard));
}

kern_return_t _kernelrpc_mach_port_request_notification_trap(
	mach_port_name_t target, mach_port_name_t name, mach_msg_id_t msgid,
	mach_port_mscount_t sync, mach_port_name_t notify, mach_msg_type_name_t notifyPoly,
	mach_port_name_t *previous)
{
	return kern_code(dserver_rpc_mach_port_request_notification(
		target, name, msgid, sync, notify, notifyPoly, (uintptr_t)previous));
}

kern_return_t _kernelrpc_mach_port_get_attributes_trap(mach_port_name_t target,
						       mach_port_name_t name,
						       mach_port_flavor_t flavor,
						       mach_port_info_t port_info_out,
						       mach_msg_type_number_t *port_info_outCnt)
{
	return kern_code(dserver_rpc_mach_port_get_attributes(target, name, flavor,
							      (uintptr_t)port_info_out,
							      (uintptr_t)port_info_outCnt));
}

kern_return_t _kernelrpc_mach_port_type_trap(mach_port_name_t target, mach_port_name_t name,
					     mach_port_type_t *ptype)
{
	return kern_code(dserver_rpc_mach_port_type(target, name, (uintptr_t)ptype));
}

kern_return_t _kernelrpc_mach_vm_allocate_trap(mach_port_name_t target, mach_vm_offset_t *addr,
					       mach_vm_size_t size, int flags)
{
	return kern_code(dserver_rpc_mach_vm_allocate(target, (uintptr_t)addr, size, flags));
}

kern_return_t _kernelrpc_mach_vm_deallocate_trap(mach_port_name_t target,
						 mach_vm_address_t address, mach_vm_size_t size)
{
	return kern_code(dserver_rpc_mach_vm_deallocate(target, address, size));
}

kern_return_t task_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *t)
{
	return kern_code(dserver_rpc_task_for_pid(target_tport, pid, (uintptr_t)t));
}

kern_return_t task_name_for_pid(mach_port_name_t target_tport, int pid, mach_port_name_t *tn)
{
	return kern_code(dserver_rpc_task_name_for_pid(target_tport, pid, (uintptr_t)tn));
}

kern_return_t pid_for_task(mach_port_name_t t, int *x)
{
	return kern_code(dserver_rpc_pid_for_task(t, (uintptr_t)x));
}
