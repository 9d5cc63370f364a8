/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A hostile client attacks a real dserver (PROTOCOL.md §1.3, §1.4, §5,
 * §6.1, §7.4, §8, §10, §12 W1-W5, W7, W9, W10) while a normal client, a
 * separate process, keeps being served. Every test ends with the server's
 * descriptor count and registry back where they started, and the fixture
 * asserts that the server exits normally with status 0, so a crash
 * anywhere fails the test.
 *
 * Requests are built by hand from the protocol document (raw_client.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "raw_client.h"

/* Call numbers (§3) and special numbers. */
#define CALL_CHECKIN             1u
#define CALL_CHECKOUT            2u
#define CALL_VCHROOT_PATH        3u
#define CALL_KPRINTF             4u
#define CALL_GET_TRACER          6u
#define CALL_UIDGID              7u
#define CALL_FORK_WAIT           11u
#define CALL_TASK_IS_64_BIT      13u
#define CALL_SET_EXECUTABLE_PATH 25u
#define CALL_GROUPS              27u
#define DEBUG_LIST_PROCESSES     0x8000004Du
#define DEBUG_LIST_PORTS         0x8000004Eu
#define DSERVER_STATS            0xC0000001u
#define CALL_MACH_MSG_INLINE     0x40000002u
#define PUSH_REPLY               0x0BADCA11u
#define S2C                      0x052CCA11u

#define ARCH_I386 1

#define NO_REPLY_MS    200  /* "dropped" = nothing within this long (plus the fence) */
#define REPLY_MS       5000
#define BAD_ADDRESS    0x10ull
#define ROUNDS         200
#define MAX_PROCESSES  256

/* A zeroed request with this thread's header (the buffer is at least 16 bytes). */
static void request(void *buf, size_t size, uint32_t number)
{
	memset(buf, 0, size);
	raw_header(buf, number);
}

/* The same with a header pid / tid that are not the sender's. */
static void spoofed_request(void *buf, size_t size, uint32_t number, pid_t pid, pid_t tid)
{
	request(buf, size, number);
	put32(buf, 4, (uint32_t)pid);
	put32(buf, 8, (uint32_t)tid);
}

/* --- sending and receiving --- */

struct reply {
	ssize_t size; /* or -errno; -EAGAIN: nothing arrived */
	unsigned char bytes[256];
	int fd;
};

static void receive(int sock, struct reply *r, int timeout_ms)
{
	memset(r->bytes, 0, sizeof(r->bytes));
	r->size = raw_receive(sock, r->bytes, sizeof(r->bytes), &r->fd, timeout_ms);
}

/* The next datagram on sock must be a reply of this number, size and code. */
static void expect_reply(struct __test_metadata *_metadata, int sock, uint32_t number,
			 ssize_t size, int32_t code, struct reply *out)
{
	struct reply r;

	receive(sock, &r, REPLY_MS);
	if (out)
		*out = r;
	else if (r.fd >= 0)
		close(r.fd);
	ASSERT_EQ(size, r.size) TH_LOG("call %#x: reply of %zd bytes (number %#x), expected %zd",
				       number, r.size, get32(r.bytes, 0), size);
	ASSERT_EQ(number, get32(r.bytes, 0)) TH_LOG("a reply for call %#x, expected %#x",
						      get32(r.bytes, 0), number);
	ASSERT_EQ(code, (int32_t)get32(r.bytes, 4)) TH_LOG("call %#x: code %d, expected %d", number,
							   (int32_t)get32(r.bytes, 4), code);
}

/* Send a request and expect its reply. */
static void call_expect(struct __test_metadata *_metadata, int sock, const struct test_server *s,
			const void *req, size_t size, const int *fds, int nfds, ssize_t reply_size,
			int32_t code, struct reply *out)
{
	ASSERT_EQ(0, raw_send_fds(sock, s, req, size, fds, nfds));
	expect_reply(_metadata, sock, get32(req, 0), reply_size, code, out);
}

/* Nothing may arrive on sock within wait_ms. */
static void expect_no_reply(struct __test_metadata *_metadata, int sock, int wait_ms)
{
	struct reply r;

	receive(sock, &r, wait_ms);
	if (r.fd >= 0)
		close(r.fd);
	ASSERT_EQ(-EAGAIN, r.size) TH_LOG("an unexpected %zd-byte datagram (number %#x, code %d)",
					  r.size, get32(r.bytes, 0), (int32_t)get32(r.bytes, 4));
}

/*
 * The previous datagram on sock was dropped: nothing within wait_ms, and
 * (since one socket is served in order) the next datagram is the answer to
 * a fence, task_is_64_bit(own pid), not a late reply to what was dropped.
 * No attack uses call 13, so a late reply cannot pass for the fence's.
 */
static void expect_dropped(struct __test_metadata *_metadata, int sock,
			   const struct test_server *s, int wait_ms)
{
	unsigned char req[20];
	struct reply r;

	expect_no_reply(_metadata, sock, wait_ms);
	request(req, sizeof(req), CALL_TASK_IS_64_BIT);
	put32(req, 16, (uint32_t)getpid());
	call_expect(_metadata, sock, s, req, sizeof(req), NULL, 0, 12, 0, &r);
	ASSERT_EQ(1, r.bytes[8]) TH_LOG("the fence: this process is not 64-bit");
}

/* --- descriptor probes: the write end of a pipe, handed to the server --- */

struct probe {
	int rd, wr;
};

static int probes_open(struct probe *p, int n)
{
	for (int i = 0; i < n; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) != 0)
			return -errno;
		p[i].rd = fds[0];
		p[i].wr = fds[1];
	}
	return 0;
}

static void probes_write_ends(const struct probe *p, int n, int *fds)
{
	for (int i = 0; i < n; i++)
		fds[i] = p[i].wr;
}

/*
 * Close our write ends; true if every read end then sees end-of-file within
 * timeout_ms, i.e. the server closed its copies too.
 */
static bool probes_released(struct probe *p, int n, int timeout_ms)
{
	bool all = true;

	for (int i = 0; i < n; i++)
		if (p[i].wr >= 0) {
			close(p[i].wr);
			p[i].wr = -1;
		}
	for (int i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = p[i].rd, .events = POLLIN };
		bool eof = false;
		char buf[64];

		while (!eof && poll(&pfd, 1, timeout_ms) > 0) {
			ssize_t got = read(p[i].rd, buf, sizeof(buf));

			eof = got <= 0;
		}
		all = all && eof;
		close(p[i].rd);
		p[i].rd = -1;
	}
	return all;
}

