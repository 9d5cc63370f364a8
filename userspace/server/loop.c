/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fiber.h"
#include "log.h"
#include "loop.h"

#define EVENT_BATCH 64

static int epoll_fd = -1;

struct deferred {
	void (*fn)(void *arg);
	void *arg;
};
static struct deferred *deferred;
static size_t deferred_len, deferred_cap;
static bool stopping;
static void (*before_sleep)(void);
static const struct loop_sleeper *sleeper;

/* Timers: a binary min-heap on deadline, one timerfd set to the earliest. */
static struct loop_watch timer_watch = { .fd = -1 };
static struct loop_timer **heap;
static size_t heap_len, heap_cap;
static uint64_t timerfd_deadline; /* what the timerfd is armed for; 0: disarmed */

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int loop_watch_add(struct loop_watch *watch, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = watch };

	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, watch->fd, &ev) == 0 ? 0 : -errno;
}

int loop_watch_modify(struct loop_watch *watch, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = watch };

	return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, watch->fd, &ev) == 0 ? 0 : -errno;
}

void loop_watch_remove(struct loop_watch *watch)
{
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL);
}

/* --- timers --- */

static void heap_set(size_t i, struct loop_timer *t)
{
	heap[i] = t;
	t->heap_index = i;
}

static void sift_up(size_t i)
{
	struct loop_timer *t = heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (heap[parent]->deadline_ns <= t->deadline_ns)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void sift_down(size_t i)
{
	struct loop_timer *t = heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= heap_len)
			break;
		if (child + 1 < heap_len && heap[child + 1]->deadline_ns < heap[child]->deadline_ns)
			child++;
		if (t->deadline_ns <= heap[child]->deadline_ns)
			break;
		heap_set(i, heap[child]);
		i = child;
	}
	heap_set(i, t);
}

static void program_timerfd(void)
{
	uint64_t want = heap_len ? heap[0]->deadline_ns : 0;
	struct itimerspec its = { 0 };

	if (want == timerfd_deadline)
		return;
	timerfd_deadline = want;
	if (want) {
		its.it_value.tv_sec = (time_t)(want / 1000000000u);
		its.it_value.tv_nsec = (long)(want % 1000000000u);
	}
	timerfd_settime(timer_watch.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void loop_timer_init(struct loop_timer *timer, loop_timer_fn on_expiry)
{
	timer->deadline_ns = 0;
	timer->on_expiry = on_expiry;
	timer->heap_index = SIZE_MAX;
}

bool loop_timer_armed(const struct loop_timer *timer)
{
	return timer->heap_index != SIZE_MAX;
}

static void heap_remove(struct loop_timer *timer)
{
	size_t i = timer->heap_index;
	struct loop_timer *last = heap[--heap_len];

	timer->heap_index = SIZE_MAX;
	if (last == timer)
		return;
	heap_set(i, last);
	sift_down(i);
	sift_up(last->heap_index);
}

int loop_timer_arm(struct loop_timer *timer, uint64_t deadline_ns)
{
	if (deadline_ns == 0)
		deadline_ns = 1; /* 0 means "disarmed" to the timerfd */
	if (loop_timer_armed(timer))
		heap_remove(timer);
	if (heap_len == heap_cap) {
		size_t cap = heap_cap ? heap_cap * 2 : 64;
		struct loop_timer **grown = realloc(heap, cap * sizeof(*heap));

		if (!grown)
			return -ENOMEM;
		heap = grown;
		heap_cap = cap;
	}
	timer->deadline_ns = deadline_ns;
	heap_set(heap_len++, timer);
	sift_up(heap_len - 1);
	program_timerfd();
	return 0;
}

void loop_timer_cancel(struct loop_timer *timer)
{
	if (!loop_timer_armed(timer))
		return;
	heap_remove(timer);
	program_timerfd();
}

static void on_timerfd(struct loop_watch *watch, uint32_t events)
{
	uint64_t expirations, now = loop_now_ns();

	(void)events;
	if (read(watch->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_warn("loop", "timerfd read: %m");
	timerfd_deadline = 0;
	while (heap_len && heap[0]->deadline_ns <= now) {
		struct loop_timer *t = heap[0];

		heap_remove(t);
		t->on_expiry(t);
	}
	program_timerfd();
}

/* --- the loop --- */

int loop_defer(void (*fn)(void *arg), void *arg)
{
	if (deferred_len == deferred_cap) {
		size_t cap = deferred_cap ? deferred_cap * 2 : 32;
		struct deferred *grown = realloc(deferred, cap * sizeof(*deferred));

		if (!grown)
			return -ENOMEM;
		deferred = grown;
		deferred_cap = cap;
	}
	deferred[deferred_len++] = (struct deferred){ fn, arg };
	return 0;
}

static void run_deferred(void)
{
	/* A deferred function may defer more: index, not pointer, into the array. */
	for (size_t i = 0; i < deferred_len; i++)
		deferred[i].fn(deferred[i].arg);
	deferred_len = 0;
}

int loop_init(void)
{
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -errno;
	timer_watch.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer_watch.fd < 0)
		return -errno;
	timer_watch.on_event = on_timerfd;
	return loop_watch_add(&timer_watch, EPOLLIN);
}

void loop_fini(void)
{
	if (timer_watch.fd >= 0)
		close(timer_watch.fd);
	if (epoll_fd >= 0)
		close(epoll_fd);
	timer_watch.fd = epoll_fd = -1;
	run_deferred();
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
	free(deferred);
	deferred = NULL;
	deferred_cap = 0;
}

void loop_set_before_sleep(void (*fn)(void))
{
	before_sleep = fn;
}

void loop_set_sleeper(const struct loop_sleeper *s)
{
	sleeper = s;
}

int loop_epoll_fd(void)
{
	return epoll_fd;
}

void loop_stop(void)
{
	stopping = true;
}

void loop_run(void)
{
	struct epoll_event events[EVENT_BATCH];

	stopping = false;
	while (!stopping) {
		int n, timeout;

		fiber_run_ready();
		if (before_sleep)
			before_sleep();
		/* Fibers that yielded want the CPU back after one look at the world. */
		timeout = fiber_has_ready() ? 0 : -1;
		if (sleeper) {
			if (!sleeper->sleep(timeout != 0)) {
				run_deferred();
				continue;
			}
			timeout = 0;
		}
		n = epoll_wait(epoll_fd, events, EVENT_BATCH, timeout);
		if (n < 0) {
			if (errno != EINTR)
				log_error("loop", "epoll_wait: %m");
			continue;
		}
		for (int i = 0; i < n; i++) {
			struct loop_watch *w = events[i].data.ptr;

			w->on_event(w, events[i].events);
		}
		run_deferred();
		if (sleeper)
			sleeper->rearm();
	}
}
