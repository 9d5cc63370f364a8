// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of libdserver's Mach API against a fake server
 * (fake_server.c): the protocol calls it makes (numbers and fields, §4),
 * the exact bytes of the MIG requests it sends through mach_msg, how it
 * decodes replies (good, failed, malformed), and its library-side
 * behaviour: retries of interrupted messages, the reply-port cache,
 * mach_msg_destroy, fork and thread exit, local VM calls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <dserver/rpc.h>
#include <mach/mach.h>

#include "fake_server.h"

#define TASK 0x777u /* a task port name the tests pass as target */

/* PROTOCOL.md §4: mach_msg_overwrite's request fields. */
#define MSG_PTR 16
#define MSG_OPTION 24
#define MSG_SEND_SIZE 28
#define MSG_RCV_SIZE 32
#define MSG_RCV_NAME 36
#define MSG_TIMEOUT 40
#define MSG_PRIORITY 44
#define MSG_RCV_MSG 48

/* A MIG reply id answers request id + 100. */
#define REPLY(id) ((id) + 100)

static int setup(void **state)
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

static int teardown(void **state)
{
	(void)state;
	dserver_client_forget_thread();
	fake_stop();
	return 0;
}

static void put32(unsigned char *at, uint32_t v)
{
	memcpy(at, &v, sizeof(v));
}

static uint32_t get32(const unsigned char *at)
{
	uint32_t v;

	memcpy(&v, at, sizeof(v));
	return v;
}

