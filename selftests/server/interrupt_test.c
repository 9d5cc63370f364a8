/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interrupt contexts on the wire (PROTOCOL.md §7.3-§7.5, W3), from a raw
 * client: unbalanced and ill-timed interrupt_enter / interrupt_exit /
 * push_reply, nested contexts, an enter while a call is blocked, and an
 * enter racing a reply that was already sent; and dserver's
 * interrupt_enter_sigprocess (§11), which enters and processes a signal in
 * one call, on its error paths. The fixture checks that the
 * server's descriptors are back where they were and that it exits with
 * status 0 (so, under ASan, without a leak).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define CALL_FORK_WAIT      11u
#define CALL_ENTER          14u
#define CALL_EXIT           15u
#define CALL_SIGPROCESS     12u
#define CALL_S2C_PERFORM    24u
#define CALL_TASK_SELF      33u
#define CALL_MACH_MSG       38u
#define CALL_PORT_ALLOCATE  40u
#define PUSH_REPLY          0x0BADCA11u
#define CALL_ENTER_SIGPROCESS 0x40000003u
#define CALL_DSERVER_STATS  0xC0000001u
#define STATS_REPLY         64
#define STATS_SIGNAL_PATH   48
#define SIGNAL_PATH_EBPF    1
#define FROM_RECORD         0x4u

/* interrupt_enter_sigprocess: request and reply sizes, reply fields (§11). */
#define ESP_REQUEST        72
#define ESP_REPLY          32
#define ESP_NEW_SIGNAL     8
#define ESP_PROCESS_ERROR  12
#define ESP_FLAGS          16
#define ESP_RECORD_SEQ     24

#define LINUX_SIGUSR1  10
#define DARWIN_SIGUSR1 30
#define LINUX_SIGSEGV  11
#define DARWIN_SIGSEGV 11
#define THREAD_STATE_SIZE 168
#define FLOAT_STATE_SIZE  524
#define UNMAPPED ((uint64_t)16) /* below mmap_min_addr: never readable */

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

/* ---- interrupt_enter_sigprocess (§11) ---- */

/* Registers as a signal handler would pass them (x86_thread_state64, x86_float_state64). */
struct mach_states {
	uint64_t thread[THREAD_STATE_SIZE / 8];
	unsigned char fpu[FLOAT_STATE_SIZE];
};

static void fill_states(struct mach_states *st)
{
	for (size_t i = 0; i < THREAD_STATE_SIZE / 8; i++)
		st->thread[i] = 0x1111000000000000ull + i;
	for (size_t i = 0; i < FLOAT_STATE_SIZE; i++)
		st->fpu[i] = (unsigned char)(i * 7 + 3);
}

struct esp_signal {
	int32_t bsd, linux_signal, code;
	uint64_t address, thread_state, float_state;
};

static int send_enter_sigprocess(int sock, const struct test_server *s, const struct esp_signal *sig, size_t size)
{
	unsigned char req[ESP_REQUEST] = { 0 };

	raw_header(req, CALL_ENTER_SIGPROCESS);
	put32(req, 16, (uint32_t)sig->bsd);
	put32(req, 20, (uint32_t)sig->linux_signal);
	put32(req, 24, 0);
	put32(req, 28, (uint32_t)sig->code);
	put64(req, 32, sig->address);
	put64(req, 40, sig->thread_state);
	put64(req, 48, sig->float_state);
	/* rip and rsp as a handler would send them: the thread state's. No record can match them. */
	put64(req, 56, 0x7f0000001234ull);
	put64(req, 64, 0x7ffd00005678ull);
	return raw_send(sock, s, req, size, -1);
}

/* The reply to interrupt_enter_sigprocess: exactly ESP_REPLY bytes; returns its code. */
static int32_t receive_enter_sigprocess(struct __test_metadata *_metadata, int sock, unsigned char *rep)
{
	int fd;
	ssize_t n = raw_receive(sock, rep, 64, &fd, REPLY_MS);

	EXPECT_EQ(ESP_REPLY, n);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(CALL_ENTER_SIGPROCESS, get32(rep, 0));
	return n == ESP_REPLY ? (int32_t)get32(rep, 4) : INT32_MIN;
}

static struct esp_signal usr1_signal(const struct mach_states *st)
{
	return (struct esp_signal){ DARWIN_SIGUSR1, LINUX_SIGUSR1, SI_USER, 0, (uint64_t)(uintptr_t)st->thread,
				    (uint64_t)(uintptr_t)st->fpu };
}

/*
 * A client that never looked for the markers may still send it: without
 * a record for its signal, the server copies the states in, processes the
 * signal, writes nothing back (no debugger changed anything) and says so.
 */
