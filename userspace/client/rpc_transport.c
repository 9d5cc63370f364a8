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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static int send_request(int sock, const struct sockaddr_un *server, const void *request,
			size_t size, int fd_in, unsigned flags)
{
	union one_fd_control control;
	struct iovec iov = { .iov_base = (void *)request, .iov_len = size };
	struct msghdr msg = {
		.msg_name = (void *)server,
		.msg_namelen = sizeof(*server),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

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

static int receive_reply(int sock, const struct sockaddr_un *server, const struct dserver_request_header *request,
			 struct dserver_reply_header *reply, size_t reply_size, int *fd_out, unsigned flags)
{
	uint32_t number = request->number;

	for (;;) {
		union {
			uint64_t align;
			unsigned char bytes[DSERVER_CLIENT_RECEIVE_BUFFER];
		} buf;
		union one_fd_control control;
		struct iovec iov = { .iov_base = buf.bytes, .iov_len = sizeof(buf.bytes) };
		struct msghdr msg = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
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

			memcpy(&first, buf.bytes, sizeof(first));
			if (first == DSERVER_S2C_NUMBER) {
				/* A server-to-client call (§8): do it, answer, and keep waiting. */
				dserver_s2c_perform(sock, server, request, buf.bytes, (size_t)n, &msg);
				continue;
			}
		}
		if ((size_t)n < sizeof(header)) {
			close_received(&msg);
			return -ECOMM;
		}
		memcpy(&header, buf.bytes, sizeof(header));
		if (header.number != number && (flags & DSERVER_CALL_PU)) {
			r = take_descriptor(&msg, &fd);
			if (r == 0)
				r = push_reply(sock, server, request, buf.bytes, (size_t)n, fd);
			if (r < 0)
				return r;
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) || (size_t)n != reply_size || header.number != number) {
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
		memcpy(reply, buf.bytes, reply_size);
		if (fd_out)
			*fd_out = fd;
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

int dserver_rpc_transact(struct dserver_request_header *request, size_t request_size, int fd_in,
			 struct dserver_reply_header *reply, size_t reply_size, int *fd_out,
			 unsigned flags)
{
	struct sockaddr_un server;
	sigset_t saved_mask;
	int saved_errno = errno;
	int cancel_state, sock, r;

	if (fd_out)
		*fd_out = -1;
	if (request_size < sizeof(*request) || request_size > DSERVER_MAX_REQUEST_SIZE ||
	    reply_size < sizeof(*reply) || reply_size > DSERVER_CLIENT_RECEIVE_BUFFER)
		return -EINVAL;
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
	r = send_request(sock, &server, request, request_size, fd_in, flags);
	if (r == 0)
		r = receive_reply(sock, &server, request, reply, reply_size, fd_out, flags);
	if (!(flags & DSERVER_CALL_AI))
		pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
	pthread_setcancelstate(cancel_state, NULL);

	if (r == 0)
		dserver_client_replied(request, request_size, reply);
	/* Callers emulate system calls: errno is theirs. */
	errno = saved_errno;
	return r;
}

void dserver_rpc_close(int fd)
{
	int saved_errno = errno;

	close(fd);
	errno = saved_errno;
}