/* Queues a MIG reply: the header as a receiver sees it, then `body`. */
static void queue_reply(mach_msg_id_t id, bool complex, mach_port_t remote, const void *body,
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
static void queue_simple_reply(mach_msg_id_t id, kern_return_t code, const void *out,
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
static void queue_code(mach_msg_return_t code)
{
	struct fake_answer a = { .code = code };

	fake_queue_answer(&a);
}

/* The n-th mach_msg_overwrite request. */
static const struct fake_record *mach_msg_request(int n)
{
	const struct fake_record *r = fake_find(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE, n);

	assert_non_null(r);
	return r;
}

/* The header every MIG request carries; returns the reply port it named. */
static mach_port_t check_mig_header(const struct fake_record *r, uint32_t bits, uint32_t size,
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

static void check_ndr(const unsigned char *at)
{
	static const unsigned char ndr[8] = { 0, 0, 0, 0, 1, 0, 0, 0 };

	assert_memory_equal(ndr, at, sizeof(ndr));
}

/* The trap request that released `name` with this call number, checked for its task. */
static const struct fake_record *release_of(uint32_t number, uint32_t name)
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
static void queue_port_reply(mach_msg_id_t id, mach_port_t name, mach_msg_type_name_t disposition)
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

/* ---- traps ---- */

static void self_ports(void **state)
{
	(void)state;
	assert_int_equal(FAKE_TASK_SELF, mach_task_self());
	assert_int_equal(FAKE_TASK_SELF, mach_task_self_);
	assert_int_equal(FAKE_TASK_SELF, mach_task_self());
	/* Asked once per process at most (an earlier test may have asked). */
	assert_true(fake_count_of(DSERVER_CALL_NUMBER_TASK_SELF_TRAP) <= 1);

	/* Host and thread ports: a new reference, so a new call, each time. */
	assert_int_equal(FAKE_HOST, mach_host_self());
	assert_int_equal(FAKE_HOST, mach_host_self());
	assert_int_equal(2, fake_count_of(DSERVER_CALL_NUMBER_HOST_SELF_TRAP));
	assert_int_equal(FAKE_THREAD, mach_thread_self());
	assert_int_equal(1, fake_count_of(DSERVER_CALL_NUMBER_THREAD_SELF_TRAP));
	assert_int_equal(FAKE_FIRST_REPLY_PORT, mach_reply_port());
	assert_int_equal(FAKE_FIRST_REPLY_PORT + 0x100, mach_reply_port());
	assert_int_equal(FAKE_SPECIAL_REPLY, thread_get_special_reply_port());
	assert_int_equal(16, fake_record(fake_count() - 1)->size);
}

static void port_traps_on_the_wire(void **state)
{
	const struct fake_record *r;
	mach_port_options_t options = { .flags = MPO_INSERT_SEND_RIGHT };
	mach_port_name_t name = 0, previous = 0;
	mach_port_type_t type = 0;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_ALLOCATE, KERN_SUCCESS, 0x2a03);
	assert_int_equal(KERN_SUCCESS, mach_port_allocate(TASK, MACH_PORT_RIGHT_RECEIVE, &name));
	assert_int_equal(0x2a03, name);
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_ALLOCATE, 0);
	assert_int_equal(32, r->size);
	assert_int_equal(TASK, fake_u32(r, 16));
	assert_int_equal(MACH_PORT_RIGHT_RECEIVE, fake_u32(r, 20));
	assert_int_equal((uintptr_t)&name, fake_u64(r, 24));

	assert_int_equal(KERN_SUCCESS, mach_port_mod_refs(TASK, 0x2a03, MACH_PORT_RIGHT_SEND, -2));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_MOD_REFS, 0);
	assert_int_equal(0x2a03, fake_u32(r, 20));
	assert_int_equal(MACH_PORT_RIGHT_SEND, fake_u32(r, 24));
	assert_int_equal((uint32_t)-2, fake_u32(r, 28));

	assert_int_equal(KERN_SUCCESS,
			 mach_port_insert_right(TASK, 0x2a03, 0x2a03, MACH_MSG_TYPE_MAKE_SEND));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_INSERT_RIGHT, 0);
	assert_int_equal(0x2a03, fake_u32(r, 24));
	assert_int_equal(MACH_MSG_TYPE_MAKE_SEND, fake_u32(r, 28));

	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_REQUEST_NOTIFICATION, KERN_SUCCESS, 0x4403);
	assert_int_equal(KERN_SUCCESS, mach_port_request_notification(
				     TASK, 0x2a03, MACH_NOTIFY_NO_SENDERS, 1, 0x3303,
				     MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	assert_int_equal(0x4403, previous);
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_REQUEST_NOTIFICATION, 0);
	assert_int_equal(MACH_NOTIFY_NO_SENDERS, fake_u32(r, 24));
	assert_int_equal(1, fake_u32(r, 28));
	assert_int_equal(0x3303, fake_u32(r, 32));
	assert_int_equal(MACH_MSG_TYPE_MAKE_SEND_ONCE, fake_u32(r, 36));
	assert_int_equal((uintptr_t)&previous, fake_u64(r, 40));

	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_CONSTRUCT, KERN_SUCCESS, 0x5503);
	assert_int_equal(KERN_SUCCESS, mach_port_construct(TASK, &options, 0x1122334455667788ull,
							   &name));
	assert_int_equal(0x5503, name);
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_CONSTRUCT, 0);
	assert_int_equal((uintptr_t)&options, fake_u64(r, 24));
	assert_int_equal(0x1122334455667788ull, fake_u64(r, 32));

	assert_int_equal(KERN_SUCCESS, mach_port_destruct(TASK, 0x5503, -1, 0xabcdef));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_DESTRUCT, 0);
	assert_int_equal((uint32_t)-1, fake_u32(r, 24));
	assert_int_equal(0xabcdef, fake_u64(r, 32));

	assert_int_equal(KERN_SUCCESS, mach_port_guard(TASK, 0x5503, 0x99, 7));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_GUARD, 0);
	assert_int_equal(0x99, fake_u64(r, 24));
	assert_int_equal(1, r->bytes[32]); /* bool */

	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_TYPE, KERN_SUCCESS, MACH_PORT_TYPE_RECEIVE);
	assert_int_equal(KERN_SUCCESS, mach_port_type(TASK, 0x5503, &type));
	assert_int_equal(MACH_PORT_TYPE_RECEIVE, type);

	/* Everything went as a trap: no message was sent. */
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE));
}

