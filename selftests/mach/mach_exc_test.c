// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Exception ports, thread state, suspension counts and task_threads through
 * libdserver's MIG routines against a real server, on our own task and
 * thread and on another process's.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define SUSPEND_SIGNAL 34 /* PROTOCOL.md §1.5 */

static struct test_server server;

FIXTURE(exc) {
	int unused;
};

FIXTURE_SETUP(exc)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
}

FIXTURE_TEARDOWN(exc)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

static mach_port_urefs_t send_refs(mach_port_t name)
{
	mach_port_urefs_t refs = 0;

	if (mach_port_get_refs(mach_task_self(), name, MACH_PORT_RIGHT_SEND, &refs) != KERN_SUCCESS)
		return (mach_port_urefs_t)-1;
	return refs;
}

static mach_port_t new_handler_port(void)
{
	mach_port_t port = MACH_PORT_NULL;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return port;
}

struct handlers {
	exception_mask_t masks[EXC_TYPES_COUNT];
	mach_msg_type_number_t count;
	mach_port_t ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
};

/* The entry of h whose mask has the type's bit, or -1. */
static int entry_for(const struct handlers *h, int type)
{
	for (mach_msg_type_number_t i = 0; i < h->count; i++) {
		if (h->masks[i] & (1u << type))
			return (int)i;
	}
	return -1;
}

