/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench signal: the cost of one handled signal, from raising it
 * with tgkill to the handler's return, through a real dserver, on both of
 * its signal paths:
 * - fallback: a server started with --bpf=off, so libdserver runs the full
 *   interrupt protocol (PROTOCOL.md §7.1: interrupt_enter, sigprocess with
 *   the signal context's registers, the handler, interrupt_exit);
 * - fast: a server started with the default, which on a kernel that can run
 *   the eBPF program serves the signal from its record (§11:
 *   interrupt_enter_sigprocess, the handler, interrupt_exit).
 * The floor is the same signal with a plain sigaction() handler in the same
 * kind of process. The calls per signal come from the servers' own counts
 * (dserver_stats, §11) over the timed signals.
 *
 * Then, with the kernel's BPF run-time statistics on, what the fast
 * server's program costs per signal: delivered to a thread of one of its
 * clients (it writes a record), and to a process that is not a dserver
 * client (it only looks the process up).
 *
 * Pinned (servers and processes on one CPU) and unpinned, alternating, as in
 * the other benchmarks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>
#include <dserver/signal_path.h>
#include <dserver/signal_record.h>

#include "bench.h"
#include "bench_bpf_stats.h"
#include "bench_proc.h"

#define ROUNDS 7
#define DEFAULT_SIGNALS 5000
#define WARMUP 200
#define STATS_RECORD_SIZE 48
#define FAST_CALLS_PER_SIGNAL 2 /* interrupt_enter_sigprocess, interrupt_exit */

enum { PINNED, UNPINNED, MODES };
/* The measuring processes: a client of the fallback server, one of the fast server, the plain floor. */
enum { FALLBACK, FAST, PLAIN, KINDS };
/* FALLBACK and FAST each have a server of their own, per mode, started with: */
#define PATHS 2
static const char *const path_server_arg[PATHS] = { "--bpf=off", NULL };
static const char *const path_name[PATHS] = { "fallback", "fast" };

static struct {
	int cpu;
	cpu_set_t original;
	char server_binary[PATH_MAX];
	struct sockaddr_un servers[PATHS][MODES];
	pid_t server_pids[PATHS][MODES];
	struct bench_driver drivers[MODES][KINDS];
	bool fast; /* the default servers run the eBPF path: FAST is measured */
} b;

static volatile sig_atomic_t handled;

static void on_signal(int sig, siginfo_t *info, void *ucontext)
{
	(void)sig;
	(void)info;
	(void)ucontext;
	handled++;
}

static int managed_setup(void *arg)
{
	int err;

	(void)arg;
	err = dserver_signal_init();
	if (!err)
		err = dserver_client_checkin();
	if (!err && dserver_signal_install(SIGUSR1, on_signal) != 0)
		err = -errno;
	if (err)
		fprintf(stderr, "dserver-bench: signal setup: %s\n", strerror(-err));
	return err ? -1 : 0;
}

static int plain_setup(void *arg)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	(void)arg;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

static int raise_signals(uint64_t n)
{
	pid_t pid = getpid(), tid = gettid();

	for (uint64_t i = 0; i < n; i++) {
		sig_atomic_t before = handled;

		/* tgkill to ourselves: delivered before the call returns. */
		if (syscall(SYS_tgkill, pid, tid, SIGUSR1) != 0 || handled != before + 1) {
			fprintf(stderr, "dserver-bench: signal %llu was not handled\n", (unsigned long long)i);
			return -1;
		}
	}
	return 0;
}

/* ns per handled signal. */
static double signal_work(void *arg, uint64_t n)
{
	uint64_t start;

	(void)arg;
	if (raise_signals(WARMUP) != 0)
		return -1;
	start = bench_now_ns();
	if (raise_signals(n) != 0)
		return -1;
	return (double)(bench_now_ns() - start) / (double)n;
}

/* What a server's dserver_stats says (§11). */
struct server_counts {
	uint64_t calls; /* every call served, but dserver_stats itself: this benchmark's, not the signals' */
	uint64_t from_records;
	uint32_t path, prog_id, reason;
	int32_t reason_errno;
};

static int server_counts(int path, int mode, struct server_counts *c)
{
	static const char stats_name[] = "dserver_stats";
	unsigned char record[STATS_RECORD_SIZE];
	uint64_t count = 0, calls;
	int fd = -1, err = 0;

	memset(c, 0, sizeof(*c));
	setenv("DSERVER_SOCKET", b.servers[path][mode].sun_path, 1);
	if (dserver_rpc_dserver_stats(&count, &fd, NULL, NULL, &c->from_records, &c->path, &c->prog_id, &c->reason,
				      &c->reason_errno) != 0 || fd < 0) {
		fprintf(stderr, "dserver-bench: dserver_stats failed\n");
		return -1;
	}
	for (uint64_t i = 0; i < count && !err; i++) {
		err = bench_read_full(fd, record, sizeof(record));
		if (err || (strnlen((const char *)record, 24) == sizeof(stats_name) - 1 &&
			    !memcmp(record, stats_name, sizeof(stats_name) - 1)))
			continue;
		memcpy(&calls, record + 24, sizeof(calls));
		c->calls += calls;
	}
	close(fd);
	if (err)
		fprintf(stderr, "dserver-bench: short dserver_stats record\n");
	return err;
}

static int start_servers(void)
{
	char name[64];

	for (int p = 0; p < PATHS; p++)
		for (int m = 0; m < MODES; m++) {
			snprintf(name, sizeof(name), "dserver-%s-%d.sock", path_name[p], m);
			if (bench_socket_path(&b.servers[p][m], name) != 0)
				return -1;
			b.server_pids[p][m] = bench_start_server(b.server_binary, &b.servers[p][m],
								 m == PINNED ? b.cpu : -1, path_server_arg[p]);
			if (b.server_pids[p][m] < 0) {
				b.server_pids[p][m] = 0;
				return -1;
			}
		}
	return 0;
}

/* Whether the default servers serve signals from records; says why not. 0 or -1. */
static int check_fast_path(void)
{
	struct server_counts c;

	b.fast = true;
	for (int m = 0; m < MODES && b.fast; m++) {
		if (server_counts(FAST, m, &c) != 0)
			return -1;
		b.fast = c.path == DSERVER_SIGNAL_PATH_EBPF;
	}
	if (!b.fast)
		fprintf(stderr, "signal: no signal_fast figures: the default dserver runs the userspace signal path: "
				"%s (%s)\n",
			dserver_signal_path_reason_text(c.reason), c.reason_errno ? strerror(c.reason_errno) : "no errno");
	return 0;
}

static int start_drivers(void)
{
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < KINDS; k++) {
			if (k == FAST && !b.fast)
				continue;
			/* A managed driver's libdserver talks to the server named when it forks. */
			if (k != PLAIN)
				setenv("DSERVER_SOCKET", b.servers[k][m].sun_path, 1);
			if (bench_driver_start(&b.drivers[m][k], m == PINNED ? b.cpu : -1,
					       k == PLAIN ? plain_setup : managed_setup, signal_work, NULL) != 0)
				return -1;
		}
	return 0;
}

