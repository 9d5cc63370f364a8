/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef DSERVER_HAVE_LIBURING
#include <liburing.h>
#endif

#include "bench_echo.h"

#define REPLY_SIZE 12
#define BUFFER 256

const char *echo_kind_name(enum echo_kind kind)
{
	static const char *const names[] = { "raw", "block_cred", "epoll_cred", "uring_cred" };

	return kind < ECHO_KINDS ? names[kind] : "?";
}

/* The number, echoed; code 0; tracer 0. */
static void answer(int fd, const unsigned char *request, size_t size,
		   const struct sockaddr_un *to, socklen_t to_len)
{
	unsigned char reply[REPLY_SIZE] = { 0 };

	if (size < 4)
		return;
	memcpy(reply, request, 4);
	sendto(fd, reply, sizeof(reply), 0, (const struct sockaddr *)to, to_len);
}

static void raw_loop(int fd)
{
	unsigned char buf[BUFFER];
	struct sockaddr_un from;

	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0 && errno != EINTR)
			_exit(1);
		if (n > 0)
			answer(fd, buf, (size_t)n, &from, len);
	}
}

/* One recvmsg that takes the credentials, as dserver's receive does. */
static ssize_t receive_with_cred(int fd, unsigned char *buf, struct sockaddr_un *from,
				 socklen_t *from_len, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4) + CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { buf, BUFFER };
	struct msghdr m = {
		.msg_name = from,
		.msg_namelen = sizeof(*from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(fd, &m, flags | MSG_CMSG_CLOEXEC);

	*from_len = m.msg_namelen;
	return n;
}

static void block_loop(int fd)
{
	unsigned char buf[BUFFER];
	struct sockaddr_un from;
	socklen_t len;

	for (;;) {
		ssize_t n = receive_with_cred(fd, buf, &from, &len, 0);

		if (n < 0 && errno != EINTR)
			_exit(1);
		if (n > 0)
			answer(fd, buf, (size_t)n, &from, len);
	}
}

static void epoll_loop(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	unsigned char buf[BUFFER];
	struct sockaddr_un from;
	socklen_t len;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		_exit(1);
	/* One datagram per wake-up: level-triggered epoll reports the next. */
	for (;;) {
		ssize_t n;

		if (epoll_wait(ep, &ev, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		n = receive_with_cred(fd, buf, &from, &len, MSG_DONTWAIT);
		if (n > 0)
			answer(fd, buf, (size_t)n, &from, len);
	}
}

#ifdef DSERVER_HAVE_LIBURING
enum { URING_BUFFERS = 16, URING_BUFFER_SIZE = 512, URING_GROUP = 0 };
enum { OP_RECEIVE = 1, OP_SEND = 2 };

static int uring_setup(struct io_uring *ring)
{
	/* The cheapest settings 6.1+ has; older kernels get the plain ring. */
	int err = io_uring_queue_init(64, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);

	return err == -EINVAL ? io_uring_queue_init(64, ring, 0) : err;
}

static void uring_arm_receive(struct io_uring *ring, int fd, struct msghdr *shape)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	io_uring_prep_recvmsg_multishot(sqe, fd, shape, MSG_CMSG_CLOEXEC);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = URING_GROUP;
	io_uring_sqe_set_data64(sqe, OP_RECEIVE);
}

static void uring_loop(int fd)
{
	static unsigned char buffers[URING_BUFFERS][URING_BUFFER_SIZE];
	static unsigned char reply[REPLY_SIZE];
	static struct sockaddr_un to;
	struct iovec iov = { reply, sizeof(reply) };
	struct msghdr out = { .msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1 };
	/* Where the kernel puts the name and control in each provided buffer. */
	struct msghdr shape = {
		.msg_namelen = sizeof(struct sockaddr_un),
		.msg_controllen = CMSG_SPACE(sizeof(int) * 4) + CMSG_SPACE(sizeof(struct ucred)),
	};
	struct io_uring_buf_reg reg = { 0 };
	struct io_uring_buf_ring *br;
	struct io_uring ring;

	if (uring_setup(&ring) != 0)
		_exit(1);
	/* liburing 2.3 (Debian 12) has no io_uring_setup_buf_ring: register by hand. */
	br = aligned_alloc(4096, 4096);
	if (!br)
		_exit(1);
	io_uring_buf_ring_init(br);
	reg.ring_addr = (uintptr_t)br;
	reg.ring_entries = URING_BUFFERS;
	reg.bgid = URING_GROUP;
	if (io_uring_register_buf_ring(&ring, &reg, 0) != 0)
		_exit(1);
	for (int i = 0; i < URING_BUFFERS; i++)
		io_uring_buf_ring_add(br, buffers[i], URING_BUFFER_SIZE, (unsigned short)i,
				      io_uring_buf_ring_mask(URING_BUFFERS), i);
	io_uring_buf_ring_advance(br, URING_BUFFERS);
	uring_arm_receive(&ring, fd, &shape);

	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		bool rearm = false, reply_ready = false;

		/* The reply of the last round goes in with this wait: one syscall a round trip. */
		if (io_uring_submit_and_wait(&ring, 1) < 0 && errno != EINTR)
			_exit(1);
		io_uring_for_each_cqe(&ring, head, cqe) {
			seen++;
			if (io_uring_cqe_get_data64(cqe) != OP_RECEIVE)
				continue;
			if (!(cqe->flags & IORING_CQE_F_MORE))
				rearm = true;
			if (cqe->res < 0 || !(cqe->flags & IORING_CQE_F_BUFFER))
				continue;

			unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
			struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(buffers[id], cqe->res, &shape);

			if (o && o->payloadlen >= 4 && o->namelen <= sizeof(to)) {
				memcpy(&to, io_uring_recvmsg_name(o), o->namelen);
				out.msg_namelen = o->namelen;
				memset(reply, 0, sizeof(reply));
				memcpy(reply, io_uring_recvmsg_payload(o, &shape), 4);
				reply_ready = true;
			}
			io_uring_buf_ring_add(br, buffers[id], URING_BUFFER_SIZE, (unsigned short)id,
					      io_uring_buf_ring_mask(URING_BUFFERS), 0);
			io_uring_buf_ring_advance(br, 1);
		}
		io_uring_cq_advance(&ring, seen);
		if (reply_ready) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_sendmsg(sqe, fd, &out, MSG_DONTWAIT | MSG_NOSIGNAL);
			io_uring_sqe_set_data64(sqe, OP_SEND);
		}
		if (rearm)
			uring_arm_receive(&ring, fd, &shape);
	}
}
#endif

int echo_kind_available(enum echo_kind kind)
{
#ifdef DSERVER_HAVE_LIBURING
	if (kind == ECHO_URING_CRED) {
		struct io_uring ring;
		int err = uring_setup(&ring);

		if (!err)
			io_uring_queue_exit(&ring);
		return err;
	}
#else
	if (kind == ECHO_URING_CRED)
		return -ENOSYS;
#endif
	return kind < ECHO_KINDS ? 0 : -EINVAL;
}

void echo_run(int fd, enum echo_kind kind)
{
	int one = 1;

	if (kind != ECHO_RAW && setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0)
		_exit(1);
	switch (kind) {
	case ECHO_RAW:
		raw_loop(fd);
		break;
	case ECHO_BLOCK_CRED:
		block_loop(fd);
		break;
	case ECHO_EPOLL_CRED:
		epoll_loop(fd);
		break;
	case ECHO_URING_CRED:
#ifdef DSERVER_HAVE_LIBURING
		uring_loop(fd);
#endif
		break;
	default:
		break;
	}
	_exit(1);
}
