/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port routines as MIG requests to a task port: subsystem
 * mach_port, request id 3200 + the routine's position in XNU's
 * mach_port.defs, reply id + 100. The routines that have a trap are
 * exported from mach_port.c, which falls back to these (mig_mach_port_*);
 * the others are exported from here.
 *
 * Layouts (mig_client.h has the common rules): each routine's comment
 * lists the inline in-values after the NDR record, then "->" and the
 * out-values after RetCode. Descriptors are named where a message has
 * them. docs/MIG.md has the offsets.
 */
#include <string.h>

#include "mach_port_mig.h"
#include "mig_client.h"

enum mach_port_routine {
	MACH_PORT_NAMES = 3200,
	MACH_PORT_TYPE = 3201,
	MACH_PORT_ALLOCATE_NAME = 3203,
	MACH_PORT_ALLOCATE = 3204,
	MACH_PORT_DESTROY = 3205,
	MACH_PORT_DEALLOCATE = 3206,
	MACH_PORT_GET_REFS = 3207,
	MACH_PORT_MOD_REFS = 3208,
	MACH_PORT_PEEK = 3209,
	MACH_PORT_SET_MSCOUNT = 3210,
	MACH_PORT_GET_SET_STATUS = 3211,
	MACH_PORT_MOVE_MEMBER = 3212,
	MACH_PORT_REQUEST_NOTIFICATION = 3213,
	MACH_PORT_INSERT_RIGHT = 3214,
	MACH_PORT_EXTRACT_RIGHT = 3215,
	MACH_PORT_SET_SEQNO = 3216,
	MACH_PORT_GET_ATTRIBUTES = 3217,
	MACH_PORT_SET_ATTRIBUTES = 3218,
	MACH_PORT_ALLOCATE_QOS = 3219,
	MACH_PORT_ALLOCATE_FULL = 3220,
	TASK_SET_PORT_SPACE = 3221,
	MACH_PORT_GET_SRIGHTS = 3222,
	MACH_PORT_DNREQUEST_INFO = 3224,
	MACH_PORT_INSERT_MEMBER = 3226,
	MACH_PORT_EXTRACT_MEMBER = 3227,
	MACH_PORT_GET_CONTEXT = 3228,
	MACH_PORT_SET_CONTEXT = 3229,
	MACH_PORT_CONSTRUCT = 3231,
	MACH_PORT_DESTRUCT = 3232,
	MACH_PORT_GUARD = 3233,
	MACH_PORT_UNGUARD = 3234,
	MACH_PORT_GUARD_WITH_FLAGS = 3237,
	MACH_PORT_SWAP_GUARD = 3238,
	MACH_PORT_IS_CONNECTION_FOR_SERVICE = 3240,
	MACH_PORT_GET_SERVICE_PORT_INFO = 3241,
	MACH_PORT_ASSERT_ATTRIBUTES = 3242,
};

/* Inline values are 4-byte aligned: a 64-bit value may follow a 32-bit one directly. */
#define PACKED __attribute__((packed))

/* The largest flavor of mach_port_info_t (mach_port_info_ext_t), in words. */
#define PORT_INFO_MAX 17
/* The largest trailer mach_port_peek() returns, in bytes. */
#define TRAILER_INFO_MAX 68

/*
 * A complex reply of n out-of-line arrays of 4-byte elements, followed by
 * the NDR record and their n element counts. The memory is the caller's.
 */
