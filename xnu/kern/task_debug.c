/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Read-only views of a task's IPC state, for the debug calls. */
#include "../ipc/ipc_kmsg.h"
#include "../xnu.h"
#include "kern_internal.h"

static void port_info(struct ipc_space *space, struct ipc_entry *entry, struct xnu_port_info *out)
{
	struct ipc_port *port = ipc_port_of(entry->object);

	out->name = ipc_entry_name(space, entry);
	out->type = entry->type | (entry->request ? MACH_PORT_TYPE_DNREQUEST : 0);
	out->urefs = entry->urefs;
	out->msgcount = port && (entry->type & MACH_PORT_TYPE_RECEIVE) ? port->msgcount : 0;
}

uint64_t xnu_task_list_ports(struct xnu_task *task, struct xnu_port_info *out, uint64_t max)
{
	struct ipc_space *space = task->space;
	uint64_t n = 0;

	if (!space)
		return 0;
	for (uint32_t index = 1; index < space->capacity; index++) {
		struct ipc_entry *entry = &space->table[index];

		if (!entry->type)
			continue;
		if (n < max)
			port_info(space, entry, &out[n]);
		n++;
	}
	return n;
}

static struct ipc_entry *entry_of_type(struct xnu_task *task, xnu_port_name_t name, mach_port_type_t type)
{
	struct ipc_entry *entry = task->space ? ipc_entry_lookup(task->space, name) : NULL;

	return entry && (entry->type & type) ? entry : NULL;
}

int64_t xnu_task_list_members(struct xnu_task *task, xnu_port_name_t name, struct xnu_port_info *out, uint64_t max)
{
	struct ipc_entry *entry = entry_of_type(task, name, MACH_PORT_TYPE_PORT_SET);
	int64_t n = 0;

	if (!entry)
		return -1;
	struct ipc_pset *pset = (struct ipc_pset *)entry->object;

	for (uint32_t i = 0; i < pset->member_count; i++) {
		struct ipc_port *port = pset->members[i];
		struct ipc_entry *member = port->receiver == task->space ?
			ipc_entry_lookup(task->space, port->receiver_name) : NULL;

		if (!member)
			continue;
		if ((uint64_t)n < max)
			port_info(task->space, member, &out[n]);
		n++;
	}
	return n;
}

int64_t xnu_task_list_messages(struct xnu_task *task, xnu_port_name_t name, struct xnu_message_info *out,
			       uint64_t max)
{
	struct ipc_entry *entry = entry_of_type(task, name, MACH_PORT_TYPE_RECEIVE);
	int64_t n = 0;

	if (!entry)
		return -1;
	for (struct ipc_kmsg *kmsg = ipc_port_of(entry->object)->messages.head; kmsg; kmsg = kmsg->next, n++) {
		if ((uint64_t)n < max) {
			out[n].sender = kmsg->kernel_sent ? 0 : (int32_t)kmsg->audit[5];
			out[n].size = ipc_kmsg_user_size(kmsg, task->is_64_bit);
		}
	}
	return n;
}
