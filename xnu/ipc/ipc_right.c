/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Rights in a space: user references, the operations of mach_port_mod_refs,
 * deallocate and destroy, and moving rights into and out of messages.
 *
 * Reference scheme: an entry holds one reference on its object; each send
 * or send-once right (counted in srights/sorights) holds one more; a receive
 * right carried in a message holds one. An entry with send rights counts as
 * one send right whatever its urefs, as in XNU.
 */
#include <stdlib.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"

static struct ipc_port *entry_port(const struct ipc_entry *entry)
{
	return ipc_port_of(entry->object);
}

/* Detach the entry's dead-name request; the caller decides whom to tell. */
static struct ipc_port *dnrequest_cancel(struct ipc_entry *entry)
{
	struct ipc_dnrequest *request = entry->request;
	struct ipc_port *notify;

	if (!request)
		return NULL;
	entry->request = NULL;
	struct ipc_port *port = entry_port(entry);

	if (port)
		ipc_port_dnrequest_remove(port, request);
	notify = request->notify;
	free(request);
	return notify;
}

/* A name with a dead-name request lost its last right: MACH_NOTIFY_PORT_DELETED. */
static void dnrequest_deleted(struct ipc_entry *entry, mach_port_name_t name)
{
	struct ipc_port *notify = dnrequest_cancel(entry);

	if (notify)
		ipc_notify_port_deleted(notify, name);
}

bool ipc_right_check(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	if (!port || port->active || !(entry->type & MACH_PORT_TYPE_SEND_RIGHTS))
		return false;
	if (entry->type & MACH_PORT_TYPE_SEND) {
		ipc_hash_delete(space, &port->object);
		ipc_port_release_send(port);
	} else {
		ipc_port_release_sonce(port);
		entry->urefs = 1;
	}
	entry->type = MACH_PORT_TYPE_DEAD_NAME;
	/*
	 * A request still here is looked at before the dying port got to it:
	 * its dead-name notification goes now, carrying one more uref.
	 */
	if (entry->request) {
		struct ipc_dnrequest *request = entry->request;

		entry->request = NULL;
		ipc_port_dnrequest_remove(port, request);
		if (request->notify) {
			if (entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
			ipc_notify_dead_name(request->notify, name);
		}
		free(request);
	}
	entry->object = NULL;
	ipc_port_release(port); /* the entry's reference */
	return true;
}

kern_return_t ipc_right_lookup(struct ipc_space *space, mach_port_name_t name, struct ipc_entry **entryp)
{
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	if (!entry)
		return KERN_INVALID_NAME;
	ipc_right_check(space, name, entry);
	*entryp = entry;
	return KERN_SUCCESS;
}

/* Drop the entry's send right (urefs gone): the entry may keep a receive right. */
static void drop_send(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	entry->urefs = 0;
	if (entry->type & MACH_PORT_TYPE_RECEIVE) {
		entry->type &= ~MACH_PORT_TYPE_SEND;
		ipc_port_release_send(port);
		return;
	}
	ipc_hash_delete(space, &port->object);
	dnrequest_deleted(entry, name);
	entry->type = 0;
	ipc_port_release_send(port);
	ipc_entry_dealloc(space, name, entry);
}

/*
 * Destroy the receive right held by the entry. The port dies first, so that
 * no no-senders notification comes from the entry's own send right; then
 * that send right, if any, is a dead name with the same urefs (unless a
 * port-destroyed request kept the port alive).
 */
static void destroy_receive(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	struct ipc_port *port = entry_port(entry);

	ipc_port_reference(port);
	entry->type &= ~MACH_PORT_TYPE_RECEIVE;
	if (!(entry->type & MACH_PORT_TYPE_SEND)) {
		/* The name goes with its last right: a request on it hears port-deleted. */
		ipc_hash_delete(space, &port->object);
		dnrequest_deleted(entry, name);
		ipc_entry_dealloc(space, name, entry);
	}
	ipc_port_destroy(port);
	if (entry->type & MACH_PORT_TYPE_SEND)
		ipc_right_check(space, name, entry);
	ipc_port_release(port);
}

/*
 * Apply delta to the entry's urefs as current XNU does: a count that reaches
 * the maximum is pegged there, and a pegged count ignores every change but
 * -MACH_PORT_UREFS_MAX. (Older XNU returned KERN_UREFS_OVERFLOW.)
 */
static kern_return_t delta_urefs(struct ipc_entry *entry, mach_port_delta_t delta)
{
	int64_t urefs = (int64_t)entry->urefs + delta;

	if (delta > (int32_t)MACH_PORT_UREFS_MAX || delta < -(int32_t)MACH_PORT_UREFS_MAX || urefs < 0)
		return KERN_INVALID_VALUE;
	if (entry->urefs == MACH_PORT_UREFS_MAX && delta != -(int32_t)MACH_PORT_UREFS_MAX)
		return KERN_SUCCESS;
	entry->urefs = urefs >= MACH_PORT_UREFS_MAX ? MACH_PORT_UREFS_MAX : (uint32_t)urefs;
	return KERN_SUCCESS;
}

kern_return_t ipc_right_delta(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry,
			      mach_port_right_t right, mach_port_delta_t delta)
{
	kern_return_t kr;

	switch (right) {
	case MACH_PORT_RIGHT_PORT_SET:
		if (!(entry->type & MACH_PORT_TYPE_PORT_SET))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		ipc_pset_destroy((struct ipc_pset *)entry->object);
		ipc_entry_dealloc(space, name, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_RECEIVE:
		if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		if (entry_port(entry)->guarded)
			return KERN_INVALID_RIGHT;
		destroy_receive(space, name, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_SEND_ONCE:
		ipc_right_check(space, name, entry);
		if (!(entry->type & MACH_PORT_TYPE_SEND_ONCE))
			return KERN_INVALID_RIGHT;
		if (delta == 0)
			return KERN_SUCCESS;
		if (delta != -1)
			return KERN_INVALID_VALUE;
		{
			struct ipc_port *port = entry_port(entry);

			/* Held across the entry's removal; the send-once notification may outlive it. */
			ipc_port_reference(port);
			dnrequest_deleted(entry, name);
			ipc_entry_dealloc(space, name, entry);
			ipc_port_release_send_once(port);
			ipc_port_release(port);
		}
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_DEAD_NAME:
		ipc_right_check(space, name, entry);
		if (!(entry->type & MACH_PORT_TYPE_DEAD_NAME))
			return KERN_INVALID_RIGHT;
		if ((kr = delta_urefs(entry, delta)) != KERN_SUCCESS)
			return kr;
		if (entry->urefs == 0)
			ipc_entry_dealloc(space, name, entry);
		return KERN_SUCCESS;

	case MACH_PORT_RIGHT_SEND:
		ipc_right_check(space, name, entry);
		if (!(entry->type & MACH_PORT_TYPE_SEND))
			return KERN_INVALID_RIGHT;
		if ((kr = delta_urefs(entry, delta)) != KERN_SUCCESS)
			return kr;
		if (entry->urefs == 0)
			drop_send(space, name, entry);
		return KERN_SUCCESS;

	default:
		return KERN_INVALID_VALUE;
	}
}

kern_return_t ipc_right_dealloc(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	ipc_right_check(space, name, entry);
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
		return ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_DEAD_NAME, -1);
	if (entry->type & MACH_PORT_TYPE_SEND_ONCE)
		return ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_SEND_ONCE, -1);
	if (entry->type & MACH_PORT_TYPE_SEND)
		return ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_SEND, -1);
	return KERN_INVALID_RIGHT;
}

