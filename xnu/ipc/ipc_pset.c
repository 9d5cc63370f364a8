/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Port sets. A port may belong to several sets (as in XNU since the waitq
 * rewrite); each side keeps an array of the other, both small in practice.
 */
#include <stdlib.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"

static kern_return_t pset_enter(struct ipc_space *space, struct ipc_pset *pset, mach_port_name_t name,
				struct ipc_entry *entry)
{
	ipc_object_init(&pset->object, IOT_PORT_SET);
	pset->object.refs = 1; /* the entry's */
	pset->active = true;
	pset->space = space;
	pset->name = name;
	entry->object = &pset->object;
	entry->type = MACH_PORT_TYPE_PORT_SET;
	return KERN_SUCCESS;
}

static kern_return_t pset_alloc(struct ipc_space *space, bool named, mach_port_name_t *name,
				struct ipc_pset **psetp)
{
	struct ipc_entry *entry;
	struct ipc_pset *pset = calloc(1, sizeof(*pset));

	if (!pset)
		return KERN_RESOURCE_SHORTAGE;
	kern_return_t kr = named ? ipc_entry_alloc_name(space, *name, &entry) : ipc_entry_alloc(space, name, &entry);

	if (kr != KERN_SUCCESS) {
		free(pset);
		return kr;
	}
	*psetp = pset;
	return pset_enter(space, pset, *name, entry);
}

kern_return_t ipc_pset_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_pset **psetp)
{
	return pset_alloc(space, false, name, psetp);
}

kern_return_t ipc_pset_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_pset **psetp)
{
	return pset_alloc(space, true, &name, psetp);
}

bool ipc_pset_has_member(struct ipc_pset *pset, struct ipc_port *port)
{
	for (uint32_t i = 0; i < pset->member_count; i++) {
		if (pset->members[i] == port)
			return true;
	}
	return false;
}

static bool grow(void **array, uint32_t *capacity, uint32_t count, size_t element)
{
	if (count < *capacity)
		return true;
	uint32_t bigger = *capacity ? *capacity * 2 : 4;
	void *fresh = realloc(*array, bigger * element);

	if (!fresh)
		return false;
	*array = fresh;
	*capacity = bigger;
	return true;
}

kern_return_t ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port)
{
	if (ipc_pset_has_member(pset, port))
		return KERN_ALREADY_IN_SET;
	if (!grow((void **)&pset->members, &pset->member_capacity, pset->member_count, sizeof(port)) ||
	    !grow((void **)&port->sets, &port->set_capacity, port->set_count, sizeof(pset)))
		return KERN_RESOURCE_SHORTAGE;
	pset->members[pset->member_count++] = port;
	port->sets[port->set_count++] = pset;
	/* A receiver waiting on the set may now have a message. */
	if (port->msgcount)
		wait_list_wake_one(&pset->receivers, GLUE_WAIT_AWAKENED);
	return KERN_SUCCESS;
}

static bool remove_pointer(void **array, uint32_t *count, void *pointer)
{
	for (uint32_t i = 0; i < *count; i++) {
		if (array[i] == pointer) {
			/* Keep the order: receives from a set are served oldest message first anyway. */
			for (uint32_t j = i + 1; j < *count; j++)
				array[j - 1] = array[j];
			(*count)--;
			return true;
		}
	}
	return false;
}

kern_return_t ipc_pset_remove(struct ipc_pset *pset, struct ipc_port *port)
{
	if (!remove_pointer((void **)pset->members, &pset->member_count, port))
		return KERN_NOT_IN_SET;
	remove_pointer((void **)port->sets, &port->set_count, pset);
	return KERN_SUCCESS;
}

void ipc_pset_destroy(struct ipc_pset *pset)
{
	while (pset->member_count)
		ipc_pset_remove(pset, pset->members[pset->member_count - 1]);
	pset->active = false;
	wait_list_wake_all(&pset->receivers, GLUE_WAIT_RESTART);
}
