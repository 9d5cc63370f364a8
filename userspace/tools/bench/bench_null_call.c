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

#define ROUNDS 7
#define DEFAULT_ITERATIONS 20000
/* Untimed round trips before each timed run: caches, and a migration after re-pinning. */
#define WARMUP 500
#define TIMEOUT_S 5

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
	char dir[PATH_MAX];
	bool have_dir;
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

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}

/* In a fresh child: die with the benchmark, and take the mode's affinity. */
static void child_setup(pid_t parent, bool pin)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if (pin && pin_to(b.cpu) != 0) {
		fprintf(stderr, "dserver-bench: pin child to CPU %d: %s\n", b.cpu, strerror(errno));
		_exit(1);
	}
}

static void stop_child(struct peer *p)
{
	int status;

	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (int i = 0; i < TIMEOUT_S * 1000; i++) {
		if (waitpid(p->pid, &status, WNOHANG) != 0)
			goto done;
		usleep(1000);
	}
	fprintf(stderr, "dserver-bench: %s (pid %d) ignored SIGTERM for %d s; killing it\n",
		p->what, (int)p->pid, TIMEOUT_S);
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
done:
	p->pid = 0;
}

static void remove_dir(void)
{
	DIR *d;
	struct dirent *e;

	if (!b.have_dir)
		return;
	d = opendir(b.dir);
	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (rmdir(b.dir) != 0)
		fprintf(stderr, "dserver-bench: cannot remove %s: %s\n", b.dir, strerror(errno));
	b.have_dir = false;
}

static void stop_peer(struct peer *p)
{
	if (p->sock >= 0)
		close(p->sock);
	p->sock = -1;
	stop_child(p);
}

static void cleanup(void)
{
	for (int m = 0; m < MODES; m++) {
		stop_peer(&b.server[m]);
		stop_peer(&b.echo[m]);
	}
	for (int k = 0; k < ECHO_KINDS; k++)
		stop_peer(&b.floors[k]);
	remove_dir();
}

static int socket_path(struct peer *p, const char *name)
{
	p->addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if ((size_t)snprintf(p->addr.sun_path, sizeof(p->addr.sun_path), "%s/%s", b.dir, name) >=
	    sizeof(p->addr.sun_path)) {
		fprintf(stderr, "dserver-bench: socket path %s/%s is too long; set TMPDIR\n", b.dir,
			name);
		return -1;
	}
	return 0;
}

/* --server, else the dserver next to this binary, else the build tree's, else $PATH. */
static void find_server(const char *given, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;

	if (given) {
		snprintf(out, size, "%s", given);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((size_t)snprintf(out, size, "%s/dserver", dirname(self)) < size &&
		    access(out, X_OK) == 0)
			return;
	}
#ifdef DSERVER_BINARY
	if (access(DSERVER_BINARY, X_OK) == 0) {
		snprintf(out, size, "%s", DSERVER_BINARY);
		return;
	}
#endif
	snprintf(out, size, "dserver"); /* execvp searches $PATH */
}

static int start_server(struct peer *p, const char *binary, bool pin)
{
	pid_t parent = getpid();
	struct stat st;
	int status;

	p->what = "dserver";
	if (socket_path(p, pin ? "dserver-pinned.sock" : "dserver.sock") != 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = 0;
		perror("dserver-bench: fork");
		return -1;
	}
	if (p->pid == 0) {
		char *argv[] = { (char *)binary, "--socket", p->addr.sun_path, "--log-level", "error",
				 b.io_arg[0] ? b.io_arg : NULL, NULL };

		child_setup(parent, pin);
		execvp(binary, argv);
		fprintf(stderr, "dserver-bench: cannot run %s: %s\n", binary, strerror(errno));
		_exit(127);
	}
	/* Ready when its socket exists: requests sent after bind() wait in its queue. */
	for (int i = 0; i < TIMEOUT_S * 1000; i++) {
		if (stat(p->addr.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			p->pid = 0;
			fprintf(stderr, "dserver-bench: %s exited (%s %d) before opening its socket\n",
				binary, WIFEXITED(status) ? "status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -1;
		}
		usleep(1000);
	}
	fprintf(stderr, "dserver-bench: %s did not open %s within %d s\n", binary,
		p->addr.sun_path, TIMEOUT_S);
	return -1;
}

/* The floor (ECHO_RAW), or a process that waits another way (bench_echo.h). */
static int start_echo(struct peer *p, bool pin, enum echo_kind kind)
{
	pid_t parent = getpid();
	char name[64];
	int fd;

	p->what = "echo process";
	snprintf(name, sizeof(name), "echo-%s%s.sock", echo_kind_name(kind), pin ? "-pinned" : "");
	if (socket_path(p, name) != 0)
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
		child_setup(parent, pin);
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
	int err = mode == PINNED ? pin_to(b.cpu)
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
	const char *tmp = getenv("TMPDIR");

	for (int k = 0; k < ECHO_KINDS; k++)
		floor_ns[k] = -1;

	if (sched_getaffinity(0, sizeof(b.original), &b.original) != 0) {
		perror("dserver-bench: sched_getaffinity");
		return -1;
	}
	/* CPU 0, unless this process may not run there. */
	for (b.cpu = 0; b.cpu < CPU_SETSIZE && !CPU_ISSET(b.cpu, &b.original); b.cpu++)
		;
	if (b.cpu == CPU_SETSIZE) {
		fprintf(stderr, "dserver-bench: no CPU in the affinity mask\n");
		return -1;
	}

	snprintf(b.dir, sizeof(b.dir), "%s/dserver-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b.dir)) {
		fprintf(stderr, "dserver-bench: mkdtemp %s: %s\n", b.dir, strerror(errno));
		return -1;
	}
	b.have_dir = true;
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

int bench_null_call(int argc, char **argv)
{
	const char *given = NULL;
	char server_binary[PATH_MAX];
	uint64_t n = DEFAULT_ITERATIONS;
	int ret;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--server") && i + 1 < argc) {
			given = argv[++i];
		} else if (!strncmp(argv[i], "--server=", 9)) {
			given = argv[i] + 9;
		} else if (!strcmp(argv[i], "--io") && i + 1 < argc) {
			snprintf(b.io_arg, sizeof(b.io_arg), "--io=%s", argv[++i]);
		} else if (!strncmp(argv[i], "--io=", 5)) {
			snprintf(b.io_arg, sizeof(b.io_arg), "%s", argv[i]);
		} else if (!strcmp(argv[i], "--floors")) {
			b.with_floors = true;
		} else {
			errno = 0;
			n = strtoull(argv[i], &end, 0);
			if (errno || end == argv[i] || *end || argv[i][0] == '-') {
				fprintf(stderr, "dserver-bench null-call: bad argument '%s'\n", argv[i]);
				usage(stderr);
				return 2;
			}
		}
	}
	if (n == 0)
		n = 1;

	for (int m = 0; m < MODES; m++)
		b.server[m].sock = b.echo[m].sock = -1;
	for (int k = 0; k < ECHO_KINDS; k++)
		b.floors[k].sock = -1;
	find_server(given, server_binary, sizeof(server_binary));
	ret = run(server_binary, n);
	cleanup();
	return ret ? 1 : 0;
}