TEST_F(exc, task_exception_ports_set_get_swap)
{
	mach_port_t task = mach_task_self(), port = new_handler_port();
	const exception_behavior_t behavior = EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES;
	struct handlers h = { .count = EXC_TYPES_COUNT };

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(1, send_refs(port));
	/* XNU's refusals. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(task, 1u << 20, port, EXCEPTION_DEFAULT, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(task, EXC_MASK_BAD_ACCESS, port, 7, 0));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(task, EXC_MASK_BAD_ACCESS, port,
								   EXCEPTION_DEFAULT, 14));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, task_set_exception_ports(task, EXC_MASK_BAD_ACCESS, port,
								   EXCEPTION_IDENTITY_PROTECTED, 0));
	EXPECT_EQ(1, send_refs(port));

	/* One send right held per exception type. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(task, EXC_MASK_BAD_ACCESS | EXC_MASK_BREAKPOINT, port,
							 behavior, x86_THREAD_STATE64));
	EXPECT_EQ(1, send_refs(port));
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(task, EXC_MASK_ALL, h.masks, &h.count, h.ports,
							 h.behaviors, h.flavors));
	ASSERT_EQ(2, h.count);
	int i = entry_for(&h, EXC_BAD_ACCESS);
	ASSERT_GE(i, 0);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS | EXC_MASK_BREAKPOINT, h.masks[i]);
	EXPECT_EQ(port, h.ports[i]);
	EXPECT_EQ(behavior, h.behaviors[i]);
	EXPECT_EQ(x86_THREAD_STATE64, h.flavors[i]);
	/* The other types share the empty handler. */
	EXPECT_EQ(EXC_MASK_ALL & ~(EXC_MASK_BAD_ACCESS | EXC_MASK_BREAKPOINT), h.masks[1 - i]);
	EXPECT_EQ(MACH_PORT_NULL, h.ports[1 - i]);
	/* get gave us one more send right. */
	EXPECT_EQ(2, send_refs(port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, port));

	/* swap returns the old handler and installs the new one (none). */
	struct handlers old = { .count = EXC_TYPES_COUNT };
	ASSERT_EQ(KERN_SUCCESS, task_swap_exception_ports(task, EXC_MASK_BAD_ACCESS, MACH_PORT_NULL,
							  EXCEPTION_DEFAULT, 0, old.masks, &old.count, old.ports,
							  old.behaviors, old.flavors));
	ASSERT_EQ(1, old.count);
	EXPECT_EQ(EXC_MASK_BAD_ACCESS, old.masks[0]);
	EXPECT_EQ(port, old.ports[0]);
	EXPECT_EQ(behavior, old.behaviors[0]);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, port));

	h.count = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(task, EXC_MASK_BAD_ACCESS, h.masks, &h.count, h.ports,
							 h.behaviors, h.flavors));
	ASSERT_EQ(1, h.count);
	EXPECT_EQ(MACH_PORT_NULL, h.ports[0]);
	EXPECT_EQ(EXCEPTION_DEFAULT, h.behaviors[0]);

	/*
	 * A cleared handler keeps the behavior it was cleared with, so it is an
	 * entry of its own. Too little room: MIG's error, with the server's count.
	 */
	h.count = 0;
	EXPECT_EQ(MIG_ARRAY_TOO_LARGE, task_get_exception_ports(task, EXC_MASK_ALL, h.masks, &h.count, h.ports,
								  h.behaviors, h.flavors));
	EXPECT_EQ(3, h.count);
	EXPECT_EQ(1, send_refs(port));

	/* Clearing the last handler releases the server's right: the port then has no senders but ours. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(task, EXC_MASK_ALL, MACH_PORT_NULL, EXCEPTION_DEFAULT, 0));
	mach_port_status_t status;
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, port, MACH_PORT_RECEIVE_STATUS,
							 (mach_port_info_t)&status, &count));
	EXPECT_EQ(TRUE, status.mps_srights);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, port));
	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, port, MACH_PORT_RECEIVE_STATUS,
							 (mach_port_info_t)&status, &count));
	EXPECT_EQ(FALSE, status.mps_srights);
}

TEST_F(exc, thread_and_host_exception_ports)
{
	mach_port_t thread = mach_thread_self(), host = mach_host_self(), port = new_handler_port();
	struct handlers h = { .count = EXC_TYPES_COUNT };

	ASSERT_NE(MACH_PORT_NULL, port);
	ASSERT_EQ(KERN_SUCCESS, thread_set_exception_ports(thread, EXC_MASK_SOFTWARE, port, EXCEPTION_DEFAULT, 0));
	ASSERT_EQ(KERN_SUCCESS, thread_get_exception_ports(thread, EXC_MASK_SOFTWARE | EXC_MASK_CRASH, h.masks,
							   &h.count, h.ports, h.behaviors, h.flavors));
	ASSERT_EQ(2, h.count);
	int i = entry_for(&h, EXC_SOFTWARE);
	ASSERT_GE(i, 0);
	EXPECT_EQ(port, h.ports[i]);
	EXPECT_EQ(EXC_MASK_CRASH, h.masks[1 - i]);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), port));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_exception_ports(thread, 1u << 31, port, EXCEPTION_DEFAULT, 0));

	/* The host's handlers, on the host port. */
	ASSERT_EQ(KERN_SUCCESS, host_set_exception_ports(host, EXC_MASK_ARITHMETIC, port, EXCEPTION_STATE,
							 x86_FLOAT_STATE64));
	h.count = EXC_TYPES_COUNT;
	ASSERT_EQ(KERN_SUCCESS, host_swap_exception_ports(host, EXC_MASK_ARITHMETIC, MACH_PORT_NULL,
							  EXCEPTION_DEFAULT, 0, h.masks, &h.count, h.ports,
							  h.behaviors, h.flavors));
	ASSERT_EQ(1, h.count);
	EXPECT_EQ(port, h.ports[0]);
	EXPECT_EQ(EXCEPTION_STATE, h.behaviors[0]);
	EXPECT_EQ(x86_FLOAT_STATE64, h.flavors[0]);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), port));
	EXPECT_EQ(1, send_refs(port));
	/* A task port is not a thread port: the routine is not its subsystem's. */
	EXPECT_EQ(MIG_BAD_ID, thread_set_exception_ports(mach_task_self(), EXC_MASK_SOFTWARE, port,
							  EXCEPTION_DEFAULT, 0));
}

