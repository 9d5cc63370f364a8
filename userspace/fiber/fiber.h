/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Cooperative fibers for a single-threaded server.
 *
 * One OS thread runs a scheduler loop (fiber_run_ready) and any number of
 * fibers. A fiber runs until it parks, yields or exits; nothing preempts it,
 * so fibers need no locks between each other.
 *
 * A fiber that waits can give its stack back: fiber_park_continue() releases
 * the stack at once and, when the fiber is unparked, runs the continuation on
 * a fresh stack (XNU's thread_block with a continuation). A parked fiber then
 * costs only its struct fiber.
 *
 * The scheduler state is per OS thread; a fiber never migrates between
 * threads.
 */
#ifndef DSERVER_FIBER_H
#define DSERVER_FIBER_H

#include <stdbool.h>
#include <stddef.h>

struct fiber;

typedef void (*fiber_fn)(void *arg);

struct fiber_stats {
	size_t live_fibers;      /* created and not yet finished */
	size_t stacks_in_use;    /* stacks owned by fibers */
	size_t stacks_pooled;    /* stacks kept for reuse */
	size_t stacks_mapped;    /* in_use + pooled */
	size_t stack_size;       /* usable bytes per stack */
	unsigned long long switches;
};

/*
 * Create a fiber that will run fn(arg) and put it on the run queue.
 * Returning from fn finishes the fiber. Returns NULL with errno set
 * (ENOMEM) if no fiber or stack can be had.
 */
struct fiber *fiber_create(fiber_fn fn, void *arg);

/* The fiber running now, or NULL in the scheduler loop. */
struct fiber *fiber_current(void);

/*
 * Run fibers until the run queue is empty. Called from the thread's event
 * loop, never from a fiber. Returns the number of fibers that ran.
 */
size_t fiber_run_ready(void);

/* True if fiber_run_ready() would run something. */
bool fiber_has_ready(void);

/* Put the current fiber at the back of the run queue and switch away. */
void fiber_yield(void);

/*
 * Block the current fiber, keeping its stack, until fiber_unpark().
 * Returns the value passed to fiber_unpark().
 */
long fiber_park(void);

/*
 * Block the current fiber and release its stack now. When the fiber is
 * unparked, cont(arg) runs on a fresh stack; fiber_park_result() tells it
 * the unpark value. Returning from cont finishes the fiber.
 */
__attribute__((noreturn)) void fiber_park_continue(fiber_fn cont, void *arg);

/* The value given to the fiber_unpark() that woke the current fiber. */
long fiber_park_result(void);

/*
 * Make a parked fiber runnable; `result` becomes fiber_park()'s return value
 * (or fiber_park_result() in a continuation). Unparking a fiber that is not
 * parked is a no-op and returns false.
 */
bool fiber_unpark(struct fiber *fiber, long result);

/* True if the fiber is parked (with or without a continuation). */
bool fiber_is_parked(const struct fiber *fiber);

/* Finish the current fiber now. */
__attribute__((noreturn)) void fiber_exit(void);

/* A pointer of the caller's choosing carried by the fiber. */
void fiber_set_data(struct fiber *fiber, void *data);
void *fiber_data(const struct fiber *fiber);

void fiber_get_stats(struct fiber_stats *stats);

/*
 * Unmap pooled stacks beyond `keep`; returns how many were unmapped.
 * The server calls this when it is idle.
 */
size_t fiber_trim_pool(size_t keep);

#endif
