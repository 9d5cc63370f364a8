/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Server-to-client calls (§8): the per-thread queue, in-band and by signal. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "call.h"
#include "fiber.h"
#include "log.h"
#include "s2c.h"

#define S2C_MMAP 1
#define S2C_MUNMAP 2
#define S2C_MPROTECT 3
#define S2C_MSYNC 4
#define S2C_MAX_MESSAGE 48
#define S2C_MAX_REPLY 40

struct s2c_request {
	struct s2c_request *next;    /* in the target thread's queue */
	struct fiber *requester;     /* NULL once the requester stopped waiting */
	struct call *requester_call; /* the call that asked, if a call did */
	struct call *inband_call;    /* the call whose receive loop it went to */
	bool sent, done;
	int result;
	int32_t number;
	size_t size, expected_size;
	unsigned char message[S2C_MAX_MESSAGE];
	unsigned char reply[S2C_MAX_REPLY];
};

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int32_t get32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool is_i386(const struct process *process)
{
	return process->architecture == DSERVER_ARCH_I386;
}

/* The thread that performs a call in target (§8 "Initiation"). */
static struct thread *pick_thread(struct process *target, struct thread *preferred)
{
	struct thread *main_thread = NULL, *any = NULL;

	if (preferred && preferred->process == target && !preferred->dead)
		return preferred;
	for (struct thread *t = target->threads; t; t = t->next) {
		if (t->dead)
			continue;
		if (t->active_call)
			return t;
		if (t->tid == target->pid)
			main_thread = t;
		if (!any)
			any = t;
	}
	return main_thread ? main_thread : any;
}

static void finish(struct s2c_request *req, int result)
{
	if (!req->requester) {
		free(req); /* nobody waits for it any more */
		return;
	}
	req->result = result;
	req->done = true;
	fiber_unpark(req->requester, 0);
}

/* Fail every queued call of the thread. */
static void fail_all(struct thread *thread, int error)
{
	while (thread->s2c_queue) {
		struct s2c_request *req = thread->s2c_queue;

		thread->s2c_queue = req->next;
		finish(req, error);
	}
}

static void wake(struct fiber **waiter)
{
	struct fiber *fiber = *waiter;

	*waiter = NULL;
	if (fiber)
		fiber_unpark(fiber, 0);
}

/* Start the call at the head of the thread's queue, if it is not under way. */
static void kick(struct thread *thread)
{
	struct s2c_request *req = thread->s2c_queue;

	if (!req || req->sent || thread->dead)
		return;
	if (thread->active_call) {
		/* In-band: the client sits in a receive loop, which performs S2C calls. */
		req->sent = true;
		req->inband_call = thread->active_call;
		transport_send(&thread->address, req->message, req->size, -1);
		return;
	}
	/* W16: a process still in its loader has no handler for the signal yet. */
	if (thread->s2c_signalled || !thread->process->runtime_started)
		return;
	if (syscall(SYS_tgkill, thread->process->global_pid, thread->global_tid, S2C_SIGNAL) != 0) {
		log_warn("s2c", "pid %d tid %d: cannot send the S2C signal (%m)", thread->process->pid,
			 thread->tid);
		fail_all(thread, -ESRCH);
		return;
	}
	thread->s2c_signalled = true;
}

/* Queue the call on a thread of target and wait for its reply (copied to req->reply). */
static int run(struct process *target, struct thread *preferred, struct s2c_request *model)
{
	struct thread *thread = target->dead ? NULL : pick_thread(target, preferred);
	struct fiber *self = fiber_current();
	struct s2c_request *req, **tail;

	if (!thread || !self)
		return -ESRCH;
	req = malloc(sizeof(*req));
	if (!req)
		return -ENOMEM;
	*req = *model;
	req->requester = self;
	req->requester_call = fiber_data(self);
	for (tail = &thread->s2c_queue; *tail; tail = &(*tail)->next)
		;
	*tail = req;
	kick(thread);
	/* A call that failed at once (no signal could be sent) needs no wait. */
	long woken = req->done ? 0 : fiber_park();

	if (!req->done) {
		/* Woken by our own thread's end: leave the request, or let its reply free it. */
		req->requester = NULL;
		if (!req->sent) {
			for (tail = &thread->s2c_queue; *tail != req; tail = &(*tail)->next)
				;
			*tail = req->next;
			free(req);
		}
		return woken < 0 ? (int)woken : -ESRCH;
	}
	int result = req->result;

	if (result == 0) {
		memcpy(model->reply, req->reply, sizeof(req->reply));
	}
	free(req);
	return result;
}

static void request_init(struct s2c_request *req, int32_t number, size_t size, size_t expected_size)
{
	memset(req, 0, sizeof(*req));
	req->number = number;
	req->size = size;
	req->expected_size = expected_size;
	put32(req->message, DSERVER_S2C_NUMBER);
	put32(req->message + 4, (uint32_t)number);
}

