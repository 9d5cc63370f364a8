/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * One request, one reply, over the calling thread's datagram socket
 * (PROTOCOL.md §1.1, §1.3-§1.5, §5.1, §5.5). Every failure is a negative
 * Linux errno, so that it cannot be mistaken for a server code of the XNU or
 * BSD calls, which are never negative.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "client.h"
#include "rpc_transport.h"
#include "s2c.h"

#if defined(__x86_64__)
#define CLIENT_ARCHITECTURE DSERVER_ARCH_X86_64
#elif defined(__i386__)
#define CLIENT_ARCHITECTURE DSERVER_ARCH_I386
#elif defined(__aarch64__)
#define CLIENT_ARCHITECTURE DSERVER_ARCH_ARM64
#else
/* The server refuses to register such a client (§2), which is the truth. */
#define CLIENT_ARCHITECTURE DSERVER_ARCH_INVALID
#endif

/* Exactly one descriptor fits (§1.3); anything more sets MSG_CTRUNC. */
union one_fd_control {
	struct cmsghdr align;
	char bytes[CMSG_SPACE(sizeof(int))];
};

static int server_address(struct sockaddr_un *addr)
{
	const char *path = getenv("DSERVER_SOCKET");
	size_t len;

	if (!path || !*path)
		path = getenv("__mldr_sockpath");
	if (!path || !*path)
		return -EPIPE;
	len = strlen(path);
	if (len >= sizeof(addr->sun_path))
		return -ENAMETOOLONG;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	memcpy(addr->sun_path, path, len + 1);
	return 0;
}

/* iov[0] is the request; further entries are a tail taken from the caller's memory. */
static int send_request(int sock, const struct sockaddr_un *server, struct iovec *iov, int iovcnt,
			int fd_in, unsigned flags)
{
	union one_fd_control control;
	struct msghdr msg = {
		.msg_name = (void *)server,
		.msg_namelen = sizeof(*server),
		.msg_iov = iov,
		.msg_iovlen = (size_t)iovcnt,
	};
	size_t size = 0;
	ssize_t n;

	for (int i = 0; i < iovcnt; i++)
		size += iov[i].iov_len;

	if (fd_in >= 0) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.bytes;
		msg.msg_controllen = sizeof(control.bytes);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd_in, sizeof(int));
	}
	for (;;) {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
		if (n >= 0 || errno != EINTR)
			break;
		/*
		 * Nothing was sent. An interruptible call reports that (§5.5,
		 * §7.1); the others have signals 1-31 blocked, so only the
		 * suspend and S2C handlers get here, and they expect the call
		 * to go on.
		 */
		if (flags & DSERVER_CALL_AI)
			return -EINTR;
	}
	if (n < 0)
		return -errno;
	return (size_t)n == size ? 0 : -ECOMM;
}

static void close_received(struct msghdr *msg)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t i, n;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			close(fd);
		}
	}
}

/*
 * The descriptor that came with a reply, or -1 (§1.3): the only control
 * message allowed is one SCM_RIGHTS with exactly one descriptor.
 */
static int take_descriptor(struct msghdr *msg, int *fd)
{
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);

	*fd = -1;
	if (!cmsg && !(msg->msg_flags & MSG_CTRUNC))
		return 0;
	if ((msg->msg_flags & MSG_CTRUNC) || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS || cmsg->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    CMSG_NXTHDR(msg, cmsg)) {
		close_received(msg);
		return -EBADMSG;
	}
	memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	return 0;
}

/*
 * §7.4: a reply that belongs to the call this thread was in when the signal
 * came reached interrupt_enter's receive. Give it back to the server, which
 * sends it again after interrupt_exit, and wait until the server has it.
 */
static int push_reply(int sock, const struct sockaddr_un *server, const struct dserver_request_header *self,
		      const void *bytes, size_t size, int reply_fd)
{
	struct dserver_push_reply push = {
		.header = *self,
		.reply = (uint64_t)(uintptr_t)bytes,
		.reply_size = size,
	};
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(2 * sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = &push, .iov_len = sizeof(push) };
	struct msghdr msg = {
		.msg_name = (void *)server,
		.msg_namelen = sizeof(*server),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.bytes,
	};
	int fds[2], pipe_fds[2], nfds = 0, r = 0;
	char byte;

	if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
		r = -errno;
		if (reply_fd >= 0)
			close(reply_fd);
		return r;
	}
	push.header.number = DSERVER_PUSH_REPLY_NUMBER;
	if (reply_fd >= 0)
		fds[nfds++] = reply_fd;
	fds[nfds++] = pipe_fds[1]; /* the write end goes last */
	memset(&control, 0, sizeof(control));
	msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	}
	if (reply_fd >= 0)
		close(reply_fd);
	close(pipe_fds[1]);
	/* The server keeps the reply's bytes from our memory: wait for its byte before reusing them. */
	while (r == 0) {
		ssize_t n = read(pipe_fds[0], &byte, 1);

		if (n == 1)
			break;
		if (n == 0 || errno != EINTR)
			r = n == 0 ? -EPIPE : -errno;
	}
	close(pipe_fds[0]);
	return r;
}

