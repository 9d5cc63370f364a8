// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Flooding one port from several processes: senders block at the queue
 * limit or time out, the receiver gets every message exactly once and in
 * each sender's order; killed senders, a receive right destroyed under
 * blocked senders, send-once rights, and the per-task quotas.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "mach_test_util.h"
#include "raw_client.h"

#define FLOOD_ID 500
#define SEQNO_TRAILER MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO)
#define COPY_SEND_BITS MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0)

static struct test_server server;

FIXTURE(flood) {
	mach_port_t port; /* receive right only: senders get theirs from us */
};

FIXTURE_SETUP(flood)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	self->port = mt_port(0);
	ASSERT_NE(MACH_PORT_NULL, self->port);
}

FIXTURE_TEARDOWN(flood)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

static void set_qlimit(struct __test_metadata *_metadata, mach_port_t port, unsigned int qlimit)
{
	mach_port_limits_t limits = { .mpl_qlimit = qlimit };

	ASSERT_EQ(KERN_SUCCESS, mach_port_set_attributes(mach_task_self(), port, MACH_PORT_LIMITS_INFO,
							 (mach_port_info_t)&limits, MACH_PORT_LIMITS_INFO_COUNT));
	ASSERT_EQ(qlimit, mt_status(mach_task_self(), port).mps_qlimit);
}

/*
 * A child that sends count messages (payload: index << 32 | sequence) to
 * the parent's port, retrying each one that times out. Exit status: 0, or
 * 1 if at least one send timed out; 10 and up for errors.
 */
static pid_t spawn_sender(pid_t parent, mach_port_t port, uint32_t index, uint32_t count, mach_msg_option_t option,
			  mach_msg_timeout_t timeout)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	mach_port_t right = mt_right_from(parent, port, MACH_MSG_TYPE_MAKE_SEND);
	int timeouts = 0;

	if (right == MACH_PORT_NULL)
		_exit(10);
	for (uint32_t seq = 0; seq < count; seq++) {
		mach_msg_return_t mr;

		while ((mr = mt_send(right, COPY_SEND_BITS, MACH_PORT_NULL, FLOOD_ID, (uint64_t)index << 32 | seq,
				     option, timeout)) == MACH_SEND_TIMED_OUT)
			timeouts++;
		if (mr != MACH_MSG_SUCCESS)
			_exit(11);
	}
	_exit(timeouts ? 1 : 0);
}

/* Wait until the queue holds `queued` messages; false after 10 s. */
static bool wait_queued(mach_port_t port, unsigned int queued)
{
	int64_t end = mt_now_ms() + 10000;

	while (mt_status(mach_task_self(), port).mps_msgcount != queued) {
		if (mt_now_ms() > end)
			return false;
		usleep(2000);
	}
	return true;
}

static bool still_running(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

/* Whether the server still lists pid (debug_list_processes, PROTOCOL.md §10). */
static bool server_knows(pid_t pid)
{
	struct { uint32_t pid, pad; uint64_t ports; } records[64];
	uint64_t count = 0;
	int fd = -1;
	bool found = false;

	if (dserver_rpc_debug_list_processes(&count, &fd) != 0)
		return true;
	size_t want = (count < 64 ? count : 64) * sizeof(records[0]), got = 0;
	ssize_t n;

	while (got < want && (n = read(fd, (char *)records + got, want - got)) > 0)
		got += (size_t)n;
	close(fd);
	for (size_t i = 0; i < got / sizeof(records[0]); i++)
		found |= records[i].pid == (uint32_t)pid;
	return found;
}

/*
 * Receive `total` messages: each sender's sequence numbers arrive in
 * order, each exactly once (got[s] counts them), and the trailer's
 * sequence numbers count up from first_seqno.
 */
static void drain(struct __test_metadata *_metadata, mach_port_t port, uint32_t senders, uint32_t *got,
		  uint32_t total, mach_port_seqno_t first_seqno)
{
	mt_buffer_t buf;

	memset(got, 0, senders * sizeof(*got));
	for (uint32_t i = 0; i < total; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(port, &buf, SEQNO_TRAILER, 10000)) TH_LOG("message %u", i);
		ASSERT_EQ(FLOOD_ID, buf.header.msgh_id);
		uint64_t payload = mt_payload(&buf);
		uint32_t sender = (uint32_t)(payload >> 32), seq = (uint32_t)payload;

		ASSERT_LT(sender, senders);
		ASSERT_EQ(got[sender], seq) TH_LOG("sender %u", sender);
		got[sender]++;
		EXPECT_EQ(sizeof(mach_msg_seqno_trailer_t), mt_trailer(&buf)->msgh_trailer_size);
		EXPECT_EQ(first_seqno + i, mt_trailer(&buf)->msgh_seqno);
	}
	/* Nothing more: no duplicates hiding behind the count. */
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_receive(port, &buf, 0, 0));
}

