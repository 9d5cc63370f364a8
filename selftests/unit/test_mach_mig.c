// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of the MIG requests libdserver sends for the mach_port
 * routines (docs/MIG.md): the exact bytes of each layout, how replies are
 * decoded and checked (good, failed, malformed), and the per-thread reply
 * port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dserver/rpc.h>
#include <mach/mach.h>

#include "mach_test.h"

static void declined_trap_goes_as_mig(void **state)
{
	const struct fake_record *r;
	mach_port_name_t name = 0, out = 0x2b03;
	unsigned char expect[36];
	mach_port_t reply_port;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_ALLOCATE, MACH_SEND_INVALID_DEST, 0);
	queue_simple_reply(REPLY(3204), KERN_SUCCESS, &out, sizeof(out));
	assert_int_equal(KERN_SUCCESS, mach_port_allocate(TASK, MACH_PORT_RIGHT_PORT_SET, &name));
	assert_int_equal(0x2b03, name);

	r = mach_msg_request(0);
	reply_port = check_mig_header(r, 0x1513, 36, 3204);
	assert_int_equal(FAKE_FIRST_REPLY_PORT, reply_port);
	assert_int_equal(40 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));
	/* The whole request, byte for byte. */
	memset(expect, 0, sizeof(expect));
	put32(expect, 0x1513);
	put32(expect + 4, 36);
	put32(expect + 8, TASK);
	put32(expect + 12, reply_port);
	put32(expect + 20, 3204);
	memcpy(expect + 24, &NDR_record, 8);
	put32(expect + 32, MACH_PORT_RIGHT_PORT_SET);
	assert_memory_equal(expect, r->msg, sizeof(expect));
}

static void get_refs_on_the_wire(void **state)
{
	mach_port_urefs_t refs = 0, three = 3;
	const struct fake_record *r;

	(void)state;
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, &three, sizeof(three));
	assert_int_equal(KERN_SUCCESS, mach_port_get_refs(TASK, 0x2a03, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(3, refs);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 40, 3207);
	check_ndr(r->msg + 24);
	assert_int_equal(0x2a03, get32(r->msg + 32));
	assert_int_equal(MACH_PORT_RIGHT_SEND, get32(r->msg + 36));
	assert_int_equal(40 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));
}

/* Body of mach_port_names' complex reply: 2 OOL descriptors, NDR, 2 counts. */
static size_t names_reply(unsigned char *body, void *names, uint32_t names_count, void *types,
			  uint32_t types_count)
{
	mach_msg_ool_descriptor_t d = {
		.deallocate = TRUE,
		.copy = MACH_MSG_VIRTUAL_COPY,
		.type = MACH_MSG_OOL_DESCRIPTOR,
	};
	size_t at = 0;

	put32(body, 2);
	at += 4;
	d.address = names;
	d.size = names_count * 4;
	memcpy(body + at, &d, sizeof(d));
	at += sizeof(d);
	d.address = types;
	d.size = types_count * 4;
	memcpy(body + at, &d, sizeof(d));
	at += sizeof(d);
	memcpy(body + at, &NDR_record, 8);
	put32(body + at + 8, names_count);
	put32(body + at + 12, types_count);
	return at + 16;
}

