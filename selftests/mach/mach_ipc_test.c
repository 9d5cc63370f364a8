// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Mach IPC on a real server with real client processes, through
 * libdserver's call stubs: rights and their errors, messages with inline,
 * port and out-of-line contents, queue limits, port sets, notifications,
 * and what a killed process leaves behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "raw_client.h"

/* XNU's values (mach/message.h, port.h, kern_return.h, notify.h). */
#define KERN_SUCCESS 0
#define KERN_INVALID_NAME 15
#define KERN_INVALID_RIGHT 17
#define KERN_INVALID_VALUE 18
#define MACH_SEND_INVALID_DEST 0x10000003
#define MACH_SEND_TIMED_OUT 0x10000004
#define MACH_RCV_TIMED_OUT 0x10004003
#define MACH_RCV_TOO_LARGE 0x10004004
#define MACH_SEND_MSG 1
#define MACH_RCV_MSG 2
#define MACH_RCV_LARGE 4
#define MACH_SEND_TIMEOUT 0x10
#define MACH_RCV_TIMEOUT 0x100
#define MACH_RCV_TRAILER_AUDIT (3u << 24)
#define RIGHT_SEND 0
#define RIGHT_RECEIVE 1
#define RIGHT_PORT_SET 3
#define TYPE_SEND 0x10000u
#define TYPE_RECEIVE 0x20000u
#define TYPE_DEAD_NAME 0x100000u
#define MOVE_SEND 17
#define MOVE_SEND_ONCE 18
#define COPY_SEND 19
#define MAKE_SEND 20
#define MAKE_SEND_ONCE 21
#define COMPLEX 0x80000000u
#define NOTIFY_NO_SENDERS 0106
#define NOTIFY_DEAD_NAME 0110
#define MPO_QLIMIT 0x02
#define MPO_INSERT_SEND_RIGHT 0x10

struct header {
	uint32_t bits, size, remote, local, voucher;
	int32_t id;
};

struct simple_msg {
	struct header h;
	uint64_t payload;
};

struct port_msg {
	struct header h;
	uint32_t count;
	uint32_t name, pad1;
	uint16_t pad2;
	uint8_t disposition, type;
};

/* Mach messages are packed to 4 bytes: the address sits at offset 28. */
struct __attribute__((packed, aligned(4))) ool_msg {
	struct header h;
	uint32_t count;
	uint64_t address;
	uint8_t deallocate, copy, pad, type;
	uint32_t size;
};

/* Room for any test message plus the largest trailer. */
struct rcv_buffer {
	struct header h;
	unsigned char rest[256];
};

static struct test_server server;

static uint32_t self_task(void)
{
	uint32_t name = 0;

	if (dserver_rpc_task_self_trap(&name) != 0)
		return 0;
	return name;
}

static int msg_call(void *msg, int32_t option, uint32_t send_size, uint32_t rcv_size, uint32_t rcv_name,
		    uint32_t timeout)
{
	return dserver_rpc_mach_msg_overwrite((uint64_t)(uintptr_t)msg, option, send_size, rcv_size, rcv_name, timeout,
					      0, 0);
}

static uint32_t new_port_with_send(void)
{
	uint32_t name = 0;

	if (dserver_rpc_mach_port_allocate(self_task(), RIGHT_RECEIVE, (uint64_t)(uintptr_t)&name) != 0)
		return 0;
	if (dserver_rpc_mach_port_insert_right(self_task(), name, name, MAKE_SEND) != 0)
		return 0;
	return name;
}

static uint32_t port_type(uint32_t name, int *kr)
{
	uint32_t type = 0;

	*kr = dserver_rpc_mach_port_type(self_task(), name, (uint64_t)(uintptr_t)&type);
	return type;
}

static int send_simple(uint32_t dest, uint32_t disposition, int32_t id, uint64_t payload, int32_t option,
		       uint32_t timeout)
{
	struct simple_msg m = { .h = { .bits = disposition, .size = sizeof(m), .remote = dest, .id = id },
				.payload = payload };

	return msg_call(&m, MACH_SEND_MSG | option, sizeof(m), 0, 0, timeout);
}

FIXTURE(mach) {
	int unused;
};

FIXTURE_SETUP(mach)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
}

FIXTURE_TEARDOWN(mach)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