static kern_return_t ool_arrays_call(mach_port_t target, mach_msg_id_t id, const void *in,
				     size_t in_size, unsigned n, void **arrays,
				     mach_msg_type_number_t *counts)
{
	const mach_msg_size_t counts_at = sizeof(mach_msg_base_t) +
					  n * sizeof(mach_msg_ool_descriptor_t) +
					  sizeof(NDR_record_t);
	const struct mig_expect expect = {
		.min_size = counts_at + n * sizeof(mach_msg_type_number_t),
		.max_size = counts_at + n * sizeof(mach_msg_type_number_t),
		.descriptors = n,
		.desc = { { MACH_MSG_OOL_DESCRIPTOR, 0 }, { MACH_MSG_OOL_DESCRIPTOR, 0 } },
	};
	mach_msg_ool_descriptor_t d[2];
	mach_msg_type_number_t c[2];
	struct mig_message m;
	kern_return_t kr;
	unsigned i;

	mig_begin(&m, 0);
	if (in_size)
		mig_add(&m, in, in_size);
	kr = mig_call(target, id, &m, &expect);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(d, m.u.bytes + sizeof(mach_msg_base_t), n * sizeof(d[0]));
	memcpy(c, m.u.bytes + counts_at, n * sizeof(c[0]));
	/* The count must describe the memory, or the caller would read past it. */
	for (i = 0; i < n; i++)
		if (d[i].size != c[i] * sizeof(natural_t))
			return mig_reject(&m);
	for (i = 0; i < n; i++) {
		arrays[i] = d[i].address;
		counts[i] = c[i];
	}
	return KERN_SUCCESS;
}

/* A complex reply of exactly one port descriptor; disposition 0 accepts any. */
static kern_return_t port_reply_call(mach_port_t target, mach_msg_id_t id,
				     struct mig_message *m, mach_msg_type_name_t disposition,
				     mach_msg_port_descriptor_t *port)
{
	const struct mig_expect expect = {
		.min_size = sizeof(mach_msg_base_t) + sizeof(*port),
		.max_size = sizeof(mach_msg_base_t) + sizeof(*port),
		.descriptors = 1,
		.desc = { { MACH_MSG_PORT_DESCRIPTOR, disposition } },
	};
	kern_return_t kr = mig_call(target, id, m, &expect);

	if (kr == KERN_SUCCESS)
		memcpy(port, m->u.bytes + sizeof(mach_msg_base_t), sizeof(*port));
	return kr;
}

/* A simple reply of RetCode and `out_size` bytes, to an already built request. */
static kern_return_t built_call(mach_port_t target, mach_msg_id_t id, struct mig_message *m,
				void *out, mach_msg_size_t out_size)
{
	const struct mig_expect expect = {
		.min_size = MIG_SIMPLE_REPLY_DATA + out_size,
		.max_size = MIG_SIMPLE_REPLY_DATA + out_size,
	};
	kern_return_t kr = mig_call(target, id, m, &expect);

	if (kr == KERN_SUCCESS && out_size)
		memcpy(out, m->u.bytes + MIG_SIMPLE_REPLY_DATA, out_size);
	return kr;
}

/*
 * The routines whose in-values are 32-bit words and whose reply is RetCode
 * and at most one out-value, one entry each:
 * (routine, id, parameters, [out-value,] in-values in wire order).
 */
#define WORDS_IN(routine, id, params, ...)                                   \
	kern_return_t routine params                                         \
	{                                                                    \
		const uint32_t in[] = { __VA_ARGS__ };                       \
                                                                             \
		return mig_simple(task, id, in, sizeof(in), NULL, 0);        \
	}
#define WORDS_IN_ONE_OUT(routine, id, params, out, ...)                      \
	kern_return_t routine params                                         \
	{                                                                    \
		const uint32_t in[] = { __VA_ARGS__ };                       \
                                                                             \
		return mig_simple(task, id, in, sizeof(in), out, sizeof(*(out))); \
	}

WORDS_IN_ONE_OUT(mig_mach_port_type, MACH_PORT_TYPE,
		 (ipc_space_t task, mach_port_name_t name, mach_port_type_t *ptype), ptype, name)
WORDS_IN(mach_port_allocate_name, MACH_PORT_ALLOCATE_NAME,
	 (ipc_space_t task, mach_port_right_t right, mach_port_name_t name), right, name)
WORDS_IN_ONE_OUT(mig_mach_port_allocate, MACH_PORT_ALLOCATE,
		 (ipc_space_t task, mach_port_right_t right, mach_port_name_t *name), name, right)