kern_return_t ipc_right_destroy(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	ipc_right_check(space, name, entry);
	if ((entry->type & MACH_PORT_TYPE_RECEIVE) && entry_port(entry)->guarded)
		return KERN_INVALID_RIGHT;
	ipc_right_clean(space, name, entry);
	return KERN_SUCCESS;
}

void ipc_right_clean(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	mach_port_type_t type = entry->type;
	struct ipc_port *port = entry_port(entry);

	if (type & MACH_PORT_TYPE_PORT_SET) {
		ipc_pset_destroy((struct ipc_pset *)entry->object);
		ipc_entry_dealloc(space, name, entry);
		return;
	}
	if (type & MACH_PORT_TYPE_DEAD_NAME) {
		dnrequest_cancel(entry);
		ipc_entry_dealloc(space, name, entry);
		return;
	}
	if (type & MACH_PORT_TYPE_RECEIVE) {
		destroy_receive(space, name, entry);
		/* What is left (a dead name, or send rights to a port handed on) goes too. */
		if (entry->type)
			ipc_right_clean(space, name, entry);
		return;
	}
	ipc_port_reference(port);
	if (type & MACH_PORT_TYPE_SEND) {
		if (!port->active)
			dnrequest_cancel(entry);
		drop_send(space, name, entry);
	} else if (type & MACH_PORT_TYPE_SEND_ONCE) {
		dnrequest_deleted(entry, name);
		ipc_entry_dealloc(space, name, entry);
		if (port->active) {
			ipc_port_release_send_once(port);
		} else {
			ipc_port_release_sonce(port);
		}
	}
	ipc_port_release(port);
}