/*
 * Wait for the reply to request, of min_size to max_size bytes, into iov:
 * iov[0] holds at least the largest S2C call, so that one never reaches a
 * later entry (which may be the caller's own buffer, written by the kernel
 * and so never faulting here). *got is the reply's size. A call that pushes
 * stray replies back (PU) receives into iov[0] alone, which then holds any
 * reply whole.
 */
static int receive_reply(int sock, const struct sockaddr_un *server, const struct dserver_request_header *request,
			 struct iovec *iov, int iovcnt, size_t min_size, size_t max_size, size_t *got, int *fd_out,
			 unsigned flags)
{
	uint32_t number = request->number;
	unsigned char *first_bytes = iov[0].iov_base;

	for (;;) {
		union one_fd_control control;
		struct msghdr msg = {
			.msg_iov = iov,
			.msg_iovlen = (size_t)iovcnt,
			.msg_control = control.bytes,
			.msg_controllen = sizeof(control.bytes),
		};
		struct dserver_reply_header header;
		ssize_t n;
		int fd, r;

		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			/* A handler ran; the reply is still to come (§7.1). */
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n >= (ssize_t)sizeof(uint32_t)) {
			uint32_t first;

			memcpy(&first, first_bytes, sizeof(first));
			if (first == DSERVER_S2C_NUMBER) {
				/* A server-to-client call (§8): do it, answer, and keep waiting. */
				dserver_s2c_perform(sock, server, request, first_bytes, (size_t)n, &msg);
				continue;
			}
		}
		if ((size_t)n < sizeof(header)) {
			close_received(&msg);
			return -ECOMM;
		}
		memcpy(&header, first_bytes, sizeof(header));
		if (header.number != number && (flags & DSERVER_CALL_PU)) {
			r = take_descriptor(&msg, &fd);
			if (r == 0)
				r = push_reply(sock, server, request, first_bytes, (size_t)n, fd);
			if (r < 0)
				return r;
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) || (size_t)n < min_size || (size_t)n > max_size ||
		    header.number != number) {
			close_received(&msg);
			return -ECOMM;
		}
		r = take_descriptor(&msg, &fd);
		if (r < 0)
			return r;
		if (fd >= 0 && !fd_out) {
			close(fd);
			return -EBADMSG;
		}
		if (fd_out)
			*fd_out = fd;
		*got = (size_t)n;
		return 0;
	}
}

/*
 * §1.5: ordinary signals wait until the reply is in; 34 and 35 do too, but
 * only around interrupt_enter and interrupt_exit (§7.4): a handler nested in
 * interrupt_enter's wait would take the outer interrupt_enter's reply, which
 * has the same number, for its own; one nested in interrupt_exit's wait
 * would have two replies to push back (the exit's and the held one), and a
 * context holds one.
 */
static void block_signals(sigset_t *saved, unsigned flags, uint32_t number)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	for (sig = 1; sig <= 31; sig++)
		sigaddset(&set, sig);
	if ((flags & DSERVER_CALL_PU) || number == DSERVER_CALL_NUMBER_INTERRUPT_EXIT) {
		sigaddset(&set, 34);
		sigaddset(&set, 35);
	}
	pthread_sigmask(SIG_BLOCK, &set, saved);
}

/* One exchange: request from req_iov, reply into rep_iov (see receive_reply). */
static int transact(struct iovec *req_iov, int req_n, int fd_in, struct iovec *rep_iov, int rep_n, size_t min_size,
		    size_t max_size, size_t *got, int *fd_out, unsigned flags)
{
	struct dserver_request_header *request = req_iov[0].iov_base;
	struct sockaddr_un server;
	sigset_t saved_mask;
	int saved_errno = errno;
	int cancel_state, sock, r;

	if (fd_out)
		*fd_out = -1;
	r = server_address(&server);
	if (r < 0)
		return r;
	sock = dserver_client_prepare(request, flags);
	if (sock < 0) {
		errno = saved_errno;
		return sock;
	}
	request->pid = getpid();
	request->tid = gettid();
	request->architecture = CLIENT_ARCHITECTURE;

	/*
	 * A thread cancelled between send and receive would leave its reply
	 * queued on the socket, and the checkout sent at its exit would read
	 * that reply instead of its own.
	 */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	if (!(flags & DSERVER_CALL_AI))
		block_signals(&saved_mask, flags, request->number);
	r = send_request(sock, &server, req_iov, req_n, fd_in, flags);
	if (r == 0) {
		r = receive_reply(sock, &server, request, rep_iov, rep_n, min_size, max_size, got, fd_out, flags);
		/* The server has acted; the reply was lost on the way into the caller's memory. */
		if (r == -EFAULT)
			r = -EREMOTEIO;
	}
	if (!(flags & DSERVER_CALL_AI))
		pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	pthread_setcancelstate(cancel_state, NULL);

	if (r == 0)
		dserver_client_replied(request, req_iov[0].iov_len, rep_iov[0].iov_base);
	/* Callers emulate system calls: errno is theirs. */
	errno = saved_errno;
	return r;
}

