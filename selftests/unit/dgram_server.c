// SPDX-License-Identifier: GPL-3.0-or-later
/* The fake servers' socket and thread (dgram_server.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dgram_server.h"

static void *serve(void *arg)
{
	struct dgram_server *s = arg;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct pollfd p[2] = { { s->sock, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			return NULL;
		if (p[0].revents & POLLIN)
			s->serve_one();
	}
}

int dgram_server_start(struct dgram_server *s, bool passcred, void (*serve_one)(void))
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->serve_one = serve_one;
	strcpy(s->dir, "/tmp/dserver-client-XXXXXX");
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->path, sizeof(s->path), "%s/s.sock", s->dir);
	memcpy(addr.sun_path, s->path, sizeof(s->path));
	s->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->sock < 0 || bind(s->sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    (passcred && setsockopt(s->sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) ||
	    pipe2(s->stop, O_CLOEXEC) < 0)
		return -1;
	if (pthread_create(&s->thread, NULL, serve, s))
		return -1;
	setenv("DSERVER_SOCKET", s->path, 1);
	return 0;
}

void dgram_server_stop(struct dgram_server *s)
{
	if (write(s->stop[1], "x", 1) == 1)
		pthread_join(s->thread, NULL);
	close(s->stop[0]);
	close(s->stop[1]);
	close(s->sock);
	unlink(s->path);
	rmdir(s->dir);
	unsetenv("DSERVER_SOCKET");
}
