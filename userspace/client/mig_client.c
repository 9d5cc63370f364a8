/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client half of MIG: building requests, the send-and-receive on the
 * thread's reply port, and the checks every reply must pass (mig_client.h
 * describes the layouts). The checks are MIG's: a reply that is not for
 * this routine, or not in its layout, is destroyed and reported, never
 * half-used.
 */
#include <assert.h>
#include <string.h>

#include "mig_client.h"

/* A reply answers request id with id + 100. */
#define MIG_REPLY_ID_OFFSET 100

static void *append(struct mig_message *m, size_t size)
{
	void *at = m->u.bytes + m->size;

	/* The routines' requests have fixed upper bounds, all far below the buffer. */
	assert(m->size + size <= MIG_MESSAGE_MAX);
	m->size += (mach_msg_size_t)size;
	return at;
}

void mig_begin(struct mig_message *m, unsigned descriptors)
{
	/* Padding and unused fields go out as zeros. */
	memset(m, 0, sizeof(*m));
	m->size = sizeof(mach_msg_header_t);
	if (descriptors) {
		m->u.head.msgh_bits = MACH_MSGH_BITS_COMPLEX;
		m->u.base.body.msgh_descriptor_count = descriptors;
		m->size = sizeof(mach_msg_base_t);
	}
}

void mig_add_port(struct mig_message *m, mach_port_t name, mach_msg_type_name_t disposition)
{
	mach_msg_port_descriptor_t d = {
		.name = name,
		.disposition = disposition,
		.type = MACH_MSG_PORT_DESCRIPTOR,
	};

	memcpy(append(m, sizeof(d)), &d, sizeof(d));
}

void mig_add_ool(struct mig_message *m, const void *address, mach_msg_size_t size)
{
	mach_msg_ool_descriptor_t d = {
		.address = (void *)address,
		.size = size,
		.deallocate = FALSE,
		.copy = MACH_MSG_VIRTUAL_COPY,
		.type = MACH_MSG_OOL_DESCRIPTOR,
	};

	memcpy(append(m, sizeof(d)), &d, sizeof(d));
}

void mig_add(struct mig_message *m, const void *data, size_t size)
{
	if (!m->has_ndr) {
		memcpy(append(m, sizeof(NDR_record)), &NDR_record, sizeof(NDR_record));
		m->has_ndr = true;
	}
	if (size)
		memcpy(append(m, size), data, size);
}

static mach_msg_size_t descriptor_size(mach_msg_descriptor_type_t type)
{
	return type == MACH_MSG_PORT_DESCRIPTOR ? sizeof(mach_msg_port_descriptor_t)
						: sizeof(mach_msg_ool_descriptor_t);
}

/* The descriptors a complex reply must carry, in order. */
static bool descriptors_match(const struct mig_message *m, const struct mig_expect *expect)
{
	mach_msg_size_t at = sizeof(mach_msg_base_t);
	unsigned i;

	if (m->u.base.body.msgh_descriptor_count != expect->descriptors)
		return false;
	for (i = 0; i < expect->descriptors; i++) {
		unsigned e = expect->same_descriptors ? 0 : i;
		mach_msg_port_descriptor_t d;

		/* Every descriptor's type is in byte 11; a port's disposition in byte 10. */
		memcpy(&d, m->u.bytes + at, sizeof(d));
		if (d.type != expect->desc[e].type)
			return false;
		if (d.type == MACH_MSG_PORT_DESCRIPTOR && expect->desc[e].disposition &&
		    d.disposition != expect->desc[e].disposition)
			return false;
		at += descriptor_size(d.type);
	}
	return true;
}

/* MIG_TYPE_ERROR, the failure a valid error reply reports, or KERN_SUCCESS. */
static kern_return_t check_reply(const struct mig_message *m, const struct mig_expect *expect)
{
	const mach_msg_header_t *h = &m->u.head;
	bool complex = h->msgh_bits & MACH_MSGH_BITS_COMPLEX;

	/* A reply has nothing to reply to. */
	if (h->msgh_remote_port != MACH_PORT_NULL)
		return MIG_TYPE_ERROR;
	/* Any routine may fail with the bare error reply; it never reports success. */
	if (!complex && h->msgh_size == sizeof(mig_reply_error_t) &&
	    m->u.error.RetCode != KERN_SUCCESS)
		return m->u.error.RetCode;
	if (complex != (expect->descriptors > 0) || h->msgh_size < expect->min_size ||
	    h->msgh_size > expect->max_size)
		return MIG_TYPE_ERROR;
	if (!complex)
		return m->u.error.RetCode;
	return descriptors_match(m, expect) ? KERN_SUCCESS : MIG_TYPE_ERROR;
}

