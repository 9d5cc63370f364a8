/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port_* routines: rights, references, port sets, notifications,
 * attributes and guards in a task's IPC space, with XNU's signatures.
 *
 * libdserver sends the routines that have a trap (PROTOCOL.md §4 calls
 * 39-52) as that trap; when the trap answers MACH_SEND_INVALID_DEST (the
 * target is not the caller's own task) it sends the MIG request instead, as
 * XNU's libsyscall does. The others are MIG requests (subsystem mach_port,
 * ids 3200 + n) sent with mach_msg() to the task port `task`.
 *
 * Arrays returned out of line (mach_port_names(), mach_port_get_set_status())
 * are new mappings in the caller's address space: release them with
 * vm_deallocate(mach_task_self(), address, count * sizeof(element)).
 *
 * When the server cannot be reached, a trap-backed routine returns
 * KERN_FAILURE and a MIG routine returns MACH_SEND_INVALID_DEST.
 */
#ifndef _MACH_MACH_PORT_H_
#define _MACH_MACH_PORT_H_

#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach_debug/mach_debug_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every name in the space, with its type; two out-of-line arrays. */
extern kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
				     mach_msg_type_number_t *namesCnt,
				     mach_port_type_array_t *types,
				     mach_msg_type_number_t *typesCnt);

extern kern_return_t mach_port_type(ipc_space_t task, mach_port_name_t name,
				    mach_port_type_t *ptype);

/* right: RECEIVE, PORT_SET or DEAD_NAME. */
extern kern_return_t mach_port_allocate(ipc_space_t task, mach_port_right_t right,
					mach_port_name_t *name);
extern kern_return_t mach_port_allocate_name(ipc_space_t task, mach_port_right_t right,
					     mach_port_name_t name);
extern kern_return_t mach_port_allocate_qos(ipc_space_t task, mach_port_right_t right,
					    mach_port_qos_t *qos, mach_port_name_t *name);
extern kern_return_t mach_port_allocate_full(ipc_space_t task, mach_port_right_t right,
					     mach_port_t proto, mach_port_qos_t *qos,
					     mach_port_name_t *name);

/* Every right under the name, at once. */
extern kern_return_t mach_port_destroy(ipc_space_t task, mach_port_name_t name);
/* One user reference of a send, send-once or dead-name right. */
extern kern_return_t mach_port_deallocate(ipc_space_t task, mach_port_name_t name);

extern kern_return_t mach_port_get_refs(ipc_space_t task, mach_port_name_t name,
					mach_port_right_t right, mach_port_urefs_t *refs);
extern kern_return_t mach_port_mod_refs(ipc_space_t task, mach_port_name_t name,
					mach_port_right_t right, mach_port_delta_t delta);

/* The message at *request_seqnop (0: the first) on a receive right, without receiving it. */
extern kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
				    mach_msg_trailer_type_t trailer_type,
				    mach_port_seqno_t *request_seqnop, mach_msg_size_t *msg_sizep,
				    mach_msg_id_t *msg_idp, mach_msg_trailer_info_t trailer_infop,
				    mach_msg_type_number_t *trailer_infopCnt);

extern kern_return_t mach_port_set_mscount(ipc_space_t task, mach_port_name_t name,
					   mach_port_mscount_t mscount);
extern kern_return_t mach_port_set_seqno(ipc_space_t task, mach_port_name_t name,
					 mach_port_seqno_t seqno);

/* The members of a port set; one out-of-line array. */
extern kern_return_t mach_port_get_set_status(ipc_space_read_t task, mach_port_name_t name,
					      mach_port_name_array_t *members,
					      mach_msg_type_number_t *membersCnt);
/* Moves a receive right into the set `after`, or out of every set (MACH_PORT_NULL). */
extern kern_return_t mach_port_move_member(ipc_space_t task, mach_port_name_t member,
					   mach_port_name_t after);
extern kern_return_t mach_port_insert_member(ipc_space_t task, mach_port_name_t name,
					     mach_port_name_t pset);
extern kern_return_t mach_port_extract_member(ipc_space_t task, mach_port_name_t name,
					      mach_port_name_t pset);

/*
 * Arms notification msgid (<mach/notify.h>) on name, to be sent to notify
 * (disposition notifyPoly, which must yield a send-once right); *previous
 * receives the send-once right of a request it replaces.
 */
