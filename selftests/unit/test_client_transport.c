// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of libdserver's transport and per-thread state, against a fake
 * server: a datagram socket in a private directory, served by a thread that
 * records every request and answers as the test asks.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <dserver/rpc.h>

#include "dgram_server.h"

#if defined(__x86_64__)
#define ARCHITECTURE DSERVER_ARCH_X86_64
#elif defined(__i386__)
#define ARCHITECTURE DSERVER_ARCH_I386
#elif defined(__aarch64__)
#define ARCHITECTURE DSERVER_ARCH_ARM64
#else
#define ARCHITECTURE DSERVER_ARCH_INVALID
#endif

#define MAX_RECORDS 32
#define MAX_DATAGRAMS 2

struct record {
	unsigned char bytes[DSERVER_SERVER_RECEIVE_BUFFER];
	size_t size;
	int nfds;
	struct stat fd_stat; /* of the first descriptor received */
	bool has_cred;
	struct ucred cred;
	struct sockaddr_un from;
	socklen_t fromlen;
	bool has_sigblk;
	uint64_t sigblk; /* the sender's blocked signals while it waited */
};

struct datagram {
	unsigned char bytes[80];
	size_t size;
	int nfds; /* copies of srv.attach_fd to attach */
};

/* How the server answers the call under test (anything but checkin/checkout). */
struct knobs {
	int32_t code;
	uint64_t length;       /* vchroot_path's and the debug calls' u64 out-value */
	int size_delta;        /* added to the reply's size */
	uint32_t number_xor;   /* applied to the reply's number */
	int attach;            /* how many copies of attach_fd go with the reply */
	bool s2c_first;        /* an S2C call precedes the reply */
	int s2c_attach;        /* descriptors with that S2C call */
	int delay_ms;          /* before the reply */
};

static struct {
	struct dgram_server ds;
	pthread_mutex_t lock;
	struct record records[MAX_RECORDS];
	int count;
	struct knobs knobs;
	int attach_fd;
} srv;

static struct dserver_request_header header_of(const struct record *r)
{
	struct dserver_request_header h;

	memcpy(&h, r->bytes, sizeof(h));
	return h;
}

static uint32_t number_of(const struct record *r)
{
	return header_of(r).number;
}

static int record_count(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.count;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

static struct record *record_at(int i)
{
	assert_true(i < record_count());
	return &srv.records[i];
}

/* SigBlk of /proc/<pid>/task/<tid>/status, as a mask of signal - 1. */
static bool read_sigblk(pid_t pid, pid_t tid, uint64_t *mask)
{
	char path[64], line[256];
	unsigned long long v;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &v) == 1) {
			*mask = v;
			found = true;
			break;
		}
	fclose(f);
	return found;
}

static void reply_shape(uint32_t number, size_t *size, int *fd_offset)
{
	*size = sizeof(struct dserver_reply_header);
	*fd_offset = -1;
	switch (number & ~DSERVER_UNMANAGED_BIT) {
#define X(n, name, flags, rq, rp, rqfd, rpfd) \
	case n: *size = rp; *fd_offset = rpfd; break;
	DSERVER_FOR_EACH_CALL(X)
#undef X
	}
}

static size_t respond(const struct record *req, struct datagram out[MAX_DATAGRAMS])
{
	uint32_t number = number_of(req);
	bool under_test = number != DSERVER_CALL_NUMBER_CHECKIN &&
			  number != DSERVER_CALL_NUMBER_CHECKOUT;
	struct knobs k = under_test ? srv.knobs : (struct knobs){ 0 };
	struct dserver_reply_header h = { number ^ k.number_xor, k.code };
	size_t n = 0, size;
	int fd_offset;

	if (number == DSERVER_S2C_NUMBER)
		return 0; /* a client's answer to an S2C call: recorded, not answered */
	if (k.s2c_first) {
		int32_t s2c[6] = { (int32_t)DSERVER_S2C_NUMBER, 2 /* munmap */ };

		memcpy(out[n].bytes, s2c, sizeof(s2c));
		out[n].size = sizeof(s2c);
		out[n].nfds = k.s2c_attach;
		n++;
	}
	reply_shape(number, &size, &fd_offset);
	memcpy(out[n].bytes, &h, sizeof(h));
	if (fd_offset >= 0) {
		int32_t index = k.attach ? 0 : -1;

		memcpy(out[n].bytes + fd_offset, &index, sizeof(index));
	}
	if (size >= 16)
		memcpy(out[n].bytes + 8, &k.length, sizeof(k.length));
	out[n].size = (size_t)((int)size + k.size_delta);
	out[n].nfds = k.attach;
	if (k.delay_ms)
		usleep(k.delay_ms * 1000);
	return n + 1;
}

