// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Ordinary Mach C code (<mach/mach.h>, libdserver) against a real server:
 * the routines that travel as MIG messages to a task port, on our own task
 * and on another process's.
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

static struct test_server server;

FIXTURE(api) {
	int unused;
};

FIXTURE_SETUP(api)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
}

FIXTURE_TEARDOWN(api)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

TEST_F(api, mig_routines_on_our_own_task)
{
	mach_port_t task = mach_task_self(), port, pset;
	mach_port_urefs_t refs = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, port, MACH_PORT_RIGHT_SEND, 2));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(task, port, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(3, refs);
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(task, port, MACH_PORT_RIGHT_RECEIVE, &refs));
	EXPECT_EQ(1, refs);

	mach_port_limits_t limits = { .mpl_qlimit = 9 };
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(task, port, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&limits, MACH_PORT_LIMITS_INFO_COUNT));
	mach_port_status_t status;
	mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_attributes(task, port, MACH_PORT_RECEIVE_STATUS,
							 (mach_port_info_t)&status, &count));
	EXPECT_EQ(9, status.mps_qlimit);
	EXPECT_EQ(1, status.mps_mscount);
	EXPECT_EQ(TRUE, status.mps_srights);
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_set_attributes(task, port, MACH_PORT_LIMITS_INFO,
								(mach_port_info_t)&(mach_port_limits_t){ 5000 },
								MACH_PORT_LIMITS_INFO_COUNT));

	mach_port_context_t context = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_set_context(task, port, 0x1234567890ull));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_context(task, port, &context));
	EXPECT_EQ(0x1234567890ull, context);

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &pset));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_member(task, port, pset));
	mach_port_name_array_t members;
	mach_msg_type_number_t nmembers = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_set_status(task, pset, &members, &nmembers));
	ASSERT_EQ(1, nmembers);
	EXPECT_EQ(port, members[0]);
	vm_deallocate(task, (vm_address_t)members, nmembers * sizeof(*members));

	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t nnames = 0, ntypes = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_names(task, &names, &nnames, &types, &ntypes));
	ASSERT_EQ(nnames, ntypes);
	int found = 0;
	for (mach_msg_type_number_t i = 0; i < nnames; i++) {
		if (names[i] == port)
			found = types[i] == (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE);
		if (names[i] == pset)
			found += types[i] == MACH_PORT_TYPE_PORT_SET;
	}
	EXPECT_EQ(2, found);
	vm_deallocate(task, (vm_address_t)names, nnames * sizeof(*names));
	vm_deallocate(task, (vm_address_t)types, ntypes * sizeof(*types));

	/* A name of our choosing, with XNU's generation bits. */
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, 0x7703));
	EXPECT_EQ(KERN_NAME_EXISTS, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, 0x7703));
	EXPECT_EQ(KERN_INVALID_VALUE, mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, 0x7800));

	mach_port_t extracted;
	mach_msg_type_name_t type;
	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &extracted, &type));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, type);
	EXPECT_NE(port, extracted);
	EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(task, extracted)); /* a send-once notification */

	struct {
		mach_msg_header_t header;
		mach_msg_trailer_t trailer;
	} msg;
	memset(&msg, 0, sizeof(msg));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(msg), port, 1000,
					     MACH_PORT_NULL));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, msg.header.msgh_id);
	EXPECT_EQ(sizeof(mach_msg_header_t), msg.header.msgh_size);
}

/* The allocation, request and guard routines that only travel as MIG messages. */
static int more_routines(mach_port_t task, mach_port_t chosen)
{
	mach_port_qos_t qos = { 0 };
	mach_port_t port, named = chosen, notify, previous;
	unsigned total = 9, used = 9;

	if (mach_port_allocate_qos(task, MACH_PORT_RIGHT_RECEIVE, &qos, &port) != KERN_SUCCESS)
		return 1;
	qos.name = TRUE;
	if (mach_port_allocate_qos(task, MACH_PORT_RIGHT_RECEIVE, &qos, &port) != KERN_INVALID_ARGUMENT)
		return 2;
	if (mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL, &qos, &named) != KERN_SUCCESS ||
	    named != chosen)
		return 3;
	if (mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL, &qos, &named) != KERN_NAME_EXISTS)
		return 4;
	/*
	 * A prototype port is refused. Rights in a MIG request are the caller's
	 * (a send right of its own), so this one is tried on our own task only.
	 */
	if (task == mach_task_self() &&
	    (mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS ||
	     mach_port_allocate_full(task, MACH_PORT_RIGHT_RECEIVE, port, &qos, &named) != KERN_INVALID_VALUE))
		return 5;
	if (mach_port_dnrequest_info(task, port, &total, &used) != KERN_SUCCESS || total != 0 || used != 0)
		return 6;
	/* A dead-name request on the port's name counts; the notify port is one of the caller's. */
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &notify) != KERN_SUCCESS ||
	    mach_port_request_notification(task, port, MACH_NOTIFY_DEAD_NAME, 0, notify, MACH_MSG_TYPE_MAKE_SEND_ONCE,
					   &previous) != KERN_SUCCESS ||
	    mach_port_dnrequest_info(task, port, &total, &used) != KERN_SUCCESS || used != 1 || total < used)
		return 7;
	if (mach_port_dnrequest_info(task, 0x7fff03, &total, &used) != KERN_INVALID_NAME)
		return 8;

	mach_port_guard_info_t guard = { 0x77 };
	if (mach_port_guard_with_flags(task, named, 0x77, MPG_STRICT) != KERN_SUCCESS ||
	    mach_port_guard_with_flags(task, named, 0x78, 0) != KERN_INVALID_ARGUMENT)
		return 9;
	if (mach_port_assert_attributes(task, named, MACH_PORT_GUARD_INFO, (mach_port_info_t)&guard,
					MACH_PORT_GUARD_INFO_COUNT) != KERN_SUCCESS)
		return 10;
	guard.mpgi_guard = 0x78;
	if (mach_port_assert_attributes(task, named, MACH_PORT_GUARD_INFO, (mach_port_info_t)&guard,
					MACH_PORT_GUARD_INFO_COUNT) != KERN_INVALID_ARGUMENT)
		return 11;
	/* Strict guards cannot be swapped; plain ones can, with the right old value. */
	if (mach_port_swap_guard(task, named, 0x77, 0x79) != KERN_INVALID_ARGUMENT ||
	    mach_port_guard(task, port, 0x10, FALSE) != KERN_SUCCESS ||
	    mach_port_swap_guard(task, port, 0x11, 0x12) != KERN_INVALID_ARGUMENT ||
	    mach_port_swap_guard(task, port, 0x10, 0x12) != KERN_SUCCESS ||
	    mach_port_unguard(task, port, 0x12) != KERN_SUCCESS)
		return 12;
	if (mach_port_assert_attributes(task, port, MACH_PORT_GUARD_INFO, (mach_port_info_t)&guard,
					MACH_PORT_GUARD_INFO_COUNT) != KERN_INVALID_ARGUMENT)
		return 13;
	return 0;
}

