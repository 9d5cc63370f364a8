// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Every lifecycle call of PROTOCOL.md §6, made by a client written from the
 * protocol document alone, against a real server: documented replies, exact
 * reply sizes, fork, exec and checkout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define KERN_NOT_SUPPORTED 46
#define DARWIN_ENOSYS 78

/* A request buffer with helpers to place fields at their offsets. */
struct req {
	unsigned char b[80];
	size_t size;
};

static struct req make(uint32_t number, size_t size)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	raw_header(r.b, number);
	r.size = size;
	return r;
}

/* A reply's code or other signed field. */
static int32_t sget32(const unsigned char *b, size_t off)
{
	return (int32_t)get32(b, off);
}

/* Send r; return the reply size (rep filled), or -errno. */
static ssize_t call(int sock, const struct test_server *s, const struct req *r, int fd_in,
		    unsigned char *rep, int *fd_out)
{
	return raw_call(sock, s, r->b, r->size, fd_in, rep, 64, fd_out);
}

FIXTURE(server) {
	struct test_server s;
	int sock;
};

FIXTURE_SETUP(server)
{
	ASSERT_EQ(0, test_server_start(&self->s, NULL));
	self->sock = raw_socket();
	ASSERT_GE(self->sock, 0);
	ASSERT_EQ(0, raw_checkin(self->sock, &self->s, 0));
}

FIXTURE_TEARDOWN(server)
{
	int status;

	close(self->sock);
	status = test_server_stop(&self->s);
	/* The server must end cleanly on SIGTERM: it never crashed. */
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(server, tracer_and_suspension_flags)
{
	unsigned char rep[64];
	struct req r = make(6, 16);

	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(6, sget32(rep, 0));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(0, sget32(rep, 8));

	r = make(5, 16); /* started_suspended: clear */
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, rep[8]);
	r = make(18, 16); /* stop_after_exec */
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	r = make(5, 16);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(1, rep[8]);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, rep[8]); /* one-shot */
}

TEST_F(server, uidgid_and_groups)
{
	unsigned char rep[64];
	uint32_t groups[3] = { 20, 12, 61 }, old[8] = { 0 };
	struct req r = make(7, 24);

	put32(&r, 16, 501);
	put32(&r, 20, (uint32_t)-1);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 8));
	EXPECT_EQ(0, sget32(rep, 12));
	put32(&r, 16, (uint32_t)-1);
	put32(&r, 20, 20);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(501, sget32(rep, 8)); /* uid kept */
	EXPECT_EQ(0, sget32(rep, 12));
	put32(&r, 20, (uint32_t)-1);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(501, sget32(rep, 8));
	EXPECT_EQ(20, sget32(rep, 12));

	r = make(27, 48);
	put64(&r, 16, (uintptr_t)groups);
	put64(&r, 24, 3);
	put64(&r, 32, (uintptr_t)old);
	put64(&r, 40, 8);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(0, get64(rep, 8)); /* no groups before */
	r = make(27, 48);
	put64(&r, 32, (uintptr_t)old);
	put64(&r, 40, 2); /* room for two of the three */
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(3, get64(rep, 8));
	EXPECT_EQ(20u, old[0]);
	EXPECT_EQ(12u, old[1]);
	EXPECT_EQ(0u, old[2]);
	r = make(27, 48);
	put64(&r, 16, (uintptr_t)groups);
	put64(&r, 24, 65537);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(EINVAL, sget32(rep, 4));
}

TEST_F(server, executable_path_and_strings)
{
	static const char path[] = "/Applications/Test.app/Contents/MacOS/Test";
	unsigned char rep[64];
	char buf[128];
	struct req r = make(25, 32);

	put64(&r, 16, (uintptr_t)path);
	put64(&r, 24, strlen(path)); /* without its NUL, as the loader sends it */
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));

	memset(buf, 'x', sizeof(buf));
	r = make(26, 40);
	put32(&r, 16, (uint32_t)getpid());
	put64(&r, 24, (uintptr_t)buf);
	put64(&r, 32, sizeof(buf));
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(strlen(path), get64(rep, 8));
	EXPECT_STREQ(path, buf);

	/* Too small: exactly buffer_size bytes, no NUL, and the full length. */
	memset(buf, 'x', sizeof(buf));
	put64(&r, 32, 5);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(strlen(path), get64(rep, 8));
	EXPECT_EQ(0, memcmp(buf, path, 5));
	EXPECT_EQ('x', buf[5]);

	put32(&r, 16, 0x7ffffff0); /* nobody */
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(ESRCH, sget32(rep, 4));
	EXPECT_EQ(0, get64(rep, 8));
}

