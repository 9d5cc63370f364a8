/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Suspension (PROTOCOL.md §7.7). A thread is held while its own suspend
 * count or its task's is above zero, as in XNU. The server cannot stop a
 * client thread itself: when a thread becomes held it is sent the suspend
 * signal, whose handler calls thread_suspended, which parks it here until
 * it is resumed. A thread inside sigprocess is parked already (its handler
 * masks the suspend signal) and stays in sigprocess while held.
 *
 * thread_suspend and task_suspend on another thread return once it has
 * parked, as XNU's return once the thread has stopped; the wait also ends
 * when the target dies, or when the caller is interrupted.
 */
#include "kern_internal.h"

/* glibc's SIGRTMIN: the suspend signal of PROTOCOL.md §1.5. */
#define SUSPEND_SIGNAL 34

bool thread_is_held(const struct xnu_thread *thread)
{
	return thread->user_stop_count > 0 || thread->task->user_stop_count > 0;
}

/* The thread has just become held: a thread not parked must be told to park. */
static void thread_hold_begin(struct xnu_thread *thread)
{
	if (!thread->active || thread->parked)
		return;
	int err = host_thread_signal(thread, SUSPEND_SIGNAL);

	if (err)
		host_log(GLUE_LOG_WARN, "cannot send the suspend signal to thread %d: %d", thread->tid, err);
}

/* The thread is no longer held: let a parked one go. */
static void thread_hold_release(struct xnu_thread *thread)
{
	glue_wakeup(&thread->hold_wait, GLUE_WAIT_AWAKENED);
}

/* Wait until target has parked or died; false if the caller was interrupted. */
static bool wait_until_parked(struct xnu_thread *target, struct xnu_thread *caller)
{
	while (target->active && !target->parked && thread_is_held(target)) {
		wait_list_append(&target->park_waiters, caller);
		int result = glue_wait(&caller->wait, UINT64_MAX);

		if (caller->waiting_on)
			wait_list_remove(caller->waiting_on, caller);
		if (result == GLUE_WAIT_INTERRUPTED || !caller->active)
			return false;
	}
	return true;
}

kern_return_t suspend_thread(struct xnu_thread *thread, struct xnu_thread *caller)
{
	if (!thread->active)
		return KERN_TERMINATED;
	bool was_held = thread_is_held(thread);

	thread->user_stop_count++;
	if (!was_held)
		thread_hold_begin(thread);
	/* A thread suspending itself stops when its call returns (it takes the signal then). */
	if (caller && caller != thread) {
		xnu_thread_reference(thread);
		wait_until_parked(thread, caller);
		xnu_thread_release(thread);
	}
	return KERN_SUCCESS;
}

kern_return_t resume_thread(struct xnu_thread *thread)
{
	if (!thread->active)
		return KERN_TERMINATED;
	if (thread->user_stop_count == 0)
		return KERN_FAILURE;
	if (--thread->user_stop_count == 0 && !thread_is_held(thread))
		thread_hold_release(thread);
	return KERN_SUCCESS;
}

kern_return_t suspend_task(struct xnu_task *task, struct xnu_thread *caller)
{
	if (!task->active)
		return KERN_FAILURE;
	if (task->user_stop_count++ > 0)
		return KERN_SUCCESS; /* held already */
	for (struct xnu_thread *t = task->threads; t; t = t->task_next) {
		if (t->user_stop_count == 0)
			thread_hold_begin(t);
	}
	if (!caller)
		return KERN_SUCCESS;
	/* Wait for every other thread; the list may change while waiting, so start over each time. */
	xnu_task_reference(task);
	for (bool waited = true; waited && task->active;) {
		waited = false;
		for (struct xnu_thread *t = task->threads; t; t = t->task_next) {
			if (t == caller || !t->active || t->parked || !thread_is_held(t))
				continue;
			xnu_thread_reference(t);
			bool done = wait_until_parked(t, caller);

			xnu_thread_release(t);
			waited = done;
			break;
		}
	}
	xnu_task_release(task);
	return KERN_SUCCESS;
}

kern_return_t resume_task(struct xnu_task *task)
{
	if (!task->active)
		return KERN_FAILURE;
	if (task->user_stop_count == 0)
		return KERN_FAILURE;
	if (--task->user_stop_count > 0)
		return KERN_SUCCESS;
	for (struct xnu_thread *t = task->threads; t; t = t->task_next) {
		if (!thread_is_held(t))
			thread_hold_release(t);
	}
	return KERN_SUCCESS;
}

void thread_park_begin(struct xnu_thread *thread, struct xnu_user_state *frame)
{
	if (thread->parked++ == 0)
		thread->parked_state = frame;
	wait_list_wake_all(&thread->park_waiters, GLUE_WAIT_AWAKENED);
}

void thread_park_end(struct xnu_thread *thread)
{
	if (--thread->parked == 0)
		thread->parked_state = NULL;
}

bool thread_hold_wait(struct xnu_thread *thread)
{
	while (thread->active && thread_is_held(thread))
		glue_wait(&thread->hold_wait, UINT64_MAX);
	return thread->active;
}

void thread_hold_end(struct xnu_thread *thread)
{
	thread->user_state = NULL;
	thread->parked_state = NULL;
	glue_wakeup(&thread->hold_wait, GLUE_WAIT_INTERRUPTED);
	wait_list_wake_all(&thread->park_waiters, GLUE_WAIT_AWAKENED);
}

void xnu_thread_wait_while_suspended(struct xnu_thread *thread)
{
	/* One hold wait per thread: a second thread_suspended nested in a parked call returns. */
	if (!thread->active || thread->hold_wait.fiber)
		return;
	xnu_thread_reference(thread);
	thread_park_begin(thread, thread->user_state);
	if (thread_hold_wait(thread))
		thread_park_end(thread);
	xnu_thread_release(thread);
}
