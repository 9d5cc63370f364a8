// SPDX-License-Identifier: GPL-3.0-or-later
#define _GNU_SOURCE
#include "mach_test_util.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

mach_port_t mt_port(int with_send)
{
	mach_port_t name = MACH_PORT_NULL;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	if (with_send && mach_port_insert_right(mach_task_self(), name, name, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return name;
}

mach_port_type_t mt_type(mach_port_t task, mach_port_name_t name, kern_return_t *kr)
{
	mach_port_type_t type = 0;
	kern_return_t ret = mach_port_type(task, name, &type);

	if (kr)
		*kr = ret;
	return ret == KERN_SUCCESS ? type : 0;
}

int mt_refs(mach_port_t task, mach_port_name_t name, mach_port_right_t right)
{
	mach_port_urefs_t refs = 0;

	return mach_port_get_refs(task, name, right, &refs) == KERN_SUCCESS ? (int)refs : -1;
}

mach_port_status_t mt_status(mach_port_t task, mach_port_name_t name)
{
	mach_port_status_t status;
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;

	if (mach_port_get_attributes(task, name, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&status, &count) !=
	    KERN_SUCCESS)
		memset(&status, 0, sizeof(status));
	return status;
}

mach_msg_return_t mt_send(mach_port_t dest, mach_msg_bits_t bits, mach_port_t reply, mach_msg_id_t id,
			  uint64_t payload, mach_msg_option_t option, mach_msg_timeout_t timeout)
{
	mt_simple_msg_t m = { .header = { .msgh_bits = bits, .msgh_size = sizeof(m), .msgh_remote_port = dest,
					  .msgh_local_port = reply, .msgh_id = id },
			      .payload = payload };

	return mach_msg(&m.header, MACH_SEND_MSG | option, sizeof(m), 0, MACH_PORT_NULL, timeout, MACH_PORT_NULL);
}

mach_msg_return_t mt_receive(mach_port_t port, mt_buffer_t *buf, mach_msg_option_t extra, mach_msg_timeout_t timeout_ms)
{
	memset(buf, 0, sizeof(*buf));
	return mach_msg(&buf->header, MACH_RCV_MSG | MACH_RCV_TIMEOUT | extra, 0, sizeof(*buf), port, timeout_ms,
			MACH_PORT_NULL);
}

uint64_t mt_payload(const mt_buffer_t *buf)
{
	uint64_t payload;

	memcpy(&payload, buf->bytes + sizeof(mach_msg_header_t), sizeof(payload));
	return payload;
}

const mach_msg_seqno_trailer_t *mt_trailer(const mt_buffer_t *buf)
{
	return (const mach_msg_seqno_trailer_t *)(buf->bytes + ((buf->header.msgh_size + 3) & ~3u));
}

mach_port_t mt_right_from(pid_t pid, mach_port_name_t name, mach_msg_type_name_t disposition)
{
	mach_port_t task = MACH_PORT_NULL, right = MACH_PORT_NULL;
	mach_msg_type_name_t type;

	if (task_for_pid(mach_task_self(), pid, &task) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	if (mach_port_extract_right(task, name, disposition, &right, &type) != KERN_SUCCESS)
		right = MACH_PORT_NULL;
	mach_port_deallocate(mach_task_self(), task);
	return right;
}

int mt_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int64_t mt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mt_pause_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

bool mt_wait_for(atomic_int *flag, int value, int timeout_ms)
{
	for (int64_t end = mt_now_ms() + timeout_ms; atomic_load(flag) < value;) {
		if (mt_now_ms() >= end)
			return false;
		mt_pause_ms(1);
	}
	return true;
}

int mt_wait_timeout(pid_t *pid, int timeout_ms)
{
	int status;

	for (int64_t end = mt_now_ms() + timeout_ms;;) {
		pid_t got = waitpid(*pid, &status, WNOHANG);

		if (got == *pid) {
			*pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (got != 0 || mt_now_ms() >= end)
			return -1;
		mt_pause_ms(1);
	}
}

void mt_stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

kern_return_t mt_get_state64(mach_port_t thread, x86_thread_state64_t *state)
{
	mach_msg_type_number_t count = x86_THREAD_STATE64_COUNT;
	kern_return_t kr = thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)state, &count);

	return kr == KERN_SUCCESS && count != x86_THREAD_STATE64_COUNT ? KERN_FAILURE : kr;
}

kern_return_t mt_set_state64(mach_port_t thread, const x86_thread_state64_t *state)
{
	x86_thread_state64_t copy = *state; /* thread_set_state takes a non-const state */

	return thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&copy, x86_THREAD_STATE64_COUNT);
}