TEST_F(mach, self_traps_and_right_errors)
{
	uint32_t task = self_task(), name = 0;
	int kr;

	ASSERT_NE(0, task);
	EXPECT_EQ(task, self_task()); /* one name, one more uref */
	EXPECT_EQ(3u, task & 3);      /* XNU's generation bits */
	EXPECT_EQ(TYPE_SEND, port_type(task, &kr));
	EXPECT_EQ(KERN_SUCCESS, kr);

	ASSERT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_allocate(task, RIGHT_RECEIVE, (uint64_t)(uintptr_t)&name));
	EXPECT_EQ(TYPE_RECEIVE, port_type(name, &kr));
	ASSERT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_insert_right(task, name, name, MAKE_SEND));
	EXPECT_EQ(TYPE_SEND | TYPE_RECEIVE, port_type(name, &kr));
	EXPECT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_mod_refs(task, name, RIGHT_SEND, 1));
	EXPECT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_deallocate(task, name));
	EXPECT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_deallocate(task, name));
	EXPECT_EQ(TYPE_RECEIVE, port_type(name, &kr));
	/* A receive right alone cannot be deallocated. */
	EXPECT_EQ(KERN_INVALID_RIGHT, dserver_rpc_mach_port_deallocate(task, name));
	EXPECT_EQ(KERN_INVALID_VALUE, dserver_rpc_mach_port_mod_refs(task, name, RIGHT_RECEIVE, -2));
	EXPECT_EQ(KERN_SUCCESS, dserver_rpc_mach_port_mod_refs(task, name, RIGHT_RECEIVE, -1));
	port_type(name, &kr);
	EXPECT_EQ(KERN_INVALID_NAME, kr);
	EXPECT_EQ(KERN_INVALID_NAME, dserver_rpc_mach_port_deallocate(task, name));
	EXPECT_EQ(KERN_INVALID_VALUE, dserver_rpc_mach_port_allocate(task, 7, (uint64_t)(uintptr_t)&name));
	/* The traps work on the caller's own task only. */
	EXPECT_EQ(MACH_SEND_INVALID_DEST, dserver_rpc_mach_port_allocate(0x12345, RIGHT_RECEIVE,
									 (uint64_t)(uintptr_t)&name));
	/* A bad out-pointer is KERN_MEMORY_ERROR, never a crash. */
	EXPECT_EQ(10, dserver_rpc_mach_port_allocate(task, RIGHT_RECEIVE, 8));
}

TEST_F(mach, message_round_trip_with_trailer)
{
	uint32_t port = new_port_with_send();
	struct rcv_buffer r;

	ASSERT_NE(0, port);
	ASSERT_EQ(0, send_simple(port, COPY_SEND, 1234, 0x1122334455667788ull, 0, 0));
	memset(&r, 0xaa, sizeof(r));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG | MACH_RCV_TRAILER_AUDIT, 0, sizeof(r), port, 0));
	EXPECT_EQ((uint32_t)MOVE_SEND << 8, r.h.bits); /* local: the destination's type, no reply */
	EXPECT_EQ(sizeof(struct simple_msg), r.h.size);
	EXPECT_EQ(port, r.h.local);
	EXPECT_EQ(0, r.h.remote);
	EXPECT_EQ(1234, r.h.id);
	uint64_t payload;

	memcpy(&payload, r.rest, sizeof(payload));
	EXPECT_EQ(0x1122334455667788ull, payload);
	uint32_t trailer[13];

	memcpy(trailer, r.rest + 8, sizeof(trailer));
	EXPECT_EQ(0, trailer[0]);   /* format 0 */
	EXPECT_EQ(52, trailer[1]);  /* audit trailer */
	EXPECT_EQ(0, trailer[2]);   /* first sequence number */
	EXPECT_EQ((uint32_t)getpid(), trailer[5 + 5]); /* audit token pid */
	/* Too small a buffer with MACH_RCV_LARGE leaves the message queued and says its size. */
	ASSERT_EQ(0, send_simple(port, COPY_SEND, 1, 0, 0, 0));
	ASSERT_EQ(MACH_RCV_TOO_LARGE, msg_call(&r, MACH_RCV_MSG | MACH_RCV_LARGE, 0, 24, port, 0));
	EXPECT_EQ(sizeof(struct simple_msg), r.h.size);
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), port, 0));
	uint32_t seqno;

	memcpy(&seqno, r.rest + 8 + 8, sizeof(seqno));
	EXPECT_EQ(1, r.h.id);
}

