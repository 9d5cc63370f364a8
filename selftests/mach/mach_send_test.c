// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Sends that cannot be completed, against a real server: send-possible
 * notifications for a full queue, and what a sender keeps when its send
 * fails (the message given back in its buffer, or rights destroyed), as
 * XNU does it.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "raw_client.h"

static struct test_server server;

FIXTURE(send) {
	mach_port_t task;
	mach_port_t port;   /* receive + send, queue limit 1 */
	mach_port_t notify; /* receive: where notifications arrive */
};

FIXTURE_SETUP(send)
{
	mach_port_options_t options = { .flags = MPO_QLIMIT | MPO_INSERT_SEND_RIGHT, .mpl = { 1 } };

	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	self->task = mach_task_self();
	ASSERT_EQ(KERN_SUCCESS, mach_port_construct(self->task, &options, 0, &self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(self->task, MACH_PORT_RIGHT_RECEIVE, &self->notify));
}

FIXTURE_TEARDOWN(send)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

struct simple {
	mach_msg_header_t header;
	uint64_t payload;
};

static mach_msg_return_t send_simple(mach_port_t dest, mach_msg_option_t extra, uint64_t payload)
{
	struct simple msg = {
		.header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), .msgh_size = sizeof(msg),
			    .msgh_remote_port = dest, .msgh_id = 1000 },
		.payload = payload,
	};

	mach_msg_return_t mr = mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT | extra, sizeof(msg), 0,
					MACH_PORT_NULL, 0, MACH_PORT_NULL);

	/*
	 * A send that timed out gives the message back with the send right
	 * its COPY_SEND made: one more uref, which the sender releases (XNU's).
	 */
	if (mr == MACH_SEND_TIMED_OUT) {
		if (msg.header.msgh_bits != MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, 0) ||
		    msg.header.msgh_remote_port != dest)
			return KERN_FAILURE;
		mach_msg_destroy(&msg.header);
	}
	return mr;
}

/*
 * Receive one message of at most 256 bytes, copying its first copy_size
 * bytes to copy; its id, or -1 (timeout_ms 0: do not wait).
 */
static mach_msg_id_t receive_msg(mach_port_t port, mach_msg_timeout_t timeout_ms, void *copy, size_t copy_size)
{
	union {
		mach_msg_header_t header;
		uint8_t bytes[256];
	} msg;

	memset(&msg, 0, sizeof(msg));
	if (mach_msg(&msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(msg), port, timeout_ms,
		     MACH_PORT_NULL) != MACH_MSG_SUCCESS)
		return -1;
	if (copy)
		memcpy(copy, &msg, copy_size < sizeof(msg) ? copy_size : sizeof(msg));
	return msg.header.msgh_id;
}

#define receive_id(port, timeout_ms, copy) receive_msg((port), (timeout_ms), (copy), sizeof(*(copy)))

static mach_port_type_t names_type(mach_port_t task, mach_port_t name)
{
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t nnames = 0, ntypes = 0;
	mach_port_type_t type = 0;

	if (mach_port_names(task, &names, &nnames, &types, &ntypes) != KERN_SUCCESS)
		return 0;
	for (mach_msg_type_number_t i = 0; i < nnames; i++) {
		if (names[i] == name)
			type = types[i];
	}
	vm_deallocate(task, (vm_address_t)names, nnames * sizeof(*names));
	vm_deallocate(task, (vm_address_t)types, ntypes * sizeof(*types));
	return type;
}

static kern_return_t request_send_possible(FIXTURE_DATA(send) *self, mach_port_mscount_t sync,
					   mach_port_t *previous)
{
	return mach_port_request_notification(self->task, self->port, MACH_NOTIFY_SEND_POSSIBLE, sync, self->notify,
					      MACH_MSG_TYPE_MAKE_SEND_ONCE, previous);
}

TEST_F(send, send_possible_fires_once_when_a_full_queue_gets_room)
{
	mach_port_t previous = 1;
	mach_send_possible_notification_t n;
	mach_port_type_t type = 0;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 1));
	ASSERT_EQ(MACH_SEND_TIMED_OUT, send_simple(self->port, 0, 2));
	/* Armed at once (sync != 0) because the queue is full; nothing yet. */
	ASSERT_EQ(KERN_SUCCESS, request_send_possible(self, 1, &previous));
	EXPECT_EQ(MACH_PORT_NULL, previous);
	EXPECT_EQ(-1, receive_msg(self->notify, 0, NULL, 0));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST,
		  names_type(self->task, self->port));
	/* mach_port_type hides the send-possible bits, as XNU's does. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(self->task, self->port, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST, type);

	/* Taking the message off makes room: the notification, naming our send right. */
	ASSERT_EQ(1000, receive_msg(self->port, 0, NULL, 0));
	ASSERT_EQ(MACH_NOTIFY_SEND_POSSIBLE, receive_id(self->notify, 1000, &n));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, 0102);
	EXPECT_EQ(36, n.not_header.msgh_size);
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE), n.not_header.msgh_bits);
	EXPECT_EQ(self->notify, n.not_header.msgh_local_port);
	EXPECT_EQ(self->port, n.not_port);
	EXPECT_EQ(1, n.NDR.int_rep);
	/* Fired means gone: no bits, no second notification, no dead-name one either. */
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, names_type(self->task, self->port));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 3));
	ASSERT_EQ(1000, receive_msg(self->port, 0, NULL, 0));
	EXPECT_EQ(-1, receive_msg(self->notify, 0, NULL, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(self->task, self->port, MACH_PORT_RIGHT_RECEIVE, -1));
	EXPECT_EQ(-1, receive_msg(self->notify, 0, NULL, 0));
	mach_port_urefs_t refs = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(self->task, self->port, MACH_PORT_RIGHT_DEAD_NAME, &refs));
	EXPECT_EQ(1, refs);
}

