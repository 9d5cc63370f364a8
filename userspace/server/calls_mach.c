/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mach IPC calls (33–55): unpack the request, run the trap in xnu/,
 * copy the out-parameters to the client. A copy that faults is
 * KERN_MEMORY_ERROR and, as in XNU, does not undo the operation.
 */
#include <errno.h>
#include <string.h>

#include <mach/kern_return.h>

#include "call.h"
#include "client_memory.h"
#include "xnu/xnu.h"

#define MACH_PORT_OPTIONS_SIZE 24 /* mach_port_options_t, the same for every client */

#define MACH_HANDLERS(X)                                                                         \
	X(task_self_trap) X(host_self_trap) X(thread_self_trap) X(mach_reply_port)                 \
	X(thread_get_special_reply_port) X(mach_msg_overwrite) X(mach_port_deallocate)             \
	X(mach_port_allocate) X(mach_port_mod_refs) X(mach_port_move_member)                       \
	X(mach_port_insert_right) X(mach_port_insert_member) X(mach_port_extract_member)           \
	X(mach_port_construct) X(mach_port_destruct) X(mach_port_guard) X(mach_port_unguard)       \
	X(mach_port_request_notification) X(mach_port_get_attributes) X(mach_port_type)           \
	X(task_for_pid) X(task_name_for_pid) X(pid_for_task) X(tid_for_thread)
#define DECLARE(name) void dserver_handle_##name(struct call *call);
MACH_HANDLERS(DECLARE)

static struct xnu_thread *caller(const struct call *call)
{
	return call->thread->xnu;
}

/* Write a 32-bit out-parameter; a fault turns success into KERN_MEMORY_ERROR. */
static int32_t out32(struct call *call, int32_t kr, uint64_t address, uint32_t value)
{
	if (copyout(call->process, address, &value, sizeof(value)) != 0 && kr == KERN_SUCCESS)
		return KERN_MEMORY_ERROR;
	return kr;
}

/* Write out only on success (the out-parameter is untouched otherwise). */
static int32_t out32_on_success(struct call *call, int32_t kr, uint64_t address, uint32_t value)
{
	return kr == KERN_SUCCESS ? out32(call, kr, address, value) : kr;
}

#define SELF_TRAP(name)                                                              \
	void dserver_handle_##name(struct call *call)                                \
	{                                                                            \
		CALL_REPLY(call, name)->port_name = xnu_##name(caller(call));        \
	}
SELF_TRAP(task_self_trap)
SELF_TRAP(host_self_trap)
SELF_TRAP(thread_self_trap)
SELF_TRAP(mach_reply_port)
SELF_TRAP(thread_get_special_reply_port)

void dserver_handle_mach_msg_overwrite(struct call *call)
{
	const struct dserver_rpc_mach_msg_overwrite_request *rq = CALL_REQUEST(call, mach_msg_overwrite);

	/* A receive that waits does not return here: the reply is sent through host_thread_return. */
	call->reply.header.code = xnu_mach_msg_overwrite(caller(call), rq->msg, rq->option, rq->send_size,
							 rq->rcv_size, rq->rcv_name, rq->timeout, rq->priority,
							 rq->rcv_msg);
}

void dserver_handle_mach_port_deallocate(struct call *call)
{
	const struct dserver_rpc_mach_port_deallocate_request *rq = CALL_REQUEST(call, mach_port_deallocate);

	call->reply.header.code = xnu_mach_port_deallocate(caller(call), rq->target, rq->name);
}

void dserver_handle_mach_port_allocate(struct call *call)
{
	const struct dserver_rpc_mach_port_allocate_request *rq = CALL_REQUEST(call, mach_port_allocate);
	uint32_t name = 0;
	int32_t kr = xnu_mach_port_allocate(caller(call), rq->target, (uint32_t)rq->right, &name);

	call->reply.header.code = out32_on_success(call, kr, rq->name, name);
}

void dserver_handle_mach_port_mod_refs(struct call *call)
{
	const struct dserver_rpc_mach_port_mod_refs_request *rq = CALL_REQUEST(call, mach_port_mod_refs);

	call->reply.header.code =
		xnu_mach_port_mod_refs(caller(call), rq->target, rq->name, (uint32_t)rq->right, rq->delta);
}

void dserver_handle_mach_port_move_member(struct call *call)
{
	const struct dserver_rpc_mach_port_move_member_request *rq = CALL_REQUEST(call, mach_port_move_member);

	call->reply.header.code = xnu_mach_port_move_member(caller(call), rq->target, rq->member, rq->after);
}

void dserver_handle_mach_port_insert_right(struct call *call)
{
	const struct dserver_rpc_mach_port_insert_right_request *rq = CALL_REQUEST(call, mach_port_insert_right);

	call->reply.header.code =
		xnu_mach_port_insert_right(caller(call), rq->target, rq->name, rq->poly, (uint32_t)rq->polyPoly);
}

void dserver_handle_mach_port_insert_member(struct call *call)
{
	const struct dserver_rpc_mach_port_insert_member_request *rq = CALL_REQUEST(call, mach_port_insert_member);

	call->reply.header.code = xnu_mach_port_insert_member(caller(call), rq->target, rq->name, rq->pset);
}

void dserver_handle_mach_port_extract_member(struct call *call)
{
	const struct dserver_rpc_mach_port_extract_member_request *rq =
		CALL_REQUEST(call, mach_port_extract_member);

	call->reply.header.code = xnu_mach_port_extract_member(caller(call), rq->target, rq->name, rq->pset);
}

