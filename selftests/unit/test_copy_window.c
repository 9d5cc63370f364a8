/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server's copy windows (userspace/server/copy_window.c): what they take and what they refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "copy_window.h"

#define BASE 0x10000u

static void reads_only_inside(void **state)
{
	static const unsigned char bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct copy_window w;
	unsigned char out[8] = { 0 };

	(void)state;
	copy_window_open_in(&w, BASE, bytes, sizeof(bytes));
	assert_true(copy_window_read(&w, BASE + 2, out, 4));
	assert_memory_equal(out, bytes + 2, 4);
	assert_true(copy_window_read(&w, BASE, out, 8));
	assert_false(copy_window_read(&w, BASE + 1, out, 8));   /* runs past the end */
	assert_false(copy_window_read(&w, BASE - 1, out, 2));   /* starts before */
	assert_false(copy_window_read(&w, UINT64_MAX - 1, out, 4)); /* wraps */
	assert_true(copy_window_overlaps(&w, BASE - 4, 5));
	assert_false(copy_window_overlaps(&w, BASE + 8, 4));
	copy_window_close(&w);
	assert_false(copy_window_read(&w, BASE, out, 1));
	assert_false(copy_window_overlaps(&w, BASE, 1));
}

static void stages_one_range_from_the_start(void **state)
{
	unsigned char room[16];
	struct copy_window w;
	uint32_t v = 0xa1b2c3d4;

	(void)state;
	copy_window_open_out(&w, BASE, room, sizeof(room));
	/* A first write away from the start would leave a hole the reply cannot carry. */
	assert_false(copy_window_write(&w, BASE + 4, &v, 4));
	assert_true(copy_window_write(&w, BASE, &v, 4));
	assert_true(copy_window_write(&w, BASE + 4, &v, 4));  /* adjacent */
	assert_true(copy_window_write(&w, BASE + 2, &v, 4));  /* overlapping */
	assert_false(copy_window_write(&w, BASE + 12, &v, 4)); /* a hole again */
	assert_false(copy_window_write(&w, BASE + 14, &v, 4)); /* past the room */
	assert_true(copy_window_overlaps_staged(&w, BASE + 7, 1));
	assert_false(copy_window_overlaps_staged(&w, BASE + 8, 4));
	assert_int_equal(8, copy_window_seal(&w));
	assert_memory_equal(room + 2, &v, 4);
	/* Sealed: nothing more is staged, and a second seal has nothing. */
	assert_false(copy_window_write(&w, BASE, &v, 4));
	assert_int_equal(0, copy_window_seal(&w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_only_inside),
		cmocka_unit_test(stages_one_range_from_the_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
