/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Dispatch: from a validated datagram to a call running on its own fiber,
 * and from the finished call to its reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "fiber.h"
#include "interrupt.h"
#include "log.h"
#include "s2c.h"
#include "stats.h"

#define KERN_NOT_SUPPORTED 46
#define DARWIN_ENOSYS 78

/* Finished calls kept for the next ones: no allocation on the call path. */
#define SPARE_CALLS_MAX 256
static struct call *spare_calls; /* linked by next_waiter */
static size_t spare_call_count;

static struct call *call_alloc(void)
{
	struct call *call = spare_calls;

	if (!call)
		return malloc(sizeof(*call));
	spare_calls = call->next_waiter;
	spare_call_count--;
	return call;
}

static void call_free(struct call *call)
{
	if (spare_call_count >= SPARE_CALLS_MAX) {
		free(call);
		return;
	}
	call->next_waiter = spare_calls;
	spare_calls = call;
	spare_call_count++;
}

void dispatch_fini(void)
{
	while (spare_calls) {
		struct call *call = spare_calls;

		spare_calls = call->next_waiter;
		free(call);
	}
	spare_call_count = 0;
}

const struct call_info *call_info_lookup(uint32_t number)
{
	uint32_t index = number & ~(DSERVER_UNMANAGED_BIT | DSERVER_EXTENSION_BIT);
	const struct call_info *info;

	if (number & DSERVER_EXTENSION_BIT) {
		if (index == 0 || index > DSERVER_EXTENSION_CALL_MAX)
			return NULL;
		info = &dserver_extension_call_table[index];
	} else {
		if (index == 0 || index > DSERVER_CALL_MAX)
			return NULL;
		info = &dserver_call_table[index];
	}
	/* Bit 31 must match the call's kind exactly. */
	return info->name && info->wire_number == number ? info : NULL;
}

int32_t call_unsupported_code(const struct call_info *info)
{
	if (info->flags & DSERVER_CALL_N)
		return -ENOSYS;
	if (info->flags & DSERVER_CALL_X)
		return KERN_NOT_SUPPORTED;
	if (info->flags & DSERVER_CALL_B)
		return DARWIN_ENOSYS;
	return ENOSYS;
}

/* An error reply of the call's size (or 8 bytes for an unknown number), §5.1. */
static void send_error(const struct peer_address *to, uint32_t number,
		       const struct call_info *info, int32_t code)
{
	union {
		uint64_t align;
		struct dserver_reply_header header;
		unsigned char bytes[DSERVER_MAX_REPLY_SIZE];
	} reply;
	size_t size = info ? info->reply_size : sizeof(reply.header);

	memset(&reply, 0, sizeof(reply));
	reply.header.number = number;
	reply.header.code = code;
	if (info && info->reply_fd_offset >= 0) {
		int32_t none = -1;

		memcpy(reply.bytes + info->reply_fd_offset, &none, sizeof(none));
	}
	transport_send(to, reply.bytes, size, -1);
	if (info)
		stats_record(info, code, 0);
}

struct call *call_current(void)
{
	struct fiber *f = fiber_current();

	return f ? fiber_data(f) : NULL;
}

int call_take_fd(struct call *call)
{
	int fd = call->in_fd;

	call->in_fd = -1;
	return fd;
}

void call_fail(struct call *call, int32_t code)
{
	memset(call->reply.bytes + sizeof(call->reply.header), 0,
	       call->info->reply_size - sizeof(call->reply.header));
	call->reply_size = call->info->reply_size;
	copy_window_close(&call->out);
	if (call->info->reply_fd_offset >= 0) {
		int32_t none = -1;

		memcpy(call->reply.bytes + call->info->reply_fd_offset, &none, sizeof(none));
	}
	if (call->reply_fd >= 0) {
		close(call->reply_fd);
		call->reply_fd = -1;
	}
	call->reply.header.code = code;
}

enum reply_route { REPLY_SEND, REPLY_HELD, REPLY_WAITS_FOR_S2C };

/* Where the reply goes: out now, into the interrupt context holding the call, or nowhere yet. */
static enum reply_route route_reply(struct call *call)
{
	struct thread *thread = call->thread;

	if (!thread || thread->dead)
		return REPLY_SEND;
	if (call->context) {
		interrupt_hold_reply(call);
		return REPLY_HELD;
	}
	if (s2c_hold_reply(call)) {
		call->fiber = NULL; /* the fiber ends; the call stays until the S2C is answered */
		return REPLY_WAITS_FOR_S2C;
	}
	return REPLY_SEND;
}