static void send_datagram(const struct record *to, const struct datagram *d)
{
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(2 * sizeof(int))];
	} control;
	struct iovec iov = { (void *)d->bytes, d->size };
	struct msghdr msg = {
		.msg_name = (void *)&to->from,
		.msg_namelen = to->fromlen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};

	if (d->nfds > 0) {
		struct cmsghdr *cmsg;
		int i;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.bytes;
		msg.msg_controllen = CMSG_SPACE(d->nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(d->nfds * sizeof(int));
		for (i = 0; i < d->nfds; i++)
			memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &srv.attach_fd, sizeof(int));
	}
	/* A forked child may be gone already. */
	(void)sendmsg(srv.ds.sock, &msg, MSG_NOSIGNAL);
}

static void serve_one(void)
{
	union {
		struct cmsghdr align;
		char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct record r;
	struct iovec iov = { r.bytes, sizeof(r.bytes) };
	struct msghdr msg = {
		.msg_name = &r.from,
		.msg_namelen = sizeof(r.from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.bytes,
		.msg_controllen = sizeof(control.bytes),
	};
	struct datagram out[MAX_DATAGRAMS];
	struct cmsghdr *cmsg;
	size_t i, n;
	ssize_t got;

	memset(&r, 0, sizeof(r));
	got = recvmsg(srv.ds.sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (got < 0)
		return;
	r.size = (size_t)got;
	r.fromlen = msg.msg_namelen;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET)
			continue;
		if (cmsg->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&r.cred, CMSG_DATA(cmsg), sizeof(r.cred));
			r.has_cred = true;
		} else if (cmsg->cmsg_type == SCM_RIGHTS) {
			size_t k, nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < nfds; k++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cmsg) + k * sizeof(int), sizeof(int));
				if (r.nfds++ == 0)
					fstat(fd, &r.fd_stat);
				close(fd);
			}
		}
	}
	if (r.size >= sizeof(struct dserver_request_header)) {
		struct dserver_request_header h = header_of(&r);

		r.has_sigblk = read_sigblk(h.pid, h.tid, &r.sigblk);
	}
	pthread_mutex_lock(&srv.lock);
	if (srv.count < MAX_RECORDS)
		srv.records[srv.count++] = r;
	pthread_mutex_unlock(&srv.lock);
	if (r.size < sizeof(struct dserver_request_header))
		return;

	/* Every descriptor of the server's own is closed before the client wakes up. */
	memset(out, 0, sizeof(out));
	n = respond(&r, out);
	for (i = 0; i < n; i++)
		send_datagram(&r, &out[i]);
}

/* Fails the call instead of hanging the test if no reply comes. */
static void arm_receive_timeout(void)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = dserver_client_socket();

	assert_true(fd >= 0);
	assert_int_equal(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
}

static int setup(void **state)
{
	(void)state;
	memset(&srv.knobs, 0, sizeof(srv.knobs));
	srv.count = 0;
	srv.attach_fd = -1;
	pthread_mutex_init(&srv.lock, NULL);
	if (dgram_server_start(&srv.ds, true, serve_one) < 0)
		return -1;
	unsetenv("__mldr_sockpath");
	dserver_client_forget_thread();
	arm_receive_timeout();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dserver_client_forget_thread();
	dgram_server_stop(&srv.ds);
	pthread_mutex_destroy(&srv.lock);
	if (srv.attach_fd >= 0)
		close(srv.attach_fd);
	unsetenv("__mldr_sockpath");
	return 0;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own descriptor */
}

