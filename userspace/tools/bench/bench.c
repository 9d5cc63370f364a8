/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void bench_report(const char *name, double value, const char *unit)
{
	printf("bench: %s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

void bench_ratio(const char *name, double value)
{
	printf("ratio: %s %.3f\n", name, value);
	fflush(stdout);
}

int bench_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : -errno;
}

double bench_best_ns(void (*fn)(void *arg, uint64_t iterations), void *arg,
		     uint64_t iterations, int rounds)
{
	double best = -1;

	for (int i = 0; i < rounds; i++) {
		uint64_t start = bench_now_ns();
		double per;

		fn(arg, iterations);
		per = (double)(bench_now_ns() - start) / (double)iterations;
		if (best < 0 || per < best)
			best = per;
	}
	return best;
}

int bench_parse_count(const char *arg, uint64_t *out)
{
	char *end;
	uint64_t n;

	errno = 0;
	n = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-')
		return -1;
	*out = n ? n : 1;
	return 0;
}
