/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Waits: a parked fiber, a timer for the deadline, a result set by the waker. */
#include <stdint.h>

#include "fiber.h"
#include "glue.h"

static void wait_timed_out(void *arg)
{
	glue_wakeup(arg, GLUE_WAIT_TIMED_OUT);
}

/* False if the wait ends at once (a deadline already past). */
static bool wait_begin(struct glue_wait *wait, uint64_t deadline_ns)
{
	if (deadline_ns != UINT64_MAX && deadline_ns <= host_now_ns()) {
		wait->result = GLUE_WAIT_TIMED_OUT;
		return false;
	}
	if (deadline_ns != UINT64_MAX) {
		if (!wait->timer)
			wait->timer = host_timer_create(wait_timed_out, wait);
		if (!wait->timer) {
			/* Without a timer the wait could never time out: fail it now. */
			wait->result = GLUE_WAIT_TIMED_OUT;
			return false;
		}
		host_timer_arm(wait->timer, deadline_ns);
	}
	wait->fiber = fiber_current();
	return true;
}

int glue_wait(struct glue_wait *wait, uint64_t deadline_ns)
{
	if (wait_begin(wait, deadline_ns))
		fiber_park();
	return wait->result;
}

void glue_wait_continue(struct glue_wait *wait, uint64_t deadline_ns, void (*cont)(void *arg),
			void *arg)
{
	if (!wait_begin(wait, deadline_ns)) {
		cont(arg);
		fiber_exit();
	}
	fiber_park_continue(cont, arg);
}

bool glue_wakeup(struct glue_wait *wait, int result)
{
	struct fiber *fiber = wait->fiber;

	if (!fiber)
		return false;
	wait->fiber = NULL;
	wait->result = result;
	if (wait->timer)
		host_timer_cancel(wait->timer);
	fiber_unpark(fiber, result);
	return true;
}

void glue_wait_fini(struct glue_wait *wait)
{
	if (wait->timer)
		host_timer_destroy(wait->timer);
	wait->timer = NULL;
}
