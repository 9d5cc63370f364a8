/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interrupt_enter, interrupt_exit and push_reply (PROTOCOL.md §7.3-§7.5):
 * each thread's stack of interrupt contexts and the replies held in them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "client_memory.h"
#include "fiber.h"
#include "interrupt.h"
#include "log.h"
#include "s2c.h"
#include "xnu/xnu.h"

void dserver_handle_interrupt_enter(struct call *call);
void dserver_handle_interrupt_exit(struct call *call);

static void held_reply_clear(struct held_reply *held)
{
	if (held->fd >= 0)
		close(held->fd);
	held->fd = -1;
	held->present = false;
}

static void held_reply_send(struct held_reply *held)
{
	if (!held->present)
		return;
	transport_send(&held->to, held->bytes, held->size, held->fd); /* the transport owns fd now */
	held->fd = -1;
	held->present = false;
}

/* Tell xnu/ which frame is the thread's current one: the top context's, or none. */
static void show_top_frame(struct thread *thread)
{
	if (thread->xnu)
		xnu_thread_set_user_state(thread->xnu, thread->interrupts ? &thread->interrupts->frame : NULL);
}

static void context_free(struct interrupt_context *ctx)
{
	if (ctx->interrupted)
		ctx->interrupted->context = NULL;
	held_reply_clear(&ctx->held);
	free(ctx);
}

void interrupt_context_release(struct interrupt_context *ctx, bool send)
{
	if (send)
		held_reply_send(&ctx->held);
	context_free(ctx);
}

void interrupt_cancel_push(struct thread *thread, struct interrupt_context *ctx)
{
	if (thread->interrupts != ctx)
		return;
	thread->interrupts = ctx->below;
	thread->interrupt_depth--;
	show_top_frame(thread);
	if (ctx->interrupted && !thread->active_call) {
		thread->active_call = ctx->interrupted;
		ctx->interrupted->context = NULL;
		ctx->interrupted = NULL;
	}
	context_free(ctx);
}