/* --- children: other processes of the test --- */

struct child {
	pid_t pid;
	int ctl; /* a stream socket: the child reports here, then waits to be released */
};

/* What a child saw: reply size (or -errno), number and code. */
struct child_report {
	int32_t size;
	uint32_t number;
	int32_t code;
};

typedef void (*child_fn)(const struct test_server *s, const void *arg, struct child_report *out);

static int child_start(struct child *c, const struct test_server *s, child_fn fn, const void *arg)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	c->pid = fork();
	if (c->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (c->pid == 0) {
		struct child_report report = { 0, 0, 0 };
		char byte;

		close(sv[0]);
		fn(s, arg, &report);
		/* Stay alive (and so registered, if it registered) until released. */
		if (write(sv[1], &report, sizeof(report)) == sizeof(report))
			(void)!read(sv[1], &byte, 1);
		_exit(0);
	}
	close(sv[1]);
	c->ctl = sv[0];
	return 0;
}

static int child_report(struct child *c, struct child_report *report)
{
	struct pollfd pfd = { .fd = c->ctl, .events = POLLIN };

	if (poll(&pfd, 1, 2 * REPLY_MS) <= 0)
		return -ETIMEDOUT;
	return read(c->ctl, report, sizeof(*report)) == sizeof(*report) ? 0 : -EPROTO;
}

/* Release the child and reap it; its wait status. */
static int child_finish(struct child *c)
{
	char byte = 'x';
	int status = -1;

	/* Other children may hold copies of ctl, so release by a byte, not by EOF. */
	(void)!send(c->ctl, &byte, 1, MSG_NOSIGNAL);
	close(c->ctl);
	c->ctl = -1;
	waitpid(c->pid, &status, 0);
	return status;
}

/* A child that never talks to the server. */
static void child_idle(const struct test_server *s, const void *arg, struct child_report *out)
{
	(void)s;
	(void)arg;
	(void)out;
}

/* One request from a child's own socket, possibly with a wrong identity. */
struct child_request {
	uint32_t number;
	size_t size;
	bool parent_tid;      /* header tid = the parent's pid: not a thread of the child */
	int32_t architecture; /* 0: x86_64 */
};

static void child_send(const struct test_server *s, const void *arg, struct child_report *out)
{
	const struct child_request *cr = arg;
	unsigned char req[64], rep[256];
	int sock = raw_socket(), fd;
	ssize_t n;

	if (sock < 0) {
		out->size = sock;
		return;
	}
	request(req, cr->size, cr->number);
	if (cr->number == CALL_CHECKIN) {
		req[16] = 1; /* is_fork */
		put32(req, 32, UINT32_MAX); /* no lifetime pipe */
	}
	if (cr->parent_tid)
		put32(req, 8, (uint32_t)getppid());
	if (cr->architecture)
		put32(req, 12, (uint32_t)cr->architecture);
	n = raw_call(sock, s, req, cr->size, -1, rep, sizeof(rep), &fd);
	if (fd >= 0)
		close(fd);
	out->size = (int32_t)n;
	out->number = n >= 8 ? get32(rep, 0) : 0;
	out->code = n >= 8 ? (int32_t)get32(rep, 4) : 0;
	close(sock);
}

/* Run a child, check its report, and keep it alive (child_finish ends it). */
static void child_expect(struct __test_metadata *_metadata, struct child *c,
			 const struct test_server *s, child_fn fn, const void *arg, int32_t size,
			 uint32_t number, int32_t code)
{
	struct child_report report;

	ASSERT_EQ(0, child_start(c, s, fn, arg));
	ASSERT_EQ(0, child_report(c, &report));
	ASSERT_EQ(size, report.size) TH_LOG("child: reply of %d bytes, expected %d", report.size, size);
	ASSERT_EQ(number, report.number);
	ASSERT_EQ(code, report.code) TH_LOG("child: code %d, expected %d", report.code, code);
}

/* --- the normal client: a process that checked in and calls get_tracer on demand --- */

static void normal_client_main(const struct test_server *s, int ctl)
{
	int sock = raw_socket();
	int32_t code = sock < 0 ? INT32_MIN : raw_checkin(sock, s, 0);
	char cmd;

	if (write(ctl, &code, sizeof(code)) != sizeof(code) || code != 0)
		_exit(1);
	while (read(ctl, &cmd, 1) == 1 && cmd == 'g') {
		unsigned char req[16], rep[64];
		struct child_report report;
		ssize_t n;

		request(req, sizeof(req), CALL_GET_TRACER);
		n = raw_call(sock, s, req, sizeof(req), -1, rep, sizeof(rep), NULL);
		report.size = (int32_t)n;
		report.number = n >= 8 ? get32(rep, 0) : 0;
		report.code = n >= 8 ? (int32_t)get32(rep, 4) : 0;
		if (write(ctl, &report, sizeof(report)) != sizeof(report))
			_exit(2);
	}
	_exit(0);
}

/* --- the registry, through debug_list_processes (§10) --- */

/*
 * The registered container pids (pid 0, the kernel, included); their number
 * or -errno. The count in the reply must match the records in the pipe.
 */
static int list_processes(int sock, const struct test_server *s, int32_t *pids, int cap)
{
	unsigned char req[16], rec[16];
	struct reply r;
	uint64_t count;
	int n = 0, err = 0;

	request(req, sizeof(req), DEBUG_LIST_PROCESSES);
	if (raw_send_fds(sock, s, req, sizeof(req), NULL, 0) != 0)
		return -EIO;
	receive(sock, &r, REPLY_MS);
	if (r.size != 24 || get32(r.bytes, 0) != DEBUG_LIST_PROCESSES || get32(r.bytes, 4) != 0 ||
	    get32(r.bytes, 16) != 0 || r.fd < 0) {
		if (r.fd >= 0)
			close(r.fd);
		return -EPROTO;
	}
	count = get64(r.bytes, 8);
	for (bool eof = false; !eof && !err;) {
		struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
		size_t have = 0;

		while (have < sizeof(rec)) {
			ssize_t got = poll(&pfd, 1, REPLY_MS) > 0 ?
				      read(r.fd, rec + have, sizeof(rec) - have) : -1;

			if (got <= 0) {
				/* End of file between records; anything else is an error. */
				eof = got == 0 && have == 0;
				err = eof ? 0 : -EPROTO;
				break;
			}
			have += (size_t)got;
		}
		if (eof || err)
			break;
		if (n >= cap)
			err = -EPROTO;
		else
			pids[n++] = (int32_t)get32(rec, 0);
	}
	close(r.fd);
	if (!err && (uint64_t)n != count)
		err = -EPROTO;
	return err ? err : n;
}