TEST_F(mach, receive_timeout_and_queue_limit)
{
	struct { uint32_t flags, qlimit; uint64_t reserved[2]; } options = { MPO_QLIMIT | MPO_INSERT_SEND_RIGHT, 2, { 0 } };
	struct rcv_buffer r;
	uint32_t port = 0;
	struct timespec t0, t1;

	ASSERT_EQ(0, dserver_rpc_mach_port_construct(self_task(), (uint64_t)(uintptr_t)&options, 0,
						     (uint64_t)(uintptr_t)&port));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, msg_call(&r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(r), port, 50));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_GE((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 45);
	EXPECT_EQ(0, send_simple(port, COPY_SEND, 1, 0, 0, 0));
	EXPECT_EQ(0, send_simple(port, COPY_SEND, 2, 0, 0, 0));
	/* The queue is full: a send that may not wait times out at once. */
	EXPECT_EQ(MACH_SEND_TIMED_OUT, send_simple(port, COPY_SEND, 3, 0, MACH_SEND_TIMEOUT, 0));
	/* A send-once right always gets through. */
	EXPECT_EQ(0, send_simple(port, MAKE_SEND_ONCE, 4, 0, 0, 0));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), port, 0));
	EXPECT_EQ(1, r.h.id);
	/* The send-once message counts too: two are still queued. */
	EXPECT_EQ(MACH_SEND_TIMED_OUT, send_simple(port, COPY_SEND, 5, 0, MACH_SEND_TIMEOUT, 0));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), port, 0));
	EXPECT_EQ(2, r.h.id);
	EXPECT_EQ(0, send_simple(port, COPY_SEND, 6, 0, MACH_SEND_TIMEOUT, 0));
}

TEST_F(mach, out_of_line_memory)
{
	static const size_t sizes[] = { 1, 4096, 64u << 20 };
	uint32_t port = new_port_with_send();

	ASSERT_NE(0, port);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];
		unsigned char *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct ool_msg m = { .h = { .bits = COPY_SEND | COMPLEX, .remote = port, .id = 7 }, .count = 1,
				     .copy = 0, .type = 1, .size = (uint32_t)size };
		struct rcv_buffer r;

		ASSERT_NE(MAP_FAILED, data);
		for (size_t j = 0; j < size; j += 4093)
			data[j] = (unsigned char)(j * 7 + 1);
		data[size - 1] = 0x5a;
		m.address = (uint64_t)(uintptr_t)data;
		ASSERT_EQ(0, msg_call(&m, MACH_SEND_MSG, sizeof(m), 0, 0, 0));
		ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), port, 0));
		struct ool_msg got;

		memcpy(&got, &r, sizeof(got));
		EXPECT_EQ(COMPLEX | ((uint32_t)MOVE_SEND << 8), got.h.bits);
		ASSERT_EQ(size, got.size);
		ASSERT_NE(0, got.address);
		ASSERT_NE((uint64_t)(uintptr_t)data, got.address);
		const unsigned char *copy = (const unsigned char *)(uintptr_t)got.address;

		for (size_t j = 0; j < size; j += 4093)
			ASSERT_EQ(j == size - 1 ? 0x5a : (unsigned char)(j * 7 + 1), copy[j]);
		EXPECT_EQ(0x5a, copy[size - 1]);
		munmap((void *)copy, size);
		munmap(data, size);
	}
}

TEST_F(mach, port_sets_and_ten_thousand_ports)
{
	uint32_t task = self_task(), pset = 0, a = new_port_with_send(), b = new_port_with_send();
	struct rcv_buffer r;

	ASSERT_EQ(0, dserver_rpc_mach_port_allocate(task, RIGHT_PORT_SET, (uint64_t)(uintptr_t)&pset));
	ASSERT_EQ(0, dserver_rpc_mach_port_insert_member(task, a, pset));
	ASSERT_EQ(0, dserver_rpc_mach_port_insert_member(task, b, pset));
	EXPECT_EQ(11, dserver_rpc_mach_port_insert_member(task, b, pset)); /* KERN_ALREADY_IN_SET */
	ASSERT_EQ(0, send_simple(b, COPY_SEND, 2, 0, 0, 0));
	ASSERT_EQ(0, send_simple(a, COPY_SEND, 1, 0, 0, 0));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), pset, 0));
	EXPECT_EQ(b, r.h.local); /* the oldest message of the set first */
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), pset, 0));
	EXPECT_EQ(a, r.h.local);

	enum { N = 10000 };
	uint32_t *names = calloc(N, sizeof(*names));

	ASSERT_NE(NULL, names);
	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, dserver_rpc_mach_port_allocate(task, RIGHT_RECEIVE, (uint64_t)(uintptr_t)&names[i]));
	for (int i = 0; i < N; i++)
		ASSERT_EQ(0, dserver_rpc_mach_port_mod_refs(task, names[i], RIGHT_RECEIVE, -1));
	free(names);
}

