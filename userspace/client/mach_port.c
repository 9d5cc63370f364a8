/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port routines that have a trap. As in XNU's libsyscall, the
 * trap (one server call) comes first; it only serves the caller's own IPC
 * space and answers MACH_SEND_INVALID_DEST for any other task port, in
 * which case the routine goes as a MIG request to that port instead
 * (mig_mach_port_* in mach_port_mig.c).
 */
#include <stdbool.h>

#include "mach_api.h"
#include "mach_port_mig.h"

/* Whether the trap declined the target: then MIG has to carry the call. */
static bool not_own_space(kern_return_t kr)
{
	return kr == MACH_SEND_INVALID_DEST;
}

/* routine(params): the trap with args, else the MIG request with the same args. */
#define TRAP_THEN_MIG(routine, params, args)                                 \
	kern_return_t routine params                                         \
	{                                                                    \
		kern_return_t kr = _kernelrpc_##routine##_trap args;         \
                                                                             \
		return not_own_space(kr) ? mig_##routine args : kr;          \
	}

TRAP_THEN_MIG(mach_port_type,
	      (ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype),
	      (task, name, ptype))

TRAP_THEN_MIG(mach_port_allocate,
	      (ipc_space_t task, mach_port_right_t right, mach_port_name_t *name),
	      (task, right, name))

TRAP_THEN_MIG(mach_port_deallocate, (ipc_space_t task, mach_port_name_t name), (task, name))

TRAP_THEN_MIG(mach_port_mod_refs,
	      (ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
	       mach_port_delta_t delta),
	      (task, name, right, delta))

TRAP_THEN_MIG(mach_port_move_member,
	      (ipc_space_t task, mach_port_name_t member, mach_port_name_t after),
	      (task, member, after))

TRAP_THEN_MIG(mach_port_request_notification,
	      (ipc_space_t task, mach_port_name_t name, mach_msg_id_t msgid,
	       mach_port_mscount_t sync, mach_port_t notify, mach_msg_type_name_t notifyPoly,
	       mach_port_t *previous),
	      (task, name, msgid, sync, notify, notifyPoly, previous))

TRAP_THEN_MIG(mach_port_insert_right,
	      (ipc_space_t task, mach_port_name_t name, mach_port_t poly,
	       mach_msg_type_name_t polyPoly),
	      (task, name, poly, polyPoly))

TRAP_THEN_MIG(mach_port_get_attributes,
	      (ipc_space_read_t task, mach_port_name_t name, mach_port_flavor_t flavor,
	       mach_port_info_t port_info_out, mach_msg_type_number_t *port_info_outCnt),
	      (task, name, flavor, port_info_out, port_info_outCnt))

TRAP_THEN_MIG(mach_port_insert_member,
	      (ipc_space_t task, mach_port_name_t name, mach_port_name_t pset),
	      (task, name, pset))

TRAP_THEN_MIG(mach_port_extract_member,
	      (ipc_space_t task, mach_port_name_t name, mach_port_name_t pset),
	      (task, name, pset))

TRAP_THEN_MIG(mach_port_construct,
	      (ipc_space_t task, mach_port_options_ptr_t options, mach_port_context_t context,
	       mach_port_name_t *name),
	      (task, options, context, name))

TRAP_THEN_MIG(mach_port_destruct,
	      (ipc_space_t task, mach_port_name_t name, mach_port_delta_t srdelta,
	       mach_port_context_t guard),
	      (task, name, srdelta, guard))

TRAP_THEN_MIG(mach_port_guard,
	      (ipc_space_t task, mach_port_name_t name, mach_port_context_t guard,
	       boolean_t strict),
	      (task, name, guard, strict))

TRAP_THEN_MIG(mach_port_unguard,
	      (ipc_space_t task, mach_port_name_t name, mach_port_context_t guard),
	      (task, name, guard))
