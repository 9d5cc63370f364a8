/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transport under the generated call stubs (rpc_stubs_gen.c). */
#ifndef DSERVER_CLIENT_RPC_TRANSPORT_H
#define DSERVER_CLIENT_RPC_TRANSPORT_H

#include <stddef.h>

#include <dserver/protocol_base.h>

/*
 * Sends one request from the calling thread's socket and waits for its reply.
 * request: the whole request; the header's pid, tid and architecture are
 *   filled in here.
 * fd_in: a descriptor to attach, or -1.
 * reply: receives exactly reply_size bytes.
 * fd_out: NULL when the reply has no fd field; otherwise receives the
 *   descriptor that came with the reply, or -1.
 * flags: DSERVER_CALL_* of the call.
 * Returns 0 when a valid reply arrived (its code is in reply->code), else a
 * negative Linux errno (PROTOCOL.md §5.5).
 */
int dserver_rpc_transact(struct dserver_request_header *request, size_t request_size, int fd_in,
			 struct dserver_reply_header *reply, size_t reply_size, int *fd_out,
			 unsigned flags);

void dserver_rpc_close(int fd);

#endif
