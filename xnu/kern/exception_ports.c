/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Exception ports: for a thread, a task or the host, one handler (a send
 * right, a behavior, a thread-state flavor) per exception type. Each
 * action holds its own send right, so one port set for several types is
 * several rights, as in XNU; they are released when replaced and when
 * their thread, task or the server ends.
 */
#include "kern_internal.h"

static struct exception_action the_host_actions[EXC_TYPES_COUNT];

struct exception_action *host_exception_actions(void)
{
	return the_host_actions;
}

static struct ipc_port *copy_send(struct ipc_port *port)
{
	if (port)
		ipc_port_copy_send(port);
	return port;
}

kern_return_t exception_ports_check(exception_mask_t mask, struct ipc_port *port, exception_behavior_t behavior,
				    thread_state_flavor_t flavor)
{
	if (mask & ~EXC_MASK_VALID)
		return KERN_INVALID_ARGUMENT;
	if (port) {
		switch (behavior & ~MACH_EXCEPTION_MASK) {
		case EXCEPTION_DEFAULT:
		case EXCEPTION_STATE:
		case EXCEPTION_STATE_IDENTITY:
		case EXCEPTION_IDENTITY_PROTECTED:
			break;
		default:
			return KERN_INVALID_ARGUMENT;
		}
		/* A handler must not expose a right its holder may not move. */
		if (port->immovable_receive)
			return KERN_INVALID_RIGHT;
	}
	if (flavor != 0 && !VALID_THREAD_STATE_FLAVOR(flavor))
		return KERN_INVALID_ARGUMENT;
	/* The protected-identity and backtrace messages exist only with 64-bit codes. */
	if (((behavior & ~MACH_EXCEPTION_MASK) == EXCEPTION_IDENTITY_PROTECTED ||
	     (behavior & MACH_EXCEPTION_BACKTRACE_PREFERRED)) &&
	    !(behavior & MACH_EXCEPTION_CODES))
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

void exception_ports_get(const struct exception_action *actions, exception_mask_t mask,
			 struct exception_port_list *old)
{
	old->count = 0;
	for (int type = FIRST_EXCEPTION; type < EXC_TYPES_COUNT; type++) {
		const struct exception_action *a = &actions[type];
		uint32_t j;

		if (!(mask & (1u << type)))
			continue;
		/* Types with the same handler share one entry, as XNU reports them. */
		for (j = 0; j < old->count; j++) {
			if (old->ports[j] == a->port && old->behaviors[j] == a->behavior &&
			    old->flavors[j] == a->flavor) {
				old->masks[j] |= 1u << type;
				break;
			}
		}
		if (j < old->count)
			continue;
		old->masks[j] = 1u << type;
		old->ports[j] = copy_send(a->port);
		old->behaviors[j] = a->behavior;
		old->flavors[j] = a->flavor;
		old->count++;
	}
}

void exception_ports_set(struct exception_action *actions, exception_mask_t mask, struct ipc_port *port,
			 exception_behavior_t behavior, thread_state_flavor_t flavor)
{
	for (int type = FIRST_EXCEPTION; type < EXC_TYPES_COUNT; type++) {
		struct exception_action *a = &actions[type];

		if (!(mask & (1u << type)))
			continue;
		struct ipc_port *old = a->port;

		a->port = copy_send(port);
		a->behavior = behavior;
		a->flavor = flavor;
		if (old)
			ipc_port_release_send(old);
	}
	if (port)
		ipc_port_release_send(port); /* the caller's right, now copied into each action */
}

void exception_ports_release(struct exception_action *actions)
{
	for (int type = FIRST_EXCEPTION; type < EXC_TYPES_COUNT; type++) {
		struct ipc_port *port = actions[type].port;

		actions[type].port = NULL;
		if (port)
			ipc_port_release_send(port);
	}
}

void exception_ports_copy(struct exception_action *to, const struct exception_action *from)
{
	for (int type = FIRST_EXCEPTION; type < EXC_TYPES_COUNT; type++) {
		to[type] = from[type];
		copy_send(to[type].port);
	}
}
