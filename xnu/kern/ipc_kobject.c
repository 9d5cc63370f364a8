/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Messages to kernel-object ports, served at once in MIG's formats. A task
 * port serves the mach_port subsystem (3200) on that task's space; any
 * other request gets MIG_BAD_ID.
 *
 * Layouts (MIG, 4-byte packing): request = header [+ count + descriptors]
 * + NDR + arguments; simple reply = header + NDR + RetCode + outputs;
 * complex reply = header + count + descriptors [+ NDR + counts]; an error
 * is always the 36-byte mig_reply_error_t.
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mig_errors.h>

#include "../ipc/ipc_kmsg.h"
#include "../ipc/mach_port.h"
#include "kern_internal.h"
#include "mig_server.h"

#define MACH_PORT_SUBSYSTEM 3200
#define NDR_SIZE IPC_NDR_SIZE

/* A mach_port request: the MIG call, and the space the task port stands for. */
struct mig_request {
	struct mig_call call;
	struct xnu_task *task;
	struct ipc_space *space;
};

static uint32_t arg32(const struct mig_request *rq, uint32_t offset)
{
	return mig_arg32(&rq->call, offset);
}

static uint64_t arg64(const struct mig_request *rq, uint32_t offset)
{
	uint64_t v = 0;

	if (offset + 8 <= rq->call.args_size)
		memcpy(&v, rq->call.args + offset, 8);
	return v;
}

static kern_return_t reply_u32(struct mig_request *rq, kern_return_t kr, uint32_t value)
{
	if (kr != KERN_SUCCESS)
		return kr;
	uint8_t *out = mig_reply_simple(&rq->call, 4);

	if (out)
		memcpy(out, &value, 4);
	return KERN_SUCCESS;
}

static kern_return_t reply_none(struct mig_request *rq, kern_return_t kr)
{
	if (kr == KERN_SUCCESS)
		mig_reply_simple(&rq->call, 0);
	return kr;
}

/* A reply carrying OOL arrays (each count words) and then NDR + the counts. */
static kern_return_t reply_ool_arrays(struct mig_request *rq, uint32_t **arrays, uint32_t narrays, uint32_t count)
{
	struct ipc_kmsg *reply = mig_reply_complex(&rq->call, narrays, NDR_SIZE + 4 * narrays);

	if (!reply) {
		for (uint32_t i = 0; i < narrays; i++)
			free(arrays[i]);
		return KERN_SUCCESS;
	}
	for (uint32_t i = 0; i < narrays; i++) {
		struct kmsg_desc *d = &reply->descs[i];

		d->type = MACH_MSG_OOL_DESCRIPTOR;
		d->copy = MACH_MSG_VIRTUAL_COPY;
		d->deallocate = true; /* the receiver owns the memory */
		d->ool.size = (uint64_t)count * 4;
		if (count) {
			d->ool.data = arrays[i];
		} else {
			free(arrays[i]);
		}
		memcpy(reply->inline_data + NDR_SIZE + 4 * i, &count, 4);
	}
	return KERN_SUCCESS;
}

/* A complex reply with one port descriptor. */
static kern_return_t reply_port(struct mig_request *rq, struct ipc_object *object, mach_msg_type_name_t type)
{
	struct ipc_kmsg *reply = mig_reply_complex(&rq->call, 1, 0);

	if (!reply) {
		if (IO_VALID(object))
			ipc_object_destroy(object, type);
		return KERN_SUCCESS;
	}
	reply->descs[0].type = MACH_MSG_PORT_DESCRIPTOR;
	reply->descs[0].disposition = (uint8_t)type;
	reply->descs[0].object = object;
	return KERN_SUCCESS;
}

/* The request's port descriptor, taken out of the request. */
static struct ipc_object *take_port(struct mig_request *rq, mach_msg_type_name_t *type)
{
	struct ipc_kmsg *k = rq->call.request;

	if (!(k->bits & MACH_MSGH_BITS_COMPLEX) || k->desc_count != 1 || k->descs[0].type != MACH_MSG_PORT_DESCRIPTOR)
		return NULL;
	struct ipc_object *object = k->descs[0].object;

	*type = k->descs[0].disposition;
	k->descs[0].object = NULL;
	return object;
}

/* A simple request with exactly args_size bytes of arguments. */
static bool is_simple(const struct mig_request *rq, uint32_t args_size)
{
	return mig_request_is(&rq->call, 0, args_size);
}

