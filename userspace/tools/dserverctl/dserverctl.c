/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserverctl: ask a running dserver what it is doing.
 *
 * It speaks the wire protocol directly (docs/PROTOCOL.md §1, §2, §10,
 * §11) and does not link the client library: it only sends unmanaged
 * calls, so the server never registers it as a process.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <dserver/signal_path.h>
#include <dserver/signal_record.h>

#define ARCH_X86_64 2
#define CALL_DEBUG_LIST_PROCESSES 0x8000004Du /* §3, §10 */
#define CALL_DSERVER_STATS 0xC0000001u       /* §11 */

#define REQUEST_SIZE 16   /* the bare request header, §2 */
#define LIST_REPLY_SIZE 24  /* count u64@8, fd i32@16 (§10) */
#define STATS_REPLY_SIZE 64 /* the same, then live_ports u64@24, objects u64@32, the signal path @40-63 (§11) */
#define TIMEOUT_MS 5000

#define STATS_RECORD_SIZE 48
#define STATS_NAME_SIZE 24
#define PROCESS_RECORD_SIZE 16

#define EXIT_FAIL 1
#define EXIT_USAGE 2

static const char *prog = "dserverctl";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: %s [--socket PATH] COMMAND\n"
		"\n"
		"commands:\n"
		"  stats       per-call statistics: calls, errors, mean service time\n"
		"  processes   the registered processes and their port counts\n"
		"  status      live ports, IPC objects, registered processes and the\n"
		"              signal path (eBPF or userspace, and why)\n"
		"\n"
		"options:\n"
		"  -s, --socket PATH   the server socket (default: $DSERVER_SOCKET)\n"
		"  -h, --help          this text\n",
		prog);
}

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

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* --- the call --- */

struct reply {
	uint64_t count;
	int fd;  /* the records' pipe, or -1 */
	/* dserver_stats only: */
	uint64_t live_ports, objects, signals_from_records;
	uint32_t signal_path, bpf_prog_id, signal_path_reason;
	int32_t signal_path_errno;
};