FIXTURE(hostile) {
	struct test_server server;
	int sock;      /* the attacker: this thread's socket, checked in */
	int observer;  /* debug calls only (unmanaged, never busy) */
	pid_t normal_pid;
	int normal_ctl;
	int base_processes;
	int base_fds;
};

static bool is_registered(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) *self,
			  pid_t pid)
{
	int32_t pids[MAX_PROCESSES];
	int n = list_processes(self->observer, &self->server, pids, MAX_PROCESSES);

	EXPECT_LE(0, n) TH_LOG("debug_list_processes failed: %d", n);
	for (int i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* The normal client is served: get_tracer, 12 bytes, code 0. */
static void expect_normal_served(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) *self)
{
	struct pollfd pfd = { .fd = self->normal_ctl, .events = POLLIN };
	struct child_report report;
	char cmd = 'g';

	ASSERT_EQ(1, send(self->normal_ctl, &cmd, 1, MSG_NOSIGNAL)) TH_LOG("the normal client is gone");
	ASSERT_LT(0, poll(&pfd, 1, 2 * REPLY_MS)) TH_LOG("the normal client did not answer");
	ASSERT_EQ((ssize_t)sizeof(report), read(self->normal_ctl, &report, sizeof(report)));
	ASSERT_EQ(12, report.size) TH_LOG("normal client: reply of %d bytes", report.size);
	ASSERT_EQ(CALL_GET_TRACER, report.number);
	ASSERT_EQ(0, report.code);
}

/*
 * Descriptors and registry as at the start (children reaped by now). The
 * server needs a moment to see a pidfd, so look again for up to 2 s.
 */
static void expect_baseline(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) *self)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int32_t pids[MAX_PROCESSES];
	int n = -1, fds = -1;

	/* No late or duplicate reply is left on the attacker's socket. */
	expect_no_reply(_metadata, self->sock, 0);
	for (int i = 0; i < 20; i++) {
		nanosleep(&pause, NULL);
		n = list_processes(self->observer, &self->server, pids, MAX_PROCESSES);
		nanosleep(&pause, NULL); /* the server closes its copy of the list's pipe after sending */
		fds = test_server_fd_count(&self->server);
		if (n == self->base_processes && fds == self->base_fds)
			break;
	}
	ASSERT_EQ(self->base_processes, n) TH_LOG("registered processes: %d, at the start %d", n,
						   self->base_processes);
	ASSERT_EQ(self->base_fds, fds) TH_LOG("server descriptors: %d, at the start %d", fds,
					      self->base_fds);
	EXPECT_TRUE(is_registered(_metadata, self, getpid()));
	EXPECT_TRUE(is_registered(_metadata, self, self->normal_pid));
}

static int start_clients(FIXTURE_DATA(hostile) *self)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int32_t pids[MAX_PROCESSES], code;
	int sv[2];

	/* The normal client first: it registers before this process, so it has no registered parent. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	self->normal_pid = fork();
	if (self->normal_pid < 0)
		return -errno;
	if (self->normal_pid == 0) {
		close(sv[0]);
		normal_client_main(&self->server, sv[1]);
	}
	close(sv[1]);
	self->normal_ctl = sv[0];
	if (read(self->normal_ctl, &code, sizeof(code)) != sizeof(code) || code != 0)
		return -EPROTO;

	self->sock = raw_socket();
	self->observer = raw_socket();
	if (self->sock < 0 || self->observer < 0)
		return -EMFILE;
	if (raw_checkin(self->sock, &self->server, 0) != 0)
		return -EPROTO;
	/* pid 0, the normal client and this process */
	self->base_processes = list_processes(self->observer, &self->server, pids, MAX_PROCESSES);
	if (self->base_processes != 3)
		return -EPROTO;
	nanosleep(&pause, NULL);
	self->base_fds = test_server_fd_count(&self->server);
	return self->base_fds > 0 ? 0 : -EIO;
}

/* The normal client's wait status (it leaves on 'q'). */
static int stop_normal_client(FIXTURE_DATA(hostile) *self)
{
	int status = -1;

	if (self->normal_pid > 0) {
		char cmd = 'q';

		(void)!send(self->normal_ctl, &cmd, 1, MSG_NOSIGNAL);
		waitpid(self->normal_pid, &status, 0);
		self->normal_pid = 0;
	}
	if (self->normal_ctl >= 0)
		close(self->normal_ctl);
	self->normal_ctl = -1;
	return status;
}

static void close_sockets(FIXTURE_DATA(hostile) *self)
{
	if (self->sock >= 0)
		close(self->sock);
	if (self->observer >= 0)
		close(self->observer);
	self->sock = self->observer = -1;
}

FIXTURE_SETUP(hostile)
{
	int err;

	self->sock = self->observer = self->normal_ctl = -1;
	self->normal_pid = 0;
	ASSERT_EQ(0, test_server_start(&self->server, NULL));
	err = start_clients(self);
	if (err) {
		stop_normal_client(self);
		close_sockets(self);
		test_server_stop(&self->server);
	}
	ASSERT_EQ(0, err) TH_LOG("setup: %s", strerror(-err));
}

FIXTURE_TEARDOWN(hostile)
{
	int normal = stop_normal_client(self), status;

	close_sockets(self);
	status = test_server_stop(&self->server);
	EXPECT_EQ(0, normal); /* the normal client exited with status 0 */
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("the server did not exit normally (status %#x)", status);
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/*
 * --- the attacks ---
 *
 * Each is a function so that the single tests and the repeated run share it.
 * wait_ms is how long "no reply" waits before the fence (0 in the repeated
 * run: the fence alone shows that nothing was answered).
 */

#define ATTACK(name) \
	static void name(struct __test_metadata *_metadata, FIXTURE_DATA(hostile) *self, \
			 int wait_ms __attribute__((unused)))

/* Datagrams shorter than a header: dropped, descriptors closed (§12 W1). */
ATTACK(attack_short_datagrams)
{
	static const size_t sizes[] = { 0, 1, 3, 15 };
	unsigned char req[16];
	struct probe probe;
	int fd;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		request(req, sizeof(req), CALL_GET_TRACER);
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizes[i], NULL, 0));
		expect_dropped(_metadata, self->sock, &self->server, wait_ms);
		expect_normal_served(_metadata, self);
	}
	ASSERT_EQ(0, probes_open(&probe, 1));
	probes_write_ends(&probe, 1, &fd);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 15, &fd, 1));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("a 15-byte datagram's descriptor leaked");
	expect_normal_served(_metadata, self);
}

