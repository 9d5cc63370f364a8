/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The kernel's own accounting of one BPF program's runs: how many times it
 * ran and the nanoseconds it spent, which the kernel keeps while run-time
 * statistics are enabled (BPF_ENABLE_STATS, what the sysctl
 * kernel.bpf_stats_enabled also toggles). Enabled only while a reader is
 * open, so that the timed benchmarks do not pay for the accounting.
 */
#ifndef DSERVER_BENCH_BPF_STATS_H
#define DSERVER_BENCH_BPF_STATS_H

#include <stdint.h>

struct bench_bpf_stats {
	int stats_fd; /* holds the statistics on while open */
	int prog_fd;
};

struct bench_bpf_runs {
	uint64_t count, ns;
};

/*
 * Enable run-time statistics and open the program with the kernel's id
 * prog_id. 0, or -1 with a message saying why (no libbpf in this build, no
 * privilege, no such program).
 */
int bench_bpf_stats_open(struct bench_bpf_stats *s, uint32_t prog_id);
/* The program's totals so far; 0 or -1. */
int bench_bpf_stats_read(const struct bench_bpf_stats *s, struct bench_bpf_runs *runs);
/* Closes both; the statistics go off with the last holder. */
void bench_bpf_stats_close(struct bench_bpf_stats *s);

#endif
