/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The set/get/swap_exception_ports routines of the task (3413-3415),
 * thread_act (3613-3615) and host_priv (414-416) subsystems, as MIG
 * requests to the task, thread or host port (docs/MIG.md).
 *
 * set:  complex, new_port desc (COPY_SEND); NDR, mask, behavior, flavor -> RetCode
 * get:  NDR, mask
 * swap: as set
 * get and swap reply: complex, 32 port descriptors (the handlers, the
 * unused ones null), NDR, count, then count masks, behaviors and flavors.
 */
#include <string.h>

#include "mig_client.h"

#define TASK_SET_EXCEPTION_PORTS 3413
#define THREAD_SET_EXCEPTION_PORTS 3613
#define HOST_SET_EXCEPTION_PORTS 414
/* get = set + 1, swap = set + 2 in all three subsystems. */
#define GET_OFFSET 1
#define SWAP_OFFSET 2

#define HANDLER_DESCS 32
#define LIST_AT (sizeof(mach_msg_base_t) + HANDLER_DESCS * sizeof(mach_msg_port_descriptor_t) + sizeof(NDR_record_t))
#define LIST_MIN ((mach_msg_size_t)(LIST_AT + sizeof(mach_msg_type_number_t)))

struct handler_list {
	exception_mask_array_t masks;
	mach_msg_type_number_t *count;
	exception_handler_array_t ports;
	exception_behavior_array_t behaviors;
	exception_flavor_array_t flavors;
};

/* The request of set and swap: the new handler. */
static void add_handler(struct mig_message *m, exception_mask_t mask, mach_port_t port,
			exception_behavior_t behavior, thread_state_flavor_t flavor)
{
	const int32_t in[3] = { (int32_t)mask, behavior, flavor };

	mig_begin(m, 1);
	mig_add_port(m, port, MACH_MSG_TYPE_COPY_SEND);
	mig_add(m, in, sizeof(in));
}

/* Send the get or swap request in m and unpack the handler list of its reply. */
static kern_return_t list_call(mach_port_t target, mach_msg_id_t id, struct mig_message *m,
			       const struct handler_list *out)
{
	const struct mig_expect expect = {
		.min_size = LIST_MIN,
		.max_size = LIST_MIN + HANDLER_DESCS * 3 * sizeof(uint32_t),
		.descriptors = HANDLER_DESCS,
		.same_descriptors = true,
		.desc = { { MACH_MSG_PORT_DESCRIPTOR, MACH_MSG_TYPE_PORT_SEND } },
	};
	mach_msg_port_descriptor_t handlers[HANDLER_DESCS];
	mach_msg_type_number_t n, i, room = *out->count;
	kern_return_t kr = mig_call(target, id, m, &expect);

	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(&n, m->u.bytes + LIST_AT, sizeof(n));
	if (n > HANDLER_DESCS || m->u.head.msgh_size != LIST_MIN + n * 3 * sizeof(uint32_t))
		return mig_reject(m);
	memcpy(handlers, m->u.bytes + sizeof(mach_msg_base_t), sizeof(handlers));
	const unsigned char *lists = m->u.bytes + LIST_MIN;
	mach_msg_type_number_t copied = n < room ? n : room;

	memcpy(out->masks, lists, copied * sizeof(uint32_t));
	memcpy(out->behaviors, lists + n * sizeof(uint32_t), copied * sizeof(uint32_t));
	memcpy(out->flavors, lists + 2 * n * sizeof(uint32_t), copied * sizeof(uint32_t));
	for (i = 0; i < n; i++) {
		if (i < copied)
			out->ports[i] = handlers[i].name;
		else if (MACH_PORT_VALID(handlers[i].name))
			mach_port_deallocate(mach_task_self(), handlers[i].name); /* no room to return it */
	}
	*out->count = n;
	return n > room ? MIG_ARRAY_TOO_LARGE : KERN_SUCCESS;
}

static kern_return_t set_ports(mach_port_t target, mach_msg_id_t id, exception_mask_t mask, mach_port_t port,
			       exception_behavior_t behavior, thread_state_flavor_t flavor)
{
	const struct mig_expect expect = {
		.min_size = sizeof(mig_reply_error_t),
		.max_size = sizeof(mig_reply_error_t),
	};
	struct mig_message m;

	add_handler(&m, mask, port, behavior, flavor);
	return mig_call(target, id, &m, &expect);
}

static kern_return_t get_ports(mach_port_t target, mach_msg_id_t id, exception_mask_t mask,
			       const struct handler_list *out)
{
	struct mig_message m;

	mig_begin(&m, 0);
	mig_add(&m, &mask, sizeof(mask));
	return list_call(target, id, &m, out);
}

static kern_return_t swap_ports(mach_port_t target, mach_msg_id_t id, exception_mask_t mask, mach_port_t port,
				exception_behavior_t behavior, thread_state_flavor_t flavor,
				const struct handler_list *out)
{
	struct mig_message m;

	add_handler(&m, mask, port, behavior, flavor);
	return list_call(target, id, &m, out);
}

#define EXCEPTION_PORT_ROUTINES(object, object_t, base)                                                     \
	kern_return_t object##_set_exception_ports(object_t target, exception_mask_t exception_mask,        \
						   mach_port_t new_port, exception_behavior_t behavior,     \
						   thread_state_flavor_t new_flavor)                        \
	{                                                                                                   \
		return set_ports(target, base, exception_mask, new_port, behavior, new_flavor);             \
	}                                                                                                   \
	kern_return_t object##_get_exception_ports(object_t target, exception_mask_t exception_mask,        \
						   exception_mask_array_t masks,                            \
						   mach_msg_type_number_t *masksCnt,                        \
						   exception_handler_array_t old_handlers,                  \
						   exception_behavior_array_t old_behaviors,                \
						   exception_flavor_array_t old_flavors)                    \
	{                                                                                                   \
		const struct handler_list out = { masks, masksCnt, old_handlers, old_behaviors, old_flavors }; \
		return get_ports(target, base + GET_OFFSET, exception_mask, &out);                          \
	}                                                                                                   \
	kern_return_t object##_swap_exception_ports(                                                        \
		object_t target, exception_mask_t exception_mask, mach_port_t new_port,                     \
		exception_behavior_t behavior, thread_state_flavor_t new_flavor, exception_mask_array_t masks, \
		mach_msg_type_number_t *masksCnt, exception_handler_array_t old_handlers,                   \
		exception_behavior_array_t old_behaviors, exception_flavor_array_t old_flavors)             \
	{                                                                                                   \
		const struct handler_list out = { masks, masksCnt, old_handlers, old_behaviors, old_flavors }; \
		return swap_ports(target, base + SWAP_OFFSET, exception_mask, new_port, behavior, new_flavor, \
				  &out);                                                                    \
	}

EXCEPTION_PORT_ROUTINES(task, task_t, TASK_SET_EXCEPTION_PORTS)
EXCEPTION_PORT_ROUTINES(thread, thread_act_t, THREAD_SET_EXCEPTION_PORTS)
EXCEPTION_PORT_ROUTINES(host, host_priv_t, HOST_SET_EXCEPTION_PORTS)