kern_return_t ipc_right_info(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry,
			     mach_port_type_t *type, mach_port_urefs_t *urefs)
{
	ipc_right_check(space, name, entry);
	*type = entry->type | ipc_dnrequest_type(entry->request);
	*urefs = entry->urefs;
	if (entry->type & MACH_PORT_TYPE_SEND_ONCE)
		*urefs = 1;
	return KERN_SUCCESS;
}

mach_msg_type_name_t ipc_object_copyin_type(mach_msg_type_name_t disposition)
{
	switch (disposition) {
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return MACH_MSG_TYPE_PORT_RECEIVE;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return MACH_MSG_TYPE_PORT_SEND_ONCE;
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_COPY_SEND:
		return MACH_MSG_TYPE_PORT_SEND;
	default:
		return MACH_MSG_TYPE_PORT_NONE;
	}
}

bool ipc_right_copyin_check(struct ipc_space *space, mach_port_name_t name, mach_msg_type_name_t disposition)
{
	struct ipc_entry *entry;

	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return false;
	struct ipc_port *port = entry_port(entry);

	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND:
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		return entry->type & MACH_PORT_TYPE_RECEIVE;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		return (entry->type & MACH_PORT_TYPE_RECEIVE) && !port->immovable_receive && !port->special_reply;
	case MACH_MSG_TYPE_COPY_SEND:
	case MACH_MSG_TYPE_MOVE_SEND:
		return entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME);
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		return entry->type & (MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME);
	default:
		return false;
	}
}

kern_return_t ipc_right_copyin(struct ipc_space *space, mach_port_name_t name, mach_msg_type_name_t disposition,
			       struct ipc_object **objectp, bool *dead)
{
	struct ipc_entry *entry;
	kern_return_t kr = ipc_right_lookup(space, name, &entry);

	*dead = false;
	*objectp = NULL;
	if (kr != KERN_SUCCESS)
		return kr;
	if (!ipc_right_copyin_check(space, name, disposition))
		return KERN_INVALID_RIGHT;
	struct ipc_port *port = entry_port(entry);

	if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
		/* COPY_SEND of a dead name keeps the name; the moves take a uref. */
		if (disposition != MACH_MSG_TYPE_COPY_SEND)
			ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_DEAD_NAME, -1);
		*dead = true;
		return KERN_SUCCESS;
	}
	switch (disposition) {
	case MACH_MSG_TYPE_MAKE_SEND:
		ipc_port_make_send(port);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		ipc_port_make_send_once(port);
		break;
	case MACH_MSG_TYPE_COPY_SEND:
		ipc_port_copy_send(port);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		ipc_port_reference(port); /* the message's */
		if (entry->type & MACH_PORT_TYPE_SEND) {
			entry->type &= ~MACH_PORT_TYPE_RECEIVE;
		} else {
			ipc_hash_delete(space, &port->object);
			dnrequest_deleted(entry, name);
			ipc_entry_dealloc(space, name, entry);
		}
		ipc_port_clear_receiver(port);
		/* A receive right starts afresh in its new space. */
		port->mscount = 0;
		port->seqno = 0;
		port->context = 0;
		port->guarded = false;
		port->strict_guard = false;
		break;
	case MACH_MSG_TYPE_MOVE_SEND:
		if (entry->urefs > 1) {
			entry->urefs--;
			ipc_port_copy_send(port);
			break;
		}
		/* The last uref: the entry's send right itself moves. */
		ipc_port_copy_send(port);
		entry->urefs = 1;
		drop_send(space, name, entry);
		break;
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		ipc_port_reference(port); /* keep it while the entry goes */
		dnrequest_deleted(entry, name);
		ipc_entry_dealloc(space, name, entry);
		/* The send-once right and its reference move into the message. */
		ipc_port_release(port);
		break;
	}
	*objectp = &port->object;
	return KERN_SUCCESS;
}

void ipc_object_destroy(struct ipc_object *object, mach_msg_type_name_t type)
{
	struct ipc_port *port = ipc_port_of(object);

	if (!port)
		return;
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		ipc_port_release_send(port);
		break;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		ipc_port_release_send_once(port);
		break;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		port->carried_by = NULL;
		ipc_port_destroy(port);
		ipc_port_release(port);
		break;
	}
}

