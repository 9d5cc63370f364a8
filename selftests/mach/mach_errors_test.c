// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Error paths of the Mach calls the server serves: the mach_port routines
 * on our own task (the _kernelrpc traps) and on another process's task
 * (MIG on its task port, xnu/kern/ipc_kobject.c) give the same codes;
 * mach_msg's refusals; task_for_pid and friends.
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
#include "mach_test_util.h"
#include "raw_client.h"

static struct test_server server;

FIXTURE(errors) {
	pid_t child;        /* a process that only waits */
	int hold;           /* its pipe: closing it ends the child */
	mach_port_t other;  /* its task port */
};

FIXTURE_VARIANT(errors) {
	bool own_task;
};

FIXTURE_VARIANT_ADD(errors, own_task) { .own_task = true };
FIXTURE_VARIANT_ADD(errors, another_task) { .own_task = false };

FIXTURE_SETUP(errors)
{
	int fds[2];
	char c;

	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	ASSERT_NE(MACH_PORT_NULL, mach_task_self());
	ASSERT_EQ(0, pipe(fds));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(fds[1]);
		_exit(mach_task_self() != MACH_PORT_NULL && read(fds[0], &c, 1) == 0 ? 0 : 1);
	}
	close(fds[0]);
	self->hold = fds[1];
	/* The child is known to the server once its task_self has been answered. */
	for (int64_t end = mt_now_ms() + 10000;
	     task_for_pid(mach_task_self(), self->child, &self->other) != KERN_SUCCESS && mt_now_ms() < end;)
		usleep(2000);
	ASSERT_NE(MACH_PORT_NULL, self->other);
}