void call_complete(struct call *call)
{
	const struct call_info *info = call->info;
	struct thread *thread = call->thread;
	struct call *resume = call->resume;

	if (call->in_fd >= 0) {
		close(call->in_fd);
		call->in_fd = -1;
	}
	if (call->before_reply) {
		/* Once: a reply that waited for an S2C comes back here. */
		call->before_reply(call);
		call->before_reply = NULL;
	}
	if (info->reply_fd_offset >= 0) {
		int32_t index = call->reply_fd >= 0 ? 0 : -1;

		memcpy(call->reply.bytes + info->reply_fd_offset, &index, sizeof(index));
	}
	enum reply_route route = route_reply(call);

	if (route == REPLY_WAITS_FOR_S2C)
		return;
	bool alive = !thread || !thread->dead;

	if (!alive) {
		/* §6.3: replies for dead threads are discarded. */
		if (call->reply_fd >= 0)
			close(call->reply_fd);
	} else if (route == REPLY_SEND) {
		transport_send(&call->reply_to, call->reply.bytes, call->reply_size, call->reply_fd);
	}
	/* §7.5: the reply held by the context interrupt_exit popped comes after its own. */
	if (call->exited)
		interrupt_context_release(call->exited, alive);
	if (alive && call->end_thread && thread)
		thread_die(thread);
	stats_record(info, call->reply.header.code, loop_now_ns() - call->received_ns);
	if (thread) {
		alive = alive && !thread->dead;
		registry_call_finished(thread, call);
		if (resume && alive && !thread->active_call) {
			thread->active_call = resume;
			s2c_call_started(thread);
		}
	}
	call_free(call);
}

static void run_call(void *arg)
{
	struct call *call = arg;

	if (!call->thread || !call->thread->dead)
		call->info->handler(call);
	call_complete(call);
}

/* Take the descriptor that the request's fd field names; close all others (§5.3). */
static int take_request_fd(struct datagram *dg, const struct call_info *info)
{
	int fd = -1;

	if (info->request_fd_offset >= 0 && dg->nfds > 0) {
		int32_t index;

		memcpy(&index, dg->data.bytes + info->request_fd_offset, sizeof(index));
		if (index >= 0 && index < dg->nfds) {
			fd = dg->fds[index];
			dg->fds[index] = -1;
		}
	}
	if (dg->nfds > (fd >= 0 ? 1 : 0))
		log_debug("dispatch", "%s: closing %d descriptor(s) the call does not carry", info->name,
			  dg->nfds - (fd >= 0 ? 1 : 0));
	datagram_close_fds(dg);
	return fd;
}

/* The calls a process makes while still in its loader (§1.5, W16). */
static bool is_loader_call(uint32_t number)
{
	switch (number) {
	case DSERVER_CALL_NUMBER_CHECKIN:
	case DSERVER_CALL_NUMBER_VCHROOT_PATH:
	case DSERVER_CALL_NUMBER_SET_DYLD_INFO:
	case DSERVER_CALL_NUMBER_SET_EXECUTABLE_PATH:
	case DSERVER_CALL_NUMBER_KPRINTF:
		return true;
	default:
		return false;
	}
}

/* The client of this thread now waits for a reply: the S2C calls for it may go in-band. */
static void thread_waits(struct thread *thread, uint32_t number)
{
	struct process *p = thread->process;

	if (!p->runtime_started && !is_loader_call(number)) {
		p->runtime_started = true;
		s2c_process_started(p);
	} else {
		s2c_call_started(thread);
	}
}

/* entered: the context an interrupt_enter pushed, else NULL. */
static void start_call(struct datagram *dg, const struct call_info *info, struct thread *thread,
		       struct interrupt_context *entered)
{
	struct call *call = call_alloc();

	if (!call) {
		if (entered)
			interrupt_cancel_push(thread, entered);
		datagram_close_fds(dg);
		send_error(&dg->source, dg->data.number, info, -ENOMEM);
		return;
	}
	call->info = info;
	call->thread = thread;
	call->process = thread ? thread->process : NULL;
	call->fiber = NULL;
	call->next_waiter = NULL;
	call->cred = dg->cred;
	call->reply_to = dg->source;
	call->received_ns = dg->received_ns;
	call->reply_fd = -1;
	call->end_thread = false;
	call->context = NULL;
	call->exited = NULL;
	call->resume = NULL;
	call->abort = NULL;
	if (entered)
		entered->entered_by = call;
	call->request_size = (uint16_t)(dg->size < info->request_size + info->request_tail
						? dg->size : info->request_size + info->request_tail);
	memcpy(call->request.bytes, dg->data.bytes, call->request_size);
	call->in_fd = take_request_fd(dg, info);
	memset(call->reply.bytes, 0, info->reply_size);
	call->reply.header.number = dg->data.number;
	call->reply_size = info->reply_size;
	copy_window_close(&call->in);
	copy_window_close(&call->out);
	call->before_reply = NULL;

