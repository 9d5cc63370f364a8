/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mach_msg() and friends over the mach_msg_overwrite trap. The library's
 * share of the work is XNU libsyscall's: restart what a signal interrupted
 * unless the caller asked to see interruptions, and undo messages
 * (mach_msg_destroy()).
 */
#include <stddef.h>
#include <stdint.h>

#include "mach_api.h"

/* Options the library implements; the trap never sees them. */
#define LIBRARY_OPTIONS (MACH_SEND_INTERRUPT | MACH_RCV_INTERRUPT)

/*
 * After an interrupted receive only the receive is restarted: the send, if
 * any, has completed. A synchronous-wait hint names the destination of that
 * send, which the receive alone no longer has.
 */
static mach_msg_option_t receive_again(mach_msg_option_t option)
{
	if ((option & MACH_SEND_MSG) && (option & MACH_RCV_MSG))
		option &= ~MACH_RCV_SYNC_WAIT;
	return option & ~(LIBRARY_OPTIONS | MACH_SEND_MSG);
}

mach_msg_return_t mach_msg_overwrite(mach_msg_header_t *msg, mach_msg_option_t option,
				     mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				     mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
				     mach_port_name_t notify, mach_msg_header_t *rcv_msg,
				     mach_msg_size_t rcv_limit)
{
	mach_msg_option_t trap_option = option & ~LIBRARY_OPTIONS;
	mach_msg_return_t mr;

	do {
		/* An interrupted send sent nothing: start the whole operation again. */
		mr = mach_msg_overwrite_trap(msg, trap_option, send_size, rcv_size, rcv_name,
					     timeout, notify, rcv_msg, rcv_limit);
	} while (mr == MACH_SEND_INTERRUPTED && !(option & MACH_SEND_INTERRUPT));

	while (mr == MACH_RCV_INTERRUPTED && !(option & MACH_RCV_INTERRUPT))
		mr = mach_msg_overwrite_trap(msg, receive_again(option), 0, rcv_size, rcv_name,
					     timeout, notify, rcv_msg, rcv_limit);
	return mr;
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
			   mach_msg_size_t send_size, mach_msg_size_t rcv_size,
			   mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			   mach_port_name_t notify)
{
	return mach_msg_overwrite(msg, option, send_size, rcv_size, rcv_name, timeout, notify,
				  NULL, 0);
}

mach_msg_return_t mach_msg_send(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL,
			MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg)
{
	return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size, msg->msgh_local_port,
			MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

/*
 * Releases one right as a message would have carried it: moved rights are
 * the holder's to drop; "make" dispositions would have created a right, so
 * one is created and dropped (a make-send bumps the make-send count, as the
 * send would have). Copies took nothing from the holder.
 */
static void destroy_right(mach_port_t task, mach_port_name_t name, mach_msg_type_name_t disposition)
{
	mach_msg_type_name_t made;

	if (!MACH_PORT_VALID(name))
		return;
	switch (disposition) {
	case MACH_MSG_TYPE_MOVE_SEND:
	case MACH_MSG_TYPE_MOVE_SEND_ONCE:
		(void)mach_port_deallocate(task, name);
		break;
	case MACH_MSG_TYPE_MOVE_RECEIVE:
		(void)mach_port_mod_refs(task, name, MACH_PORT_RIGHT_RECEIVE, -1);
		break;
	case MACH_MSG_TYPE_MAKE_SEND:
		(void)mach_port_insert_right(task, name, name, MACH_MSG_TYPE_MAKE_SEND);
		(void)mach_port_deallocate(task, name);
		break;
	case MACH_MSG_TYPE_MAKE_SEND_ONCE:
		if (mach_port_extract_right(task, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &name,
					    &made) == KERN_SUCCESS)
			(void)mach_port_deallocate(task, name);
		break;
	}
}

static void destroy_memory(mach_port_t task, const void *address, mach_msg_size_t size)
{
	if (size != 0)
		(void)vm_deallocate(task, (vm_address_t)(uintptr_t)address, size);
}

/* Releases what one descriptor holds; returns the next descriptor. */
static const void *destroy_descriptor(mach_port_t task, const void *at)
{
	const mach_msg_descriptor_t *d = at;

	switch (d->type.type) {
	case MACH_MSG_PORT_DESCRIPTOR:
		destroy_right(task, d->port.name, d->port.disposition);
		return &d->port + 1;
	case MACH_MSG_OOL_DESCRIPTOR:
		if (d->out_of_line.deallocate)
			destroy_memory(task, d->out_of_line.address, d->out_of_line.size);
		return &d->out_of_line + 1;
	case MACH_MSG_OOL_VOLATILE_DESCRIPTOR:
		return &d->out_of_line + 1;
	case MACH_MSG_OOL_PORTS_DESCRIPTOR: {
		const mach_msg_ool_ports_descriptor_t *ports = &d->ool_ports;
		const mach_port_t *names = ports->address;
		mach_msg_size_t i;

		for (i = 0; i < ports->count; i++)
			destroy_right(task, names[i], ports->disposition);
		if (ports->deallocate)
			destroy_memory(task, names, ports->count * sizeof(mach_port_t));
		return ports + 1;
	}
	case MACH_MSG_GUARDED_PORT_DESCRIPTOR: {
		const mach_msg_guarded_port_descriptor_t *g = &d->guarded_port;

		/* A guarded receive right cannot be destroyed before its guard is lifted. */
		if (!(g->flags & MACH_MSG_GUARD_FLAGS_UNGUARDED_ON_SEND))
			(void)mach_port_unguard(task, g->name, (uint64_t)g->context);
		destroy_right(task, g->name, g->disposition);
		return g + 1;
	}
	}
	/* An unknown type has no known size: nothing after it can be found. */
	return NULL;
}

void mach_msg_destroy(mach_msg_header_t *msg)
{
	mach_port_t task = mach_task_self();
	mach_msg_bits_t bits = msg->msgh_bits;

	/* The local port carries no right of the message (a receive consumed it). */
	destroy_right(task, msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
	destroy_right(task, msg->msgh_voucher_port, MACH_MSGH_BITS_VOUCHER(bits));
	if (bits & MACH_MSGH_BITS_COMPLEX) {
		const mach_msg_base_t *base = (const mach_msg_base_t *)msg;
		const void *at = base + 1;
		mach_msg_size_t i;

		for (i = 0; i < base->body.msgh_descriptor_count && at; i++)
			at = destroy_descriptor(task, at);
	}
}
