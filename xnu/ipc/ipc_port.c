/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Ports: creation, the counts of rights outstanding, and death. When the
 * receive right dies the port turns inactive; send rights elsewhere stay
 * pointing at it and become dead names when next looked at (ipc_right_check),
 * as in XNU.
 */
#include <stdlib.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"
#include "ipc_kmsg.h"

struct ipc_port *ipc_port_alloc_raw(void)
{
	struct ipc_port *port = calloc(1, sizeof(*port));

	if (!port)
		return NULL;
	ipc_object_init(&port->object, IOT_PORT);
	port->active = true;
	port->qlimit = MACH_PORT_QLIMIT_DEFAULT;
	ipc_port_live_count++;
	return port;
}

static kern_return_t enter_receive(struct ipc_space *space, struct ipc_port *port, mach_port_name_t name,
				   struct ipc_entry *entry)
{
	entry->object = &port->object;
	entry->type = MACH_PORT_TYPE_RECEIVE;
	ipc_port_reference(port);
	ipc_port_set_receiver(port, space, name);
	ipc_hash_insert(space, &port->object, name);
	return KERN_SUCCESS;
}

static kern_return_t port_alloc(struct ipc_space *space, bool named, mach_port_name_t *name,
				struct ipc_port **portp)
{
	struct ipc_entry *entry;
	kern_return_t kr = named ? ipc_entry_alloc_name(space, *name, &entry) : ipc_entry_alloc(space, name, &entry);

	if (kr != KERN_SUCCESS)
		return kr;
	struct ipc_port *port = ipc_port_alloc_raw();

	if (!port) {
		ipc_entry_dealloc(space, *name, entry);
		return KERN_RESOURCE_SHORTAGE;
	}
	enter_receive(space, port, *name, entry);
	*portp = port;
	return KERN_SUCCESS;
}

kern_return_t ipc_port_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_port **portp)
{
	return port_alloc(space, false, name, portp);
}

kern_return_t ipc_port_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_port **portp)
{
	return port_alloc(space, true, &name, portp);
}

struct ipc_port *ipc_port_alloc_kernel(enum ipc_kobject_type kotype, void *kobject)
{
	struct ipc_port *port = ipc_port_alloc_raw();

	if (!port)
		return NULL;
	ipc_port_reference(port); /* the kernel object's */
	port->kotype = kotype;
	port->kobject = kobject;
	port->qlimit = MACH_PORT_QLIMIT_KERNEL;
	return port;
}

void ipc_port_set_receiver(struct ipc_port *port, struct ipc_space *space, mach_port_name_t name)
{
	port->receiver = space;
	port->receiver_name = name;
	port->carried_by = NULL;
}

void ipc_port_clear_receiver(struct ipc_port *port)
{
	ipc_port_leave_sets(port);
	port->receiver = NULL;
	port->receiver_name = MACH_PORT_NULL;
	/* A receive right changing hands makes receivers look again (MACH_RCV_PORT_CHANGED). */
	wait_list_wake_all(&port->receivers, GLUE_WAIT_RESTART);
}

void ipc_port_leave_sets(struct ipc_port *port)
{
	while (port->set_count)
		ipc_pset_remove(port->sets[port->set_count - 1], port);
}

void ipc_port_make_send(struct ipc_port *port)
{
	port->mscount++;
	port->srights++;
	ipc_port_reference(port);
}

void ipc_port_copy_send(struct ipc_port *port)
{
	port->srights++;
	ipc_port_reference(port);
}

void ipc_port_make_send_once(struct ipc_port *port)
{
	port->sorights++;
	ipc_port_reference(port);
}

void ipc_port_release_send(struct ipc_port *port)
{
	struct ipc_port *notify = NULL;

	port->srights--;
	if (port->srights == 0 && port->active && port->nsrequest) {
		notify = port->nsrequest;
		port->nsrequest = NULL;
	}
	if (notify)
		ipc_notify_no_senders(notify, port->mscount);
	ipc_port_release(port);
}

void ipc_port_release_sonce(struct ipc_port *port)
{
	port->sorights--;
	ipc_port_release(port);
}

void ipc_port_release_send_once(struct ipc_port *port)
{
	/* An unused send-once right still delivers one message: the send-once notification. */
	ipc_notify_send_once(port);
}

void ipc_port_dnrequest_remove(struct ipc_port *port, struct ipc_dnrequest *request)
{
	for (struct ipc_dnrequest **link = &port->dnrequests; *link; link = &(*link)->next) {
		if (*link == request) {
			*link = request->next;
			return;
		}
	}
}

/*
 * Tell every dead-name (and send-possible) requester that the port died.
 * The requesting name becomes a dead name now, with one more uref: the one
 * the notification message carries (its receiver deallocates it). A
 * send-possible request that already fired has no right left: no message,
 * no extra uref.
 */
static void notify_dead_names(struct ipc_port *port)
{
	struct ipc_dnrequest *request = port->dnrequests;

	port->dnrequests = NULL;
	while (request) {
		struct ipc_dnrequest *next = request->next;
		struct ipc_entry *entry = NULL;

		/* A request is unlinked when its entry goes, so its space still has a table. */
		if (request->space)
			entry = ipc_entry_lookup_dying(request->space, request->name);
		if (entry && entry->request == request) {
			entry->request = NULL;
			ipc_right_check(request->space, request->name, entry);
			if (request->notify && (entry->type & MACH_PORT_TYPE_DEAD_NAME) &&
			    entry->urefs < MACH_PORT_UREFS_MAX)
				entry->urefs++;
		}
		if (request->notify)
			ipc_notify_dead_name(request->notify, request->name);
		free(request);
		request = next;
	}
}

void ipc_port_destroy(struct ipc_port *port)
{
	if (!port->active)
		return;
	ipc_port_reference(port);
	ipc_port_leave_sets(port);
	port->receiver = NULL;
	port->receiver_name = MACH_PORT_NULL;
	port->carried_by = NULL;

	if (port->pdrequest) {
		/* The receive right goes to whoever asked for it, with its messages. */
		struct ipc_port *notify = port->pdrequest;

		port->pdrequest = NULL;
		port->mscount = 0;
		port->seqno = 0;
		port->guarded = false;
		port->strict_guard = false;
		port->immovable_receive = false;
		port->context = 0;
		wait_list_wake_all(&port->receivers, GLUE_WAIT_RESTART);
		ipc_notify_port_destroyed(notify, port);
		ipc_port_release(port);
		return;
	}

	port->active = false;
	port->guarded = false;
	ipc_port_live_count--;
	wait_list_wake_all(&port->receivers, GLUE_WAIT_RESTART);
	wait_list_wake_all(&port->senders, GLUE_WAIT_RESTART);

	/*
	 * Messages die with the port. They may carry receive rights whose
	 * queues hold more such messages: the chain is as long as a client
	 * makes it, so it is taken apart by a loop, not by recursion.
	 */
	struct ipc_kmsg *kmsg;

	while ((kmsg = port->messages.head)) {
		port->messages.head = kmsg->next;
		port->msgcount--;
		ipc_kmsg_destroy_later(kmsg);
	}
	port->messages.tail = NULL;

	struct ipc_port *nsrequest = port->nsrequest;

	port->nsrequest = NULL;
	if (nsrequest)
		ipc_port_release_send_once(nsrequest);
	notify_dead_names(port);
	port->kotype = IKOT_NONE;
	port->kobject = NULL;
	ipc_port_release(port);
}