void dserver_handle_mach_port_construct(struct call *call)
{
	const struct dserver_rpc_mach_port_construct_request *rq = CALL_REQUEST(call, mach_port_construct);
	unsigned char options[MACH_PORT_OPTIONS_SIZE];
	uint32_t name = 0;

	if (copyin(call->process, rq->options, options, sizeof(options)) != 0) {
		call->reply.header.code = KERN_MEMORY_ERROR;
		return;
	}
	int32_t kr = xnu_mach_port_construct(caller(call), rq->target, options, rq->context, &name);

	call->reply.header.code = out32_on_success(call, kr, rq->name, name);
}

void dserver_handle_mach_port_destruct(struct call *call)
{
	const struct dserver_rpc_mach_port_destruct_request *rq = CALL_REQUEST(call, mach_port_destruct);

	call->reply.header.code = xnu_mach_port_destruct(caller(call), rq->target, rq->name, rq->srdelta, rq->guard);
}

void dserver_handle_mach_port_guard(struct call *call)
{
	const struct dserver_rpc_mach_port_guard_request *rq = CALL_REQUEST(call, mach_port_guard);

	call->reply.header.code = xnu_mach_port_guard(caller(call), rq->target, rq->name, rq->guard, rq->strict);
}

void dserver_handle_mach_port_unguard(struct call *call)
{
	const struct dserver_rpc_mach_port_unguard_request *rq = CALL_REQUEST(call, mach_port_unguard);

	call->reply.header.code = xnu_mach_port_unguard(caller(call), rq->target, rq->name, rq->guard);
}

void dserver_handle_mach_port_request_notification(struct call *call)
{
	const struct dserver_rpc_mach_port_request_notification_request *rq =
		CALL_REQUEST(call, mach_port_request_notification);
	uint32_t previous = 0;
	int32_t kr = xnu_mach_port_request_notification(caller(call), rq->target, rq->name, rq->msgid, rq->sync,
							rq->notify, rq->notifyPoly, &previous);

	call->reply.header.code = out32_on_success(call, kr, rq->previous, previous);
}

void dserver_handle_mach_port_get_attributes(struct call *call)
{
	const struct dserver_rpc_mach_port_get_attributes_request *rq =
		CALL_REQUEST(call, mach_port_get_attributes);
	uint32_t info[XNU_PORT_INFO_MAX];
	uint32_t count;

	if (copyin(call->process, rq->count, &count, sizeof(count)) != 0) {
		call->reply.header.code = KERN_MEMORY_ERROR;
		return;
	}
	int32_t kr = xnu_mach_port_get_attributes(caller(call), rq->target, rq->name, rq->flavor, info, &count);

	if (kr == KERN_SUCCESS && (copyout(call->process, rq->count, &count, sizeof(count)) != 0 ||
				   copyout(call->process, rq->info, info, count * sizeof(*info)) != 0))
		kr = KERN_MEMORY_ERROR;
	call->reply.header.code = kr;
}

void dserver_handle_mach_port_type(struct call *call)
{
	const struct dserver_rpc_mach_port_type_request *rq = CALL_REQUEST(call, mach_port_type);
	uint32_t type = 0;
	int32_t kr = xnu_mach_port_type(caller(call), rq->target, rq->name, &type);

	call->reply.header.code = out32_on_success(call, kr, rq->ptype, type);
}

/* task_for_pid is for the same user or root (DESIGN "Identity and security"). */
static struct xnu_task *permitted_task(const struct call *call, int32_t pid)
{
	struct process *target = pid > 0 ? registry_process(pid) : NULL;

	if (!target || target->dead || !target->xnu)
		return NULL;
	if (call->cred.uid != 0 && call->cred.uid != target->linux_uid)
		return NULL;
	return target->xnu;
}

static void task_for_pid_common(struct call *call, uint32_t target_tport, int32_t pid, uint64_t out, bool name_only)
{
	uint32_t name = 0;
	int32_t kr = xnu_task_for_pid(caller(call), target_tport, permitted_task(call, pid), name_only, &name);

	/* XNU writes the name (MACH_PORT_NULL on failure) whatever happened. */
	kr = out32(call, kr, out, name);
	call->reply.header.code = kr;
}

void dserver_handle_task_for_pid(struct call *call)
{
	const struct dserver_rpc_task_for_pid_request *rq = CALL_REQUEST(call, task_for_pid);

	task_for_pid_common(call, rq->target_tport, rq->pid, rq->t, false);
}

void dserver_handle_task_name_for_pid(struct call *call)
{
	const struct dserver_rpc_task_name_for_pid_request *rq = CALL_REQUEST(call, task_name_for_pid);

	task_for_pid_common(call, rq->target_tport, rq->pid, rq->t, true);
}

void dserver_handle_pid_for_task(struct call *call)
{
	const struct dserver_rpc_pid_for_task_request *rq = CALL_REQUEST(call, pid_for_task);
	int32_t pid = -1;
	int32_t kr = xnu_pid_for_task(caller(call), rq->t, &pid);

	call->reply.header.code = out32(call, kr, rq->pid, (uint32_t)pid);
}

/* Not an XNU trap: a plain call whose failure is positive ESRCH (§6.2). */
void dserver_handle_tid_for_thread(struct call *call)
{
	const struct dserver_rpc_tid_for_thread_request *rq = CALL_REQUEST(call, tid_for_thread);
	int32_t tid;

	if (xnu_tid_for_thread(caller(call), rq->thread, &tid) != KERN_SUCCESS) {
		call->reply.header.code = ESRCH;
		return;
	}
	CALL_REPLY(call, tid_for_thread)->tid = tid;
}
