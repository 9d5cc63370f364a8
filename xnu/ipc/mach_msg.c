/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mach_msg_overwrite_trap: send, receive, or both. A receive that has to
 * wait gives up its fiber's stack (a continuation, as XNU's
 * mach_msg_receive_continue): the thread's msg state holds all it needs.
 */
#include <stdint.h>

#include "../kern/kern_internal.h"
#include "../xnu.h"
#include "ipc_internal.h"
#include "ipc_kmsg.h"

#define RECEIVE_MUST_WAIT (-1)

static uint64_t deadline_after_ms(uint32_t timeout_ms)
{
	return host_now_ns() + (uint64_t)timeout_ms * 1000000ull;
}

/* Would the message's receive rights end up queued on themselves? */
static bool kmsg_is_circular(struct ipc_kmsg *kmsg)
{
	for (uint32_t i = 0; i < kmsg->desc_count; i++) {
		struct kmsg_desc *d = &kmsg->descs[i];

		if (d->type != MACH_MSG_PORT_DESCRIPTOR || d->disposition != MACH_MSG_TYPE_PORT_RECEIVE ||
		    !IO_VALID(d->object))
			continue;
		/* Follow the destination through the messages carrying it. */
		for (struct ipc_port *p = kmsg->dest; p; p = p->carried_by ? p->carried_by->dest : NULL) {
			if (&p->object == d->object)
				return true;
			if (!p->carried_by)
				break;
		}
	}
	return false;
}

/*
 * Deliver a copied-in message. A send that cannot be completed (the queue
 * stayed full past the timeout, a signal came, the kernel's queue limit)
 * gives the message back to the sender (ipc_kmsg_copyout_pseudo); the
 * error returned carries the bits of anything that could not be.
 */
static kern_return_t kmsg_send(struct xnu_thread *thread, struct ipc_kmsg *kmsg, uint64_t msg,
			       mach_msg_option_t option, uint32_t timeout_ms)
{
	struct ipc_port *port = kmsg->dest;
	uint64_t deadline = (option & MACH_SEND_TIMEOUT) ? deadline_after_ms(timeout_ms) : UINT64_MAX;
	kern_return_t mr = MACH_MSG_SUCCESS;

	if (port->kotype != IKOT_NONE && port->active) {
		ipc_kobject_server(kmsg, thread);
		return MACH_MSG_SUCCESS;
	}
	if (kmsg_is_circular(kmsg)) {
		/* Nobody could ever receive it: XNU destroys it and reports success. */
		ipc_kmsg_destroy(kmsg);
		return MACH_MSG_SUCCESS;
	}
	/*
	 * Send-once rights are always let through: the reply to a request must
	 * never block. So is a MACH_SEND_NOTIFY send that found room.
	 */
	bool limited = MACH_MSGH_BITS_REMOTE(kmsg->bits) == MACH_MSG_TYPE_PORT_SEND && !kmsg->send_always;

	while (port->active && limited && ipc_mqueue_full(port)) {
		ipc_port_reference(port);
		wait_list_append(&port->senders, thread);
		int result = glue_wait(&thread->wait, deadline);

		if (thread->waiting_on)
			wait_list_remove(thread->waiting_on, thread);
		ipc_port_release(port);
		if (!port->active)
			break;
		if (result == GLUE_WAIT_TIMED_OUT || result == GLUE_WAIT_INTERRUPTED) {
			if (!ipc_mqueue_full(port))
				break; /* room appeared at the last moment: send after all */
			mr = result == GLUE_WAIT_TIMED_OUT ? MACH_SEND_TIMED_OUT : MACH_SEND_INTERRUPTED;
			break;
		}
	}
	if (!port->active) {
		/* The port died after the message was accepted: it is dropped, the send succeeded. */
		ipc_kmsg_destroy(kmsg);
		return MACH_MSG_SUCCESS;
	}
	/* Even unlimited senders stop at the kernel's bound on a queue. */
	if (mr == MACH_MSG_SUCCESS && port->msgcount >= MACH_PORT_QLIMIT_KERNEL)
		mr = MACH_SEND_NO_BUFFER;
	if (mr != MACH_MSG_SUCCESS)
		return mr | ipc_kmsg_copyout_pseudo(thread, kmsg, msg);
	ipc_mqueue_enqueue(port, kmsg);
	return MACH_MSG_SUCCESS;
}

static kern_return_t mach_msg_send(struct xnu_thread *thread, uint64_t msg, mach_msg_option_t option,
				   mach_msg_size_t send_size, uint32_t timeout_ms)
{
	struct ipc_kmsg *kmsg;
	kern_return_t mr = ipc_kmsg_copyin(thread, msg, send_size, option, &kmsg);

	if (mr != MACH_MSG_SUCCESS)
		return mr;
	return kmsg_send(thread, kmsg, msg, option, timeout_ms);
}

/* The object to receive from: a receive right or a port set. */
static kern_return_t receive_object(struct xnu_thread *thread, struct ipc_object **objectp)
{
	struct ipc_space *space = thread->task->space;
	struct ipc_entry *entry;

	if (ipc_right_lookup(space, thread->msg.rcv_name, &entry) != KERN_SUCCESS)
		return MACH_RCV_INVALID_NAME;
	if (!(entry->type & (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_PORT_SET)))
		return MACH_RCV_INVALID_NAME;
	*objectp = entry->object;
	return MACH_MSG_SUCCESS;
}

