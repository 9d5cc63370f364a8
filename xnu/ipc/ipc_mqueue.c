/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Message queues and the threads waiting on them. A sent message is always
 * queued first, then one receiver is woken to take it; a receiver that finds
 * the queue empty again (another took the message) simply waits again.
 */
#include "../kern/kern_internal.h"
#include "ipc_internal.h"
#include "ipc_kmsg.h"

static uint64_t next_stamp = 1;

void wait_list_append(struct wait_list *list, struct xnu_thread *thread)
{
	thread->waiting_on = list;
	thread->wait_next = NULL;
	thread->wait_prev = list->tail;
	if (list->tail)
		list->tail->wait_next = thread;
	else
		list->head = thread;
	list->tail = thread;
}

void wait_list_remove(struct wait_list *list, struct xnu_thread *thread)
{
	if (thread->waiting_on != list)
		return;
	if (thread->wait_prev)
		thread->wait_prev->wait_next = thread->wait_next;
	else
		list->head = thread->wait_next;
	if (thread->wait_next)
		thread->wait_next->wait_prev = thread->wait_prev;
	else
		list->tail = thread->wait_prev;
	thread->waiting_on = NULL;
	thread->wait_next = thread->wait_prev = NULL;
}

bool wait_list_wake_one(struct wait_list *list, int result)
{
	while (list->head) {
		struct xnu_thread *thread = list->head;

		wait_list_remove(list, thread);
		if (glue_wakeup(&thread->wait, result))
			return true;
	}
	return false;
}

void wait_list_wake_all(struct wait_list *list, int result)
{
	while (list->head) {
		struct xnu_thread *thread = list->head;

		wait_list_remove(list, thread);
		glue_wakeup(&thread->wait, result);
	}
}

bool ipc_mqueue_full(const struct ipc_port *port)
{
	return port->msgcount >= port->qlimit;
}

void ipc_mqueue_enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
	kmsg->next = NULL;
	kmsg->stamp = next_stamp++;
	if (port->messages.tail)
		port->messages.tail->next = kmsg;
	else
		port->messages.head = kmsg;
	port->messages.tail = kmsg;
	port->msgcount++;
	if (wait_list_wake_one(&port->receivers, GLUE_WAIT_AWAKENED))
		return;
	for (uint32_t i = 0; i < port->set_count; i++) {
		if (wait_list_wake_one(&port->sets[i]->receivers, GLUE_WAIT_AWAKENED))
			return;
	}
}

struct ipc_kmsg *ipc_mqueue_dequeue(struct ipc_port *port)
{
	struct ipc_kmsg *kmsg = port->messages.head;

	if (!kmsg)
		return NULL;
	port->messages.head = kmsg->next;
	if (!port->messages.head)
		port->messages.tail = NULL;
	kmsg->next = NULL;
	port->msgcount--;
	kmsg->seqno = port->seqno++;
	ipc_kmsg_uncharge(kmsg);
	/* Room in the queue: let one blocked sender try again, tell those who asked. */
	wait_list_wake_one(&port->senders, GLUE_WAIT_AWAKENED);
	ipc_port_spnotify(port);
	return kmsg;
}

struct ipc_port *ipc_pset_first_ready(struct ipc_pset *pset)
{
	struct ipc_port *best = NULL;

	for (uint32_t i = 0; i < pset->member_count; i++) {
		struct ipc_port *port = pset->members[i];

		if (port->messages.head && (!best || port->messages.head->stamp < best->messages.head->stamp))
			best = port;
	}
	return best;
}
