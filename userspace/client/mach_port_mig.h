/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MIG encodings of the mach_port routines that also have a trap
 * (mach_port.c tries the trap first). Same arguments as the public
 * routines; mach_port_mig.c documents the messages.
 */
#ifndef DSERVER_CLIENT_MACH_PORT_MIG_H
#define DSERVER_CLIENT_MACH_PORT_MIG_H

#include "mach_api.h"

kern_return_t mig_mach_port_type(ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype);
kern_return_t mig_mach_port_allocate(ipc_space_t task, mach_port_right_t right,
				     mach_port_name_t *name);
kern_return_t mig_mach_port_deallocate(ipc_space_t task, mach_port_name_t name);
kern_return_t mig_mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
				     mach_port_right_t right, mach_port_delta_t delta);
kern_return_t mig_mach_port_move_member(ipc_space_t task, mach_port_name_t member,
					mach_port_name_t after);
kern_return_t mig_mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
						 mach_msg_id_t msgid, mach_port_mscount_t sync,
						 mach_port_t notify,
						 mach_msg_type_name_t notifyPoly,
						 mach_port_t *previous);
kern_return_t mig_mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
					 mach_port_t poly, mach_msg_type_name_t polyPoly);
kern_return_t mig_mach_port_get_attributes(ipc_space_read_t task, mach_port_name_t name,
					   mach_port_flavor_t flavor,
					   mach_port_info_t port_info_out,
					   mach_msg_type_number_t *port_info_outCnt);
kern_return_t mig_mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
					  mach_port_name_t pset);
kern_return_t mig_mach_port_extract_member(ipc_space_t task, mach_port_name_t name,
					   mach_port_name_t pset);
kern_return_t mig_mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
				      mach_port_context_t context, mach_port_name_t *name);
kern_return_t mig_mach_port_destruct(ipc_space_t task, mach_port_name_t name,
				     mach_port_delta_t srdelta, mach_port_context_t guard);
kern_return_t mig_mach_port_guard(ipc_space_t task, mach_port_name_t name,
				  mach_port_context_t guard, boolean_t strict);
kern_return_t mig_mach_port_unguard(ipc_space_t task, mach_port_name_t name,
				    mach_port_context_t guard);

#endif
