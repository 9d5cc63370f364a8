/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What mach_port_space_info() and mach_port_space_basic_info() report
 * about a task's IPC space, in XNU's layouts (every field 32 bits).
 */
#ifndef _MACH_DEBUG_IPC_INFO_H_
#define _MACH_DEBUG_IPC_INFO_H_

#include <mach/boolean.h>
#include <mach/machine/vm_types.h>
#include <mach/port.h>

typedef struct ipc_info_space {
	natural_t iis_genno_mask;  /* the bits of a name that are its generation */
	natural_t iis_table_size;  /* entries in the table, index 0 included */
	natural_t iis_table_next;  /* unused: 0 */
	natural_t iis_tree_size;   /* unused (the splay tree is gone): 0 */
	natural_t iis_tree_small;  /* unused: 0 */
	natural_t iis_tree_hash;   /* unused: 0 */
} ipc_info_space_t;

typedef struct ipc_info_space_basic {
	natural_t iisb_genno_mask;
	natural_t iisb_table_size;
	natural_t iisb_table_next;  /* unused: 0 */
	natural_t iisb_table_inuse; /* names in use */
	natural_t iisb_reserved[2];
} ipc_info_space_basic_t;

/* One table entry, used or free. */
typedef struct ipc_info_name {
	mach_port_name_t iin_name;     /* index and current generation */
	integer_t iin_collision;       /* always 0 */
	mach_port_type_t iin_type;     /* MACH_PORT_TYPE_* and request bits; 0 when free */
	mach_port_urefs_t iin_urefs;
	natural_t iin_object;          /* identifies the port or set (the same in every space), 0: none */
	natural_t iin_next;            /* a free entry's successor on the free list */
	natural_t iin_hash;            /* always 0 */
} ipc_info_name_t;

typedef ipc_info_name_t *ipc_info_name_array_t;

typedef struct ipc_info_tree_name {
	ipc_info_name_t iitn_name;
	mach_port_name_t iitn_lchild;
	mach_port_name_t iitn_rchild;
} ipc_info_tree_name_t;

/* Always empty: XNU no longer has the tree. */
typedef ipc_info_tree_name_t *ipc_info_tree_name_array_t;

#endif