TEST_F(mach, no_senders_notification)
{
	uint32_t task = self_task(), port = new_port_with_send(), notify = 0, previous = 1;
	struct rcv_buffer r;

	ASSERT_EQ(0, dserver_rpc_mach_port_allocate(task, RIGHT_RECEIVE, (uint64_t)(uintptr_t)&notify));
	ASSERT_EQ(0, dserver_rpc_mach_port_request_notification(task, port, NOTIFY_NO_SENDERS, 0, notify,
								 MAKE_SEND_ONCE, (uint64_t)(uintptr_t)&previous));
	EXPECT_EQ(0, previous);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, msg_call(&r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(r), notify, 0));
	ASSERT_EQ(0, dserver_rpc_mach_port_deallocate(task, port));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG, 0, sizeof(r), notify, 0));
	EXPECT_EQ(NOTIFY_NO_SENDERS, r.h.id);
	EXPECT_EQ(36, r.h.size);
	EXPECT_EQ((uint32_t)MOVE_SEND_ONCE << 8, r.h.bits);
	uint32_t mscount;

	memcpy(&mscount, r.rest + 8, sizeof(mscount));
	EXPECT_EQ(1, mscount);
}

/*
 * A child gets a send right to our port through task_for_pid and a MIG
 * extract_right on our task port, sends us a send right to its own port,
 * and blocks in a receive. We ask for a dead-name notification and kill it.
 */
TEST_F(mach, dead_name_notification_when_a_process_is_killed)
{
	uint32_t task = self_task(), port = new_port_with_send(), notify = 0, previous;
	struct rcv_buffer r;

	ASSERT_NE(0, port);
	ASSERT_EQ(0, dserver_rpc_mach_port_allocate(task, RIGHT_RECEIVE, (uint64_t)(uintptr_t)&notify));
	pid_t parent = getpid();
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		uint32_t ctask = self_task(), ptask = 0, mine = new_port_with_send();

		if (dserver_rpc_task_for_pid(ctask, parent, (uint64_t)(uintptr_t)&ptask) != 0)
			_exit(2);
		/* MIG mach_port_extract_right(ptask, port, MAKE_SEND) = 3215. */
		struct { struct header h; unsigned char ndr[8]; uint32_t name, msgt; } rq = {
			.h = { .bits = COPY_SEND | (MAKE_SEND_ONCE << 8), .remote = ptask, .local = mine, .id = 3215 },
			.ndr = { 0, 0, 0, 0, 1, 0, 0, 0 }, .name = port, .msgt = MAKE_SEND };
		struct rcv_buffer reply;

		if (dserver_rpc_mach_msg_overwrite((uint64_t)(uintptr_t)&rq, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(rq),
						   sizeof(reply), mine, 0, 0, (uint64_t)(uintptr_t)&reply) != 0)
			_exit(3);
		struct port_msg got;

		memcpy(&got, &reply, sizeof(got));
		if (reply.h.id != 3315 || got.count != 1 || got.disposition != MOVE_SEND)
			_exit(4);
		struct port_msg m = { .h = { .bits = MOVE_SEND | COMPLEX, .remote = got.name, .id = 99 }, .count = 1,
				      .name = mine, .disposition = MAKE_SEND, .type = 0 };

		if (msg_call(&m, MACH_SEND_MSG, sizeof(m), 0, 0, 0) != 0)
			_exit(5);
		msg_call(&reply, MACH_RCV_MSG, 0, sizeof(reply), mine, 0); /* wait to be killed */
		_exit(6);
	}
	int status;
	int received = msg_call(&r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(r), port, 10000);

	if (received != 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		ASSERT_EQ(0, received) TH_LOG("child status %#x", status);
	}
	struct port_msg got;

	memcpy(&got, &r, sizeof(got));
	ASSERT_EQ(99, r.h.id);
	ASSERT_EQ(MOVE_SEND, got.disposition);
	uint32_t theirs = got.name;
	int kr;

	EXPECT_EQ(TYPE_SEND, port_type(theirs, &kr));
	ASSERT_EQ(0, dserver_rpc_mach_port_request_notification(task, theirs, NOTIFY_DEAD_NAME, 0, notify,
								 MAKE_SEND_ONCE, (uint64_t)(uintptr_t)&previous));
	usleep(20000); /* let the child block in its receive */
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child exited with %d", WEXITSTATUS(status));
	ASSERT_EQ(0, msg_call(&r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(r), notify, 5000));
	EXPECT_EQ(NOTIFY_DEAD_NAME, r.h.id);
	uint32_t dead;

	memcpy(&dead, r.rest + 8, sizeof(dead));
	EXPECT_EQ(theirs, dead);
	EXPECT_EQ(TYPE_DEAD_NAME, port_type(theirs, &kr));
	/* Two urefs: the right's, and the one the notification carries. */
	EXPECT_EQ(0, dserver_rpc_mach_port_deallocate(task, theirs));
	EXPECT_EQ(0, dserver_rpc_mach_port_deallocate(task, theirs));
	port_type(theirs, &kr);
	EXPECT_EQ(KERN_INVALID_NAME, kr);
}

