/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Messages: copied in from a sender's memory into the server's own form,
 * and copied out into a receiver's buffer and space. User layouts follow
 * XNU's for the client's architecture: 64-bit clients use 16-byte
 * out-of-line descriptors, 32-bit clients 12-byte ones; port descriptors
 * are 12 bytes for both. A descriptor's type is always its byte 11.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"
#include "ipc_kmsg.h"

#define HEADER_SIZE 24u
#define BODY_SIZE 4u          /* mach_msg_body_t: the descriptor count */
#define DESC_TYPE_OFFSET 11
/* Inline data beyond this is refused (MACH_SEND_TOO_LARGE); out-of-line memory
 * is bounded by the per-task queued-bytes quota instead. */
#define MAX_INLINE_SIZE (16u << 20)

struct ipc_kmsg *ipc_kmsg_alloc(uint32_t inline_size, uint32_t desc_count)
{
	struct ipc_kmsg *kmsg = calloc(1, sizeof(*kmsg) + inline_size);

	if (!kmsg)
		return NULL;
	kmsg->inline_size = inline_size;
	if (desc_count) {
		kmsg->descs = calloc(desc_count, sizeof(*kmsg->descs));
		if (!kmsg->descs) {
			free(kmsg);
			return NULL;
		}
		kmsg->desc_count = desc_count;
	}
	return kmsg;
}

static void desc_destroy(struct kmsg_desc *desc)
{
	switch (desc->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		if (IO_VALID(desc->object))
			ipc_object_destroy(desc->object, desc->disposition);
		desc->object = NULL;
		break;
	case MACH_MSG_OOL_DESCRIPTOR:
	case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
		free(desc->ool.data);
		desc->ool.data = NULL;
		break;
	case MACH_MSG_OOL_PORTS_DESCRIPTOR:
		for (uint32_t i = 0; desc->ports.objects && i < desc->ports.count; i++) {
			if (IO_VALID(desc->ports.objects[i]))
				ipc_object_destroy(desc->ports.objects[i], desc->disposition);
		}
		free(desc->ports.objects);
		desc->ports.objects = NULL;
		break;
	}
}

void ipc_kmsg_destroy(struct ipc_kmsg *kmsg)
{
	if (kmsg->dest) {
		struct ipc_port *dest = kmsg->dest;

		kmsg->dest = NULL;
		ipc_object_destroy(&dest->object, MACH_MSGH_BITS_REMOTE(kmsg->bits));
	}
	if (IO_VALID(kmsg->reply))
		ipc_object_destroy(kmsg->reply, MACH_MSGH_BITS_LOCAL(kmsg->bits));
	kmsg->reply = NULL;
	for (uint32_t i = 0; i < kmsg->desc_count; i++)
		desc_destroy(&kmsg->descs[i]);
	ipc_kmsg_uncharge(kmsg);
	free(kmsg->descs);
	free(kmsg);
}

static struct ipc_kmsg *doomed;  /* messages waiting for destroy_later's loop */
static bool reaping;

void ipc_kmsg_destroy_later(struct ipc_kmsg *kmsg)
{
	ipc_kmsg_uncharge(kmsg);
	kmsg->next = doomed;
	doomed = kmsg;
	if (reaping)
		return;
	reaping = true;
	while (doomed) {
		kmsg = doomed;
		doomed = kmsg->next;
		ipc_kmsg_destroy(kmsg);
	}
	reaping = false;
}

void ipc_kmsg_uncharge(struct ipc_kmsg *kmsg)
{
	if (!kmsg->charged)
		return;
	kmsg->charged->queued_bytes -= kmsg->charge;
	xnu_task_release(kmsg->charged);
	kmsg->charged = NULL;
	kmsg->charge = 0;
}

