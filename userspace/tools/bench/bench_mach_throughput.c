/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench mach-msg-throughput: Mach messages per second from 4 sender
 * processes to 1 receiver process through a real dserver, the shape of
 * XNU's MPMMtest in its one-way mode: 64-byte messages, COPY_SEND, a
 * receive port with MACH_PORT_QLIMIT_LARGE, so senders block when the
 * receiver falls behind.
 *
 * Its floor is the same traffic through a raw queue server: one process,
 * one SOCK_DGRAM socket, a queue of the same size. A sender's datagram is
 * acknowledged once queued (later when the queue is full), a receiver's
 * request is answered with the oldest message (later when there is none):
 * the work of a message queue, without Mach.
 *
 * The receiver checks that every sender's messages arrive once and in
 * order. Pinned (every process on one CPU) and unpinned, alternating.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"
#include "bench_mach.h"
#include "bench_proc.h"

#define ROUNDS 5
#define SENDERS 4
#define DEFAULT_MESSAGES 20000 /* per sender and round */
#define WARMUP 200
#define MSG_SIZE 64
#define QUEUE_LIMIT MACH_PORT_QLIMIT_LARGE
#define MAX_BLOCKED 64

enum { PINNED, UNPINNED, MODES };
enum { MACH, RAW, KINDS };

struct payload {
	uint64_t sender, seq;
	uint64_t pad[(MSG_SIZE - 16) / 8];
};

struct msg64 {
	mach_msg_header_t h;
	uint32_t pad;
	uint64_t sender, seq;
	uint64_t rest[2];
};
_Static_assert(sizeof(struct msg64) == MSG_SIZE, "64-byte message");

/* Per participant: who it is and how to reach the receiver. */
struct participant {
	int kind, index;           /* index: 0..SENDERS-1, or SENDERS for the receiver */
	pid_t receiver_pid;        /* mach: the receiver's process */
	mach_port_name_t port;     /* mach: its receive port, in its space */
	int ready_fd;              /* mach receiver: where to publish the port */
	mach_port_t right;         /* after setup: the receive or the send right */
	int fd;                    /* raw: our socket */
	struct sockaddr_un queue;  /* raw: the queue server */
	uint64_t next_seq[SENDERS];  /* receiver: what each sender sends next */
};

static struct {
	int cpu;
	cpu_set_t original;
	char server_binary[PATH_MAX];
	pid_t helpers[MODES][2]; /* dserver, raw queue server */
	struct bench_driver senders[MODES][KINDS][SENDERS], receivers[MODES][KINDS];
} b;

static int mode_cpu(int mode)
{
	return mode == PINNED ? b.cpu : -1;
}

/* The receiver has seen one message of `sender` with `seq`. */
static int check_order(struct participant *p, uint64_t sender, uint64_t seq)
{
	if (sender >= SENDERS || seq != p->next_seq[sender]) {
		fprintf(stderr, "dserver-bench: receiver: sender %llu sequence %llu, expected %llu\n",
			(unsigned long long)sender, (unsigned long long)seq,
			sender < SENDERS ? (unsigned long long)p->next_seq[sender] : 0ull);
		return -1;
	}
	p->next_seq[sender]++;
	return 0;
}

/* --- Mach --- */

static int mach_setup(void *arg)
{
	struct participant *p = arg;
	mach_port_limits_t limits = { .mpl_qlimit = QUEUE_LIMIT };

	if (p->index == SENDERS) {
		if (bench_mach_publish_port(p->ready_fd, &limits, &p->right) != 0)
			return -1;
		close(p->ready_fd);
		return 0;
	}
	return bench_mach_connect(p->receiver_pid, p->port, &p->right);
}

/* Senders return 0, the receiver the time it took its last message. */
static double mach_work(void *arg, uint64_t n)
{
	struct participant *p = arg;
	union {
		struct msg64 m;
		unsigned char bytes[MSG_SIZE + 128];
	} buf;

	memset(&buf, 0, sizeof(buf));
	for (uint64_t i = 0; i < n; i++) {
		mach_msg_return_t mr;

		if (p->index == SENDERS) {
			mr = mach_msg(&buf.m.h, MACH_RCV_MSG, 0, sizeof(buf), p->right, MACH_MSG_TIMEOUT_NONE,
				      MACH_PORT_NULL);
			if (mr == MACH_MSG_SUCCESS && check_order(p, buf.m.sender, buf.m.seq) != 0)
				return -1;
		} else {
			buf.m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
			buf.m.h.msgh_size = MSG_SIZE;
			buf.m.h.msgh_remote_port = p->right;
			buf.m.h.msgh_id = 1;
			buf.m.sender = (uint64_t)p->index;
			buf.m.seq = p->next_seq[0]++;
			mr = mach_msg(&buf.m.h, MACH_SEND_MSG, MSG_SIZE, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
				      MACH_PORT_NULL);
		}
		if (mr != MACH_MSG_SUCCESS) {
			fprintf(stderr, "dserver-bench: mach_msg: %s\n", mach_error_string(mr));
			return -1;
		}
	}
	return p->index == SENDERS ? (double)bench_now_ns() : 0;
}

