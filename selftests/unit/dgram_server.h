/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the fake servers of the libdserver unit tests share: a datagram
 * socket in a private directory, served by a thread that calls back each
 * time a datagram is waiting, and $DSERVER_SOCKET pointing at it.
 */
#ifndef DSERVER_TEST_DGRAM_SERVER_H
#define DSERVER_TEST_DGRAM_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/un.h>

struct dgram_server {
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int sock;
	int stop[2];
	pthread_t thread;
	void (*serve_one)(void); /* reads one datagram from sock and answers it */
};

/*
 * Binds the socket (with SO_PASSCRED if passcred), starts the thread with
 * every signal blocked (the test's signals are for the client), and sets
 * $DSERVER_SOCKET. Returns 0 or -1.
 */
int dgram_server_start(struct dgram_server *s, bool passcred, void (*serve_one)(void));
/* Stops the thread, removes the socket and its directory, unsets $DSERVER_SOCKET. */
void dgram_server_stop(struct dgram_server *s);

#endif
