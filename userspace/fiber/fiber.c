/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fiber scheduler. Fibers always switch back to the scheduler loop
 * (fiber_run_ready), never directly to each other: the loop is then the one
 * place that hands out and takes back stacks, so a fiber never has to free
 * the stack it is running on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "fiber.h"
#include "stack.h"

#ifndef DSERVER_FIBER_STACK_SIZE
#define DSERVER_FIBER_STACK_SIZE (32 * 1024)
#endif
#ifndef DSERVER_FIBER_POOL_MAX
#define DSERVER_FIBER_POOL_MAX 256
#endif

#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#endif

#if FIBER_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

enum fiber_state {
	FIBER_READY,
	FIBER_RUNNING,
	FIBER_PARKED,           /* keeps its stack */
	FIBER_PARKED_CONTINUE,  /* stack released; runs fn(arg) when unparked */
	FIBER_DONE,
};

struct fiber {
	struct fiber_context context;
	struct fiber_stack *stack; /* NULL: must start fn(arg) on a fresh stack */
	fiber_fn fn;
	void *arg;
	struct fiber *next;        /* run queue link */
	enum fiber_state state;
	long park_result;
	void *data;
#if FIBER_ASAN
	void *asan_fake_stack;
#endif
};

struct fiber_queue {
	struct fiber *head, *tail;
};

struct scheduler {
	struct fiber_context loop_context;
	struct fiber *current;
	struct fiber_queue ready;
	struct fiber_queue yielded;  /* run again on the next fiber_run_ready() */
	struct fiber_queue starved;  /* runnable, but no stack could be mapped */
	struct fiber_stack_pool pool;
	struct fiber *spare;         /* finished fibers kept for reuse, linked by next */
	size_t spare_count;
	size_t live;
	unsigned long long switches;
	int initialised;
#if FIBER_ASAN
	void *loop_fake_stack;
	const void *loop_stack_bottom;
	size_t loop_stack_size;
#endif
};

static __thread struct scheduler sched;

static void queue_push(struct fiber_queue *q, struct fiber *f)
{
	f->next = NULL;
	if (q->tail)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
}

static struct fiber *queue_pop(struct fiber_queue *q)
{
	struct fiber *f = q->head;

	if (f) {
		q->head = f->next;
		if (!q->head)
			q->tail = NULL;
	}
	return f;
}

/* Move every fiber of `from` to the back of `to`. */
static void queue_splice(struct fiber_queue *to, struct fiber_queue *from)
{
	if (!from->head)
		return;
	if (to->tail)
		to->tail->next = from->head;
	else
		to->head = from->head;
	to->tail = from->tail;
	from->head = from->tail = NULL;
}

static void ensure_initialised(void)
{
	if (sched.initialised)
		return;
	fiber_stack_pool_init(&sched.pool, DSERVER_FIBER_STACK_SIZE, DSERVER_FIBER_POOL_MAX);
	sched.initialised = 1;
}

/* --- switching, with AddressSanitizer told about every stack change --- */

static void switch_to_fiber(struct fiber *f)
{
#if FIBER_ASAN
	__sanitizer_start_switch_fiber(&sched.loop_fake_stack, f->stack->base, f->stack->size);
#endif
	sched.switches++;
	fiber_context_switch(&sched.loop_context, &f->context);
#if FIBER_ASAN
	__sanitizer_finish_switch_fiber(sched.loop_fake_stack, NULL, NULL);
#endif
}

static void fiber_arrived(struct fiber *f)
{
#if FIBER_ASAN
	__sanitizer_finish_switch_fiber(f->asan_fake_stack, &sched.loop_stack_bottom,
					&sched.loop_stack_size);
#else
	(void)f;
#endif
}

/* Leave the current fiber for the loop; `final` if its stack is never resumed. */
static void switch_to_loop(struct fiber *f, int final)
{
#if FIBER_ASAN
	__sanitizer_start_switch_fiber(final ? NULL : &f->asan_fake_stack,
				       sched.loop_stack_bottom, sched.loop_stack_size);
#else
	(void)final;
#endif
	sched.switches++;
	fiber_context_switch(&f->context, &sched.loop_context);
	fiber_arrived(f);
}

static void fiber_main(void *arg)
{
	struct fiber *f = arg;

#if FIBER_ASAN
	f->asan_fake_stack = NULL; /* a fresh stack has no fake frames yet */
#endif
	fiber_arrived(f);
	f->fn(f->arg);
	fiber_exit();
}

/* --- the loop side --- */