/* 64 KiB into a 256-byte receive buffer: MSG_TRUNC, dropped (§1.4). */
ATTACK(attack_oversized)
{
	size_t size = 64 * 1024;
	int sndbuf = 256 * 1024, fd, err;
	unsigned char *big = calloc(1, size);
	struct probe probe;

	ASSERT_NE(NULL, big);
	raw_header(big, CALL_GET_TRACER);
	ASSERT_EQ(0, setsockopt(self->sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)));
	ASSERT_EQ(0, probes_open(&probe, 1));
	probes_write_ends(&probe, 1, &fd);
	err = raw_send_fds(self->sock, &self->server, big, size, &fd, 1);
	free(big);
	ASSERT_EQ(0, err);
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("a truncated datagram's descriptor leaked");
	expect_normal_served(_metadata, self);
}

/* Unknown numbers: an 8-byte -ENOSYS reply, bit 31 echoed (§12 W1, call.c). */
ATTACK(attack_unknown_numbers)
{
	static const uint32_t numbers[] = {
		0, 81, 999, 0xFFFF,
		0x40000063, /* bit 30, unknown extension */
		0x8000007F, /* bit 31, unknown */
		0x80000000, 0xC0000063, 0xFFFFFFFF,
	};
	unsigned char req[16];
	struct probe probe;
	int fd;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		request(req, sizeof(req), numbers[i]);
		call_expect(_metadata, self->sock, &self->server, req, sizeof(req), NULL, 0, 8, -ENOSYS,
			    NULL);
		expect_normal_served(_metadata, self);
	}
	/* With a descriptor attached: still -ENOSYS, and the descriptor is closed. */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, probes_open(&probe, 1));
		probes_write_ends(&probe, 1, &fd);
		request(req, sizeof(req), i ? 0x8000007Fu : 999u);
		call_expect(_metadata, self->sock, &self->server, req, sizeof(req), &fd, 1, 8, -ENOSYS,
			    NULL);
		ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("call %#x: descriptor leaked",
								   get32(req, 0));
		expect_normal_served(_metadata, self);
	}
}

/* A known number with the wrong bit 31 is an unknown number (call.c). */
ATTACK(attack_bit31_mismatch)
{
	static const uint32_t numbers[] = {
		0x80000000u | CALL_GET_TRACER, /* managed call, bit 31 added */
		0x80000000u | CALL_CHECKIN,
		DEBUG_LIST_PROCESSES & 0x7FFFFFFFu, /* unmanaged call, bit 31 missing */
		DSERVER_STATS & 0x7FFFFFFFu,
	};
	unsigned char req[40];
	struct reply r;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		request(req, sizeof(req), numbers[i]);
		put32(req, 32, UINT32_MAX);
		call_expect(_metadata, self->sock, &self->server, req, sizeof(req), NULL, 0, 8, -ENOSYS,
			    &r);
		EXPECT_EQ(-1, r.fd) TH_LOG("call %#x: a descriptor in an 8-byte reply", numbers[i]);
		if (r.fd >= 0)
			close(r.fd);
		expect_normal_served(_metadata, self);
	}
}

/* Short bodies: the call's error reply with -EINVAL; trailing bytes are ignored (§5.1). */
ATTACK(attack_body_sizes)
{
	static const unsigned char zero[16];
	unsigned char req[64];
	struct reply r;
	uint32_t uid, gid;

	/* uidgid(-1, -1) reads the current values without changing them. */
	request(req, 24, CALL_UIDGID);
	put32(req, 16, UINT32_MAX);
	put32(req, 20, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 24, NULL, 0, 16, 0, &r);
	uid = get32(r.bytes, 8);
	gid = get32(r.bytes, 12);

	/* 20 of uidgid's 24 bytes: a 16-byte -EINVAL reply with a zero body, and no change. */
	request(req, 24, CALL_UIDGID);
	put32(req, 16, uid + 1000);
	put32(req, 20, gid + 1000);
	call_expect(_metadata, self->sock, &self->server, req, 20, NULL, 0, 16, -EINVAL, &r);
	EXPECT_EQ(0, memcmp(r.bytes + 8, zero, 8)) TH_LOG("an error reply's body is not zero");
	expect_normal_served(_metadata, self);

	/* 40 bytes, trailing junk: accepted. */
	request(req, 40, CALL_UIDGID);
	put32(req, 16, uid + 7);
	put32(req, 20, UINT32_MAX);
	memset(req + 24, 0xA5, 16);
	call_expect(_metadata, self->sock, &self->server, req, 40, NULL, 0, 16, 0, &r);
	EXPECT_EQ(uid, get32(r.bytes, 8)) TH_LOG("the short uidgid changed the uid");
	EXPECT_EQ(gid, get32(r.bytes, 12)) TH_LOG("the short uidgid changed the gid");
	/* Put the uid back; the reply shows that the long request took effect. */
	request(req, 24, CALL_UIDGID);
	put32(req, 16, uid);
	put32(req, 20, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 24, NULL, 0, 16, 0, &r);
	EXPECT_EQ(uid + 7, get32(r.bytes, 8)) TH_LOG("the uidgid with trailing bytes was ignored");
	expect_normal_served(_metadata, self);

	/* get_tracer with 48 bytes: served. */
	request(req, 48, CALL_GET_TRACER);
	memset(req + 16, 0xFF, 32);
	call_expect(_metadata, self->sock, &self->server, req, 48, NULL, 0, 12, 0, NULL);

	/* A 39-byte checkin. */
	request(req, 40, CALL_CHECKIN);
	put32(req, 32, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 39, NULL, 0, 8, -EINVAL, NULL);
	expect_normal_served(_metadata, self);

	/* An unmanaged call, 16 of 20 bytes: 24 bytes, -EINVAL, count 0, fd field -1, no fd. */
	request(req, 20, DEBUG_LIST_PORTS);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 24, -EINVAL, &r);
	EXPECT_EQ(0, get64(r.bytes, 8));
	EXPECT_EQ(UINT32_MAX, get32(r.bytes, 16)) TH_LOG("the fd field of an error reply is not -1");
	EXPECT_EQ(-1, r.fd);
	if (r.fd >= 0)
		close(r.fd);
	expect_normal_served(_metadata, self);
}

