// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The parts of the Mach ABI that _Static_assert cannot reach
 * (abi/mach_abi.c has the sizes and offsets): where the bit-fields of the
 * descriptors land in memory, the bytes of the NDR record, and the
 * libdserver data that needs no server (page size, error strings).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <mach/mach.h>

/* The bytes of a descriptor, as the wire carries them. */
#define BYTES(d) ((const unsigned char *)&(d))

static void port_descriptor_bits(void **state)
{
	mach_msg_port_descriptor_t d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.name = 0x01020304;
	d.disposition = MACH_MSG_TYPE_MAKE_SEND;
	d.type = MACH_MSG_PORT_DESCRIPTOR + 0xa0; /* any byte value shows where it lands */
	assert_int_equal(0x04, BYTES(d)[0]);
	assert_int_equal(MACH_MSG_TYPE_MAKE_SEND, BYTES(d)[10]);
	assert_int_equal(0xa0, BYTES(d)[11]);
	assert_int_equal(0, BYTES(d)[8] | BYTES(d)[9]);
}

static void ool_descriptor64_bits(void **state)
{
	mach_msg_ool_descriptor64_t d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.address = 0x1122334455667788ull;
	d.deallocate = 1;
	d.copy = MACH_MSG_VIRTUAL_COPY + 2;
	d.type = MACH_MSG_OOL_DESCRIPTOR;
	d.size = 0x200;
	assert_int_equal(0x88, BYTES(d)[0]);
	assert_int_equal(1, BYTES(d)[8]);
	assert_int_equal(MACH_MSG_VIRTUAL_COPY + 2, BYTES(d)[9]);
	assert_int_equal(0, BYTES(d)[10]);
	assert_int_equal(MACH_MSG_OOL_DESCRIPTOR, BYTES(d)[11]);
	assert_int_equal(0x00, BYTES(d)[12]);
	assert_int_equal(0x02, BYTES(d)[13]);
}

static void ool_ports_and_guarded_descriptor64_bits(void **state)
{
	mach_msg_ool_ports_descriptor64_t p;
	mach_msg_guarded_port_descriptor64_t g;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.disposition = MACH_MSG_TYPE_COPY_SEND;
	p.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	p.count = 3;
	assert_int_equal(MACH_MSG_TYPE_COPY_SEND, BYTES(p)[10]);
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, BYTES(p)[11]);
	assert_int_equal(3, BYTES(p)[12]);

	memset(&g, 0, sizeof(g));
	g.context = 0x0102030405060708ull;
	g.flags = 0x0203;
	g.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	g.type = MACH_MSG_GUARDED_PORT_DESCRIPTOR;
	g.name = 0x55;
	assert_int_equal(0x08, BYTES(g)[0]);
	assert_int_equal(0x03, BYTES(g)[8]);
	assert_int_equal(0x02, BYTES(g)[9]);
	assert_int_equal(MACH_MSG_TYPE_MOVE_RECEIVE, BYTES(g)[10]);
	assert_int_equal(MACH_MSG_GUARDED_PORT_DESCRIPTOR, BYTES(g)[11]);
	assert_int_equal(0x55, BYTES(g)[12]);
}

/* Every descriptor can be told apart by the same byte: mach_msg_type_descriptor_t.type. */
static void type_is_in_byte_11_everywhere(void **state)
{
	mach_msg_descriptor_t d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.type.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, BYTES(d)[11]);
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, d.port.type);
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, d.out_of_line.type);
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, d.ool_ports.type);
	assert_int_equal(MACH_MSG_OOL_PORTS_DESCRIPTOR, d.guarded_port.type);
}

static void qos_bits(void **state)
{
	mach_port_qos_t q;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.name = 1;
	q.prealloc = 1;
	q.len = 7;
	assert_int_equal(0x03, BYTES(q)[0]);
	assert_int_equal(7, BYTES(q)[4]);
}

static void ndr_record_bytes(void **state)
{
	static const unsigned char little[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };

	(void)state;
	assert_memory_equal(little, &NDR_record, sizeof(little));
}

static void page_size(void **state)
{
	(void)state;
	assert_int_equal(sysconf(_SC_PAGESIZE), vm_page_size);
	assert_int_equal(vm_page_size - 1, vm_page_mask);
	assert_int_equal(vm_page_size, (vm_size_t)1 << vm_page_shift);
	assert_int_equal(2 * vm_page_size, round_page(vm_page_size + 1));
	assert_int_equal(vm_page_size, trunc_page(2 * vm_page_size - 1));
}

static void error_strings(void **state)
{
	(void)state;
	assert_string_equal("(os/kern) successful", mach_error_string(KERN_SUCCESS));
	assert_string_equal("(os/kern) invalid right", mach_error_string(KERN_INVALID_RIGHT));
	assert_string_equal("(ipc/send) invalid destination port",
			    mach_error_string(MACH_SEND_INVALID_DEST));
	assert_string_equal("(ipc/rcv) timed out", mach_error_string(MACH_RCV_TIMED_OUT));
	/* Resource bits do not hide the code. */
	assert_string_equal("(ipc/rcv) header error",
			    mach_error_string(MACH_RCV_HEADER_ERROR | MACH_MSG_IPC_SPACE));
	assert_string_equal("(ipc/mig) array not large enough",
			    mach_error_string(MIG_ARRAY_TOO_LARGE));
	assert_non_null(strstr(mach_error_string(0x12345), "unknown"));
	assert_string_equal("(ipc/rcv)", mach_error_type(MACH_RCV_INTERRUPTED));
	assert_string_equal("(ipc/send)", mach_error_type(MACH_SEND_INTERRUPTED));
	assert_string_equal("(ipc/mig)", mach_error_type(MIG_BAD_ID));
	assert_string_equal("(os/kern)", mach_error_type(KERN_FAILURE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_descriptor_bits),
		cmocka_unit_test(ool_descriptor64_bits),
		cmocka_unit_test(ool_ports_and_guarded_descriptor64_bits),
		cmocka_unit_test(type_is_in_byte_11_everywhere),
		cmocka_unit_test(qos_bits),
		cmocka_unit_test(ndr_record_bytes),
		cmocka_unit_test(page_size),
		cmocka_unit_test(error_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
