/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Thread state, suspension, thread information and a task's threads, as
 * MIG requests to thread ports (thread_act, 3600 + n) and task ports (task,
 * 3400 + n); docs/MIG.md has the layouts.
 */
#include <string.h>

#include "mig_client.h"

enum {
	TASK_THREADS = 3402,
	TASK_SUSPEND = 3407,
	TASK_RESUME = 3408,
	THREAD_GET_STATE = 3603,
	THREAD_SET_STATE = 3604,
	THREAD_SUSPEND = 3605,
	THREAD_RESUME = 3606,
	THREAD_INFO = 3612,
};

/* NDR, flavor, room (at most THREAD_STATE_MAX) -> count, count words of state. */
kern_return_t thread_get_state(thread_read_t target_act, thread_state_flavor_t flavor, thread_state_t old_state,
			       mach_msg_type_number_t *old_stateCnt)
{
	mach_msg_type_number_t room = *old_stateCnt < THREAD_STATE_MAX ? *old_stateCnt : THREAD_STATE_MAX;
	const int32_t in[2] = { flavor, (int32_t)room };
	mach_msg_type_number_t returned;

	return mig_counted_call(target_act, THREAD_GET_STATE, in, sizeof(in), &returned, sizeof(returned),
				old_state, sizeof(natural_t), THREAD_STATE_MAX, old_stateCnt);
}

/* NDR, flavor, count, count words of state -> RetCode. */
kern_return_t thread_set_state(thread_act_t target_act, thread_state_flavor_t flavor, thread_state_t new_state,
			       mach_msg_type_number_t new_stateCnt)
{
	const struct mig_expect expect = {
		.min_size = sizeof(mig_reply_error_t),
		.max_size = sizeof(mig_reply_error_t),
	};
	const int32_t in[2] = { flavor, (int32_t)new_stateCnt };
	struct mig_message m;

	/* MIG refuses to send more than the type's bound. */
	if (new_stateCnt > THREAD_STATE_MAX)
		return MIG_ARRAY_TOO_LARGE;
	mig_begin(&m, 0);
	mig_add(&m, in, sizeof(in));
	mig_add(&m, new_state, new_stateCnt * sizeof(natural_t));
	return mig_call(target_act, THREAD_SET_STATE, &m, &expect);
}

kern_return_t thread_suspend(thread_read_t target_act)
{
	return mig_simple(target_act, THREAD_SUSPEND, NULL, 0, NULL, 0);
}

kern_return_t thread_resume(thread_read_t target_act)
{
	return mig_simple(target_act, THREAD_RESUME, NULL, 0, NULL, 0);
}

/* NDR, flavor, room (at most THREAD_INFO_MAX) -> count, count words. */
kern_return_t thread_info(thread_inspect_t target_act, thread_flavor_t flavor, thread_info_t thread_info_out,
			  mach_msg_type_number_t *thread_info_outCnt)
{
	mach_msg_type_number_t room = *thread_info_outCnt < THREAD_INFO_MAX ? *thread_info_outCnt : THREAD_INFO_MAX;
	const int32_t in[2] = { (int32_t)flavor, (int32_t)room };
	mach_msg_type_number_t returned;

	return mig_counted_call(target_act, THREAD_INFO, in, sizeof(in), &returned, sizeof(returned),
				thread_info_out, sizeof(integer_t), THREAD_INFO_MAX, thread_info_outCnt);
}

kern_return_t task_suspend(task_read_t target_task)
{
	return mig_simple(target_task, TASK_SUSPEND, NULL, 0, NULL, 0);
}

kern_return_t task_resume(task_read_t target_task)
{
	return mig_simple(target_task, TASK_RESUME, NULL, 0, NULL, 0);
}

/* Header only -> complex: the thread ports out of line (OOL ports descriptor), NDR, count. */
kern_return_t task_threads(task_inspect_t target_task, thread_act_array_t *act_list,
			   mach_msg_type_number_t *act_listCnt)
{
	const mach_msg_size_t count_at = sizeof(mach_msg_base_t) + sizeof(mach_msg_ool_ports_descriptor_t) +
					 sizeof(NDR_record_t);
	const struct mig_expect expect = {
		.min_size = count_at + sizeof(mach_msg_type_number_t),
		.max_size = count_at + sizeof(mach_msg_type_number_t),
		.descriptors = 1,
		.desc = { { MACH_MSG_OOL_PORTS_DESCRIPTOR, 0 } },
	};
	mach_msg_ool_ports_descriptor_t d;
	mach_msg_type_number_t n;
	struct mig_message m;
	kern_return_t kr;

	mig_begin(&m, 0);
	kr = mig_call(target_task, TASK_THREADS, &m, &expect);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(&d, m.u.bytes + sizeof(mach_msg_base_t), sizeof(d));
	memcpy(&n, m.u.bytes + count_at, sizeof(n));
	/* The count must describe the array, or the caller would read past it. */
	if (d.count != n || d.disposition != MACH_MSG_TYPE_PORT_SEND)
		return mig_reject(&m);
	*act_list = d.address;
	*act_listCnt = n;
	return KERN_SUCCESS;
}
