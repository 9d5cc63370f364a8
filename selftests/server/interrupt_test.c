/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interrupt contexts on the wire (PROTOCOL.md §7.3-§7.5, W3), from a raw
 * client: unbalanced and ill-timed interrupt_enter / interrupt_exit /
 * push_reply, nested contexts, an enter while a call is blocked, and an
 * enter racing a reply that was already sent. The fixture checks that the
 * server's descriptors are back where they were and that it exits with
 * status 0 (so, under ASan, without a leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define CALL_FORK_WAIT      11u
#define CALL_ENTER          14u
#define CALL_EXIT           15u
#define CALL_S2C_PERFORM    24u
#define CALL_TASK_SELF      33u
#define CALL_MACH_MSG       38u
#define CALL_PORT_ALLOCATE  40u
#define PUSH_REPLY          0x0BADCA11u

#define MACH_RCV_MSG         2
#define MACH_RCV_INTERRUPTED 0x10004005
#define RIGHT_RECEIVE        1

#define REPLY_MS    5000
#define SILENCE_MS  200

FIXTURE(irq) {
	struct test_server server;
	int sock;
	int fds_before;
};

FIXTURE_SETUP(irq)
{
	ASSERT_EQ(0, test_server_start(&self->server, NULL));
	self->sock = raw_socket();
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, raw_checkin(self->sock, &self->server, 0));
	self->fds_before = test_server_fd_count(&self->server);
}

FIXTURE_TEARDOWN(irq)
{
	close(self->sock);
	EXPECT_EQ(0, test_server_stop(&self->server));
}

static int send_simple(int sock, const struct test_server *s, uint32_t number)
{
	unsigned char req[16];

	raw_header(req, number);
	return raw_send(sock, s, req, sizeof(req), -1);
}

/* The next datagram must be the reply to `number` with `code`. */
static void expect_reply(struct __test_metadata *_metadata, int sock, uint32_t number, int32_t code)
{
	unsigned char rep[64];
	int fd;
	ssize_t n = raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS);

	ASSERT_LE(8, n) TH_LOG("no reply to call %u", number);
	EXPECT_EQ(number, get32(rep, 0));
	EXPECT_EQ(code, (int32_t)get32(rep, 4)) TH_LOG("call %u", number);
	if (fd >= 0)
		close(fd);
}

static void expect_silence(struct __test_metadata *_metadata, int sock)
{
	unsigned char rep[64];
	int fd;

	EXPECT_EQ(-EAGAIN, raw_receive(sock, rep, sizeof(rep), &fd, SILENCE_MS));
}

/* A receive right of our own, through the raw traps. */
static uint32_t new_port(struct __test_metadata *_metadata, int sock, const struct test_server *s)
{
	unsigned char req[32], rep[64];
	static uint32_t name;
	uint32_t task;

	raw_header(req, CALL_TASK_SELF);
	EXPECT_EQ(12, raw_call(sock, s, req, 16, -1, rep, sizeof(rep), NULL));
	task = get32(rep, 8);
	raw_header(req, CALL_PORT_ALLOCATE);
	put32(req, 16, task);
	put32(req, 20, RIGHT_RECEIVE);
	put64(req, 24, (uint64_t)(uintptr_t)&name);
	EXPECT_EQ(8, raw_call(sock, s, req, 32, -1, rep, sizeof(rep), NULL));
	EXPECT_EQ(0, get32(rep, 4));
	return name;
}

/* Start a receive on an empty port: it blocks in the server. */
static void start_blocked_receive(int sock, const struct test_server *s, uint32_t port, void *buffer)
{
	unsigned char req[56] = { 0 };

	raw_header(req, CALL_MACH_MSG);
	put64(req, 16, (uint64_t)(uintptr_t)buffer);
	put32(req, 24, MACH_RCV_MSG);
	put32(req, 32, 256);
	put32(req, 36, port);
	raw_send(sock, s, req, sizeof(req), -1);
}

/* push_reply of size bytes at `reply`; returns once the handshake byte came (true) or not. */
static bool push_reply(int sock, const struct test_server *s, const void *reply, uint64_t size)
{
	unsigned char req[32];
	struct pollfd pfd;
	int pipe_fds[2];
	char byte;
	bool ok;

	if (pipe(pipe_fds) != 0)
		return false;
	raw_header(req, PUSH_REPLY);
	put64(req, 16, (uint64_t)(uintptr_t)reply);
	put64(req, 24, size);
	raw_send(sock, s, req, sizeof(req), pipe_fds[1]);
	close(pipe_fds[1]);
	pfd = (struct pollfd){ .fd = pipe_fds[0], .events = POLLIN };
	ok = poll(&pfd, 1, REPLY_MS) == 1 && read(pipe_fds[0], &byte, 1) == 1;
	close(pipe_fds[0]);
	return ok;
}

TEST_F(irq, exit_without_enter_is_einval)
{
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
	/* Nothing changed: a normal call is served. */
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
}

TEST_F(irq, push_reply_outside_an_interrupt_completes_the_handshake)
{
	unsigned char stray[12] = { 0 };

	put32(stray, 0, CALL_TASK_SELF);
	EXPECT_TRUE(push_reply(self->sock, &self->server, stray, sizeof(stray)));
	expect_silence(_metadata, self->sock);
	EXPECT_EQ(self->fds_before, test_server_fd_count(&self->server));
}