static void release_stack(struct fiber *f)
{
	fiber_stack_put(&sched.pool, f->stack);
	f->stack = NULL;
	queue_splice(&sched.ready, &sched.starved);
}

static int give_stack(struct fiber *f)
{
	f->stack = fiber_stack_get(&sched.pool);
	if (!f->stack)
		return -1;
	fiber_context_init(&f->context, f->stack->base, f->stack->size, fiber_main, f);
	return 0;
}

static void run_one(struct fiber *f)
{
	if (!f->stack && give_stack(f) != 0) {
		/* Out of memory: retry when some other fiber gives a stack back. */
		queue_push(&sched.starved, f);
		return;
	}
	f->state = FIBER_RUNNING;
	sched.current = f;
	switch_to_fiber(f);
	sched.current = NULL;

	switch (f->state) {
	case FIBER_DONE:
		release_stack(f);
		sched.live--;
		/* A fiber per call: keep the structs as the stacks are kept. */
		if (sched.spare_count < DSERVER_FIBER_POOL_MAX) {
			f->next = sched.spare;
			sched.spare = f;
			sched.spare_count++;
		} else {
			free(f);
		}
		break;
	case FIBER_PARKED_CONTINUE:
		release_stack(f);
		break;
	default:
		break;
	}
}

size_t fiber_run_ready(void)
{
	struct fiber *f;
	size_t ran = 0;

	ensure_initialised();
	while ((f = queue_pop(&sched.ready))) {
		run_one(f);
		ran++;
	}
	queue_splice(&sched.ready, &sched.yielded);
	return ran;
}

bool fiber_has_ready(void)
{
	return sched.ready.head || sched.yielded.head;
}

struct fiber *fiber_create(fiber_fn fn, void *arg)
{
	struct fiber *f;

	ensure_initialised();
	f = sched.spare;
	if (f) {
		sched.spare = f->next;
		sched.spare_count--;
		memset(f, 0, sizeof(*f));
	} else if (!(f = calloc(1, sizeof(*f)))) {
		return NULL;
	}
	f->fn = fn;
	f->arg = arg;
	if (give_stack(f) != 0) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	f->state = FIBER_READY;
	sched.live++;
	queue_push(&sched.ready, f);
	return f;
}

/* --- the fiber side --- */

struct fiber *fiber_current(void)
{
	return sched.current;
}

void fiber_yield(void)
{
	struct fiber *f = sched.current;

	f->state = FIBER_READY;
	queue_push(&sched.yielded, f);
	switch_to_loop(f, 0);
}

long fiber_park(void)
{
	struct fiber *f = sched.current;

	f->state = FIBER_PARKED;
	switch_to_loop(f, 0);
	return f->park_result;
}

void fiber_park_continue(fiber_fn cont, void *arg)
{
	struct fiber *f = sched.current;

	f->fn = cont;
	f->arg = arg;
	f->state = FIBER_PARKED_CONTINUE;
	switch_to_loop(f, 1);
	abort(); /* the loop never resumes a released stack */
}

long fiber_park_result(void)
{
	return sched.current->park_result;
}

bool fiber_unpark(struct fiber *f, long result)
{
	if (f->state != FIBER_PARKED && f->state != FIBER_PARKED_CONTINUE)
		return false;
	f->park_result = result;
	f->state = FIBER_READY;
	queue_push(&sched.ready, f);
	return true;
}

bool fiber_is_parked(const struct fiber *f)
{
	return f->state == FIBER_PARKED || f->state == FIBER_PARKED_CONTINUE;
}

void fiber_exit(void)
{
	struct fiber *f = sched.current;

	f->state = FIBER_DONE;
	switch_to_loop(f, 1);
	abort();
}

void fiber_set_data(struct fiber *f, void *data)
{
	f->data = data;
}

void *fiber_data(const struct fiber *f)
{
	return f->data;
}

void fiber_get_stats(struct fiber_stats *stats)
{
	ensure_initialised();
	stats->live_fibers = sched.live;
	stats->stacks_in_use = sched.pool.in_use;
	stats->stacks_pooled = sched.pool.pooled;
	stats->stacks_mapped = sched.pool.in_use + sched.pool.pooled;
	stats->stack_size = sched.pool.stack_size;
	stats->switches = sched.switches;
}

size_t fiber_trim_pool(size_t keep)
{
	ensure_initialised();
	while (sched.spare_count > keep) {
		struct fiber *f = sched.spare;

		sched.spare = f->next;
		sched.spare_count--;
		free(f);
	}
	return fiber_stack_pool_trim(&sched.pool, keep);
}