TEST_F(flood, senders_block_at_the_default_limit_and_nothing_is_lost)
{
	enum { SENDERS = 4, COUNT = 40 };
	pid_t pids[SENDERS];
	uint32_t got[SENDERS];

	/* A new port's queue limit is MACH_PORT_QLIMIT_DEFAULT (ipc_port.c: ipc_port_init). */
	ASSERT_EQ(MACH_PORT_QLIMIT_DEFAULT, mt_status(mach_task_self(), self->port).mps_qlimit);
	for (uint32_t i = 0; i < SENDERS; i++)
		ASSERT_LT(0, pids[i] = spawn_sender(getpid(), self->port, i, COUNT, 0, 0));
	ASSERT_TRUE(wait_queued(self->port, MACH_PORT_QLIMIT_DEFAULT));
	usleep(200000);
	/* Still exactly full, and nobody finished: the others are blocked. */
	EXPECT_EQ(MACH_PORT_QLIMIT_DEFAULT, mt_status(mach_task_self(), self->port).mps_msgcount);
	for (uint32_t i = 0; i < SENDERS; i++)
		EXPECT_TRUE(still_running(pids[i]));

	/* Our own send to the full queue times out when it should. */
	mach_port_t send = MACH_PORT_NULL;
	mach_msg_type_name_t type;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(mach_task_self(), self->port, MACH_MSG_TYPE_MAKE_SEND, &send,
							&type));
	int64_t t0 = mt_now_ms();

	EXPECT_EQ(MACH_SEND_TIMED_OUT, mt_send(send, COPY_SEND_BITS, MACH_PORT_NULL, FLOOD_ID, 0, MACH_SEND_TIMEOUT, 100));
	int64_t waited = mt_now_ms() - t0;

	EXPECT_GE(waited, 95);
	EXPECT_LT(waited, 5000);
	EXPECT_EQ(MACH_SEND_TIMED_OUT, mt_send(send, COPY_SEND_BITS, MACH_PORT_NULL, FLOOD_ID, 0, MACH_SEND_TIMEOUT, 0));

	drain(_metadata, self->port, SENDERS, got, SENDERS * COUNT, 0);
	for (uint32_t i = 0; i < SENDERS; i++) {
		EXPECT_EQ(COUNT, got[i]);
		EXPECT_EQ(0, mt_wait(pids[i]));
	}
}

TEST_F(flood, a_limit_set_by_attributes_makes_timed_senders_time_out_and_retry)
{
	enum { SENDERS = 3, COUNT = 30 };
	pid_t pids[SENDERS];
	uint32_t got[SENDERS];

	set_qlimit(_metadata, self->port, 2);
	for (uint32_t i = 0; i < SENDERS; i++)
		ASSERT_LT(0, pids[i] = spawn_sender(getpid(), self->port, i, COUNT, MACH_SEND_TIMEOUT, 20));
	/* Two slots for three senders: someone times out while we wait. */
	ASSERT_TRUE(wait_queued(self->port, 2));
	usleep(300000);
	EXPECT_EQ(2, mt_status(mach_task_self(), self->port).mps_msgcount);
	drain(_metadata, self->port, SENDERS, got, SENDERS * COUNT, 0);
	int timed_out = 0;

	for (uint32_t i = 0; i < SENDERS; i++) {
		EXPECT_EQ(COUNT, got[i]);
		int status = mt_wait(pids[i]);

		EXPECT_LE(status, 1);
		timed_out += status == 1;
	}
	EXPECT_GE(timed_out, 1);
}

