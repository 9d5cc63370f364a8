/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench: every figure is printed as "bench: NAME VALUE UNIT" and
 * every comparison, measured in the same run, as "ratio: NAME VALUE".
 */
#ifndef DSERVER_BENCH_H
#define DSERVER_BENCH_H

#include <stdint.h>

uint64_t bench_now_ns(void);
void bench_report(const char *name, double value, const char *unit);
void bench_ratio(const char *name, double value);

/* Pin the calling thread to one CPU; 0 or -errno. */
int bench_pin_cpu(int cpu);

/*
 * Run fn(arg, iterations) `rounds` times and return the smallest time per
 * iteration in ns: on a shared machine the minimum is the figure least
 * disturbed by other tenants.
 */
double bench_best_ns(void (*fn)(void *arg, uint64_t iterations), void *arg,
		     uint64_t iterations, int rounds);

/* A positive count from the command line (0 counts as 1); 0, or -1 if arg is not a number. */
int bench_parse_count(const char *arg, uint64_t *out);

/* Subcommands. */
int bench_fiber(int argc, char **argv);
int bench_null_call(int argc, char **argv);
int bench_mach_msg(int argc, char **argv);
int bench_mach_msg_throughput(int argc, char **argv);
int bench_signal(int argc, char **argv);

#endif
