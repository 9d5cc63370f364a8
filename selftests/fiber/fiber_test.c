// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * System tests of the fiber library: real switches, real stacks, real faults.
 * Built for the host and, where a cross compiler and qemu-user are present,
 * for aarch64 too (selftests/cross).
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fiber.h"
#include "kselftest_harness.h"

/* --- interleaving --- */

static char trace[64];
static size_t trace_len;

static void tracer(void *arg)
{
	char id = (char)(uintptr_t)arg;

	for (int i = 0; i < 3; i++) {
		trace[trace_len++] = id;
		fiber_yield();
	}
}

static void run_all(void)
{
	while (fiber_has_ready())
		fiber_run_ready();
}

TEST(switches_interleave_in_order)
{
	trace_len = 0;
	ASSERT_NE(NULL, fiber_create(tracer, (void *)(uintptr_t)'a'));
	ASSERT_NE(NULL, fiber_create(tracer, (void *)(uintptr_t)'b'));
	ASSERT_NE(NULL, fiber_create(tracer, (void *)(uintptr_t)'c'));
	run_all();
	trace[trace_len] = 0;
	EXPECT_STREQ("abcabcabc", trace);
}

/*
 * Many values live across a switch: the compiler keeps them in callee-saved
 * registers, which the switch must preserve while other fibers clobber theirs.
 */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

struct regs_result {
	uint64_t with_switches;
	uint64_t seed;
};

static __attribute__((noinline)) uint64_t crunch(uint64_t seed, int do_yield)
{
	uint64_t a = mix(seed), b = mix(a), c = mix(b), d = mix(c), e = mix(d), f = mix(e);
	double x = (double)(a & 0xffff), y = (double)(b & 0xffff);

	for (int i = 0; i < 8; i++) {
		if (do_yield)
			fiber_yield();
		a += b ^ c;
		b += c ^ d;
		c += d ^ e;
		d += e ^ f;
		e += f ^ a;
		f += a ^ b;
		x = x * 1.5 + y;
		y = y * 0.5 + x;
	}
	return a ^ b ^ c ^ d ^ e ^ f ^ (uint64_t)x ^ (uint64_t)y;
}

static void cruncher(void *arg)
{
	struct regs_result *r = arg;

	r->with_switches = crunch(r->seed, 1);
}

TEST(callee_saved_state_survives_switches)
{
	struct regs_result r[4];

	for (int i = 0; i < 4; i++) {
		r[i].seed = 1000 + i;
		ASSERT_NE(NULL, fiber_create(cruncher, &r[i]));
	}
	run_all();
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(crunch(r[i].seed, 0), r[i].with_switches);
}

/* --- park, unpark and continuations --- */

struct waiter {
	struct fiber *fiber;
	long got;
	int step;
	size_t stacks_while_parked;
};

static void parker(void *arg)
{
	struct waiter *w = arg;

	w->fiber = fiber_current();
	w->step = 1;
	w->got = fiber_park();
	w->step = 2;
}

TEST(park_returns_the_unpark_value)
{
	struct waiter w = { 0 };

	ASSERT_NE(NULL, fiber_create(parker, &w));
	run_all();
	ASSERT_EQ(1, w.step);
	ASSERT_TRUE(fiber_is_parked(w.fiber));
	ASSERT_TRUE(fiber_unpark(w.fiber, -42));
	ASSERT_FALSE(fiber_unpark(w.fiber, 7)); /* already runnable */
	run_all();
	EXPECT_EQ(2, w.step);
	EXPECT_EQ(-42, w.got);
}

static void second_half(void *arg)
{
	struct waiter *w = arg;

	w->got = fiber_park_result();
	w->step = 3;
}

static void first_half(void *arg)
{
	struct waiter *w = arg;

	w->fiber = fiber_current();
	w->step = 1;
	fiber_park_continue(second_half, w);
}

