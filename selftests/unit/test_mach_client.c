// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Unit tests of libdserver's Mach API against a fake server
 * (fake_server.c): the trap calls it makes (numbers and fields, PROTOCOL.md
 * §4), mach_msg's restarts and arguments, what it answers with no server,
 * mach_msg_destroy, fork and thread exit, and the local VM calls.
 * test_mach_mig.c has the MIG requests.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <dserver/rpc.h>
#include <mach/mach.h>

#include "mach_test.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(self_ports),
		T(port_traps_on_the_wire),
		T(task_traps_on_the_wire),
		T(trap_failures_are_returned),
		T(interrupted_messages_are_restarted),
		T(interrupts_are_reported_when_asked),
		T(overwrite_passes_every_argument),
		T(send_and_receive_helpers),
		T(unreachable_server_maps_to_mach_errors),
		T(destroy_releases_every_right),
		T(fork_child_asks_for_its_task_port),
		T(thread_exit_releases_its_reply_port),
		T(vm_calls_on_the_own_task_are_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