static bool on_my_stack(uint64_t addr)
{
	pthread_attr_t attr;
	void *lo;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr))
		return false;
	pthread_attr_getstack(&attr, &lo, &size);
	pthread_attr_destroy(&attr);
	return addr >= (uintptr_t)lo && addr < (uintptr_t)lo + size;
}

/* A pipe whose read end the server attaches to replies. */
static void make_attach_fd(struct stat *st)
{
	int p[2];

	assert_int_equal(0, pipe2(p, O_CLOEXEC));
	close(p[1]);
	srv.attach_fd = p[0];
	assert_int_equal(0, fstat(p[0], st));
}

static bool same_file(int fd, const struct stat *st)
{
	struct stat now;

	return fstat(fd, &now) == 0 && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

static void checkin_precedes_the_first_call(void **state)
{
	struct dserver_rpc_checkin_request checkin;
	struct dserver_rpc_vchroot_path_request call;
	struct dserver_request_header h;
	struct sockaddr_un mine;
	socklen_t minelen = sizeof(mine);
	char buffer[64];
	uint64_t length = 0;
	int i;

	(void)state;
	srv.knobs.length = 42;
	assert_int_equal(0, dserver_rpc_vchroot_path((uintptr_t)buffer, sizeof(buffer), &length));
	assert_int_equal(42, length);
	assert_int_equal(2, record_count());

	assert_int_equal(sizeof(checkin), record_at(0)->size);
	memcpy(&checkin, record_at(0)->bytes, sizeof(checkin));
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKIN, checkin.header.number);
	assert_false(checkin.is_fork);
	assert_true(on_my_stack(checkin.stack_hint));
	assert_int_equal(-1, checkin.lifetime_listener_pipe);
	assert_int_equal(0, record_at(0)->nfds);

	assert_int_equal(sizeof(call), record_at(1)->size);
	memcpy(&call, record_at(1)->bytes, sizeof(call));
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT_PATH, call.header.number);
	assert_int_equal((uintptr_t)buffer, call.buffer);
	assert_int_equal(sizeof(buffer), call.buffer_size);

	/* Both from this thread's own, autobound, socket. */
	assert_int_equal(0, getsockname(dserver_client_socket(), (struct sockaddr *)&mine, &minelen));
	assert_true(minelen > sizeof(sa_family_t));
	assert_int_equal('\0', mine.sun_path[0]);
	for (i = 0; i < 2; i++) {
		h = header_of(record_at(i));
		assert_int_equal(getpid(), h.pid);
		assert_int_equal(gettid(), h.tid);
		assert_int_equal(ARCHITECTURE, h.architecture);
		assert_true(record_at(i)->has_cred);
		assert_int_equal(getpid(), record_at(i)->cred.pid);
		assert_int_equal(minelen, record_at(i)->fromlen);
		assert_memory_equal(&mine, &record_at(i)->from, minelen);
	}

	/* Checked in once only. */
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(3, record_count());
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT_PATH, number_of(record_at(2)));
	assert_int_equal(0, dserver_client_checkin());
	assert_int_equal(3, record_count());
}

static void code_and_out_values_are_returned(void **state)
{
	uint64_t length = 0;

	(void)state;
	srv.knobs.code = 7;
	srv.knobs.length = 1234;
	assert_int_equal(7, dserver_rpc_vchroot_path(0, 0, &length));
	assert_int_equal(1234, length);
	srv.knobs.code = -EINVAL; /* passed on as is (§5.5) */
	assert_int_equal(-EINVAL, dserver_rpc_vchroot_path(0, 0, &length));
}

static void wrong_size_is_ecomm(void **state)
{
	static const int deltas[] = { -4, -8, +8, +40, +64 }; /* +40, +64: beyond 48, truncated */
	uint64_t length = 99;
	size_t i;

	(void)state;
	assert_int_equal(0, dserver_client_checkin());
	srv.knobs.length = 5;
	for (i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
		srv.knobs.size_delta = deltas[i];
		assert_int_equal(-ECOMM, dserver_rpc_vchroot_path(0, 0, &length));
		assert_int_equal(99, length);
	}
	srv.knobs.size_delta = 0;
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, &length));
	assert_int_equal(5, length);
}

