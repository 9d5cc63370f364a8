// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of the MIG requests libdserver sends for the exception-port,
 * thread-state and suspension routines (docs/MIG.md), against a fake
 * server: the bytes of the requests, and how replies are decoded and
 * checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mach/mach.h>

#include "mach_test.h"

/* The fake server checks requests for the target TASK; the thread routines are sent there too. */
#define THREAD TASK
#define HANDLER 0x1a03u

static void set_exception_ports_on_the_wire(void **state)
{
	const struct fake_record *r;
	unsigned char expect[60];

	(void)state;
	queue_simple_reply(REPLY(3413), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, task_set_exception_ports(TASK, EXC_MASK_BAD_ACCESS, HANDLER,
								  EXCEPTION_STATE | MACH_EXCEPTION_CODES,
								  x86_THREAD_STATE64));
	r = mach_msg_request(0);
	mach_port_t reply_port = check_mig_header(r, 0x80001513, 60, 3413);

	memset(expect, 0, sizeof(expect));
	put32(expect, 0x80001513);
	put32(expect + 4, 60);
	put32(expect + 8, TASK);
	put32(expect + 12, reply_port);
	put32(expect + 20, 3413);
	put32(expect + 24, 1);                      /* one descriptor */
	put32(expect + 28, HANDLER);                /* new_port, COPY_SEND */
	expect[28 + 10] = MACH_MSG_TYPE_COPY_SEND;
	expect[28 + 11] = MACH_MSG_PORT_DESCRIPTOR;
	memcpy(expect + 40, &NDR_record, 8);
	put32(expect + 48, EXC_MASK_BAD_ACCESS);
	put32(expect + 52, EXCEPTION_STATE | MACH_EXCEPTION_CODES);
	put32(expect + 56, x86_THREAD_STATE64);
	assert_memory_equal(expect, r->msg, sizeof(expect));
}

/* A get/swap reply: 32 port descriptors, NDR, count, masks, behaviors, flavors. */
static void queue_handler_list(mach_msg_id_t id, unsigned descs, uint32_t n, const uint32_t *masks,
			       const mach_port_t *ports, const uint32_t *behaviors, const uint32_t *flavors)
{
	unsigned char body[4 + 32 * 12 + 8 + 4 + 3 * 32 * 4] = { 0 };
	unsigned char *p = body;

	put32(p, descs);
	p += 4;
	for (unsigned i = 0; i < descs; i++, p += 12) {
		put32(p, i < n ? ports[i] : 0);
		p[10] = MACH_MSG_TYPE_PORT_SEND;
		p[11] = MACH_MSG_PORT_DESCRIPTOR;
	}
	memcpy(p, &NDR_record, 8);
	put32(p + 8, n);
	p += 12;
	for (uint32_t i = 0; i < n; i++) {
		put32(p + 4 * i, masks[i]);
		put32(p + 4 * (n + i), behaviors[i]);
		put32(p + 4 * (2 * n + i), flavors[i]);
	}
	queue_reply(id, true, MACH_PORT_NULL, body, (size_t)(p + 12 * n - body));
}

static void get_exception_ports_decodes_the_list(void **state)
{
	const uint32_t masks[2] = { EXC_MASK_BAD_ACCESS, EXC_MASK_SOFTWARE }, behaviors[2] = { 1, 2 },
		       flavors[2] = { 0, x86_THREAD_STATE };
	const mach_port_t ports[2] = { HANDLER, 0 };
	exception_mask_t out_masks[EXC_TYPES_COUNT];
	exception_handler_t out_ports[EXC_TYPES_COUNT];
	exception_behavior_t out_behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t out_flavors[EXC_TYPES_COUNT];
	mach_msg_type_number_t count = EXC_TYPES_COUNT;
	const struct fake_record *r;

	(void)state;
	queue_handler_list(REPLY(3614), 32, 2, masks, ports, behaviors, flavors);
	assert_int_equal(KERN_SUCCESS, thread_get_exception_ports(THREAD, EXC_MASK_ALL, out_masks, &count, out_ports,
								    out_behaviors, out_flavors));
	assert_int_equal(2, count);
	assert_int_equal(EXC_MASK_SOFTWARE, out_masks[1]);
	assert_int_equal(HANDLER, out_ports[0]);
	assert_int_equal(2, out_behaviors[1]);
	assert_int_equal(x86_THREAD_STATE, out_flavors[1]);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 36, 3614);
	check_ndr(r->msg + 24);
	assert_int_equal(EXC_MASK_ALL, get32(r->msg + 32));
	/* Room for 818 bytes: the largest list, and the trailer. */
	assert_int_equal(424 + 32 * 12 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));

	/* MIG always sends 32 descriptors: fewer is a malformed reply. */
	count = EXC_TYPES_COUNT;
	queue_handler_list(REPLY(3614), 31, 2, masks, ports, behaviors, flavors);
	assert_int_equal(MIG_TYPE_ERROR, thread_get_exception_ports(THREAD, EXC_MASK_ALL, out_masks, &count,
								      out_ports, out_behaviors, out_flavors));
}