TEST_F(server, vchroot_and_loader_path)
{
	unsigned char rep[64];
	char buf[64] = { 0 };
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct req r = make(9, 20);

	ASSERT_GE(dir, 0);
	put32(&r, 16, 0);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, dir, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	close(dir);

	r = make(3, 32);
	put64(&r, 16, (uintptr_t)buf);
	put64(&r, 24, sizeof(buf));
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(4, get64(rep, 8));
	EXPECT_STREQ("/tmp", buf);
	put64(&r, 24, 0); /* W11: the full length even without a buffer */
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(4, get64(rep, 8));

	r = make(9, 20); /* no descriptor: Class N error */
	put32(&r, 16, (uint32_t)-1);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(-EBADF, sget32(rep, 4));

	r = make(10, 32);
	put64(&r, 16, (uintptr_t)buf);
	put64(&r, 24, sizeof(buf));
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(strlen(buf), get64(rep, 8)); /* W11: the loader path's own length */
	EXPECT_EQ('/', buf[0]);
}

TEST_F(server, kprintf_console_and_dyld_info)
{
	static const char message[] = "hello from a client\n";
	unsigned char rep[64];
	int console = -1;
	struct req r = make(4, 32);

	put64(&r, 16, (uintptr_t)message);
	put64(&r, 24, sizeof(message) - 1);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));

	r = make(16, 16);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, &console));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(0, sget32(rep, 8)); /* descriptor index 0 */
	ASSERT_GE(console, 0);
	EXPECT_EQ(6, write(console, "hello\n", 6));
	close(console);

	r = make(17, 32);
	put64(&r, 16, 0x7000000);
	put64(&r, 24, 4096);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	r = make(8, 32);
	put64(&r, 16, 0x1234);
	put64(&r, 24, 0x5678);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
}

TEST_F(server, task_is_64_bit_and_tracer)
{
	unsigned char rep[64];
	struct req r = make(13, 20);

	put32(&r, 16, (uint32_t)getpid());
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	EXPECT_EQ(1, rep[8]);
	put32(&r, 16, 0x7ffffff0);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(ESRCH, sget32(rep, 4));
	EXPECT_EQ(0, rep[8]);

	/* PT_TRACE_ME shape: target 0 (self), tracer = a registered process (ourselves here). */
	r = make(19, 24);
	put32(&r, 16, 0);
	put32(&r, 20, (uint32_t)getpid());
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	r = make(6, 16);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(getpid(), sget32(rep, 8));
	r = make(19, 24); /* a second tracer while one is set */
	put32(&r, 20, (uint32_t)getpid());
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(EPERM, sget32(rep, 4));
	put32(&r, 16, 0x7ffffff0); /* unknown target */
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(ESRCH, sget32(rep, 4));
	r = make(19, 24); /* clear */
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	r = make(6, 16);
	ASSERT_EQ(12, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 8));
}

TEST_F(server, calls_of_later_issues_answer_not_supported)
{
	static const struct { uint32_t number; size_t req, rep; int32_t code; } cases[] = {
		{ 58, 20, 8, KERN_NOT_SUPPORTED },  /* semaphore_signal: X */
		{ 68, 72, 12, DARWIN_ENOSYS },       /* psynch_cvbroad: B */
		{ 30, 24, 8, -ENOSYS },              /* pthread_kill: Class N */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char rep[64];
		struct req r = make(cases[i].number, cases[i].req);

		ASSERT_EQ((ssize_t)cases[i].rep, call(self->sock, &self->s, &r, -1, rep, NULL));
		EXPECT_EQ(cases[i].number, (uint32_t)sget32(rep, 0));
		EXPECT_EQ(cases[i].code, sget32(rep, 4));
	}
}