WORDS_IN(mach_port_destroy, MACH_PORT_DESTROY, (ipc_space_t task, mach_port_name_t name), name)
WORDS_IN(mig_mach_port_deallocate, MACH_PORT_DEALLOCATE,
	 (ipc_space_t task, mach_port_name_t name), name)
WORDS_IN_ONE_OUT(mach_port_get_refs, MACH_PORT_GET_REFS,
		 (ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
		  mach_port_urefs_t *refs),
		 refs, name, right)
WORDS_IN(mig_mach_port_mod_refs, MACH_PORT_MOD_REFS,
	 (ipc_space_t task, mach_port_name_t name, mach_port_right_t right,
	  mach_port_delta_t delta),
	 name, right, (uint32_t)delta)
WORDS_IN(mach_port_set_mscount, MACH_PORT_SET_MSCOUNT,
	 (ipc_space_t task, mach_port_name_t name, mach_port_mscount_t mscount), name, mscount)
WORDS_IN(mig_mach_port_move_member, MACH_PORT_MOVE_MEMBER,
	 (ipc_space_t task, mach_port_name_t member, mach_port_name_t after), member, after)
WORDS_IN(mach_port_set_seqno, MACH_PORT_SET_SEQNO,
	 (ipc_space_t task, mach_port_name_t name, mach_port_seqno_t seqno), name, seqno)
WORDS_IN(task_set_port_space, TASK_SET_PORT_SPACE, (ipc_space_t task, int table_entries),
	 (uint32_t)table_entries)
WORDS_IN_ONE_OUT(mach_port_get_srights, MACH_PORT_GET_SRIGHTS,
		 (ipc_space_t task, mach_port_name_t name, mach_port_rights_t *srights),
		 srights, name)
WORDS_IN(mig_mach_port_insert_member, MACH_PORT_INSERT_MEMBER,
	 (ipc_space_t task, mach_port_name_t name, mach_port_name_t pset), name, pset)
WORDS_IN(mig_mach_port_extract_member, MACH_PORT_EXTRACT_MEMBER,
	 (ipc_space_t task, mach_port_name_t name, mach_port_name_t pset), name, pset)
/* The out-value is 64-bit. */
WORDS_IN_ONE_OUT(mach_port_is_connection_for_service, MACH_PORT_IS_CONNECTION_FOR_SERVICE,
		 (ipc_space_t task, mach_port_name_t connection_port,
		  mach_port_name_t service_port, uint64_t *filter_policy_id),
		 filter_policy_id, connection_port, service_port)
/* The out-value is the 256-byte mach_service_port_info_data_t. */
WORDS_IN_ONE_OUT(mach_port_get_service_port_info, MACH_PORT_GET_SERVICE_PORT_INFO,
		 (ipc_space_read_t task, mach_port_name_t name,
		  mach_service_port_info_data_t *sp_info_out),
		 sp_info_out, name)

/* (no inline in-values) -> names: OOL, types: OOL; NDR, namesCnt, typesCnt */
kern_return_t mach_port_names(ipc_space_t task, mach_port_name_array_t *names,
			      mach_msg_type_number_t *namesCnt, mach_port_type_array_t *types,
			      mach_msg_type_number_t *typesCnt)
{
	void *arrays[2];
	mach_msg_type_number_t counts[2];
	kern_return_t kr = ool_arrays_call(task, MACH_PORT_NAMES, NULL, 0, 2, arrays, counts);

	if (kr == KERN_SUCCESS) {
		*names = arrays[0];
		*namesCnt = counts[0];
		*types = arrays[1];
		*typesCnt = counts[1];
	}
	return kr;
}

/*
 * name, trailer_type, request_seqnop, trailer_infopCnt ->
 * request_seqnop, msg_sizep, msg_idp, trailer_infopCnt, trailer_infop[cnt] (bytes, padded)
 */
