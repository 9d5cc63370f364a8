/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The event loop: one epoll set, one timerfd for every timer, and the fiber
 * scheduler run between batches of events. Everything in the server runs on
 * this one thread.
 */
#ifndef DSERVER_LOOP_H
#define DSERVER_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_watch;
typedef void (*loop_event_fn)(struct loop_watch *watch, uint32_t events);

/* Embed in the object that owns the descriptor. */
struct loop_watch {
	int fd;
	loop_event_fn on_event;
};

struct loop_timer;
typedef void (*loop_timer_fn)(struct loop_timer *timer);

struct loop_timer {
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	loop_timer_fn on_expiry;
	size_t heap_index;    /* position in the heap, or SIZE_MAX if not armed */
};

int loop_init(void);
void loop_fini(void);

/* 0 or -errno. */
int loop_watch_add(struct loop_watch *watch, uint32_t events);
int loop_watch_modify(struct loop_watch *watch, uint32_t events);
void loop_watch_remove(struct loop_watch *watch);

void loop_timer_init(struct loop_timer *timer, loop_timer_fn on_expiry);
/* 0 or -ENOMEM. Re-arming moves the deadline. */
int loop_timer_arm(struct loop_timer *timer, uint64_t deadline_ns);
void loop_timer_cancel(struct loop_timer *timer);
bool loop_timer_armed(const struct loop_timer *timer);

uint64_t loop_now_ns(void);

/* Hooks run once per iteration, before the loop sleeps (e.g. flush output). */
void loop_set_before_sleep(void (*fn)(void));

/*
 * Where the loop sleeps. By default in epoll_wait on the whole set. A
 * sleeper (the server socket's blocking receive, transport.c with
 * --io=block) takes the sleep over for its own descriptor, which is then
 * not in the epoll set: one syscall per wake-up instead of epoll_wait and
 * a receive.
 */
struct loop_sleeper {
	/*
	 * Wait for input and handle it (block), or handle what is there
	 * (!block). True if the epoll set may have events: the loop then
	 * collects them without waiting, and calls rearm afterwards.
	 */
	bool (*sleep)(bool block);
	void (*rearm)(void);
};
void loop_set_sleeper(const struct loop_sleeper *sleeper);

/* For a sleeper that must notice the epoll set becoming ready. */
int loop_epoll_fd(void);

/* Run until loop_stop(). */
void loop_run(void);
void loop_stop(void);

#endif

/*
 * Run fn(arg) after the current batch of events: an event handler may end
 * an object whose watch has an event pending later in the same batch, so
 * such objects are freed only through here.
 */
int loop_defer(void (*fn)(void *arg), void *arg);
