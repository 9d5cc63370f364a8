/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libdserver: the client side of the darlingserver protocol (PROTOCOL.md).
 *
 * Every call of the protocol has a function dserver_rpc_<name>() (generated
 * into <dserver/rpc_gen.h>). It returns the reply's code, or a negative Linux
 * errno when the transport failed (§5.5). Each thread talks to the server over
 * its own socket and checks in before its first call; the server socket is
 * named by $DSERVER_SOCKET, else by $__mldr_sockpath (upstream's variable).
 */
#ifndef DSERVER_RPC_H
#define DSERVER_RPC_H

#define DSERVER_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* The generated prototypes carry no attribute: export them all. */
#pragma GCC visibility push(default)
#include <dserver/protocol_gen.h>
#include <dserver/rpc_gen.h>
#pragma GCC visibility pop

/*
 * Checks the calling thread in, unless it already is. Other calls do this
 * on their own; call it to learn early that the server is unreachable.
 * Returns 0 or a negative errno.
 */
DSERVER_API int dserver_client_checkin(void);

/*
 * The calling thread's socket, created if needed (without checking in), or a
 * negative errno. The descriptor stays owned by libdserver.
 */
DSERVER_API int dserver_client_socket(void);

/*
 * Closes the calling thread's socket and forgets that it checked in, without
 * telling the server. The next call starts over with a new socket and a
 * checkin.
 */
DSERVER_API void dserver_client_forget_thread(void);

#ifdef __cplusplus
}
#endif

#endif
