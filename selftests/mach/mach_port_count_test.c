// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The server's count of live ports and IPC objects (dserver_stats, §11)
 * returns exactly to where it started once client processes that held
 * every kind of right, queued messages with rights and memory, waited in
 * receives and asked for notifications have died, killed or not.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <mach/mach.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define DSERVER_STATS 0xC0000001u /* §11 */

static struct test_server server;

struct ipc_counts {
	uint64_t live_ports, objects;
};

/* The server's counts, read as dserverctl does (an unmanaged call: we stay unregistered). */
static int read_counts(struct ipc_counts *out)
{
	unsigned char req[16], reply[64];
	int sock = raw_socket(), fd = -1;
	ssize_t n;

	if (sock < 0)
		return -1;
	raw_header(req, DSERVER_STATS);
	n = raw_call(sock, &server, req, sizeof(req), -1, reply, sizeof(reply), &fd);
	close(sock);
	if (fd >= 0)
		close(fd);
	if (n != 64 || *(int32_t *)(reply + 4) != 0) /* §11: the reply is 64 bytes */
		return -1;
	memcpy(&out->live_ports, reply + 24, 8);
	memcpy(&out->objects, reply + 32, 8);
	return 0;
}

/* A port to wait on, made before the parent is told we are ready, so its counts hold still. */
static mach_port_t waiting_port(void)
{
	mach_port_t port = MACH_PORT_NULL;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port))
		_exit(8);
	return port;
}

/* Block in a receive until killed. */
static void wait_forever(mach_port_t port)
{
	mach_msg_header_t msg;

	mach_msg(&msg, MACH_RCV_MSG, 0, sizeof(msg), port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	_exit(9);
}

/* The owner: a port with a no-senders request, a port set, and a receive that never ends. */
static void owner(int out)
{
	mach_port_t task = mach_task_self(), port, pset, notify, previous;

	if (mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port) ||
	    mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &notify) ||
	    mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &pset) || mach_port_insert_member(task, notify, pset) ||
	    mach_port_set_attributes(task, port, MACH_PORT_LIMITS_INFO, (mach_port_info_t)&(mach_port_limits_t){ 64 },
				     MACH_PORT_LIMITS_INFO_COUNT) ||
	    mach_port_request_notification(task, port, MACH_NOTIFY_NO_SENDERS, 0, notify,
					   MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous))
		_exit(2);
	mach_port_t wait_on = waiting_port();

	if (write(out, &port, sizeof(port)) != sizeof(port))
		_exit(3);
	wait_forever(wait_on);
}

struct __attribute__((packed, aligned(4))) rights_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t receive;
	mach_msg_port_descriptor_t send;
	mach_msg_ool_descriptor_t memory;
	mach_msg_ool_ports_descriptor_t ports;
};

/*
 * A peer of the owner's: send and send-once rights to its port, a dead
 * name, a dead-name request, and messages queued on the owner's port that
 * carry a receive right, send rights, memory and an array of rights.
 */
static void peer(pid_t owner_pid, mach_port_t owner_port, int out, bool stay)
{
	mach_port_t task = mach_task_self(), otask, send, sonce, dead, notify, carried, previous;
	mach_msg_type_name_t type;
	static char memory[3 * 4096] = "queued out of line";

	if (task_for_pid(task, owner_pid, &otask) ||
	    mach_port_extract_right(otask, owner_port, MACH_MSG_TYPE_MAKE_SEND, &send, &type) ||
	    mach_port_extract_right(otask, owner_port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &sonce, &type) ||
	    mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &dead) ||
	    mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &notify) ||
	    mach_port_request_notification(task, send, MACH_NOTIFY_DEAD_NAME, 0, notify,
					   MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous))
		_exit(4);
	for (int i = 0; i < 4; i++) {
		mach_port_t array[3] = { send, MACH_PORT_NULL, send };
		struct rights_msg msg = {
			.header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
						 MACH_MSGH_BITS_COMPLEX,
				    .msgh_size = sizeof(msg), .msgh_remote_port = send, .msgh_local_port = notify,
				    .msgh_id = i },
			.body = { 4 },
		};

		if (mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &carried))
			_exit(5);
		msg.receive = (mach_msg_port_descriptor_t){ .name = carried, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
							    .type = MACH_MSG_PORT_DESCRIPTOR };
		msg.send = (mach_msg_port_descriptor_t){ .name = notify, .disposition = MACH_MSG_TYPE_MAKE_SEND,
							 .type = MACH_MSG_PORT_DESCRIPTOR };
		msg.memory = (mach_msg_ool_descriptor_t){ .address = memory, .size = sizeof(memory),
							  .copy = MACH_MSG_VIRTUAL_COPY, .type = MACH_MSG_OOL_DESCRIPTOR };
		msg.ports = (mach_msg_ool_ports_descriptor_t){ .address = array, .count = 3,
							       .disposition = MACH_MSG_TYPE_COPY_SEND,
							       .copy = MACH_MSG_VIRTUAL_COPY,
							       .type = MACH_MSG_OOL_PORTS_DESCRIPTOR };
		if (mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0, MACH_PORT_NULL, 1000,
			     MACH_PORT_NULL))
			_exit(6);
	}
	mach_port_t wait_on = waiting_port();

	if (write(out, &send, sizeof(send)) != sizeof(send))
		_exit(7);
	if (stay)
		wait_forever(wait_on);
	_exit(0);
}