kern_return_t mach_port_peek(ipc_space_t task, mach_port_name_t name,
			     mach_msg_trailer_type_t trailer_type,
			     mach_port_seqno_t *request_seqnop, mach_msg_size_t *msg_sizep,
			     mach_msg_id_t *msg_idp, mach_msg_trailer_info_t trailer_infop,
			     mach_msg_type_number_t *trailer_infopCnt)
{
	const uint32_t in[] = {
		name, trailer_type, *request_seqnop,
		*trailer_infopCnt < TRAILER_INFO_MAX ? *trailer_infopCnt : TRAILER_INFO_MAX,
	};
	uint32_t out[4]; /* seqno, size, id, count */
	kern_return_t kr = mig_counted_call(task, MACH_PORT_PEEK, in, sizeof(in), out, sizeof(out),
					trailer_infop, 1, TRAILER_INFO_MAX, trailer_infopCnt);

	if (kr == KERN_SUCCESS || kr == MIG_ARRAY_TOO_LARGE) {
		*request_seqnop = out[0];
		*msg_sizep = out[1];
		*msg_idp = (mach_msg_id_t)out[2];
	}
	return kr;
}

/* name -> members: OOL; NDR, membersCnt */
kern_return_t mach_port_get_set_status(ipc_space_read_t task, mach_port_name_t name,
				       mach_port_name_array_t *members,
				       mach_msg_type_number_t *membersCnt)
{
	void *array;
	kern_return_t kr = ool_arrays_call(task, MACH_PORT_GET_SET_STATUS, &name, sizeof(name), 1,
					   &array, membersCnt);

	if (kr == KERN_SUCCESS)
		*members = array;
	return kr;
}

/*
 * notify: port (notifyPoly); name, msgid, sync ->
 * complex reply: previous: port (MACH_MSG_TYPE_PORT_SEND_ONCE), no inline data
 */
kern_return_t mig_mach_port_request_notification(ipc_space_t task, mach_port_name_t name,
						 mach_msg_id_t msgid, mach_port_mscount_t sync,
						 mach_port_t notify,
						 mach_msg_type_name_t notifyPoly,
						 mach_port_t *previous)
{
	const uint32_t in[] = { name, (uint32_t)msgid, sync };
	mach_msg_port_descriptor_t port;
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 1);
	mig_add_port(&m, notify, notifyPoly);
	mig_add(&m, in, sizeof(in));
	kr = port_reply_call(task, MACH_PORT_REQUEST_NOTIFICATION, &m,
			     MACH_MSG_TYPE_PORT_SEND_ONCE, &port);
	if (kr == KERN_SUCCESS)
		*previous = port.name;
	return kr;
}

/* poly: port (polyPoly); name -> */
kern_return_t mig_mach_port_insert_right(ipc_space_t task, mach_port_name_t name,
					 mach_port_t poly, mach_msg_type_name_t polyPoly)
{
	struct mig_message m;

	mig_begin(&m, 1);
	mig_add_port(&m, poly, polyPoly);
	mig_add(&m, &name, sizeof(name));
	return built_call(task, MACH_PORT_INSERT_RIGHT, &m, NULL, 0);
}

/* name, msgt_name -> complex reply: poly: port (its disposition is *polyPoly) */
kern_return_t mach_port_extract_right(ipc_space_t task, mach_port_name_t name,
				      mach_msg_type_name_t msgt_name, mach_port_t *poly,
				      mach_msg_type_name_t *polyPoly)
{
	const uint32_t in[] = { name, msgt_name };
	mach_msg_port_descriptor_t port;
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 0);
	mig_add(&m, in, sizeof(in));
	kr = port_reply_call(task, MACH_PORT_EXTRACT_RIGHT, &m, 0, &port);
	if (kr == KERN_SUCCESS) {
		*poly = port.name;
		*polyPoly = port.disposition;
	}
	return kr;
}

