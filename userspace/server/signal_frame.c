/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <string.h>

#include <dserver/protocol_base.h>
#include <dserver/signal_record.h>

#include "call.h"
#include "client_memory.h"
#include "interrupt.h"
#include "signal_frame.h"
#include "sigrecord.h"
#include "xnu/xnu.h"

/* §7.8: x86_thread_state64 or x86_thread_state32, by the process's architecture. */
static size_t thread_state_size(const struct process *p)
{
	return p->architecture == DSERVER_ARCH_I386 ? 64 : 168;
}

#define FLOAT_STATE_SIZE 524 /* x86_float_state64 and x86_float_state32 alike */

_Static_assert(sizeof(((struct xnu_user_state *)0)->thread_state) == sizeof(struct dserver_thread_state64),
	       "a record's registers fill the frame's x86_thread_state64");

/* A frame about to be loaded: nothing in it is the client's yet, nothing changed. */
static void frame_reset(struct xnu_user_state *frame)
{
	memset(frame->thread_state, 0, sizeof(frame->thread_state));
	frame->modified = false;
	frame->float_modified = false;
	frame->float_pending = false;
}

int signal_frame_copyin(const struct process *p, struct xnu_user_state *frame, uint64_t thread_state,
			uint64_t float_state)
{
	frame_reset(frame);
	if (copyin(p, thread_state, frame->thread_state, thread_state_size(p)) != 0 ||
	    copyin(p, float_state, frame->float_state, FLOAT_STATE_SIZE) != 0)
		return -EFAULT;
	return 0;
}

int signal_frame_copyout(const struct process *p, const struct xnu_user_state *frame, uint64_t thread_state,
			 uint64_t float_state)
{
	if (copyout(p, thread_state, frame->thread_state, thread_state_size(p)) != 0 ||
	    copyout(p, float_state, frame->float_state, FLOAT_STATE_SIZE) != 0)
		return -EFAULT;
	return 0;
}

/*
 * Load the frame from the thread's record, if it has a fresh one for this
 * signal (and, when the client sent them, these rip and rsp): the kernel's
 * siginfo replaces what the client passed on. The float state stays in the
 * client until something reads it (host_load_float_state).
 */
static bool load_from_record(struct call *call, struct interrupt_context *ctx, struct signal_frame_request *rq,
			     struct signal_frame_result *out)
{
	const struct sigrecord_expect expect = { rq->linux_signal, rq->have_registers, rq->rip, rq->rsp };
	struct xnu_user_state *frame = &ctx->frame;
	struct dserver_signal_record rec;

	if (!sigrecord_take(call->thread, &expect, &rec))
		return false;
	frame_reset(frame);
	memcpy(frame->thread_state, &rec.regs, sizeof(rec.regs));
	frame->float_pending = true;
	rq->code = rec.si_code;
	if (rec.flags & DSERVER_SIGNAL_RECORD_FAULT)
		rq->signal_address = rec.fault_address;
	/* The record has the sender as the server's namespace sees it; such a client knows it by another id. */
	if ((rec.flags & DSERVER_SIGNAL_RECORD_SENDER) && !call->process->pid_namespaced)
		rq->sender_pid = rec.sender_pid;
	out->flags |= DSERVER_SIGPROCESS_FROM_RECORD;
	out->record_seq = rec.seq;
	return true;
}

/* §7.6 step 5, but only what a debugger changed: the client's copy of the rest is still right. */
static void write_back(const struct process *p, const struct xnu_user_state *frame,
		       const struct signal_frame_request *rq, struct signal_frame_result *out)
{
	if (frame->modified) {
		if (copyout(p, rq->thread_state, frame->thread_state, thread_state_size(p)) == 0)
			out->flags |= DSERVER_SIGPROCESS_WROTE_THREAD_STATE;
		else
			out->error = -EFAULT;
	}
	if (frame->float_modified) {
		if (copyout(p, rq->float_state, frame->float_state, FLOAT_STATE_SIZE) == 0)
			out->flags |= DSERVER_SIGPROCESS_WROTE_FLOAT_STATE;
		else
			out->error = -EFAULT;
	}
}

bool signal_frame_process(struct call *call, struct interrupt_context *ctx, const struct signal_frame_request *rq,
			  struct signal_frame_result *out)
{
	struct thread *thread = call->thread;
	struct xnu_user_state *frame = &ctx->frame;
	struct signal_frame_request signal = *rq;

	memset(out, 0, sizeof(*out));
	ctx->float_state_address = rq->float_state;
	if (!load_from_record(call, ctx, &signal, out)) {
		out->error = signal_frame_copyin(call->process, frame, rq->thread_state, rq->float_state);
		if (out->error)
			return true;
	}
	xnu_thread_process_signal(thread->xnu, signal.bsd_signal, signal.linux_signal, signal.sender_pid,
				  signal.code, signal.signal_address);
	if (thread->dead)
		return false; /* the contexts are gone with the thread */
	out->new_bsd_signal = frame->pending_signal;
	write_back(call->process, frame, rq, out);
	return true;
}
