/* SPDX-License-Identifier: GPL-3.0-or-later */
/* checkin, checkout and fork_wait_for_child (PROTOCOL.md §6.1, §6.2). */
#include <errno.h>
#include <unistd.h>

#include "call.h"
#include "fiber.h"
#include "log.h"

void dserver_handle_checkin(struct call *call);
void dserver_handle_checkout(struct call *call);
void dserver_handle_fork_wait_for_child(struct call *call);

/* One post of the parent's fork-wait semaphore: wake a waiter or count it. */
static void post_fork_wait(struct process *parent)
{
	struct call *waiter = parent->fork_waiters;

	if (waiter) {
		parent->fork_waiters = waiter->next_waiter;
		waiter->next_waiter = NULL;
		fiber_unpark(waiter->fiber, 0);
	} else {
		parent->fork_wait_posts++;
	}
}

void dserver_handle_checkin(struct call *call)
{
	const struct dserver_rpc_checkin_request *req = CALL_REQUEST(call, checkin);
	struct process *p = call->process;
	int lifetime_pipe = call_take_fd(call);
	int architecture = req->header.architecture;

	if (p->exec_pending) {
		/* (a) the post-exec checkin: a new image in the same process. */
		process_complete_exec(p, call->thread, architecture);
		log_info("process", "pid %d: exec completed", p->pid);
	} else if (architecture != p->architecture) {
		call_fail(call, -EINVAL);
	} else if (!p->checked_in) {
		/* (b) the first checkin of a new process: its parent hears of the fork once. */
		struct process *parent = p->parent_pid ? registry_process(p->parent_pid) : NULL;

		if (parent)
			post_fork_wait(parent);
	}
	p->checked_in = true;
	if (lifetime_pipe >= 0)
		process_watch_lifetime(p, lifetime_pipe);
}

void dserver_handle_checkout(struct call *call)
{
	const struct dserver_rpc_checkout_request *req = CALL_REQUEST(call, checkout);
	int exec_pipe = call_take_fd(call);

	if (exec_pipe < 0) {
		/* The thread is exiting: answer, then forget it. */
		call->end_thread = true;
		return;
	}
	call_fail(call, process_watch_exec(call->process, exec_pipe, req->executing_macho));
}

static void fork_wait_done(void *arg)
{
	struct call *call = arg;
	struct process *p = call->process;

	if (fiber_park_result() != 0) {
		/* Woken by an abort, not a post: leave the waiter list. */
		for (struct call **pp = &p->fork_waiters; *pp; pp = &(*pp)->next_waiter) {
			if (*pp == call) {
				*pp = call->next_waiter;
				break;
			}
		}
	}
	/* Reply 0 also when interrupted (§6.2). */
	call_complete(call);
}

/* interrupt_enter ends the wait (§7.3); the call still answers 0. */
static void fork_wait_abort(struct call *call)
{
	if (call->fiber && fiber_is_parked(call->fiber))
		fiber_unpark(call->fiber, -EINTR);
}

void dserver_handle_fork_wait_for_child(struct call *call)
{
	struct process *p = call->process;

	if (p->fork_wait_posts) {
		p->fork_wait_posts--;
		return;
	}
	/* Wait without a stack: append, so that waiters are served in order. */
	struct call **tail = &p->fork_waiters;

	while (*tail)
		tail = &(*tail)->next_waiter;
	call->next_waiter = NULL;
	*tail = call;
	call->abort = fork_wait_abort;
	fiber_park_continue(fork_wait_done, call);
}
