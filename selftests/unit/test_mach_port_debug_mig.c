// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of the MIG requests libdserver sends for the mach_port
 * debugging routines (space_info, space_basic_info, kobject,
 * kobject_description; docs/MIG.md): the bytes of each request, and how the
 * replies are decoded and checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mach/mach.h>

#include "mach_test.h"

/* Body of space_info's complex reply: 2 OOL descriptors, NDR, the 24-byte info, 2 counts. */
static size_t space_info_reply(unsigned char *body, void *table, uint32_t table_count,
			       uint32_t table_size)
{
	mach_msg_ool_descriptor_t d = {
		.deallocate = TRUE,
		.copy = MACH_MSG_VIRTUAL_COPY,
		.type = MACH_MSG_OOL_DESCRIPTOR,
	};
	size_t at = 4;

	put32(body, 2);
	d.address = table;
	d.size = table_size;
	memcpy(body + at, &d, sizeof(d));
	at += sizeof(d);
	d.address = NULL;
	d.size = 0;
	memcpy(body + at, &d, sizeof(d));
	at += sizeof(d);
	memcpy(body + at, &NDR_record, 8);
	at += 8;
	memset(body + at, 0, 24);
	put32(body + at, 0xff);       /* iis_genno_mask */
	put32(body + at + 4, 64);     /* iis_table_size */
	put32(body + at + 24, table_count);
	put32(body + at + 28, 0);
	return at + 32;
}

static void space_info_comes_out_of_line(void **state)
{
	ipc_info_name_t *page = map_page();
	ipc_info_name_array_t table = NULL;
	ipc_info_tree_name_array_t tree = (void *)1;
	mach_msg_type_number_t table_count = 0, tree_count = 9;
	ipc_info_space_t info;
	const struct fake_record *r;
	unsigned char body[128];
	size_t size;

	(void)state;
	assert_int_equal(28, sizeof(ipc_info_name_t));
	assert_int_equal(36, sizeof(ipc_info_tree_name_t));
	page[1].iin_name = 0x103;
	page[1].iin_type = MACH_PORT_TYPE_RECEIVE;
	size = space_info_reply(body, page, 2, 2 * sizeof(ipc_info_name_t));
	assert_int_equal(100 - 24, size);
	queue_reply(REPLY(3223), true, MACH_PORT_NULL, body, size);
	assert_int_equal(KERN_SUCCESS,
			 mach_port_space_info(TASK, &info, &table, &table_count, &tree, &tree_count));
	assert_ptr_equal(page, table);
	assert_int_equal(2, table_count);
	assert_null(tree);
	assert_int_equal(0, tree_count);
	assert_int_equal(0xff, info.iis_genno_mask);
	assert_int_equal(64, info.iis_table_size);
	assert_int_equal(MACH_PORT_TYPE_RECEIVE, table[1].iin_type);
	/* No inline argument: the bare header. */
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 24, 3223);
	assert_int_equal(100 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));
	assert_int_equal(KERN_SUCCESS, vm_deallocate(mach_task_self(), (vm_address_t)table,
						     table_count * sizeof(*table)));

	/* The count must match the memory (2 entries announced, 1 sent): refused and released. */
	page = map_page();
	size = space_info_reply(body, page, 2, sizeof(ipc_info_name_t));
	queue_reply(REPLY(3223), true, MACH_PORT_NULL, body, size);
	table = NULL;
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_space_info(TASK, &info, &table, &table_count, &tree, &tree_count));
	assert_null(table);
	assert_false(mapped(page));
}

static void space_basic_info_on_the_wire(void **state)
{
	ipc_info_space_basic_t sent = { 0xff, 64, 0, 7, { 0, 0 } }, got;
	const struct fake_record *r;

	(void)state;
	queue_simple_reply(REPLY(3235), KERN_SUCCESS, &sent, sizeof(sent));
	assert_int_equal(KERN_SUCCESS, mach_port_space_basic_info(TASK, &got));
	assert_memory_equal(&sent, &got, sizeof(got));
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 24, 3235);
	assert_int_equal(60 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));
	/* An error leaves the output alone. */
	queue_simple_reply(REPLY(3235), KERN_INVALID_TASK, NULL, 0);
	assert_int_equal(KERN_INVALID_TASK, mach_port_space_basic_info(TASK, &got));
	assert_int_equal(7, got.iisb_table_inuse);
}

static void kobject_packs_the_address(void **state)
{
	unsigned char out[12];
	natural_t type = 99;
	mach_vm_address_t address = 1;
	const struct fake_record *r;

	(void)state;
	put32(out, 2);
	put32(out + 4, 0x89abcdef);
	put32(out + 8, 0x01234567);
	queue_simple_reply(REPLY(3230), KERN_SUCCESS, out, sizeof(out));
	assert_int_equal(KERN_SUCCESS, mach_port_kobject(TASK, 0x2a03, &type, &address));
	assert_int_equal(2, type);
	assert_true(address == 0x0123456789abcdefull);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 36, 3230);
	check_ndr(r->msg + 24);
	assert_int_equal(0x2a03, get32(r->msg + 32));
	assert_int_equal(48 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));
}

static void kobject_description_is_a_counted_string(void **state)
{
	unsigned char out[20 + 8];
	kobject_description_t text;
	natural_t type = 99;
	mach_vm_address_t address = 1;
	const struct fake_record *r;

	(void)state;
	/* The empty string: its NUL, padded to 4 bytes. */
	memset(out, 0, sizeof(out));
	put32(out, 20);
	put32(out + 16, 1);
	memset(text, 'x', sizeof(text));
	queue_simple_reply(REPLY(3239), KERN_SUCCESS, out, 24);
	assert_int_equal(KERN_SUCCESS,
			 mach_port_kobject_description(TASK, 0x2a03, &type, &address, text));
	assert_int_equal(20, type);
	assert_true(address == 0);
	assert_string_equal("", text);
	r = mach_msg_request(0);
	check_mig_header(r, 0x1513, 36, 3239);
	assert_int_equal(0x2a03, get32(r->msg + 32));
	assert_int_equal(36 + 20 + 512 + sizeof(mach_msg_trailer_t), fake_u32(r, MSG_RCV_SIZE));

	/* "task" and its NUL: 5 bytes, padded to 8. */
	put32(out + 16, 5);
	memcpy(out + 20, "task", 5);
	queue_simple_reply(REPLY(3239), KERN_SUCCESS, out, 28);
	assert_int_equal(KERN_SUCCESS,
			 mach_port_kobject_description(TASK, 0x2a03, &type, &address, text));
	assert_string_equal("task", text);

	/* A count that the size does not hold: refused. */
	put32(out + 16, 9);
	queue_simple_reply(REPLY(3239), KERN_SUCCESS, out, 28);
	assert_int_equal(MIG_TYPE_ERROR,
			 mach_port_kobject_description(TASK, 0x2a03, &type, &address, text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(space_info_comes_out_of_line),
		T(space_basic_info_on_the_wire),
		T(kobject_packs_the_address),
		T(kobject_description_is_a_counted_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
