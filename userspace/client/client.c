/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Per-thread client state: each thread has its own socket, because the
 * server answers a request at the datagram's source address and keeps one
 * active call per thread (PROTOCOL.md §1.1, §7.2). A thread checks in before
 * its first call and checks out when it exits; a forked child checks in at
 * once, so the server learns of the fork before the child runs any code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>

#include "client.h"
#include "mach_api.h"

struct client_thread {
	int sock;          /* -1 until the thread's first call */
	bool checked_in;
	bool fork_pending; /* the next checkin tells the server about a fork */
	void *alt_stack;   /* the signal stack libdserver gave the thread, or NULL */
	size_t alt_stack_size;
	/* In `threads` while sock >= 0. */
	struct client_thread *next;
	struct client_thread **pprev;
};

static __thread struct client_thread self = { .sock = -1 };

/*
 * Every socket of the process, so that a forked child can close the ones it
 * inherited from the parent's other threads.
 */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client_thread *threads;

/* Whether the server knows this process: a forked child then checks in. */
static atomic_bool process_checked_in;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static int init_error;

static int checkin(void)
{
	/* Identifies the thread on kernels without NSpid (§1.2). */
	uint64_t stack_hint = (uintptr_t)__builtin_frame_address(0);
	int r = dserver_rpc_checkin(self.fork_pending, stack_hint, -1);

	/* A positive code is still an error here. */
	return r > 0 ? -r : r;
}

static void forget_thread(void)
{
	if (self.sock < 0)
		return;
	pthread_mutex_lock(&threads_lock);
	*self.pprev = self.next;
	if (self.next)
		self.next->pprev = self.pprev;
	pthread_mutex_unlock(&threads_lock);
	close(self.sock);
	self.sock = -1;
	self.checked_in = false;
	self.fork_pending = false;
	pthread_setspecific(exit_key, NULL);
}

static void release_alt_stack(void)
{
	stack_t off = { .ss_flags = SS_DISABLE };

	if (!self.alt_stack || sigaltstack(&off, NULL) != 0)
		return;
	munmap(self.alt_stack, self.alt_stack_size);
	self.alt_stack = NULL;
}

static void thread_exit(void *unused)
{
	(void)unused;
	if (self.checked_in) {
		/* Its Mach resources go while the server still knows the thread. */
		dserver_mach_thread_exit();
		dserver_rpc_checkout(-1, false);
	}
	forget_thread();
	release_alt_stack();
}

static void before_fork(void)
{
	pthread_mutex_lock(&threads_lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&threads_lock);
}

static void after_fork_child(void)
{
	struct client_thread *t;

	dserver_mach_fork_child();
	/* The sockets are the parent threads' addresses; the child needs its own. */
	for (t = threads; t; t = t->next)
		close(t->sock);
	threads = NULL;
	pthread_mutex_unlock(&threads_lock);
	self.sock = -1;
	self.checked_in = false;
	self.fork_pending = false;
	if (!atomic_load(&process_checked_in))
		return;
	atomic_store(&process_checked_in, false);
	/* If this fails, the child's first call checks in with is_fork still set. */
	self.fork_pending = true;
	checkin();
}

static void init(void)
{
	init_error = pthread_key_create(&exit_key, thread_exit);
	if (!init_error)
		init_error = pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

static int thread_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, r;

	if (self.sock >= 0)
		return self.sock;
	pthread_once(&init_once, init);
	if (init_error)
		return -init_error;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The family alone: Linux autobinds a unique abstract name (§1.1). */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(sa_family_t)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* A non-NULL value is what makes the key's destructor run at exit. */
	r = pthread_setspecific(exit_key, &self);
	if (r) {
		close(fd);
		return -r;
	}
	pthread_mutex_lock(&threads_lock);
	self.sock = fd;
	self.next = threads;
	self.pprev = &threads;
	if (threads)
		threads->pprev = &self.next;
	threads = &self;
	pthread_mutex_unlock(&threads_lock);
	/* A thread that talks to the server can be signalled by it (§1.5). */
	if (dserver_signal_enabled())
		dserver_signal_thread_init();
	return fd;
}

int dserver_client_prepare(const struct dserver_request_header *request, unsigned flags)
{
	int fd, r;

	fd = thread_socket();
	if (fd < 0)
		return fd;
	/*
	 * Unmanaged calls (debug tools) must not register their sender
	 * (§10); a checkin, explicit or our own, registers by itself.
	 */
	if (!self.checked_in && !(flags & DSERVER_CALL_U) &&
	    request->number != DSERVER_CALL_NUMBER_CHECKIN) {
		r = checkin();
		if (r < 0)
			return r;
	}
	return fd;
}

void dserver_client_replied(const struct dserver_request_header *request, size_t request_size,
			    const struct dserver_reply_header *reply)
{
	if (reply->code != 0)
		return;
	if (request->number == DSERVER_CALL_NUMBER_CHECKIN) {
		self.checked_in = true;
		self.fork_pending = false;
		atomic_store(&process_checked_in, true);
	} else if (request->number == DSERVER_CALL_NUMBER_CHECKOUT &&
		   request_size >= sizeof(struct dserver_rpc_checkout_request) &&
		   ((const struct dserver_rpc_checkout_request *)request)->exec_listener_pipe < 0) {
		/* The server has forgotten the thread (§6.2): a later call checks in again. */
		self.checked_in = false;
	}
}

int dserver_client_checkin(void)
{
	int fd = thread_socket();

	if (fd < 0)
		return fd;
	return self.checked_in ? 0 : checkin();
}

bool dserver_client_in_session(void)
{
	return self.sock >= 0 && self.checked_in;
}

void dserver_client_set_alt_stack(void *stack, size_t size)
{
	self.alt_stack = stack;
	self.alt_stack_size = size;
	/* The key's destructor runs only with a value: it unmaps the stack at exit. */
	pthread_once(&init_once, init);
	if (!init_error)
		pthread_setspecific(exit_key, &self);
}

int dserver_client_socket(void)
{
	return thread_socket();
}

void dserver_client_forget_thread(void)
{
	forget_thread();
}