static void task_traps_on_the_wire(void **state)
{
	const struct fake_record *r;
	mach_port_name_t task = 0;
	int pid = 0;

	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_TASK_FOR_PID, KERN_SUCCESS, 0x6603);
	assert_int_equal(KERN_SUCCESS, task_for_pid(TASK, 1234, &task));
	assert_int_equal(0x6603, task);
	r = fake_find(DSERVER_CALL_NUMBER_TASK_FOR_PID, 0);
	assert_int_equal(TASK, fake_u32(r, 16));
	assert_int_equal(1234, fake_u32(r, 20));

	fake_set_trap(DSERVER_CALL_NUMBER_TASK_NAME_FOR_PID, KERN_FAILURE, 0);
	assert_int_equal(KERN_FAILURE, task_name_for_pid(TASK, 1234, &task));
	assert_int_equal(0x6603, task);

	fake_set_trap(DSERVER_CALL_NUMBER_PID_FOR_TASK, KERN_SUCCESS, 4321);
	assert_int_equal(KERN_SUCCESS, pid_for_task(0x6603, &pid));
	assert_int_equal(4321, pid);
	r = fake_find(DSERVER_CALL_NUMBER_PID_FOR_TASK, 0);
	assert_int_equal(0x6603, fake_u32(r, 16));
	assert_int_equal((uintptr_t)&pid, fake_u64(r, 24));
}

static void trap_failures_are_returned(void **state)
{
	(void)state;
	fake_set_trap(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, KERN_INVALID_NAME, 0);
	assert_int_equal(KERN_INVALID_NAME, mach_port_deallocate(TASK, 0x1234));
	/* Only MACH_SEND_INVALID_DEST sends the routine as MIG. */
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE));
}

/* ---- MIG ---- */

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

