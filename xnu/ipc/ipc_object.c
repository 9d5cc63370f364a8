/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reference counts of ports and port sets: the last release frees the object. */
#include <stdlib.h>

#include "ipc_internal.h"

uint64_t ipc_port_live_count;
uint64_t ipc_object_count;
static uint32_t last_serial;

void ipc_object_init(struct ipc_object *object, enum ipc_object_kind kind)
{
	object->kind = kind;
	object->serial = ++last_serial;
	if (!object->serial) /* 0 stands for no object */
		object->serial = ++last_serial;
	ipc_object_count++;
}

void ipc_object_reference(struct ipc_object *object)
{
	object->refs++;
}

static void port_free(struct ipc_port *port)
{
	free(port->sets);
	free(port);
}

static void pset_free(struct ipc_pset *pset)
{
	free(pset->members);
	free(pset);
}

void ipc_object_release(struct ipc_object *object)
{
	if (--object->refs)
		return;
	ipc_object_count--;
	if (object->kind == IOT_PORT)
		port_free((struct ipc_port *)object);
	else
		pset_free((struct ipc_pset *)object);
}