/* name, flavor, port_info_outCnt -> port_info_outCnt, port_info_out[cnt] */
kern_return_t mig_mach_port_get_attributes(ipc_space_read_t task, mach_port_name_t name,
					   mach_port_flavor_t flavor,
					   mach_port_info_t port_info_out,
					   mach_msg_type_number_t *port_info_outCnt)
{
	const uint32_t in[] = {
		name, (uint32_t)flavor,
		*port_info_outCnt < PORT_INFO_MAX ? *port_info_outCnt : PORT_INFO_MAX,
	};
	mach_msg_type_number_t returned;

	return mig_counted_call(task, MACH_PORT_GET_ATTRIBUTES, in, sizeof(in), &returned,
			    sizeof(returned), port_info_out, sizeof(integer_t), PORT_INFO_MAX,
			    port_info_outCnt);
}

/* name, flavor, infoCnt, info[infoCnt] -> (set_attributes and assert_attributes) */
static kern_return_t send_attributes(ipc_space_t task, mach_msg_id_t id, mach_port_name_t name,
				     mach_port_flavor_t flavor, const integer_t *info,
				     mach_msg_type_number_t count)
{
	struct mig_message m;
	const uint32_t in[] = { name, (uint32_t)flavor, count };

	/* MIG refuses before sending what the array type cannot hold. */
	if (count > PORT_INFO_MAX)
		return MIG_ARRAY_TOO_LARGE;
	mig_begin(&m, 0);
	mig_add(&m, in, sizeof(in));
	mig_add(&m, info, count * sizeof(*info));
	return built_call(task, id, &m, NULL, 0);
}

kern_return_t mach_port_set_attributes(ipc_space_t task, mach_port_name_t name,
				       mach_port_flavor_t flavor, mach_port_info_t port_info,
				       mach_msg_type_number_t port_infoCnt)
{
	return send_attributes(task, MACH_PORT_SET_ATTRIBUTES, name, flavor, port_info,
			       port_infoCnt);
}

kern_return_t mach_port_assert_attributes(ipc_space_t task, mach_port_name_t name,
					  mach_port_flavor_t flavor, mach_port_info_t info,
					  mach_msg_type_number_t infoCnt)
{
	return send_attributes(task, MACH_PORT_ASSERT_ATTRIBUTES, name, flavor, info, infoCnt);
}

/* right, qos -> qos, name */
kern_return_t mach_port_allocate_qos(ipc_space_t task, mach_port_right_t right,
				     mach_port_qos_t *qos, mach_port_name_t *name)
{
	struct PACKED { mach_port_right_t right; mach_port_qos_t qos; } in = { right, *qos };
	struct PACKED { mach_port_qos_t qos; mach_port_name_t name; } out;
	kern_return_t kr = mig_simple(task, MACH_PORT_ALLOCATE_QOS, &in, sizeof(in), &out,
				      sizeof(out));

	if (kr == KERN_SUCCESS) {
		*qos = out.qos;
		*name = out.name;
	}
	return kr;
}

/* proto: port (COPY_SEND); right, qos, name -> qos, name */
kern_return_t mach_port_allocate_full(ipc_space_t task, mach_port_right_t right,
				      mach_port_t proto, mach_port_qos_t *qos,
				      mach_port_name_t *name)
{
	struct PACKED { mach_port_right_t right; mach_port_qos_t qos; mach_port_name_t name; } in = {
		right, *qos, *name
	};
	struct PACKED { mach_port_qos_t qos; mach_port_name_t name; } out;
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 1);
	mig_add_port(&m, proto, MACH_MSG_TYPE_COPY_SEND);
	mig_add(&m, &in, sizeof(in));
	kr = built_call(task, MACH_PORT_ALLOCATE_FULL, &m, &out, sizeof(out));
	if (kr == KERN_SUCCESS) {
		*qos = out.qos;
		*name = out.name;
	}
	return kr;
}

/* name -> dnr_total, dnr_used */
kern_return_t mach_port_dnrequest_info(ipc_space_t task, mach_port_name_t name,
				       unsigned *dnr_total, unsigned *dnr_used)
{
	uint32_t out[2];
	kern_return_t kr = mig_simple(task, MACH_PORT_DNREQUEST_INFO, &name, sizeof(name), out,
				      sizeof(out));

	if (kr == KERN_SUCCESS) {
		*dnr_total = out[0];
		*dnr_used = out[1];
	}
	return kr;
}

