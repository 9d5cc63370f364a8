/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sigprocess, thread_suspended, ptrace_sigexc and ptrace_thupdate
 * (PROTOCOL.md §6.2, §7.6-§7.8): the register frames of interrupt contexts
 * between the client and xnu/'s exceptions and suspension.
 */
#include <errno.h>
#include <string.h>

#include <mach/kern_return.h>

#include "call.h"
#include "client_memory.h"
#include "interrupt.h"
#include "log.h"
#include "xnu/xnu.h"

void dserver_handle_sigprocess(struct call *call);
void dserver_handle_thread_suspended(struct call *call);
void dserver_handle_ptrace_sigexc(struct call *call);
void dserver_handle_ptrace_thupdate(struct call *call);

/* §7.8: x86_thread_state64 or x86_thread_state32, by the process's architecture. */
static size_t thread_state_size(const struct process *p)
{
	return p->architecture == DSERVER_ARCH_I386 ? 64 : 168;
}

#define FLOAT_STATE_SIZE 524 /* x86_float_state64 and x86_float_state32 alike */

static int load_frame(struct call *call, struct xnu_user_state *frame, uint64_t thread_state, uint64_t float_state)
{
	memset(frame->thread_state, 0, sizeof(frame->thread_state));
	frame->modified = false;
	if (copyin(call->process, thread_state, frame->thread_state, thread_state_size(call->process)) != 0 ||
	    copyin(call->process, float_state, frame->float_state, FLOAT_STATE_SIZE) != 0)
		return -EFAULT;
	return 0;
}

static int store_frame(struct call *call, const struct xnu_user_state *frame, uint64_t thread_state,
		       uint64_t float_state)
{
	if (copyout(call->process, thread_state, frame->thread_state, thread_state_size(call->process)) != 0 ||
	    copyout(call->process, float_state, frame->float_state, FLOAT_STATE_SIZE) != 0)
		return -EFAULT;
	return 0;
}

void dserver_handle_sigprocess(struct call *call)
{
	const struct dserver_rpc_sigprocess_request *rq = CALL_REQUEST(call, sigprocess);
	struct thread *thread = call->thread;
	struct interrupt_context *ctx = thread->interrupts;

	if (!ctx) {
		/* §7.1: only a signal handler, inside interrupt_enter, sends it. */
		call_fail(call, EINVAL);
		return;
	}
	struct xnu_user_state *frame = &ctx->frame;
	int err = load_frame(call, frame, rq->thread_state, rq->float_state);

	if (err) {
		call_fail(call, err);
		return;
	}
	xnu_thread_process_signal(thread->xnu, rq->bsd_signal_number, rq->linux_signal_number, rq->sender_pid,
				  rq->code, rq->signal_address);
	if (thread->dead)
		return; /* the contexts are gone with the thread; nobody reads the reply */
	err = store_frame(call, frame, rq->thread_state, rq->float_state);
	if (err) {
		call_fail(call, err);
		return;
	}
	CALL_REPLY(call, sigprocess)->new_bsd_signal_number = frame->pending_signal;
}

void dserver_handle_thread_suspended(struct call *call)
{
	const struct dserver_rpc_thread_suspended_request *rq = CALL_REQUEST(call, thread_suspended);
	struct thread *thread = call->thread;
	struct interrupt_context *ctx = thread->interrupts;

	/* Outside a handler there is no frame to show a debugger: only the wait. */
	if (ctx && load_frame(call, &ctx->frame, rq->thread_state, rq->float_state) != 0) {
		call_fail(call, -EFAULT);
		return;
	}
	xnu_thread_wait_while_suspended(thread->xnu);
	/* §7.7 step 3: the process may be gone; a failed write changes nothing. */
	if (ctx && !thread->dead)
		store_frame(call, &ctx->frame, rq->thread_state, rq->float_state);
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