/* A page of the test's own, as the server would have mapped for OOL data. */
static void *map_page(void)
{
	void *p = mmap(NULL, vm_page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static bool mapped(void *p)
{
	return msync(p, vm_page_size, MS_ASYNC) == 0;
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

/* ---- mach_msg ---- */

static void interrupted_messages_are_restarted(void **state)
{
	mach_msg_header_t msg = { .msgh_size = sizeof(msg) };
	const struct fake_record *r;

	(void)state;
	queue_code(MACH_SEND_INTERRUPTED);
	queue_code(MACH_RCV_INTERRUPTED);
	queue_code(MACH_MSG_SUCCESS);
	assert_int_equal(MACH_MSG_SUCCESS,
			 mach_msg(&msg, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_SYNC_WAIT, 24, 64,
				  0x1003, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL));
	assert_int_equal(3, fake_count_of(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE));
	/* The send again, as it was; then the receive alone. */
	for (int i = 0; i < 2; i++) {
		r = mach_msg_request(i);
		assert_int_equal(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_SYNC_WAIT,
				 fake_u32(r, MSG_OPTION));
		assert_int_equal(24, fake_u32(r, MSG_SEND_SIZE));
	}
	r = mach_msg_request(2);
	assert_int_equal(MACH_RCV_MSG, fake_u32(r, MSG_OPTION));
	assert_int_equal(0, fake_u32(r, MSG_SEND_SIZE));
	assert_int_equal(64, fake_u32(r, MSG_RCV_SIZE));
	assert_int_equal(0x1003, fake_u32(r, MSG_RCV_NAME));
}

static void interrupts_are_reported_when_asked(void **state)
{
	mach_msg_header_t msg = { .msgh_size = sizeof(msg) };

	(void)state;
	queue_code(MACH_RCV_INTERRUPTED);
	assert_int_equal(MACH_RCV_INTERRUPTED,
			 mach_msg(&msg, MACH_RCV_MSG | MACH_RCV_INTERRUPT | MACH_RCV_TIMEOUT, 0, 64,
				  0x1003, 10, MACH_PORT_NULL));
	queue_code(MACH_SEND_INTERRUPTED);
	assert_int_equal(MACH_SEND_INTERRUPTED,
			 mach_msg(&msg, MACH_SEND_MSG | MACH_SEND_INTERRUPT, 24, 0, 0, 0, 0));
	assert_int_equal(2, fake_count_of(DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE));
	/* The library's own options never reach the server. */
	assert_int_equal(MACH_RCV_MSG | MACH_RCV_TIMEOUT, fake_u32(mach_msg_request(0), MSG_OPTION));
	assert_int_equal(10, fake_u32(mach_msg_request(0), MSG_TIMEOUT));
	assert_int_equal(MACH_SEND_MSG, fake_u32(mach_msg_request(1), MSG_OPTION));
}

static void overwrite_passes_every_argument(void **state)
{
	mach_msg_header_t msg = { .msgh_size = sizeof(msg) }, rcv;
	const struct fake_record *r;

	(void)state;
	queue_code(MACH_RCV_TIMED_OUT);
	assert_int_equal(MACH_RCV_TIMED_OUT,
			 mach_msg_overwrite(&msg, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
					    24, sizeof(rcv), 0x1003, 25, 0x2203, &rcv, 99));
	r = mach_msg_request(0);
	assert_int_equal(56, r->size);
	assert_int_equal((uintptr_t)&msg, fake_u64(r, MSG_PTR));
	assert_int_equal(sizeof(rcv), fake_u32(r, MSG_RCV_SIZE));
	assert_int_equal(0x1003, fake_u32(r, MSG_RCV_NAME));
	assert_int_equal(25, fake_u32(r, MSG_TIMEOUT));
	assert_int_equal(0x2203, fake_u32(r, MSG_PRIORITY));
	assert_int_equal((uintptr_t)&rcv, fake_u64(r, MSG_RCV_MSG));
}

static void send_and_receive_helpers(void **state)
{
	mach_msg_header_t msg = {
		.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0),
		.msgh_size = sizeof(msg),
		.msgh_remote_port = 0x2a03,
		.msgh_local_port = 0x1003,
	};

	(void)state;
	assert_int_equal(MACH_MSG_SUCCESS, mach_msg_send(&msg));
	assert_int_equal(MACH_MSG_SUCCESS, mach_msg_receive(&msg));
	assert_int_equal(MACH_SEND_MSG, fake_u32(mach_msg_request(0), MSG_OPTION));
	assert_int_equal(24, fake_u32(mach_msg_request(0), MSG_SEND_SIZE));
	assert_int_equal(MACH_RCV_MSG, fake_u32(mach_msg_request(1), MSG_OPTION));
	assert_int_equal(24, fake_u32(mach_msg_request(1), MSG_RCV_SIZE));
	assert_int_equal(0x1003, fake_u32(mach_msg_request(1), MSG_RCV_NAME));
}

static void unreachable_server_maps_to_mach_errors(void **state)
{
	mach_msg_header_t msg = { .msgh_size = sizeof(msg) };
	mach_port_name_t name = 0;
	mach_port_urefs_t refs;
	int pid;

	(void)state;
	unsetenv("DSERVER_SOCKET");
	assert_int_equal(MACH_SEND_INVALID_DEST,
			 mach_msg(&msg, MACH_SEND_MSG | MACH_RCV_MSG, 24, 24, 1, 0, 0));
	assert_int_equal(MACH_RCV_INVALID_NAME, mach_msg(&msg, MACH_RCV_MSG, 0, 24, 1, 0, 0));
	assert_int_equal(KERN_FAILURE, mach_port_allocate(TASK, MACH_PORT_RIGHT_RECEIVE, &name));
	assert_int_equal(KERN_FAILURE, pid_for_task(TASK, &pid));
	assert_int_equal(MACH_PORT_NULL, mach_reply_port());
	assert_int_equal(MACH_PORT_NULL, mach_host_self());
	assert_int_equal(MACH_SEND_INVALID_DEST,
			 mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs));
	assert_int_equal(0, fake_count());
}

/* ---- reply port, mach_msg_destroy, fork, threads ---- */

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

static void destroy_releases_every_right(void **state)
{
	struct __attribute__((packed, aligned(4))) {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t receive;
		mach_msg_ool_descriptor_t memory;
		mach_msg_ool_ports_descriptor_t ports;
		mach_msg_port_descriptor_t copied;
		mach_msg_port_descriptor_t made;
	} msg;
	mach_port_t names[2] = { 0x3103, 0x3203 };
	void *page = map_page();
	const struct fake_record *r;

	(void)state;
	memset(&msg, 0, sizeof(msg));
	msg.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MOVE_SEND, 0, 0,
						  MACH_MSGH_BITS_COMPLEX);
	msg.header.msgh_remote_port = 0x1103;
	msg.header.msgh_local_port = 0x9903; /* carries no right of the message */
	msg.body.msgh_descriptor_count = 5;
	msg.receive.name = 0x2103;
	msg.receive.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	msg.receive.type = MACH_MSG_PORT_DESCRIPTOR;
	msg.memory.address = page;
	msg.memory.size = 100;
	msg.memory.deallocate = TRUE;
	msg.memory.type = MACH_MSG_OOL_DESCRIPTOR;
	msg.ports.address = names;
	msg.ports.count = 2;
	msg.ports.disposition = MACH_MSG_TYPE_MOVE_SEND;
	msg.ports.type = MACH_MSG_OOL_PORTS_DESCRIPTOR;
	msg.copied.name = 0x4103;
	msg.copied.disposition = MACH_MSG_TYPE_COPY_SEND;
	msg.copied.type = MACH_MSG_PORT_DESCRIPTOR;
	msg.made.name = 0x5103;
	msg.made.disposition = MACH_MSG_TYPE_MAKE_SEND;
	msg.made.type = MACH_MSG_PORT_DESCRIPTOR;

	mach_msg_destroy(&msg.header);
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x1103);
	r = release_of(DSERVER_CALL_NUMBER_MACH_PORT_MOD_REFS, 0x2103);
	assert_int_equal(MACH_PORT_RIGHT_RECEIVE, fake_u32(r, 24));
	assert_int_equal((uint32_t)-1, fake_u32(r, 28));
	assert_false(mapped(page));
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x3103);
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x3203);
	/* A made send right is made, then dropped. */
	r = release_of(DSERVER_CALL_NUMBER_MACH_PORT_INSERT_RIGHT, 0x5103);
	assert_int_equal(0x5103, fake_u32(r, 24));
	assert_int_equal(MACH_MSG_TYPE_MAKE_SEND, fake_u32(r, 28));
	release_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE, 0x5103);
	/* Copies took nothing; the local port is left alone. */
	assert_int_equal(4, fake_count_of(DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE));
}

