/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-thread client state (client.c), as the transport sees it. */
#ifndef DSERVER_CLIENT_CLIENT_H
#define DSERVER_CLIENT_CLIENT_H

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

#endif