TEST_F(flood, a_sender_killed_while_blocked_loses_nothing_of_the_others)
{
	pid_t victim, survivor;
	uint32_t got[2];
	mt_buffer_t buf;

	set_qlimit(_metadata, self->port, 1);
	ASSERT_LT(0, victim = spawn_sender(getpid(), self->port, 0, 3, 0, 0));
	ASSERT_LT(0, survivor = spawn_sender(getpid(), self->port, 1, 3, 0, 0));
	ASSERT_TRUE(wait_queued(self->port, 1));
	usleep(200000);
	ASSERT_TRUE(still_running(victim));
	ASSERT_TRUE(still_running(survivor));
	kill(victim, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, mt_wait(victim));
	/*
	 * The server learns of the death asynchronously; once it has, the
	 * blocked send is aborted as XNU aborts a killed thread's wait, so the
	 * victim's blocked message is never delivered.
	 */
	for (int64_t end = mt_now_ms() + 10000; server_knows(victim) && mt_now_ms() < end;)
		usleep(2000);
	ASSERT_FALSE(server_knows(victim));

	/* The victim's one queued message, then the survivor's three in order. */
	memset(got, 0, sizeof(got));
	while (mt_receive(self->port, &buf, 0, got[1] < 3 ? 10000 : 300) == MACH_MSG_SUCCESS) {
		uint64_t payload = mt_payload(&buf);
		uint32_t sender = (uint32_t)(payload >> 32);

		ASSERT_LT(sender, 2);
		ASSERT_EQ(got[sender], (uint32_t)payload);
		got[sender]++;
	}
	EXPECT_EQ(3, got[1]);
	EXPECT_LE(got[0], 1);
	EXPECT_EQ(0, mt_wait(survivor));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_receive(self->port, &buf, 0, 0));
	/* The port still works. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(self->port, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL, 1,
					    0, 0, 0));
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_receive(self->port, &buf, 0, 1000));
}

/*
 * Blocked senders whose port dies are woken; XNU's ipc_kmsg_send turns the
 * MACH_SEND_INVALID_DEST of ipc_mqueue_send into success ("treat the
 * message as a successful delivery") and destroys the message. The next
 * send finds a dead name: MACH_SEND_INVALID_DEST.
 */
TEST_F(flood, destroying_the_receive_right_wakes_blocked_senders)
{
	enum { SENDERS = 2 };
	pid_t pids[SENDERS];

	set_qlimit(_metadata, self->port, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(self->port, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL, 1,
					    0, 0, 0));
	for (int i = 0; i < SENDERS; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			mach_port_t right = mt_right_from(getppid(), self->port, MACH_MSG_TYPE_MAKE_SEND);

			if (right == MACH_PORT_NULL)
				_exit(10);
			if (mt_send(right, COPY_SEND_BITS, MACH_PORT_NULL, FLOOD_ID, 0, 0, 0) != MACH_MSG_SUCCESS)
				_exit(11);
			if (mt_send(right, COPY_SEND_BITS, MACH_PORT_NULL, FLOOD_ID, 0, 0, 0) != MACH_SEND_INVALID_DEST)
				_exit(12);
			_exit(mt_type(mach_task_self(), right, NULL) == MACH_PORT_TYPE_DEAD_NAME ? 0 : 13);
		}
	}
	usleep(300000);
	for (int i = 0; i < SENDERS; i++)
		ASSERT_TRUE(still_running(pids[i]));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), self->port, MACH_PORT_RIGHT_RECEIVE, -1));
	for (int i = 0; i < SENDERS; i++)
		EXPECT_EQ(0, mt_wait(pids[i]));
}

