/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MIG requests and replies for the task, thread_act and host_priv
 * subsystems (mig_server.h), their dispatch by port kind and message id,
 * and the exception-port routines the three share.
 */
#include <string.h>

#include <mach/mig_errors.h>

#include "mig_server.h"

#define TASK_SUBSYSTEM 3400
#define THREAD_ACT_SUBSYSTEM 3600
#define HOST_PRIV_SUBSYSTEM 400
#define SUBSYSTEM_SIZE 100

bool mig_request_is(const struct mig_call *call, uint32_t ports, uint32_t args_size)
{
	const struct ipc_kmsg *k = call->request;

	/* MIG refuses a complex message for a routine without ports, and the reverse. */
	if (!!(k->bits & MACH_MSGH_BITS_COMPLEX) != (ports != 0) || (ports && k->desc_count != ports))
		return false;
	for (uint32_t i = 0; i < ports; i++) {
		if (k->descs[i].type != MACH_MSG_PORT_DESCRIPTOR)
			return false;
	}
	/* MIG sends no NDR record when a routine has no in-values. */
	if (args_size == 0 && k->inline_size == 0)
		return true;
	return k->inline_size == MIG_NDR_SIZE + args_size;
}

uint32_t mig_arg32(const struct mig_call *call, uint32_t offset)
{
	uint32_t v = 0;

	if (offset + 4 <= call->args_size)
		memcpy(&v, call->args + offset, 4);
	return v;
}

struct ipc_port *mig_take_send_right(struct mig_call *call, uint32_t index)
{
	struct kmsg_desc *d = &call->request->descs[index];
	struct ipc_object *object = d->object;

	d->object = NULL;
	if (!IO_VALID(object))
		return NULL;
	if (d->disposition != MACH_MSG_TYPE_PORT_SEND) {
		/* Not the send right the routine takes (MIG would refuse it): it is dropped. */
		ipc_object_destroy(object, d->disposition);
		return NULL;
	}
	return ipc_port_of(object);
}

static struct ipc_kmsg *reply_alloc(struct mig_call *call, uint32_t inline_size, uint32_t descs)
{
	struct ipc_kmsg *request = call->request;

	if (!IO_VALID(request->reply))
		return NULL;
	struct ipc_kmsg *reply = ipc_kmsg_alloc(inline_size, descs);

	if (!reply)
		return NULL;
	reply->dest = ipc_port_of(request->reply);
	reply->bits = MACH_MSGH_BITS(MACH_MSGH_BITS_LOCAL(request->bits), 0);
	reply->id = request->id + MIG_REPLY_ID_OFFSET;
	reply->kernel_sent = true;
	request->reply = NULL;
	/* A reply of descriptors alone has no NDR record. */
	if (inline_size >= MIG_NDR_SIZE)
		memcpy(reply->inline_data, ipc_ndr_record, MIG_NDR_SIZE);
	return reply;
}

static uint8_t *simple_reply(struct mig_call *call, kern_return_t kr, uint32_t out_size)
{
	call->reply = reply_alloc(call, MIG_NDR_SIZE + 4 + out_size, 0);
	if (!call->reply)
		return NULL;
	memcpy(call->reply->inline_data + MIG_NDR_SIZE, &kr, 4);
	return call->reply->inline_data + MIG_NDR_SIZE + 4;
}

uint8_t *mig_reply_simple(struct mig_call *call, uint32_t out_size)
{
	return simple_reply(call, KERN_SUCCESS, out_size);
}

struct ipc_kmsg *mig_reply_complex(struct mig_call *call, uint32_t descs, uint32_t inline_size)
{
	call->reply = reply_alloc(call, inline_size, descs);
	if (call->reply)
		call->reply->bits |= MACH_MSGH_BITS_COMPLEX;
	return call->reply;
}

void mig_call_finish(struct mig_call *call, kern_return_t kr)
{
	if (kr != KERN_SUCCESS && kr != MIG_NO_REPLY) {
		if (call->reply)
			ipc_kmsg_destroy(call->reply);
		call->reply = NULL;
		simple_reply(call, kr, 0); /* mig_reply_error_t */
	}
	ipc_kmsg_destroy(call->request);
	if (call->reply)
		ipc_kmsg_send_kernel(call->reply);
}

/*
 * get/swap reply: 32 port descriptors (MIG sends them all, unused ones
 * null), then NDR, the count, and count masks, behaviors and flavors.
 */
#define EXC_PORTS_REPLY_DESCS 32