/* --- the raw queue --- */

#define GET_SIZE 8
#define ACK_SIZE 8

/* Clients bind autobound abstract names, whose length is part of the name. */
struct address {
	struct sockaddr_un sun;
	socklen_t len;
};

struct waiting_sender {
	struct address addr;
	struct payload payload;
};

static void queue_reply(int fd, const void *p, size_t n, const struct address *to)
{
	if (sendto(fd, p, n, 0, (const struct sockaddr *)&to->sun, to->len) != (ssize_t)n)
		_exit(1);
}

static __attribute__((noreturn)) void queue_run(int fd)
{
	static struct payload ring[QUEUE_LIMIT];
	static struct waiting_sender blocked[MAX_BLOCKED];
	unsigned head = 0, count = 0, nblocked = 0;
	struct address from, getter;
	bool getter_waiting = false;
	uint64_t ack = 0;
	struct payload in;

	for (;;) {
		ssize_t n;

		from.len = sizeof(from.sun);
		n = recvfrom(fd, &in, sizeof(in), 0, (struct sockaddr *)&from.sun, &from.len);

		if (n == sizeof(in)) {
			if (getter_waiting) {
				queue_reply(fd, &in, sizeof(in), &getter);
				getter_waiting = false;
				queue_reply(fd, &ack, ACK_SIZE, &from);
			} else if (count < QUEUE_LIMIT) {
				ring[(head + count++) % QUEUE_LIMIT] = in;
				queue_reply(fd, &ack, ACK_SIZE, &from);
			} else if (nblocked < MAX_BLOCKED) {
				blocked[nblocked++] = (struct waiting_sender){ from, in };
			} else {
				_exit(1);
			}
		} else if (n == GET_SIZE) {
			if (count == 0) {
				getter = from;
				getter_waiting = true;
				continue;
			}
			queue_reply(fd, &ring[head], sizeof(ring[head]), &from);
			head = (head + 1) % QUEUE_LIMIT;
			count--;
			if (nblocked > 0) {
				ring[(head + count++) % QUEUE_LIMIT] = blocked[0].payload;
				queue_reply(fd, &ack, ACK_SIZE, &blocked[0].addr);
				memmove(&blocked[0], &blocked[1], --nblocked * sizeof(blocked[0]));
			}
		} else {
			_exit(1);
		}
	}
}

static int raw_setup(void *arg)
{
	struct participant *p = arg;
	struct sockaddr_un self = { .sun_family = AF_UNIX };

	/* An autobound abstract name, so the queue can answer. */
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0 || bind(p->fd, (struct sockaddr *)&self, sizeof(sa_family_t)) != 0) {
		perror("dserver-bench: raw socket");
		return -1;
	}
	return 0;
}

static double raw_work(void *arg, uint64_t n)
{
	struct participant *p = arg;
	struct payload m = { .sender = (uint64_t)p->index };
	uint64_t get = 0;

	for (uint64_t i = 0; i < n; i++) {
		bool ok;

		if (p->index == SENDERS) {
			ok = sendto(p->fd, &get, GET_SIZE, 0, (struct sockaddr *)&p->queue, sizeof(p->queue)) ==
				     GET_SIZE &&
			     recv(p->fd, &m, sizeof(m), 0) == sizeof(m) && check_order(p, m.sender, m.seq) == 0;
		} else {
			m.seq = p->next_seq[0]++;
			ok = sendto(p->fd, &m, sizeof(m), 0, (struct sockaddr *)&p->queue, sizeof(p->queue)) ==
				     sizeof(m) &&
			     recv(p->fd, &get, ACK_SIZE, 0) == ACK_SIZE;
		}
		if (!ok) {
			fprintf(stderr, "dserver-bench: raw queue: %s\n", strerror(errno));
			return -1;
		}
	}
	return p->index == SENDERS ? (double)bench_now_ns() : 0;
}

/* --- running --- */

static int start_kind(int mode, int kind, struct participant *proto)
{
	int (*setup)(void *) = kind == MACH ? mach_setup : raw_setup;
	double (*work)(void *, uint64_t) = kind == MACH ? mach_work : raw_work;
	struct participant p = *proto;
	int ready[2] = { -1, -1 };

	p.kind = kind;
	p.index = SENDERS;
	if (kind == MACH) {
		if (pipe2(ready, O_CLOEXEC) != 0)
			return -1;
		p.ready_fd = ready[1];
	}
	if (bench_driver_start(&b.receivers[mode][kind], mode_cpu(mode), setup, work, &p) != 0)
		return -1;
	if (kind == MACH) {
		close(ready[1]);
		p.receiver_pid = b.receivers[mode][kind].pid;
		if (bench_read_full(ready[0], &p.port, sizeof(p.port)) != 0) {
			fprintf(stderr, "dserver-bench: the receiver did not start\n");
			close(ready[0]);
			return -1;
		}
		close(ready[0]);
	}
	for (int i = 0; i < SENDERS; i++) {
		p.index = i;
		if (bench_driver_start(&b.senders[mode][kind][i], mode_cpu(mode), setup, work, &p) != 0)
			return -1;
	}
	return 0;
}