/* Read a debug call's records; returns the count, or -1. */
static int list_processes(int sock, const struct test_server *s, uint32_t *pids, int max)
{
	unsigned char rep[64], rec[16];
	struct req r = make(0x8000004D, 16);
	int fd = -1, n;

	if (call(sock, s, &r, -1, rep, &fd) != 24 || sget32(rep, 4) != 0 || fd < 0)
		return -1;
	n = (int)get64(rep, 8);
	for (int i = 0; i < n; i++) {
		if (read(fd, rec, sizeof(rec)) != sizeof(rec)) {
			close(fd);
			return -1;
		}
		if (i < max)
			memcpy(&pids[i], rec, 4);
	}
	if (read(fd, rec, 1) != 0) /* exactly count records, then EOF */
		n = -1;
	close(fd);
	return n;
}

static int listed(int sock, const struct test_server *s, pid_t pid)
{
	uint32_t pids[64];
	int n = list_processes(sock, s, pids, 64);

	for (int i = 0; i < n && i < 64; i++)
		if (pids[i] == (uint32_t)pid)
			return 1;
	return n < 0 ? -1 : 0;
}

TEST_F(server, debug_list_processes_lists_us_and_the_kernel)
{
	EXPECT_EQ(1, listed(self->sock, &self->s, getpid()));
	EXPECT_EQ(1, listed(self->sock, &self->s, 0));
}

TEST_F(server, fork_child_checks_in_and_inherits)
{
	static const char path[] = "/usr/bin/parent-image";
	unsigned char rep[64];
	struct req r = make(25, 32);
	pid_t child;
	int status;

	put64(&r, 16, (uintptr_t)path);
	put64(&r, 24, strlen(path));
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	r = make(7, 24);
	put32(&r, 16, 77);
	put32(&r, 20, 88);
	ASSERT_EQ(16, call(self->sock, &self->s, &r, -1, rep, NULL));

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		char buf[64] = { 0 };
		int sock = raw_socket();
		int ok = sock >= 0 && raw_checkin(sock, &self->s, 1) == 0;
		struct req q = make(7, 24);

		/* W12 and §6.1: the child starts with its parent's image and ids. */
		put32(&q, 16, (uint32_t)-1);
		put32(&q, 20, (uint32_t)-1);
		ok = ok && call(sock, &self->s, &q, -1, rep, NULL) == 16 && sget32(rep, 8) == 77 &&
		     sget32(rep, 12) == 88;
		q = make(26, 40);
		put32(&q, 16, (uint32_t)getpid());
		put64(&q, 24, (uintptr_t)buf);
		put64(&q, 32, sizeof(buf));
		ok = ok && call(sock, &self->s, &q, -1, rep, NULL) == 16 && !strcmp(buf, path);
		_exit(ok ? 0 : 1);
	}
	/* The child's checkin posts our fork-wait semaphore exactly once. */
	r = make(11, 16);
	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	EXPECT_EQ(0, sget32(rep, 4));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* A thread that checks in on its own socket, then checks out as it exits. */
static void *checkout_thread(void *arg)
{
	const struct test_server *s = arg;
	unsigned char rep[64];
	int sock = raw_socket();
	struct req r = make(2, 24);
	intptr_t ok;

	ok = raw_checkin(sock, s, 0) == 0;
	put32(&r, 16, (uint32_t)-1);
	ok = ok && call(sock, s, &r, -1, rep, NULL) == 8 && sget32(rep, 4) == 0;
	close(sock);
	return (void *)ok;
}

TEST_F(server, thread_checkout_is_answered)
{
	pthread_t thread;
	void *ok;

	ASSERT_EQ(0, pthread_create(&thread, NULL, checkout_thread, &self->s));
	ASSERT_EQ(0, pthread_join(thread, &ok));
	EXPECT_TRUE(ok != NULL);
}