/* checkin with 3 descriptors (it carries one), and 5 (more than the server's buffer holds). */
ATTACK(attack_extra_fds)
{
	struct probe probes[5];
	unsigned char req[40];
	int fds[5];

	ASSERT_EQ(0, probes_open(probes, 3));
	probes_write_ends(probes, 3, fds);
	request(req, sizeof(req), CALL_CHECKIN);
	put32(req, 32, 0); /* lifetime_listener_pipe: the first descriptor */
	call_expect(_metadata, self->sock, &self->server, req, sizeof(req), fds, 3, 8, 0, NULL);
	/* With a pidfd the lifetime pipe is not needed, so all three are closed. */
	ASSERT_TRUE(probes_released(probes, 3, 1000)) TH_LOG("checkin with 3 descriptors: one leaked");
	expect_normal_served(_metadata, self);

	/* Five descriptors overflow the server's control buffer (MSG_CTRUNC): dropped (§1.4). */
	ASSERT_EQ(0, probes_open(probes, 5));
	probes_write_ends(probes, 5, fds);
	request(req, 16, CALL_GET_TRACER);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 16, fds, 5));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	ASSERT_TRUE(probes_released(probes, 5, 1000)) TH_LOG("a 5-descriptor datagram: one leaked");
	expect_normal_served(_metadata, self);
}

/* Descriptors on calls that carry none: served, descriptor closed (§1.3). */
ATTACK(attack_fd_where_none_belongs)
{
	static const uint32_t numbers[] = { CALL_GET_TRACER, DEBUG_LIST_PROCESSES };
	static const ssize_t sizes[] = { 12, 24 };
	unsigned char req[16];
	struct probe probe;
	struct reply r;
	int fd;

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		ASSERT_EQ(0, probes_open(&probe, 1));
		probes_write_ends(&probe, 1, &fd);
		request(req, sizeof(req), numbers[i]);
		call_expect(_metadata, self->sock, &self->server, req, sizeof(req), &fd, 1, sizes[i], 0,
			    &r);
		if (r.fd >= 0)
			close(r.fd);
		ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("call %#x: descriptor leaked",
								   numbers[i]);
		expect_normal_served(_metadata, self);
	}
}

/* An fd index that names no received descriptor counts as -1 (§5.3). */
ATTACK(attack_fd_index_out_of_range)
{
	static const uint32_t indices[] = { 1, 5, 0x7FFFFFFF, 0x80000000, (uint32_t)-2 };
	unsigned char req[40];
	struct probe probe;
	int fd;

	for (size_t i = 0; i < sizeof(indices) / sizeof(indices[0]); i++) {
		ASSERT_EQ(0, probes_open(&probe, 1));
		probes_write_ends(&probe, 1, &fd);
		request(req, sizeof(req), CALL_CHECKIN);
		put32(req, 32, indices[i]);
		call_expect(_metadata, self->sock, &self->server, req, sizeof(req), &fd, 1, 8, 0, NULL);
		ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("index %d: descriptor leaked",
								   (int32_t)indices[i]);
		expect_normal_served(_metadata, self);
	}
}

/* Header pid / tid that are not the sender's (§6.1, §12 W2, W7). */
ATTACK(attack_foreign_identity)
{
	unsigned char req[40];
	struct child dead, idle;

	/* A pid that no longer exists. */
	ASSERT_EQ(0, child_start(&dead, &self->server, child_idle, NULL));
	ASSERT_EQ(0, child_report(&dead, &(struct child_report){ 0, 0, 0 }));
	child_finish(&dead);
	spoofed_request(req, 16, CALL_GET_TRACER, dead.pid, dead.pid);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	EXPECT_FALSE(is_registered(_metadata, self, dead.pid));
	expect_normal_served(_metadata, self);

	/* Pids no process can have: 0 (the kernel's pseudo-process), negative. */
	for (int i = 0; i < 3; i++) {
		pid_t pid = i == 0 ? 0 : i == 1 ? -1 : INT32_MIN;

		spoofed_request(req, 16, CALL_GET_TRACER, pid, gettid());
		call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	}
	expect_normal_served(_metadata, self);

	/* A live process that never talked to the server, also as a checkin. */
	ASSERT_EQ(0, child_start(&idle, &self->server, child_idle, NULL));
	ASSERT_EQ(0, child_report(&idle, &(struct child_report){ 0, 0, 0 }));
	spoofed_request(req, 16, CALL_GET_TRACER, idle.pid, idle.pid);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	spoofed_request(req, 40, CALL_CHECKIN, idle.pid, idle.pid);
	put32(req, 32, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 40, NULL, 0, 8, -ESRCH, NULL);
	EXPECT_FALSE(is_registered(_metadata, self, idle.pid));
	expect_normal_served(_metadata, self);

	/* Our pid with a tid that is not one of our threads. */
	spoofed_request(req, 16, CALL_GET_TRACER, getpid(), idle.pid);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	spoofed_request(req, 16, CALL_GET_TRACER, getpid(), 0);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	spoofed_request(req, 16, CALL_GET_TRACER, getpid(), -5);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, -ESRCH, NULL);
	child_finish(&idle);
	expect_normal_served(_metadata, self);

	/* The pid of a live registered process: dropped, and that process is unharmed. */
	spoofed_request(req, 16, CALL_GET_TRACER, self->normal_pid, self->normal_pid);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 16, NULL, 0));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	EXPECT_TRUE(is_registered(_metadata, self, self->normal_pid));
	expect_normal_served(_metadata, self);

	/* A registered x86_64 process checking in as i386: -EINVAL (§6.2, W5). */
	request(req, 40, CALL_CHECKIN);
	put32(req, 12, ARCH_I386);
	put32(req, 32, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 40, NULL, 0, 8, -EINVAL, NULL);
	request(req, 16, CALL_GET_TRACER);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 12, 0, NULL);
	expect_normal_served(_metadata, self);
}

/* New processes with a bad identity: -ESRCH, and nothing stays registered. */
ATTACK(attack_fresh_bad_identity)
{
	static const struct child_request requests[] = {
		{ CALL_GET_TRACER, 16, true, 0 },  /* tid: not a thread of the sender */
		{ CALL_GET_TRACER, 16, false, 3 }, /* architecture arm32 */
		{ CALL_CHECKIN, 40, false, -1 },   /* an invalid architecture */
	};
	struct child c;

	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		child_expect(_metadata, &c, &self->server, child_send, &requests[i],
			     requests[i].number == CALL_CHECKIN ? 8 : 12, requests[i].number, -ESRCH);
		EXPECT_FALSE(is_registered(_metadata, self, c.pid)) TH_LOG("request %zu registered", i);
		child_finish(&c);
		expect_normal_served(_metadata, self);
	}
}