FIXTURE_TEARDOWN(errors)
{
	close(self->hold);
	EXPECT_EQ(0, mt_wait(self->child));
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

#define BOGUS 0x7777703u
#define UREFS_MAX 0xffffu /* MACH_PORT_UREFS_MAX (osfmk/mach/port.h) */

/*
 * Every mach_port routine the server serves, on a task's space: the codes
 * of osfmk/ipc/mach_port.c and ipc_right.c. Run on our own task (traps)
 * and on the child's (MIG).
 */
TEST_F(errors, mach_port_routines)
{
	mach_port_t t = variant->own_task ? mach_task_self() : self->other, recv, rs, set, dead, name, local = mt_port(1);
	mach_port_urefs_t refs;
	mach_port_type_t type;
	mach_msg_type_name_t msgt;
	mach_port_status_t st;
	mach_msg_type_number_t count;
	mach_port_context_t context;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(t, MACH_PORT_RIGHT_RECEIVE, &recv));
	mach_port_options_t with_send = { .flags = MPO_INSERT_SEND_RIGHT };

	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(t, &with_send, 0, &rs));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(t, MACH_PORT_RIGHT_PORT_SET, &set));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(t, MACH_PORT_RIGHT_DEAD_NAME, &dead));

	/* allocate / allocate_name (mach_port_allocate_full, ipc_entry_alloc_name) */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(t, MACH_PORT_RIGHT_SEND, &name));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate(t, 77, &name));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(t, MACH_PORT_RIGHT_RECEIVE, recv));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(t, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(t, MACH_PORT_RIGHT_RECEIVE, 0x7800)); /* low bits */
	/* deallocate (ipc_right_dealloc) */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_deallocate(t, BOGUS));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_deallocate(t, recv));
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(t, MACH_PORT_NULL));
	/* mod_refs (ipc_right_delta) */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_mod_refs(t, BOGUS, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_NUMBER, 0));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_RECEIVE, -2));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_RECEIVE, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_SEND_ONCE, -1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(t, set, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, set, MACH_PORT_RIGHT_PORT_SET, -2));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(t, dead, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, dead, MACH_PORT_RIGHT_DEAD_NAME, -2));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_mod_refs(t, rs, MACH_PORT_RIGHT_SEND, 70000));
	/*
	 * Urefs saturate at MACH_PORT_UREFS_MAX as current XNU does
	 * (ipc_right_delta: "pegged"), where older XNU answered
	 * KERN_UREFS_OVERFLOW; dserver follows the current one.
	 */
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(t, rs, MACH_PORT_RIGHT_SEND, UREFS_MAX - 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(t, rs, MACH_PORT_RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(t, rs, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(UREFS_MAX, refs);
	EXPECT_EQ(KERN_SUCCESS, mach_port_mod_refs(t, rs, MACH_PORT_RIGHT_SEND, -1)); /* pegged: no change */
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(t, rs, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(UREFS_MAX, refs);
	/* get_refs / type */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_refs(t, BOGUS, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_get_refs(t, recv, MACH_PORT_RIGHT_NUMBER, &refs));
	EXPECT_EQ(KERN_SUCCESS, mach_port_get_refs(t, recv, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(0, refs);
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(t, BOGUS, &type));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(t, MACH_PORT_NULL, &type));
	EXPECT_EQ(KERN_SUCCESS, mach_port_type(t, MACH_PORT_DEAD, &type));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, type);
	/* port sets */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_move_member(t, BOGUS, set));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_move_member(t, recv, recv));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_move_member(t, recv, MACH_PORT_DEAD));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_move_member(t, recv, MACH_PORT_NULL));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(t, set, set));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_insert_member(t, MACH_PORT_NULL, set));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_insert_member(t, BOGUS, set));
	EXPECT_EQ(KERN_SUCCESS, mach_port_insert_member(t, recv, set));
	EXPECT_EQ(KERN_ALREADY_IN_SET, mach_port_insert_member(t, recv, set));
	EXPECT_EQ(KERN_SUCCESS, mach_port_extract_member(t, recv, set));
	EXPECT_EQ(KERN_NOT_IN_SET, mach_port_extract_member(t, recv, set));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_member(t, recv, recv));
	mach_port_name_array_t members;

	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_set_status(t, recv, &members, &count));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_set_status(t, BOGUS, &members, &count));
	/* insert_right / extract_right */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_insert_right(t, MACH_PORT_NULL, local, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_insert_right(t, recv, local, MACH_MSG_TYPE_MAKE_SEND));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_extract_right(t, recv, 99, &name, &msgt));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_right(t, MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND, &name, &msgt));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_extract_right(t, BOGUS, MACH_MSG_TYPE_MAKE_SEND, &name, &msgt));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_right(t, set, MACH_MSG_TYPE_MAKE_SEND, &name, &msgt));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_extract_right(t, recv, MACH_MSG_TYPE_MOVE_SEND, &name, &msgt));
	/* attributes (mach_port_get_attributes: the count is checked before the name) */
	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_get_attributes(t, recv, 99, (mach_port_info_t)&st, &count));
	count = 1;
	EXPECT_EQ(KERN_FAILURE, mach_port_get_attributes(t, BOGUS, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st,
							 &count));
	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_attributes(t, BOGUS, MACH_PORT_RECEIVE_STATUS,
							      (mach_port_info_t)&st, &count));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_get_attributes(t, set, MACH_PORT_RECEIVE_STATUS, (mach_port_info_t)&st,
							       &count));
	mach_port_limits_t limits = { MACH_PORT_QLIMIT_MAX + 1 };

	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_set_attributes(t, recv, MACH_PORT_LIMITS_INFO,
							       (mach_port_info_t)&limits, MACH_PORT_LIMITS_INFO_COUNT));
	limits.mpl_qlimit = 1;
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_attributes(t, set, MACH_PORT_LIMITS_INFO,
							       (mach_port_info_t)&limits, MACH_PORT_LIMITS_INFO_COUNT));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_set_attributes(t, recv, 99, (mach_port_info_t)&limits, 1));
	/* context, mscount, seqno: receive rights only */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_get_context(t, BOGUS, &context));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_context(t, set, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_mscount(t, set, 1));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_set_seqno(t, dead, 1));
	/* construct / destruct / guard (mach_port_construct, mach_port_destruct, mach_port_guard_locked) */
	mach_port_options_t options = { .flags = MPO_QLIMIT, .mpl = { MACH_PORT_QLIMIT_MAX + 1 } };

	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_construct(t, &options, 0, &name));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destruct(t, MACH_PORT_NULL, 0, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destruct(t, BOGUS, 0, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destruct(t, set, 0, 0));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_destruct(t, recv, -1, 0)); /* no send right to drop */
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_destruct(t, rs, 1, 0));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_guard(t, MACH_PORT_NULL, 5, FALSE));
	EXPECT_EQ(KERN_SUCCESS, mach_port_guard(t, recv, 5, FALSE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_guard(t, recv, 6, FALSE));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_mod_refs(t, recv, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_destruct(t, recv, 0, 4));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_unguard(t, recv, 4));
	EXPECT_EQ(KERN_SUCCESS, mach_port_unguard(t, recv, 5));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_unguard(t, recv, 5));
	/* request_notification (mach_port_request_notification) */
	mach_port_t previous;

	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(t, recv, 999, 0, MACH_PORT_NULL,
								       MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_request_notification(t, recv, MACH_NOTIFY_PORT_DESTROYED, 1,
								       MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND_ONCE,
								       &previous));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(t, set, MACH_NOTIFY_NO_SENDERS, 0, MACH_PORT_NULL,
								       MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_request_notification(t, MACH_PORT_NULL, MACH_NOTIFY_DEAD_NAME, 0,
									  MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND_ONCE,
									  &previous));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_request_notification(t, BOGUS, MACH_NOTIFY_DEAD_NAME, 0, MACH_PORT_NULL,
								      MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	EXPECT_EQ(KERN_INVALID_RIGHT, mach_port_request_notification(t, set, MACH_NOTIFY_DEAD_NAME, 0, MACH_PORT_NULL,
								       MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	/* destroy (ipc_right_destroy) */
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_destroy(t, BOGUS));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(t, MACH_PORT_NULL));
	EXPECT_EQ(KERN_SUCCESS, mach_port_destroy(t, dead));
	EXPECT_EQ(KERN_INVALID_NAME, mach_port_type(t, dead, &type));
}

