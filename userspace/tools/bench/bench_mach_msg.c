/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench mach-msg: the round trip of a 64-byte Mach message between
 * two client processes through a real dserver. The client sends with a
 * make-send-once reply port and receives the reply in the same mach_msg();
 * the echo process receives, and answers through the send-once right with a
 * combined send and receive, as a MIG server does.
 *
 * Its floor is the same exchange with raw SOCK_DGRAM datagrams: two hops
 * through a relay process that does nothing but forward (client -> relay ->
 * echo, echo -> relay -> client). Both therefore cross the same three
 * processes with the same four datagrams: what dserver adds is its own work
 * (copying the message in and out of the clients, the rights, the queues).
 * A direct client <-> echo exchange, two datagrams, is printed for
 * reference.
 *
 * Pinned (every process on one CPU) and unpinned, in alternating rounds, as
 * in null-call. Every measurement runs in a child process that the parent
 * drives through a pipe: libdserver speaks to one server per process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <mach/mach.h>

#include "bench.h"
#include "bench_mach.h"
#include "bench_proc.h"

#define ROUNDS 7
#define DEFAULT_ITERATIONS 10000
#define WARMUP 500
#define MSG_SIZE 64
#define ECHO_ID_OFFSET 100

enum { PINNED, UNPINNED, MODES };
enum { MACH, RELAY, DIRECT, KINDS };
static const char *const kind_names[KINDS] = { "mach_msg", "raw_relay", "raw_direct" };

struct msg64 {
	mach_msg_header_t h;
	uint64_t body[(MSG_SIZE - sizeof(mach_msg_header_t)) / 8];
};
_Static_assert(sizeof(struct msg64) == MSG_SIZE, "64-byte message");

/* Room for the message and the largest trailer a receiver may get. */
union msg_buffer {
	struct msg64 m;
	unsigned char bytes[MSG_SIZE + 128];
};

static struct {
	int cpu;
	cpu_set_t original;
	char server_binary[PATH_MAX];
	pid_t helpers[MODES][4]; /* server, mach echo, relay, raw echo */
	int helper_count[MODES];
	struct bench_driver drivers[MODES][KINDS];
} b;

static int mode_cpu(int mode)
{
	return mode == PINNED ? b.cpu : -1;
}

/* --- the Mach side --- */

static __attribute__((noreturn)) void mach_echo_run(int ready_fd)
{
	mach_port_t port = MACH_PORT_NULL;
	union msg_buffer buf;
	kern_return_t kr;

	if (bench_mach_publish_port(ready_fd, NULL, &port) != 0)
		_exit(1);
	close(ready_fd);
	kr = mach_msg(&buf.m.h, MACH_RCV_MSG, 0, sizeof(buf), port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	for (;;) {
		if (kr != MACH_MSG_SUCCESS) {
			fprintf(stderr, "dserver-bench: echo: mach_msg: %s\n", mach_error_string(kr));
			_exit(1);
		}
		/* Answer through the send-once right the request carried. */
		buf.m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0);
		buf.m.h.msgh_size = MSG_SIZE;
		buf.m.h.msgh_local_port = MACH_PORT_NULL;
		buf.m.h.msgh_id += ECHO_ID_OFFSET;
		kr = mach_msg(&buf.m.h, MACH_SEND_MSG | MACH_RCV_MSG, MSG_SIZE, sizeof(buf), port,
			      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
	}
}

struct mach_client {
	mach_port_t dest, reply;
};

static int mach_client_setup(struct mach_client *c, pid_t echo_pid, mach_port_name_t echo_port)
{
	if (bench_mach_connect(echo_pid, echo_port, &c->dest) != 0)
		return -1;
	c->reply = mach_reply_port();
	if (c->reply == MACH_PORT_NULL) {
		fprintf(stderr, "dserver-bench: client: no reply port\n");
		return -1;
	}
	return 0;
}

static int mach_round_trips(void *arg, uint64_t n)
{
	struct mach_client *c = arg;
	union msg_buffer buf;

	memset(&buf, 0, sizeof(buf));
	for (uint64_t i = 0; i < n; i++) {
		mach_msg_return_t mr;

		buf.m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
		buf.m.h.msgh_size = MSG_SIZE;
		buf.m.h.msgh_remote_port = c->dest;
		buf.m.h.msgh_local_port = c->reply;
		buf.m.h.msgh_id = (mach_msg_id_t)(i & 0xffff);
		buf.m.body[0] = i;
		mr = mach_msg(&buf.m.h, MACH_SEND_MSG | MACH_RCV_MSG, MSG_SIZE, sizeof(buf), c->reply,
			      MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		if (mr != MACH_MSG_SUCCESS || buf.m.h.msgh_id != (mach_msg_id_t)(i & 0xffff) + ECHO_ID_OFFSET ||
		    buf.m.body[0] != i) {
			fprintf(stderr, "dserver-bench: mach_msg round trip %llu: %s (id %d)\n",
				(unsigned long long)i, mach_error_string(mr), buf.m.h.msgh_id);
			return -1;
		}
	}
	return 0;
}

/* --- the raw floor --- */

static int bound_socket(const char *name, struct sockaddr_un *addr)
{
	int fd;

	if (bench_socket_path(addr, name) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0) {
		fprintf(stderr, "dserver-bench: socket %s: %s\n", addr->sun_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Answer every datagram to its sender. */
static __attribute__((noreturn)) void raw_echo_run(int fd)
{
	unsigned char buf[MSG_SIZE];
	struct sockaddr_un from;

	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 0 || sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) != n)
			_exit(1);
	}
}

/* Forward the client's datagrams to the echo and the echo's to the client. */
static __attribute__((noreturn)) void relay_run(int fd, const struct sockaddr_un *client, const struct sockaddr_un *echo)
{
	unsigned char buf[MSG_SIZE];
	struct sockaddr_un from;

	for (;;) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		const struct sockaddr_un *to = strcmp(from.sun_path, echo->sun_path) ? echo : client;

		if (n < 0 || sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)to, sizeof(*to)) != n)
			_exit(1);
	}
}