/*
 * Each port's receive right waits in a message queued on the port before
 * it: destroying the first takes the whole chain with it, and the server
 * must do that without running out of stack.
 */
TEST_F(mach, a_long_chain_of_receive_rights_in_messages_dies_whole)
{
	enum { N = 5000 };
	uint32_t task = self_task(), first = new_port_with_send(), prev = first;
	int kr;

	ASSERT_NE(0, first);
	for (int i = 0; i < N; i++) {
		uint32_t next = new_port_with_send();
		struct port_msg m = { .h = { .bits = COPY_SEND | COMPLEX, .remote = prev, .id = i }, .count = 1,
				      .name = next, .disposition = 16 /* MOVE_RECEIVE */, .type = 0 };

		ASSERT_NE(0, next);
		ASSERT_EQ(0, msg_call(&m, MACH_SEND_MSG, sizeof(m), 0, 0, 0));
		prev = next;
	}
	ASSERT_EQ(0, dserver_rpc_mach_port_mod_refs(task, first, RIGHT_RECEIVE, -1));
	/* Every send right we kept now names a dead port. */
	EXPECT_EQ(TYPE_DEAD_NAME, port_type(prev, &kr));
	EXPECT_EQ(KERN_SUCCESS, kr);
	EXPECT_EQ(TYPE_DEAD_NAME, port_type(first, &kr));
}

/* Read n records of size bytes from a debug call's pipe. */
static int read_records(int fd, void *out, size_t n, size_t size)
{
	size_t want = n * size, got = 0;

	while (got < want) {
		ssize_t r = read(fd, (char *)out + got, want - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == want ? 0 : -1;
}

TEST_F(mach, debug_calls_show_ports_members_and_messages)
{
	struct { uint32_t name, rights; uint64_t refs, messages; } ports[64];
	struct { uint32_t sender, pad; uint64_t size; } messages[4];
	uint32_t task = self_task(), port = new_port_with_send(), pset = 0;
	uint64_t count = 0;
	int fd = -1;

	ASSERT_EQ(0, dserver_rpc_mach_port_allocate(task, RIGHT_PORT_SET, (uint64_t)(uintptr_t)&pset));
	ASSERT_EQ(0, dserver_rpc_mach_port_insert_member(task, port, pset));
	ASSERT_EQ(0, send_simple(port, COPY_SEND, 1, 0, 0, 0));
	ASSERT_EQ(0, send_simple(port, COPY_SEND, 2, 0, 0, 0));

	ASSERT_EQ(0, dserver_rpc_debug_list_ports((uint32_t)getpid(), &count, &fd));
	ASSERT_LE(count, 64);
	ASSERT_EQ(0, read_records(fd, ports, count, sizeof(ports[0])));
	int found = 0;

	for (uint64_t i = 0; i < count; i++) {
		if (ports[i].name == port) {
			EXPECT_EQ(TYPE_SEND | TYPE_RECEIVE, ports[i].rights);
			EXPECT_EQ(1, ports[i].refs);
			EXPECT_EQ(2, ports[i].messages);
			found++;
		}
		if (ports[i].name == pset) {
			EXPECT_EQ(0x80000u, ports[i].rights);
			found++;
		}
	}
	EXPECT_EQ(2, found);

	ASSERT_EQ(0, dserver_rpc_debug_list_members((uint32_t)getpid(), pset, &count, &fd));
	ASSERT_EQ(1, count);
	ASSERT_EQ(0, read_records(fd, ports, 1, sizeof(ports[0])));
	EXPECT_EQ(port, ports[0].name);

	ASSERT_EQ(0, dserver_rpc_debug_list_messages((uint32_t)getpid(), port, &count, &fd));
	ASSERT_EQ(2, count);
	ASSERT_EQ(0, read_records(fd, messages, 2, sizeof(messages[0])));
	EXPECT_EQ((uint32_t)getpid(), messages[0].sender);
	EXPECT_EQ(sizeof(struct simple_msg), messages[0].size);
	/* Names that are not a set or a receive right. */
	EXPECT_EQ(-ENOENT, dserver_rpc_debug_list_members((uint32_t)getpid(), port, &count, &fd));
	EXPECT_EQ(-ENOENT, dserver_rpc_debug_list_messages((uint32_t)getpid(), pset, &count, &fd));
}

TEST_HARNESS_MAIN