TEST_F(exc, thread_state_outside_a_handler)
{
	mach_port_t thread = mach_thread_self();
	thread_state_data_t state;
	mach_msg_type_number_t count = THREAD_STATE_MAX;

	memset(state, 0xa5, sizeof(state));
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_THREAD_STATE64, state, &count));
	ASSERT_EQ(x86_THREAD_STATE64_COUNT, count);
	for (unsigned i = 0; i < count; i++)
		EXPECT_EQ(0, state[i]);

	count = THREAD_STATE_MAX;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_THREAD_STATE, state, &count));
	ASSERT_EQ(x86_THREAD_STATE_COUNT, count);
	x86_thread_state_t unified;
	memcpy(&unified, state, sizeof(unified));
	EXPECT_EQ(x86_THREAD_STATE64, unified.tsh.flavor);
	EXPECT_EQ(x86_THREAD_STATE64_COUNT, unified.tsh.count);

	count = THREAD_STATE_MAX;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_FLOAT_STATE64, state, &count));
	EXPECT_EQ(x86_FLOAT_STATE64_COUNT, count);
	count = THREAD_STATE_MAX;
	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_EXCEPTION_STATE64, state, &count));
	EXPECT_EQ(x86_EXCEPTION_STATE64_COUNT, count);

	/* The other bitness, too little room, an unknown flavor. */
	count = THREAD_STATE_MAX;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_get_state(thread, x86_THREAD_STATE32, state, &count));
	count = x86_THREAD_STATE64_COUNT - 1;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_get_state(thread, x86_THREAD_STATE64, state, &count));
	count = THREAD_STATE_MAX;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_get_state(thread, 999, state, &count));

	/* Nothing to set outside a handler; a malformed state is refused first. */
	memset(state, 0, sizeof(state));
	EXPECT_EQ(KERN_FAILURE, thread_set_state(thread, x86_THREAD_STATE64, state, x86_THREAD_STATE64_COUNT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(thread, x86_THREAD_STATE64, state,
							   x86_THREAD_STATE64_COUNT - 1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(thread, x86_EXCEPTION_STATE64, state,
							   x86_EXCEPTION_STATE64_COUNT));
	x86_thread_state64_t bad = { .rip = 0xffff800000000000ull };
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_set_state(thread, x86_THREAD_STATE64, (thread_state_t)&bad,
							   x86_THREAD_STATE64_COUNT));
}

static volatile sig_atomic_t suspend_signals;

static void count_suspend_signal(int sig)
{
	(void)sig;
	suspend_signals++;
}