static void names_come_out_of_line(void **state)
{
	uint32_t *page = map_page();
	const struct fake_record *r;
	unsigned char body[128];
	mach_port_name_array_t names = NULL;
	mach_port_type_array_t types = NULL;
	mach_msg_type_number_t names_count = 0, types_count = 0;
	size_t size;

	(void)state;
	page[0] = 0x103;
	page[1] = 0x2a03;
	page[512] = MACH_PORT_TYPE_SEND;
	page[513] = MACH_PORT_TYPE_RECEIVE;
	size = names_reply(body, page, 2, page + 512, 2);
	assert_int_equal(76 - 24, size);
	queue_reply(REPLY(3200), true, MACH_PORT_NULL, body, size);
	assert_int_equal(KERN_SUCCESS,
			 mach_port_names(TASK, &names, &names_count, &types, &types_count));
	assert_ptr_equal(page, names);
	assert_ptr_equal(page + 512, types);
	assert_int_equal(2, names_count);
	assert_int_equal(2, types_count);
	assert_int_equal(0x2a03, names[1]);
	assert_int_equal(MACH_PORT_TYPE_RECEIVE, types[1]);

	/* No inline argument: the request is the bare header. */
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 24, 3200);
	assert_int_equal(76 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));

	/* The arrays are the caller's memory: vm_deallocate unmaps them locally. */
	assert_int_equal(KERN_SUCCESS, vm_deallocate(mach_task_self(), (vm_address_t)names,
						     names_count * sizeof(*names)));
	assert_false(mapped(page));

	/* 3 names announced, 2 names' worth of memory: refused. */
	page = map_page();
	size = names_reply(body, page, 2, page + 512, 2);
	put32(body + size - 8, 3);
	queue_reply(REPLY(3200), true, MACH_PORT_NULL, body, size);
	names = NULL;
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_names(TASK, &names, &names_count, &types, &types_count));
	assert_null(names);
	/* mach_msg_destroy released the memory the reply brought. */
	assert_false(mapped(page));
}

static void error_reply_is_the_result(void **state)
{
	mach_port_urefs_t refs = 77;

	(void)state;
	queue_simple_reply(REPLY(3207), KERN_INVALID_RIGHT, NULL, 0);
	assert_int_equal(KERN_INVALID_RIGHT,
			 mach_port_get_refs(TASK, 0x2a03, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(77, refs);
}

static void malformed_replies_are_refused(void **state)
{
	mach_port_urefs_t refs = 77, three = 3;
	uint32_t two[2] = { 3, 3 };

	(void)state;
	/* One word too many. */
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, two, sizeof(two));
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	/* The error layout with a success code. */
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, NULL, 0);
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	/* Another routine's reply; a send-once notification instead of a reply. */
	queue_simple_reply(REPLY(3208), KERN_SUCCESS, &three, sizeof(three));
	assert_int_equal(MIG_REPLY_MISMATCH,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	queue_reply(MACH_NOTIFY_SEND_ONCE, false, MACH_PORT_NULL, NULL, 0);
	assert_int_equal(MIG_SERVER_DIED,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	/* Complex where a simple reply is due. */
	queue_reply(REPLY(3207), true, MACH_PORT_NULL, two, sizeof(two));
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(77, refs);
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE));

	/* A reply carrying a right of its own: refused, and the right released. */
	{
		unsigned char body[16];

		memcpy(body, &NDR_record, 8);
		put32(body + 8, KERN_SUCCESS);
		put32(body + 12, 3);
		queue_reply(REPLY(3207), false, 0x999, body, sizeof(body));
	}
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x999);
}

static void request_notification_as_mig(void **state)
{
	const struct fake_record *r;
	mach_port_t got = 0;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_REQUEST_NOTIFICATION, MACH_SEND_INVALID_DEST, 0);
	queue_port_reply(REPLY(3213), 0x4403, MACH_MSG_TYPE_PORT_SEND_ONCE);
	assert_int_equal(KERN_SUCCESS, mach_port_request_notification(
				     TASK, 0x2a03, MACH_NOTIFY_DEAD_NAME, 1, 0x3303,
				     MACH_MSG_TYPE_MAKE_SEND_ONCE, &got));
	assert_int_equal(0x4403, got);

	r = mach_msg_request(0);
	check_mig_header(r, 0x80001513u, 60, 3213);
	assert_int_equal(1, get32(r->msg + 24));
	assert_int_equal(0x3303, get32(r->msg + 28));
	assert_int_equal(0, get32(r->msg + 32));
	assert_int_equal(MACH_MSG_TYPE_MAKE_SEND_ONCE, r->msg[38]);
	assert_int_equal(MACH_MSG_PORT_DESCRIPTOR, r->msg[39]);
	check_ndr(r->msg + 40);
	assert_int_equal(0x2a03, get32(r->msg + 48));
	assert_int_equal(MACH_NOTIFY_DEAD_NAME, get32(r->msg + 52));
	assert_int_equal(1, get32(r->msg + 56));
	assert_int_equal(40 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));

	/* A send right where the send-once right was due: refused and released. */
	queue_port_reply(REPLY(3213), 0x4403, MACH_MSG_TYPE_PORT_SEND);
	got = 0;
	assert_int_equal(MIG_TYPE_ERROR, mach_port_request_notification(
						 TASK, 0x2a03, MACH_NOTIFY_DEAD_NAME, 1, 0x3303,
						 MACH_MSG_TYPE_MAKE_SEND_ONCE, &got));
	assert_int_equal(0, got);
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x4403);
}

