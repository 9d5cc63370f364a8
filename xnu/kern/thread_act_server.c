/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The thread_act subsystem (XNU's thread_act.defs, 3600) on thread ports:
 * thread state, suspension, basic information and exception ports. Other
 * routines answer MIG_BAD_ID.
 */
#include <string.h>

#include <mach/mig_errors.h>
#include <mach/thread_info.h>

#include "mig_server.h"

enum thread_act_routine {
	ACT_GET_STATE = 1,
	ACT_SET_STATE = 2,
	THREAD_GET_STATE = 3,
	THREAD_SET_STATE = 4,
	THREAD_SUSPEND = 5,
	THREAD_RESUME = 6,
	THREAD_INFO = 12,
	THREAD_SET_EXCEPTION_PORTS = 13,
	THREAD_GET_EXCEPTION_PORTS = 14,
	THREAD_SWAP_EXCEPTION_PORTS = 15,
};

#define POLICY_TIMESHARE 1

/* In: flavor, room. Out: count, then count words of state. */
static kern_return_t get_state(struct mig_call *call, struct xnu_thread *thread)
{
	uint32_t state[THREAD_STATE_MAX];
	uint32_t count = mig_arg32(call, 4);
	kern_return_t kr;

	if (!mig_request_is(call, 0, 8))
		return MIG_BAD_ARGUMENTS;
	if (!thread)
		return KERN_INVALID_ARGUMENT;
	if (count > THREAD_STATE_MAX)
		count = THREAD_STATE_MAX;
	kr = thread_state_get(thread, (thread_state_flavor_t)mig_arg32(call, 0), state, &count);
	if (kr != KERN_SUCCESS)
		return kr;
	uint8_t *out = mig_reply_simple(call, 4 + 4 * count);

	if (out) {
		memcpy(out, &count, 4);
		memcpy(out + 4, state, 4 * count);
	}
	return KERN_SUCCESS;
}

/* In: flavor, count, count words of state. */
static kern_return_t set_state(struct mig_call *call, struct xnu_thread *thread)
{
	uint32_t count = mig_arg32(call, 4);
	uint32_t state[THREAD_STATE_MAX];
	kern_return_t kr;

	if (count > THREAD_STATE_MAX || !mig_request_is(call, 0, 8 + 4 * count))
		return MIG_BAD_ARGUMENTS;
	if (!thread)
		return KERN_INVALID_ARGUMENT;
	memcpy(state, call->args + 8, 4 * count);
	kr = thread_state_set(thread, (thread_state_flavor_t)mig_arg32(call, 0), state, count);
	if (kr == KERN_SUCCESS)
		mig_reply_simple(call, 0);
	return kr;
}

static integer_t run_state(const struct xnu_thread *thread)
{
	if (thread_is_held(thread) && thread->parked)
		return TH_STATE_STOPPED;
	/* Blocked in the server (a receive, a semaphore, an exception reply, a suspension). */
	if (thread->wait.fiber || thread->hold_wait.fiber)
		return TH_STATE_WAITING;
	return TH_STATE_RUNNING;
}

/* In: flavor, room. Out: count, then the information. Only THREAD_BASIC_INFO. */
static kern_return_t thread_info(struct mig_call *call, struct xnu_thread *thread)
{
	struct thread_basic_info info = { 0 };
	uint32_t room = mig_arg32(call, 4);
	uint32_t count = THREAD_BASIC_INFO_COUNT;

	if (!mig_request_is(call, 0, 8))
		return MIG_BAD_ARGUMENTS;
	if (!thread)
		return KERN_INVALID_ARGUMENT;
	if (mig_arg32(call, 0) != THREAD_BASIC_INFO)
		return KERN_INVALID_ARGUMENT;
	if (room < count)
		return KERN_INVALID_ARGUMENT;
	/* CPU times are not accounted by the server: they read as zero. */
	info.policy = POLICY_TIMESHARE;
	info.run_state = run_state(thread);
	info.suspend_count = (integer_t)thread->user_stop_count;
	uint8_t *out = mig_reply_simple(call, 4 + sizeof(info));

	if (out) {
		memcpy(out, &count, 4);
		memcpy(out + 4, &info, sizeof(info));
	}
	return KERN_SUCCESS;
}

kern_return_t thread_act_server(struct mig_call *call, struct xnu_thread *thread)
{
	struct exception_action *actions = thread ? thread->exc_actions : NULL;
	kern_return_t kr;

	switch (call->routine) {
	case ACT_GET_STATE:
	case THREAD_GET_STATE:
		return get_state(call, thread);
	case ACT_SET_STATE:
	case THREAD_SET_STATE:
		return set_state(call, thread);
	case THREAD_SUSPEND:
	case THREAD_RESUME:
		if (!mig_request_is(call, 0, 0))
			return MIG_BAD_ARGUMENTS;
		if (!thread)
			return KERN_INVALID_ARGUMENT;
		kr = call->routine == THREAD_SUSPEND ? suspend_thread(thread, call->sender) : resume_thread(thread);
		if (kr == KERN_SUCCESS)
			mig_reply_simple(call, 0);
		return kr;
	case THREAD_INFO:
		return thread_info(call, thread);
	case THREAD_SET_EXCEPTION_PORTS:
		return mig_exception_ports(call, actions, EXC_PORTS_SET);
	case THREAD_GET_EXCEPTION_PORTS:
		return mig_exception_ports(call, actions, EXC_PORTS_GET);
	case THREAD_SWAP_EXCEPTION_PORTS:
		return mig_exception_ports(call, actions, EXC_PORTS_SWAP);
	default:
		return MIG_BAD_ID;
	}
}
