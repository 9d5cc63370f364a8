/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client half of MIG's message conventions, for the routines that
 * libdserver sends as MIG requests (mach_port_mig.c). A request is built
 * in a struct mig_message, sent to the target port with the thread's MIG
 * reply port, and the reply lands in the same buffer, as MIG-generated
 * code does it.
 *
 * Request: header, then for a complex request the descriptor count and the
 * descriptors, then (if there are inline arguments) the NDR record and the
 * arguments, each 4-byte aligned (64-bit values may be misaligned).
 * msgh_bits = COPY_SEND remote, MAKE_SEND_ONCE local (0x1513), with
 * MACH_MSGH_BITS_COMPLEX when there are descriptors; msgh_size is the
 * request's size; msgh_voucher_port 0.
 *
 * Reply (msgh_id = request id + 100): a simple one is header, NDR,
 * RetCode and the out-values; a complex one is header, descriptor count,
 * descriptors, and NDR plus inline out-values when there are any, with no
 * RetCode. A failure is always the 36-byte mig_reply_error_t.
 */
#ifndef DSERVER_CLIENT_MIG_CLIENT_H
#define DSERVER_CLIENT_MIG_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mach_api.h"

/*
 * The largest request or reply of the routines here, with room for the
 * trailer: thread_get_state's reply with THREAD_STATE_MAX words of state.
 */
#define MIG_MESSAGE_MAX 2560

/* Where a simple reply's out-values start: after header, NDR and RetCode. */
#define MIG_SIMPLE_REPLY_DATA ((mach_msg_size_t)sizeof(mig_reply_error_t))

struct mig_message {
	union {
		mach_msg_header_t head;
		mig_reply_error_t error;
		mach_msg_base_t base;
		uint64_t align;
		unsigned char bytes[MIG_MESSAGE_MAX];
	} u;
	mach_msg_size_t size; /* of the request built so far */
	bool has_ndr;
};

/* What a successful reply must look like. */
struct mig_expect {
	mach_msg_size_t min_size, max_size; /* trailer excluded */
	unsigned descriptors;               /* 0: a simple reply */
	bool same_descriptors;              /* every descriptor is like desc[0] */
	struct {
		mach_msg_descriptor_type_t type;
		mach_msg_type_name_t disposition; /* of a port; 0: any */
	} desc[2];
};

/* Starts a request that will carry `descriptors` descriptors. */
void mig_begin(struct mig_message *m, unsigned descriptors);
void mig_add_port(struct mig_message *m, mach_port_t name, mach_msg_type_name_t disposition);
/* Out-of-line memory that the server copies (the sender keeps it). */
void mig_add_ool(struct mig_message *m, const void *address, mach_msg_size_t size);
/* Inline arguments; the first ones are preceded by the NDR record. */
void mig_add(struct mig_message *m, const void *data, size_t size);

/*
 * Sends the request as routine `id` to `target` and checks the reply
 * against `expect`. Returns KERN_SUCCESS with the reply in m, the
 * server's RetCode, a mach_msg() error, or a MIG_* error; a reply that
 * fails the checks has been destroyed (its rights and memory released).
 */
kern_return_t mig_call(mach_port_t target, mach_msg_id_t id, struct mig_message *m,
		       const struct mig_expect *expect);

/* Destroys a checked reply that the routine itself finds malformed. */
kern_return_t mig_reject(struct mig_message *m);

/* A simple routine: inline in-values, RetCode, exactly out_size bytes of out-values. */
kern_return_t mig_simple(mach_port_t target, mach_msg_id_t id, const void *in, size_t in_size,
			 void *out, size_t out_size);

/*
 * A simple routine whose out-values end with a counted array (MIG's
 * CountInOut): `fixed` receives the out-values before the array, the last
 * of which is the element count; the array follows, padded to 4 bytes.
 * The request's last in-value is the room the caller has, at most max.
 * *count: the caller's room on entry, the count returned on exit; a longer
 * array fills the room and fails with MIG_ARRAY_TOO_LARGE, as MIG does.
 */
kern_return_t mig_counted_call(mach_port_t target, mach_msg_id_t id, const void *in, size_t in_size,
			       void *fixed, mach_msg_size_t fixed_size, void *array, mach_msg_size_t elem_size,
			       mach_msg_size_t max, mach_msg_type_number_t *count);

#endif
