// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Real signals on real client processes through libdserver's signal support
 * (<dserver/signal.h>, PROTOCOL.md §7, §8): a thread blocked in a Mach
 * receive is signalled and its handler makes calls of its own; the receive
 * returns MACH_RCV_INTERRUPTED or is restarted, as the caller chose, and
 * every reply reaches its call. mach_vm_allocate on another process that is
 * running user code goes through signal 35 and s2c_perform.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>

#include "kselftest_harness.h"
#include "raw_client.h"

static struct test_server server;

struct payload_msg {
	mach_msg_header_t header;
	uint64_t value;
};

struct receive_buffer {
	struct payload_msg msg;
	mach_msg_max_trailer_t trailer;
};

static atomic_int handler_runs;
static atomic_int handler_call_failures;

/* A handler that talks to the server itself, in the middle of the interrupted call. */
static void busy_handler(int sig, siginfo_t *info, void *context)
{
	mach_port_t port = MACH_PORT_NULL;

	(void)sig;
	(void)info;
	(void)context;
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
	    mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) != KERN_SUCCESS)
		atomic_fetch_add(&handler_call_failures, 1);
	atomic_fetch_add(&handler_runs, 1);
}

FIXTURE(sig) {
	mach_port_t port;
};

FIXTURE_SETUP(sig)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	ASSERT_EQ(0, dserver_signal_init());
	ASSERT_EQ(0, dserver_signal_install(SIGUSR1, busy_handler));
	atomic_store(&handler_runs, 0);
	atomic_store(&handler_call_failures, 0);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(mach_task_self(), self->port, self->port,
						       MACH_MSG_TYPE_MAKE_SEND));
}

FIXTURE_TEARDOWN(sig)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

struct receiver {
	mach_port_t port;
	mach_msg_option_t extra;
	mach_msg_return_t result;
	uint64_t value;
	atomic_bool waiting;
};

static void *receive_thread(void *arg)
{
	struct receiver *r = arg;
	struct receive_buffer buffer;

	memset(&buffer, 0, sizeof(buffer));
	atomic_store(&r->waiting, true);
	r->result = mach_msg(&buffer.msg.header, MACH_RCV_MSG | r->extra, 0, sizeof(buffer), r->port,
			     MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	r->value = buffer.msg.value;
	return NULL;
}

static void pause_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static kern_return_t send_value(mach_port_t port, uint64_t value)
{
	struct payload_msg m = {
		.header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), .msgh_size = sizeof(m),
			    .msgh_remote_port = port, .msgh_id = 77 },
		.value = value,
	};

	return mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

TEST_F(sig, interrupted_receive_returns_interrupted_when_asked)
{
	struct receiver r = { .port = self->port, .extra = MACH_RCV_INTERRUPT };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, receive_thread, &r));
	while (!atomic_load(&r.waiting))
		pause_ms(1);
	pause_ms(100); /* the receive is now blocked in the server */
	ASSERT_EQ(0, pthread_kill(thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(MACH_RCV_INTERRUPTED, r.result);
	EXPECT_EQ(1, atomic_load(&handler_runs));
	EXPECT_EQ(0, atomic_load(&handler_call_failures));
	/* The thread's socket is in step: the next call gets its own reply. */
	EXPECT_EQ(KERN_SUCCESS, send_value(self->port, 5));
}

TEST_F(sig, interrupted_receive_is_restarted_and_gets_the_message)
{
	struct receiver r = { .port = self->port, .extra = 0 };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, receive_thread, &r));
	while (!atomic_load(&r.waiting))
		pause_ms(1);
	pause_ms(50);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, pthread_kill(thread, SIGUSR1));
		pause_ms(30);
	}
	EXPECT_EQ(KERN_SUCCESS, send_value(self->port, 0xfeedface12345678ull));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(MACH_MSG_SUCCESS, r.result);
	EXPECT_EQ(0xfeedface12345678ull, r.value);
	EXPECT_EQ(5, atomic_load(&handler_runs));
	EXPECT_EQ(0, atomic_load(&handler_call_failures));
}

/* A child that has talked to the server and now runs plain code until told to stop. */
static pid_t spawn_idle_child(int *stop_pipe)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char byte;

		close(fds[1]);
		if (dserver_signal_init() != 0 || mach_task_self() == MACH_PORT_NULL)
			_exit(2);
		/* Blocked in the kernel, not in a call: S2C must come by signal. */
		while (read(fds[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]);
	*stop_pipe = fds[1];
	return pid;
}

static bool child_memory(pid_t pid, uint64_t address, void *buffer, size_t size, bool write)
{
	struct iovec local = { buffer, size }, remote = { (void *)(uintptr_t)address, size };
	ssize_t n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			  : process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return n == (ssize_t)size;
}

TEST_F(sig, mach_vm_allocate_on_an_idle_process_goes_through_signal_35)
{
	int stop;
	pid_t child = spawn_idle_child(&stop);
	mach_port_t task = MACH_PORT_NULL;
	mach_vm_address_t address = 0;
	uint64_t word = 0x0123456789abcdefull, back = 0;
	int status;

	ASSERT_LT(0, child);
	pause_ms(200); /* the child has checked in and made its calls */
	ASSERT_EQ(0, waitpid(child, &status, WNOHANG)) TH_LOG("the child ended early: %#x", status);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(mach_task_self(), child, &task));
	ASSERT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &address, 3 * 4096, VM_FLAGS_ANYWHERE));
	EXPECT_NE(0, address);
	EXPECT_EQ(0, address & 4095);
	/* It is real memory of the child, readable and writable. */
	EXPECT_TRUE(child_memory(child, address + 8192, &word, sizeof(word), true));
	EXPECT_TRUE(child_memory(child, address + 8192, &back, sizeof(back), false));
	EXPECT_EQ(word, back);
	EXPECT_EQ(KERN_SUCCESS, mach_vm_deallocate(task, address, 3 * 4096));
	EXPECT_FALSE(child_memory(child, address, &back, sizeof(back), false));
	/* A fixed address is honoured, and not taken twice without VM_FLAGS_OVERWRITE. */
	mach_vm_address_t fixed = address;

	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &fixed, 4096, 0));
	EXPECT_EQ(address, fixed);
	EXPECT_EQ(KERN_NO_SPACE, mach_vm_allocate(task, &fixed, 4096, 0));
	EXPECT_EQ(KERN_SUCCESS, mach_vm_allocate(task, &fixed, 4096, VM_FLAGS_OVERWRITE));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_vm_allocate(task, &fixed, 4096, 0x100));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_vm_allocate(0x1234567, &fixed, 4096, VM_FLAGS_ANYWHERE));
	close(stop);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %#x", status);
	/* The process is gone: its task port is dead. */
	EXPECT_NE(KERN_SUCCESS, mach_vm_allocate(task, &fixed, 4096, VM_FLAGS_ANYWHERE));
}

TEST_HARNESS_MAIN