/* Pointers to unmapped client memory: the exact reply size with -EFAULT (§5.5 rule 5). */
ATTACK(attack_bad_pointers)
{
	static const struct {
		uint32_t number;
		uint64_t address, size;
		ssize_t reply_size;
		int32_t code;
	} cases[] = {
		{ CALL_VCHROOT_PATH, BAD_ADDRESS, 64, 16, -EFAULT },
		{ CALL_VCHROOT_PATH, 0xFFFF800000000000ull, 8, 16, -EFAULT }, /* non-canonical */
		{ CALL_KPRINTF, BAD_ADDRESS, 100, 8, -EFAULT },
		{ CALL_KPRINTF, BAD_ADDRESS, UINT64_MAX, 8, -EFAULT }, /* capped, not allocated */
		{ CALL_GROUPS, BAD_ADDRESS, 4, 16, -EFAULT },
		{ CALL_GROUPS, BAD_ADDRESS, 65537, 16, EINVAL },      /* W9: positive, no read */
		{ CALL_GROUPS, BAD_ADDRESS, UINT64_MAX, 16, EINVAL },
		{ CALL_SET_EXECUTABLE_PATH, BAD_ADDRESS, 10, 8, -EFAULT },
		{ CALL_SET_EXECUTABLE_PATH, UINT64_MAX - 15, 4096, 8, -EFAULT }, /* wraps around */
	};
	unsigned char req[48];
	struct reply r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Every one of these has (pointer @16, size @24); groups is 48 bytes, the rest 32. */
		size_t size = cases[i].number == CALL_GROUPS ? 48 : 32;

		request(req, size, cases[i].number);
		put64(req, 16, cases[i].address);
		put64(req, 24, cases[i].size);
		call_expect(_metadata, self->sock, &self->server, req, size, NULL, 0,
			    cases[i].reply_size, cases[i].code, &r);
		if (r.size == 16) {
			EXPECT_EQ(0, get64(r.bytes, 8)) TH_LOG("case %zu: non-zero body in an error reply", i);
		}
		expect_normal_served(_metadata, self);
	}
}

/* A process that never checked in is registered by its first call and served (§6.1). */
ATTACK(attack_never_checked_in)
{
	static const struct child_request get_tracer = { CALL_GET_TRACER, 16, false, 0 };
	struct child c;

	child_expect(_metadata, &c, &self->server, child_send, &get_tracer, 12, CALL_GET_TRACER, 0);
	EXPECT_TRUE(is_registered(_metadata, self, c.pid)) TH_LOG("a managed call did not register");
	child_finish(&c);
	expect_normal_served(_metadata, self);
}

/* Unmanaged calls from the same uid are served and register nobody (§10, W6). */
ATTACK(attack_unmanaged)
{
	static const struct child_request list = { DEBUG_LIST_PROCESSES, 16, false, 0 };
	unsigned char req[16];
	struct reply r;
	struct child c;

	request(req, sizeof(req), DSERVER_STATS);
	call_expect(_metadata, self->sock, &self->server, req, sizeof(req), NULL, 0, 64, 0, &r); /* §11 */
	EXPECT_LE(0, r.fd) TH_LOG("dserver_stats: no descriptor");
	if (r.fd >= 0)
		close(r.fd);
	child_expect(_metadata, &c, &self->server, child_send, &list, 24, DEBUG_LIST_PROCESSES, 0);
	EXPECT_FALSE(is_registered(_metadata, self, c.pid)) TH_LOG("a debug call registered its sender");
	child_finish(&c);
	expect_normal_served(_metadata, self);
}

/* push_reply outside an interrupt: the pipe handshake completes, no reply (§7.4, W3). */
ATTACK(attack_push_reply)
{
	unsigned char req[32];
	struct probe probes[2];
	struct pollfd pfd;
	char byte;
	int fds[2];

	request(req, sizeof(req), PUSH_REPLY);
	put64(req, 16, BAD_ADDRESS);
	put64(req, 24, 8);
	for (int extra = 0; extra < 2; extra++) {
		/* The pipe's write end is the last descriptor; a stray reply descriptor may precede it. */
		ASSERT_EQ(0, probes_open(probes, 2));
		probes_write_ends(probes, 2, fds);
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), fds + 1 - extra,
				      1 + extra));
		close(probes[1].wr);
		probes[1].wr = -1;
		pfd = (struct pollfd){ .fd = probes[1].rd, .events = POLLIN };
		ASSERT_LT(0, poll(&pfd, 1, 1000)) TH_LOG("push_reply: no handshake byte");
		ASSERT_EQ(1, read(probes[1].rd, &byte, 1));
		/* The server closed the pipe after its byte; the stray descriptor is closed too. */
		ASSERT_TRUE(probes_released(probes + 1, 1, 1000)) TH_LOG("push_reply: the pipe leaked");
		if (extra) {
			ASSERT_TRUE(probes_released(probes, 1, 1000)) TH_LOG("push_reply: a descriptor leaked");
		} else {
			probes_released(probes, 1, 0); /* never sent */
		}
		expect_dropped(_metadata, self->sock, &self->server, wait_ms);
		expect_normal_served(_metadata, self);
	}
	/* Without any descriptor, and with an absurd size: nothing happens. */
	put64(req, 24, UINT64_MAX);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), NULL, 0));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	expect_normal_served(_metadata, self);
}

/* S2C replies when no S2C is outstanding: dropped (§8, W5). */
ATTACK(attack_s2c_reply)
{
	static const size_t sizes[] = { 4, 28, 40 };
	unsigned char req[40];
	struct probe probe;
	int fd;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		request(req, sizeof(req), S2C);
		put32(req, 16, sizes[i] == 40 ? 1 : 2); /* mmap or munmap */
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizes[i], NULL, 0));
		expect_dropped(_metadata, self->sock, &self->server, wait_ms);
		expect_normal_served(_metadata, self);
	}
	ASSERT_EQ(0, probes_open(&probe, 1));
	probes_write_ends(&probe, 1, &fd);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 40, &fd, 1));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("an S2C reply's descriptor leaked");
	expect_normal_served(_metadata, self);
}