TEST_F(irq, enter_sigprocess_without_a_record_copies_the_state_in)
{
	static struct mach_states st, before;
	unsigned char rep[64];

	fill_states(&st);
	before = st;
	struct esp_signal usr1 = usr1_signal(&st);
	struct esp_signal segv = { DARWIN_SIGSEGV, LINUX_SIGSEGV, SEGV_MAPERR, 0x8f48, usr1.thread_state,
				   usr1.float_state };

	ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &usr1, ESP_REQUEST));
	ASSERT_EQ(0, receive_enter_sigprocess(_metadata, self->sock, rep));
	EXPECT_EQ(DARWIN_SIGUSR1, (int32_t)get32(rep, ESP_NEW_SIGNAL));
	EXPECT_EQ(0, (int32_t)get32(rep, ESP_PROCESS_ERROR));
	EXPECT_EQ(0u, get32(rep, ESP_FLAGS));
	EXPECT_EQ(0u, get64(rep, ESP_RECORD_SEQ));
	EXPECT_EQ(0, memcmp(&st, &before, sizeof(st)));
	/* A fault nobody handles comes back as its Darwin signal; the handler's calls are served. */
	ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &segv, ESP_REQUEST));
	ASSERT_EQ(0, receive_enter_sigprocess(_metadata, self->sock, rep));
	EXPECT_EQ(DARWIN_SIGSEGV, (int32_t)get32(rep, ESP_NEW_SIGNAL));
	EXPECT_EQ(0, (int32_t)get32(rep, ESP_PROCESS_ERROR));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
	/* Two contexts were pushed, and only two. */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
		expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	}
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
}

TEST_F(irq, enter_sigprocess_too_short_is_einval_and_pushes_nothing)
{
	static struct mach_states st;
	unsigned char rep[64];
	struct esp_signal usr1 = usr1_signal(&st);

	/* The request of sigprocess's size, without rip and rsp. */
	ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &usr1, 56));
	EXPECT_EQ(-EINVAL, receive_enter_sigprocess(_metadata, self->sock, rep));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
}

TEST_F(irq, enter_sigprocess_nesting_is_bounded)
{
	static struct mach_states st;
	unsigned char rep[64];
	struct esp_signal usr1 = usr1_signal(&st);
	int entered = 0;
	int32_t code = 0;

	fill_states(&st);
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &usr1, ESP_REQUEST));
		code = receive_enter_sigprocess(_metadata, self->sock, rep);
		if (code != 0)
			break;
		entered++;
	}
	EXPECT_GT(100, entered) TH_LOG("a client could nest contexts without limit");
	EXPECT_LE(8, entered);
	/* Refused as a whole: an error code, a zero body, and no context. */
	EXPECT_GT(0, code);
	EXPECT_EQ(0, (int32_t)get32(rep, ESP_NEW_SIGNAL));
	EXPECT_EQ(0u, get32(rep, ESP_FLAGS));
	for (int i = 0; i < entered; i++) {
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
		expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	}
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
}

/* A state that cannot be read fails the processing, not the enter: the context stays until the exit. */
TEST_F(irq, enter_sigprocess_with_unreadable_states_fails_the_processing_only)
{
	static struct mach_states st;
	unsigned char rep[64];
	struct esp_signal bad_thread = usr1_signal(&st), bad_float = usr1_signal(&st), none = usr1_signal(&st);

	bad_thread.thread_state = UNMAPPED;
	bad_float.float_state = UNMAPPED;
	none.thread_state = 0;
	none.float_state = 0;
	const struct esp_signal *cases[] = { &bad_thread, &bad_float, &none };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, cases[i], ESP_REQUEST));
		ASSERT_EQ(0, receive_enter_sigprocess(_metadata, self->sock, rep)) TH_LOG("case %zu", i);
		EXPECT_EQ(-EFAULT, (int32_t)get32(rep, ESP_PROCESS_ERROR)) TH_LOG("case %zu", i);
		EXPECT_EQ(0u, get32(rep, ESP_FLAGS));
		EXPECT_EQ(0, (int32_t)get32(rep, ESP_NEW_SIGNAL));
		ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
		expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	}
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, -EINVAL);
}

/* As interrupt_enter (§7.3): the blocked call ends, and its reply waits for the exit. */
TEST_F(irq, enter_sigprocess_aborts_a_blocked_receive_and_holds_its_reply)
{
	static unsigned char buffer[256];
	static struct mach_states st;
	unsigned char rep[64];
	uint32_t port = new_port(_metadata, self->sock, &self->server);
	struct esp_signal usr1 = usr1_signal(&st);

	fill_states(&st);
	start_blocked_receive(self->sock, &self->server, port, buffer);
	expect_silence(_metadata, self->sock);
	ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &usr1, ESP_REQUEST));
	ASSERT_EQ(0, receive_enter_sigprocess(_metadata, self->sock, rep));
	EXPECT_EQ(DARWIN_SIGUSR1, (int32_t)get32(rep, ESP_NEW_SIGNAL));
	expect_silence(_metadata, self->sock);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	expect_reply(_metadata, self->sock, CALL_MACH_MSG, MACH_RCV_INTERRUPTED);
}