/* Merge a carried right into an entry of the same port, or fill a new entry. */
static kern_return_t copyout_into(struct ipc_space *space, struct ipc_port *port, mach_msg_type_name_t type,
				  mach_port_name_t name, struct ipc_entry *entry, bool fresh)
{
	switch (type) {
	case MACH_MSG_TYPE_PORT_SEND:
		if (fresh) {
			entry->object = &port->object;
			ipc_port_reference(port); /* the entry's */
			entry->type = MACH_PORT_TYPE_SEND;
			entry->urefs = 1;
			ipc_hash_insert(space, &port->object, name);
		} else if (entry->type & MACH_PORT_TYPE_SEND) {
			/* Already has send rights: one more uref, one fewer send right.
			 * At the limit XNU keeps the urefs pinned rather than fail. */
			if (entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
			ipc_port_release_send(port);
		} else {
			entry->type |= MACH_PORT_TYPE_SEND;
			entry->urefs = 1;
		}
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_PORT_SEND_ONCE:
		entry->object = &port->object;
		ipc_port_reference(port);
		entry->type = MACH_PORT_TYPE_SEND_ONCE;
		entry->urefs = 1;
		return KERN_SUCCESS;
	case MACH_MSG_TYPE_PORT_RECEIVE:
		if (fresh) {
			entry->object = &port->object;
			ipc_port_reference(port);
			ipc_hash_insert(space, &port->object, name);
		}
		entry->type |= MACH_PORT_TYPE_RECEIVE;
		ipc_port_set_receiver(port, space, name);
		ipc_port_release(port); /* the message's */
		return KERN_SUCCESS;
	default:
		return KERN_INVALID_RIGHT;
	}
}

kern_return_t ipc_object_copyout(struct ipc_space *space, struct ipc_object *object, mach_msg_type_name_t type,
				 mach_port_name_t *namep)
{
	struct ipc_port *port = ipc_port_of(object);
	struct ipc_entry *entry = NULL;
	mach_port_name_t name = MACH_PORT_NULL;
	kern_return_t kr;

	if (!space->active) {
		kr = KERN_INVALID_TASK;
		goto fail;
	}
	if (type != MACH_MSG_TYPE_PORT_SEND_ONCE) {
		name = ipc_hash_lookup(space, object);
		if (name) {
			entry = ipc_entry_lookup(space, name);
			if (entry && ipc_right_check(space, name, entry))
				entry = NULL; /* it was a dead port after all */
		}
	}
	if (entry) {
		*namep = name;
		return copyout_into(space, port, type, name, entry, false);
	}
	if (type != MACH_MSG_TYPE_PORT_RECEIVE && !port->active) {
		/* A right to a port that died in transit arrives as a dead name. */
		if (type == MACH_MSG_TYPE_PORT_SEND) {
			ipc_port_release_send(port);
		} else {
			ipc_port_release_sonce(port);
		}
		*namep = MACH_PORT_DEAD;
		return KERN_SUCCESS;
	}
	kr = ipc_entry_alloc(space, &name, &entry);
	if (kr != KERN_SUCCESS)
		goto fail;
	*namep = name;
	return copyout_into(space, port, type, name, entry, true);
fail:
	/* No name for it: the receiver sees MACH_PORT_NULL (ipc_kmsg_copyout_object);
	 * MACH_PORT_DEAD stands only for a right whose port died. */
	ipc_object_destroy(object, type);
	*namep = MACH_PORT_NULL;
	return kr;
}

kern_return_t ipc_object_copyout_name(struct ipc_space *space, struct ipc_object *object, mach_msg_type_name_t type,
				      mach_port_name_t name)
{
	struct ipc_port *port = ipc_port_of(object);
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	if (entry) {
		ipc_right_check(space, name, entry);
		/* The name must already denote this port's send/receive right. */
		if (entry->object != object || type == MACH_MSG_TYPE_PORT_SEND_ONCE ||
		    !(entry->type & MACH_PORT_TYPE_SEND_RECEIVE) ||
		    (type == MACH_MSG_TYPE_PORT_RECEIVE && (entry->type & MACH_PORT_TYPE_RECEIVE)))
			return KERN_NAME_EXISTS;
		return copyout_into(space, port, type, name, entry, false);
	}
	if (!port->active)
		return KERN_INVALID_CAPABILITY;
	/* A right the space already holds under another name cannot get a second name. */
	if (type != MACH_MSG_TYPE_PORT_SEND_ONCE && ipc_hash_lookup(space, object))
		return KERN_RIGHT_EXISTS;
	kern_return_t kr = ipc_entry_alloc_name(space, name, &entry);

	if (kr != KERN_SUCCESS)
		return kr;
	return copyout_into(space, port, type, name, entry, true);
}