/* One try at receiving; RECEIVE_MUST_WAIT when there is nothing yet. */
static kern_return_t receive_attempt(struct xnu_thread *thread)
{
	struct mach_msg_state *st = &thread->msg;
	struct ipc_object *object;
	kern_return_t mr = receive_object(thread, &object);

	if (st->object && (mr != MACH_MSG_SUCCESS || object != st->object)) {
		/* What we waited on died or changed hands while we waited. */
		return MACH_RCV_PORT_CHANGED;
	}
	if (mr != MACH_MSG_SUCCESS)
		return mr;

	struct ipc_port *port = ipc_port_of(object);

	if (!port)
		port = ipc_pset_first_ready((struct ipc_pset *)object);
	if (!port || !port->messages.head) {
		if (!st->object) {
			st->object = object;
			ipc_object_reference(object);
		}
		return RECEIVE_MUST_WAIT;
	}

	struct ipc_kmsg *kmsg = port->messages.head;
	uint32_t size = ipc_kmsg_user_size(kmsg, thread->task->is_64_bit);

	if ((uint64_t)size + ipc_kmsg_trailer_size(st->option) > st->rcv_size) {
		if (st->option & MACH_RCV_LARGE) {
			/* The message stays queued; the caller learns the size it needs. */
			if (host_copyout(thread->task, st->msg + 4, &size, sizeof(size)))
				return MACH_RCV_INVALID_DATA;
			if ((st->option & MACH_RCV_LARGE_IDENTITY) &&
			    host_copyout(thread->task, st->msg + 12, &port->receiver_name, sizeof(mach_port_name_t)))
				return MACH_RCV_INVALID_DATA;
			return MACH_RCV_TOO_LARGE;
		}
		ipc_kmsg_destroy(ipc_mqueue_dequeue(port));
		return MACH_RCV_TOO_LARGE;
	}
	kmsg = ipc_mqueue_dequeue(port);
	ipc_port_reference(port); /* the trailer reads its context after the copyout */
	mr = ipc_kmsg_copyout(thread, kmsg, port, st->msg, st->rcv_size, st->option);
	ipc_port_release(port);
	return mr;
}

static void receive_done(struct xnu_thread *thread)
{
	if (thread->msg.object) {
		ipc_object_release(thread->msg.object);
		thread->msg.object = NULL;
	}
}

static struct wait_list *receivers_of(struct ipc_object *object)
{
	struct ipc_port *port = ipc_port_of(object);

	return port ? &port->receivers : &((struct ipc_pset *)object)->receivers;
}

static void receive_continue(void *arg);

__attribute__((noreturn)) static void receive_block(struct xnu_thread *thread)
{
	wait_list_append(receivers_of(thread->msg.object), thread);
	glue_wait_continue(&thread->wait, thread->msg.deadline_ns, receive_continue, thread);
}

static void receive_continue(void *arg)
{
	struct xnu_thread *thread = arg;
	int result = thread->wait.result;
	kern_return_t mr;

	if (thread->waiting_on)
		wait_list_remove(thread->waiting_on, thread);
	if (result == GLUE_WAIT_INTERRUPTED || !thread->active) {
		mr = MACH_RCV_INTERRUPTED;
	} else {
		mr = receive_attempt(thread);
		if (mr == RECEIVE_MUST_WAIT) {
			if (result != GLUE_WAIT_TIMED_OUT)
				receive_block(thread);
			mr = MACH_RCV_TIMED_OUT;
		}
	}
	receive_done(thread);
	host_thread_return(thread, mr);
	xnu_thread_release(thread);
}

static kern_return_t mach_msg_receive(struct xnu_thread *thread)
{
	struct mach_msg_state *st = &thread->msg;
	kern_return_t mr = receive_attempt(thread);

	if (mr != RECEIVE_MUST_WAIT) {
		receive_done(thread);
		return mr;
	}
	if ((st->option & MACH_RCV_TIMEOUT) && st->deadline_ns <= host_now_ns()) {
		receive_done(thread);
		return MACH_RCV_TIMED_OUT;
	}
	xnu_thread_reference(thread); /* for the continuation */
	receive_block(thread);
}

kern_return_t xnu_mach_msg_overwrite(struct xnu_thread *thread, uint64_t msg, mach_msg_option_t option,
				     mach_msg_size_t send_size, mach_msg_size_t rcv_size,
				     mach_port_name_t rcv_name, uint32_t timeout_ms, mach_port_name_t notify,
				     uint64_t rcv_msg)
{
	(void)notify; /* no longer a notify port in XNU either: MACH_SEND_NOTIFY arms send-possible requests */
	if (option & MACH_SEND_MSG) {
		/* A send blocked on a full queue may see its process die: keep the record until it returns. */
		xnu_thread_reference(thread);
		kern_return_t mr = mach_msg_send(thread, msg, option, send_size, timeout_ms);
		bool alive = thread->active;

		xnu_thread_release(thread);
		if (mr != MACH_MSG_SUCCESS || !alive)
			return mr;
	}
	if (!(option & MACH_RCV_MSG))
		return MACH_MSG_SUCCESS;

	struct mach_msg_state *st = &thread->msg;

	st->msg = rcv_msg ? rcv_msg : msg;
	st->option = option;
	st->rcv_size = rcv_size;
	st->rcv_name = rcv_name;
	st->object = NULL;
	st->deadline_ns = (option & MACH_RCV_TIMEOUT) ? deadline_after_ms(timeout_ms) : UINT64_MAX;
	return mach_msg_receive(thread);
}