static kern_return_t serve_mach_port(struct mig_request *rq, int routine)
{
	struct ipc_space *space = rq->space;
	kern_return_t kr;
	uint32_t value;

	switch (routine) {
	case 0: { /* mach_port_names */
		mach_port_name_t *names;
		mach_port_type_t *types;
		uint32_t count;

		if (!is_simple(rq, 0))
			return MIG_BAD_ARGUMENTS;
		if ((kr = mach_port_names(space, &names, &types, &count)) != KERN_SUCCESS)
			return kr;
		uint32_t *arrays[2] = { names, types };

		return reply_ool_arrays(rq, arrays, 2, count);
	}
	case 1: /* mach_port_type */
		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		kr = mach_port_type(space, arg32(rq, 0), &value);
		return reply_u32(rq, kr, value);
	case 3: /* mach_port_allocate_name */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_allocate_name(space, arg32(rq, 0), arg32(rq, 4)));
	case 4: /* mach_port_allocate */
		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		kr = mach_port_allocate(space, arg32(rq, 0), &value);
		return reply_u32(rq, kr, value);
	case 5: /* mach_port_destroy */
		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_destroy(space, arg32(rq, 0)));
	case 6: /* mach_port_deallocate */
		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_deallocate(space, arg32(rq, 0)));
	case 7: /* mach_port_get_refs */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		kr = mach_port_get_refs(space, arg32(rq, 0), arg32(rq, 4), &value);
		return reply_u32(rq, kr, value);
	case 8: /* mach_port_mod_refs */
		if (!is_simple(rq, 12))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_mod_refs(space, arg32(rq, 0), arg32(rq, 4), (int32_t)arg32(rq, 8)));
	case 10: /* mach_port_set_mscount */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_set_mscount(space, arg32(rq, 0), arg32(rq, 4)));
	case 11: { /* mach_port_get_set_status */
		mach_port_name_t *members;
		uint32_t count;

		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		if ((kr = mach_port_get_set_status(space, arg32(rq, 0), &members, &count)) != KERN_SUCCESS)
			return kr;
		uint32_t *arrays[1] = { members };

		return reply_ool_arrays(rq, arrays, 1, count);
	}
	case 12: /* mach_port_move_member */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_move_member(space, arg32(rq, 0), arg32(rq, 4)));
	case 13: { /* mach_port_request_notification */
		mach_msg_type_name_t type = 0;
		struct ipc_object *notify = take_port(rq, &type);
		struct ipc_port *previous;

		if (rq->call.args_size != 12 || (IO_VALID(notify) && type != MACH_MSG_TYPE_PORT_SEND_ONCE)) {
			if (IO_VALID(notify))
				ipc_object_destroy(notify, type);
			return MIG_BAD_ARGUMENTS;
		}
		if (notify == IO_DEAD)
			return KERN_INVALID_CAPABILITY;
		kr = mach_port_request_notification(space, arg32(rq, 0), (int32_t)arg32(rq, 4), arg32(rq, 8),
						    ipc_port_of(notify), &previous);
		if (kr != KERN_SUCCESS) {
			if (notify)
				ipc_port_release_sonce(ipc_port_of(notify));
			return kr;
		}
		return reply_port(rq, previous ? &previous->object : NULL, MACH_MSG_TYPE_PORT_SEND_ONCE);
	}
	case 14: { /* mach_port_insert_right */
		mach_msg_type_name_t type = 0;
		struct ipc_object *poly = take_port(rq, &type);

		if (rq->call.args_size != 4)
			kr = MIG_BAD_ARGUMENTS;
		else if (!IO_VALID(poly))
			kr = MACH_PORT_VALID(arg32(rq, 0)) ? KERN_INVALID_CAPABILITY : KERN_INVALID_VALUE;
		else
			kr = mach_port_insert_right(space, arg32(rq, 0), poly, type);
		if (kr != KERN_SUCCESS && IO_VALID(poly))
			ipc_object_destroy(poly, type);
		return reply_none(rq, kr);
	}
	case 15: { /* mach_port_extract_right */
		struct ipc_object *object;
		bool dead;
		uint32_t name = arg32(rq, 0), msgt = arg32(rq, 4);

		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		if (msgt < MACH_MSG_TYPE_MOVE_RECEIVE || msgt > MACH_MSG_TYPE_MAKE_SEND_ONCE)
			return KERN_INVALID_VALUE;
		if (!MACH_PORT_VALID(name))
			return KERN_INVALID_RIGHT;
		kr = ipc_right_copyin(space, name, msgt, &object, &dead);
		if (kr != KERN_SUCCESS)
			return kr;
		return reply_port(rq, dead ? IO_DEAD : object, ipc_object_copyin_type(msgt));
	}
	case 16: /* mach_port_set_seqno */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_set_seqno(space, arg32(rq, 0), arg32(rq, 4)));
	case 17: { /* mach_port_get_attributes */
		uint32_t info[MACH_PORT_INFO_MAX_COUNT];
		uint32_t count = arg32(rq, 8);

		if (!is_simple(rq, 12))
			return MIG_BAD_ARGUMENTS;
		if (count > MACH_PORT_INFO_MAX_COUNT)
			count = MACH_PORT_INFO_MAX_COUNT;
		kr = mach_port_get_attributes(space, arg32(rq, 0), (int32_t)arg32(rq, 4), info, &count);
		if (kr != KERN_SUCCESS)
			return kr;
		uint8_t *out = mig_reply_simple(&rq->call, 4 + 4 * count);

		if (out) {
			memcpy(out, &count, 4);
			memcpy(out + 4, info, 4 * count);
		}
		return KERN_SUCCESS;
	}
	case 21: /* task_set_port_space: obsolete, accepted */
		return reply_none(rq, KERN_SUCCESS);
	case 22: { /* mach_port_get_srights */
		struct ipc_port *port;
		mach_port_type_t type;

		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		if ((kr = mach_port_type(space, arg32(rq, 0), &type)) != KERN_SUCCESS)
			return kr;
		if (!(type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		port = ipc_port_of(ipc_entry_lookup(space, arg32(rq, 0))->object);
		return reply_u32(rq, KERN_SUCCESS, port->srights);
	}
	case 26: /* mach_port_insert_member */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_insert_member(space, arg32(rq, 0), arg32(rq, 4)));
	case 27: /* mach_port_extract_member */
		if (!is_simple(rq, 8))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_extract_member(space, arg32(rq, 0), arg32(rq, 4)));
	case 28: { /* mach_port_get_context */
		uint64_t context;

		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		if ((kr = mach_port_get_context(space, arg32(rq, 0), &context)) != KERN_SUCCESS)
			return kr;
		uint8_t *out = mig_reply_simple(&rq->call, 8);

		if (out)
			memcpy(out, &context, 8);
		return KERN_SUCCESS;
	}
	case 29: /* mach_port_set_context */
		if (!is_simple(rq, 12))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_set_context(space, arg32(rq, 0), arg64(rq, 4)));
	case 31: { /* mach_port_construct: the options travel out of line */
		struct kmsg_desc *d = rq->call.request->desc_count == 1 ? &rq->call.request->descs[0] : NULL;
		struct mach_port_options options;
		mach_port_name_t name;

		if (!(rq->call.request->bits & MACH_MSGH_BITS_COMPLEX) || !d || d->type != MACH_MSG_OOL_DESCRIPTOR ||
		    d->ool.size < sizeof(options) || rq->call.args_size != 8)
			return MIG_BAD_ARGUMENTS;
		memcpy(&options, d->ool.data, sizeof(options));
		kr = mach_port_construct(space, &options, arg64(rq, 0), &name);
		return reply_u32(rq, kr, name);
	}
	case 32: /* mach_port_destruct */
		if (!is_simple(rq, 16))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_destruct(space, arg32(rq, 0), (int32_t)arg32(rq, 4), arg64(rq, 8)));
	case 33: /* mach_port_guard */
		if (!is_simple(rq, 16))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_guard(space, arg32(rq, 0), arg64(rq, 4), arg32(rq, 12) != 0));
	case 34: /* mach_port_unguard */
		if (!is_simple(rq, 12))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_unguard(space, arg32(rq, 0), arg64(rq, 4)));
	case 19: /* mach_port_allocate_qos */
	case 20: { /* mach_port_allocate_full: a proto port (which must be null), and a name */
		struct mach_port_qos qos;
		mach_port_name_t name = 0;
		bool has_proto = false;

		if (routine == 19) {
			if (!is_simple(rq, 12))
				return MIG_BAD_ARGUMENTS;
		} else {
			mach_msg_type_name_t type = 0;
			struct ipc_object *proto = take_port(rq, &type);

			if (!(rq->call.request->bits & MACH_MSGH_BITS_COMPLEX) || rq->call.args_size != 16) {
				if (IO_VALID(proto))
					ipc_object_destroy(proto, type);
				return MIG_BAD_ARGUMENTS;
			}
			has_proto = proto != NULL;
			if (IO_VALID(proto))
				ipc_object_destroy(proto, type);
			name = arg32(rq, 12);
		}
		memcpy(&qos, rq->call.args + 4, sizeof(qos));
		if (routine == 19 && qos.name)
			return KERN_INVALID_ARGUMENT;
		if ((kr = mach_port_allocate_full(space, arg32(rq, 0), has_proto, &qos, &name)) != KERN_SUCCESS)
			return kr;
		uint8_t *out = mig_reply_simple(&rq->call, sizeof(qos) + 4);

		if (out) {
			memcpy(out, &qos, sizeof(qos));
			memcpy(out + sizeof(qos), &name, 4);
		}
		return KERN_SUCCESS;
	}
	case 24: { /* mach_port_dnrequest_info */
		uint32_t total, used;

		if (!is_simple(rq, 4))
			return MIG_BAD_ARGUMENTS;
		if ((kr = mach_port_dnrequest_info(space, arg32(rq, 0), &total, &used)) != KERN_SUCCESS)
			return kr;
		uint8_t *out = mig_reply_simple(&rq->call, 8);

		if (out) {
			memcpy(out, &total, 4);
			memcpy(out + 4, &used, 4);
		}
		return KERN_SUCCESS;
	}
	case 37: /* mach_port_guard_with_flags */
		if (!is_simple(rq, 20))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_guard_with_flags(space, arg32(rq, 0), arg64(rq, 4), arg64(rq, 12)));
	case 38: /* mach_port_swap_guard */
		if (!is_simple(rq, 20))
			return MIG_BAD_ARGUMENTS;
		return reply_none(rq, mach_port_swap_guard(space, arg32(rq, 0), arg64(rq, 4), arg64(rq, 12)));
	case 18: /* mach_port_set_attributes */
	case 42: { /* mach_port_assert_attributes: the same layout */
		uint32_t info[MACH_PORT_INFO_MAX_COUNT] = { 0 };
		uint32_t count = arg32(rq, 8);

		if ((rq->call.request->bits & MACH_MSGH_BITS_COMPLEX) || count > MACH_PORT_INFO_MAX_COUNT ||
		    rq->call.args_size != 12 + 4 * count)
			return MIG_BAD_ARGUMENTS;
		memcpy(info, rq->call.args + 12, 4 * count);
		if (routine == 42)
			kr = mach_port_assert_attributes(space, arg32(rq, 0), (int32_t)arg32(rq, 4), info, count);
		else
			kr = mach_port_set_attributes(space, arg32(rq, 0), (int32_t)arg32(rq, 4), info, count);
		return reply_none(rq, kr);
	}
	default:
		return MIG_BAD_ID;
	}
}

