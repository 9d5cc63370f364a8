/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The server socket: AF_UNIX SOCK_DGRAM with SO_PASSCRED. Datagrams are
 * received in batches (recvmmsg) and handed to the dispatcher; outgoing
 * messages are queued and sent in batches (sendmmsg) before the loop sleeps.
 */
#ifndef DSERVER_TRANSPORT_H
#define DSERVER_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <dserver/protocol_gen.h>

#define TRANSPORT_MAX_FDS DSERVER_SERVER_RECEIVE_FDS
/*
 * The largest message a client can receive: upstream clients take 48 bytes
 * (§1.4); only clients that negotiated the extensions (§11) get the longer
 * replies of calls with a tail.
 */
#define TRANSPORT_MAX_OUTGOING \
	(DSERVER_MAX_REPLY_WITH_TAIL > DSERVER_CLIENT_RECEIVE_BUFFER ? DSERVER_MAX_REPLY_WITH_TAIL \
								      : DSERVER_CLIENT_RECEIVE_BUFFER)
/* Room for the largest request, tail included, and never less than upstream's 256 bytes. */
#define TRANSPORT_MAX_INCOMING \
	(DSERVER_MAX_REQUEST_WITH_TAIL > DSERVER_SERVER_RECEIVE_BUFFER ? DSERVER_MAX_REQUEST_WITH_TAIL \
									: DSERVER_SERVER_RECEIVE_BUFFER)

struct peer_address {
	socklen_t len;
	struct sockaddr_un addr;
};

struct datagram {
	union {
		uint64_t align;
		uint32_t number;
		struct dserver_request_header header;
		unsigned char bytes[TRANSPORT_MAX_INCOMING];
	} data;
	size_t size;
	int fds[TRANSPORT_MAX_FDS]; /* owned by whoever handles the datagram */
	int nfds;
	struct ucred cred;          /* from the kernel, never from the client */
	struct peer_address source;
	uint64_t received_ns;
};

typedef void (*transport_receive_fn)(struct datagram *datagram);

/* How the loop waits for datagrams (dserver --io). */
enum transport_io {
	TRANSPORT_IO_AUTO,  /* block if its watcher thread can start, else epoll */
	TRANSPORT_IO_BLOCK, /* the loop sleeps in a blocking receive on the socket */
	TRANSPORT_IO_EPOLL, /* the loop sleeps in epoll_wait, the socket in its set */
};
const char *transport_io_name(enum transport_io io);

/*
 * Bind the server socket at path. The directory must be private to this
 * user: it is created 0700 if missing, and refused if others can enter it.
 * 0 or -errno (with a log line saying why).
 */
int transport_open(const char *path, transport_receive_fn receive, enum transport_io io);
void transport_close(void);

/*
 * Queue size bytes for `to`, with descriptor fd (-1 for none; the transport
 * closes it once sent or dropped). Messages to one peer leave in order.
 */
void transport_send(const struct peer_address *to, const void *data, size_t size, int fd);

/* Send what is queued; the loop calls this before it sleeps. */
void transport_flush(void);

/* Close every descriptor a datagram carried. */
void datagram_close_fds(struct datagram *datagram);

struct transport_stats {
	uint64_t received, sent, dropped_incoming, dropped_outgoing, deferred;
};
void transport_get_stats(struct transport_stats *stats);

#endif