/*
 * W4: fork_wait_for_child parks; a second call from the same thread is
 * dropped; a child's first checkin ends the wait.
 */
ATTACK(attack_second_call_while_active)
{
	static const struct child_request checkin = { CALL_CHECKIN, 40, false, 0 };
	unsigned char req[24];
	struct probe probe;
	struct child c;
	int fd;

	request(req, 16, CALL_FORK_WAIT);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 16, NULL, 0));
	ASSERT_EQ(0, probes_open(&probe, 1));
	probes_write_ends(&probe, 1, &fd);
	request(req, 24, CALL_UIDGID);
	put32(req, 16, UINT32_MAX);
	put32(req, 20, UINT32_MAX);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 24, &fd, 1));
	expect_no_reply(_metadata, self->sock, wait_ms);
	/* The server reads one queue in order: after this, both have been dispatched. */
	expect_normal_served(_metadata, self);
	ASSERT_TRUE(probes_released(&probe, 1, 1000)) TH_LOG("the dropped call's descriptor leaked");

	child_expect(_metadata, &c, &self->server, child_send, &checkin, 8, CALL_CHECKIN, 0);
	expect_reply(_metadata, self->sock, CALL_FORK_WAIT, 8, 0, NULL);
	child_finish(&c);
	/* The dropped uidgid is not answered late: the next reply answers a new call. */
	expect_dropped(_metadata, self->sock, &self->server, 0);
	expect_normal_served(_metadata, self);
}

/*
 * §6.1: a checkin for a (pid, tid) whose fork_wait is parked replaces the
 * stale thread: the wait is aborted and its reply discarded, and it no
 * longer consumes the fork-wait semaphore.
 */
ATTACK(attack_checkin_replaces_parked_call)
{
	static const struct child_request checkin = { CALL_CHECKIN, 40, false, 0 };
	unsigned char req[40];
	struct child c;

	request(req, 16, CALL_FORK_WAIT);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, 16, NULL, 0));
	request(req, 40, CALL_CHECKIN);
	put32(req, 32, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 40, NULL, 0, 8, 0, NULL);
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	expect_normal_served(_metadata, self);

	/* The child's post is counted, not given to the aborted wait ... */
	child_expect(_metadata, &c, &self->server, child_send, &checkin, 8, CALL_CHECKIN, 0);
	child_finish(&c);
	expect_no_reply(_metadata, self->sock, wait_ms);
	/* ... so a new fork_wait returns at once. */
	request(req, 16, CALL_FORK_WAIT);
	call_expect(_metadata, self->sock, &self->server, req, 16, NULL, 0, 8, 0, NULL);
	expect_normal_served(_metadata, self);
}

/*
 * checkout with an exec watch pipe, then "the exec failed" (one byte): the
 * server reads it and closes its copy (§6.2), and the process lives on.
 */
ATTACK(attack_exec_watch)
{
	struct pollfd pfd;
	unsigned char req[24];
	int fds[2];

	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	request(req, sizeof(req), CALL_CHECKOUT);
	put32(req, 16, 0); /* exec_listener_pipe: the first descriptor */
	req[20] = 1;       /* executing_macho */
	call_expect(_metadata, self->sock, &self->server, req, sizeof(req), fds, 1, 8, 0, NULL);
	close(fds[0]);
	ASSERT_EQ(1, write(fds[1], "x", 1));
	/* The next datagram resolves the watch first; the pipe then has no reader. */
	expect_dropped(_metadata, self->sock, &self->server, 0);
	pfd = (struct pollfd){ .fd = fds[1], .events = POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_TRUE(pfd.revents & POLLERR) TH_LOG("the server kept the exec watch pipe");
	close(fds[1]);
	expect_normal_served(_metadata, self);
}

/*
 * mach_msg_inline (§11) with lies about its tails: a clear error in a
 * 48-byte reply, or a drop for a datagram larger than any request.
 */
ATTACK(attack_mach_msg_inline)
{
	enum { SEND = 1, RCV = 2, RCV_TIMEOUT = 0x100 };
	static const int32_t invalid_data = 0x10000002, invalid_dest = 0x10000003, rcv_invalid_name = 0x10004002;
	unsigned char req[64 + 1024 + 16] = { 0 };

	/* inline_send says 100 bytes, 10 came. */
	request(req, 64, CALL_MACH_MSG_INLINE);
	put32(req, 24, SEND);
	put32(req, 28, 100);
	put32(req, 56, 100);
	call_expect(_metadata, self->sock, &self->server, req, 64 + 10, NULL, 0, 48, -EINVAL, NULL);
	/* Nothing inline and a bad pointer: read from memory, which fails as for call 38. */
	put64(req, 16, 8);
	put32(req, 28, 32);
	put32(req, 56, 0);
	call_expect(_metadata, self->sock, &self->server, req, 64, NULL, 0, 48, invalid_data, NULL);
	/* A header naming no port, inline; a receive buffer claimed to be 4 GiB. */
	put32(req, 64, 0x13);      /* msgh_bits: COPY_SEND */
	put32(req, 68, 32);        /* msgh_size */
	put32(req, 72, 0x12345);   /* msgh_remote_port */
	put32(req, 56, 32);
	put32(req, 60, UINT32_MAX);
	call_expect(_metadata, self->sock, &self->server, req, 64 + 32, NULL, 0, 48, invalid_dest, NULL);
	/* A receive on a name that does not exist, with room for everything. */
	put32(req, 24, RCV | RCV_TIMEOUT);
	put32(req, 32, 1024);
	put32(req, 36, 0x12345);
	put32(req, 56, 0);
	call_expect(_metadata, self->sock, &self->server, req, 64, NULL, 0, 48, rcv_invalid_name, NULL);
	/* Longer than the largest request: truncated, dropped. */
	put32(req, 24, SEND);
	put32(req, 56, 1024 + 16);
	ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), NULL, 0));
	expect_dropped(_metadata, self->sock, &self->server, wait_ms);
	expect_normal_served(_metadata, self);
}

/* --- the tests --- */

#define SINGLE(attack) \
	TEST_F(hostile, attack) \
	{ \
		attack_##attack(_metadata, self, NO_REPLY_MS); \
		expect_normal_served(_metadata, self); \
		expect_baseline(_metadata, self); \
	}