/* What `dserverctl status` says the live ports are, or -1. */
static int64_t dserverctl_live_ports(void)
{
	char command[256], line[128];
	int64_t ports = -1;
	FILE *out;

	snprintf(command, sizeof(command), "%s --socket %s status", DSERVERCTL_BINARY, server.socket_path);
	out = popen(command, "r");
	if (!out)
		return -1;
	while (fgets(line, sizeof(line), out))
		sscanf(line, "live ports %" SCNd64, &ports);
	return pclose(out) == 0 ? ports : -1;
}

static bool counts_equal(const struct ipc_counts *a, const struct ipc_counts *b)
{
	return a->live_ports == b->live_ports && a->objects == b->objects;
}

FIXTURE(counts) {
	int unused;
};

FIXTURE_SETUP(counts)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
}

FIXTURE_TEARDOWN(counts)
{
	EXPECT_EQ(0, test_server_stop(&server));
}

static pid_t start(void (*body)(int out), int *in)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		body(fds[1]);
	}
	close(fds[1]);
	*in = fds[0];
	return pid;
}

static pid_t owner_pid;
static mach_port_t owner_port;

static void staying_peer(int out)
{
	peer(owner_pid, owner_port, out, true);
}

static void leaving_peer(int out)
{
	peer(owner_pid, owner_port, out, false);
}

TEST_F(counts, every_object_a_dead_client_held_is_freed)
{
	struct ipc_counts before, during, after;
	mach_port_t name;
	pid_t peers[2];
	int in, status;

	ASSERT_EQ(0, read_counts(&before));
	owner_pid = start(owner, &in);
	ASSERT_LT(0, owner_pid);
	ASSERT_EQ(sizeof(owner_port), read(in, &owner_port, sizeof(owner_port)));
	close(in);
	peers[0] = start(staying_peer, &in);
	ASSERT_EQ(sizeof(name), read(in, &name, sizeof(name)));
	close(in);
	peers[1] = start(leaving_peer, &in);
	ASSERT_EQ(sizeof(name), read(in, &name, sizeof(name)));
	close(in);
	ASSERT_EQ(peers[1], waitpid(peers[1], &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* Messages with receive rights are still queued on the owner's port. */
	ASSERT_EQ(0, read_counts(&during));
	EXPECT_LE(before.live_ports + 8, during.live_ports);
	EXPECT_LE(before.objects + 8, during.objects);

	kill(owner_pid, SIGKILL);
	kill(peers[0], SIGKILL);
	waitpid(owner_pid, &status, 0);
	waitpid(peers[0], &status, 0);

	/* Deaths are noticed asynchronously (pidfd): poll, with a deadline. */
	struct timespec deadline, now;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 10;
	do {
		ASSERT_EQ(0, read_counts(&after));
		if (counts_equal(&before, &after))
			break;
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < deadline.tv_sec ||
		 (now.tv_sec == deadline.tv_sec && now.tv_nsec < deadline.tv_nsec));
	EXPECT_EQ(before.live_ports, after.live_ports);
	EXPECT_EQ(before.objects, after.objects);
	/* Nothing moves now: dserverctl reports the same figure. */
	EXPECT_EQ((int64_t)after.live_ports, dserverctl_live_ports());
}

TEST_HARNESS_MAIN