static void reply_exception_ports(struct mig_call *call, struct exception_port_list *old)
{
	uint32_t n = old->count;
	struct ipc_kmsg *reply = mig_reply_complex(call, EXC_PORTS_REPLY_DESCS, MIG_NDR_SIZE + 4 + 12 * n);

	for (uint32_t i = 0; i < n; i++) {
		struct ipc_port *port = old->ports[i];

		if (!port)
			continue;
		if (reply && port->active) {
			reply->descs[i].object = &port->object;
			continue;
		}
		/* A handler whose receiver died is reported as MACH_PORT_DEAD, as XNU does. */
		ipc_port_release_send(port);
		if (reply)
			reply->descs[i].object = IO_DEAD;
	}
	if (!reply)
		return;
	for (uint32_t i = 0; i < EXC_PORTS_REPLY_DESCS; i++) {
		reply->descs[i].type = MACH_MSG_PORT_DESCRIPTOR;
		reply->descs[i].disposition = MACH_MSG_TYPE_PORT_SEND;
	}
	uint8_t *out = reply->inline_data + MIG_NDR_SIZE;

	memcpy(out, &n, 4);
	memcpy(out + 4, old->masks, 4 * n);
	memcpy(out + 4 + 4 * n, old->behaviors, 4 * n);
	memcpy(out + 4 + 8 * n, old->flavors, 4 * n);
}

kern_return_t mig_exception_ports(struct mig_call *call, struct exception_action *actions,
				  enum exception_ports_routine routine)
{
	struct exception_port_list old;
	exception_mask_t mask = mig_arg32(call, 0);

	if (routine == EXC_PORTS_GET) {
		if (!mig_request_is(call, 0, 4))
			return MIG_BAD_ARGUMENTS;
		if (!actions)
			return KERN_INVALID_ARGUMENT;
		if (mask & ~EXC_MASK_VALID)
			return KERN_INVALID_ARGUMENT;
		exception_ports_get(actions, mask, &old);
		reply_exception_ports(call, &old);
		return KERN_SUCCESS;
	}
	if (!mig_request_is(call, 1, 12))
		return MIG_BAD_ARGUMENTS;
	if (!actions)
		return KERN_INVALID_ARGUMENT;
	exception_behavior_t behavior = (exception_behavior_t)mig_arg32(call, 4);
	thread_state_flavor_t flavor = (thread_state_flavor_t)mig_arg32(call, 8);
	struct ipc_port *port = mig_take_send_right(call, 0);
	kern_return_t kr = exception_ports_check(mask, port, behavior, flavor);

	if (kr != KERN_SUCCESS) {
		if (port)
			ipc_port_release_send(port);
		return kr;
	}
	if (routine == EXC_PORTS_SWAP)
		exception_ports_get(actions, mask, &old);
	exception_ports_set(actions, mask, port, behavior, flavor);
	if (routine == EXC_PORTS_SWAP) {
		reply_exception_ports(call, &old);
		return KERN_SUCCESS;
	}
	mig_reply_simple(call, 0);
	return KERN_SUCCESS;
}

bool mig_subsystems_server(struct ipc_kmsg *kmsg, struct xnu_thread *sender)
{
	struct ipc_port *port = kmsg->dest;
	struct mig_call call = { .request = kmsg, .sender = sender };
	kern_return_t kr;

	if (port->kotype == IKOT_EXCEPTION_REPLY) {
		exception_reply_arrived(kmsg);
		return true;
	}
	int base = port->kotype == IKOT_TASK ? TASK_SUBSYSTEM
		   : port->kotype == IKOT_THREAD ? THREAD_ACT_SUBSYSTEM
		   : port->kotype == IKOT_HOST ? HOST_PRIV_SUBSYSTEM
					       : -1;

	if (base < 0 || kmsg->id < base || kmsg->id >= base + SUBSYSTEM_SIZE)
		return false;
	port->seqno++;
	call.routine = kmsg->id - base;
	if (kmsg->inline_size >= MIG_NDR_SIZE) {
		call.args = kmsg->inline_data + MIG_NDR_SIZE;
		call.args_size = kmsg->inline_size - MIG_NDR_SIZE;
	}
	switch (port->kotype) {
	case IKOT_TASK: {
		struct xnu_task *task = convert_port_to_task(port);

		kr = task_server(&call, task && task->active ? task : NULL);
		break;
	}
	case IKOT_THREAD:
		kr = thread_act_server(&call, convert_port_to_thread(port));
		break;
	default:
		kr = host_priv_server(&call);
		break;
	}
	mig_call_finish(&call, kr);
	return true;
}