static void extract_right_returns_the_descriptor(void **state)
{
	const struct fake_record *r;
	mach_port_t name = 0;
	mach_msg_type_name_t disposition = 0;

	(void)state;
	queue_port_reply(REPLY(3215), 0x6103, MACH_MSG_TYPE_PORT_SEND);
	assert_int_equal(KERN_SUCCESS, mach_port_extract_right(TASK, 0x2a03, MACH_MSG_TYPE_COPY_SEND,
							       &name, &disposition));
	assert_int_equal(0x6103, name);
	assert_int_equal(MACH_MSG_TYPE_PORT_SEND, disposition);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 40, 3215);
	assert_int_equal(0x2a03, get32(r->msg + 32));
	assert_int_equal(MACH_MSG_TYPE_COPY_SEND, get32(r->msg + 36));
}

static void get_attributes_counts(void **state)
{
	integer_t info[17] = { 0 };
	integer_t words[18];
	mach_msg_type_number_t count = 5;
	const struct fake_record *r;
	int i;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_GET_ATTRIBUTES, MACH_SEND_INVALID_DEST, 0);
	/* Ten words returned to a caller with room for five. */
	words[0] = 10;
	for (i = 1; i <= 10; i++)
		words[i] = i;
	queue_simple_reply(REPLY(3217), KERN_SUCCESS, words, 11 * 4);
	assert_int_equal(MIG_ARRAY_TOO_LARGE,
			 mach_port_get_attributes(TASK, 0x2a03, MACH_PORT_RECEIVE_STATUS, info,
						  &count));
	assert_int_equal(10, count);
	assert_int_equal(5, info[4]);
	assert_int_equal(0, info[5]);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 44, 3217);
	assert_int_equal(MACH_PORT_RECEIVE_STATUS, get32(r->msg + 36));
	assert_int_equal(5, get32(r->msg + 40));
	assert_int_equal(40 + 68 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));

	/* More room than the type can hold: 17 words are asked for. */
	count = 40;
	words[0] = 1;
	queue_simple_reply(REPLY(3217), KERN_SUCCESS, words, 2 * 4);
	assert_int_equal(KERN_SUCCESS, mach_port_get_attributes(TASK, 0x2a03, MACH_PORT_LIMITS_INFO,
								 info, &count));
	assert_int_equal(1, count);
	assert_int_equal(17, get32(mach_msg_request(1)->msg + 40));

	/* A count that does not match the reply's size. */
	words[0] = 3;
	queue_simple_reply(REPLY(3217), KERN_SUCCESS, words, 2 * 4);
	count = 17;
	assert_int_equal(MIG_TYPE_ERROR, mach_port_get_attributes(
						 TASK, 0x2a03, MACH_PORT_LIMITS_INFO, info, &count));
	assert_int_equal(17, count);
}