TEST_F(server, exec_of_a_linux_binary_ends_the_process)
{
	unsigned char rep[64];
	int ready[2];
	pid_t child;
	int status;
	char byte;

	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		int sock = raw_socket(), exec_pipe[2];
		struct req r = make(2, 24);

		if (sock < 0 || raw_checkin(sock, &self->s, 1) != 0 || pipe2(exec_pipe, O_CLOEXEC))
			_exit(1);
		put32(&r, 16, 0);
		r.b[20] = 0; /* not a Mach-O */
		if (call(sock, &self->s, &r, exec_pipe[0], rep, NULL) != 8 || sget32(rep, 4) != 0)
			_exit(2);
		close(exec_pipe[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		execl("/bin/sleep", "sleep", "2", (char *)NULL);
		_exit(4);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	close(ready[0]);
	/* The process still runs (sleep), but it is no longer a client. */
	for (int i = 0; i < 100 && listed(self->sock, &self->s, child) == 1; i++)
		usleep(10000);
	EXPECT_EQ(0, listed(self->sock, &self->s, child));
	EXPECT_EQ(0, waitpid(child, &status, WNOHANG));
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/*
 * The second half of the Mach-O exec test, in the new image: a constructor,
 * so that it runs before the harness's main.
 */
__attribute__((constructor)) static void after_exec(void)
{
	const char *path = getenv("DSERVER_TEST_AFTER_EXEC");
	struct test_server s = { 0 };
	unsigned char rep[64];
	struct req r;
	int sock, ok;

	if (!path || strlen(path) >= sizeof(s.socket_path))
		return;
	strcpy(s.socket_path, path);
	sock = raw_socket();
	/* The post-exec checkin, from the thread whose tid is the pid. */
	ok = sock >= 0 && raw_checkin(sock, &s, 0) == 0;
	/* stop_after_exec's flag survives the exec. */
	r = make(5, 16);
	ok = ok && call(sock, &s, &r, -1, rep, NULL) == 12 && rep[8] == 1;
	_exit(ok ? 0 : 1);
}

static void *idle_thread(void *arg)
{
	int sock = raw_socket();

	if (sock < 0 || raw_checkin(sock, arg, 0) != 0)
		_exit(15);
	pause();
	return NULL;
}

TEST_F(server, exec_of_a_macho_image_keeps_the_process)
{
	unsigned char rep[64];
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (child == 0) {
		int sock = raw_socket(), exec_pipe[2];
		struct req r = make(2, 24);
		pthread_t other;

		if (sock < 0 || raw_checkin(sock, &self->s, 1) != 0 || pipe2(exec_pipe, O_CLOEXEC))
			_exit(10);
		/* A second registered thread, which the exec ends. */
		if (pthread_create(&other, NULL, idle_thread, &self->s))
			_exit(11);
		usleep(50000); /* let the thread check in */
		r = make(18, 16);
		if (call(sock, &self->s, &r, -1, rep, NULL) != 8)
			_exit(12);
		r = make(2, 24);
		put32(&r, 16, 0);
		r.b[20] = 1; /* a Mach-O image */
		if (call(sock, &self->s, &r, exec_pipe[0], rep, NULL) != 8 || sget32(rep, 4) != 0)
			_exit(13);
		setenv("DSERVER_TEST_AFTER_EXEC", self->s.socket_path, 1);
		execl("/proc/self/exe", "after-exec", (char *)NULL);
		_exit(14);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(server, process_death_releases_the_record)
{
	unsigned char rep[64];
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (child == 0) {
		int sock = raw_socket();

		_exit(sock >= 0 && raw_checkin(sock, &self->s, 1) == 0 ? 0 : 1);
	}
	/* fork_wait returns once the child has checked in. */
	struct req r = make(11, 16);

	ASSERT_EQ(8, call(self->sock, &self->s, &r, -1, rep, NULL));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	for (int i = 0; i < 100 && listed(self->sock, &self->s, child) == 1; i++)
		usleep(10000);
	EXPECT_EQ(0, listed(self->sock, &self->s, child));
}

TEST_HARNESS_MAIN
