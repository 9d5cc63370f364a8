/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Read-only views of a task's IPC state, for the debug calls. */
#include "../ipc/ipc_kmsg.h"
#include "../xnu.h"
#include "kern_internal.h"

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
		if (n < max) {
			struct ipc_port *port = ipc_port_of(entry->object);

			out[n].name = ipc_entry_name(space, entry);
			out[n].type = entry->type | (entry->request ? MACH_PORT_TYPE_DNREQUEST : 0);
			out[n].urefs = entry->urefs;
			out[n].msgcount = port && (entry->type & MACH_PORT_TYPE_RECEIVE) ? port->msgcount : 0;
		}
		n++;
	}
	return n;
}

static struct ipc_entry *entry_of_type(struct xnu_task *task, xnu_port_name_t name, mach_port_type_t type)
{
	struct ipc_entry *entry = task->space ? ipc_entry_lookup(task->space, name) : NULL;

	return entry && (entry->type & type) ? entry : NULL;
}

int64_t xnu_task_list_members(struct xnu_task *task, xnu_port_name_t name, xnu_port_name_t *out, uint64_t max)
{
	struct ipc_entry *entry = entry_of_type(task, name, MACH_PORT_TYPE_PORT_SET);

	if (!entry)
		return -1;
	struct ipc_pset *pset = (struct ipc_pset *)entry->object;

	for (uint32_t i = 0; i < pset->member_count && i < max; i++) {
		struct ipc_port *port = pset->members[i];

		out[i] = port->receiver == task->space ? port->receiver_name : MACH_PORT_NULL;
	}
	return pset->member_count;
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
			out[n].id = kmsg->id;
			out[n].size = ipc_kmsg_user_size(kmsg, task->is_64_bit);
			out[n].bits = kmsg->bits;
		}
	}
	return n;
}
