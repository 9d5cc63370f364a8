/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The epoll watcher: while the loop sleeps in a blocking receive on the
 * server socket (transport.c, --io=block), a second thread sleeps in poll()
 * on the loop's epoll set, which then holds everything but that socket
 * (process deaths, pipes, consoles, the timerfd, the signalfd). When the
 * set has events it sends an empty datagram to the server socket, which
 * wakes the loop, and waits until the loop has collected the events before
 * it looks again: a level-triggered event wakes the loop once, not in a
 * spin. The thread never touches the loop's data; calls never wait for it.
 */
#ifndef DSERVER_WATCHER_H
#define DSERVER_WATCHER_H

#include <sys/socket.h>
#include <sys/un.h>

/* 0, or -errno if the thread cannot run (the caller then sleeps in epoll_wait). */
int watcher_start(int epoll_fd, const struct sockaddr_un *wake, socklen_t wake_len);

/* The loop has collected the events of the wake-up it received: watch again. */
void watcher_rearm(void);

/* End the thread (idempotent). */
void watcher_stop(void);

#endif
