/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A message in the server's own form: rights held as port pointers, out-of-
 * line memory copied into the server, inline bytes kept as sent. It is laid
 * out again for the receiver's architecture when it is received.
 */
#ifndef XNU_IPC_KMSG_H
#define XNU_IPC_KMSG_H

#include "ipc_internal.h"

/* A right that was a dead name when sent: the receiver gets MACH_PORT_DEAD. */
#define IO_DEAD ((struct ipc_object *)(uintptr_t)-1)
#define IO_VALID(object) ((object) != NULL && (object) != IO_DEAD)

struct kmsg_desc {
	uint8_t type;         /* MACH_MSG_*_DESCRIPTOR */
	uint8_t disposition;  /* MACH_MSG_TYPE_PORT_* carried (port kinds) */
	uint8_t copy;         /* OOL: the copy option the receiver sees */
	uint8_t deallocate;   /* OOL: the flag the receiver sees */
	uint16_t guard_flags;
	uint64_t context;     /* guarded port descriptors */
	union {
		struct ipc_object *object;  /* NULL, IO_DEAD or a port */
		struct {
			void *data;
			uint64_t size;
		} ool;
		struct {
			struct ipc_object **objects;
			uint32_t count;
		} ports;
	};
};

struct ipc_kmsg {
	struct ipc_kmsg *next;
	uint64_t stamp;              /* global send order, for fair port-set receives */
	mach_msg_bits_t bits;        /* the sender's bits with the port types as carried */
	struct ipc_port *dest;       /* holds the right of MACH_MSGH_BITS_REMOTE(bits) */
	struct ipc_object *reply;    /* NULL, IO_DEAD, or holds MACH_MSGH_BITS_LOCAL(bits) */
	mach_msg_id_t id;
	uint32_t seqno;              /* set when dequeued */
	uint32_t desc_count;
	struct kmsg_desc *descs;
	uint32_t inline_size;        /* bytes after the descriptors */
	uint32_t audit[8];           /* sender's audit token */
	bool kernel_sent;            /* a notification or MIG reply: the kernel's trailer */
	bool send_always;            /* a MACH_SEND_NOTIFY send that found room: never blocks */
	struct xnu_task *charged;    /* whose queued-bytes quota this uses */
	uint64_t charge;
	uint8_t inline_data[];
};

struct ipc_kmsg *ipc_kmsg_alloc(uint32_t inline_size, uint32_t desc_count);
/* Destroy the message and every right and memory it carries. */
void ipc_kmsg_destroy(struct ipc_kmsg *kmsg);
/*
 * The same, for a message whose destruction may be nested inside another's
 * (a dying port's queue): it is destroyed by the outermost caller's loop,
 * so that no chain of messages and ports deepens the stack.
 */
void ipc_kmsg_destroy_later(struct ipc_kmsg *kmsg);
/* Give back the sender's quota (when the message leaves its queue). */
void ipc_kmsg_uncharge(struct ipc_kmsg *kmsg);
/*
 * Send a message built by the kernel (notification, MIG reply): always
 * queued, whatever the queue limit, as XNU does for kernel and send-once
 * messages. Consumes the kmsg; a dead destination destroys it.
 */
void ipc_kmsg_send_kernel(struct ipc_kmsg *kmsg);

/* The receiver-visible size of the message (header, body, descriptors, inline). */
uint32_t ipc_kmsg_user_size(const struct ipc_kmsg *kmsg, bool is_64_bit);

struct xnu_thread;
/*
 * Copy a message in from the sender's memory at address (send_size bytes):
 * header rights, descriptors, out-of-line memory. MACH_MSG_SUCCESS and
 * *kmsg, or a MACH_SEND_* error with nothing changed in the sender's space.
 */
kern_return_t ipc_kmsg_copyin(struct xnu_thread *sender, uint64_t address, mach_msg_size_t send_size,
			      mach_msg_option_t option, struct ipc_kmsg **kmsg);
/*
 * Write a message into the receiver's buffer: rights into its space,
 * out-of-line memory mapped in its process, the trailer the options ask
 * for. Consumes the kmsg. Returns MACH_MSG_SUCCESS or a MACH_RCV_* error.
 */
kern_return_t ipc_kmsg_copyout(struct xnu_thread *receiver, struct ipc_kmsg *kmsg, struct ipc_port *port,
			       uint64_t address, mach_msg_size_t rcv_size, mach_msg_option_t option);
/*
 * A send that failed after its copyin gives the message back (XNU's
 * pseudo-receive): its rights return to the sender's space, its out-of-line
 * memory is mapped in the sender again, and the message is written into the
 * sender's buffer at address, header not reversed, so that it can be sent
 * again as it is. Consumes the kmsg. Returns the MACH_MSG_IPC_SPACE /
 * VM_SPACE bits of what could not be given back.
 */
kern_return_t ipc_kmsg_copyout_pseudo(struct xnu_thread *sender, struct ipc_kmsg *kmsg, uint64_t address);
/* The trailer size the receive options ask for. */
uint32_t ipc_kmsg_trailer_size(mach_msg_option_t option);
/* The first trailer_size bytes of the message's trailer as received from port (NULL: no context). */
void ipc_kmsg_write_trailer(uint8_t *p, uint32_t trailer_size, const struct ipc_kmsg *kmsg,
			    const struct ipc_port *port);

#endif