static int client_socket(void)
{
	struct sockaddr_un self = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	/* The family alone: Linux autobinds a unique abstract name (§1.1). */
	if (bind(fd, (struct sockaddr *)&self, sizeof(sa_family_t)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		fprintf(stderr, "%s: client socket: %s\n", prog, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * Send the unmanaged call `number` and take its reply of reply_size bytes.
 * Returns 0, or prints why not and returns -1.
 */
static int call(const char *socket_path, uint32_t number, const char *name, size_t reply_size,
		struct reply *out)
{
	struct sockaddr_un server = { .sun_family = AF_UNIX };
	unsigned char request[REQUEST_SIZE] = { 0 };
	unsigned char buf[64];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	int fds[4], nfds = 0, sock;
	int32_t code, index;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (strlen(socket_path) >= sizeof(server.sun_path)) {
		fprintf(stderr, "%s: socket path is longer than %zu bytes: %s\n", prog,
			sizeof(server.sun_path) - 1, socket_path);
		return -1;
	}
	strcpy(server.sun_path, socket_path);

	sock = client_socket();
	if (sock < 0)
		return -1;

	put_u32(request, number);
	put_u32(request + 4, (uint32_t)getpid());
	put_u32(request + 8, (uint32_t)gettid());
	put_u32(request + 12, ARCH_X86_64);
	/* The full sockaddr_un as the address length, as clients send it (§1.1). */
	if (sendto(sock, request, sizeof(request), 0, (struct sockaddr *)&server,
		   sizeof(server)) != (ssize_t)sizeof(request)) {
		int err = errno;

		if (err == ENOENT || err == ECONNREFUSED)
			fprintf(stderr, "%s: no server listens on %s (%s)\n", prog, socket_path,
				strerror(err));
		else
			fprintf(stderr, "%s: cannot send to %s: %s\n", prog, socket_path, strerror(err));
		close(sock);
		return -1;
	}

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(sock);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			fprintf(stderr, "%s: %s: no reply from %s within %d s\n", prog, name, socket_path,
				TIMEOUT_MS / 1000);
		else
			fprintf(stderr, "%s: %s: receive: %s\n", prog, name, strerror(errno));
		return -1;
	}

	/* Keep every descriptor that arrived, so that none leaks whatever the verdict. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (nfds < (int)(sizeof(fds) / sizeof(fds[0])))
				fds[nfds++] = fd;
			else
				close(fd);
		}
	}

	if ((msg.msg_flags & MSG_TRUNC) || n != (ssize_t)reply_size) {
		fprintf(stderr, "%s: %s: the reply has %zd bytes%s, expected %zu: is %s a dserver?\n",
			prog, name, n, (msg.msg_flags & MSG_TRUNC) ? " or more" : "", reply_size,
			socket_path);
		goto fail;
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		fprintf(stderr, "%s: %s: the reply carries too many descriptors\n", prog, name);
		goto fail;
	}
	if (get_u32(buf) != number) {
		fprintf(stderr, "%s: %s: the reply is for call %#x, not %#x\n", prog, name,
			get_u32(buf), number);
		goto fail;
	}
	code = (int32_t)get_u32(buf + 4);
	if (code != 0) {
		if (code == -EPERM)
			fprintf(stderr, "%s: %s: permission denied: the server runs as another user\n",
				prog, name);
		else if (code == -ENOSYS)
			fprintf(stderr, "%s: %s: the server does not know this call\n", prog, name);
		else if (code < 0 && code > -4096)
			fprintf(stderr, "%s: %s: the server answered: %s\n", prog, name, strerror(-code));
		else
			fprintf(stderr, "%s: %s: the server answered code %" PRId32 "\n", prog, name, code);
		goto fail;
	}
	out->count = get_u64(buf + 8);
	index = (int32_t)get_u32(buf + 16);
	if (reply_size >= STATS_REPLY_SIZE) {
		out->live_ports = get_u64(buf + 24);
		out->objects = get_u64(buf + 32);
		out->signals_from_records = get_u64(buf + 40);
		out->signal_path = get_u32(buf + 48);
		out->bpf_prog_id = get_u32(buf + 52);
		out->signal_path_reason = get_u32(buf + 56);
		out->signal_path_errno = (int32_t)get_u32(buf + 60);
	}
	if (index >= 0) {
		if (index >= nfds) {
			fprintf(stderr, "%s: %s: the reply names descriptor %" PRId32 " but carries %d\n",
				prog, name, index, nfds);
			goto fail;
		}
		out->fd = fds[index];
		fds[index] = fds[--nfds];
	} else if (out->count) {
		fprintf(stderr, "%s: %s: the reply announces %" PRIu64 " records but no pipe\n", prog,
			name, out->count);
		goto fail;
	}
	close_fds(fds, (size_t)nfds);
	return 0;
fail:
	close_fds(fds, (size_t)nfds);
	return -1;
}

/*
 * Read one record of `size` bytes from the pipe: 1 on success, 0 at a
 * premature end, -1 on error or timeout (printed).
 */
static int read_record(int fd, unsigned char *rec, size_t size, const char *name)
{
	size_t have = 0;

	while (have < size) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, TIMEOUT_MS);
		ssize_t n;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: %s: poll: %s\n", prog, name, strerror(errno));
			return -1;
		}
		if (r == 0) {
			fprintf(stderr, "%s: %s: the server stopped sending records for %d s\n", prog,
				name, TIMEOUT_MS / 1000);
			return -1;
		}
		n = read(fd, rec + have, size - have);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "%s: %s: read: %s\n", prog, name, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		have += (size_t)n;
	}
	return 1;
}

/* Read `count` records, handing each to `print`. 0 or -1 (printed). */
static int read_records(const struct reply *r, size_t size, const char *name,
			void (*print)(const unsigned char *rec))
{
	unsigned char rec[STATS_RECORD_SIZE];
	int ret = 0;

	for (uint64_t i = 0; i < r->count; i++) {
		int got = read_record(r->fd, rec, size, name);

		if (got == 0)
			fprintf(stderr, "%s: %s: the server sent %" PRIu64 " of %" PRIu64 " records\n",
				prog, name, i, r->count);
		if (got <= 0) {
			ret = -1;
			break;
		}
		print(rec);
	}
	if (r->fd >= 0)
		close(r->fd);
	return ret;
}

/* --- stats --- */

static void print_stats_record(const unsigned char *rec)
{
	char name[STATS_NAME_SIZE + 1];
	size_t len = strnlen((const char *)rec, STATS_NAME_SIZE);
	uint64_t calls = get_u64(rec + 24), errors = get_u64(rec + 32), total = get_u64(rec + 40);

	/* A name of 24 bytes has no NUL (§11); nothing unprintable reaches the terminal. */
	for (size_t i = 0; i < len; i++)
		name[i] = isprint(rec[i]) ? (char)rec[i] : '?';
	name[len] = '\0';
	printf("%-24.*s %12" PRIu64 " %12" PRIu64, (int)len, name, calls, errors);
	if (calls)
		printf(" %12.3f\n", (double)total / (double)calls / 1000.0);
	else
		printf(" %12s\n", "-");
}

static int cmd_stats(const char *socket_path)
{
	struct reply r;

	if (call(socket_path, CALL_DSERVER_STATS, "dserver_stats", STATS_REPLY_SIZE, &r) != 0)
		return EXIT_FAIL;
	/* "µ" is two bytes for one column. */
	printf("%-24s %12s %12s %13s\n", "call", "calls", "errors", "mean µs");
	return read_records(&r, STATS_RECORD_SIZE, "dserver_stats", print_stats_record) ? EXIT_FAIL
											 : 0;
}

/* --- processes --- */

static void print_process_record(const unsigned char *rec)
{
	printf("%10" PRIu32 " %12" PRIu64 "\n", get_u32(rec), get_u64(rec + 8));
}

static int cmd_processes(const char *socket_path)
{
	struct reply r;

	if (call(socket_path, CALL_DEBUG_LIST_PROCESSES, "debug_list_processes", LIST_REPLY_SIZE, &r) != 0)
		return EXIT_FAIL;
	printf("%10s %12s\n", "pid", "ports");
	return read_records(&r, PROCESS_RECORD_SIZE, "debug_list_processes",
			    print_process_record) ? EXIT_FAIL : 0;
}

/* --- status --- */

/* How signals reach the server, and where to look at the eBPF side of it (README, "Signals and eBPF"). */
static void print_signal_path(const struct reply *stats)
{
	if (stats->signal_path == DSERVER_SIGNAL_PATH_EBPF) {
		printf("signal path eBPF (program %s, id %" PRIu32 ")\n", DSERVER_BPF_PROG_NAME,
		       stats->bpf_prog_id);
		printf("signals from records %" PRIu64 "\n", stats->signals_from_records);
		/* Other servers' maps have the same names: the program's own line lists its map ids. */
		printf("inspect with:\n"
		       "  bpftool prog show id %" PRIu32 "\n"
		       "  bpftool map dump name %s\n"
		       "  bpftool map dump name %s\n"
		       "  bpftool map dump name %s\n",
		       stats->bpf_prog_id, DSERVER_BPF_RECORDS_NAME, DSERVER_BPF_MANAGED_NAME,
		       DSERVER_BPF_SLOTS_NAME);
		return;
	}
	if (stats->signal_path != DSERVER_SIGNAL_PATH_USERSPACE) {
		printf("signal path unknown (%" PRIu32 ")\n", stats->signal_path);
		return;
	}
	/* Asked for (--bpf=off) or not built is a choice; anything else is a fallback from eBPF. */
	printf("signal path userspace%s: %s", stats->signal_path_reason == DSERVER_SIGNAL_REASON_DISABLED ||
							stats->signal_path_reason == DSERVER_SIGNAL_REASON_NOT_BUILT
						? ""
						: " fallback",
	       dserver_signal_path_reason_text(stats->signal_path_reason));
	if (stats->signal_path_errno > 0)
		printf(" (errno %" PRId32 ": %s)", stats->signal_path_errno, strerror(stats->signal_path_errno));
	printf("\n");
}

static void ignore_record(const unsigned char *rec)
{
	(void)rec;
}

static int cmd_status(const char *socket_path)
{
	struct reply stats, processes;

	if (call(socket_path, CALL_DSERVER_STATS, "dserver_stats", STATS_REPLY_SIZE, &stats) != 0)
		return EXIT_FAIL;
	/* Only the counts are wanted: the records are read and dropped so the server's writer finishes. */
	if (read_records(&stats, STATS_RECORD_SIZE, "dserver_stats", ignore_record) != 0)
		return EXIT_FAIL;
	if (call(socket_path, CALL_DEBUG_LIST_PROCESSES, "debug_list_processes", LIST_REPLY_SIZE, &processes) != 0)
		return EXIT_FAIL;
	if (read_records(&processes, PROCESS_RECORD_SIZE, "debug_list_processes", ignore_record) != 0)
		return EXIT_FAIL;
	printf("live ports  %" PRIu64 "\n", stats.live_ports);
	printf("ipc objects %" PRIu64 "\n", stats.objects);
	/* The kernel pseudo-process (pid 0) is not a client. */
	printf("processes   %" PRIu64 "\n", processes.count ? processes.count - 1 : 0);
	print_signal_path(&stats);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *socket_path = getenv("DSERVER_SOCKET");
	const char *command;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s: %s\n", prog, optind >= argc ? "no command" : "one command only");
		usage(stderr);
		return EXIT_USAGE;
	}
	command = argv[optind];
	if (strcmp(command, "stats") && strcmp(command, "processes") && strcmp(command, "status")) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!socket_path || !*socket_path) {
		fprintf(stderr, "%s: no socket: give --socket PATH or set DSERVER_SOCKET\n", prog);
		return EXIT_USAGE;
	}

	if (!strcmp(command, "stats"))
		ret = cmd_stats(socket_path);
	else if (!strcmp(command, "processes"))
		ret = cmd_processes(socket_path);
	else
		ret = cmd_status(socket_path);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		return EXIT_FAIL;
	}
	return ret;
}
