/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A client written from docs/PROTOCOL.md alone, without libdserver: it
 * builds datagrams by hand so tests check the wire, not our own library.
 */
#ifndef DSERVER_TEST_RAW_CLIENT_H
#define DSERVER_TEST_RAW_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct test_server {
	pid_t pid;
	char dir[64];
	char socket_path[100];
};

/* Start build-tree dserver on a private socket; 0 or -errno. */
int test_server_start(struct test_server *server, const char *extra_arg);
/* SIGTERM, wait; returns the exit status as waitpid gives it. */
int test_server_stop(struct test_server *server);
/* Number of open descriptors of the server process. */
int test_server_fd_count(const struct test_server *server);

/* The calling thread's client socket, autobound; -errno on failure. */
int raw_socket(void);

/* The header fields of this thread. */
void raw_header(void *request, uint32_t number);

#define RAW_MAX_SEND_FDS 8

/* Send size bytes with nfds descriptors in one SCM_RIGHTS block; 0 or -errno. */
int raw_send_fds(int sock, const struct test_server *server, const void *request, size_t size,
		 const int *fds, int nfds);

/* Send size bytes (and fd if >= 0) to the server; 0 or -errno. */
int raw_send(int sock, const struct test_server *server, const void *request, size_t size, int fd);

/*
 * Receive one datagram into buf (at most cap bytes); *fd receives a
 * descriptor or -1. Returns its size, or -errno (-EAGAIN after timeout_ms).
 */
ssize_t raw_receive(int sock, void *buf, size_t cap, int *fd, int timeout_ms);

/* Send and receive; returns the reply size or -errno. */
ssize_t raw_call(int sock, const struct test_server *server, const void *request, size_t size,
		 int fd_in, void *reply, size_t cap, int *fd_out);

/* The one-line request of a call without parameters: send it, return reply code. */
int32_t raw_checkin(int sock, const struct test_server *server, int is_fork);

/* Little-endian fields at byte offsets of a datagram (§0). */
static inline void put32(void *buf, size_t offset, uint32_t value)
{
	memcpy((char *)buf + offset, &value, sizeof(value));
}

static inline void put64(void *buf, size_t offset, uint64_t value)
{
	memcpy((char *)buf + offset, &value, sizeof(value));
}

static inline uint32_t get32(const void *buf, size_t offset)
{
	uint32_t value;

	memcpy(&value, (const char *)buf + offset, sizeof(value));
	return value;
}

static inline uint64_t get64(const void *buf, size_t offset)
{
	uint64_t value;

	memcpy(&value, (const char *)buf + offset, sizeof(value));
	return value;
}

#endif