static void set_attributes_sends_only_the_count(void **state)
{
	integer_t info[18] = { 9 };
	const struct fake_record *r;

	(void)state;
	assert_int_equal(MIG_ARRAY_TOO_LARGE,
			 mach_port_set_attributes(TASK, 0x2a03, MACH_PORT_LIMITS_INFO, info, 18));
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE));
	queue_simple_reply(REPLY(3218), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, mach_port_set_attributes(TASK, 0x2a03, MACH_PORT_LIMITS_INFO,
								 info, MACH_PORT_LIMITS_INFO_COUNT));
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 48, 3218);
	assert_int_equal(1, get32(r->msg + 40));
	assert_int_equal(9, get32(r->msg + 44));
}

static void peek_pads_the_trailer_bytes(void **state)
{
	unsigned char out[16 + 16];
	char trailer[MAX_TRAILER_SIZE];
	mach_msg_type_number_t trailer_size = sizeof(trailer);
	mach_port_seqno_t seqno = 4;
	mach_msg_size_t size = 0;
	mach_msg_id_t id = 0;
	const struct fake_record *r;

	(void)state;
	put32(out, 5);      /* seqno */
	put32(out + 4, 64); /* message size */
	put32(out + 8, 1000);
	put32(out + 12, 13); /* 13 trailer bytes, sent as 16 */
	memset(out + 16, 0xee, 16);
	queue_simple_reply(REPLY(3209), KERN_SUCCESS, out, sizeof(out));
	assert_int_equal(KERN_SUCCESS, mach_port_peek(TASK, 0x2a03, 0, &seqno, &size, &id, trailer,
						      &trailer_size));
	assert_int_equal(5, seqno);
	assert_int_equal(64, size);
	assert_int_equal(1000, id);
	assert_int_equal(13, trailer_size);
	assert_int_equal(0xee, (unsigned char)trailer[12]);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 48, 3209);
	assert_int_equal(4, get32(r->msg + 40));
	assert_int_equal(68, get32(r->msg + 44));
}

static void construct_sends_options_out_of_line(void **state)
{
	mach_port_options_t options = { .flags = MPO_CONTEXT_AS_GUARD, .mpl = { 3 } };
	mach_port_name_t name = 0, out = 0x7703;
	const struct fake_record *r;
	mach_msg_ool_descriptor_t d;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_CONSTRUCT, MACH_SEND_INVALID_DEST, 0);
	queue_simple_reply(REPLY(3231), KERN_SUCCESS, &out, sizeof(out));
	assert_int_equal(KERN_SUCCESS, mach_port_construct(TASK, &options, 0xfeedfacecafebeefull,
							   &name));
	assert_int_equal(0x7703, name);
	r = mach_msg_request(0);
	check_mig_header(r, 0x80001513u, 60, 3231);
	assert_int_equal(1, get32(r->msg + 24));
	memcpy(&d, r->msg + 28, sizeof(d));
	assert_ptr_equal(&options, d.address);
	assert_int_equal(24, d.size);
	assert_int_equal(0, r->msg[36]);                     /* deallocate */
	assert_int_equal(MACH_MSG_VIRTUAL_COPY, r->msg[37]); /* copy */
	assert_int_equal(MACH_MSG_OOL_DESCRIPTOR, r->msg[39]);
	assert_int_equal(24, get32(r->msg + 40));
	check_ndr(r->msg + 44);
	assert_int_equal(0xcafebeef, get32(r->msg + 52));
	assert_int_equal(0xfeedface, get32(r->msg + 56));
}

static void guards_pack_64_bit_values(void **state)
{
	const struct fake_record *r;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_GUARD, MACH_SEND_INVALID_DEST, 0);
	queue_simple_reply(REPLY(3233), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, mach_port_guard(TASK, 0x2a03, 0x1111222233334444ull, TRUE));
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 48, 3233);
	assert_int_equal(0x2a03, get32(r->msg + 32));
	assert_int_equal(0x33334444, get32(r->msg + 36));
	assert_int_equal(0x11112222, get32(r->msg + 40));
	assert_int_equal(1, get32(r->msg + 44));

	queue_simple_reply(REPLY(3238), KERN_SUCCESS, NULL, 0);
	assert_int_equal(KERN_SUCCESS, mach_port_swap_guard(TASK, 0x2a03, 1, 2));
	r = mach_msg_request(1);
	check_mig_header(r, 0x1513, 52, 3238);
	assert_int_equal(1, get32(r->msg + 36));
	assert_int_equal(2, get32(r->msg + 44));
}

