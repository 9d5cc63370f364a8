/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench signal: the cost of one handled signal with the full
 * interrupt protocol (PROTOCOL.md §7.1: interrupt_enter, sigprocess with the
 * signal context's registers, the handler, interrupt_exit), from raising it
 * with tgkill to the handler's return, through a real dserver. Its floor is
 * the same signal with a plain sigaction() handler in the same kind of
 * process. The round trips per signal come from the server's own call
 * counts (dserver_stats, §11) over the timed signals.
 *
 * Pinned (server and process on one CPU) and unpinned, alternating, as in
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

#include "bench.h"
#include "bench_proc.h"

#define ROUNDS 7
#define DEFAULT_SIGNALS 5000
#define WARMUP 200
#define STATS_RECORD_SIZE 48

enum { PINNED, UNPINNED, MODES };
enum { MANAGED, PLAIN, KINDS };

static struct {
	int cpu;
	cpu_set_t original;
	char server_binary[PATH_MAX];
	struct sockaddr_un servers[MODES];
	pid_t server_pids[MODES];
	struct bench_driver drivers[MODES][KINDS];
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

/* Every call the server has served so far (dserver_stats), or -1. */
static long long calls_served(int mode)
{
	unsigned char record[STATS_RECORD_SIZE];
	uint64_t count = 0, calls, total = 0;
	int fd = -1;

	setenv("DSERVER_SOCKET", b.servers[mode].sun_path, 1);
	if (dserver_rpc_dserver_stats(&count, &fd, NULL, NULL, NULL, NULL, NULL, NULL, NULL) != 0 || fd < 0) {
		fprintf(stderr, "dserver-bench: dserver_stats failed\n");
		return -1;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (read(fd, record, sizeof(record)) != (ssize_t)sizeof(record)) {
			close(fd);
			return -1;
		}
		memcpy(&calls, record + 24, sizeof(calls));
		total += calls;
	}
	close(fd);
	return (long long)total;
}

static int start_mode(int mode)
{
	char name[64];

	snprintf(name, sizeof(name), "dserver-%d.sock", mode);
	if (bench_socket_path(&b.servers[mode], name) != 0)
		return -1;
	b.server_pids[mode] = bench_start_server(b.server_binary, &b.servers[mode], mode == PINNED ? b.cpu : -1, NULL);
	if (b.server_pids[mode] < 0) {
		b.server_pids[mode] = 0;
		return -1;
	}
	setenv("DSERVER_SOCKET", b.servers[mode].sun_path, 1);
	if (bench_driver_start(&b.drivers[mode][MANAGED], mode == PINNED ? b.cpu : -1, managed_setup, signal_work,
			       NULL) != 0)
		return -1;
	return bench_driver_start(&b.drivers[mode][PLAIN], mode == PINNED ? b.cpu : -1, plain_setup, signal_work,
				  NULL);
}

static void stop_all(void)
{
	for (int m = 0; m < MODES; m++) {
		for (int k = 0; k < KINDS; k++)
			bench_driver_stop(&b.drivers[m][k]);
		bench_stop_child(&b.server_pids[m], "dserver");
	}
	bench_dir_remove();
}

static int run(uint64_t n)
{
	double best[MODES][KINDS], round_trips = -1;

	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < KINDS; k++)
			best[m][k] = -1;
	if (bench_pinning_cpu(&b.original, &b.cpu) != 0 || bench_dir_create("signal") != 0)
		return -1;
	fprintf(stderr, "signal: server %s, %llu signals, best of %d rounds, pinned to CPU %d\n", b.server_binary,
		(unsigned long long)n, ROUNDS, b.cpu);
	for (int m = 0; m < MODES; m++)
		if (start_mode(m) != 0)
			return -1;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < MODES * KINDS; i++) {
			int m = (i / KINDS + r) % MODES, k = (i + r) % KINDS;
			long long before = k == MANAGED ? calls_served(m) : 0, after;
			double per;

			if (before < 0 || bench_driver_send(&b.drivers[m][k], n) != 0 ||
			    bench_driver_result(&b.drivers[m][k], &per) != 0)
				return -1;
			if (per < best[m][k] || best[m][k] < 0)
				best[m][k] = per;
			if (k == MANAGED) {
				after = calls_served(m);
				if (after < 0)
					return -1;
				round_trips = (double)(after - before) / (double)(n + WARMUP);
			}
		}
	bench_report("signal_fallback_ns", best[PINNED][MANAGED], "ns");
	bench_report("signal_fallback_unpinned_ns", best[UNPINNED][MANAGED], "ns");
	bench_report("signal_plain_ns", best[PINNED][PLAIN], "ns");
	bench_report("signal_plain_unpinned_ns", best[UNPINNED][PLAIN], "ns");
	bench_report("signal_fallback_round_trips", round_trips, "calls");
	bench_ratio("signal_fallback_vs_plain_pinned", best[PINNED][MANAGED] / best[PINNED][PLAIN]);
	bench_ratio("signal_fallback_vs_plain_unpinned", best[UNPINNED][MANAGED] / best[UNPINNED][PLAIN]);
	return 0;
}

int bench_signal(int argc, char **argv)
{
	static const struct bench_simple bench = {
		.name = "signal",
		.count_name = "signals",
		.count_what = "per round",
		.default_count = DEFAULT_SIGNALS,
		.rounds = ROUNDS,
		.server_binary = b.server_binary,
		.server_binary_size = sizeof(b.server_binary),
		.run = run,
		.stop = stop_all,
	};

	return bench_simple_main(&bench, argc, argv);
}