static void fork_child_asks_for_its_task_port(void **state)
{
	int status;
	pid_t child;

	(void)state;
	assert_int_equal(FAKE_TASK_SELF, mach_task_self());
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		bool ok = mach_task_self_ == MACH_PORT_NULL &&
			  mach_task_self() == FAKE_TASK_SELF && mach_task_self_ == FAKE_TASK_SELF;

		_exit(ok ? 0 : 1);
	}
	assert_int_equal(child, waitpid(child, &status, 0));
	assert_true(WIFEXITED(status));
	assert_int_equal(0, WEXITSTATUS(status));
	for (int i = 0;; i++) {
		const struct fake_record *r = fake_find(DSERVER_CALL_NUMBER_TASK_SELF_TRAP, i);

		assert_non_null(r);
		if (fake_u32(r, 4) == (uint32_t)child)
			break;
	}
}

static void *mig_in_a_thread(void *arg)
{
	mach_port_urefs_t refs;

	*(kern_return_t *)arg = mach_port_get_refs(TASK, 1, MACH_PORT_RIGHT_SEND, &refs);
	return NULL;
}

static void thread_exit_releases_its_reply_port(void **state)
{
	mach_port_urefs_t one = 1;
	const struct fake_record *release, *checkout;
	kern_return_t kr = -1;
	pthread_t t;

	(void)state;
	assert_int_equal(FAKE_TASK_SELF, mach_task_self());
	queue_simple_reply(REPLY(3207), KERN_SUCCESS, &one, sizeof(one));
	assert_int_equal(0, pthread_create(&t, NULL, mig_in_a_thread, &kr));
	assert_int_equal(0, pthread_join(t, NULL));
	assert_int_equal(KERN_SUCCESS, kr);
	release = fake_find(DSERVER_CALL_NUMBER_MACH_PORT_MOD_REFS, 0);
	checkout = fake_find(DSERVER_CALL_NUMBER_CHECKOUT, 0);
	assert_non_null(release);
	assert_non_null(checkout);
	assert_int_equal(FAKE_FIRST_REPLY_PORT, fake_u32(release, 20));
	assert_int_equal(MACH_PORT_RIGHT_RECEIVE, fake_u32(release, 24));
	/* Released by that thread, before it checked out. */
	assert_int_equal(fake_u32(checkout, 8), fake_u32(release, 8));
	assert_true(release < checkout);
}

