/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The client side of server-to-client calls (§8): mmap, munmap, mprotect
 * and msync, asked for by the server when it needs memory changed in this
 * process (out-of-line message data, remote VM calls).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "s2c.h"

#define S2C_MMAP 1
#define S2C_MUNMAP 2
#define S2C_MPROTECT 3
#define S2C_MSYNC 4

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int32_t get32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The descriptor an mmap call carries: exactly one, or none at all. */
static int received_fd(struct msghdr *msg)
{
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg);
	int fd;

	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

void dserver_s2c_perform(int sock, const struct sockaddr_un *server, const struct dserver_request_header *self,
			 const unsigned char *data, size_t size, struct msghdr *msg)
{
	/* Reply layout: the request header's first 16 bytes, then the S2C number at 16. */
	unsigned char reply[40] = { 0 };
	size_t reply_size = 28;
	int32_t number = size >= 8 ? get32(data + 4) : 0;
	int fd = received_fd(msg);
	int saved_errno = errno;

	uint32_t call_number = DSERVER_S2C_NUMBER;

	memcpy(reply, self, 16); /* pid, tid, architecture as the request had them */
	memcpy(reply, &call_number, sizeof(call_number));
	memcpy(reply + 16, &number, sizeof(number));
	switch (number) {
	case S2C_MMAP: {
		if (size != 48)
			goto drop;
		int32_t wants_fd = get32(data + 32);
		void *address;

		if (wants_fd == 0 && fd < 0) {
			address = MAP_FAILED;
			errno = EBADF;
		} else {
			address = mmap((void *)(uintptr_t)get64(data + 8), get64(data + 16), get32(data + 24),
				       get32(data + 28), wants_fd == 0 ? fd : -1, (off_t)get64(data + 40));
		}
		int32_t err = address == MAP_FAILED ? errno : 0;
		uint64_t result = (uint64_t)(uintptr_t)address;

		memcpy(reply + 24, &result, sizeof(result));
		memcpy(reply + 32, &err, sizeof(err));
		reply_size = 40;
		break;
	}
	case S2C_MUNMAP:
	case S2C_MPROTECT:
	case S2C_MSYNC: {
		int r;

		if (size != (number == S2C_MUNMAP ? 24u : 32u))
			goto drop;
		void *address = (void *)(uintptr_t)get64(data + 8);
		size_t length = get64(data + 16);

		if (number == S2C_MUNMAP)
			r = munmap(address, length);
		else if (number == S2C_MPROTECT)
			r = mprotect(address, length, get32(data + 24));
		else
			r = msync(address, length, get32(data + 24));
		int32_t err = r ? errno : 0;

		memcpy(reply + 20, &r, sizeof(r));
		memcpy(reply + 24, &err, sizeof(err));
		break;
	}
	default:
		goto drop;
	}
	while (sendto(sock, reply, reply_size, MSG_NOSIGNAL, (const struct sockaddr *)server, sizeof(*server)) < 0 &&
	       errno == EINTR)
		;
drop:
	if (fd >= 0)
		close(fd);
	errno = saved_errno;
}
