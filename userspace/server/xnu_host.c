/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host side of xnu/glue/glue.h: xnu/'s view of processes, memory, timers, logs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "call.h"
#include "client_memory.h"
#include "fiber.h"
#include "glue.h"
#include "interrupt.h"
#include "log.h"
#include "loop.h"
#include "s2c.h"
#include "xnu/xnu.h"

static struct process *task_process(struct xnu_task *task)
{
	return xnu_task_host(task);
}

static struct thread *thread_record(struct xnu_thread *thread)
{
	return xnu_thread_host(thread);
}

/* The running call's windows, when they are this process's (mach_msg_inline). */
static struct call *call_with_windows(const struct process *p)
{
	struct call *call = call_current();

	return call && call->process == p && (call->in.bytes || call->out.bytes) ? call : NULL;
}

/* Put staged bytes into the process's memory, so that a read sees them; nothing is staged after. */
static int flush_staged(struct call *call)
{
	const unsigned char *bytes = call->out.bytes;
	uint32_t n = copy_window_seal(&call->out);

	return n ? copyout(call->process, call->out.address, bytes, n) : 0;
}

int host_copyin(struct xnu_task *task, uint64_t address, void *buffer, size_t size)
{
	struct process *p = task_process(task);
	struct call *call;

	if (!p || p->dead)
		return -ESRCH;
	call = call_with_windows(p);
	if (call && copy_window_overlaps_staged(&call->out, address, size)) {
		if (flush_staged(call) != 0)
			return -EFAULT;
	} else if (call && copy_window_read(&call->in, address, buffer, size)) {
		return 0;
	}
	return copyin(p, address, buffer, size);
}

int host_copyout(struct xnu_task *task, uint64_t address, const void *buffer, size_t size)
{
	struct process *p = task_process(task);
	struct call *call;

	if (!p || p->dead)
		return -ESRCH;
	call = call_with_windows(p);
	/* What the request carried of this range is out of date from now on. */
	if (call && copy_window_overlaps(&call->in, address, size))
		copy_window_close(&call->in);
	if (call && copy_window_write(&call->out, address, buffer, size))
		return 0;
	if (call && copy_window_overlaps_staged(&call->out, address, size) && flush_staged(call) != 0)
		return -EFAULT;
	return copyout(p, address, buffer, size);
}

int host_map_anywhere(struct xnu_thread *thread, uint64_t size, uint64_t *address)
{
	struct thread *t = thread_record(thread);

	if (!t || t->dead)
		return -ESRCH;
	return s2c_mmap(t->process, t, 0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, address);
}

int host_unmap(struct xnu_thread *thread, uint64_t address, uint64_t size)
{
	struct thread *t = thread_record(thread);

	if (!t || t->dead)
		return -ESRCH;
	return s2c_munmap(t->process, t, address, size);
}

int host_thread_signal(struct xnu_thread *thread, int linux_signal)
{
	struct thread *t = thread_record(thread);

	if (!t || t->dead || t->process->dead)
		return -ESRCH;
	/* Global ids (§1.2): the kernel knows the client by them, not by the container's. */
	if (syscall(SYS_tgkill, t->process->global_pid, t->global_tid, linux_signal) != 0)
		return -errno;
	return 0;
}

/* xnu/ shows a thread only the frames of its interrupt contexts (interrupt.c), so this is one. */
int host_load_float_state(struct xnu_user_state *frame)
{
	return interrupt_load_float_state(frame);
}

void host_thread_return(struct xnu_thread *thread, int32_t code)
{
	/* The continuation runs on the fiber of the call that parked, wherever that call is now. */
	struct call *call = call_current();

	(void)thread;
	if (!call) {
		log_error("xnu", "a parked Mach call finished with no call in flight");
		return;
	}
	call->reply.header.code = code;
	call_complete(call);
}

struct host_timer {
	struct loop_timer timer;
	void (*fire)(void *arg);
	void *arg;
};

static void timer_expired(struct loop_timer *timer)
{
	struct host_timer *t = (struct host_timer *)timer;

	t->fire(t->arg);
}

struct host_timer *host_timer_create(void (*fire)(void *arg), void *arg)
{
	struct host_timer *t = malloc(sizeof(*t));

	if (!t)
		return NULL;
	loop_timer_init(&t->timer, timer_expired);
	t->fire = fire;
	t->arg = arg;
	return t;
}

void host_timer_arm(struct host_timer *timer, uint64_t deadline_ns)
{
	/* Without memory for the heap the wait still ends: its thread's death or an abort ends it. */
	if (loop_timer_arm(&timer->timer, deadline_ns) != 0)
		log_error("xnu", "no memory to arm a timer; a Mach timeout will not fire");
}

void host_timer_cancel(struct host_timer *timer)
{
	loop_timer_cancel(&timer->timer);
}

void host_timer_destroy(struct host_timer *timer)
{
	loop_timer_cancel(&timer->timer);
	free(timer);
}

uint64_t host_now_ns(void)
{
	return loop_now_ns();
}

void host_log(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (level > (int)log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_message((enum log_level)level, "xnu", "%s", line);
}