static void stop_all(void)
{
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < KINDS; k++)
			bench_driver_stop(&b.drivers[m][k]);
	for (int p = 0; p < PATHS; p++)
		for (int m = 0; m < MODES; m++)
			bench_stop_child(&b.server_pids[p][m], "dserver");
	bench_dir_remove();
}

/* The figures of one kind over the last round it ran. */
struct kind_result {
	double best[MODES];
	uint64_t signals, calls, from_records; /* over its last measurement */
};

/* n signals (after the warm-up) in driver (m, k); the server's counts around them for a managed kind. */
static int measure(int m, int k, uint64_t n, struct kind_result *r)
{
	struct server_counts before, after;
	double per;

	if (k != PLAIN && server_counts(k, m, &before) != 0)
		return -1;
	if (bench_driver_send(&b.drivers[m][k], n) != 0 || bench_driver_result(&b.drivers[m][k], &per) != 0)
		return -1;
	if (per < r->best[m] || r->best[m] < 0)
		r->best[m] = per;
	if (k == PLAIN)
		return 0;
	if (server_counts(k, m, &after) != 0)
		return -1;
	r->signals = n + WARMUP;
	r->calls = after.calls - before.calls;
	r->from_records = after.from_records - before.from_records;
	return 0;
}

/* ns per run of the program behind s while driver raises n signals (after the warm-up). */
static int bpf_ns_per_run(const struct bench_bpf_stats *s, struct bench_driver *driver, uint64_t n, double *ns)
{
	struct bench_bpf_runs before, after;
	double per;

	if (bench_bpf_stats_read(s, &before) != 0 || bench_driver_send(driver, n) != 0 ||
	    bench_driver_result(driver, &per) != 0 || bench_bpf_stats_read(s, &after) != 0)
		return -1;
	/* Every signal on the machine runs it: at least ours, perhaps a few others'. */
	if (after.count - before.count < n + WARMUP) {
		fprintf(stderr, "dserver-bench: the BPF program ran %llu times for %llu signals\n",
			(unsigned long long)(after.count - before.count), (unsigned long long)(n + WARMUP));
		return -1;
	}
	*ns = (double)(after.ns - before.ns) / (double)(after.count - before.count);
	return 0;
}

