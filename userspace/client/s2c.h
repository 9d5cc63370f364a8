/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Server-to-client calls, performed inside the receive loop (PROTOCOL.md §8). */
#ifndef DSERVER_CLIENT_S2C_H
#define DSERVER_CLIENT_S2C_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <dserver/protocol_base.h>

/*
 * Carry out the S2C call in data (size bytes, with msg's control data) and
 * send its reply to server from sock. Malformed calls are dropped: the
 * server then fails them (EPROTO) rather than wait.
 */
void dserver_s2c_perform(int sock, const struct sockaddr_un *server, const struct dserver_request_header *self,
			 const unsigned char *data, size_t size, struct msghdr *msg);

#endif