static void get_state_counts(void **state)
{
	uint32_t words[x86_THREAD_STATE64_COUNT + 1];
	natural_t out[THREAD_STATE_MAX];
	mach_msg_type_number_t count = THREAD_STATE_MAX + 100;
	const struct fake_record *r;

	(void)state;
	words[0] = x86_THREAD_STATE64_COUNT;
	for (unsigned i = 1; i <= x86_THREAD_STATE64_COUNT; i++)
		words[i] = i;
	queue_simple_reply(REPLY(3603), KERN_SUCCESS, words, sizeof(words));
	assert_int_equal(KERN_SUCCESS, thread_get_state(THREAD, x86_THREAD_STATE64, out, &count));
	assert_int_equal(x86_THREAD_STATE64_COUNT, count);
	assert_int_equal(17, out[16]);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 40, 3603);
	assert_int_equal(x86_THREAD_STATE64, get32(r->msg + 32));
	/* The room sent is at most THREAD_STATE_MAX. */
	assert_int_equal(THREAD_STATE_MAX, get32(r->msg + 36));

	/* More than the caller's room: MIG's error, the room filled, the real count returned. */
	count = 4;
	queue_simple_reply(REPLY(3603), KERN_SUCCESS, words, sizeof(words));
	assert_int_equal(MIG_ARRAY_TOO_LARGE, thread_get_state(THREAD, x86_THREAD_STATE64, out, &count));
	assert_int_equal(x86_THREAD_STATE64_COUNT, count);

	/* A count that does not match the reply's size is refused. */
	count = THREAD_STATE_MAX;
	words[0] = 3;
	queue_simple_reply(REPLY(3603), KERN_SUCCESS, words, sizeof(words));
	assert_int_equal(MIG_TYPE_ERROR, thread_get_state(THREAD, x86_THREAD_STATE64, out, &count));
}

static void set_state_and_suspend_on_the_wire(void **state)
{
	x86_thread_state64_t ts = { .rip = 0x401000, .rax = 7 };
	const struct fake_record *r;

	(void)state;
	queue_simple_reply(REPLY(3604), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, thread_set_state(THREAD, x86_THREAD_STATE64, (thread_state_t)&ts,
							  x86_THREAD_STATE64_COUNT));
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 40 + sizeof(ts), 3604);
	assert_int_equal(x86_THREAD_STATE64_COUNT, get32(r->msg + 36));
	assert_memory_equal(&ts, r->msg + 40, sizeof(ts));
	assert_int_equal(MIG_ARRAY_TOO_LARGE, thread_set_state(THREAD, x86_THREAD_STATE64, (thread_state_t)&ts,
								 THREAD_STATE_MAX + 1));

	/* No in-values: the header alone, as MIG sends it. */
	queue_simple_reply(REPLY(3605), KERN_FAILURE, NULL, 0);
	assert_int_equal(KERN_FAILURE, thread_suspend(THREAD));
	check_mig_header(mach_msg_request(1), 0x1513, 24, 3605);
	queue_simple_reply(REPLY(3408), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, task_resume(TASK));
	check_mig_header(mach_msg_request(2), 0x1513, 24, 3408);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(set_exception_ports_on_the_wire),
		T(get_exception_ports_decodes_the_list),
		T(get_state_counts),
		T(set_state_and_suspend_on_the_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