TEST_F(irq, contexts_nest_and_unwind)
{
	for (int depth = 0; depth < 5; depth++) {
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
		expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	}
	/* A call inside the innermost handler is an ordinary call. */
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
	for (int depth = 0; depth < 5; depth++) {
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
		expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	}
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
}

TEST_F(irq, nesting_is_bounded)
{
	int entered = 0;

	for (int i = 0; i < 100; i++) {
		unsigned char rep[64];
		int fd;

		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
		ASSERT_EQ(8, raw_receive(self->sock, rep, sizeof(rep), &fd, REPLY_MS));
		if (get32(rep, 4) != 0)
			break;
		entered++;
	}
	EXPECT_GT(100, entered) TH_LOG("a client could nest contexts without limit");
	EXPECT_LE(8, entered);
	for (int i = 0; i < entered; i++) {
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
		expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	}
}

TEST_F(irq, enter_aborts_a_blocked_receive_and_holds_its_reply)
{
	static unsigned char buffer[256];
	uint32_t port = new_port(_metadata, self->sock, &self->server);

	start_blocked_receive(self->sock, &self->server, port, buffer);
	expect_silence(_metadata, self->sock);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
	/* The receive ended, but its reply is held: the enter's reply comes alone. */
	expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	expect_silence(_metadata, self->sock);
	/* A handler's calls are served meanwhile. */
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	/* §7.5: the exit's reply first, then the held one. */
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	expect_reply(_metadata, self->sock, CALL_MACH_MSG, MACH_RCV_INTERRUPTED);
}

TEST_F(irq, enter_aborts_fork_wait_which_answers_zero)
{
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_FORK_WAIT));
	expect_silence(_metadata, self->sock);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
	expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	expect_reply(_metadata, self->sock, CALL_FORK_WAIT, 0);
}

TEST_F(irq, enter_racing_a_reply_gets_it_pushed_back)
{
	unsigned char stray[64];
	int fd;

	/* The call is answered before the enter arrives: its reply is already on our socket. */
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	struct pollfd pfd = { .fd = self->sock, .events = POLLIN };

	ASSERT_EQ(1, poll(&pfd, 1, REPLY_MS));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
	ASSERT_EQ(12, raw_receive(self->sock, stray, sizeof(stray), &fd, REPLY_MS));
	ASSERT_EQ(CALL_TASK_SELF, get32(stray, 0));
	uint32_t name = get32(stray, 8);

	ASSERT_TRUE(push_reply(self->sock, &self->server, stray, 12));
	expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	/* The pushed reply comes back, unchanged, after the exit's. */
	unsigned char back[64];

	ASSERT_EQ(12, raw_receive(self->sock, back, sizeof(back), &fd, REPLY_MS));
	EXPECT_EQ(CALL_TASK_SELF, get32(back, 0));
	EXPECT_EQ(name, get32(back, 8));
	EXPECT_EQ(self->fds_before, test_server_fd_count(&self->server));
}

TEST_F(irq, a_second_push_into_a_full_slot_is_discarded)
{
	unsigned char one[12] = { 0 }, two[12] = { 0 }, back[64];
	int fd;

	put32(one, 0, 1001);
	put32(two, 0, 1002);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
	expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	EXPECT_TRUE(push_reply(self->sock, &self->server, one, sizeof(one)));
	EXPECT_TRUE(push_reply(self->sock, &self->server, two, sizeof(two)));
	/* Impossible sizes and unreadable memory: handshake, nothing stored. */
	EXPECT_TRUE(push_reply(self->sock, &self->server, one, 100000));
	EXPECT_TRUE(push_reply(self->sock, &self->server, (void *)16, 12));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	ASSERT_EQ(12, raw_receive(self->sock, back, sizeof(back), &fd, REPLY_MS));
	EXPECT_EQ(1001u, get32(back, 0));
	expect_silence(_metadata, self->sock);
}

TEST_F(irq, a_spurious_s2c_perform_answers_at_once)
{
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_ENTER));
	expect_reply(_metadata, self->sock, CALL_ENTER, 0);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_S2C_PERFORM));
	expect_reply(_metadata, self->sock, CALL_S2C_PERFORM, 0);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
}

/* A process that dies with contexts, held replies and blocked calls leaves nothing behind. */
TEST_F(irq, death_inside_nested_interrupts_leaks_nothing)
{
	for (int round = 0; round < 3; round++) {
		pid_t child = fork();

		ASSERT_LE(0, child);
		if (child == 0) {
			static unsigned char buffer[256];
			int sock = raw_socket();
			unsigned char rep[64], stray[12] = { 0 };
			int fd;

			raw_checkin(sock, &self->server, 0);
			uint32_t port = new_port(_metadata, sock, &self->server);

			start_blocked_receive(sock, &self->server, port, buffer);
			send_simple(sock, &self->server, CALL_ENTER);
			raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS);
			if (round > 0) {
				send_simple(sock, &self->server, CALL_FORK_WAIT);
				send_simple(sock, &self->server, CALL_ENTER);
				raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS);
			}
			if (round > 1)
				push_reply(sock, &self->server, stray, sizeof(stray));
			start_blocked_receive(sock, &self->server, port, buffer);
			_exit(0);
		}
		ASSERT_EQ(child, waitpid(child, NULL, 0));
	}
	/* The server noticed the deaths and still serves. */
	for (int i = 0; i < 50 && test_server_fd_count(&self->server) != self->fds_before; i++)
		usleep(20000);
	EXPECT_EQ(self->fds_before, test_server_fd_count(&self->server));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
}

TEST_HARNESS_MAIN
