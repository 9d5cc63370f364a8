/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigprocess, thread_suspended, ptrace_sigexc and ptrace_thupdate
 * (PROTOCOL.md §6.2, §7.6-§7.8): the register frames of interrupt contexts
 * between the client and xnu/'s exceptions and suspension.
 */
#include <errno.h>

#include <mach/kern_return.h>

#include "call.h"
#include "interrupt.h"
#include "log.h"
#include "signal_frame.h"
#include "xnu/xnu.h"

void dserver_handle_sigprocess(struct call *call);
void dserver_handle_thread_suspended(struct call *call);
void dserver_handle_ptrace_sigexc(struct call *call);
void dserver_handle_ptrace_thupdate(struct call *call);

void dserver_handle_sigprocess(struct call *call)
{
	const struct dserver_rpc_sigprocess_request *rq = CALL_REQUEST(call, sigprocess);
	struct interrupt_context *ctx = call->thread->interrupts;
	struct signal_frame_result result;

	if (!ctx) {
		/* §7.1: only a signal handler, inside interrupt_enter, sends it. */
		call_fail(call, EINVAL);
		return;
	}
	/* An upstream client's registers may be in a record too; it passes none of its own to match. */
	const struct signal_frame_request request = { SIGNAL_FRAME_REQUEST(rq) };

	if (!signal_frame_process(call, ctx, &request, &result))
		return; /* the thread is gone; nobody reads the reply */
	if (result.error) {
		call_fail(call, result.error);
		return;
	}
	CALL_REPLY(call, sigprocess)->new_bsd_signal_number = result.new_bsd_signal;
}

void dserver_handle_thread_suspended(struct call *call)
{
	const struct dserver_rpc_thread_suspended_request *rq = CALL_REQUEST(call, thread_suspended);
	struct thread *thread = call->thread;
	struct interrupt_context *ctx = thread->interrupts;

	/* Outside a handler there is no frame to show a debugger: only the wait. */
	if (ctx && signal_frame_copyin(call->process, &ctx->frame, rq->thread_state, rq->float_state) != 0) {
		call_fail(call, -EFAULT);
		return;
	}
	xnu_thread_wait_while_suspended(thread->xnu);
	/* §7.7 step 3: the process may be gone; a failed write changes nothing. */
	if (ctx && !thread->dead)
		signal_frame_copyout(call->process, &ctx->frame, rq->thread_state, rq->float_state);
}

/* W6: the target itself or its tracer. 0, or the positive errno to answer. */
static int32_t may_trace(const struct call *call, const struct process *target)
{
	if (!target || target->dead || !target->xnu)
		return ESRCH;
	if (target != call->process && target->tracer != call->process->pid)
		return EPERM;
	return 0;
}

void dserver_handle_ptrace_sigexc(struct call *call)
{
	const struct dserver_rpc_ptrace_sigexc_request *rq = CALL_REQUEST(call, ptrace_sigexc);
	struct process *target = registry_process(rq->target);
	int32_t err = may_trace(call, target);

	if (err) {
		call_fail(call, err);
		return;
	}
	xnu_task_set_sigexc(target->xnu, rq->enabled);
}

/* The live thread with this container tid, in whichever process (one pid namespace). */
static struct thread *thread_by_tid(int32_t tid)
{
	struct process *p;
	size_t cursor = 0;

	while ((p = registry_next_process(&cursor))) {
		struct thread *t = registry_thread(p->pid, tid);

		if (t && !t->dead)
			return t;
	}
	return NULL;
}

void dserver_handle_ptrace_thupdate(struct call *call)
{
	const struct dserver_rpc_ptrace_thupdate_request *rq = CALL_REQUEST(call, ptrace_thupdate);
	struct thread *target = thread_by_tid(rq->target);
	int32_t err = may_trace(call, target ? target->process : NULL);

	if (err) {
		call_fail(call, err);
		return;
	}
	/* W5: a thread outside a handler has no pending signal to replace. */
	if (!target->xnu || xnu_thread_set_pending_signal(target->xnu, rq->signum) != KERN_SUCCESS)
		call_fail(call, EINVAL);
}