/*
 * A task port that is not one: a name that is no right gets the MIG send's
 * MACH_SEND_INVALID_DEST; a task name port has no space to serve
 * (convert_port_to_space: KERN_INVALID_TASK).
 */
TEST_F(errors, bad_task_ports)
{
	mach_port_t name = MACH_PORT_NULL, tname = MACH_PORT_NULL;
	mach_port_type_t type;

	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_allocate(BOGUS, MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_port_type(MACH_PORT_NULL, BOGUS, &type));
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(mach_task_self(), self->child, &tname));
	EXPECT_EQ(KERN_INVALID_TASK, mach_port_allocate(tname, MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_EQ(KERN_INVALID_TASK, mach_port_type(tname, BOGUS, &type));
	/* The traps serve the caller's own space only (mach_kernelrpc.c). */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, _kernelrpc_mach_port_allocate_trap(self->other, MACH_PORT_RIGHT_RECEIVE,
									     &name));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, _kernelrpc_mach_port_type_trap(tname, BOGUS, &type));
	/* A bad out-pointer is the trap's KERN_MEMORY_ERROR (the port is allocated all the same). */
	EXPECT_EQ(KERN_MEMORY_ERROR, _kernelrpc_mach_port_allocate_trap(mach_task_self(), MACH_PORT_RIGHT_RECEIVE,
									(mach_port_name_t *)8));
	EXPECT_EQ(KERN_MEMORY_ERROR, _kernelrpc_mach_port_type_trap(mach_task_self(), mach_task_self(),
								    (mach_port_type_t *)8));
	int pid;

	EXPECT_EQ(KERN_FAILURE, pid_for_task(BOGUS, &pid));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(KERN_SUCCESS, pid_for_task(tname, &pid));
	EXPECT_EQ(self->child, pid);
}

/* The traps that hand out names, and mach_msg's refusals (ipc_kmsg_get_from_user, mach_msg_receive). */
TEST_F(errors, self_traps_and_mach_msg)
{
	mach_port_t task = mach_task_self(), reply1 = mach_reply_port(), reply2 = mach_reply_port();
	mach_port_t special = thread_get_special_reply_port(), host = mach_host_self(), port = mt_port(1);
	mt_buffer_t buf;

	EXPECT_EQ(task, mach_task_self());
	EXPECT_NE(reply1, reply2);
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(task, reply1, NULL));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND, mt_type(task, special, NULL));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(task, host, NULL));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(task, mach_thread_self(), NULL));

	mt_simple_msg_t m = { .header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
					  .msgh_remote_port = port } };

	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mach_msg(&m.header, MACH_SEND_MSG, 20, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mach_msg(&m.header, MACH_SEND_MSG, 26, 0, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_DATA, mach_msg((mach_msg_header_t *)8, MACH_SEND_MSG, 32, 0, 0, 0, 0));
	m.header.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
	m.payload = 5; /* five descriptors claimed in four bytes */
	EXPECT_EQ(MACH_SEND_MSG_TOO_SMALL, mach_msg(&m.header, MACH_SEND_MSG, 28, 0, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_receive(BOGUS, &buf, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_NAME, mt_receive(host, &buf, 0, 0));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_receive(port, &buf, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(port, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 1, 0, 0, 0));
	EXPECT_EQ(MACH_RCV_INVALID_DATA, mach_msg((mach_msg_header_t *)8, MACH_RCV_MSG, 0, 64, port, 0, 0));
	/* A send that fails does not go on to receive. */
	m.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m.header.msgh_remote_port = BOGUS;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(m), sizeof(buf), port,
						   0, 0));
}

/*
 * task_for_pid: KERN_FAILURE and MACH_PORT_NULL written for a bad target
 * task, a pid that does not exist, and a caller of another uid than the
 * target's (not root; dserver checks the uid the kernel gives, see
 * DESIGN.md "Identity and security").
 */
TEST_F(errors, task_for_pid)
{
	mach_port_t t = 1;

	EXPECT_EQ(KERN_FAILURE, task_for_pid(mach_task_self(), 999999999, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 1;
	EXPECT_EQ(KERN_FAILURE, task_for_pid(BOGUS, self->child, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	t = 1;
	EXPECT_EQ(KERN_FAILURE, task_name_for_pid(mach_task_self(), 0, &t));
	EXPECT_EQ(MACH_PORT_NULL, t);
	/* root may take anyone's task; another uid may not take root's. */
	pid_t parent = getpid(), pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t mine = mach_task_self(), theirs = 1;

		/* The kernel reports the real uid with the datagrams; keep root's access to the socket. */
		if (mine == MACH_PORT_NULL || setresuid(65534, 0, 0) != 0)
			_exit(10);
		if (task_for_pid(mine, parent, &theirs) != KERN_FAILURE || theirs != MACH_PORT_NULL)
			_exit(11);
		_exit(task_name_for_pid(mine, parent, &theirs) == KERN_FAILURE ? 0 : 12);
	}
	EXPECT_EQ(0, mt_wait(pid));
}

TEST_HARNESS_MAIN
