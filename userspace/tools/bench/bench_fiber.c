/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-bench fiber: the cost of one context switch with our switch
 * against glibc's swapcontext (which also saves and restores the signal
 * mask with a system call), and of a full scheduler round trip
 * (fiber_yield back to the loop and into the fiber again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "bench.h"
#include "context.h"
#include "fiber.h"
#include "stack.h"

#define ROUNDS 7

/* --- our switch: two contexts ping-pong --- */

static struct fiber_context main_context, peer_context;

static void peer_entry(void *arg)
{
	(void)arg;
	for (;;)
		fiber_context_switch(&peer_context, &main_context);
}

/* Each iteration is two switches: there and back. */
static void run_switch(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		fiber_context_switch(&main_context, &peer_context);
}

/* --- glibc swapcontext, the same shape --- */

static ucontext_t uc_main, uc_peer;

static void uc_peer_entry(void)
{
	for (;;)
		swapcontext(&uc_peer, &uc_main);
}

static void run_swapcontext(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++)
		swapcontext(&uc_main, &uc_peer);
}

/* --- the scheduler: one fiber yielding to the loop --- */

static volatile uint64_t yields_left;

static void yielder(void *arg)
{
	(void)arg;
	while (yields_left) {
		yields_left--;
		fiber_yield();
	}
}

static void run_yield(void *arg, uint64_t n)
{
	(void)arg;
	yields_left = n;
	if (!fiber_create(yielder, NULL)) {
		perror("fiber_create");
		exit(1);
	}
	while (fiber_has_ready())
		fiber_run_ready();
}

/* --- create, run to completion, destroy --- */

static void empty(void *arg)
{
	(void)arg;
}

static void run_create(void *arg, uint64_t n)
{
	(void)arg;
	for (uint64_t i = 0; i < n; i++) {
		if (!fiber_create(empty, NULL)) {
			perror("fiber_create");
			exit(1);
		}
		fiber_run_ready();
	}
}

int bench_fiber(int argc, char **argv)
{
	struct fiber_stack_pool pool;
	struct fiber_stack *peer_stack;
	static char uc_stack[64 * 1024];
	uint64_t n = 2000000;
	double ours, glibc, yield, create;

	if (argc > 1)
		n = strtoull(argv[1], NULL, 0);
	if (n == 0)
		n = 1;

	fiber_stack_pool_init(&pool, 64 * 1024, 1);
	peer_stack = fiber_stack_get(&pool);
	if (!peer_stack) {
		perror("fiber stack");
		return 1;
	}
	fiber_context_init(&peer_context, peer_stack->base, peer_stack->size, peer_entry, NULL);

	getcontext(&uc_peer);
	uc_peer.uc_stack.ss_sp = uc_stack;
	uc_peer.uc_stack.ss_size = sizeof(uc_stack);
	uc_peer.uc_link = NULL;
	makecontext(&uc_peer, uc_peer_entry, 0);

	/* Two switches per iteration. */
	ours = bench_best_ns(run_switch, NULL, n, ROUNDS) / 2;
	glibc = bench_best_ns(run_swapcontext, NULL, n / 10 ? n / 10 : 1, ROUNDS) / 2;
	yield = bench_best_ns(run_yield, NULL, n, ROUNDS);
	create = bench_best_ns(run_create, NULL, n / 10 ? n / 10 : 1, ROUNDS);

	bench_report("fiber_switch_ns", ours, "ns");
	bench_report("swapcontext_ns", glibc, "ns");
	bench_report("fiber_yield_round_trip_ns", yield, "ns");
	bench_report("fiber_create_run_exit_ns", create, "ns");
	bench_ratio("fiber_vs_swapcontext", ours / glibc);
	return 0;
}