static void wrong_number_is_ecomm(void **state)
{
	uint64_t length = 99;

	(void)state;
	assert_int_equal(0, dserver_client_checkin());
	srv.knobs.number_xor = DSERVER_CALL_NUMBER_VCHROOT_PATH ^ DSERVER_CALL_NUMBER_KPRINTF;
	assert_int_equal(-ECOMM, dserver_rpc_vchroot_path(0, 0, &length));
	srv.knobs.number_xor = DSERVER_UNMANAGED_BIT;
	assert_int_equal(-ECOMM, dserver_rpc_vchroot_path(0, 0, &length));
	assert_int_equal(99, length);
}

static void unexpected_descriptor_is_ebadmsg_and_closed(void **state)
{
	struct stat st;
	int before;

	(void)state;
	make_attach_fd(&st);
	assert_int_equal(0, dserver_client_checkin());
	before = count_fds();
	srv.knobs.attach = 1;
	assert_int_equal(-EBADMSG, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(before, count_fds());
	/* Two where one fits: also refused, also closed. */
	srv.knobs.attach = 2;
	assert_int_equal(-EBADMSG, dserver_rpc_console_open(&(int){ 0 }));
	assert_int_equal(before, count_fds());
}

static void reply_descriptor_is_delivered(void **state)
{
	struct stat st;
	int fd = -2, before;

	(void)state;
	make_attach_fd(&st);
	assert_int_equal(0, dserver_client_checkin());
	before = count_fds();
	assert_int_equal(0, dserver_rpc_console_open(&fd));
	assert_int_equal(-1, fd);
	srv.knobs.attach = 1;
	assert_int_equal(0, dserver_rpc_console_open(&fd));
	assert_true(fd >= 0);
	assert_true(same_file(fd, &st));
	assert_int_equal(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	/* Not wanted by the caller: the stub closes it. */
	assert_int_equal(0, dserver_rpc_console_open(NULL));
	assert_int_equal(before, count_fds());
}

static void request_descriptor_travels_as_scm_rights(void **state)
{
	struct dserver_rpc_vchroot_request call;
	struct stat st;
	int dir;

	(void)state;
	dir = open(srv.ds.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dir >= 0);
	assert_int_equal(0, fstat(dir, &st));
	assert_int_equal(0, dserver_rpc_vchroot(dir));
	close(dir);
	assert_int_equal(2, record_count());
	assert_int_equal(sizeof(call), record_at(1)->size);
	memcpy(&call, record_at(1)->bytes, sizeof(call));
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT, call.header.number);
	assert_int_equal(0, call.directory_fd);
	assert_int_equal(1, record_at(1)->nfds);
	assert_int_equal(st.st_ino, record_at(1)->fd_stat.st_ino);
	assert_int_equal(st.st_dev, record_at(1)->fd_stat.st_dev);
}

static void explicit_checkin_and_checkout_are_tracked(void **state)
{
	struct dserver_rpc_checkin_request checkin;
	int p[2];

	(void)state;
	assert_int_equal(0, pipe2(p, O_CLOEXEC));
	assert_int_equal(0, dserver_rpc_checkin(false, 0x1000, p[0]));
	close(p[0]);
	close(p[1]);
	assert_int_equal(1, record_count());
	memcpy(&checkin, record_at(0)->bytes, sizeof(checkin));
	assert_int_equal(0, checkin.lifetime_listener_pipe);
	assert_int_equal(1, record_at(0)->nfds);
	assert_true(S_ISFIFO(record_at(0)->fd_stat.st_mode));

	/* Already checked in. */
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(2, record_count());

	/* After a thread checkout the server has forgotten us: check in again. */
	assert_int_equal(0, dserver_rpc_checkout(-1, false));
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(5, record_count());
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKOUT, number_of(record_at(2)));
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKIN, number_of(record_at(3)));
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT_PATH, number_of(record_at(4)));
}