TEST_F(exc, suspend_and_resume_counts)
{
	mach_port_t thread = mach_thread_self(), task = mach_task_self();
	thread_basic_info_data_t info;
	mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;

	/* The suspend signal is ours to count here (libdserver's handler would park the thread). */
	signal(SUSPEND_SIGNAL, count_suspend_signal);
	EXPECT_EQ(KERN_FAILURE, thread_resume(thread));
	EXPECT_EQ(KERN_FAILURE, task_resume(task));

	ASSERT_EQ(KERN_SUCCESS, thread_suspend(thread));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(thread));
	ASSERT_EQ(KERN_SUCCESS, thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)&info, &count));
	EXPECT_EQ(THREAD_BASIC_INFO_COUNT, count);
	EXPECT_EQ(2, info.suspend_count);
	/* One signal: only the first suspension must stop the thread. */
	EXPECT_EQ(1, suspend_signals);
	/* A held thread stays held while the task is suspended too: no second signal. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(task));
	EXPECT_EQ(1, suspend_signals);
	ASSERT_EQ(KERN_SUCCESS, thread_resume(thread));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(thread));
	EXPECT_EQ(KERN_FAILURE, thread_resume(thread));
	ASSERT_EQ(KERN_SUCCESS, task_resume(task));
	EXPECT_EQ(KERN_FAILURE, task_resume(task));

	/* The task's suspension alone signals the thread. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(task));
	EXPECT_EQ(2, suspend_signals);
	ASSERT_EQ(KERN_SUCCESS, task_resume(task));
	count = THREAD_BASIC_INFO_COUNT;
	ASSERT_EQ(KERN_SUCCESS, thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)&info, &count));
	EXPECT_EQ(0, info.suspend_count);
	count = THREAD_BASIC_INFO_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, thread_info(thread, 12345, (thread_info_t)&info, &count));
}

TEST_F(exc, tid_for_thread)
{
	int32_t tid = 0;

	ASSERT_EQ(0, dserver_rpc_tid_for_thread(mach_thread_self(), &tid));
	EXPECT_EQ(gettid(), tid);
	EXPECT_EQ(ESRCH, dserver_rpc_tid_for_thread(mach_task_self(), &tid));
	EXPECT_EQ(ESRCH, dserver_rpc_tid_for_thread(0x12345, &tid));
}

/* A debugger's view of another process: its threads, their state and exception ports. */
TEST_F(exc, another_task)
{
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	ASSERT_NE(MACH_PORT_NULL, mach_task_self());
	pid_t parent = getpid();
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		mach_port_t ptask, port = new_handler_port();
		thread_act_array_t threads;
		mach_msg_type_number_t nthreads = 0, count = THREAD_STATE_MAX;
		thread_state_data_t state;
		struct handlers h = { .count = EXC_TYPES_COUNT };

		close(fds[0]);
		if (task_for_pid(mach_task_self(), parent, &ptask) != KERN_SUCCESS)
			_exit(2);
		if (task_threads(ptask, &threads, &nthreads) != KERN_SUCCESS || nthreads != 1)
			_exit(3);
		if (thread_get_state(threads[0], x86_THREAD_STATE64, state, &count) != KERN_SUCCESS ||
		    count != x86_THREAD_STATE64_COUNT || state[32] != 0)
			_exit(4);
		if (task_set_exception_ports(ptask, EXC_MASK_BAD_ACCESS, port,
					     EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, 0) != KERN_SUCCESS)
			_exit(5);
		if (thread_set_exception_ports(threads[0], EXC_MASK_BREAKPOINT, port, EXCEPTION_STATE,
					       x86_THREAD_STATE) != KERN_SUCCESS)
			_exit(6);
		if (thread_get_exception_ports(threads[0], EXC_MASK_BREAKPOINT, h.masks, &h.count, h.ports,
					       h.behaviors, h.flavors) != KERN_SUCCESS || h.count != 1 ||
		    h.ports[0] != port || h.flavors[0] != x86_THREAD_STATE)
			_exit(7);
		int32_t tid = 0;
		if (dserver_rpc_tid_for_thread(threads[0], &tid) != 0)
			tid = 0;
		vm_deallocate(mach_task_self(), (vm_address_t)threads, nthreads * sizeof(*threads));
		if (write(fds[1], &tid, sizeof(tid)) != sizeof(tid))
			_exit(8);
		_exit(0);
	}
	close(fds[1]);
	int32_t tid = 0;
	int status;
	ssize_t got = read(fds[0], &tid, sizeof(tid));

	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(tid), got);
	EXPECT_EQ(gettid(), tid);
	close(fds[0]);

	/*
	 * The handler the child set on our task outlives the child. Its
	 * receiver died with the child, so the handler reads as a dead port
	 * once the server has seen the death, which it learns on its own time.
	 */
	struct handlers h;

	for (int tries = 0; tries < 500; tries++) {
		h = (struct handlers){ .count = EXC_TYPES_COUNT };
		ASSERT_EQ(KERN_SUCCESS, task_get_exception_ports(mach_task_self(), EXC_MASK_BAD_ACCESS, h.masks,
								 &h.count, h.ports, h.behaviors, h.flavors));
		ASSERT_EQ(1, h.count);
		EXPECT_EQ(EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, h.behaviors[0]);
		if (h.ports[0] == MACH_PORT_DEAD)
			break;
		mach_port_deallocate(mach_task_self(), h.ports[0]);
		usleep(10000);
	}
	EXPECT_EQ(MACH_PORT_DEAD, h.ports[0]);
}

TEST_HARNESS_MAIN
