/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transport under the generated call stubs (rpc_stubs_gen.c). */
#ifndef DSERVER_CLIENT_RPC_TRANSPORT_H
#define DSERVER_CLIENT_RPC_TRANSPORT_H

#include <stdbool.h>
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

/*
 * The same for a call with tails (PROTOCOL.md §11): tail_size bytes from
 * tail follow the request, and up to reply_tail_room bytes of the reply
 * beyond reply_size (at least the client receive buffer, §1.4) go straight
 * into reply_tail; *reply_tail_size says how many came. The kernel does
 * the copies, so bad memory is an error, never a fault: -EFAULT when the
 * tail could not be read (nothing was sent), -EREMOTEIO when the reply
 * could not be stored (the server has acted). No descriptors either way.
 */
int dserver_rpc_transact_tail(struct dserver_request_header *request, size_t request_size, const void *tail,
			      size_t tail_size, struct dserver_reply_header *reply, size_t reply_size,
			      void *reply_tail, size_t reply_tail_room, size_t *reply_tail_size, unsigned flags);

/*
 * Whether the server of this thread's socket path speaks dserver's
 * extensions (§11): its marker is bound, and $DSERVER_NO_EXTENSIONS is unset.
 */
bool dserver_rpc_server_has_extensions(void);

/*
 * Whether that server also has the eBPF signal records active (§11), so
 * that a signal handler uses interrupt_enter_sigprocess: its second marker
 * is bound, and $DSERVER_NO_EXTENSIONS is unset.
 */
bool dserver_rpc_server_has_signal_records(void);

void dserver_rpc_close(int fd);

#endif