int s2c_mmap(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int prot,
	     int flags, uint64_t *mapped)
{
	bool i386 = is_i386(target);
	struct s2c_request req;

	request_init(&req, S2C_MMAP, i386 ? 44 : 48, i386 ? 32 : 40);
	put64(req.message + 8, address);
	put64(req.message + 16, length);
	put32(req.message + 24, (uint32_t)prot);
	put32(req.message + 28, (uint32_t)flags);
	put32(req.message + 32, (uint32_t)-1); /* no descriptor; offset 0 */
	int err = run(target, preferred, &req);

	if (err)
		return err;
	int32_t errno_result = get32(req.reply + (i386 ? 28 : 32));

	if (errno_result)
		return -errno_result;
	if (i386) {
		uint32_t low;

		memcpy(&low, req.reply + 20, sizeof(low));
		*mapped = low;
	} else {
		memcpy(mapped, req.reply + 24, sizeof(*mapped));
	}
	return 0;
}

/* munmap, mprotect, msync: (address, length[, value]) in, (return, errno) out. */
static int range_call(struct process *target, struct thread *preferred, int32_t number, uint64_t address,
		      uint64_t length, int value)
{
	struct s2c_request req;
	size_t size = number == S2C_MUNMAP ? 24 : is_i386(target) ? 28 : 32;

	request_init(&req, number, size, 28);
	put64(req.message + 8, address);
	put64(req.message + 16, length);
	if (number != S2C_MUNMAP)
		put32(req.message + 24, (uint32_t)value);
	int err = run(target, preferred, &req);

	if (err)
		return err;
	int32_t errno_result = get32(req.reply + 24);

	return errno_result ? -errno_result : 0;
}

int s2c_munmap(struct process *target, struct thread *preferred, uint64_t address, uint64_t length)
{
	return range_call(target, preferred, S2C_MUNMAP, address, length, 0);
}

int s2c_mprotect(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int prot)
{
	return range_call(target, preferred, S2C_MPROTECT, address, length, prot);
}

int s2c_msync(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int flags)
{
	return range_call(target, preferred, S2C_MSYNC, address, length, flags);
}

/* Is the head of the queue an S2C sent into this call's receive loop? */
static bool inband_to(const struct thread *thread, const struct call *call)
{
	const struct s2c_request *req = thread->s2c_queue;

	return req && req->sent && req->inband_call == call;
}

void s2c_reply_received(struct datagram *dg)
{
	const struct dserver_request_header *h = &dg->data.header;
	struct thread *thread = NULL;
	struct s2c_request *req;
	int result = 0;

	datagram_close_fds(dg);
	if (dg->size >= 20)
		thread = registry_thread(h->pid, h->tid);
	if (!thread || thread->process->global_pid != dg->cred.pid || !thread->s2c_queue ||
	    !thread->s2c_queue->sent) {
		log_warn("s2c", "global pid %d: dropped an S2C reply with none outstanding", (int)dg->cred.pid);
		return;
	}
	thread->address = dg->source;
	req = thread->s2c_queue;
	thread->s2c_queue = req->next;
	if (dg->size != req->expected_size || get32(dg->data.bytes + 16) != req->number) {
		log_warn("s2c", "pid %d tid %d: malformed S2C reply (%zu bytes); the S2C fails", h->pid, h->tid,
			 dg->size);
		result = -EPROTO;
	} else {
		memcpy(req->reply, dg->data.bytes, dg->size);
	}
	finish(req, result);
	kick(thread);
	wake(&thread->enter_waiter);
	if (!thread->s2c_queue)
		wake(&thread->s2c_performer);
	struct call *held = thread->s2c_held_call;

	if (held && !inband_to(thread, held)) {
		thread->s2c_held_call = NULL;
		call_complete(held); /* may free the thread: the last thing done here */
	}
}

void s2c_call_started(struct thread *thread)
{
	if (thread->s2c_queue)
		kick(thread);
}

void s2c_process_started(struct process *process)
{
	for (struct thread *t = process->threads; t; t = t->next)
		s2c_call_started(t);
}

bool s2c_hold_reply(struct call *call)
{
	struct thread *thread = call->thread;

	if (!inband_to(thread, call))
		return false;
	thread->s2c_held_call = call;
	return true;
}

bool s2c_call_is_waiting(const struct call *call)
{
	for (const struct s2c_request *req = call->thread->s2c_queue; req; req = req->next)
		if (req->requester_call == call)
			return true;
	return false;
}

void s2c_wait_for_progress(struct thread *thread)
{
	thread->enter_waiter = fiber_current();
	fiber_park();
	thread->enter_waiter = NULL;
}

struct call *s2c_thread_gone(struct thread *thread)
{
	struct call *held = thread->s2c_held_call;

	thread->s2c_held_call = NULL;
	fail_all(thread, -ESRCH);
	wake(&thread->enter_waiter);
	wake(&thread->s2c_performer);
	return held;
}

void dserver_handle_s2c_perform(struct call *call);

void dserver_handle_s2c_perform(struct call *call)
{
	struct thread *thread = call->thread;

	/* The signal has been taken; a later S2C needs a new one. */
	thread->s2c_signalled = false;
	/* The calls were sent in-band when this call started; wait until all are done. */
	while (thread->s2c_queue && !thread->dead) {
		thread->s2c_performer = fiber_current();
		fiber_park();
	}
}