/* ---- VM ---- */

static void vm_calls_on_the_own_task_are_local(void **state)
{
	mach_vm_address_t address = 0, again;
	vm_address_t small = 0;
	const struct fake_record *r;
	unsigned char *p;

	(void)state;
	assert_int_equal(KERN_SUCCESS, mach_vm_allocate(mach_task_self(), &address,
							3 * vm_page_size + 1, VM_FLAGS_ANYWHERE));
	p = (unsigned char *)(uintptr_t)address;
	assert_int_equal(0, address % vm_page_size);
	assert_int_equal(0, p[4 * vm_page_size - 1]); /* rounded up to whole pages, zeroed */
	p[0] = 1;
	/* A fixed allocation does not replace a mapping, unless told to. */
	again = address;
	assert_int_equal(KERN_NO_SPACE,
			 mach_vm_allocate(mach_task_self(), &again, vm_page_size, VM_FLAGS_FIXED));
	assert_int_equal(1, p[0]);
	assert_int_equal(KERN_SUCCESS,
			 mach_vm_allocate(mach_task_self(), &again, vm_page_size,
					  VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE));
	assert_int_equal(address, again);
	assert_int_equal(0, p[0]);
	assert_int_equal(KERN_SUCCESS,
			 mach_vm_deallocate(mach_task_self(), address + 1, 4 * vm_page_size - 1));
	assert_false(mapped(p));
	assert_false(mapped(p + 3 * vm_page_size));

	assert_int_equal(KERN_SUCCESS, vm_allocate(mach_task_self(), &small, 0, VM_FLAGS_ANYWHERE));
	assert_int_equal(0, small);
	assert_int_equal(KERN_INVALID_ARGUMENT,
			 vm_allocate(mach_task_self(), &small, 1, VM_FLAGS_ANYWHERE | 0x100));
	assert_int_equal(KERN_SUCCESS, vm_deallocate(mach_task_self(), 0, 0));
	assert_int_equal(MACH_SEND_INVALID_DEST, vm_deallocate(MACH_PORT_NULL, 0, 1));
	assert_int_equal(0, fake_count_of(DSERVER_CALL_NUMBER_MACH_VM_ALLOCATE));

	/* Another task: the server maps it there. */
	assert_int_equal(KERN_SUCCESS, mach_vm_deallocate(TASK, 0x10000, 0x2000));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_VM_DEALLOCATE, 0);
	assert_int_equal(TASK, fake_u32(r, 16));
	assert_int_equal(0x10000, fake_u64(r, 24));
	assert_int_equal(0x2000, fake_u64(r, 32));
	assert_int_equal(KERN_SUCCESS, mach_vm_allocate(TASK, &address, 0x3000, VM_FLAGS_ANYWHERE));
	r = fake_find(DSERVER_CALL_NUMBER_MACH_VM_ALLOCATE, 0);
	assert_int_equal((uintptr_t)&address, fake_u64(r, 24));
	assert_int_equal(0x3000, fake_u64(r, 32));
	assert_int_equal(VM_FLAGS_ANYWHERE, fake_u32(r, 40));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(self_ports),
		T(port_traps_on_the_wire),
		T(task_traps_on_the_wire),
		T(trap_failures_are_returned),
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
		T(interrupted_messages_are_restarted),
		T(interrupts_are_reported_when_asked),
		T(overwrite_passes_every_argument),
		T(send_and_receive_helpers),
		T(unreachable_server_maps_to_mach_errors),
		T(reply_port_is_kept_and_replaced),
		T(destroy_releases_every_right),
		T(fork_child_asks_for_its_task_port),
		T(thread_exit_releases_its_reply_port),
		T(vm_calls_on_the_own_task_are_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