void ipc_kmsg_send_kernel(struct ipc_kmsg *kmsg)
{
	struct ipc_port *dest = kmsg->dest;

	if (!dest->active) {
		ipc_kmsg_destroy(kmsg);
		return;
	}
	if (dest->kotype != IKOT_NONE) {
		ipc_kobject_server(kmsg, NULL);
		return;
	}
	ipc_mqueue_enqueue(dest, kmsg);
}

/* ---- layouts ---- */

static uint32_t desc_user_size(uint8_t type, bool is_64_bit)
{
	if (!is_64_bit || type == MACH_MSG_PORT_DESCRIPTOR)
		return 12;
	return 16;
}

uint32_t ipc_kmsg_user_size(const struct ipc_kmsg *kmsg, bool is_64_bit)
{
	uint32_t size = HEADER_SIZE;

	if (kmsg->bits & MACH_MSGH_BITS_COMPLEX) {
		size += BODY_SIZE;
		for (uint32_t i = 0; i < kmsg->desc_count; i++)
			size += desc_user_size(kmsg->descs[i].type, is_64_bit);
	}
	return size + kmsg->inline_size;
}

uint32_t ipc_kmsg_trailer_size(mach_msg_option_t option)
{
	switch (GET_RCV_ELEMENTS(option)) {
	case MACH_RCV_TRAILER_NULL:
		return 8;
	case MACH_RCV_TRAILER_SEQNO:
		return 12;
	case MACH_RCV_TRAILER_SENDER:
		return 20;
	case MACH_RCV_TRAILER_AUDIT:
		return 52;
	case MACH_RCV_TRAILER_CTX:
		return 60;
	default:
		return MAX_TRAILER_SIZE;
	}
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* A user descriptor, decoded. */
struct user_desc {
	uint8_t type;
	uint8_t disposition;
	uint8_t copy;
	uint8_t deallocate;
	uint16_t guard_flags;
	mach_port_name_t name;
	uint64_t address;
	uint64_t size;        /* OOL bytes, or OOL port count */
	uint64_t context;
};

static void decode_desc(const uint8_t *p, bool is_64_bit, struct user_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->type = p[DESC_TYPE_OFFSET];
	switch (d->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
		d->name = get32(p);
		d->disposition = p[10];
		break;
	case MACH_MSG_OOL_DESCRIPTOR:
	case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
	case MACH_MSG_OOL_PORTS_DESCRIPTOR:
		if (is_64_bit) {
			d->address = get64(p);
			d->size = get32(p + 12);
		} else {
			d->address = get32(p);
			d->size = get32(p + 4);
		}
		d->deallocate = p[8];
		d->copy = p[9];
		d->disposition = p[10]; /* OOL ports only */
		break;
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		if (is_64_bit) {
			d->context = get64(p);
			d->name = get32(p + 12);
		} else {
			d->context = get32(p);
			d->name = get32(p + 4);
		}
		memcpy(&d->guard_flags, p + 8, sizeof(d->guard_flags));
		d->disposition = p[10];
		break;
	}
}

/* Write one descriptor in the receiver's layout; returns its size. */
static uint32_t encode_desc(uint8_t *p, bool is_64_bit, const struct user_desc *d)
{
	uint32_t size = desc_user_size(d->type, is_64_bit);

	memset(p, 0, size);
	p[DESC_TYPE_OFFSET] = d->type;
	switch (d->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
		put32(p, d->name);
		p[10] = d->disposition;
		break;
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		if (is_64_bit) {
			put64(p, d->context);
			put32(p + 12, d->name);
		} else {
			put32(p, (uint32_t)d->context);
			put32(p + 4, d->name);
		}
		memcpy(p + 8, &d->guard_flags, sizeof(d->guard_flags));
		p[10] = d->disposition;
		break;
	default:
		if (is_64_bit) {
			put64(p, d->address);
			put32(p + 12, (uint32_t)d->size);
		} else {
			put32(p, (uint32_t)d->address);
			put32(p + 4, (uint32_t)d->size);
		}
		p[8] = d->deallocate;
		p[9] = d->copy;
		p[10] = d->disposition;
		break;
	}
	return size;
}

static bool is_port_disposition(uint8_t disposition)
{
	return disposition >= MACH_MSG_TYPE_MOVE_RECEIVE && disposition <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

static bool is_send_disposition(uint8_t disposition)
{
	return disposition >= MACH_MSG_TYPE_MOVE_SEND && disposition <= MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* ---- copyin ---- */

struct copyin_state {
	struct xnu_thread *sender;
	struct xnu_task *task;
	struct ipc_space *space;
	bool is_64_bit;
	const uint8_t *msg;
	uint32_t size;
	uint32_t desc_count;
	uint32_t desc_bytes;
	uint64_t ool_bytes;
};

/* Check the descriptors' shapes before any right moves. */
static kern_return_t check_descriptors(struct copyin_state *st)
{
	uint32_t offset = HEADER_SIZE + BODY_SIZE;

	for (uint32_t i = 0; i < st->desc_count; i++) {
		struct user_desc d;

		/* The type byte must be inside the message to know the size. */
		if (offset + 12 > st->size)
			return MACH_SEND_MSG_TOO_SMALL;
		decode_desc(st->msg + offset, st->is_64_bit, &d);
		if (d.type > MACH_MSG_GUARDED_PORT_DESCRIPTOR)
			return MACH_SEND_INVALID_TYPE;
		uint32_t size = desc_user_size(d.type, st->is_64_bit);

		if (offset + size > st->size)
			return MACH_SEND_MSG_TOO_SMALL;
		decode_desc(st->msg + offset, st->is_64_bit, &d);
		switch (d.type) {
		case MACH_MSG_PORT_DESCRIPTOR:
		case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
			/* The right itself is checked as it is moved, after the header's (XNU's order). */
			if (!is_port_disposition(d.disposition))
				return MACH_SEND_INVALID_TYPE;
			break;
		case MACH_MSG_OOL_PORTS_DESCRIPTOR:
			if (!is_port_disposition(d.disposition))
				return MACH_SEND_INVALID_TYPE;
			if (d.copy > MACH_MSG_VIRTUAL_COPY)
				return MACH_SEND_INVALID_TYPE;
			st->ool_bytes += d.size * sizeof(mach_port_name_t);
			break;
		default:
			if (d.copy > MACH_MSG_VIRTUAL_COPY)
				return MACH_SEND_INVALID_TYPE;
			st->ool_bytes += d.size;
			break;
		}
		offset += size;
	}
	st->desc_bytes = offset - HEADER_SIZE - BODY_SIZE;
	return KERN_SUCCESS;
}

/* Move the rights and memory of one descriptor into the kmsg. */
static kern_return_t copyin_descriptor(struct copyin_state *st, const struct user_desc *d, struct kmsg_desc *k)
{
	bool dead;
	kern_return_t kr;

	k->type = d->type;
	switch (d->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		k->disposition = (uint8_t)ipc_object_copyin_type(d->disposition);
		k->context = d->context;
		k->guard_flags = d->guard_flags;
		if (!MACH_PORT_VALID(d->name)) {
			k->object = d->name == MACH_PORT_DEAD ? IO_DEAD : NULL;
			return KERN_SUCCESS;
		}
		kr = ipc_right_copyin(st->space, d->name, d->disposition, &k->object, &dead);
		if (kr != KERN_SUCCESS)
			return MACH_SEND_INVALID_RIGHT;
		if (dead)
			k->object = IO_DEAD;
		return KERN_SUCCESS;

	case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
		uint64_t count = d->size;

		k->disposition = (uint8_t)ipc_object_copyin_type(d->disposition);
		k->deallocate = false;
		k->copy = MACH_MSG_VIRTUAL_COPY;
		k->ports.count = (uint32_t)count;
		if (!count)
			return KERN_SUCCESS;
		mach_port_name_t *names = malloc(count * sizeof(*names));

		k->ports.objects = calloc(count, sizeof(*k->ports.objects));
		if (!names || !k->ports.objects) {
			free(names);
			return MACH_SEND_NO_BUFFER;
		}
		if (host_copyin(st->task, d->address, names, count * sizeof(*names))) {
			free(names);
			return MACH_SEND_INVALID_MEMORY;
		}
		/* The array is the sender's no more, whether every name turns out good or not. */
		if (d->deallocate && st->sender)
			host_unmap(st->sender, d->address, count * sizeof(mach_port_name_t));
		for (uint64_t i = 0; i < count; i++) {
			if (!MACH_PORT_VALID(names[i])) {
				k->ports.objects[i] = names[i] == MACH_PORT_DEAD ? IO_DEAD : NULL;
				continue;
			}
			kr = ipc_right_copyin(st->space, names[i], d->disposition, &k->ports.objects[i], &dead);
			if (kr != KERN_SUCCESS) {
				free(names);
				return MACH_SEND_INVALID_RIGHT;
			}
			if (dead)
				k->ports.objects[i] = IO_DEAD;
		}
		free(names);
		return KERN_SUCCESS;
	}

	default: /* out-of-line memory */
		k->ool.size = d->size;
		k->copy = d->copy;
		/* XNU hands virtual copies over as memory the receiver owns. */
		k->deallocate = d->copy == MACH_MSG_VIRTUAL_COPY;
		if (!d->size)
			return KERN_SUCCESS;
		k->ool.data = malloc(d->size);
		if (!k->ool.data)
			return MACH_SEND_NO_BUFFER;
		if (host_copyin(st->task, d->address, k->ool.data, d->size))
			return MACH_SEND_INVALID_MEMORY;
		if (d->deallocate && st->sender)
			host_unmap(st->sender, d->address, d->size);
		return KERN_SUCCESS;
	}
}

/* Header rights: check both, then move both (XNU's order: destination first). */
static kern_return_t copyin_header(struct copyin_state *st, const mach_msg_header_t *h, struct ipc_kmsg *kmsg)
{
	mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
	mach_msg_type_name_t reply_type = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
	mach_msg_type_name_t voucher_type = MACH_MSGH_BITS_VOUCHER(h->msgh_bits);
	struct ipc_object *object;
	bool dead;

	if (!is_send_disposition((uint8_t)dest_type))
		return MACH_SEND_INVALID_HEADER;
	if (reply_type ? !is_send_disposition((uint8_t)reply_type) : h->msgh_local_port != MACH_PORT_NULL)
		return MACH_SEND_INVALID_HEADER;
	if (!MACH_PORT_VALID(h->msgh_remote_port))
		return MACH_SEND_INVALID_DEST;
	/*
	 * The voucher after the destination, as XNU checks it: a disposition
	 * other than MOVE_SEND or COPY_SEND, or a dead name, is refused; and
	 * dserver has no voucher objects, so no client can hold a voucher name.
	 */
	if (voucher_type && (h->msgh_voucher_port != MACH_PORT_NULL ||
			     (voucher_type != MACH_MSG_TYPE_MOVE_SEND && voucher_type != MACH_MSG_TYPE_COPY_SEND)))
		return MACH_SEND_INVALID_VOUCHER;
	struct ipc_entry *entry;

	if (ipc_right_lookup(st->space, h->msgh_remote_port, &entry) != KERN_SUCCESS ||
	    (entry->type & MACH_PORT_TYPE_DEAD_NAME) ||
	    !ipc_right_copyin_check(st->space, h->msgh_remote_port, dest_type))
		return MACH_SEND_INVALID_DEST;
	if (MACH_PORT_VALID(h->msgh_local_port) &&
	    !ipc_right_copyin_check(st->space, h->msgh_local_port, reply_type))
		return MACH_SEND_INVALID_REPLY;

	if (ipc_right_copyin(st->space, h->msgh_remote_port, dest_type, &object, &dead) != KERN_SUCCESS || dead)
		return MACH_SEND_INVALID_DEST;
	kmsg->dest = ipc_port_of(object);
	kmsg->bits = MACH_MSGH_BITS(ipc_object_copyin_type(dest_type), 0);
	if (MACH_PORT_VALID(h->msgh_local_port)) {
		if (ipc_right_copyin(st->space, h->msgh_local_port, reply_type, &kmsg->reply, &dead) != KERN_SUCCESS)
			return MACH_SEND_INVALID_REPLY; /* the same name used twice, and used up */
		if (dead)
			kmsg->reply = IO_DEAD;
	} else {
		kmsg->reply = h->msgh_local_port == MACH_PORT_DEAD ? IO_DEAD : NULL;
	}
	if (reply_type)
		kmsg->bits |= MACH_MSGH_BITS(0, ipc_object_copyin_type(reply_type));
	return KERN_SUCCESS;
}

static void set_audit_token(struct ipc_kmsg *kmsg, const struct xnu_task *task)
{
	kmsg->audit[0] = task->uid;  /* audit user id */
	kmsg->audit[1] = task->uid;  /* euid */
	kmsg->audit[2] = task->gid;  /* egid */
	kmsg->audit[3] = task->uid;  /* ruid */
	kmsg->audit[4] = task->gid;  /* rgid */
	kmsg->audit[5] = (uint32_t)task->pid;
	kmsg->audit[6] = 0;          /* audit session */
	kmsg->audit[7] = task->pid_version;
}

kern_return_t ipc_kmsg_copyin(struct xnu_thread *sender, uint64_t address, mach_msg_size_t send_size,
			      mach_msg_option_t option, struct ipc_kmsg **kmsgp)
{
	struct xnu_task *task = sender->task;
	struct copyin_state st = { .sender = sender, .task = task, .space = task->space,
				   .is_64_bit = task->is_64_bit, .size = send_size };
	mach_msg_header_t h;
	kern_return_t kr;

	if (send_size < HEADER_SIZE || (send_size & 3))
		return MACH_SEND_MSG_TOO_SMALL;
	if (send_size > MAX_INLINE_SIZE)
		return MACH_SEND_TOO_LARGE;
	uint8_t *msg = malloc(send_size);

	if (!msg)
		return MACH_SEND_NO_BUFFER;
	st.msg = msg;
	if (host_copyin(task, address, msg, send_size)) {
		free(msg);
		return MACH_SEND_INVALID_DATA;
	}
	memcpy(&h, msg, sizeof(h));
	h.msgh_bits &= MACH_MSGH_BITS_USER;

	bool complex = h.msgh_bits & MACH_MSGH_BITS_COMPLEX;

	if (complex) {
		if (send_size < HEADER_SIZE + BODY_SIZE) {
			free(msg);
			return MACH_SEND_MSG_TOO_SMALL;
		}
		st.desc_count = get32(msg + HEADER_SIZE);
		/* Each descriptor is at least 12 bytes. */
		if ((uint64_t)st.desc_count * 12 > send_size - HEADER_SIZE - BODY_SIZE) {
			free(msg);
			return MACH_SEND_MSG_TOO_SMALL;
		}
		kr = check_descriptors(&st);
		if (kr != KERN_SUCCESS) {
			free(msg);
			return kr;
		}
	}
	uint32_t inline_offset = HEADER_SIZE + (complex ? BODY_SIZE + st.desc_bytes : 0);
	uint32_t inline_size = send_size - inline_offset;
	struct ipc_kmsg *kmsg = ipc_kmsg_alloc(inline_size, st.desc_count);
	uint64_t charge = sizeof(*kmsg) + inline_size + st.desc_count * sizeof(struct kmsg_desc) + st.ool_bytes;

	if (!kmsg || task->queued_bytes + charge > IPC_TASK_MAX_QUEUED_BYTES) {
		free(kmsg ? kmsg->descs : NULL);
		free(kmsg);
		free(msg);
		return MACH_SEND_NO_BUFFER;
	}
	kr = copyin_header(&st, &h, kmsg);
	if (kr != KERN_SUCCESS)
		goto fail;
	if ((option & MACH_SEND_NOTIFY) && MACH_MSGH_BITS_REMOTE(kmsg->bits) == MACH_MSG_TYPE_PORT_SEND)
		kmsg->send_always = ipc_port_sparm(st.space, h.msgh_remote_port, kmsg->dest);
	kmsg->id = h.msgh_id;
	if (complex)
		kmsg->bits |= MACH_MSGH_BITS_COMPLEX;
	memcpy(kmsg->inline_data, msg + inline_offset, inline_size);
	set_audit_token(kmsg, task);

	uint32_t offset = HEADER_SIZE + BODY_SIZE;

	for (uint32_t i = 0; i < st.desc_count; i++) {
		struct user_desc d;

		decode_desc(msg + offset, st.is_64_bit, &d);
		offset += desc_user_size(d.type, st.is_64_bit);
		kr = copyin_descriptor(&st, &d, &kmsg->descs[i]);
		if (kr != KERN_SUCCESS)
			goto fail;
		if (kmsg->descs[i].type == MACH_MSG_PORT_DESCRIPTOR &&
		    kmsg->descs[i].disposition == MACH_MSG_TYPE_PORT_RECEIVE && IO_VALID(kmsg->descs[i].object))
			ipc_port_of(kmsg->descs[i].object)->carried_by = kmsg;
	}
	free(msg);
	kmsg->charged = task;
	kmsg->charge = charge;
	task->queued_bytes += charge;
	xnu_task_reference(task);
	*kmsgp = kmsg;
	return MACH_MSG_SUCCESS;
fail:
	/* Rights already moved are destroyed with the message, as XNU does. */
	ipc_kmsg_destroy(kmsg);
	free(msg);
	return kr;
}

/* ---- copyout ---- */

/* Map and fill out-of-line memory in the receiver. 0 on success. */
static int copyout_memory(struct xnu_thread *receiver, const void *data, uint64_t size, uint64_t *address)
{
	*address = 0;
	if (!size)
		return 0;
	if (host_map_anywhere(receiver, size, address))
		return -1;
	if (host_copyout(receiver->task, *address, data, size)) {
		host_unmap(receiver, *address, size);
		*address = 0;
		return -1;
	}
	return 0;
}

static kern_return_t copyout_descriptor(struct xnu_thread *receiver, struct kmsg_desc *k, struct user_desc *d)
{
	struct ipc_space *space = receiver->task->space;
	kern_return_t mr = MACH_MSG_SUCCESS;

	memset(d, 0, sizeof(*d));
	d->type = k->type;
	switch (k->type) {
	case MACH_MSG_PORT_DESCRIPTOR:
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR:
		d->disposition = k->disposition;
		d->context = k->context;
		d->guard_flags = k->guard_flags;
		if (k->object == IO_DEAD) {
			d->name = MACH_PORT_DEAD;
		} else if (k->object) {
			if (ipc_object_copyout(space, k->object, k->disposition, &d->name) != KERN_SUCCESS)
				mr = MACH_MSG_IPC_SPACE;
			k->object = NULL;
		}
		break;
	case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
		uint32_t count = k->ports.count;

		d->disposition = k->disposition;
		d->copy = MACH_MSG_VIRTUAL_COPY;
		d->deallocate = true;
		d->size = count;
		if (!count)
			break;
		mach_port_name_t *names = calloc(count, sizeof(*names));

		for (uint32_t i = 0; i < count; i++) {
			struct ipc_object *object = k->ports.objects[i];

			k->ports.objects[i] = NULL;
			if (object == IO_DEAD) {
				if (names)
					names[i] = MACH_PORT_DEAD;
			} else if (object) {
				mach_port_name_t name;

				if (!names) {
					ipc_object_destroy(object, k->disposition);
					continue;
				}
				if (ipc_object_copyout(space, object, k->disposition, &name) != KERN_SUCCESS)
					mr = MACH_MSG_IPC_SPACE;
				names[i] = name;
			}
		}
		if (!names || copyout_memory(receiver, names, (uint64_t)count * sizeof(*names), &d->address)) {
			mr |= MACH_MSG_VM_SPACE;
			d->size = 0;
		}
		free(names);
		break;
	}
	default:
		d->copy = k->copy;
		d->deallocate = k->deallocate;
		d->size = k->ool.size;
		if (copyout_memory(receiver, k->ool.data, k->ool.size, &d->address)) {
			mr = MACH_MSG_VM_SPACE;
			d->size = 0;
		}
		break;
	}
	return mr;
}

void ipc_kmsg_write_trailer(uint8_t *p, uint32_t trailer_size, const struct ipc_kmsg *kmsg,
			  const struct ipc_port *port)
{
	uint8_t full[MAX_TRAILER_SIZE] = { 0 };

	put32(full + 0, MACH_MSG_TRAILER_FORMAT_0);
	put32(full + 4, trailer_size);
	put32(full + 8, kmsg->seqno);
	/* Security token: the sender's euid and egid; the kernel's is {0, 1}. */
	put32(full + 12, kmsg->kernel_sent ? 0 : kmsg->audit[1]);
	put32(full + 16, kmsg->kernel_sent ? 1 : kmsg->audit[2]);
	memcpy(full + 20, kmsg->audit, sizeof(kmsg->audit));
	put64(full + 52, port ? port->context : 0);
	/* msgh_ad and msgh_labels stay zero. */
	memcpy(p, full, trailer_size);
}

/*
 * Lay out a message whose header fields h already holds: the body's rights
 * and memory go into the thread's space and process, then message (and
 * trailer_size bytes of trailer) are written at address. Consumes the kmsg.
 * body_mr gets the MACH_MSG_IPC_SPACE / VM_SPACE bits of what failed.
 */
static kern_return_t write_message(struct xnu_thread *thread, struct ipc_kmsg *kmsg, mach_msg_header_t *h,
				   uint32_t trailer_size, const struct ipc_port *port, uint64_t address,
				   kern_return_t *body_mr)
{
	struct xnu_task *task = thread->task;
	bool is_64_bit = task->is_64_bit;
	uint32_t size = ipc_kmsg_user_size(kmsg, is_64_bit);
	uint8_t *out = malloc(size + trailer_size);
	uint32_t offset = HEADER_SIZE;

	*body_mr = MACH_MSG_SUCCESS;
	if (!out) {
		ipc_kmsg_destroy(kmsg);
		return MACH_RCV_INVALID_DATA;
	}
	h->msgh_size = size;
	h->msgh_id = kmsg->id;
	memcpy(out, h, sizeof(*h));
	if (kmsg->bits & MACH_MSGH_BITS_COMPLEX) {
		put32(out + offset, kmsg->desc_count);
		offset += BODY_SIZE;
		for (uint32_t i = 0; i < kmsg->desc_count; i++) {
			struct user_desc d;

			*body_mr |= copyout_descriptor(thread, &kmsg->descs[i], &d);
			offset += encode_desc(out + offset, is_64_bit, &d);
		}
	}
	memcpy(out + offset, kmsg->inline_data, kmsg->inline_size);
	if (trailer_size)
		ipc_kmsg_write_trailer(out + size, trailer_size, kmsg, port);
	ipc_kmsg_destroy(kmsg);

	int err = host_copyout(task, address, out, size + trailer_size);

	free(out);
	return err ? MACH_RCV_INVALID_DATA : MACH_MSG_SUCCESS;
}

kern_return_t ipc_kmsg_copyout(struct xnu_thread *receiver, struct ipc_kmsg *kmsg, struct ipc_port *port,
			       uint64_t address, mach_msg_size_t rcv_size, mach_msg_option_t option)
{
	struct ipc_space *space = receiver->task->space;
	kern_return_t header_mr = MACH_MSG_SUCCESS, body_mr;
	mach_msg_header_t h = { 0 };

	(void)rcv_size;
	/* The destination right is used up; the receiver sees its own name for the port. */
	mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(kmsg->bits);
	mach_msg_type_name_t reply_type = MACH_MSGH_BITS_LOCAL(kmsg->bits);
	struct ipc_port *dest = kmsg->dest;

	kmsg->dest = NULL;
	h.msgh_local_port = dest->receiver == space ? dest->receiver_name : MACH_PORT_NULL;
	if (dest_type == MACH_MSG_TYPE_PORT_SEND) {
		ipc_port_release_send(dest);
	} else {
		ipc_port_release_sonce(dest);
	}
	if (kmsg->reply == IO_DEAD) {
		h.msgh_remote_port = MACH_PORT_DEAD;
	} else if (kmsg->reply) {
		if (ipc_object_copyout(space, kmsg->reply, reply_type, &h.msgh_remote_port) != KERN_SUCCESS)
			header_mr = MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE;
	}
	kmsg->reply = NULL;
	h.msgh_bits = MACH_MSGH_BITS(reply_type, dest_type) | (kmsg->bits & MACH_MSGH_BITS_COMPLEX);

	kern_return_t mr = write_message(receiver, kmsg, &h, ipc_kmsg_trailer_size(option), port, address, &body_mr);

	if (mr != MACH_MSG_SUCCESS)
		return mr;
	if (header_mr)
		return header_mr;
	return body_mr ? MACH_RCV_BODY_ERROR | body_mr : MACH_MSG_SUCCESS;
}

/* A header right going back to the sender; the special bits of a failure. */
static kern_return_t copyout_header_right(struct ipc_space *space, struct ipc_object *object,
					  mach_msg_type_name_t type, mach_port_name_t *name)
{
	*name = object == IO_DEAD ? MACH_PORT_DEAD : MACH_PORT_NULL;
	if (!IO_VALID(object))
		return MACH_MSG_SUCCESS;
	return ipc_object_copyout(space, object, type, name) == KERN_SUCCESS ? MACH_MSG_SUCCESS : MACH_MSG_IPC_SPACE;
}

kern_return_t ipc_kmsg_copyout_pseudo(struct xnu_thread *sender, struct ipc_kmsg *kmsg, uint64_t address)
{
	struct ipc_space *space = sender->task->space;
	mach_msg_header_t h = { 0 };
	kern_return_t mr, body_mr;

	if (!space) {
		/* The sender's task died while it waited: its rights die with the message. */
		ipc_kmsg_destroy(kmsg);
		return MACH_MSG_SUCCESS;
	}
	/* Not reversed: the destination stays remote, the reply stays local. */
	h.msgh_bits = kmsg->bits & (MACH_MSGH_BITS_PORTS_MASK | MACH_MSGH_BITS_COMPLEX);
	mr = copyout_header_right(space, &kmsg->dest->object, MACH_MSGH_BITS_REMOTE(kmsg->bits),
				  &h.msgh_remote_port);
	kmsg->dest = NULL;
	mr |= copyout_header_right(space, kmsg->reply, MACH_MSGH_BITS_LOCAL(kmsg->bits), &h.msgh_local_port);
	kmsg->reply = NULL;
	/* As in XNU, a sender's buffer that cannot be written loses the message silently. */
	(void)write_message(sender, kmsg, &h, 0, NULL, address, &body_mr);
	return mr | body_mr;
}
