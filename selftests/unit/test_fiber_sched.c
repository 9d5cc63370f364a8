// SPDX-License-Identifier: GPL-3.0-or-later
/* Unit tests of the fiber scheduler's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fiber.h"

static int order[16];
static int order_len;

static void record(void *arg)
{
	order[order_len++] = (int)(intptr_t)arg;
}

static void fibers_run_in_creation_order(void **state)
{
	(void)state;
	order_len = 0;
	for (intptr_t i = 0; i < 5; i++)
		assert_non_null(fiber_create(record, (void *)i));
	assert_true(fiber_has_ready());
	assert_int_equal(5, fiber_run_ready());
	assert_false(fiber_has_ready());
	for (int i = 0; i < 5; i++)
		assert_int_equal(i, order[i]);
}

static int yields_seen;

static void yield_once(void *arg)
{
	(void)arg;
	yields_seen++;
	fiber_yield();
	yields_seen++;
}

/* A yield lets the event loop run before the fiber continues. */
static void yield_defers_to_the_next_pass(void **state)
{
	(void)state;
	yields_seen = 0;
	assert_non_null(fiber_create(yield_once, NULL));
	assert_int_equal(1, fiber_run_ready());
	assert_int_equal(1, yields_seen);
	assert_true(fiber_has_ready());
	assert_int_equal(1, fiber_run_ready());
	assert_int_equal(2, yields_seen);
	assert_false(fiber_has_ready());
}

static struct fiber *parked_fiber;
static long park_value;

static void park_and_store(void *arg)
{
	(void)arg;
	parked_fiber = fiber_current();
	park_value = fiber_park();
}

static void unpark_rules(void **state)
{
	struct fiber_stats stats;

	(void)state;
	assert_null(fiber_current()); /* the loop is not a fiber */
	assert_non_null(fiber_create(park_and_store, NULL));
	fiber_run_ready();
	assert_true(fiber_is_parked(parked_fiber));
	assert_false(fiber_has_ready());
	fiber_get_stats(&stats);
	assert_int_equal(1, stats.live_fibers);
	assert_int_equal(1, stats.stacks_in_use);

	assert_true(fiber_unpark(parked_fiber, 1234));
	assert_false(fiber_is_parked(parked_fiber));
	assert_false(fiber_unpark(parked_fiber, 5)); /* runnable: not parked */
	fiber_run_ready();
	assert_int_equal(1234, park_value);
	fiber_get_stats(&stats);
	assert_int_equal(0, stats.live_fibers);
	assert_int_equal(0, stats.stacks_in_use);
}

static void check_data(void *arg)
{
	assert_ptr_equal(arg, fiber_data(fiber_current()));
}

static void data_travels_with_the_fiber(void **state)
{
	static int token;
	struct fiber *f;

	(void)state;
	f = fiber_create(check_data, &token);
	assert_non_null(f);
	fiber_set_data(f, &token);
	fiber_run_ready();
}

static void exit_early(void *arg)
{
	*(int *)arg = 1;
	fiber_exit();
	*(int *)arg = 2; /* never runs */
}

static void exit_finishes_the_fiber(void **state)
{
	int step = 0;
	struct fiber_stats stats;

	(void)state;
	assert_non_null(fiber_create(exit_early, &step));
	fiber_run_ready();
	assert_int_equal(1, step);
	fiber_get_stats(&stats);
	assert_int_equal(0, stats.live_fibers);
}

static void trim_returns_pooled_stacks(void **state)
{
	struct fiber_stats stats;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_non_null(fiber_create(record, (void *)(intptr_t)i));
	order_len = 0;
	fiber_run_ready();
	fiber_get_stats(&stats);
	assert_true(stats.stacks_pooled >= 1);
	fiber_trim_pool(0);
	fiber_get_stats(&stats);
	assert_int_equal(0, stats.stacks_pooled);
	assert_int_equal(0, stats.stacks_mapped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fibers_run_in_creation_order),
		cmocka_unit_test(yield_defers_to_the_next_pass),
		cmocka_unit_test(unpark_rules),
		cmocka_unit_test(data_travels_with_the_fiber),
		cmocka_unit_test(exit_finishes_the_fiber),
		cmocka_unit_test(trim_returns_pooled_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
