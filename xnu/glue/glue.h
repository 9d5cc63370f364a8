/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Everything xnu/ needs from the world outside it. xnu/ includes no server
 * header: the server implements the "host" functions below
 * (userspace/server/xnu_host.c), and unit tests implement fakes.
 *
 * Blocking is built on userspace/fiber: a thread that waits parks the fiber
 * running its call, with a continuation where the caller can give one.
 */
#ifndef XNU_GLUE_H
#define XNU_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xnu_task;
struct xnu_thread;

/* ---- provided by the host ---- */

/* Client memory of a task's process: 0, or -EFAULT. */
int host_copyin(struct xnu_task *task, uint64_t address, void *buffer, size_t size);
int host_copyout(struct xnu_task *task, uint64_t address, const void *buffer, size_t size);

/*
 * Map fresh anonymous read/write memory in the thread's process, or unmap a
 * range there. The thread is the one whose call is running (it is blocked in
 * the server waiting for its reply); the host asks it to do the work (S2C).
 * 0 or -errno. Blocks the calling fiber.
 */
int host_map_anywhere(struct xnu_thread *thread, uint64_t size, uint64_t *address);
int host_unmap(struct xnu_thread *thread, uint64_t address, uint64_t size);

/* A call that parked with a continuation has finished with this code. */
void host_thread_return(struct xnu_thread *thread, int32_t code);

/* Send a Linux signal to the thread's client thread (suspension uses SIGRTMIN, §7.7). 0 or -errno. */
int host_thread_signal(struct xnu_thread *thread, int linux_signal);

struct xnu_user_state;
/*
 * Read a frame's float state from the client now (its float_pending is
 * set: the server loaded the registers from an eBPF record). 0 or -errno.
 */
int host_load_float_state(struct xnu_user_state *frame);

/* One-shot timers on the server's clock (CLOCK_MONOTONIC ns). */
struct host_timer;
struct host_timer *host_timer_create(void (*fire)(void *arg), void *arg);
void host_timer_arm(struct host_timer *timer, uint64_t deadline_ns);
void host_timer_cancel(struct host_timer *timer);
void host_timer_destroy(struct host_timer *timer);
uint64_t host_now_ns(void);

void host_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define GLUE_LOG_ERROR 0
#define GLUE_LOG_WARN 1
#define GLUE_LOG_INFO 2
#define GLUE_LOG_DEBUG 3

/* ---- provided by xnu/glue on top of userspace/fiber ---- */

/* Why a wait ended (XNU's wait_result_t). */
enum glue_wait_result {
	GLUE_WAIT_AWAKENED = 0,  /* the event happened */
	GLUE_WAIT_TIMED_OUT = 1,
	GLUE_WAIT_INTERRUPTED = 2, /* interrupt_enter, or the thread is ending */
	GLUE_WAIT_RESTART = 3,   /* the object waited on changed: look again */
};

/* One per thread: a thread waits for at most one thing at a time. */
struct glue_wait {
	struct fiber *fiber;          /* parked, or NULL when not waiting */
	struct host_timer *timer;     /* for timeouts, created on first use */
	int result;                   /* enum glue_wait_result, set by the waker */
};

/*
 * Block the current fiber until glue_wakeup() or the absolute deadline
 * (UINT64_MAX: none; one already past times out at once). Returns the wait
 * result.
 */
int glue_wait(struct glue_wait *wait, uint64_t deadline_ns);

/*
 * The same, without keeping the stack: cont(arg) runs on a fresh stack when
 * the wait ends, and reads the result from wait->result.
 */
__attribute__((noreturn)) void glue_wait_continue(struct glue_wait *wait, uint64_t deadline_ns,
						  void (*cont)(void *arg), void *arg);

/* End a wait with this result. False if nobody was waiting. */
bool glue_wakeup(struct glue_wait *wait, int result);

/* Release the wait's timer. The wait must not be in use. */
void glue_wait_fini(struct glue_wait *wait);

#endif
