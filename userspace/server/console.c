/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "console.h"
#include "log.h"
#include "loop.h"
#include "process.h"

#define LINE_MAX_BYTES 1024
/* Each console holds a server descriptor: a process may not take them all. */
#define MAX_CONSOLES_PER_PROCESS 8

struct console {
	struct loop_watch watch;
	struct process *process;
	struct console *next;
	size_t len;
	char line[LINE_MAX_BYTES];
};

static void flush_line(struct console *c)
{
	if (c->len)
		log_warn("console", "pid %d: %.*s", c->process->pid, (int)c->len, c->line);
	c->len = 0;
}

static void console_close(struct console *c)
{
	struct process *p = c->process;

	flush_line(c);
	for (struct console **pp = &p->consoles; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_watch_remove(&c->watch);
	close(c->watch.fd);
	c->watch.fd = -1;
	loop_defer(free, c);
}

static void on_console(struct loop_watch *w, uint32_t events)
{
	struct console *c = (struct console *)w;
	char buf[4096];
	ssize_t n;

	if (w->fd < 0)
		return; /* closed earlier in this batch (its process died); freed after it */
	n = read(w->fd, buf, sizeof(buf));
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		console_close(c);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || c->len == sizeof(c->line)) {
			flush_line(c);
			if (buf[i] == '\n')
				continue;
		}
		c->line[c->len++] = buf[i];
	}
	(void)events;
}

int console_open(struct process *p)
{
	struct console *c;
	int sv[2], err, count = 0;

	for (c = p->consoles; c; c = c->next)
		count++;
	if (count >= MAX_CONSOLES_PER_PROCESS)
		return -EMFILE;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(sv[0]);
		close(sv[1]);
		return -ENOMEM;
	}
	c->process = p;
	c->watch.fd = sv[0];
	c->watch.on_event = on_console;
	/* The server end only reads, and must never block the loop. */
	err = 0;
	if (shutdown(sv[0], SHUT_WR) != 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0)
		err = -errno;
	if (!err)
		err = loop_watch_add(&c->watch, EPOLLIN);
	if (err) {
		close(sv[0]);
		close(sv[1]);
		free(c);
		return err;
	}
	c->next = p->consoles;
	p->consoles = c;
	return sv[1];
}

void consoles_close_all(struct process *p)
{
	while (p->consoles)
		console_close(p->consoles);
}