	if (thread) {
		thread->active_call = call;
		thread->calls_in_flight++;
		thread->process->calls_in_flight++;
	}
	if (!info->handler) {
		call_fail(call, call_unsupported_code(info));
		call_complete(call);
		return;
	}
	call->fiber = fiber_create(run_call, call);
	if (!call->fiber) {
		call_fail(call, -ENOMEM);
		call_complete(call);
		return;
	}
	fiber_set_data(call->fiber, call);
	if (thread)
		thread_waits(thread, info->wire_number);
}

void dispatch_datagram(struct datagram *dg)
{
	const struct call_info *info;
	struct thread *thread;
	uint32_t number;
	bool created;
	int error;

	if (dg->size < sizeof(uint32_t)) {
		log_warn("dispatch", "pid %d: dropped a %zu-byte datagram", (int)dg->cred.pid, dg->size);
		goto drop;
	}
	number = dg->data.number;
	if (number == DSERVER_PUSH_REPLY_NUMBER) {
		interrupt_push_reply(dg);
		return;
	}
	if (number == DSERVER_S2C_NUMBER) {
		s2c_reply_received(dg);
		return;
	}
	if (dg->size < sizeof(struct dserver_request_header)) {
		log_warn("dispatch", "pid %d: dropped a %zu-byte datagram (shorter than a header)",
			 (int)dg->cred.pid, dg->size);
		goto drop;
	}
	info = call_info_lookup(number);

	if (number & DSERVER_UNMANAGED_BIT) {
		datagram_close_fds(dg); /* no unmanaged request carries a descriptor */
		if (!info) {
			send_error(&dg->source, number, NULL, -ENOSYS);
		} else if (dg->cred.uid != registry_server_uid() && dg->cred.uid != 0) {
			send_error(&dg->source, number, info, -EPERM);
		} else if (dg->size < info->request_size) {
			send_error(&dg->source, number, info, -EINVAL);
		} else {
			start_call(dg, info, NULL, NULL);
		}
		return;
	}

	thread = registry_thread_for(dg, &error, &created);
	if (!thread) {
		if (error)
			send_error(&dg->source, number, info, error);
		goto drop;
	}
	if (!info) {
		log_debug("dispatch", "pid %d tid %d: unknown call %#x", thread->process->pid, thread->tid,
			  number);
		send_error(&dg->source, number, NULL, -ENOSYS);
		goto drop;
	}
	if (dg->size < info->request_size) {
		log_debug("dispatch", "pid %d tid %d: %s: %zu bytes, needs %u", thread->process->pid,
			  thread->tid, info->name, dg->size, info->request_size);
		send_error(&dg->source, number, info, -EINVAL);
		goto drop;
	}
	if (!created && number == DSERVER_CALL_NUMBER_CHECKIN && !thread->process->exec_pending) {
		/* §6.1: a checkin for a known (pid, tid) means the old record is stale. */
		thread_die(thread);
		thread = registry_thread_for(dg, &error, &created);
		if (!thread) {
			if (error)
				send_error(&dg->source, number, info, error);
			goto drop;
		}
	}
	if (number == DSERVER_CALL_NUMBER_INTERRUPT_ENTER || number == DSERVER_CALL_NUMBER_INTERRUPT_ENTER_SIGPROCESS) {
		/* Pushed at arrival, so that a push_reply right behind it finds the context (§7.4, §11). */
		struct interrupt_context *entered;

		error = interrupt_push(thread, &entered);
		if (error) {
			send_error(&dg->source, number, info, error);
			goto drop;
		}
		start_call(dg, info, thread, entered);
		return;
	}
	if (thread->active_call) {
		/* W4: one call at a time per thread; the active call is unaffected. */
		log_warn("dispatch", "pid %d tid %d: %s while %s is active; dropped",
			 thread->process->pid, thread->tid, info->name, thread->active_call->info->name);
		goto drop;
	}
	start_call(dg, info, thread, NULL);
	return;
drop:
	datagram_close_fds(dg);
}
