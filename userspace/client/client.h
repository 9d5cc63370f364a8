/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-thread client state (client.c), as the transport sees it. */
#ifndef DSERVER_CLIENT_CLIENT_H
#define DSERVER_CLIENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <dserver/protocol_base.h>

/*
 * Before a request is sent: returns the calling thread's socket, after
 * checking the thread in if the request needs it, or a negative errno.
 */
int dserver_client_prepare(const struct dserver_request_header *request, unsigned flags);

/* After a valid reply: keeps track of checkin and checkout. */
void dserver_client_replied(const struct dserver_request_header *request, size_t request_size,
			    const struct dserver_reply_header *reply);

/* The thread has a socket and is checked in: a signal handler may run the protocol. */
bool dserver_client_in_session(void);

/* The thread's alternate signal stack, unmapped when the thread exits. */
void dserver_client_set_alt_stack(void *stack, size_t size);

/* signal.c: dserver_signal_init() was called (threads then get an alternate stack). */
bool dserver_signal_enabled(void);

#endif
