/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "raw_client.h"

#ifndef DSERVER_BINARY
#error "DSERVER_BINARY must name the server built in this tree"
#endif

#ifndef NOBPF_EXEC_BINARY
#error "NOBPF_EXEC_BINARY must name selftests/tools/nobpf_exec built in this tree"
#endif

int test_server_start(struct test_server *s, const char *extra_arg)
{
	/* ctest runs some tests once per --io and --bpf mode (CMakeLists.txt). */
	const char *level = getenv("DSERVER_TEST_LOG_LEVEL");
	const char *io = getenv("DSERVER_TEST_IO");
	const char *bpf = getenv("DSERVER_TEST_BPF");
	const char *old_kernel = getenv("DSERVER_TEST_OLD_KERNEL");
	struct test_server_options options = {
		.log_level = level ? level : "error",
		.old_kernel = old_kernel && !strcmp(old_kernel, "1"),
	};
	char io_arg[32], bpf_arg[32];
	int n = 0;

	if (io && *io) {
		snprintf(io_arg, sizeof(io_arg), "--io=%s", io);
		options.args[n++] = io_arg;
	}
	if (bpf && *bpf) {
		snprintf(bpf_arg, sizeof(bpf_arg), "--bpf=%s", bpf);
		options.args[n++] = bpf_arg;
	}
	options.args[n] = extra_arg;
	return test_server_start_with(s, &options);
}

/* The server's command line, for execv: [nobpf_exec] dserver --socket PATH [options]. */
static void server_argv(const struct test_server *s, const struct test_server_options *o,
			const char **argv)
{
	int argc = 0;

	if (o->old_kernel)
		argv[argc++] = "nobpf_exec";
	argv[argc++] = DSERVER_BINARY;
	argv[argc++] = "--socket";
	argv[argc++] = s->socket_path;
	if (o->log_level) {
		argv[argc++] = "--log-level";
		argv[argc++] = o->log_level;
	}
	for (int i = 0; i < TEST_SERVER_MAX_ARGS && o->args[i]; i++)
		argv[argc++] = o->args[i];
	argv[argc] = NULL;
}

int test_server_start_with(struct test_server *s, const struct test_server_options *o)
{
	struct timespec pause = { 0, 2000000 };
	const char *argv[TEST_SERVER_MAX_ARGS + 8];

	s->pid = 0;
	s->exit_status = 0;
	s->stderr_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/dserver-test-XXXXXX");
	if (!mkdtemp(s->dir))
		return -errno;
	snprintf(s->socket_path, sizeof(s->socket_path), "%s/sock", s->dir);
	server_argv(s, o, argv);
	/* A file, not a pipe: a server that logs much must never block on a reader. */
	if (o->capture_stderr) {
		s->stderr_fd = memfd_create("dserver-stderr", MFD_CLOEXEC);
		if (s->stderr_fd < 0)
			return -errno;
	}
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		if (s->stderr_fd >= 0)
			dup2(s->stderr_fd, STDERR_FILENO);
		execv(o->old_kernel ? NOBPF_EXEC_BINARY : DSERVER_BINARY, (char *const *)argv);
		_exit(127);
	}
	/* Wait until the socket exists (at most 5 s), or the server has given up. */
	for (int i = 0; i < 2500; i++) {
		struct stat st;

		if (stat(s->socket_path, &st) == 0)
			return 0;
		if (waitpid(s->pid, &s->exit_status, WNOHANG) == s->pid) {
			s->pid = 0;
			rmdir(s->dir);
			return -ECHILD;
		}
		nanosleep(&pause, NULL);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &s->exit_status, 0);
	s->pid = 0;
	return -ETIMEDOUT;
}

int test_server_stop(struct test_server *s)
{
	int status = -1;

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, &status, 0);
		s->exit_status = status;
		s->pid = 0;
	}
	unlink(s->socket_path);
	rmdir(s->dir);
	/* A server that was never started has a zeroed struct: leave stdio alone. */
	if (s->stderr_fd > STDERR_FILENO)
		close(s->stderr_fd);
	s->stderr_fd = -1;
	return status;
}

char *test_server_stderr(const struct test_server *s)
{
	struct stat st;
	char *text;
	ssize_t n;

	if (s->stderr_fd < 0 || fstat(s->stderr_fd, &st) != 0)
		return NULL;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return NULL;
	n = pread(s->stderr_fd, text, (size_t)st.st_size, 0);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

int test_server_fd_count(const struct test_server *s)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)s->pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

int raw_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* Family only: the kernel autobinds a unique abstract address (§1.1). */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(sa_family_t)) != 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

void raw_header(void *request, uint32_t number)
{
	int32_t h[4] = { (int32_t)number, getpid(), gettid(), 2 /* x86_64 */ };

	memcpy(request, h, sizeof(h));
}

int raw_send_fds(int sock, const struct test_server *s, const void *request, size_t size,
		 const int *fds, int nfds)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct iovec iov = { (void *)request, size };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * RAW_MAX_SEND_FDS)];
	} control;
	struct msghdr msg = {
		.msg_name = &addr,
		.msg_namelen = sizeof(addr),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	if (nfds < 0 || nfds > RAW_MAX_SEND_FDS)
		return -EINVAL;
	memcpy(addr.sun_path, s->socket_path, strlen(s->socket_path) + 1);
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)size ? 0 : -errno;
}

int raw_send(int sock, const struct test_server *s, const void *request, size_t size, int fd)
{
	return raw_send_fds(sock, s, request, size, &fd, fd >= 0 ? 1 : 0);
}

ssize_t raw_receive(int sock, void *buf, size_t cap, int *fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct iovec iov = { buf, cap };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	if (fd)
		*fd = -1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -EAGAIN;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			int fds[4];

			memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
			for (int i = 0; i < nfds; i++) {
				if (fd && *fd < 0)
					*fd = fds[i];
				else
					close(fds[i]);
			}
		}
	}
	return n;
}

ssize_t raw_call(int sock, const struct test_server *s, const void *request, size_t size,
		 int fd_in, void *reply, size_t cap, int *fd_out)
{
	int err = raw_send(sock, s, request, size, fd_in);

	if (err)
		return err;
	return raw_receive(sock, reply, cap, fd_out, 5000);
}

int32_t raw_checkin(int sock, const struct test_server *s, int is_fork)
{
	unsigned char req[40] = { 0 }, rep[48];
	int32_t none = -1, code;

	raw_header(req, 1);
	req[16] = (unsigned char)is_fork;
	memcpy(req + 32, &none, sizeof(none));
	if (raw_call(sock, s, req, sizeof(req), -1, rep, sizeof(rep), NULL) != 8)
		return INT32_MIN;
	memcpy(&code, rep + 4, sizeof(code));
	return code;
}