static void allocate_full_sends_the_prototype(void **state)
{
	mach_port_qos_t qos = { .name = 1 }, got;
	mach_port_name_t name = 0x8803;
	unsigned char out[12];
	const struct fake_record *r;

	(void)state;
	memset(&got, 0, sizeof(got));
	got.prealloc = 1;
	got.len = 128;
	memcpy(out, &got, 8);
	put32(out + 8, 0x8803);
	queue_simple_reply(REPLY(3220), KERN_SUCCESS, out, sizeof(out));
	assert_int_equal(KERN_SUCCESS, mach_port_allocate_full(TASK, MACH_PORT_RIGHT_RECEIVE, 0x55,
							       &qos, &name));
	assert_int_equal(128, qos.len);
	assert_int_equal(1, qos.prealloc);
	r = mach_msg_request(0);
	check_mig_header(r, 0x80001513u, 64, 3220);
	assert_int_equal(0x55, get32(r->msg + 28));
	assert_int_equal(MACH_MSG_TYPE_COPY_SEND, r->msg[38]);
	assert_int_equal(MACH_PORT_RIGHT_RECEIVE, get32(r->msg + 48));
	assert_int_equal(1, r->msg[52] & 1);
	assert_int_equal(0x8803, get32(r->msg + 60));
}

static void reply_port_is_kept_and_replaced(void **state)
{
	mach_port_urefs_t refs = 0, one = 1;
	const struct fake_record *r;

	(void)state;
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, &one, sizeof(one));
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, &one, sizeof(one));
	assert_int_equal(KERN_SUCCESS, mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(KERN_SUCCESS, mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(1, fake_reply_ports_made());
	assert_int_equal(FAKE_FIRST_REPLY_PORT, get32(mach_msg_request(1)->msg + 12));

	/* Not sent: the port stays. */
	queue_code(MACH_SEND_INVALID_DEST);
	assert_int_equal(MACH_SEND_INVALID_DEST,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_PORT_MOD_REFS));

	/* Sent, but no reply: a late one could come, so the port goes. */
	queue_code(MACH_RCV_PORT_DIED);
	assert_int_equal(MACH_RCV_PORT_DIED,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_MOD_REFS, 0);
	assert_non_null(r);
	assert_int_equal(FAKE_TASK_SELF, fake_u32(r, 16));
	assert_int_equal(FAKE_FIRST_REPLY_PORT, fake_u32(r, 20));
	assert_int_equal(MACH_PORT_RIGHT_RECEIVE, fake_u32(r, 24));
	assert_int_equal((uint32_t)-1, fake_u32(r, 28));

	queue_simple_reply(REPLY(3207), KERN_SUCCESS, &one, sizeof(one));
	assert_int_equal(KERN_SUCCESS, mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(2, fake_reply_ports_made());
	assert_int_equal(FAKE_FIRST_REPLY_PORT + 0x100, get32(mach_msg_request(4)->msg + 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(declined_trap_goes_as_mig),
		T(get_refs_on_the_wire),
		T(names_come_out_of_line),
		T(error_reply_is_the_result),
		T(malformed_replies_are_refused),
		T(request_notification_as_mig),
		T(extract_right_returns_the_descriptor),
		T(get_attributes_counts),
		T(set_attributes_sends_only_the_count),
		T(peek_pads_the_trailer_bytes),
		T(construct_sends_options_out_of_line),
		T(guards_pack_64_bit_values),
		T(allocate_full_sends_the_prototype),
		T(reply_port_is_kept_and_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