TEST(continuation_releases_the_stack_and_runs_later)
{
	struct fiber_stats before, parked, after;
	struct waiter w = { 0 };

	fiber_get_stats(&before);
	ASSERT_NE(NULL, fiber_create(first_half, &w));
	run_all();
	fiber_get_stats(&parked);
	ASSERT_EQ(1, w.step);
	/* Parked with a continuation: alive, but owning no stack. */
	EXPECT_EQ(before.live_fibers + 1, parked.live_fibers);
	EXPECT_EQ(before.stacks_in_use, parked.stacks_in_use);
	ASSERT_TRUE(fiber_unpark(w.fiber, 99));
	run_all();
	fiber_get_stats(&after);
	EXPECT_EQ(3, w.step);
	EXPECT_EQ(99, w.got);
	EXPECT_EQ(before.live_fibers, after.live_fibers);
	EXPECT_EQ(before.stacks_in_use, after.stacks_in_use);
}

/* --- many fibers --- */

#define MANY 100000

static struct fiber *many[MANY];
static unsigned long many_done;

static void many_second(void *arg)
{
	many_done += (unsigned long)fiber_park_result() == (uintptr_t)arg;
}

static void many_first(void *arg)
{
	many[(uintptr_t)arg] = fiber_current();
	fiber_park_continue(many_second, arg);
}

TEST(hundred_thousand_parked_fibers_cost_no_stacks)
{
	struct fiber_stats before, parked, after;

	fiber_get_stats(&before);
	many_done = 0;
	for (uintptr_t i = 0; i < MANY; i++) {
		ASSERT_NE(NULL, fiber_create(many_first, (void *)i));
		/* Run in batches so that the pool, not the kernel, supplies stacks. */
		if (i % 64 == 63)
			run_all();
	}
	run_all();
	fiber_get_stats(&parked);
	EXPECT_EQ(before.live_fibers + MANY, parked.live_fibers);
	EXPECT_EQ(before.stacks_in_use, parked.stacks_in_use);
	for (uintptr_t i = 0; i < MANY; i++)
		ASSERT_TRUE(fiber_unpark(many[i], (long)i));
	run_all();
	fiber_get_stats(&after);
	EXPECT_EQ(MANY, many_done);
	EXPECT_EQ(before.live_fibers, after.live_fibers);
	EXPECT_EQ(before.stacks_in_use, after.stacks_in_use);
	EXPECT_LE(after.stacks_pooled, 256);
	TH_LOG("%d fibers; %zu stacks mapped at the end", MANY, after.stacks_mapped);
}

static void count_one(void *arg)
{
	(*(unsigned long *)arg)++;
}

TEST(hundred_thousand_fibers_run_to_completion)
{
	struct fiber_stats after;
	unsigned long ran = 0;

	for (int i = 0; i < MANY; i++) {
		ASSERT_NE(NULL, fiber_create(count_one, &ran));
		if (i % 1000 == 999)
			run_all();
	}
	run_all();
	fiber_get_stats(&after);
	EXPECT_EQ(MANY, ran);
	EXPECT_EQ(0, after.stacks_in_use);
	EXPECT_EQ(0, after.live_fibers);
}

/* --- floating-point control state is per fiber --- */

#if defined(__x86_64__)
static uint32_t read_mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static uint16_t read_x87_cw(void)
{
	uint16_t v;

	__asm__ volatile("fnstcw %0" : "=m"(v));
	return v;
}
#endif

struct fp_probe {
	int mode;          /* rounding mode this fiber sets, or -1 */
	int seen_before;   /* rounding mode seen at start */
	int seen_after;    /* rounding mode seen after other fibers ran */
#if defined(__x86_64__)
	uint32_t mxcsr_after;
	uint16_t x87_cw_after;
#endif
};

static void fp_fiber(void *arg)
{
	struct fp_probe *p = arg;

	p->seen_before = fegetround();
	if (p->mode >= 0)
		fesetround(p->mode);
	fiber_yield();
	fiber_yield();
	p->seen_after = fegetround();
#if defined(__x86_64__)
	p->mxcsr_after = read_mxcsr();
	p->x87_cw_after = read_x87_cw();
#endif
}