TEST_F(send, send_possible_fires_at_once_when_the_queue_has_room)
{
	mach_port_t previous = 1;
	mach_send_possible_notification_t n;

	ASSERT_EQ(KERN_SUCCESS, request_send_possible(self, 1, &previous));
	EXPECT_EQ(MACH_PORT_NULL, previous);
	ASSERT_EQ(MACH_NOTIFY_SEND_POSSIBLE, receive_id(self->notify, 1000, &n));
	EXPECT_EQ(self->port, n.not_port);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, names_type(self->task, self->port));
}

TEST_F(send, a_delayed_request_is_armed_by_a_send_notify_that_finds_the_queue_full)
{
	mach_port_t previous = 1;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 1));
	ASSERT_EQ(KERN_SUCCESS, request_send_possible(self, 0, &previous));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST |
			  MACH_PORT_TYPE_SPREQUEST_DELAYED,
		  names_type(self->task, self->port));
	/* Not armed: room comes and goes without a word. */
	ASSERT_EQ(1000, receive_msg(self->port, 0, NULL, 0));
	EXPECT_EQ(-1, receive_msg(self->notify, 0, NULL, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 2));
	/* A plain failing send arms nothing; one with MACH_SEND_NOTIFY does. */
	ASSERT_EQ(MACH_SEND_TIMED_OUT, send_simple(self->port, 0, 3));
	EXPECT_NE(0, names_type(self->task, self->port) & MACH_PORT_TYPE_SPREQUEST_DELAYED);
	ASSERT_EQ(MACH_SEND_TIMED_OUT, send_simple(self->port, MACH_SEND_NOTIFY, 4));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE | MACH_PORT_TYPE_DNREQUEST | MACH_PORT_TYPE_SPREQUEST,
		  names_type(self->task, self->port));
	ASSERT_EQ(1000, receive_msg(self->port, 0, NULL, 0));
	EXPECT_EQ(MACH_NOTIFY_SEND_POSSIBLE, receive_msg(self->notify, 1000, NULL, 0));
}

TEST_F(send, a_pending_request_gets_the_dead_name_notification_and_a_replacement_returns_the_old_right)
{
	mach_port_t previous = 1, second;
	mach_dead_name_notification_t n;

	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 1));
	ASSERT_EQ(KERN_SUCCESS, request_send_possible(self, 1, &previous));
	/* Replacing the request hands back the first send-once right. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(self->task, MACH_PORT_RIGHT_RECEIVE, &second));
	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(self->task, self->port, MACH_NOTIFY_SEND_POSSIBLE, 1,
							       second, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	ASSERT_NE(MACH_PORT_NULL, previous);
	mach_port_type_t type = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(self->task, previous, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type);
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(self->task, previous));
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, receive_msg(self->notify, 1000, NULL, 0));

	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(self->task, self->port, MACH_PORT_RIGHT_RECEIVE, -1));
	ASSERT_EQ(MACH_NOTIFY_DEAD_NAME, receive_id(second, 1000, &n));
	EXPECT_EQ(self->port, n.not_port);
	mach_port_urefs_t refs = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(self->task, self->port, MACH_PORT_RIGHT_DEAD_NAME, &refs));
	EXPECT_EQ(2, refs); /* one is the notification's */
}

/* A message carrying every kind of thing a failed send must give back. */
struct __attribute__((packed, aligned(4))) full_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t right;
	mach_msg_ool_descriptor_t memory;
	uint32_t payload;
};