kern_return_t mig_reject(struct mig_message *m)
{
	mach_msg_destroy(&m->u.head);
	return MIG_TYPE_ERROR;
}

kern_return_t mig_call(mach_port_t target, mach_msg_id_t id, struct mig_message *m,
		       const struct mig_expect *expect)
{
	mach_msg_header_t *h = &m->u.head;
	mach_port_t reply_port = mig_get_reply_port();
	mach_msg_size_t rcv_size = expect->max_size;
	mach_msg_return_t mr;
	kern_return_t kr;

	if (rcv_size < sizeof(mig_reply_error_t))
		rcv_size = sizeof(mig_reply_error_t);
	rcv_size += sizeof(mach_msg_trailer_t);
	assert(rcv_size <= MIG_MESSAGE_MAX);

	h->msgh_bits |= MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	h->msgh_size = m->size;
	h->msgh_remote_port = target;
	h->msgh_local_port = reply_port;
	h->msgh_voucher_port = MACH_PORT_NULL;
	h->msgh_id = id;
	mr = mach_msg(h, MACH_SEND_MSG | MACH_RCV_MSG, m->size, rcv_size, reply_port,
		      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	if (mr != MACH_MSG_SUCCESS) {
		/*
		 * If the request never left, the reply port is clean. Otherwise a
		 * reply may still come to it, and would answer the thread's next
		 * call: the port is destroyed.
		 */
		if (mr == MACH_SEND_INVALID_DATA || mr == MACH_SEND_INVALID_DEST ||
		    mr == MACH_SEND_INVALID_HEADER)
			mig_put_reply_port(reply_port);
		else
			mig_dealloc_reply_port(reply_port);
		return mr;
	}
	if (h->msgh_id != id + MIG_REPLY_ID_OFFSET) {
		/* The send-once right for the reply died: the server never answered. */
		kr = h->msgh_id == MACH_NOTIFY_SEND_ONCE ? MIG_SERVER_DIED : MIG_REPLY_MISMATCH;
		mach_msg_destroy(h);
		return kr;
	}
	kr = check_reply(m, expect);
	if (kr == MIG_TYPE_ERROR)
		return mig_reject(m);
	return kr;
}

kern_return_t mig_simple(mach_port_t target, mach_msg_id_t id, const void *in, size_t in_size,
			 void *out, size_t out_size)
{
	const mach_msg_size_t size = MIG_SIMPLE_REPLY_DATA + (mach_msg_size_t)out_size;
	const struct mig_expect expect = { .min_size = size, .max_size = size };
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 0);
	if (in_size)
		mig_add(&m, in, in_size);
	kr = mig_call(target, id, &m, &expect);
	if (kr == KERN_SUCCESS && out_size)
		memcpy(out, m.u.bytes + MIG_SIMPLE_REPLY_DATA, out_size);
	return kr;
}

static mach_msg_size_t word_align(mach_msg_size_t n)
{
	return (n + 3) & ~(mach_msg_size_t)3;
}

kern_return_t mig_counted_call(mach_port_t target, mach_msg_id_t id, const void *in, size_t in_size,
			       void *fixed, mach_msg_size_t fixed_size, void *array, mach_msg_size_t elem_size,
			       mach_msg_size_t max, mach_msg_type_number_t *count)
{
	const mach_msg_size_t head = MIG_SIMPLE_REPLY_DATA + fixed_size;
	const struct mig_expect expect = {
		.min_size = head,
		.max_size = head + word_align(max * elem_size),
	};
	struct mig_message m;
	mach_msg_type_number_t n;
	kern_return_t kr;

	mig_begin(&m, 0);
	mig_add(&m, in, in_size);
	kr = mig_call(target, id, &m, &expect);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(&n, m.u.bytes + head - sizeof(n), sizeof(n));
	if (n > max || m.u.head.msgh_size != head + word_align(n * elem_size))
		return mig_reject(&m);
	memcpy(fixed, m.u.bytes + MIG_SIMPLE_REPLY_DATA, fixed_size);
	if (n && *count)
		memcpy(array, m.u.bytes + head, (n < *count ? n : *count) * elem_size);
	kr = n > *count ? MIG_ARRAY_TOO_LARGE : KERN_SUCCESS;
	*count = n;
	return kr;
}
