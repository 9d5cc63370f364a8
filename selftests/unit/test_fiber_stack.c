// SPDX-License-Identifier: GPL-3.0-or-later
/* Unit tests of the fiber stack pool. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "stack.h"

/* Whether [addr, addr + len) is readable, asked without risking a fault. */
static int readable(const void *addr, size_t len)
{
	char buf[64];
	struct iovec local = { buf, len < sizeof(buf) ? len : sizeof(buf) };
	struct iovec remote = { (void *)addr, local.iov_len };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)local.iov_len;
}

static void size_is_rounded_to_pages(void **state)
{
	struct fiber_stack_pool pool;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	fiber_stack_pool_init(&pool, page + 1, 4);
	assert_int_equal(2 * page, pool.stack_size);
}

static void stack_is_usable_and_guarded(void **state)
{
	struct fiber_stack_pool pool;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct fiber_stack *s;

	(void)state;
	fiber_stack_pool_init(&pool, 16 * 1024, 4);
	s = fiber_stack_get(&pool);
	assert_non_null(s);
	assert_int_equal(16 * 1024, s->size);
	assert_int_equal(0, (uintptr_t)s->base % page);
	memset(s->base, 0xa5, s->size); /* all of it is writable */
	assert_true(readable(s->base, 1));
	assert_false(readable((char *)s->base - 1, 1));      /* top of the guard */
	assert_false(readable((char *)s->base - page, 1));   /* bottom of the guard */
	fiber_stack_put(&pool, s);
	fiber_stack_pool_trim(&pool, 0);
}

static void released_stacks_are_reused_last_in_first_out(void **state)
{
	struct fiber_stack_pool pool;
	struct fiber_stack *a, *b;

	(void)state;
	fiber_stack_pool_init(&pool, 16 * 1024, 4);
	a = fiber_stack_get(&pool);
	b = fiber_stack_get(&pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(2, pool.in_use);
	fiber_stack_put(&pool, a);
	fiber_stack_put(&pool, b);
	assert_int_equal(0, pool.in_use);
	assert_int_equal(2, pool.pooled);
	assert_ptr_equal(b, fiber_stack_get(&pool)); /* the warmest one first */
	assert_ptr_equal(a, fiber_stack_get(&pool));
	fiber_stack_put(&pool, a);
	fiber_stack_put(&pool, b);
	fiber_stack_pool_trim(&pool, 0);
}

static void pool_keeps_at_most_its_limit(void **state)
{
	struct fiber_stack_pool pool;
	struct fiber_stack *s[10];

	(void)state;
	fiber_stack_pool_init(&pool, 16 * 1024, 3);
	for (int i = 0; i < 10; i++)
		assert_non_null(s[i] = fiber_stack_get(&pool));
	for (int i = 0; i < 10; i++)
		fiber_stack_put(&pool, s[i]);
	assert_int_equal(3, pool.pooled);
	assert_int_equal(0, pool.in_use);
	assert_int_equal(2, fiber_stack_pool_trim(&pool, 1));
	assert_int_equal(1, pool.pooled);
	assert_int_equal(1, fiber_stack_pool_trim(&pool, 0));
	assert_null(pool.free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_is_rounded_to_pages),
		cmocka_unit_test(stack_is_usable_and_guarded),
		cmocka_unit_test(released_stacks_are_reused_last_in_first_out),
		cmocka_unit_test(pool_keeps_at_most_its_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
