// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * A Mach program written as for macOS, built against the installed
 * libdserver with nothing but `pkg-config --cflags --libs dserver`
 * (install_test.sh). It uses ports and rights, a message with a port
 * descriptor and out-of-line memory, a port set and a no-senders
 * notification.
 *
 *   mach_program offline   checks what the API answers with no server
 *                          (the install test runs this)
 *   mach_program           runs the scenario against $DSERVER_SOCKET
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mach/mach.h>

#define CHECK(kr, what)                                                               \
	do {                                                                          \
		kern_return_t check_kr = (kr);                                        \
		if (check_kr != KERN_SUCCESS) {                                       \
			fprintf(stderr, "%s: %s (%#x)\n", what,                       \
				mach_error_string(check_kr), (unsigned)check_kr);     \
			return 1;                                                     \
		}                                                                     \
	} while (0)

struct greeting {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t reply_to;
	mach_msg_ool_descriptor_t text;
	int number;
};

struct greeting_received {
	struct greeting msg;
	mach_msg_max_trailer_t trailer;
};

static int scenario(void)
{
	mach_port_t task = mach_task_self(), port, other, set, previous;
	struct greeting out;
	struct greeting_received in;
	mach_no_senders_notification_t notification;
	static char text[] = "hello over mach";
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t name_count, type_count, count;
	mach_port_status_t status;
	int pid;

	CHECK(mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port), "allocate");
	CHECK(mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND), "insert_right");
	CHECK(mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &other), "allocate other");
	CHECK(mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &set), "allocate set");
	CHECK(mach_port_insert_member(task, port, set), "insert_member");

	memset(&out, 0, sizeof(out));
	out.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, 0,
						  MACH_MSGH_BITS_COMPLEX);
	out.header.msgh_size = sizeof(out);
	out.header.msgh_remote_port = port;
	out.header.msgh_id = 4242;
	out.body.msgh_descriptor_count = 2;
	out.reply_to.name = other;
	out.reply_to.disposition = MACH_MSG_TYPE_MAKE_SEND;
	out.reply_to.type = MACH_MSG_PORT_DESCRIPTOR;
	out.text.address = text;
	out.text.size = sizeof(text);
	out.text.copy = MACH_MSG_VIRTUAL_COPY;
	out.text.type = MACH_MSG_OOL_DESCRIPTOR;
	out.number = 7;
	CHECK(mach_msg(&out.header, MACH_SEND_MSG, sizeof(out), 0, MACH_PORT_NULL,
		       MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "send");

	/* Received through the set, with the audit trailer. */
	CHECK(mach_msg(&in.msg.header,
		       MACH_RCV_MSG | MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
			       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
		       0, sizeof(in), set, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "receive");
	if (in.msg.header.msgh_id != 4242 || in.msg.number != 7 ||
	    strcmp(in.msg.text.address, text) != 0 ||
	    in.msg.reply_to.disposition != MACH_MSG_TYPE_PORT_SEND) {
		fprintf(stderr, "received the wrong message\n");
		return 1;
	}
	CHECK(vm_deallocate(task, (vm_address_t)in.msg.text.address, in.msg.text.size), "free text");

	/* Dropping the last send right of `other` sends the notification to `port`. */
	CHECK(mach_port_request_notification(task, other, MACH_NOTIFY_NO_SENDERS, 0, port,
					     MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous), "notify");
	CHECK(mach_port_deallocate(task, in.msg.reply_to.name), "deallocate send");
	CHECK(mach_msg(&notification.not_header, MACH_RCV_MSG, 0, sizeof(notification), port,
		       MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL), "receive notification");
	if (notification.not_header.msgh_id != MACH_NOTIFY_NO_SENDERS) {
		fprintf(stderr, "no no-senders notification\n");
		return 1;
	}

	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	CHECK(mach_port_get_attributes(task, port, MACH_PORT_RECEIVE_STATUS,
				       (mach_port_info_t)&status, &count), "get_attributes");
	CHECK(mach_port_names(task, &names, &name_count, &types, &type_count), "names");
	CHECK(vm_deallocate(task, (vm_address_t)names, name_count * sizeof(*names)), "free names");
	CHECK(vm_deallocate(task, (vm_address_t)types, type_count * sizeof(*types)), "free types");
	CHECK(pid_for_task(task, &pid), "pid_for_task");
	CHECK(mach_port_mod_refs(task, other, MACH_PORT_RIGHT_RECEIVE, -1), "destroy other");
	CHECK(mach_port_destruct(task, port, -1, 0), "destruct");
	printf("scenario: ok (pid %d, %u names, %u queued)\n", pid, name_count,
	       status.mps_msgcount);
	return 0;
}

/* No server: every layer answers as documented in <mach/mach_traps.h>. */
static int offline(void)
{
	mach_msg_header_t msg = { .msgh_size = sizeof(msg) };
	mach_port_t port = 1;
	mach_port_urefs_t refs;

	if (mach_task_self() != MACH_PORT_NULL || mach_reply_port() != MACH_PORT_NULL ||
	    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_FAILURE ||
	    mach_msg(&msg, MACH_SEND_MSG, sizeof(msg), 0, 0, 0, 0) != MACH_SEND_INVALID_DEST ||
	    mach_port_get_refs(2, 3, MACH_PORT_RIGHT_SEND, &refs) != MACH_SEND_INVALID_DEST) {
		fprintf(stderr, "offline: unexpected results\n");
		return 1;
	}
	printf("offline: ok (%s)\n", mach_error_string(MACH_SEND_INVALID_DEST));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "offline") == 0) {
		unsetenv("DSERVER_SOCKET");
		unsetenv("__mldr_sockpath");
		return offline();
	}
	return scenario();
}
