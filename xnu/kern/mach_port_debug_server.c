/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port routines (subsystem 3200) that look at a task's space:
 * peek, space_info, kobject, space_basic_info, kobject_description and the
 * service-port queries, plus special_reply_port_reset_link, in the layouts
 * of XNU's mach_port.defs (mig_server.h has the common rules).
 */
#include <stdlib.h>
#include <string.h>

#include <mach/mig_errors.h>
#include <mach_debug/mach_debug_types.h>

#include "../ipc/mach_port.h"
#include "mig_server.h"

enum debug_routine {
	PEEK = 9,
	SPACE_INFO = 23,
	KOBJECT = 30,
	SPACE_BASIC_INFO = 35,
	SPECIAL_REPLY_PORT_RESET_LINK = 36,
	KOBJECT_DESCRIPTION = 39,
	IS_CONNECTION_FOR_SERVICE = 40,
	GET_SERVICE_PORT_INFO = 41,
};

/* The most trailer bytes peek returns (mach_msg_trailer_info_t is char[68]). */
#define PEEK_TRAILER_MAX 68u

static uint32_t round4(uint32_t n)
{
	return (n + 3) & ~3u;
}

/* name, trailer_type, seqno, room -> seqno, size, id, count, count trailer bytes (padded) */
static kern_return_t peek(struct mig_call *call, struct ipc_space *space)
{
	uint8_t trailer[PEEK_TRAILER_MAX] = { 0 };
	uint32_t seqno = mig_arg32(call, 8), room = mig_arg32(call, 12);
	mach_msg_size_t size;
	mach_msg_id_t id;

	/* MIG gives the routine no more room than the reply has. */
	if (room > PEEK_TRAILER_MAX)
		room = PEEK_TRAILER_MAX;
	kern_return_t kr = mach_port_peek(space, mig_arg32(call, 0), mig_arg32(call, 4), &seqno, &size, &id, trailer,
					  &room);

	if (kr != KERN_SUCCESS)
		return kr;
	uint8_t *out = mig_reply_simple(call, 16 + round4(room));

	if (out) {
		memcpy(out, &seqno, 4);
		memcpy(out + 4, &size, 4);
		memcpy(out + 8, &id, 4);
		memcpy(out + 12, &room, 4);
		memcpy(out + 16, trailer, room);
	}
	return KERN_SUCCESS;
}

/* -> complex: table_info OOL, tree_info OOL (always empty); NDR, space_info, table_infoCnt, tree_infoCnt */
static kern_return_t space_info(struct mig_call *call, struct ipc_space *space)
{
	ipc_info_space_t info;
	ipc_info_name_t *table;
	uint32_t count, tree_count = 0;
	kern_return_t kr = mach_port_space_info(space, &info, &table, &count);

	if (kr != KERN_SUCCESS)
		return kr;
	struct ipc_kmsg *reply = mig_reply_complex(call, 2, MIG_NDR_SIZE + sizeof(info) + 8);

	if (!reply) {
		free(table);
		return KERN_SUCCESS;
	}
	for (uint32_t i = 0; i < 2; i++) {
		reply->descs[i].type = MACH_MSG_OOL_DESCRIPTOR;
		reply->descs[i].copy = MACH_MSG_VIRTUAL_COPY;
		reply->descs[i].deallocate = true; /* the receiver owns the memory */
	}
	reply->descs[0].ool.data = table;
	reply->descs[0].ool.size = (uint64_t)count * sizeof(*table);
	uint8_t *out = reply->inline_data + MIG_NDR_SIZE;

	memcpy(out, &info, sizeof(info));
	memcpy(out + sizeof(info), &count, 4);
	memcpy(out + sizeof(info) + 4, &tree_count, 4);
	return KERN_SUCCESS;
}

/*
 * name -> object_type, object_addr (u64) [, descriptionOffset, descriptionCnt, description].
 * The address is 0 as on XNU's release kernels; the description is empty,
 * as XNU's for anything that is not an IOKit object.
 */
static kern_return_t kobject(struct mig_call *call, struct ipc_space *space, bool with_description)
{
	natural_t type;
	uint64_t address = 0;
	kern_return_t kr = mach_port_kobject(space, mig_arg32(call, 0), &type);

	if (kr != KERN_SUCCESS)
		return kr;
	/* The string goes with its NUL, padded to 4 bytes; the offset field is unused (0). */
	const uint32_t offset = 0, length = 1;
	uint8_t *out = mig_reply_simple(call, 12 + (with_description ? 8 + round4(length) : 0));

	if (out) {
		memcpy(out, &type, 4);
		memcpy(out + 4, &address, 8);
		if (with_description) {
			memcpy(out + 12, &offset, 4);
			memcpy(out + 16, &length, 4);
			memset(out + 20, 0, round4(length));
		}
	}
	return KERN_SUCCESS;
}

/* The size of each routine's request in-values, or -1 for a routine not served here. */
static int request_size(int routine)
{
	switch (routine) {
	case SPACE_INFO:
	case SPACE_BASIC_INFO:
		return 0;
	case KOBJECT:
	case SPECIAL_REPLY_PORT_RESET_LINK:
	case KOBJECT_DESCRIPTION:
	case GET_SERVICE_PORT_INFO:
		return 4;
	case IS_CONNECTION_FOR_SERVICE:
		return 8;
	case PEEK:
		return 16;
	default:
		return -1;
	}
}

/* What a routine answers when the port is not a live task's (no space). */
static kern_return_t no_space(int routine)
{
	switch (routine) {
	case SPACE_INFO:
	case KOBJECT:
	case KOBJECT_DESCRIPTION:
		/* XNU's *_from_user variants take any port and say so. */
		return KERN_INVALID_ARGUMENT;
	default:
		return KERN_INVALID_TASK;
	}
}

kern_return_t mach_port_debug_server(struct mig_call *call, struct ipc_space *space)
{
	int routine = call->routine, size = request_size(routine);

	if (size < 0)
		return MIG_BAD_ID;
	if (!mig_request_is(call, 0, (uint32_t)size))
		return MIG_BAD_ARGUMENTS;
	/* Compiled only into XNU's development kernels; release kernels answer this to anyone. */
	if (routine == SPECIAL_REPLY_PORT_RESET_LINK)
		return KERN_NOT_SUPPORTED;
	if (!space)
		return no_space(routine);
	switch (routine) {
	case PEEK:
		return peek(call, space);
	case SPACE_INFO:
		return space_info(call, space);
	case KOBJECT:
	case KOBJECT_DESCRIPTION:
		return kobject(call, space, routine == KOBJECT_DESCRIPTION);
	case SPACE_BASIC_INFO: {
		ipc_info_space_basic_t info;
		uint8_t *out = mig_reply_simple(call, sizeof(info));

		mach_port_space_basic_info(space, &info);
		if (out)
			memcpy(out, &info, sizeof(info));
		return KERN_SUCCESS;
	}
	case IS_CONNECTION_FOR_SERVICE:
		return mach_port_is_connection_for_service(space, mig_arg32(call, 0), mig_arg32(call, 4));
	default: /* GET_SERVICE_PORT_INFO */
		return mach_port_get_service_port_info(space, mig_arg32(call, 0));
	}
}