TEST(fpu_control_words_are_per_fiber)
{
	struct fp_probe up = { .mode = FE_UPWARD }, down = { .mode = FE_DOWNWARD },
			zero = { .mode = FE_TOWARDZERO }, plain = { .mode = -1 };

	ASSERT_EQ(0, fesetround(FE_TONEAREST));
	ASSERT_NE(NULL, fiber_create(fp_fiber, &up));
	ASSERT_NE(NULL, fiber_create(fp_fiber, &plain));
	ASSERT_NE(NULL, fiber_create(fp_fiber, &down));
	ASSERT_NE(NULL, fiber_create(fp_fiber, &zero));
	run_all();
	/* Every fiber starts from the default environment... */
	EXPECT_EQ(FE_TONEAREST, up.seen_before);
	EXPECT_EQ(FE_TONEAREST, plain.seen_before);
	EXPECT_EQ(FE_TONEAREST, zero.seen_before);
	/* ...and keeps its own across switches. */
	EXPECT_EQ(FE_UPWARD, up.seen_after);
	EXPECT_EQ(FE_DOWNWARD, down.seen_after);
	EXPECT_EQ(FE_TOWARDZERO, zero.seen_after);
	EXPECT_EQ(FE_TONEAREST, plain.seen_after);
	/* The loop's own mode was not disturbed. */
	EXPECT_EQ(FE_TONEAREST, fegetround());
#if defined(__x86_64__)
	/* Both units carry the rounding field: MXCSR bits 13-14, x87 CW bits 10-11. */
	EXPECT_EQ(2u, (up.mxcsr_after >> 13) & 3);
	EXPECT_EQ(2u, (up.x87_cw_after >> 10) & 3u);
	EXPECT_EQ(1u, (down.mxcsr_after >> 13) & 3);
	EXPECT_EQ(1u, (down.x87_cw_after >> 10) & 3u);
	EXPECT_EQ(0x1f80u, plain.mxcsr_after);
	EXPECT_EQ(0x037fu, plain.x87_cw_after);
#endif
}

/* --- stack overflow hits the guard page --- */

static volatile uintptr_t stack_top;
static volatile size_t stack_size;
static int report_fd;

static void on_segv(int sig, siginfo_t *info, void *uc)
{
	uintptr_t addr = (uintptr_t)info->si_addr;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t base = ((stack_top + page - 1) & ~(page - 1)) - stack_size;
	char verdict = addr >= base - page && addr < base ? 'G' : 'X';

	(void)uc;
	if (write(report_fd, &verdict, 1) != 1)
		_exit(3);
	/* Die of the signal itself: the faulting access runs again unhandled. */
	signal(sig, SIG_DFL);
}

static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
	volatile char frame[512];

	if (depth == ~0ul) /* never true; keeps the recursion finite to the compiler */
		return 0;
	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)depth;
	return recurse(depth + 1) + frame[0] + frame[sizeof(frame) - 1];
}

static void overflower(void *arg)
{
	char here;
	struct fiber_stats stats;

	(void)arg;
	fiber_get_stats(&stats);
	stack_size = stats.stack_size;
	stack_top = (uintptr_t)&here;
	recurse(0);
}

TEST(stack_overflow_faults_on_the_guard_page)
{
	int pipefd[2];
	pid_t child;
	int status;
	char verdict = 0;

	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		static char altstack[64 * 1024];
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
		struct sigaction sa = { .sa_sigaction = on_segv,
					.sa_flags = SA_SIGINFO | SA_ONSTACK };

		close(pipefd[0]);
		report_fd = pipefd[1];
		sigaltstack(&ss, NULL);
		sigaction(SIGSEGV, &sa, NULL);
		fiber_create(overflower, NULL);
		fiber_run_ready();
		_exit(0); /* not reached if the guard page works */
	}
	close(pipefd[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(1, read(pipefd[0], &verdict, 1));
	close(pipefd[0]);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_EQ('G', verdict); /* the faulting address is in the guard page */
}

TEST_HARNESS_MAIN