static void forget_thread_starts_over(void **state)
{
	struct sockaddr_un a, b;
	socklen_t alen = sizeof(a), blen = sizeof(b);
	int before;

	(void)state;
	assert_int_equal(0, dserver_client_checkin());
	assert_int_equal(0, getsockname(dserver_client_socket(), (struct sockaddr *)&a, &alen));
	before = count_fds();
	dserver_client_forget_thread();
	assert_int_equal(before - 1, count_fds());
	arm_receive_timeout();
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(0, getsockname(dserver_client_socket(), (struct sockaddr *)&b, &blen));
	assert_false(alen == blen && memcmp(&a, &b, alen) == 0);
	assert_int_equal(3, record_count());
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKIN, number_of(record_at(1)));
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT_PATH, number_of(record_at(2)));
}

static void unmanaged_calls_do_not_check_in(void **state)
{
	uint64_t count = 0;
	int fd = -2;

	(void)state;
	srv.knobs.length = 3;
	assert_int_equal(0, dserver_rpc_debug_list_processes(&count, &fd));
	assert_int_equal(3, count);
	assert_int_equal(-1, fd);
	assert_int_equal(1, record_count());
	assert_int_equal(DSERVER_CALL_NUMBER_DEBUG_LIST_PROCESSES, number_of(record_at(0)));
	assert_true(number_of(record_at(0)) & DSERVER_UNMANAGED_BIT);
	assert_int_equal(16, record_at(0)->size);
}

/* An S2C call that arrives while a reply is awaited is performed, answered, and the wait goes on. */
static void s2c_calls_are_performed_and_answered(void **state)
{
	struct stat st;
	uint64_t length = 0;
	int before, recorded;
	int32_t s2c_number, result, err;

	(void)state;
	make_attach_fd(&st);
	assert_int_equal(0, dserver_client_checkin());
	before = count_fds();
	recorded = record_count();
	srv.knobs.s2c_first = true;
	srv.knobs.s2c_attach = 1;
	srv.knobs.length = 8;
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, &length));
	assert_int_equal(8, length);
	for (int i = 0; i < 1000 && record_count() < recorded + 2; i++)
		usleep(1000);
	assert_int_equal(recorded + 2, record_count());
	/*
	 * The descriptor a munmap call does not use is closed. Counted once the
	 * fake server has recorded the answer: its own copy of the descriptor
	 * is closed after its send, which can be later than our reply.
	 */
	assert_int_equal(before, count_fds());
	const struct record *answer = record_at(recorded + 1);

	assert_int_equal(DSERVER_S2C_NUMBER, number_of(answer));
	assert_int_equal(28, answer->size);
	memcpy(&s2c_number, answer->bytes + 16, sizeof(s2c_number));
	memcpy(&result, answer->bytes + 20, sizeof(result));
	memcpy(&err, answer->bytes + 24, sizeof(err));
	assert_int_equal(2, s2c_number);
	assert_int_equal(-1, result); /* munmap(NULL, 0) */
	assert_int_equal(EINVAL, err);
}

static const uint64_t ordinary_signals = 0x7fffffffu & ~(1u << (SIGKILL - 1)) & ~(1u << (SIGSTOP - 1));

static void ordinary_signals_are_blocked_around_a_call(void **state)
{
	sigset_t none, saved, now;
	int sig;

	(void)state;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, &saved);
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	for (sig = 1; sig < 32; sig++)
		assert_false(sigismember(&now, sig));
	assert_int_equal(2, record_count());
	assert_true(record_at(1)->has_sigblk);
	assert_int_equal(ordinary_signals, record_at(1)->sigblk); /* 34 and 35 too stay open */

	/* Interruptible calls leave the mask alone. */
	sigaddset(&none, SIGUSR1);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	assert_int_equal(0, dserver_rpc_semaphore_wait(1));
	assert_true(record_at(2)->has_sigblk);
	assert_int_equal(1u << (SIGUSR1 - 1), record_at(2)->sigblk);
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_true(sigismember(&now, SIGUSR1));
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void interrupted_receive_keeps_waiting(void **state)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	sigset_t none, saved;

	(void)state;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, &saved);
	assert_int_equal(0, dserver_client_checkin());
	sigaction(SIGALRM, &sa, &old); /* no SA_RESTART */
	alarms = 0;
	srv.knobs.delay_ms = 200;
	srv.knobs.code = 14;
	setitimer(ITIMER_REAL, &it, NULL);
	assert_int_equal(14, dserver_rpc_semaphore_wait(1));
	assert_int_equal(1, alarms);
	sigaction(SIGALRM, &old, NULL);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

