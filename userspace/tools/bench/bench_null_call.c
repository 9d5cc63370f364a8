/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench null-call: the round trip of the cheapest managed call,
 * get_tracer (16 bytes there, 12 back), through a real dserver, against
 * its floor: the same exchange with a process that does nothing but a
 * blocking recvfrom/sendto loop.
 *
 * The client writes the datagrams itself from docs/PROTOCOL.md (§1.1, §2,
 * §4) and does not use the client library, so that both sides of the
 * comparison run exactly the same client loop.
 *
 * Each figure is measured twice: with the client, the server and the echo
 * process all pinned to one CPU (every round trip is then two context
 * switches on that CPU), and unpinned. The rounds of the four
 * measurements alternate, so drift on a shared machine hits all of them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "bench_echo.h"
#include "bench_proc.h"

#define ROUNDS 7
#define DEFAULT_ITERATIONS 20000
/* Untimed round trips before each timed run: caches, and a migration after re-pinning. */
#define WARMUP 500
#define TIMEOUT_S BENCH_TIMEOUT_S

#define CALL_CHECKIN 1u
#define CALL_GET_TRACER 6u
#define ARCH_X86_64 2
#define REQUEST_SIZE 16         /* get_tracer: the bare header */
#define REPLY_SIZE 12           /* get_tracer: tracer i32@8 */
#define CHECKIN_SIZE 40
#define CHECKIN_REPLY_SIZE 8

enum { PINNED, UNPINNED, MODES };

struct peer {
	const char *what;
	pid_t pid;              /* the child process, 0 when none */
	struct sockaddr_un addr;  /* its socket */
	int sock;               /* ours, talking to it; -1 when none */
};

static struct {
	struct peer server[MODES], echo[MODES];
	struct peer floors[ECHO_KINDS]; /* --floors: pinned echoes that wait other ways */
	bool with_floors;
	cpu_set_t original;
	int cpu;
	char io_arg[32];  /* "--io=MODE" for the server, or empty */
} b;

static unsigned char get_tracer_request[REQUEST_SIZE];

static void put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void header(unsigned char *p, uint32_t number)
{
	put_u32(p, number);
	put_u32(p + 4, (uint32_t)getpid());
	put_u32(p + 8, (uint32_t)gettid());
	put_u32(p + 12, ARCH_X86_64);
}

/* --- processes --- */

static void stop_peer(struct peer *p)
{
	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	bench_stop_child(&p->pid, p->what);
}

static void cleanup(void)
{
	for (int m = 0; m < MODES; m++) {
		stop_peer(&b.server[m]);
		stop_peer(&b.echo[m]);
	}
	for (int k = 0; k < ECHO_KINDS; k++)
		stop_peer(&b.floors[k]);
	bench_dir_remove();
}

static int start_server(struct peer *p, const char *binary, bool pin)
{
	p->what = "dserver";
	if (bench_socket_path(&p->addr, pin ? "dserver-pinned.sock" : "dserver.sock") != 0)
		return -1;
	p->pid = bench_start_server(binary, &p->addr, pin ? b.cpu : -1, b.io_arg[0] ? b.io_arg : NULL);
	if (p->pid < 0) {
		p->pid = 0;
		return -1;
	}
	return 0;
}

/* The floor (ECHO_RAW), or a process that waits another way (bench_echo.h). */
static int start_echo(struct peer *p, bool pin, enum echo_kind kind)
{
	pid_t parent = getpid();
	char name[64];
	int fd;

	p->what = "echo process";
	snprintf(name, sizeof(name), "echo-%s%s.sock", echo_kind_name(kind), pin ? "-pinned" : "");
	if (bench_socket_path(&p->addr, name) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&p->addr, sizeof(p->addr)) != 0) {
		fprintf(stderr, "dserver-bench: echo socket %s: %s\n", p->addr.sun_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = 0;
		perror("dserver-bench: fork");
		close(fd);
		return -1;
	}
	if (p->pid == 0) {
		bench_child_setup(parent, pin ? b.cpu : -1);
		echo_run(fd, kind);
	}
	close(fd);
	return 0;
}

/* --- the client --- */