struct raw_client {
	int fd;
	struct sockaddr_un to;
};

static int raw_round_trips(void *arg, uint64_t n)
{
	struct raw_client *c = arg;
	uint64_t buf[MSG_SIZE / 8] = { 0 };

	for (uint64_t i = 0; i < n; i++) {
		buf[0] = i;
		if (sendto(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&c->to, sizeof(c->to)) != sizeof(buf) ||
		    recv(c->fd, buf, sizeof(buf), 0) != sizeof(buf) || buf[0] != i) {
			fprintf(stderr, "dserver-bench: raw round trip %llu: %s\n", (unsigned long long)i,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* --- the measuring children --- */

/* ns per round trip, after a warm-up: caches, and a migration after placement. */
static double timed(int (*round_trips)(void *arg, uint64_t n), void *arg, uint64_t n)
{
	uint64_t start;

	if (round_trips(arg, WARMUP) != 0)
		return -1;
	start = bench_now_ns();
	if (round_trips(arg, n) != 0)
		return -1;
	return (double)(bench_now_ns() - start) / (double)n;
}

static int driver_measure(struct bench_driver *d, uint64_t n, double *best)
{
	double per;

	if (bench_driver_send(d, n) != 0 || bench_driver_result(d, &per) != 0)
		return -1;
	if (*best < 0 || per < *best)
		*best = per;
	return 0;
}

struct mach_driver_arg {
	pid_t echo_pid;
	mach_port_name_t echo_port;
	struct mach_client client;
};

static int mach_driver_setup(void *arg)
{
	struct mach_driver_arg *a = arg;

	return mach_client_setup(&a->client, a->echo_pid, a->echo_port);
}

static double mach_driver_work(void *arg, uint64_t n)
{
	return timed(mach_round_trips, &((struct mach_driver_arg *)arg)->client, n);
}

static double raw_driver_work(void *arg, uint64_t n)
{
	return timed(raw_round_trips, arg, n);
}

static int add_helper(int mode, pid_t pid)
{
	if (pid <= 0)
		return -1;
	b.helpers[mode][b.helper_count[mode]++] = pid;
	return 0;
}

static int fork_helper(int mode, void (*run)(void *arg), void *arg)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		bench_child_setup(parent, mode_cpu(mode));
		run(arg);
		_exit(1);
	}
	if (pid < 0)
		perror("dserver-bench: fork");
	return add_helper(mode, pid);
}

static void run_mach_echo(void *arg)
{
	mach_echo_run(*(int *)arg);
}

struct raw_helper_arg {
	int fd;
	const struct sockaddr_un *client, *echo;
};

static void run_raw_echo(void *arg)
{
	raw_echo_run(((struct raw_helper_arg *)arg)->fd);
}

static void run_relay(void *arg)
{
	struct raw_helper_arg *a = arg;

	relay_run(a->fd, a->client, a->echo);
}

static int start_mode(int mode)
{
	const char *tag = mode == PINNED ? "pinned" : "unpinned";
	struct sockaddr_un server, client, relay, echo;
	struct mach_driver_arg mach = { 0 };
	struct raw_client raw;
	int ready[2], fds[3] = { -1, -1, -1 }, ret = -1;
	char name[64];

	snprintf(name, sizeof(name), "dserver-%s.sock", tag);
	if (bench_socket_path(&server, name) != 0 ||
	    add_helper(mode, bench_start_server(b.server_binary, &server, mode_cpu(mode), NULL)) != 0)
		return -1;
	setenv("DSERVER_SOCKET", server.sun_path, 1);

	/* The Mach echo tells its port's name once it has one. */
	if (pipe2(ready, O_CLOEXEC) != 0 || fork_helper(mode, run_mach_echo, &ready[1]) != 0)
		return -1;
	close(ready[1]);
	mach.echo_pid = b.helpers[mode][b.helper_count[mode] - 1];
	if (bench_read_full(ready[0], &mach.echo_port, sizeof(mach.echo_port)) != 0) {
		fprintf(stderr, "dserver-bench: the Mach echo process did not start\n");
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	if (bench_driver_start(&b.drivers[mode][MACH], mode_cpu(mode), mach_driver_setup, mach_driver_work, &mach) != 0)
		return -1;

	snprintf(name, sizeof(name), "client-%s.sock", tag);
	fds[0] = bound_socket(name, &client);
	snprintf(name, sizeof(name), "relay-%s.sock", tag);
	fds[1] = bound_socket(name, &relay);
	snprintf(name, sizeof(name), "echo-%s.sock", tag);
	fds[2] = bound_socket(name, &echo);
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0) {
		struct raw_helper_arg relay_arg = { fds[1], &client, &echo }, echo_arg = { fds[2], NULL, NULL };

		raw.fd = fds[0];
		raw.to = relay;
		if (fork_helper(mode, run_relay, &relay_arg) == 0 && fork_helper(mode, run_raw_echo, &echo_arg) == 0 &&
		    bench_driver_start(&b.drivers[mode][RELAY], mode_cpu(mode), NULL, raw_driver_work, &raw) == 0) {
			raw.to = echo;
			ret = bench_driver_start(&b.drivers[mode][DIRECT], mode_cpu(mode), NULL, raw_driver_work, &raw);
		}
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return ret;
}

static void stop_all(void)
{
	for (int m = 0; m < MODES; m++) {
		for (int k = 0; k < KINDS; k++)
			bench_driver_stop(&b.drivers[m][k]);
		while (b.helper_count[m] > 0)
			bench_stop_child(&b.helpers[m][--b.helper_count[m]], "benchmark helper");
	}
	bench_dir_remove();
}

static int run(uint64_t n)
{
	double best[MODES][KINDS];
	char name[64];

	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < KINDS; k++)
			best[m][k] = -1;
	if (bench_pinning_cpu(&b.original, &b.cpu) != 0 || bench_dir_create("mach-msg") != 0)
		return -1;
	fprintf(stderr, "mach-msg: server %s, %llu round trips of %d bytes, best of %d rounds, pinned to CPU %d\n",
		b.server_binary, (unsigned long long)n, MSG_SIZE, ROUNDS, b.cpu);
	for (int m = 0; m < MODES; m++)
		if (start_mode(m) != 0)
			return -1;

	/* Alternate the modes and the order of the kinds, so drift hits them all. */
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < MODES * KINDS; i++) {
			int m = (i / KINDS + r) % MODES, k = (i + r) % KINDS;

			if (driver_measure(&b.drivers[m][k], n, &best[m][k]) != 0)
				return -1;
		}

	bench_report("mach_msg_rtt_ns", best[PINNED][MACH], "ns");
	bench_report("mach_msg_rtt_unpinned_ns", best[UNPINNED][MACH], "ns");
	for (int k = RELAY; k < KINDS; k++)
		for (int m = 0; m < MODES; m++) {
			snprintf(name, sizeof(name), "%s_rtt%s_ns", kind_names[k], m == PINNED ? "" : "_unpinned");
			bench_report(name, best[m][k], "ns");
		}
	bench_ratio("mach_msg_vs_raw2_pinned", best[PINNED][MACH] / best[PINNED][RELAY]);
	bench_ratio("mach_msg_vs_raw2_unpinned", best[UNPINNED][MACH] / best[UNPINNED][RELAY]);
	return 0;
}

int bench_mach_msg(int argc, char **argv)
{
	static const struct bench_simple bench = {
		.name = "mach-msg",
		.count_name = "round-trips",
		.count_what = "per round",
		.default_count = DEFAULT_ITERATIONS,
		.rounds = ROUNDS,
		.server_binary = b.server_binary,
		.server_binary_size = sizeof(b.server_binary),
		.run = run,
		.stop = stop_all,
	};

	return bench_simple_main(&bench, argc, argv);
}