static void missing_socket_path_is_epipe(void **state)
{
	(void)state;
	unsetenv("DSERVER_SOCKET");
	assert_int_equal(-EPIPE, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(-EPIPE, dserver_client_checkin());
	setenv("DSERVER_SOCKET", "", 1);
	assert_int_equal(-EPIPE, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(0, record_count());
}

static void mldr_sockpath_is_the_fallback(void **state)
{
	(void)state;
	unsetenv("DSERVER_SOCKET");
	setenv("__mldr_sockpath", srv.ds.path, 1);
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(2, record_count());
}

static void too_long_socket_path_is_enametoolong(void **state)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	setenv("DSERVER_SOCKET", path, 1);
	assert_int_equal(-ENAMETOOLONG, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(0, record_count());
}

static void unreachable_server_is_an_error(void **state)
{
	char path[160];

	(void)state;
	snprintf(path, sizeof(path), "%s/nobody", srv.ds.dir);
	setenv("DSERVER_SOCKET", path, 1);
	assert_int_equal(-ENOENT, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(-ENOENT, dserver_client_checkin());
}

struct thread_result {
	pid_t tid;
	int code;
	bool stack_ok;
	struct sockaddr_un addr;
	socklen_t addrlen;
};

static void *client_thread(void *arg)
{
	struct thread_result *res = arg;
	struct timeval tv = { .tv_sec = 10 };
	int fd = dserver_client_socket();

	res->tid = gettid();
	res->addrlen = sizeof(res->addr);
	getsockname(fd, (struct sockaddr *)&res->addr, &res->addrlen);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	res->code = dserver_rpc_vchroot_path(0, 0, NULL);
	return NULL;
}

static void thread_checks_in_and_out(void **state)
{
	struct dserver_rpc_checkin_request checkin;
	struct dserver_rpc_checkout_request checkout;
	struct thread_result res = { 0 };
	pthread_t t;
	int before, i;

	(void)state;
	before = count_fds();
	assert_int_equal(0, pthread_create(&t, NULL, client_thread, &res));
	assert_int_equal(0, pthread_join(t, NULL));
	assert_int_equal(0, res.code);
	assert_int_equal(before, count_fds()); /* its socket was closed */
	assert_int_equal(3, record_count());
	memcpy(&checkin, record_at(0)->bytes, sizeof(checkin));
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKIN, checkin.header.number);
	assert_false(checkin.is_fork);
	assert_int_equal(DSERVER_CALL_NUMBER_VCHROOT_PATH, number_of(record_at(1)));
	assert_int_equal(sizeof(checkout), record_at(2)->size);
	memcpy(&checkout, record_at(2)->bytes, sizeof(checkout));
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKOUT, checkout.header.number);
	assert_int_equal(-1, checkout.exec_listener_pipe);
	assert_false(checkout.executing_macho);
	assert_int_equal(0, record_at(2)->nfds);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res.tid, header_of(record_at(i)).tid);
		assert_int_equal(res.addrlen, record_at(i)->fromlen);
		assert_memory_equal(&res.addr, &record_at(i)->from, res.addrlen);
	}
	assert_int_not_equal(gettid(), res.tid);
}

struct idle_thread {
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	int ready[2], done[2];
};