/* §7.4: a reply that was already on its way is pushed back into the context this call pushed. */
TEST_F(irq, enter_sigprocess_racing_a_reply_gets_it_pushed_back)
{
	static struct mach_states st;
	unsigned char stray[64], rep[64], back[64];
	struct esp_signal usr1 = usr1_signal(&st);
	int fd;

	fill_states(&st);
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	struct pollfd pfd = { .fd = self->sock, .events = POLLIN };

	ASSERT_EQ(1, poll(&pfd, 1, REPLY_MS));
	ASSERT_EQ(0, send_enter_sigprocess(self->sock, &self->server, &usr1, ESP_REQUEST));
	ASSERT_EQ(12, raw_receive(self->sock, stray, sizeof(stray), &fd, REPLY_MS));
	ASSERT_EQ(CALL_TASK_SELF, get32(stray, 0));
	ASSERT_TRUE(push_reply(self->sock, &self->server, stray, 12));
	ASSERT_EQ(0, receive_enter_sigprocess(_metadata, self->sock, rep));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_EXIT));
	expect_reply(_metadata, self->sock, CALL_EXIT, 0);
	ASSERT_EQ(12, raw_receive(self->sock, back, sizeof(back), &fd, REPLY_MS));
	EXPECT_EQ(0, memcmp(stray, back, 12));
}

/* ---- the signal records themselves ---- */

/* Whether the server says it has eBPF signal records (dserver_stats signal_path, §11). */
static bool server_records_signals(struct __test_metadata *_metadata, int sock, const struct test_server *s)
{
	unsigned char req[16], rep[STATS_REPLY + 8];
	int fd = -1;

	raw_header(req, CALL_DSERVER_STATS);
	ssize_t n = raw_call(sock, s, req, sizeof(req), -1, rep, sizeof(rep), &fd);

	if (fd >= 0)
		close(fd);
	EXPECT_EQ(STATS_REPLY, n);
	EXPECT_EQ(0, (int32_t)get32(rep, 4));
	return n == STATS_REPLY && get32(rep, STATS_SIGNAL_PATH) == SIGNAL_PATH_EBPF;
}

/* Whether the abstract marker "\0<prefix>:<st_dev>:<st_ino>" of the server socket is bound (§11). */
static bool marker_bound(const struct test_server *s, const char *prefix)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	bool bound;
	int fd, len;

	if (stat(s->socket_path, &st) != 0)
		return false;
	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "%s:%llx:%llx", prefix,
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bound = fd >= 0 && connect(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) == 0;
	if (fd >= 0)
		close(fd);
	return bound;
}

/* What a real signal handler of this thread sent and got (it cannot use the harness's checks). */
static struct {
	int sock;
	const struct test_server *server;
	bool plain;                /* interrupt_enter and sigprocess instead */
	int32_t enter_code, exit_code;
	ssize_t reply_size;
	unsigned char reply[64];
} handler_run;

/*
 * The handler of a signal this thread sends itself: its registers are in
 * a record if the server has them. It passes unreadable state addresses:
 * a call answered from the record never reads them.
 */
static void record_handler(int sig, siginfo_t *info, void *context)
{
	const ucontext_t *uc = context;
	unsigned char req[ESP_REQUEST] = { 0 }, rep[64];
	int sock = handler_run.sock, fd;

	raw_header(req, handler_run.plain ? CALL_SIGPROCESS : CALL_ENTER_SIGPROCESS);
	put32(req, 16, DARWIN_SIGUSR1);
	put32(req, 20, (uint32_t)sig);
	put32(req, 24, (uint32_t)info->si_pid);
	put32(req, 28, (uint32_t)info->si_code);
	put64(req, 40, UNMAPPED);
	put64(req, 48, UNMAPPED);
#if defined(__x86_64__)
	put64(req, 56, (uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
	put64(req, 64, (uint64_t)uc->uc_mcontext.gregs[REG_RSP]);
#else
	(void)uc;
#endif
	if (handler_run.plain) {
		send_simple(sock, handler_run.server, CALL_ENTER);
		handler_run.enter_code = raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS) == 8 ? (int32_t)get32(rep, 4)
											 : INT32_MIN;
	}
	raw_send(sock, handler_run.server, req, handler_run.plain ? 56 : ESP_REQUEST, -1);
	handler_run.reply_size = raw_receive(sock, handler_run.reply, sizeof(handler_run.reply), &fd, REPLY_MS);
	send_simple(sock, handler_run.server, CALL_EXIT);
	handler_run.exit_code = raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS) == 8 ? (int32_t)get32(rep, 4)
										 : INT32_MIN;
}