/* ipc_mqueue_send: a message to a send-once right is never held back by the limit. */
TEST_F(flood, send_once_messages_bypass_a_full_queue)
{
	enum { ONCE = 5 };
	mt_buffer_t buf;

	set_qlimit(_metadata, self->port, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(self->port, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL, 0,
					    0, 0, 0));
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t send = mt_right_from(getppid(), self->port, MACH_MSG_TYPE_MAKE_SEND);

		if (mt_send(send, COPY_SEND_BITS, MACH_PORT_NULL, 0, 0, MACH_SEND_TIMEOUT, 0) != MACH_SEND_TIMED_OUT)
			_exit(10);
		for (int i = 1; i <= ONCE; i++) {
			mach_port_t once = mt_right_from(getppid(), self->port, MACH_MSG_TYPE_MAKE_SEND_ONCE);

			if (mt_send(once, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), MACH_PORT_NULL, i, 0,
				    MACH_SEND_TIMEOUT, 0) != MACH_MSG_SUCCESS)
				_exit(11);
			/* Used up by its one message. */
			kern_return_t kr;

			if (mt_type(mach_task_self(), once, &kr) != 0 || kr != KERN_INVALID_NAME)
				_exit(12);
		}
		_exit(0);
	}
	EXPECT_EQ(0, mt_wait(pid));
	EXPECT_EQ(1 + ONCE, mt_status(mach_task_self(), self->port).mps_msgcount);
	for (int i = 0; i <= ONCE; i++) {
		ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(self->port, &buf, 0, 1000));
		EXPECT_EQ(i, buf.header.msgh_id);
		EXPECT_EQ(i ? MACH_MSG_TYPE_PORT_SEND_ONCE : MACH_MSG_TYPE_PORT_SEND,
			  MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
	}
}

struct __attribute__((packed, aligned(4))) ool_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_descriptor_t ool;
};

/*
 * dserver bounds the bytes a task has queued and not yet received
 * (IPC_TASK_MAX_QUEUED_BYTES, 256 MiB, xnu/ipc/ipc_kmsg.c): past it a send
 * fails as XNU's does when it cannot get a kernel buffer,
 * MACH_SEND_NO_BUFFER. The quota is the sender's: other tasks still send.
 */
TEST_F(flood, the_queued_bytes_quota_refuses_with_no_buffer_and_is_per_task)
{
	enum { MIB = 1 << 20, CHUNK = 16 * MIB };
	int go[2], count_pipe[2];

	set_qlimit(_metadata, self->port, MACH_PORT_QLIMIT_MAX);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(count_pipe));
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		mach_port_t send = mt_right_from(getppid(), self->port, MACH_MSG_TYPE_MAKE_SEND);
		void *data = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct ool_msg m = { .header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX,
						 .msgh_remote_port = send, .msgh_id = 7 },
				     .body = { 1 },
				     .ool = { .address = data, .size = CHUNK, .copy = MACH_MSG_PHYSICAL_COPY,
					      .type = MACH_MSG_OOL_DESCRIPTOR } };
		mach_msg_return_t mr;
		int sent = 0;
		char c;

		if (send == MACH_PORT_NULL || data == MAP_FAILED)
			_exit(100);
		while ((mr = mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(m), 0, MACH_PORT_NULL, 0,
				      MACH_PORT_NULL)) == MACH_MSG_SUCCESS && sent < 64)
			sent++;
		if (write(count_pipe[1], &sent, sizeof(sent)) != sizeof(sent) || mr != MACH_SEND_NO_BUFFER)
			_exit(101);
		/* Once the parent received one, there is room again. */
		if (read(go[0], &c, 1) != 1)
			_exit(102);
		_exit(mach_msg(&m.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(m), 0, MACH_PORT_NULL, 0,
			       MACH_PORT_NULL) == MACH_MSG_SUCCESS ? 0 : 103);
	}
	int sent = 0;

	ASSERT_EQ(sizeof(sent), read(count_pipe[0], &sent, sizeof(sent)));
	/* 16 chunks are the whole quota; the bookkeeping of each message tips the 16th over. */
	EXPECT_EQ(15, sent);
	/* Another task is not concerned. */
	EXPECT_EQ(MACH_MSG_SUCCESS, mt_send(self->port, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL,
					    8, 0, MACH_SEND_TIMEOUT, 0));
	struct {
		struct ool_msg m;
		mach_msg_trailer_t trailer;
	} big;

	memset(&big, 0, sizeof(big));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&big.m.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(big),
					     self->port, 5000, MACH_PORT_NULL));
	EXPECT_EQ(CHUNK, big.m.ool.size);
	munmap(big.m.ool.address, CHUNK);
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, mt_wait(pid));
	EXPECT_EQ(16, mt_status(mach_task_self(), self->port).mps_msgcount);
}

