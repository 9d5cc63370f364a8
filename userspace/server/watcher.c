/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "watcher.h"

static struct {
	pthread_t thread;
	bool running;
	int epoll_fd;
	int sock;       /* connected to the server socket */
	int control;    /* eventfd: the loop's "rearm" and "stop" */
	atomic_bool stop;
	sem_t started;
	int start_error;
} w = { .sock = -1, .control = -1 };

/* Block until the loop writes to the control eventfd; false if it asks us to stop. */
static bool wait_control(void)
{
	uint64_t v;

	while (read(w.control, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	return !atomic_load(&w.stop);
}

/*
 * Send the wake-up. The server socket's queue may be full (clients filled
 * it): the socket is connected, so POLLOUT says when there is room again.
 */
static bool send_wake(void)
{
	for (;;) {
		struct pollfd p[2] = { { w.sock, POLLOUT, 0 }, { w.control, POLLIN, 0 } };

		if (send(w.sock, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == 0)
			return true;
		if (errno != EAGAIN && errno != EINTR) {
			log_error("watcher", "cannot wake the loop: %m");
			return false;
		}
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return false;
		if (p[1].revents && !wait_control())
			return false;
	}
}

static void *watch(void *arg)
{
	(void)arg;
	/*
	 * A descriptor table of our own: while the loop's table has one user,
	 * the kernel looks up its descriptors without reference counting on
	 * every call. The copy holds only what is open now (the loop waits
	 * below), none of the clients' descriptors, whose last close must
	 * stay the loop's.
	 */
	w.start_error = unshare(CLONE_FILES) == 0 ? 0 : -errno;
	sem_post(&w.started);
	if (w.start_error)
		return NULL;
	for (;;) {
		struct pollfd p[2] = { { w.epoll_fd, POLLIN, 0 }, { w.control, POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("watcher", "poll: %m");
			return NULL;
		}
		if (p[1].revents && !wait_control())
			return NULL;
		if (!(p[0].revents & POLLIN))
			continue;
		if (!send_wake() || !wait_control())
			return NULL;
	}
}

int watcher_start(int epoll_fd, const struct sockaddr_un *wake, socklen_t wake_len)
{
	sigset_t all, old;
	int err;

	w.epoll_fd = epoll_fd;
	atomic_store(&w.stop, false);
	sem_init(&w.started, 0, 0);
	w.control = eventfd(0, EFD_CLOEXEC);
	w.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (w.control < 0 || w.sock < 0 || connect(w.sock, (const struct sockaddr *)wake, wake_len) != 0) {
		err = -errno;
		goto fail;
	}
	/* Signals are the loop's business (signalfd): the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&w.thread, NULL, watch, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto fail;
	w.running = true;
	while (sem_wait(&w.started) != 0)
		;
	if (w.start_error) {
		err = w.start_error;
		goto fail;
	}
	pthread_setname_np(w.thread, "dserver-watch");
	return 0;
fail:
	watcher_stop();
	return err;
}

void watcher_rearm(void)
{
	uint64_t one = 1;

	if (write(w.control, &one, sizeof(one)) != sizeof(one))
		log_error("watcher", "rearm: %m");
}

void watcher_stop(void)
{
	if (w.running) {
		atomic_store(&w.stop, true);
		watcher_rearm();
		pthread_join(w.thread, NULL);
		w.running = false;
	}
	if (w.sock >= 0)
		close(w.sock);
	if (w.control >= 0)
		close(w.control);
	w.sock = w.control = -1;
	sem_destroy(&w.started);
}
