// SPDX-License-Identifier: GPL-3.0-or-later
/* Helpers of the Mach API unit tests (mach_test.h). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include <dserver/rpc.h>

#include "mach_test.h"

int mach_test_setup(void **state)
{
	(void)state;
	/*
	 * The thread's cached MIG reply port belongs to the previous test's
	 * server: forget it (with no server configured this sends nothing).
	 */
	unsetenv("DSERVER_SOCKET");
	unsetenv("__mldr_sockpath");
	mig_dealloc_reply_port(MACH_PORT_NULL);
	dserver_client_forget_thread();
	return fake_start();
}

int mach_test_teardown(void **state)
{
	(void)state;
	dserver_client_forget_thread();
	fake_stop();
	return 0;
}

void put32(unsigned char *at, uint32_t v)
{
	memcpy(at, &v, sizeof(v));
}

uint32_t get32(const unsigned char *at)
{
	uint32_t v;

	memcpy(&v, at, sizeof(v));
	return v;
}

/* Queues a MIG reply: the header as a receiver sees it, then `body`. */
void queue_reply(mach_msg_id_t id, bool complex, mach_port_t remote, const void *body,
			size_t body_size)
{
	struct fake_answer a = { .code = MACH_MSG_SUCCESS };
	mach_msg_header_t h = {
		.msgh_bits = MACH_MSGH_BITS(remote ? MACH_MSG_TYPE_PORT_SEND : 0,
					    MACH_MSG_TYPE_PORT_SEND_ONCE) |
			     (complex ? MACH_MSGH_BITS_COMPLEX : 0),
		.msgh_size = (mach_msg_size_t)(sizeof(h) + body_size),
		.msgh_remote_port = remote,
		.msgh_id = id,
	};

	memcpy(a.msg, &h, sizeof(h));
	if (body_size)
		memcpy(a.msg + sizeof(h), body, body_size);
	a.size = sizeof(h) + body_size;
	fake_queue_answer(&a);
}

/* A simple reply: NDR record, RetCode, out-values. */
void queue_simple_reply(mach_msg_id_t id, kern_return_t code, const void *out,
			       size_t out_size)
{
	unsigned char body[FAKE_MAX_MESSAGE];

	memcpy(body, &NDR_record, sizeof(NDR_record));
	put32(body + 8, (uint32_t)code);
	if (out_size)
		memcpy(body + 12, out, out_size);
	queue_reply(id, false, MACH_PORT_NULL, body, 12 + out_size);
}

/* Only a mach_msg code, nothing received. */
void queue_code(mach_msg_return_t code)
{
	struct fake_answer a = { .code = code };

	fake_queue_answer(&a);
}

/* The n-th mach_msg_overwrite request. */
const struct fake_record *mach_msg_request(int n)
{
	const struct fake_record *r = fake_find(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE, n);

	assert_non_null(r);
	return r;
}

/* The header every MIG request carries; returns the reply port it named. */
mach_port_t check_mig_header(const struct fake_record *r, uint32_t bits, uint32_t size,
				    mach_msg_id_t id)
{
	const unsigned char *m = r->msg;

	assert_int_equal(size, r->msg_size);
	assert_int_equal(bits, get32(m));
	assert_int_equal(size, get32(m + 4));
	assert_int_equal(TASK, get32(m + 8));
	assert_int_equal(0, get32(m + 16));
	assert_int_equal(id, get32(m + 20));
	/* Sent and received at once, on the reply port named in the header. */
	assert_int_equal(MACH_SEND_MSG | MACH_RCV_MSG, fake_u32(r, MSG_OPTION));
	assert_int_equal(size, fake_u32(r, MSG_SEND_SIZE));
	assert_int_equal(get32(m + 12), fake_u32(r, MSG_RCV_NAME));
	assert_int_equal(0, fake_u32(r, MSG_TIMEOUT));
	assert_int_equal(0, fake_u64(r, MSG_RCV_MSG));
	return get32(m + 12);
}

void check_ndr(const unsigned char *at)
{
	static const unsigned char ndr[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };

	assert_memory_equal(ndr, at, sizeof(ndr));
}

/* The trap request that released `name` with this call number, checked for its task. */
const struct fake_record *release_of(uint32_t number, uint32_t name)
{
	int i;

	for (i = 0; fake_find(number, i); i++) {
		const struct fake_record *r = fake_find(number, i);

		if (fake_u32(r, 20) == name) {
			assert_int_equal(FAKE_TASK_SELF, fake_u32(r, 16));
			return r;
		}
	}
	fail_msg("no call %u for name %#x", number, name);
	return NULL;
}

/* Queues a complex reply carrying one port descriptor and nothing else. */
void queue_port_reply(mach_msg_id_t id, mach_port_t name, mach_msg_type_name_t disposition)
{
	mach_msg_port_descriptor_t port = {
		.name = name,
		.disposition = disposition,
		.type = MACH_MSG_PORT_DESCRIPTOR,
	};
	unsigned char body[4 + sizeof(port)];

	put32(body, 1);
	memcpy(body + 4, &port, sizeof(port));
	queue_reply(id, true, MACH_PORT_NULL, body, sizeof(body));
}

/* A page of the test's own, as the server would have mapped for OOL data. */
void *map_page(void)
{
	void *p = mmap(NULL, vm_page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

bool mapped(void *p)
{
	return msync(p, vm_page_size, MS_ASYNC) == 0;
}