/*
 * A routine sent to a port that is not a live task's: XNU's *_from_user
 * variants (which take any port) answer KERN_INVALID_ARGUMENT, the others
 * find no space and answer KERN_INVALID_TASK.
 */
static kern_return_t no_space_answer(int routine)
{
	switch (routine) {
	case 11: /* mach_port_get_set_status */
	case 17: /* mach_port_get_attributes */
	case 28: /* mach_port_get_context */
		return KERN_INVALID_ARGUMENT;
	default:
		return KERN_INVALID_TASK;
	}
}

void ipc_kobject_server(struct ipc_kmsg *kmsg, struct xnu_thread *sender)
{
	struct ipc_port *port = kmsg->dest;
	struct mig_request rq = { .call = { .request = kmsg, .sender = sender } };
	kern_return_t kr = MIG_BAD_ID;

	if (mig_subsystems_server(kmsg, sender))
		return;
	port->seqno++;
	/* The arguments follow the NDR record, which MIG puts after the descriptors. */
	if (kmsg->inline_size >= NDR_SIZE) {
		rq.call.args = kmsg->inline_data + NDR_SIZE;
		rq.call.args_size = kmsg->inline_size - NDR_SIZE;
	}
	rq.call.routine = kmsg->id - MACH_PORT_SUBSYSTEM;
	if (rq.call.routine >= 0 && rq.call.routine < 100) {
		rq.task = port->kotype == IKOT_TASK ? port->kobject : NULL;
		rq.space = rq.task && rq.task->active ? rq.task->space : NULL;
		kr = mach_port_debug_server(&rq.call, rq.space);
		if (kr == MIG_BAD_ID)
			kr = rq.space ? serve_mach_port(&rq, rq.call.routine) : no_space_answer(rq.call.routine);
	}
	mig_call_finish(&rq.call, kr);
}