static int start_mode(int mode)
{
	struct participant proto = { 0 };
	char name[64];
	int qfd;
	pid_t parent = getpid();

	snprintf(name, sizeof(name), "dserver-%d.sock", mode);
	if (bench_socket_path(&proto.queue, name) != 0)
		return -1;
	b.helpers[mode][0] = bench_start_server(b.server_binary, &proto.queue, mode_cpu(mode), NULL);
	if (b.helpers[mode][0] < 0) {
		b.helpers[mode][0] = 0;
		return -1;
	}
	setenv("DSERVER_SOCKET", proto.queue.sun_path, 1);
	if (start_kind(mode, MACH, &proto) != 0)
		return -1;

	snprintf(name, sizeof(name), "queue-%d.sock", mode);
	if (bench_socket_path(&proto.queue, name) != 0)
		return -1;
	qfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (qfd < 0 || bind(qfd, (struct sockaddr *)&proto.queue, sizeof(proto.queue)) != 0) {
		perror("dserver-bench: queue socket");
		return -1;
	}
	b.helpers[mode][1] = fork();
	if (b.helpers[mode][1] == 0) {
		bench_child_setup(parent, mode_cpu(mode));
		queue_run(qfd);
	}
	close(qfd);
	if (b.helpers[mode][1] < 0) {
		b.helpers[mode][1] = 0;
		return -1;
	}
	return start_kind(mode, RAW, &proto);
}

/* One timed run of n messages per sender: messages per second, or -1. */
static double measure(int mode, int kind, uint64_t n)
{
	uint64_t start = bench_now_ns();
	double end, ignored;

	if (bench_driver_send(&b.receivers[mode][kind], n * SENDERS) != 0)
		return -1;
	for (int i = 0; i < SENDERS; i++)
		if (bench_driver_send(&b.senders[mode][kind][i], n) != 0)
			return -1;
	if (bench_driver_result(&b.receivers[mode][kind], &end) != 0)
		return -1;
	for (int i = 0; i < SENDERS; i++)
		if (bench_driver_result(&b.senders[mode][kind][i], &ignored) != 0)
			return -1;
	return (double)(n * SENDERS) * 1e9 / (end - (double)start);
}

static void stop_all(void)
{
	for (int m = 0; m < MODES; m++) {
		for (int k = 0; k < KINDS; k++) {
			for (int i = 0; i < SENDERS; i++)
				bench_driver_stop(&b.senders[m][k][i]);
			bench_driver_stop(&b.receivers[m][k]);
		}
		bench_stop_child(&b.helpers[m][0], "dserver");
		bench_stop_child(&b.helpers[m][1], "raw queue");
	}
	bench_dir_remove();
}

static int run(uint64_t n)
{
	double best[MODES][KINDS] = { { 0 } };

	if (bench_pinning_cpu(&b.original, &b.cpu) != 0 || bench_dir_create("mach-throughput") != 0)
		return -1;
	fprintf(stderr, "mach-msg-throughput: server %s, %d senders x %llu messages of %d bytes, best of %d rounds\n",
		b.server_binary, SENDERS, (unsigned long long)n, MSG_SIZE, ROUNDS);
	for (int m = 0; m < MODES; m++)
		if (start_mode(m) != 0)
			return -1;
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < KINDS; k++)
			if (measure(m, k, WARMUP) < 0)
				return -1;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < MODES * KINDS; i++) {
			int m = (i / KINDS + r) % MODES, k = (i + r) % KINDS;
			double rate = measure(m, k, n);

			if (rate < 0)
				return -1;
			if (rate > best[m][k])
				best[m][k] = rate;
		}
	bench_report("mach_msg_per_s", best[UNPINNED][MACH], "msg/s");
	bench_report("mach_msg_pinned_per_s", best[PINNED][MACH], "msg/s");
	bench_report("raw_queue_per_s", best[UNPINNED][RAW], "msg/s");
	bench_report("raw_queue_pinned_per_s", best[PINNED][RAW], "msg/s");
	/* As a cost, like the other ratios: time per message against the floor's. */
	bench_ratio("mach_msg_throughput_cost_vs_raw_queue_unpinned", best[UNPINNED][RAW] / best[UNPINNED][MACH]);
	bench_ratio("mach_msg_throughput_cost_vs_raw_queue_pinned", best[PINNED][RAW] / best[PINNED][MACH]);
	return 0;
}

int bench_mach_msg_throughput(int argc, char **argv)
{
	static const struct bench_simple bench = {
		.name = "mach-msg-throughput",
		.count_name = "messages",
		.count_what = "per sender and round",
		.default_count = DEFAULT_MESSAGES,
		.rounds = ROUNDS,
		.server_binary = b.server_binary,
		.server_binary_size = sizeof(b.server_binary),
		.run = run,
		.stop = stop_all,
	};

	return bench_simple_main(&bench, argc, argv);
}