/* Owns a socket and keeps it until told to exit. */
static void *idle_thread(void *arg)
{
	struct idle_thread *it = arg;
	char c;

	it->fd = dserver_client_socket();
	it->addrlen = sizeof(it->addr);
	getsockname(it->fd, (struct sockaddr *)&it->addr, &it->addrlen);
	if (write(it->ready[1], "r", 1) != 1 || read(it->done[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

/* Whether fd is still the socket with this address. */
static bool still_open(int fd, const struct sockaddr_un *addr, socklen_t addrlen)
{
	struct sockaddr_un now;
	socklen_t nowlen = sizeof(now);

	return getsockname(fd, (struct sockaddr *)&now, &nowlen) == 0 && nowlen == addrlen &&
	       memcmp(&now, addr, addrlen) == 0;
}

static void fork_child_checks_in_at_once(void **state)
{
	struct dserver_rpc_checkin_request checkin;
	struct idle_thread it;
	struct sockaddr_un parent;
	socklen_t parentlen = sizeof(parent);
	int status, first, parent_fd;
	pthread_t t;
	pid_t child;
	char c;

	(void)state;
	assert_int_equal(0, pipe2(it.ready, O_CLOEXEC));
	assert_int_equal(0, pipe2(it.done, O_CLOEXEC));
	assert_int_equal(0, pthread_create(&t, NULL, idle_thread, &it));
	assert_int_equal(1, read(it.ready[0], &c, 1));
	assert_true(it.fd >= 0);

	assert_int_equal(0, dserver_client_checkin());
	parent_fd = dserver_client_socket();
	assert_int_equal(0, getsockname(parent_fd, (struct sockaddr *)&parent, &parentlen));
	first = record_count();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* Every inherited socket closed, a new one, checked in already. */
		bool ok = !still_open(parent_fd, &parent, parentlen) &&
			  !still_open(it.fd, &it.addr, it.addrlen) &&
			  !still_open(dserver_client_socket(), &parent, parentlen) &&
			  dserver_client_checkin() == 0; /* sends nothing */

		_exit(ok ? 0 : 1);
	}
	assert_int_equal(child, waitpid(child, &status, 0));
	assert_int_equal(1, write(it.done[1], "d", 1));
	assert_int_equal(0, pthread_join(t, NULL));
	close(it.ready[0]);
	close(it.ready[1]);
	close(it.done[0]);
	close(it.done[1]);
	assert_true(WIFEXITED(status));
	assert_int_equal(0, WEXITSTATUS(status));
	assert_int_equal(first + 1, record_count());
	memcpy(&checkin, record_at(first)->bytes, sizeof(checkin));
	assert_int_equal(DSERVER_CALL_NUMBER_CHECKIN, checkin.header.number);
	assert_true(checkin.is_fork);
	assert_int_equal(child, checkin.header.pid);
	assert_int_equal(child, checkin.header.tid);
	assert_int_equal(child, record_at(first)->cred.pid);

	/* The parent goes on as before, on its own socket. */
	assert_true(still_open(parent_fd, &parent, parentlen));
	assert_int_equal(0, dserver_rpc_vchroot_path(0, 0, NULL));
	assert_int_equal(first + 2, record_count());
	assert_int_equal(getpid(), header_of(record_at(first + 1)).pid);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(checkin_precedes_the_first_call),
		T(code_and_out_values_are_returned),
		T(wrong_size_is_ecomm),
		T(wrong_number_is_ecomm),
		T(unexpected_descriptor_is_ebadmsg_and_closed),
		T(reply_descriptor_is_delivered),
		T(request_descriptor_travels_as_scm_rights),
		T(explicit_checkin_and_checkout_are_tracked),
		T(forget_thread_starts_over),
		T(unmanaged_calls_do_not_check_in),
		T(s2c_calls_are_performed_and_answered),
		T(ordinary_signals_are_blocked_around_a_call),
		T(interrupted_receive_keeps_waiting),
		T(missing_socket_path_is_epipe),
		T(mldr_sockpath_is_the_fallback),
		T(too_long_socket_path_is_enametoolong),
		T(unreachable_server_is_an_error),
		T(thread_checks_in_and_out),
		T(fork_child_checks_in_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
