/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interrupt_enter_sigprocess (PROTOCOL.md §11): interrupt_enter and
 * sigprocess in one round trip. The context was pushed when the datagram
 * arrived (call.c), as for interrupt_enter; the registers come from the
 * thread's signal record when it has a fresh one for this signal.
 */
#include <errno.h>

#include "call.h"
#include "interrupt.h"
#include "log.h"
#include "signal_frame.h"

void dserver_handle_interrupt_enter_sigprocess(struct call *call);

void dserver_handle_interrupt_enter_sigprocess(struct call *call)
{
	const struct dserver_rpc_interrupt_enter_sigprocess_request *rq =
		CALL_REQUEST(call, interrupt_enter_sigprocess);
	struct dserver_rpc_interrupt_enter_sigprocess_reply *reply = CALL_REPLY(call, interrupt_enter_sigprocess);
	struct interrupt_context *ctx = interrupt_enter_abort(call);
	struct signal_frame_result result;

	if (!ctx)
		return; /* the thread is gone; nobody reads the reply */
	/*
	 * The code stays 0 from here on: the context is pushed, and the client
	 * must leave it with interrupt_exit whatever happens to the signal.
	 */
	if (ctx != call->thread->interrupts) {
		/* Entered again before this reply came: xnu/ shows a thread only its newest frame. */
		log_warn("interrupt", "pid %d tid %d: interrupt_enter_sigprocess overtaken by a nested interrupt",
			 call->process->pid, call->thread->tid);
		reply->process_error = -EBUSY;
		return;
	}
	const struct signal_frame_request request = {
		SIGNAL_FRAME_REQUEST(rq), .have_registers = true, .rip = rq->rip, .rsp = rq->rsp,
	};

	if (!signal_frame_process(call, ctx, &request, &result))
		return;
	reply->new_bsd_signal_number = result.new_bsd_signal;
	reply->process_error = result.error;
	reply->flags = result.flags;
	reply->record_seq = result.record_seq;
}