SINGLE(short_datagrams)
SINGLE(oversized)
SINGLE(unknown_numbers)
SINGLE(bit31_mismatch)
SINGLE(body_sizes)
SINGLE(extra_fds)
SINGLE(fd_where_none_belongs)
SINGLE(fd_index_out_of_range)
SINGLE(foreign_identity)
SINGLE(fresh_bad_identity)
SINGLE(bad_pointers)
SINGLE(never_checked_in)
SINGLE(unmanaged)
SINGLE(push_reply)
SINGLE(s2c_reply)
SINGLE(second_call_while_active)
SINGLE(checkin_replaces_parked_call)
SINGLE(exec_watch)
SINGLE(mach_msg_inline)

/*
 * W10: a client that sends without reading its replies, and clients whose
 * sockets vanish before the reply, do not stall the normal client. Replies
 * that the attacker never reads are eventually dropped, never misdelivered.
 */
/* A process may not fill the server's descriptor table with consoles. */
TEST_F(hostile, console_open_is_capped_per_process)
{
	unsigned char req[16];
	struct reply r;
	int consoles[32], opened = 0, refused = 0;

	request(req, sizeof(req), 16);
	for (int i = 0; i < 32; i++) {
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), NULL, 0));
		receive(self->sock, &r, REPLY_MS);
		ASSERT_EQ(12, r.size);
		if (get32(r.bytes, 4) == 0) {
			ASSERT_LE(0, r.fd);
			consoles[opened++] = r.fd;
		} else {
			EXPECT_EQ(EMFILE, (int32_t)get32(r.bytes, 4));
			EXPECT_EQ(-1, r.fd);
			EXPECT_EQ(-1, (int32_t)get32(r.bytes, 8));
			refused++;
		}
	}
	EXPECT_GE(8, opened);
	EXPECT_LT(0, refused);
	EXPECT_GE(self->base_fds + 8, test_server_fd_count(&self->server));
	expect_normal_served(_metadata, self);
	for (int i = 0; i < opened; i++)
		close(consoles[i]);
	expect_baseline(_metadata, self);
}

/* Replies that carry a pipe, never read: the server keeps few of their fds. */
TEST_F_TIMEOUT(hostile, unread_debug_replies_do_not_exhaust_descriptors, 60)
{
	struct timespec give_up = { 2, 500 * 1000 * 1000 };
	unsigned char req[16];
	int peak = 0;

	request(req, sizeof(req), 0x8000004D);
	for (int i = 0; i < 1500; i++) {
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), NULL, 0));
		if (i % 100 == 99) {
			int n = test_server_fd_count(&self->server);

			peak = n > peak ? n : peak;
		}
	}
	expect_normal_served(_metadata, self);
	TH_LOG("server descriptors at most %d (baseline %d)", peak, self->base_fds);
	/*
	 * Bounded, not growing with the flood: at most 64 deferred replies keep
	 * a pipe, plus the replies of one receive burst (4 batches of 32) not yet
	 * flushed, plus slack.
	 */
	EXPECT_GE(self->base_fds + 64 + 128 + 16, peak);
	nanosleep(&give_up, NULL);
	/* Drain what reached us, then everything is as before. */
	for (;;) {
		struct reply r;

		receive(self->sock, &r, NO_REPLY_MS);
		if (r.fd >= 0)
			close(r.fd);
		if (r.size == -EAGAIN)
			break;
	}
	expect_baseline(_metadata, self);
}

TEST_F_TIMEOUT(hostile, flood_without_reading, 120)
{
	const int total = 5000;
	struct timespec give_up = { 2, 500 * 1000 * 1000 };
	unsigned char req[16];
	struct reply r;
	int received = 0;

	request(req, sizeof(req), 999);
	for (int i = 1; i <= total; i++) {
		ASSERT_EQ(0, raw_send_fds(self->sock, &self->server, req, sizeof(req), NULL, 0));
		if (i % 250 == 0) {
			struct timespec t0, t1;
			long ms;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			expect_normal_served(_metadata, self);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
			EXPECT_GT(500, ms) TH_LOG("the normal client waited %ld ms during the flood", ms);
		}
	}
	/* Clients that leave before their reply. */
	for (int i = 0; i < 100; i++) {
		int sock = raw_socket();

		ASSERT_LE(0, sock);
		request(req, sizeof(req), CALL_GET_TRACER);
		ASSERT_EQ(0, raw_send_fds(sock, &self->server, req, sizeof(req), NULL, 0));
		close(sock);
	}
	expect_normal_served(_metadata, self);
	/* Long enough for the server to give up on a peer that does not read. */
	nanosleep(&give_up, NULL);
	expect_normal_served(_metadata, self);
	/* Whatever was kept for the attacker is an answer to what it sent. */
	for (;;) {
		receive(self->sock, &r, NO_REPLY_MS);
		if (r.size == -EAGAIN)
			break;
		ASSERT_EQ(8, r.size);
		ASSERT_EQ(999, get32(r.bytes, 0));
		ASSERT_EQ(-ENOSYS, (int32_t)get32(r.bytes, 4));
		received++;
	}
	TH_LOG("%d of %d replies reached the attacker", received, total);
	EXPECT_LT(0, received);
	EXPECT_GE(total, received);
	expect_dropped(_metadata, self->sock, &self->server, 0);
	expect_normal_served(_metadata, self);
	expect_baseline(_metadata, self);
}

/* Every attack, ROUNDS times; afterwards nothing has leaked. */
TEST_F_TIMEOUT(hostile, all_attacks_repeated, 300)
{
	for (int round = 0; round < ROUNDS; round++) {
		attack_short_datagrams(_metadata, self, 0);
		attack_oversized(_metadata, self, 0);
		attack_unknown_numbers(_metadata, self, 0);
		attack_bit31_mismatch(_metadata, self, 0);
		attack_body_sizes(_metadata, self, 0);
		attack_extra_fds(_metadata, self, 0);
		attack_fd_where_none_belongs(_metadata, self, 0);
		attack_fd_index_out_of_range(_metadata, self, 0);
		attack_foreign_identity(_metadata, self, 0);
		attack_fresh_bad_identity(_metadata, self, 0);
		attack_bad_pointers(_metadata, self, 0);
		attack_never_checked_in(_metadata, self, 0);
		attack_unmanaged(_metadata, self, 0);
		attack_push_reply(_metadata, self, 0);
		attack_s2c_reply(_metadata, self, 0);
		attack_second_call_while_active(_metadata, self, 0);
		attack_checkin_replaces_parked_call(_metadata, self, 0);
		attack_exec_watch(_metadata, self, 0);
		attack_mach_msg_inline(_metadata, self, 0);
	}
	expect_baseline(_metadata, self);
}

TEST_HARNESS_MAIN