/* name -> context (64-bit on the wire on every architecture) */
kern_return_t mach_port_get_context(ipc_space_read_t task, mach_port_name_t name,
				    mach_port_context_t *context)
{
	uint64_t wide;
	kern_return_t kr = mig_simple(task, MACH_PORT_GET_CONTEXT, &name, sizeof(name), &wide,
				      sizeof(wide));

	if (kr == KERN_SUCCESS)
		*context = (mach_port_context_t)wide;
	return kr;
}

/* name, context (64-bit) -> */
kern_return_t mach_port_set_context(ipc_space_t task, mach_port_name_t name,
				    mach_port_context_t context)
{
	struct PACKED { mach_port_name_t name; uint64_t context; } in = { name, context };

	return mig_simple(task, MACH_PORT_SET_CONTEXT, &in, sizeof(in), NULL, 0);
}

/* options: OOL (sizeof(mach_port_options_t), copied); context (64-bit) -> name */
kern_return_t mig_mach_port_construct(ipc_space_t task, mach_port_options_ptr_t options,
				      mach_port_context_t context, mach_port_name_t *name)
{
	const uint64_t wide = context;
	struct mig_message m;

	mig_begin(&m, 1);
	mig_add_ool(&m, options, sizeof(*options));
	mig_add(&m, &wide, sizeof(wide));
	return built_call(task, MACH_PORT_CONSTRUCT, &m, name, sizeof(*name));
}

/* name, srdelta, guard (64-bit) -> */
kern_return_t mig_mach_port_destruct(ipc_space_t task, mach_port_name_t name,
				     mach_port_delta_t srdelta, mach_port_context_t guard)
{
	struct PACKED { mach_port_name_t name; mach_port_delta_t srdelta; uint64_t guard; } in = {
		name, srdelta, guard
	};

	return mig_simple(task, MACH_PORT_DESTRUCT, &in, sizeof(in), NULL, 0);
}

/* name, guard (64-bit), strict -> */
kern_return_t mig_mach_port_guard(ipc_space_t task, mach_port_name_t name,
				  mach_port_context_t guard, boolean_t strict)
{
	struct PACKED { mach_port_name_t name; uint64_t guard; boolean_t strict; } in = {
		name, guard, strict
	};

	return mig_simple(task, MACH_PORT_GUARD, &in, sizeof(in), NULL, 0);
}

/* name, guard (64-bit) -> */
kern_return_t mig_mach_port_unguard(ipc_space_t task, mach_port_name_t name,
				    mach_port_context_t guard)
{
	struct PACKED { mach_port_name_t name; uint64_t guard; } in = { name, guard };

	return mig_simple(task, MACH_PORT_UNGUARD, &in, sizeof(in), NULL, 0);
}

/* name, guard or old guard (64-bit), flags or new guard (64-bit) -> */
static kern_return_t two_wide_values(ipc_space_t task, mach_msg_id_t id, mach_port_name_t name,
				     uint64_t first, uint64_t second)
{
	struct PACKED { mach_port_name_t name; uint64_t first, second; } in = {
		name, first, second
	};

	return mig_simple(task, id, &in, sizeof(in), NULL, 0);
}

kern_return_t mach_port_guard_with_flags(ipc_space_t task, mach_port_name_t name,
					 mach_port_context_t guard, uint64_t flags)
{
	return two_wide_values(task, MACH_PORT_GUARD_WITH_FLAGS, name, guard, flags);
}

kern_return_t mach_port_swap_guard(ipc_space_t task, mach_port_name_t name,
				   mach_port_context_t old_guard, mach_port_context_t new_guard)
{
	return two_wide_values(task, MACH_PORT_SWAP_GUARD, name, old_guard, new_guard);
}

