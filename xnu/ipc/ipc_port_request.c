/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Send-possible requests (XNU's IPR_SOR_SPREQ/SPARM bits on a port's
 * request table). A sender that finds a queue full can ask to be told when
 * it has room: the request is armed then, and the next message taken off
 * the queue fires every armed request of the port, once each.
 */
#include "ipc_internal.h"

mach_port_type_t ipc_dnrequest_type(const struct ipc_dnrequest *request)
{
	mach_port_type_t type;

	/* A request whose notification already went reports nothing, as in XNU. */
	if (!request || !request->notify)
		return 0;
	type = MACH_PORT_TYPE_DNREQUEST;
	if (request->send_possible) {
		type |= MACH_PORT_TYPE_SPREQUEST;
		if (!request->armed)
			type |= MACH_PORT_TYPE_SPREQUEST_DELAYED;
	}
	return type;
}

void ipc_port_spnotify(struct ipc_port *port)
{
	if (!port->sprequests)
		return;
	port->sprequests = false;
	ipc_port_reference(port);
	/*
	 * Sending a notification may run other code (a dead notify port
	 * releases its right): look again from the start after each one. A
	 * request that fired has no right any more and is skipped.
	 */
	for (;;) {
		struct ipc_dnrequest *request = port->dnrequests;

		while (request && !(request->armed && request->notify))
			request = request->next;
		if (!request || !port->active)
			break;
		struct ipc_port *notify = request->notify;

		request->notify = NULL;
		request->armed = false;
		ipc_notify_send_possible(notify, request->name);
	}
	ipc_port_release(port);
}

bool ipc_port_sparm(struct ipc_space *space, mach_port_name_t name, struct ipc_port *port)
{
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	/* Only the name's own request counts, and only on a queue senders can fill. */
	if (!entry || entry->object != &port->object || !entry->request || !port->active ||
	    port->kotype != IKOT_NONE)
		return false;
	if (!ipc_mqueue_full(port))
		return true;
	if (entry->request->send_possible && entry->request->notify) {
		entry->request->armed = true;
		port->sprequests = true;
	}
	return false;
}
