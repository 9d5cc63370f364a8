/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The task subsystem (XNU's task.defs, 3400) on task ports: the routines
 * a debugger needs (the task's threads, suspension, exception ports).
 * Others answer MIG_BAD_ID.
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mig_errors.h>

#include "mig_server.h"

enum task_routine {
	TASK_THREADS = 2,
	TASK_SUSPEND = 7,
	TASK_RESUME = 8,
	TASK_SET_EXCEPTION_PORTS = 13,
	TASK_GET_EXCEPTION_PORTS = 14,
	TASK_SWAP_EXCEPTION_PORTS = 15,
};

/* Send rights to the task's threads, oldest first, out of line; then NDR and the count. */
static kern_return_t task_threads(struct mig_call *call, struct xnu_task *task)
{
	uint32_t count = 0, i;

	for (struct xnu_thread *t = task->threads; t; t = t->task_next)
		count += t->active && t->self_port;
	struct ipc_object **ports = count ? calloc(count, sizeof(*ports)) : NULL;

	if (count && !ports)
		return KERN_RESOURCE_SHORTAGE;
	struct ipc_kmsg *reply = mig_reply_complex(call, 1, MIG_NDR_SIZE + 4);

	if (!reply) {
		free(ports);
		return KERN_SUCCESS; /* nobody to answer */
	}
	/* The list holds the newest first. */
	i = count;
	for (struct xnu_thread *t = task->threads; t; t = t->task_next) {
		if (!t->active || !t->self_port)
			continue;
		ipc_port_make_send(t->self_port);
		ports[--i] = &t->self_port->object;
	}
	reply->descs[0].type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	reply->descs[0].disposition = MACH_MSG_TYPE_PORT_SEND;
	reply->descs[0].ports.objects = ports;
	reply->descs[0].ports.count = count;
	memcpy(reply->inline_data + MIG_NDR_SIZE, &count, 4);
	return KERN_SUCCESS;
}

kern_return_t task_server(struct mig_call *call, struct xnu_task *task)
{
	kern_return_t kr;

	switch (call->routine) {
	case TASK_THREADS:
		if (!mig_request_is(call, 0, 0))
			return MIG_BAD_ARGUMENTS;
		return task ? task_threads(call, task) : KERN_INVALID_ARGUMENT;
	case TASK_SUSPEND:
	case TASK_RESUME:
		if (!mig_request_is(call, 0, 0))
			return MIG_BAD_ARGUMENTS;
		if (!task)
			return KERN_INVALID_ARGUMENT;
		kr = call->routine == TASK_SUSPEND ? suspend_task(task, call->sender) : resume_task(task);
		if (kr == KERN_SUCCESS)
			mig_reply_simple(call, 0);
		return kr;
	case TASK_SET_EXCEPTION_PORTS:
		return mig_exception_ports(call, task ? task->exc_actions : NULL, EXC_PORTS_SET);
	case TASK_GET_EXCEPTION_PORTS:
		return mig_exception_ports(call, task ? task->exc_actions : NULL, EXC_PORTS_GET);
	case TASK_SWAP_EXCEPTION_PORTS:
		return mig_exception_ports(call, task ? task->exc_actions : NULL, EXC_PORTS_SWAP);
	default:
		return MIG_BAD_ID;
	}
}
