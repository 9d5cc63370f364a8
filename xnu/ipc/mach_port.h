/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mach_port_* on a space (ipc/mach_port.c). */
#ifndef XNU_IPC_MACH_PORT_H
#define XNU_IPC_MACH_PORT_H

#include <stdbool.h>

#include <mach_debug/ipc_info.h>

#include "ipc_internal.h"

/* The most words any flavor of mach_port_get_attributes fills. */
#define MACH_PORT_INFO_MAX_COUNT MACH_PORT_INFO_EXT_COUNT

kern_return_t mach_port_allocate(struct ipc_space *space, mach_port_right_t right, mach_port_name_t *name);
kern_return_t mach_port_allocate_name(struct ipc_space *space, mach_port_right_t right, mach_port_name_t name);
kern_return_t mach_port_destroy(struct ipc_space *space, mach_port_name_t name);
kern_return_t mach_port_deallocate(struct ipc_space *space, mach_port_name_t name);
kern_return_t mach_port_mod_refs(struct ipc_space *space, mach_port_name_t name, mach_port_right_t right,
				 mach_port_delta_t delta);
kern_return_t mach_port_get_refs(struct ipc_space *space, mach_port_name_t name, mach_port_right_t right,
				 mach_port_urefs_t *urefs);
kern_return_t mach_port_type(struct ipc_space *space, mach_port_name_t name, mach_port_type_t *type);
kern_return_t mach_port_move_member(struct ipc_space *space, mach_port_name_t member, mach_port_name_t after);
kern_return_t mach_port_insert_member(struct ipc_space *space, mach_port_name_t name, mach_port_name_t pset);
kern_return_t mach_port_extract_member(struct ipc_space *space, mach_port_name_t name, mach_port_name_t pset);
/* *members is malloc'ed; the caller frees it. */
kern_return_t mach_port_get_set_status(struct ipc_space *space, mach_port_name_t name,
				       mach_port_name_t **members, uint32_t *count);
kern_return_t mach_port_get_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
				       uint32_t *info, uint32_t *count);
kern_return_t mach_port_set_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
				       const uint32_t *info, uint32_t count);
kern_return_t mach_port_get_context(struct ipc_space *space, mach_port_name_t name, uint64_t *context);
kern_return_t mach_port_set_context(struct ipc_space *space, mach_port_name_t name, uint64_t context);
kern_return_t mach_port_set_mscount(struct ipc_space *space, mach_port_name_t name, mach_port_mscount_t mscount);
kern_return_t mach_port_set_seqno(struct ipc_space *space, mach_port_name_t name, mach_port_seqno_t seqno);
kern_return_t mach_port_guard(struct ipc_space *space, mach_port_name_t name, uint64_t guard, bool strict);
kern_return_t mach_port_guard_with_flags(struct ipc_space *space, mach_port_name_t name, uint64_t guard,
					 uint64_t flags);
kern_return_t mach_port_swap_guard(struct ipc_space *space, mach_port_name_t name, uint64_t old_guard,
				   uint64_t new_guard);
/* Only MACH_PORT_GUARD_INFO: info holds the guard the caller expects. */
kern_return_t mach_port_assert_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
					  const uint32_t *info, uint32_t count);
kern_return_t mach_port_dnrequest_info(struct ipc_space *space, mach_port_name_t name, uint32_t *total,
				       uint32_t *used);
/* allocate_qos and allocate_full: with qos->name set, *name is the name asked for. */
kern_return_t mach_port_allocate_full(struct ipc_space *space, mach_port_right_t right, bool has_proto,
				      struct mach_port_qos *qos, mach_port_name_t *name);
kern_return_t mach_port_unguard(struct ipc_space *space, mach_port_name_t name, uint64_t guard);
kern_return_t mach_port_construct(struct ipc_space *space, const struct mach_port_options *options,
				  uint64_t context, mach_port_name_t *name);
kern_return_t mach_port_destruct(struct ipc_space *space, mach_port_name_t name, mach_port_delta_t srdelta,
				 uint64_t guard);
/* notify is a send-once right (or NULL) that the request consumes; *previous gets the old one. */
kern_return_t mach_port_request_notification(struct ipc_space *space, mach_port_name_t name, int32_t msgid,
					     mach_port_mscount_t sync, struct ipc_port *notify,
					     struct ipc_port **previous);
/* Consumes the right (type MACH_MSG_TYPE_PORT_*) on success. */
kern_return_t mach_port_insert_right(struct ipc_space *space, mach_port_name_t name, struct ipc_object *object,
				     mach_msg_type_name_t type);
/* Both arrays malloc'ed; the caller frees them. */
kern_return_t mach_port_names(struct ipc_space *space, mach_port_name_t **names, mach_port_type_t **types,
			      uint32_t *count);

/* The port behind a receive right: KERN_INVALID_RIGHT (also for NULL/DEAD) or KERN_INVALID_NAME. */
kern_return_t ipc_port_translate_receive(struct ipc_space *space, mach_port_name_t name, struct ipc_port **portp);

/* ---- looking without changing anything (mach_port_debug.c) ---- */
/* *seqno: the message asked for (0: the first), then its number; *trailer_size: room, then size. */
kern_return_t mach_port_peek(struct ipc_space *space, mach_port_name_t name, mach_msg_trailer_type_t trailer_type,
			     mach_port_seqno_t *seqno, mach_msg_size_t *size, mach_msg_id_t *id, uint8_t *trailer,
			     uint32_t *trailer_size);
/* *table (malloc'ed, the caller frees it) has every entry of the table, free ones included. */
kern_return_t mach_port_space_info(struct ipc_space *space, ipc_info_space_t *info, ipc_info_name_t **table,
				   uint32_t *count);
void mach_port_space_basic_info(struct ipc_space *space, ipc_info_space_basic_t *info);
/* XNU's IKOT_* number of what a send or receive right stands for. */
kern_return_t mach_port_kobject(struct ipc_space *space, mach_port_name_t name, natural_t *type);
kern_return_t mach_port_is_connection_for_service(struct ipc_space *space, mach_port_name_t connection,
						  mach_port_name_t service);
kern_return_t mach_port_get_service_port_info(struct ipc_space *space, mach_port_name_t name);

#endif