int dserver_rpc_transact(struct dserver_request_header *request, size_t request_size, int fd_in,
			 struct dserver_reply_header *reply, size_t reply_size, int *fd_out,
			 unsigned flags)
{
	/* Room for any reply, so that a stray one is pushed back whole (§7.4). */
	union {
		uint64_t align;
		unsigned char bytes[DSERVER_MAX_REPLY_WITH_TAIL];
	} buf;
	struct iovec req_iov = { request, request_size }, rep_iov = { buf.bytes, sizeof(buf.bytes) };
	size_t got;
	int r;

	if (request_size < sizeof(*request) || request_size > DSERVER_MAX_REQUEST_SIZE ||
	    reply_size < sizeof(*reply) ||
	    reply_size > (request->number & DSERVER_EXTENSION_BIT ? DSERVER_MAX_REPLY_SIZE /* §1.4 */
								  : DSERVER_CLIENT_RECEIVE_BUFFER))
		return -EINVAL;
	r = transact(&req_iov, 1, fd_in, &rep_iov, 1, reply_size, reply_size, &got, fd_out, flags);
	if (r == 0)
		memcpy(reply, buf.bytes, reply_size);
	return r;
}

int dserver_rpc_transact_tail(struct dserver_request_header *request, size_t request_size, const void *tail,
			      size_t tail_size, struct dserver_reply_header *reply, size_t reply_size,
			      void *reply_tail, size_t reply_tail_room, size_t *reply_tail_size, unsigned flags)
{
	struct iovec req_iov[2] = { { request, request_size }, { (void *)tail, tail_size } };
	struct iovec rep_iov[2] = { { reply, reply_size }, { reply_tail, reply_tail_room } };
	size_t got;
	int r;

	if (request_size < sizeof(*request) || request_size + tail_size > DSERVER_MAX_REQUEST_WITH_TAIL ||
	    reply_size < DSERVER_CLIENT_RECEIVE_BUFFER || reply_size + reply_tail_room > DSERVER_MAX_REPLY_WITH_TAIL)
		return -EINVAL;
	r = transact(req_iov, tail_size ? 2 : 1, -1, rep_iov, reply_tail_room ? 2 : 1, reply_size,
		     reply_size + reply_tail_room, &got, NULL, flags);
	if (r == 0)
		*reply_tail_size = got - reply_size;
	return r;
}

/* A marker's address for the socket file at path (PROTOCOL.md §11); its length, or 0. */
static socklen_t marker_address(const char *format, const char *path, struct sockaddr_un *marker)
{
	struct stat st;
	int len;

	if (stat(path, &st) != 0)
		return 0;
	memset(marker, 0, sizeof(*marker));
	marker->sun_family = AF_UNIX;
	len = snprintf(marker->sun_path + 1, sizeof(marker->sun_path) - 1, format, (unsigned long long)st.st_dev,
		       (unsigned long long)st.st_ino);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len);
}

/* What a thread last found out about one marker, for one socket path. */
struct marker_answer {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool bound;
};

/* Whether the server of this thread's socket path has bound the marker format names. */
static bool marker_bound(const char *format, struct marker_answer *cache)
{
	struct sockaddr_un server, marker;
	socklen_t len;
	int saved_errno = errno, fd;

	if (getenv("DSERVER_NO_EXTENSIONS") || server_address(&server) != 0)
		return false;
	if (!strcmp(cache->path, server.sun_path))
		return cache->bound;
	cache->bound = false;
	len = marker_address(format, server.sun_path, &marker);
	if (len) {
		/* Connecting a datagram socket succeeds only if someone has bound the name. */
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			cache->bound = connect(fd, (struct sockaddr *)&marker, len) == 0;
			close(fd);
		}
	}
	memcpy(cache->path, server.sun_path, sizeof(cache->path));
	errno = saved_errno;
	return cache->bound;
}

/* Per thread, so that no lock is needed; tests move threads between servers. */
static __thread struct marker_answer extensions_answer, signal_records_answer;

bool dserver_rpc_server_has_extensions(void)
{
	return marker_bound(DSERVER_EXTENSION_MARKER_FORMAT, &extensions_answer);
}

bool dserver_rpc_server_has_signal_records(void)
{
	return marker_bound(DSERVER_SIGNAL_RECORD_MARKER_FORMAT, &signal_records_answer);
}

void dserver_rpc_close(int fd)
{
	int saved_errno = errno;

	close(fd);
	errno = saved_errno;
}
