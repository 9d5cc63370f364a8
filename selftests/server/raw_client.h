/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A client written from docs/PROTOCOL.md alone, without libdserver: it
 * builds datagrams by hand so tests check the wire, not our own library.
 */
#ifndef DSERVER_TEST_RAW_CLIENT_H
#define DSERVER_TEST_RAW_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct test_server {
	pid_t pid;
	int exit_status; /* as waitpid gives it, once the server has been reaped */
	int stderr_fd;   /* what the server wrote to stderr (capture_stderr), or -1 */
	char dir[64];
	char socket_path[100];
};

/*
 * Start build-tree dserver on a private socket; 0 or -errno. The
 * environment chooses its modes, so that ctest can run one test in several:
 * DSERVER_TEST_LOG_LEVEL (default error), DSERVER_TEST_IO (--io=),
 * DSERVER_TEST_BPF (--bpf=) and DSERVER_TEST_OLD_KERNEL=1 (start it through
 * nobpf_exec: a kernel without bpf()).
 */
int test_server_start(struct test_server *server, const char *extra_arg);

#define TEST_SERVER_MAX_ARGS 6

/* How test_server_start_with starts the server; the environment plays no part. */
struct test_server_options {
	const char *args[TEST_SERVER_MAX_ARGS]; /* extra arguments, up to the first NULL */
	const char *log_level;                  /* NULL: the server's default */
	bool old_kernel;                        /* through nobpf_exec: bpf() fails with ENOSYS */
	bool capture_stderr;                    /* keep stderr for test_server_stderr() */
};

/*
 * 0 once the server listens, -ECHILD if it exited first (exit_status says
 * how), other -errno for other failures. Whatever the result,
 * test_server_stop releases what is left (the captured stderr).
 */
int test_server_start_with(struct test_server *server, const struct test_server_options *options);
/* SIGTERM, wait; returns the exit status as waitpid gives it, -1 if it was not running. */
int test_server_stop(struct test_server *server);
/* What the server has written to stderr so far, NUL-terminated (free it); NULL if not captured. */
char *test_server_stderr(const struct test_server *server);
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
