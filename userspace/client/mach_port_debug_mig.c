/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port routines that report on a space, as MIG requests to a task
 * port (ids 3200 + n, as in mach_port_mig.c; docs/MIG.md has the offsets):
 * mach_port_space_info, mach_port_kobject, mach_port_space_basic_info and
 * mach_port_kobject_description. XNU's libsystem has no client for
 * mach_port_special_reply_port_reset_link, so neither has libdserver.
 */
#include <string.h>

#include "mig_client.h"

enum mach_port_debug_routine {
	MACH_PORT_SPACE_INFO = 3223,
	MACH_PORT_KOBJECT = 3230,
	MACH_PORT_SPACE_BASIC_INFO = 3235,
	MACH_PORT_KOBJECT_DESCRIPTION = 3239,
};

/* Inline values are 4-byte aligned: a 64-bit value may follow a 32-bit one directly. */
#define PACKED __attribute__((packed))

/* (no inline in-values) -> table_info: OOL, tree_info: OOL; NDR, space_info, table_infoCnt, tree_infoCnt */
kern_return_t mach_port_space_info(ipc_space_read_t space, ipc_info_space_t *space_info,
				   ipc_info_name_array_t *table_info,
				   mach_msg_type_number_t *table_infoCnt,
				   ipc_info_tree_name_array_t *tree_info,
				   mach_msg_type_number_t *tree_infoCnt)
{
	struct PACKED reply {
		mach_msg_base_t base;
		mach_msg_ool_descriptor_t table, tree;
		NDR_record_t ndr;
		ipc_info_space_t info;
		mach_msg_type_number_t table_count, tree_count;
	} r;
	const struct mig_expect expect = {
		.min_size = sizeof(r),
		.max_size = sizeof(r),
		.descriptors = 2,
		.desc = { { MACH_MSG_OOL_DESCRIPTOR, 0 }, { MACH_MSG_OOL_DESCRIPTOR, 0 } },
	};
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 0);
	kr = mig_call(space, MACH_PORT_SPACE_INFO, &m, &expect);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(&r, m.u.bytes, sizeof(r));
	/* The counts must describe the memory, or the caller would read past it. */
	if (r.table.size != r.table_count * sizeof(ipc_info_name_t) ||
	    r.tree.size != r.tree_count * sizeof(ipc_info_tree_name_t))
		return mig_reject(&m);
	*space_info = r.info;
	*table_info = r.table.address;
	*table_infoCnt = r.table_count;
	*tree_info = r.tree.address;
	*tree_infoCnt = r.tree_count;
	return KERN_SUCCESS;
}

/* (no inline in-values) -> basic_info */
kern_return_t mach_port_space_basic_info(ipc_space_inspect_t task, ipc_info_space_basic_t *basic_info)
{
	return mig_simple(task, MACH_PORT_SPACE_BASIC_INFO, NULL, 0, basic_info, sizeof(*basic_info));
}

/* name -> object_type, object_addr (64-bit) */
kern_return_t mach_port_kobject(ipc_space_read_t task, mach_port_name_t name, natural_t *object_type,
				mach_vm_address_t *object_addr)
{
	struct PACKED { natural_t type; uint64_t addr; } out;
	kern_return_t kr = mig_simple(task, MACH_PORT_KOBJECT, &name, sizeof(name), &out, sizeof(out));

	if (kr == KERN_SUCCESS) {
		*object_type = out.type;
		*object_addr = out.addr;
	}
	return kr;
}

/*
 * name -> object_type, object_addr (64-bit), descriptionOffset (unused),
 * descriptionCnt, description[cnt] (a string with its NUL, padded to 4)
 */
kern_return_t mach_port_kobject_description(ipc_space_read_t task, mach_port_name_t name,
					    natural_t *object_type, mach_vm_address_t *object_addr,
					    kobject_description_t description)
{
	struct PACKED { natural_t type; uint64_t addr; uint32_t offset, count; } out;
	char text[KOBJECT_DESCRIPTION_LENGTH];
	mach_msg_type_number_t count = sizeof(text);
	kern_return_t kr = mig_counted_call(task, MACH_PORT_KOBJECT_DESCRIPTION, &name, sizeof(name), &out,
					    sizeof(out), text, 1, sizeof(text), &count);

	if (kr != KERN_SUCCESS)
		return kr;
	*object_type = out.type;
	*object_addr = out.addr;
	/* As MIG's string copy: up to the first NUL, and always terminated. */
	memcpy(description, text, count);
	description[count < sizeof(text) ? count : sizeof(text) - 1] = '\0';
	return KERN_SUCCESS;
}