static void signal_self(struct __test_metadata *_metadata, FIXTURE_DATA(irq) *self, bool plain)
{
	struct sigaction sa = { .sa_sigaction = record_handler, .sa_flags = SA_SIGINFO };

	memset(&handler_run, 0, sizeof(handler_run));
	handler_run.sock = self->sock;
	handler_run.server = &self->server;
	handler_run.plain = plain;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, tgkill(getpid(), gettid(), SIGUSR1));
	signal(SIGUSR1, SIG_DFL);
	EXPECT_EQ(0, handler_run.exit_code);
}

/*
 * With eBPF signal records (signal_path 1), the signal-record marker is
 * bound, and a handler's interrupt_enter_sigprocess and sigprocess are
 * answered from the record, never reading the client's states. Without,
 * the marker is not bound and reading them fails.
 */
TEST_F(irq, a_signal_record_spares_reading_the_states)
{
#if !defined(__x86_64__)
	SKIP(return, "signal records exist for x86_64 only");
#endif
	bool records = server_records_signals(_metadata, self->sock, &self->server);

	EXPECT_TRUE(marker_bound(&self->server, "dserver-ext1"));
	EXPECT_EQ(records, marker_bound(&self->server, "dserver-ext1-sigrec"));

	signal_self(_metadata, self, false);
	ASSERT_EQ(ESP_REPLY, handler_run.reply_size);
	EXPECT_EQ(0, (int32_t)get32(handler_run.reply, 4));
	if (records) {
		EXPECT_EQ(0, (int32_t)get32(handler_run.reply, ESP_PROCESS_ERROR));
		EXPECT_EQ(DARWIN_SIGUSR1, (int32_t)get32(handler_run.reply, ESP_NEW_SIGNAL));
		EXPECT_EQ(FROM_RECORD, get32(handler_run.reply, ESP_FLAGS));
		uint64_t seq = get64(handler_run.reply, ESP_RECORD_SEQ);

		EXPECT_NE(0u, seq);
		EXPECT_EQ(0u, seq & 1);
	} else {
		EXPECT_EQ(-EFAULT, (int32_t)get32(handler_run.reply, ESP_PROCESS_ERROR));
		EXPECT_EQ(0u, get32(handler_run.reply, ESP_FLAGS));
		EXPECT_EQ(0u, get64(handler_run.reply, ESP_RECORD_SEQ));
	}

	/* An upstream client's sequence: sigprocess is answered from the record as well. */
	signal_self(_metadata, self, true);
	EXPECT_EQ(0, handler_run.enter_code);
	ASSERT_EQ(12, handler_run.reply_size);
	EXPECT_EQ(CALL_SIGPROCESS, get32(handler_run.reply, 0));
	EXPECT_EQ(records ? 0 : -EFAULT, (int32_t)get32(handler_run.reply, 4));
	EXPECT_EQ(records ? DARWIN_SIGUSR1 : 0, (int32_t)get32(handler_run.reply, 8));
}

/* Dying inside, or with the call unanswered, leaves nothing behind. */
TEST_F(irq, death_inside_enter_sigprocess_leaks_nothing)
{
	for (int round = 0; round < 3; round++) {
		pid_t child = fork();

		ASSERT_LE(0, child);
		if (child == 0) {
			static unsigned char buffer[256];
			static struct mach_states st;
			int sock = raw_socket();
			unsigned char rep[64];
			struct esp_signal usr1 = usr1_signal(&st);
			int fd;

			fill_states(&st);
			raw_checkin(sock, &self->server, 0);
			uint32_t port = new_port(_metadata, sock, &self->server);

			start_blocked_receive(sock, &self->server, port, buffer);
			send_enter_sigprocess(sock, &self->server, &usr1, ESP_REQUEST);
			raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS);
			if (round > 0) {
				start_blocked_receive(sock, &self->server, port, buffer);
				send_enter_sigprocess(sock, &self->server, &usr1, ESP_REQUEST);
				if (round > 1)
					raw_receive(sock, rep, sizeof(rep), &fd, REPLY_MS);
			}
			_exit(0);
		}
		ASSERT_EQ(child, waitpid(child, NULL, 0));
	}
	for (int i = 0; i < 50 && test_server_fd_count(&self->server) != self->fds_before; i++)
		usleep(20000);
	EXPECT_EQ(self->fds_before, test_server_fd_count(&self->server));
	ASSERT_EQ(0, send_simple(self->sock, &self->server, CALL_TASK_SELF));
	expect_reply(_metadata, self->sock, CALL_TASK_SELF, 0);
}

TEST_HARNESS_MAIN