extern kern_return_t mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
						    mach_msg_id_t msgid, mach_port_mscount_t sync,
						    mach_port_t notify,
						    mach_msg_type_name_t notifyPoly,
						    mach_port_t *previous);

/* Gives the task the right poly (as disposition polyPoly) under name. */
extern kern_return_t mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
					    mach_port_t poly, mach_msg_type_name_t polyPoly);
/* Takes a right out of the task into the caller's space. */
extern kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
					     mach_msg_type_name_t msgt_name, mach_port_t *poly,
					     mach_msg_type_name_t *polyPoly);

/* *port_info_outCnt: words available on entry, words written on return. */
extern kern_return_t mach_port_get_attributes(ipc_space_read_t task, mach_port_name_t name,
					      mach_port_flavor_t flavor,
					      mach_port_info_t port_info_out,
					      mach_msg_type_number_t *port_info_outCnt);
extern kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
					      mach_port_flavor_t flavor,
					      mach_port_info_t port_info,
					      mach_msg_type_number_t port_infoCnt);
extern kern_return_t mach_port_assert_attributes(ipc_space_t task, mach_port_name_t name,
						 mach_port_flavor_t flavor, mach_port_info_t info,
						 mach_msg_type_number_t infoCnt);

/* Obsolete: succeeds and does nothing. */
extern kern_return_t task_set_port_space(ipc_space_t task, int table_entries);

extern kern_return_t mach_port_get_srights(ipc_space_t task, mach_port_name_t name,
					   mach_port_rights_t *srights);
extern kern_return_t mach_port_dnrequest_info(ipc_space_t task, mach_port_name_t name,
					      unsigned *dnr_total, unsigned *dnr_used);

extern kern_return_t mach_port_get_context(ipc_space_read_t task, mach_port_name_t name,
					   mach_port_context_t *context);
extern kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name,
					   mach_port_context_t context);

/* A receive right set up as options says (MPO_*), optionally guarded by context. */
extern kern_return_t mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
					 mach_port_context_t context, mach_port_name_t *name);
/* Destroys a receive right (checking its guard) and drops srdelta send references. */
extern kern_return_t mach_port_destruct(ipc_space_t task, mach_port_name_t name,
					mach_port_delta_t srdelta, mach_port_context_t guard);

extern kern_return_t mach_port_guard(ipc_space_t task, mach_port_name_t name,
				     mach_port_context_t guard, boolean_t strict);
extern kern_return_t mach_port_unguard(ipc_space_t task, mach_port_name_t name,
				       mach_port_context_t guard);
extern kern_return_t mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
						mach_port_context_t guard, uint64_t flags);
extern kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
					  mach_port_context_t old_guard,
					  mach_port_context_t new_guard);

extern kern_return_t mach_port_is_connection_for_service(ipc_space_t task,
							 mach_port_name_t connection_port,
							 mach_port_name_t service_port,
							 uint64_t *filter_policy_id);
extern kern_return_t mach_port_get_service_port_info(ipc_space_read_t task,
						     mach_port_name_t name,
						     mach_service_port_info_data_t *sp_info_out);

/*
 * Debugging (mach_port_debug_mig.c). space_info returns every entry of the
 * table, free ones included, as an out-of-line array (release it with
 * vm_deallocate), and an always empty tree array.
 */
extern kern_return_t mach_port_space_info(ipc_space_read_t space, ipc_info_space_t *space_info,
					  ipc_info_name_array_t *table_info,
					  mach_msg_type_number_t *table_infoCnt,
					  ipc_info_tree_name_array_t *tree_info,
					  mach_msg_type_number_t *tree_infoCnt);
extern kern_return_t mach_port_space_basic_info(ipc_space_inspect_t task,
						ipc_info_space_basic_t *basic_info);
/* XNU's IKOT_* number of what a send or receive right stands for; the address is always 0. */
extern kern_return_t mach_port_kobject(ipc_space_read_t task, mach_port_name_t name,
				       natural_t *object_type, mach_vm_address_t *object_addr);
extern kern_return_t mach_port_kobject_description(ipc_space_read_t task, mach_port_name_t name,
						   natural_t *object_type,
						   mach_vm_address_t *object_addr,
						   kobject_description_t description);

#ifdef __cplusplus
}
#endif

#endif