int interrupt_push(struct thread *thread, struct interrupt_context **pushed)
{
	struct interrupt_context *ctx;

	if (thread->interrupt_depth >= INTERRUPT_DEPTH_MAX) {
		log_warn("interrupt", "pid %d tid %d: interrupt_enter nested more than %d deep; refused",
			 thread->process->pid, thread->tid, INTERRUPT_DEPTH_MAX);
		return -ENOSPC;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->held.fd = -1;
	ctx->thread = thread;
	ctx->interrupted = thread->active_call;
	if (ctx->interrupted) {
		ctx->interrupted->context = ctx;
		thread->active_call = NULL;
	}
	ctx->below = thread->interrupts;
	thread->interrupts = ctx;
	thread->interrupt_depth++;
	show_top_frame(thread);
	*pushed = ctx;
	return 0;
}

/* End the wait the call is blocked in, if it is an abortable one (§7.3 step 2). */
static void abort_call(struct call *call)
{
	if (call->abort)
		call->abort(call);
	else if (call->thread->xnu)
		xnu_thread_abort(call->thread->xnu);
}

struct interrupt_context *interrupt_enter_abort(struct call *call)
{
	struct thread *thread = call->thread;
	struct interrupt_context *ctx = thread->interrupts;

	/* The context was pushed at arrival; find the one this call made. */
	while (ctx && ctx->entered_by != call)
		ctx = ctx->below;
	if (!ctx)
		return NULL;
	ctx->entered_by = NULL;
	/*
	 * A call in the middle of a server-to-client call is not in an
	 * abortable wait yet: let it get there (the client performs the S2C
	 * in this call's receive loop), then abort it.
	 */
	while (ctx->interrupted && !thread->dead && s2c_call_is_waiting(ctx->interrupted))
		s2c_wait_for_progress(thread);
	if (ctx->interrupted && !thread->dead)
		abort_call(ctx->interrupted);
	return thread->dead ? NULL : ctx;
}

void dserver_handle_interrupt_enter(struct call *call)
{
	interrupt_enter_abort(call);
}

int interrupt_load_float_state(struct xnu_user_state *frame)
{
	struct interrupt_context *ctx = (struct interrupt_context *)((char *)frame -
								     offsetof(struct interrupt_context, frame));
	const struct process *p = ctx->thread->process;

	if (ctx->thread->dead || p->dead)
		return -ESRCH;
	/* §7.8: both flavours are 524 bytes. */
	return copyin(p, ctx->float_state_address, frame->float_state, sizeof(frame->float_state));
}

void dserver_handle_interrupt_exit(struct call *call)
{
	struct thread *thread = call->thread;
	struct interrupt_context *ctx = thread->interrupts;

	if (!ctx) {
		log_debug("interrupt", "pid %d tid %d: interrupt_exit without interrupt_enter",
			  thread->process->pid, thread->tid);
		call_fail(call, -EINVAL);
		return;
	}
	thread->interrupts = ctx->below;
	thread->interrupt_depth--;
	show_top_frame(thread); /* before the popped frame goes, with the call's completion */
	if (ctx->interrupted) {
		/* Not finished (not abortable): the client waits for it again, and its reply goes out directly. */
		call->resume = ctx->interrupted;
		ctx->interrupted->context = NULL;
		ctx->interrupted = NULL;
	}
	/* The held reply follows this call's own (§7.5 step 3). */
	call->exited = ctx;
}

void interrupt_hold_reply(struct call *call)
{
	struct interrupt_context *ctx = call->context;
	struct held_reply *held = &ctx->held;

	if (held->present) {
		/* Only a client pushing replies it never got fills the slot first. */
		log_warn("interrupt", "pid %d tid %d: a pushed reply made way for %s's own",
			 call->thread->process->pid, call->thread->tid, call->info->name);
		held_reply_clear(held);
	}
	held->present = true;
	held->to = call->reply_to;
	held->size = call->reply_size;
	memcpy(held->bytes, call->reply.bytes, held->size);
	held->fd = call->reply_fd;
	call->reply_fd = -1;
	ctx->interrupted = NULL;
	call->context = NULL;
}

/* §7.4 step 3: one byte tells the client its push is stored. */
static void finish_handshake(int pipe_fd)
{
	char byte = 0;

	if (pipe_fd < 0)
		return;
	if (fcntl(pipe_fd, F_SETFL, O_NONBLOCK) != 0 || write(pipe_fd, &byte, 1) != 1)
		log_debug("interrupt", "push_reply: the handshake pipe is not writable");
	close(pipe_fd);
}

void interrupt_push_reply(struct datagram *dg)
{
	struct dserver_push_reply push;
	struct interrupt_context *ctx = NULL;
	struct thread *thread = NULL;
	int pipe_fd = -1, reply_fd = -1;
	bool created;
	int error;

	/* The pipe's write end is the last descriptor; a stray reply brings at most one more. */
	if (dg->nfds > 0) {
		pipe_fd = dg->fds[--dg->nfds];
		if (dg->nfds > 0) {
			reply_fd = dg->fds[0];
			dg->fds[0] = -1;
		}
	}
	datagram_close_fds(dg);
	if (dg->size >= sizeof(push))
		thread = registry_thread_for(dg, &error, &created);
	if (thread)
		ctx = thread->interrupts;
	memcpy(&push, dg->data.bytes, dg->size >= sizeof(push) ? sizeof(push) : 0);
	if (!ctx || ctx->held.present || push.reply_size > HELD_REPLY_MAX ||
	    push.reply_size < sizeof(struct dserver_reply_header) ||
	    copyin(thread->process, push.reply, ctx->held.bytes, push.reply_size) != 0) {
		log_warn("interrupt", "global pid %d: push_reply %s; reply discarded", (int)dg->cred.pid,
			 !ctx ? "outside an interrupt"
			 : ctx->held.present ? "with the context's slot taken"
					     : "with an unreadable or impossible reply");
		if (reply_fd >= 0)
			close(reply_fd);
		finish_handshake(pipe_fd);
		return;
	}
	ctx->held.present = true;
	ctx->held.to = dg->source;
	ctx->held.size = push.reply_size;
	ctx->held.fd = reply_fd;
	finish_handshake(pipe_fd);
}

void interrupt_drop_all(struct thread *thread)
{
	if (thread->xnu)
		xnu_thread_set_user_state(thread->xnu, NULL);
	while (thread->interrupts) {
		struct interrupt_context *ctx = thread->interrupts;

		thread->interrupts = ctx->below;
		context_free(ctx);
	}
	thread->interrupt_depth = 0;
}
