/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Notification messages, in XNU's formats (mach/notify.h). Each is sent
 * with the send-once right the requester gave, which the message consumes.
 */
#include <string.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"
#include "ipc_kmsg.h"

/* MIG's NDR record for this machine: little-endian integers, ASCII, IEEE floats. */
const uint8_t ipc_ndr_record[IPC_NDR_SIZE] = { 0, 0, 0, 0, 1, 0, 0, 0 };

static struct ipc_kmsg *notification(struct ipc_port *notify, mach_msg_id_t id, uint32_t inline_size,
				     uint32_t desc_count)
{
	if (!notify->active) {
		/* Nobody can receive it: the send-once right just goes away. */
		ipc_port_release_sonce(notify);
		return NULL;
	}
	struct ipc_kmsg *kmsg = ipc_kmsg_alloc(inline_size, desc_count);

	if (!kmsg) {
		host_log(GLUE_LOG_ERROR, "out of memory: notification %d to port %p lost", id, (void *)notify);
		ipc_port_release_sonce(notify);
		return NULL;
	}
	kmsg->bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0);
	kmsg->dest = notify;
	kmsg->id = id;
	kmsg->kernel_sent = true;
	return kmsg;
}

/* The common shape: NDR record and one 32-bit value. */
static void notify_value(struct ipc_port *notify, mach_msg_id_t id, uint32_t value)
{
	struct ipc_kmsg *kmsg = notification(notify, id, IPC_NDR_SIZE + sizeof(value), 0);

	if (!kmsg)
		return;
	memcpy(kmsg->inline_data, ipc_ndr_record, IPC_NDR_SIZE);
	memcpy(kmsg->inline_data + IPC_NDR_SIZE, &value, sizeof(value));
	ipc_kmsg_send_kernel(kmsg);
}

void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name)
{
	notify_value(notify, MACH_NOTIFY_DEAD_NAME, name);
}

void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name)
{
	notify_value(notify, MACH_NOTIFY_PORT_DELETED, name);
}

void ipc_notify_send_possible(struct ipc_port *notify, mach_port_name_t name)
{
	notify_value(notify, MACH_NOTIFY_SEND_POSSIBLE, name);
}

void ipc_notify_no_senders(struct ipc_port *notify, mach_port_mscount_t mscount)
{
	notify_value(notify, MACH_NOTIFY_NO_SENDERS, mscount);
}

void ipc_notify_send_once(struct ipc_port *notify)
{
	struct ipc_kmsg *kmsg = notification(notify, MACH_NOTIFY_SEND_ONCE, 0, 0);

	if (kmsg)
		ipc_kmsg_send_kernel(kmsg);
}

void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port)
{
	struct ipc_kmsg *kmsg = notification(notify, MACH_NOTIFY_PORT_DESTROYED, 0, 1);

	if (!kmsg) {
		/* The receive right has nowhere to go: it dies after all. */
		ipc_port_destroy(port);
		return;
	}
	kmsg->bits |= MACH_MSGH_BITS_COMPLEX;
	kmsg->descs[0].type = MACH_MSG_PORT_DESCRIPTOR;
	kmsg->descs[0].disposition = MACH_MSG_TYPE_PORT_RECEIVE;
	kmsg->descs[0].object = &port->object;
	ipc_port_reference(port); /* the message's, for the receive right it carries */
	port->carried_by = kmsg;
	ipc_kmsg_send_kernel(kmsg);
}