/*
 * A space holds at most IPC_SPACE_MAX_ENTRIES names (XNU's table limit on
 * its smaller configurations). Send-once rights never share a name, so
 * messages full of them fill the space: a receive then gets
 * MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE with MACH_PORT_NULL where no
 * name was left (ipc_kmsg.c: ipc_kmsg_copyout_object), and
 * mach_port_allocate gets KERN_NO_SPACE (ipc_entry.c: ipc_entry_grow_table).
 * Other tasks are not concerned.
 */
TEST_F(flood, a_full_name_space_gives_no_space_errors)
{
	enum { PER_MSG = 16000 };
	mach_port_t sink = mt_port(1), *names = calloc(PER_MSG, sizeof(*names));
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_ool_ports_descriptor_t ports;
		mach_msg_trailer_t trailer;
	} m;
	mach_msg_return_t mr = MACH_MSG_SUCCESS;
	int messages = 0;

	ASSERT_NE(NULL, names);
	for (int i = 0; i < PER_MSG; i++)
		names[i] = self->port;
	while (mr == MACH_MSG_SUCCESS && messages < 20) {
		memset(&m, 0, sizeof(m));
		m.header = (mach_msg_header_t){ .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) |
							     MACH_MSGH_BITS_COMPLEX,
						.msgh_remote_port = sink };
		m.body.msgh_descriptor_count = 1;
		m.ports = (mach_msg_ool_ports_descriptor_t){ .address = names, .count = PER_MSG,
							     .copy = MACH_MSG_PHYSICAL_COPY,
							     .disposition = MACH_MSG_TYPE_MAKE_SEND_ONCE,
							     .type = MACH_MSG_OOL_PORTS_DESCRIPTOR };
		mr = mach_msg(&m.header, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
			      sizeof(m) - sizeof(m.trailer), sizeof(m), sink, 5000, MACH_PORT_NULL);
		messages++;
	}
	ASSERT_EQ(MACH_RCV_BODY_ERROR | MACH_MSG_IPC_SPACE, mr);
	EXPECT_GE(messages, 8);
	ASSERT_EQ(PER_MSG, m.ports.count);
	const mach_port_t *got = m.ports.address;
	int null_names = 0;

	for (int i = 0; i < PER_MSG; i++) {
		EXPECT_NE(MACH_PORT_DEAD, got[i]);
		null_names += got[i] == MACH_PORT_NULL;
	}
	EXPECT_GT(null_names, 0);
	EXPECT_LT(null_names, PER_MSG);
	mach_port_t name;

	EXPECT_EQ(KERN_NO_SPACE, mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name));
	EXPECT_EQ(MACH_PORT_NULL, mach_reply_port());
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mt_port(1) != MACH_PORT_NULL ? 0 : 1);
	EXPECT_EQ(0, mt_wait(pid));
	/* One name freed, one name available. */
	for (int i = 0; i < PER_MSG; i++) {
		if (got[i] != MACH_PORT_NULL) {
			EXPECT_EQ(KERN_SUCCESS, mach_port_deallocate(mach_task_self(), got[i]));
			break;
		}
	}
	EXPECT_EQ(KERN_SUCCESS, mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &name));
	free(names);
}

TEST_HARNESS_MAIN