static int client_socket(struct peer *p)
{
	struct sockaddr_un self = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_S };

	p->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* The family alone: an autobound abstract name, as clients do (§1.1). */
	if (p->sock < 0 || bind(p->sock, (struct sockaddr *)&self, sizeof(sa_family_t)) != 0 ||
	    setsockopt(p->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		fprintf(stderr, "dserver-bench: client socket: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void transport_error(const struct peer *p, const char *op, ssize_t n)
{
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		fprintf(stderr, "dserver-bench: %s: no reply within %d s\n", p->what, TIMEOUT_S);
	else if (n < 0)
		fprintf(stderr, "dserver-bench: %s: %s: %s\n", p->what, op, strerror(errno));
	else
		fprintf(stderr, "dserver-bench: %s: %s: %zd bytes\n", p->what, op, n);
}

static int checkin(struct peer *p)
{
	unsigned char req[CHECKIN_SIZE] = { 0 }, reply[64];
	int32_t none = -1, code;
	uint64_t stack_hint = (uint64_t)(uintptr_t)&none; /* never dereferenced */
	ssize_t n;

	header(req, CALL_CHECKIN);
	req[16] = 0;                                           /* is_fork */
	memcpy(req + 24, &stack_hint, sizeof(stack_hint));
	memcpy(req + 32, &none, sizeof(none));                 /* lifetime_listener_pipe */
	n = sendto(p->sock, req, sizeof(req), 0, (struct sockaddr *)&p->addr, sizeof(p->addr));
	if (n != (ssize_t)sizeof(req)) {
		transport_error(p, "send checkin", n);
		return -1;
	}
	n = recv(p->sock, reply, sizeof(reply), 0);
	if (n != CHECKIN_REPLY_SIZE || get_u32(reply) != CALL_CHECKIN) {
		transport_error(p, "checkin reply", n);
		return -1;
	}
	memcpy(&code, reply + 4, sizeof(code));
	if (code != 0) {
		fprintf(stderr, "dserver-bench: checkin failed with code %d\n", (int)code);
		return -1;
	}
	return 0;
}

/* The loop both sides of the comparison run: send 16 bytes, take 12. */
static int round_trips(const struct peer *p, uint64_t n)
{
	unsigned char reply[64];

	for (uint64_t i = 0; i < n; i++) {
		ssize_t sent = sendto(p->sock, get_tracer_request, REQUEST_SIZE, 0,
				      (const struct sockaddr *)&p->addr, sizeof(p->addr));
		ssize_t got;

		if (sent != REQUEST_SIZE) {
			transport_error(p, "send", sent);
			return -1;
		}
		got = recv(p->sock, reply, sizeof(reply), 0);
		if (got != REPLY_SIZE || get_u32(reply) != CALL_GET_TRACER || get_u32(reply + 4) != 0) {
			transport_error(p, "reply", got);
			return -1;
		}
	}
	return 0;
}

static int measure(const struct peer *p, uint64_t n, double *best)
{
	uint64_t start;
	double per;

	if (round_trips(p, WARMUP) != 0)
		return -1;
	start = bench_now_ns();
	if (round_trips(p, n) != 0)
		return -1;
	per = (double)(bench_now_ns() - start) / (double)n;
	if (*best < 0 || per < *best)
		*best = per;
	return 0;
}

static int set_mode(int mode)
{
	int err = mode == PINNED ? bench_pin_cpu(b.cpu)
				 : (sched_setaffinity(0, sizeof(b.original), &b.original) ? -errno : 0);

	if (err)
		fprintf(stderr, "dserver-bench: %s: %s\n", mode == PINNED ? "pin" : "unpin",
			strerror(-err));
	return err;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: dserver-bench null-call [--server PATH] [--io MODE] [--floors] [round-trips]\n"
		     "  --server PATH   the dserver to start (default: the one next to\n"
		     "                  dserver-bench, else the build tree's, else $PATH)\n"
		     "  --io MODE       start it with --io=MODE (auto, block or epoll)\n"
		     "  --floors        also time, pinned, echo processes that wait the ways a\n"
		     "                  server can (blocking recvmsg, epoll, io_uring), with\n"
		     "                  credentials on, against the same raw floor\n"
		     "  round-trips     per round, default %d; best of %d rounds\n",
		DEFAULT_ITERATIONS, ROUNDS);
}

static int run(const char *server_binary, uint64_t n)
{
	double call[MODES] = { -1, -1 }, raw[MODES] = { -1, -1 }, floor_ns[ECHO_KINDS];

	for (int k = 0; k < ECHO_KINDS; k++)
		floor_ns[k] = -1;

	if (bench_pinning_cpu(&b.original, &b.cpu) != 0)
		return -1;

	if (bench_dir_create("null-call") != 0)
		return -1;
	fprintf(stderr, "null-call: server %s%s%s, %llu round trips, best of %d rounds, pinned to CPU %d\n",
		server_binary, b.io_arg[0] ? " " : "", b.io_arg, (unsigned long long)n, ROUNDS, b.cpu);

	/* Children start before the client pins itself: the unpinned ones inherit its mask. */
	for (int m = 0; m < MODES; m++)
		if (start_server(&b.server[m], server_binary, m == PINNED) != 0 ||
		    start_echo(&b.echo[m], m == PINNED, ECHO_RAW) != 0)
			return -1;
	for (int k = ECHO_RAW + 1; b.with_floors && k < ECHO_KINDS; k++) {
		int err = echo_kind_available(k);

		if (err)
			fprintf(stderr, "null-call: no %s floor: %s\n", echo_kind_name(k), strerror(-err));
		else if (start_echo(&b.floors[k], true, k) != 0 || client_socket(&b.floors[k]) != 0)
			return -1;
	}
	for (int m = 0; m < MODES; m++)
		if (client_socket(&b.server[m]) != 0 || client_socket(&b.echo[m]) != 0 ||
		    checkin(&b.server[m]) != 0)
			return -1;
	header(get_tracer_request, CALL_GET_TRACER);

	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < MODES; k++) {
			/* Alternate which mode, and which side, goes first. */
			int m = (k + r) % MODES;
			bool server_first = (r / 2) % 2 == 0;

			if (set_mode(m) != 0)
				return -1;
			if (server_first ? measure(&b.server[m], n, &call[m]) ||
						   measure(&b.echo[m], n, &raw[m])
					 : measure(&b.echo[m], n, &raw[m]) ||
						   measure(&b.server[m], n, &call[m]))
				return -1;
			for (int f = 0; m == PINNED && f < ECHO_KINDS; f++)
				if (b.floors[f].sock >= 0 && measure(&b.floors[f], n, &floor_ns[f]) != 0)
					return -1;
		}
	}
	if (set_mode(UNPINNED) != 0)
		return -1;

	bench_report("null_call_ns", call[PINNED], "ns");
	bench_report("raw_dgram_ns", raw[PINNED], "ns");
	bench_report("null_call_unpinned_ns", call[UNPINNED], "ns");
	bench_report("raw_dgram_unpinned_ns", raw[UNPINNED], "ns");
	bench_ratio("null_call_vs_raw_pinned", call[PINNED] / raw[PINNED]);
	bench_ratio("null_call_vs_raw_unpinned", call[UNPINNED] / raw[UNPINNED]);
	for (int k = 0; k < ECHO_KINDS; k++) {
		char name[64];

		if (b.floors[k].sock < 0)
			continue;
		snprintf(name, sizeof(name), "floor_%s_ns", echo_kind_name(k));
		bench_report(name, floor_ns[k], "ns");
		snprintf(name, sizeof(name), "floor_%s_vs_raw_pinned", echo_kind_name(k));
		bench_ratio(name, floor_ns[k] / raw[PINNED]);
	}
	return 0;
}

static int null_call_option(int argc, char **argv, int *i)
{
	if (!strcmp(argv[*i], "--io") && *i + 1 < argc)
		snprintf(b.io_arg, sizeof(b.io_arg), "--io=%s", argv[++*i]);
	else if (!strncmp(argv[*i], "--io=", 5))
		snprintf(b.io_arg, sizeof(b.io_arg), "%s", argv[*i]);
	else if (!strcmp(argv[*i], "--floors"))
		b.with_floors = true;
	else
		return -1;
	return 0;
}

int bench_null_call(int argc, char **argv)
{
	const char *given = NULL;
	char server_binary[PATH_MAX];
	uint64_t n = DEFAULT_ITERATIONS;
	int ret;

	ret = bench_server_args(argc, argv, "null-call", usage, null_call_option, &given, &n);
	if (ret >= 0)
		return ret;

	for (int m = 0; m < MODES; m++)
		b.server[m].sock = b.echo[m].sock = -1;
	for (int k = 0; k < ECHO_KINDS; k++)
		b.floors[k].sock = -1;
	bench_find_server(given, server_binary, sizeof(server_binary));
	ret = run(server_binary, n);
	cleanup();
	return ret ? 1 : 0;
}