static void build_full(struct full_msg *msg, mach_port_t dest, mach_port_t reply, mach_port_t carried, void *memory,
		       size_t size)
{
	memset(msg, 0, sizeof(*msg));
	msg->header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) |
				MACH_MSGH_BITS_COMPLEX;
	msg->header.msgh_size = sizeof(*msg);
	msg->header.msgh_remote_port = dest;
	msg->header.msgh_local_port = reply;
	msg->header.msgh_id = 77;
	msg->body.msgh_descriptor_count = 2;
	msg->right.name = carried;
	msg->right.disposition = MACH_MSG_TYPE_MOVE_SEND;
	msg->right.type = MACH_MSG_PORT_DESCRIPTOR;
	msg->memory.address = memory;
	msg->memory.size = (mach_msg_size_t)size;
	msg->memory.deallocate = TRUE;
	msg->memory.copy = MACH_MSG_VIRTUAL_COPY;
	msg->memory.type = MACH_MSG_OOL_DESCRIPTOR;
	msg->payload = 0xfeedbeef;
}

TEST_F(send, a_timed_out_send_gives_the_message_back_in_the_buffer)
{
	mach_port_t reply, carried;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *memory = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct full_msg msg;

	ASSERT_NE(MAP_FAILED, memory);
	memset(memory, 0x5a, page);
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(self->task, MACH_PORT_RIGHT_RECEIVE, &reply));
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(self->task, MACH_PORT_RIGHT_RECEIVE, &carried));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(self->task, carried, carried, MACH_MSG_TYPE_MAKE_SEND));
	ASSERT_EQ(MACH_MSG_SUCCESS, send_simple(self->port, 0, 1));

	build_full(&msg, self->port, reply, carried, memory, page);
	ASSERT_EQ(MACH_SEND_TIMED_OUT, mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0,
						MACH_PORT_NULL, 10, MACH_PORT_NULL));

	/* The header as carried, not reversed: the destination stays remote. */
	EXPECT_EQ(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX,
		  msg.header.msgh_bits);
	EXPECT_EQ(sizeof(msg), msg.header.msgh_size);
	EXPECT_EQ(self->port, msg.header.msgh_remote_port);
	EXPECT_EQ(77, msg.header.msgh_id);
	mach_port_type_t type = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(self->task, self->port, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_RECEIVE, type);
	/* The reply right was made: it is ours now, a send-once right under a new name. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(self->task, msg.header.msgh_local_port, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type);
	EXPECT_EQ(carried, msg.right.name);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, (int)msg.right.disposition);
	mach_port_urefs_t refs = 0;
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(self->task, carried, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(1, refs);
	/* The memory was moved out of our space and comes back at a new address. */
	EXPECT_EQ(page, msg.memory.size);
	ASSERT_NE(NULL, msg.memory.address);
	EXPECT_EQ(0x5a, ((uint8_t *)msg.memory.address)[page - 1]);
	EXPECT_EQ(0xfeedbeef, msg.payload);

	/* It can be sent again as it is, once there is room. */
	ASSERT_EQ(1000, receive_msg(self->port, 0, NULL, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0,
					     MACH_PORT_NULL, 0, MACH_PORT_NULL));
	struct {
		struct full_msg msg;
		mach_msg_trailer_t trailer;
	} got;
	ASSERT_EQ(77, receive_id(self->port, 0, &got));
	EXPECT_EQ(0xfeedbeef, got.msg.payload);
	EXPECT_EQ(0x5a, ((uint8_t *)got.msg.memory.address)[0]);
	EXPECT_EQ(carried, got.msg.right.name); /* our own send right came back to us */
	ASSERT_EQ(KERN_SUCCESS, mach_port_type(self->task, got.msg.header.msgh_remote_port, &type));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, type);
}

TEST_F(send, a_bad_descriptor_right_destroys_the_header_rights_already_taken)
{
	mach_port_t reply;
	struct full_msg msg;
	mach_port_urefs_t refs = 0;

	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(self->task, MACH_PORT_RIGHT_RECEIVE, &reply));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(self->task, self->port, MACH_PORT_RIGHT_SEND, 1));

	/* A header that fails leaves the sender as it was. */
	build_full(&msg, self->port, 0x12345603, self->port, NULL, 0);
	ASSERT_EQ(MACH_SEND_INVALID_REPLY, mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0,
						    MACH_PORT_NULL, 0, MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(self->task, self->port, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(2, refs);

	/* A body that fails after the header's rights were taken loses them (XNU's order). */
	build_full(&msg, self->port, reply, 0x12345603, NULL, 0);
	ASSERT_EQ(MACH_SEND_INVALID_RIGHT, mach_msg(&msg.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof(msg), 0,
						    MACH_PORT_NULL, 0, MACH_PORT_NULL));
	ASSERT_EQ(KERN_SUCCESS, mach_port_get_refs(self->task, self->port, MACH_PORT_RIGHT_SEND, &refs));
	EXPECT_EQ(1, refs);
	/* The send-once right made for the reply died unused. */
	EXPECT_EQ(MACH_NOTIFY_SEND_ONCE, receive_msg(reply, 1000, NULL, 0));
	EXPECT_EQ(-1, receive_msg(self->port, 0, NULL, 0));
}

TEST_HARNESS_MAIN
