/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port_* routines that look at a space or a queue without changing
 * them: peek, space_info, space_basic_info, kobject and the service-port
 * queries (XNU's ipc/mach_port.c and ipc/mach_debug.c).
 */
#include <stdlib.h>
#include <string.h>

#include "../kern/kern_internal.h"
#include "ipc_kmsg.h"
#include "mach_port.h"

/* The generation is the low byte of a name (XNU's MACH_PORT_NGEN(MACH_PORT_DEAD)). */
#define GENNO_MASK 0xffu
/* The type bits an entry itself holds (XNU's IE_BITS_TYPE_MASK). */
#define ENTRY_TYPE_BITS 0x001f0000u
/* XNU stores this size in a queued message's trailer; the receive sets the real one. */
#define QUEUED_TRAILER_SIZE 8u

kern_return_t mach_port_peek(struct ipc_space *space, mach_port_name_t name, mach_msg_trailer_type_t trailer_type,
			     mach_port_seqno_t *seqno, mach_msg_size_t *size, mach_msg_id_t *id, uint8_t *trailer,
			     uint32_t *trailer_size)
{
	struct ipc_port *port;
	kern_return_t kr;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	/* Nothing past the audit trailer: the context would give away the port's guard. */
	uint32_t wanted = ipc_kmsg_trailer_size(trailer_type);

	if (GET_RCV_ELEMENTS(trailer_type) > MACH_RCV_TRAILER_AUDIT || wanted > *trailer_size)
		return KERN_INVALID_VALUE;
	*trailer_size = wanted;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	/* 0 asks for the first message; another number must be one of those queued. */
	uint32_t offset = *seqno ? *seqno - port->seqno : 0;
	struct ipc_kmsg *kmsg = offset < port->msgcount ? port->messages.head : NULL;

	for (uint32_t i = 0; kmsg && i < offset; i++)
		kmsg = kmsg->next;
	if (!kmsg)
		return KERN_FAILURE;
	*seqno = port->seqno + offset;
	*size = ipc_kmsg_user_size(kmsg, space->task && space->task->is_64_bit);
	*id = kmsg->id;
	/* The trailer as queued: no context (the audit trailer ends before it), its seqno filled in. */
	ipc_kmsg_write_trailer(trailer, wanted, kmsg, NULL);
	memcpy(trailer + 4, &(uint32_t){ QUEUED_TRAILER_SIZE }, 4);
	if (wanted >= 12)
		memcpy(trailer + 8, seqno, 4);
	return KERN_SUCCESS;
}

/* The entry's type as space_info reports it: no dead-port check, requests shown only on port rights. */
static mach_port_type_t entry_info_type(const struct ipc_entry *entry)
{
	mach_port_type_t type = entry->type & ENTRY_TYPE_BITS;

	if (type & MACH_PORT_TYPE_PORT_RIGHTS)
		type |= ipc_dnrequest_type(entry->request);
	return type;
}

kern_return_t mach_port_space_info(struct ipc_space *space, ipc_info_space_t *info, ipc_info_name_t **table,
				   uint32_t *count)
{
	uint32_t size = space->capacity;

	memset(info, 0, sizeof(*info));
	info->iis_genno_mask = GENNO_MASK;
	info->iis_table_size = size;
	*table = NULL;
	*count = 0;
	if (!size)
		return KERN_SUCCESS;
	*table = calloc(size, sizeof(**table));
	if (!*table)
		return KERN_RESOURCE_SHORTAGE;
	for (uint32_t index = 0; index < size; index++) {
		const struct ipc_entry *entry = &space->table[index];
		ipc_info_name_t *out = &(*table)[index];

		/* Index 0 is never a name: XNU shows it with every generation bit set, heading the free list. */
		out->iin_name = index ? MACH_PORT_MAKE(index, (uint32_t)entry->gen << 24) : GENNO_MASK;
		if (!index) {
			out->iin_next = space->free_head;
			continue;
		}
		out->iin_type = entry_info_type(entry);
		out->iin_urefs = (entry->type & MACH_PORT_TYPE_SEND_ONCE) ? 1 : entry->urefs;
		out->iin_object = entry->object ? entry->object->serial : 0;
		out->iin_next = entry->type ? 0 : entry->next_free;
	}
	*count = size;
	return KERN_SUCCESS;
}

void mach_port_space_basic_info(struct ipc_space *space, ipc_info_space_basic_t *info)
{
	memset(info, 0, sizeof(*info));
	info->iisb_genno_mask = GENNO_MASK;
	info->iisb_table_size = space->capacity;
	info->iisb_table_inuse = space->used;
}

/* XNU's IKOT_* number for a kernel object (osfmk/kern/ipc_kobject.h). */
static natural_t xnu_kotype(enum ipc_kobject_type kotype)
{
	switch (kotype) {
	case IKOT_THREAD:
		return 1; /* IKOT_THREAD_CONTROL */
	case IKOT_TASK:
		return 2; /* IKOT_TASK_CONTROL */
	case IKOT_HOST:
		return 3; /* IKOT_HOST: what mach_host_self() returns */
	case IKOT_TASK_NAME:
		return 20;
	default:
		/* Exception reply ports are ordinary kernel-held ports in XNU (IKOT_NONE). */
		return 0;
	}
}

kern_return_t mach_port_kobject(struct ipc_space *space, mach_port_name_t name, natural_t *type)
{
	struct ipc_entry *entry = ipc_entry_lookup(space, name);

	/* A dead name, or a right to a port that died, names no live object. */
	if (!entry || !entry->object)
		return KERN_INVALID_NAME;
	struct ipc_port *port = ipc_port_of(entry->object);

	if (port && !port->active)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_SEND_RECEIVE))
		return KERN_INVALID_RIGHT;
	*type = xnu_kotype(port->kotype);
	return KERN_SUCCESS;
}

/*
 * dserver has no service ports (MPO_SERVICE_PORT is refused), so a valid
 * receive right is never one: XNU's answer for such a port.
 */
kern_return_t mach_port_is_connection_for_service(struct ipc_space *space, mach_port_name_t connection,
						  mach_port_name_t service)
{
	struct ipc_port *port;
	kern_return_t kr;

	if (!MACH_PORT_VALID(connection) || !MACH_PORT_VALID(service))
		return KERN_INVALID_NAME;
	if ((kr = ipc_port_translate_receive(space, service, &port)) != KERN_SUCCESS)
		return kr;
	return KERN_INVALID_CAPABILITY;
}

kern_return_t mach_port_get_service_port_info(struct ipc_space *space, mach_port_name_t name)
{
	struct ipc_port *port;
	kern_return_t kr;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	return KERN_INVALID_CAPABILITY;
}