TEST_F(api, more_mig_routines_on_our_own_task_and_on_another)
{
	EXPECT_EQ(0, more_routines(mach_task_self(), 0x9903));

	pid_t parent = getpid();
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		mach_port_t ptask;

		if (task_for_pid(mach_task_self(), parent, &ptask) != KERN_SUCCESS)
			_exit(100);
		_exit(more_routines(ptask, 0x9a03));
	}
	int status;

	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* What the child made is in our space. */
	mach_port_type_t type = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(mach_task_self(), 0x9a03, &type));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type);
}

TEST_F(api, mig_routines_on_another_task)
{
	int fds[2];

	ASSERT_EQ(0, pipe(fds));
	/* Only a process the server knows can be found by task_for_pid. */
	ASSERT_NE(MACH_PORT_NULL, mach_task_self());
	pid_t parent = getpid();
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		mach_port_t ptask, name = 0;
		mach_port_type_t type = 0;

		close(fds[0]);
		if (task_for_pid(mach_task_self(), parent, &ptask) != KERN_SUCCESS)
			_exit(2);
		/* Not our own task: the trap refuses, the MIG message to the task port serves. */
		if (mach_port_allocate(ptask, MACH_PORT_RIGHT_RECEIVE, &name) != KERN_SUCCESS)
			_exit(3);
		if (mach_port_type(ptask, name, &type) != KERN_SUCCESS || type != MACH_PORT_TYPE_RECEIVE)
			_exit(4);
		int pid = 0;
		if (pid_for_task(ptask, &pid) != KERN_SUCCESS || pid != parent)
			_exit(5);
		if (write(fds[1], &name, sizeof(name)) != sizeof(name))
			_exit(6);
		_exit(0);
	}
	close(fds[1]);
	mach_port_t name = 0;
	int status;

	ssize_t got = read(fds[0], &name, sizeof(name));

	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(name), got);
	mach_port_type_t type = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(mach_task_self(), name, &type));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, type);
	close(fds[0]);
}

/* How many times the server has served the call `name` (dserver_stats, §11), or -1. */
static long long served(const char *name)
{
	unsigned char record[48];
	uint64_t count = 0, calls;
	long long found = 0;
	int fd = -1;

	if (dserver_rpc_dserver_stats(&count, &fd, NULL, NULL, NULL, NULL, NULL, NULL, NULL) != 0 || fd < 0)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		if (read(fd, record, sizeof(record)) != (ssize_t)sizeof(record))
			found = -1;
		else if (found >= 0 && strnlen((char *)record, 24) == strlen(name) && !memcmp(record, name, strlen(name))) {
			memcpy(&calls, record + 24, sizeof(calls));
			found = (long long)calls;
		}
	}
	close(fd);
	return found;
}

/* One message to our own port and back through mach_msg(); 0 or -1. */
static int echo_once(void)
{
	struct {
		mach_msg_header_t h;
		uint64_t payload;
		mach_msg_trailer_t trailer;
	} m = { 0 };
	mach_port_t port;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND))
		return -1;
	m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	m.h.msgh_size = sizeof(m.h) + sizeof(m.payload);
	m.h.msgh_remote_port = port;
	m.payload = 0x5eed;
	if (mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, m.h.msgh_size, sizeof(m), port, 0, 0) != MACH_MSG_SUCCESS)
		return -1;
	return m.payload == 0x5eed && m.h.msgh_local_port == port ? 0 : -1;
}

/*
 * mach_msg() takes the mach_msg_inline extension with dserver, and the
 * plain mach_msg_overwrite call when told the server has no extensions
 * (as with upstream darlingserver, which must never see an extension).
 */
TEST_F(api, mach_msg_travels_inline_only_when_negotiated)
{
	long long inline_before = served("mach_msg_inline"), plain_before = served("mach_msg_overwrite");

	ASSERT_EQ(0, echo_once());
	EXPECT_EQ(inline_before + 1, served("mach_msg_inline"));
	EXPECT_EQ(plain_before, served("mach_msg_overwrite"));

	setenv("DSERVER_NO_EXTENSIONS", "1", 1);
	ASSERT_EQ(0, echo_once());
	unsetenv("DSERVER_NO_EXTENSIONS");
	EXPECT_EQ(inline_before + 1, served("mach_msg_inline"));
	EXPECT_EQ(plain_before + 1, served("mach_msg_overwrite"));
}

TEST_HARNESS_MAIN