/* The pinned fast server's program, per signal to its client and to a process no server knows. */
static int measure_bpf(uint64_t n)
{
	struct server_counts c;
	struct bench_bpf_stats s;
	double managed, unmanaged;
	int err;

	if (server_counts(FAST, PINNED, &c) != 0)
		return -1;
	if (bench_bpf_stats_open(&s, c.prog_id) != 0) {
		fprintf(stderr, "signal: no bpf_ns_per_signal figures\n");
		return 0;
	}
	err = bpf_ns_per_run(&s, &b.drivers[PINNED][FAST], n, &managed);
	if (!err)
		err = bpf_ns_per_run(&s, &b.drivers[PINNED][PLAIN], n, &unmanaged);
	bench_bpf_stats_close(&s);
	if (err)
		return -1;
	bench_report("bpf_ns_per_signal_managed", managed, "ns");
	bench_report("bpf_ns_per_signal_unmanaged", unmanaged, "ns");
	return 0;
}

static void report_calls(const char *name, const struct kind_result *r)
{
	bench_report(name, (double)r->calls / (double)r->signals, "calls");
}

/* The fast figures, once they are known to be the fast path's. 0 or -1. */
static int report_fast(const struct kind_result *fast, const struct kind_result *fallback)
{
	bench_report("signal_fast_ns", fast->best[PINNED], "ns");
	bench_report("signal_fast_unpinned_ns", fast->best[UNPINNED], "ns");
	report_calls("signal_fast_round_trips", fast);
	bench_ratio("signal_fast_vs_fallback", fast->best[PINNED] / fallback->best[PINNED]);
	bench_ratio("signal_fast_vs_fallback_unpinned", fast->best[UNPINNED] / fallback->best[UNPINNED]);
	if (fast->calls == FAST_CALLS_PER_SIGNAL * fast->signals && fast->from_records == fast->signals)
		return 0;
	fprintf(stderr, "dserver-bench: the fast path took %llu calls for %llu signals, %llu from records: "
			"these are not its figures\n",
		(unsigned long long)fast->calls, (unsigned long long)fast->signals,
		(unsigned long long)fast->from_records);
	return -1;
}

static int run(uint64_t n)
{
	struct kind_result r[KINDS];

	for (int k = 0; k < KINDS; k++)
		r[k] = (struct kind_result){ .best = { -1, -1 } };
	if (bench_pinning_cpu(&b.original, &b.cpu) != 0 || bench_dir_create("signal") != 0)
		return -1;
	fprintf(stderr, "signal: server %s (fallback: --bpf=off; fast: the default), %llu signals, best of %d rounds, "
			"pinned to CPU %d\n",
		b.server_binary, (unsigned long long)n, ROUNDS, b.cpu);
	if (start_servers() != 0 || check_fast_path() != 0 || start_drivers() != 0)
		return -1;
	for (int round = 0; round < ROUNDS; round++)
		for (int i = 0; i < MODES * KINDS; i++) {
			int m = (i / KINDS + round) % MODES, k = (i + round) % KINDS;

			if ((k != FAST || b.fast) && measure(m, k, n, &r[k]) != 0)
				return -1;
		}
	bench_report("signal_fallback_ns", r[FALLBACK].best[PINNED], "ns");
	bench_report("signal_fallback_unpinned_ns", r[FALLBACK].best[UNPINNED], "ns");
	bench_report("signal_plain_ns", r[PLAIN].best[PINNED], "ns");
	bench_report("signal_plain_unpinned_ns", r[PLAIN].best[UNPINNED], "ns");
	report_calls("signal_fallback_round_trips", &r[FALLBACK]);
	bench_ratio("signal_fallback_vs_plain_pinned", r[FALLBACK].best[PINNED] / r[PLAIN].best[PINNED]);
	bench_ratio("signal_fallback_vs_plain_unpinned", r[FALLBACK].best[UNPINNED] / r[PLAIN].best[UNPINNED]);
	if (!b.fast)
		return 0;
	/* The program's cost is its own whatever the client did: measured either way. */
	int err = report_fast(&r[FAST], &r[FALLBACK]);

	return measure_bpf(n) != 0 ? -1 : err;
}

int bench_signal(int argc, char **argv)
{
	static const struct bench_simple bench = {
		.name = "signal",
		.count_name = "signals",
		.count_what = "per round",
		.default_count = DEFAULT_SIGNALS,
		.rounds = ROUNDS,
		.notes = "Starts dserver --bpf=off (signal_fallback_*) and the default dserver (signal_fast_*, where\n"
			 "it runs the eBPF path), pinned and unpinned; then, as root, reads the eBPF program's\n"
			 "run time per signal from the kernel (bpf_ns_per_signal_managed, _unmanaged).\n",
		.server_binary = b.server_binary,
		.server_binary_size = sizeof(b.server_binary),
		.run = run,
		.stop = stop_all,
	};

	return bench_simple_main(&bench, argc, argv);
}
