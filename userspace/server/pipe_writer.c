/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "pipe_writer.h"

/* Bytes waiting in all pipes together: a reader that never reads costs at most this. */
#define MAX_BUFFERED (64u << 20)

struct pipe_writer {
	struct loop_watch watch;
	char *data;
	size_t size, done;
};

static size_t buffered;

static void finish(struct pipe_writer *w)
{
	loop_watch_remove(&w->watch);
	close(w->watch.fd);
	buffered -= w->size - w->done;
	free(w->data);
	loop_defer(free, w);
}

/* Write what the pipe takes; true when nothing is left to write. */
static bool pump(int fd, const char *data, size_t size, size_t *done)
{
	while (*done < size) {
		ssize_t n = write(fd, data + *done, size - *done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno != EAGAIN; /* EPIPE: the reader left; give up */
		}
		*done += (size_t)n;
	}
	return true;
}

static void on_writable(struct loop_watch *watch, uint32_t events)
{
	struct pipe_writer *w = (struct pipe_writer *)watch;
	size_t before = w->done;

	if (events & EPOLLERR) {
		finish(w);
		return;
	}
	bool complete = pump(w->watch.fd, w->data, w->size, &w->done);

	buffered -= w->done - before;
	if (complete)
		finish(w);
}

int pipe_writer_start(void *data, size_t size)
{
	struct pipe_writer *w;
	size_t done = 0;
	int fds[2], err;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		err = -errno;
		free(data);
		return err;
	}
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	if (pump(fds[1], data, size, &done)) {
		close(fds[1]);
		free(data);
		return fds[0];
	}
	if (buffered + (size - done) > MAX_BUFFERED || !(w = malloc(sizeof(*w)))) {
		log_warn("pipe", "%zu bytes for a pipe reader: too much is buffered already", size - done);
		close(fds[0]);
		close(fds[1]);
		free(data);
		return -ENOMEM;
	}
	w->watch.fd = fds[1];
	w->watch.on_event = on_writable;
	w->data = data;
	w->size = size;
	w->done = done;
	err = loop_watch_add(&w->watch, EPOLLOUT);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		free(data);
		free(w);
		return err;
	}
	buffered += size - done;
	return fds[0];
}
