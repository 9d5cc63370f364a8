// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The mach_port routines that look at a space, against a real server, on
 * our own task and on another process's (through task_for_pid): peek,
 * space_info, space_basic_info, kobject, kobject_description, the
 * service-port queries and special_reply_port_reset_link.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "raw_client.h"

static struct test_server server;

FIXTURE(debug) {
	int unused;
};

FIXTURE_SETUP(debug)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
}

FIXTURE_TEARDOWN(debug)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

static kern_return_t send_id(mach_port_t port, mach_msg_id_t id, mach_msg_size_t size)
{
	struct { mach_msg_header_t h; uint64_t pad; } msg = { 0 };

	msg.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
	msg.h.msgh_size = size;
	msg.h.msgh_remote_port = port;
	msg.h.msgh_id = id;
	return mach_msg(&msg.h, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
}

static kern_return_t peek(mach_port_t task, mach_port_t name, mach_port_seqno_t *seqno, mach_msg_id_t *id,
			  mach_msg_size_t *size, mach_msg_audit_trailer_t *trailer)
{
	mach_msg_type_number_t room = sizeof(*trailer);

	return mach_port_peek(task, name, MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) |
				  MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT),
			      seqno, size, id, (mach_msg_trailer_info_t)trailer, &room);
}

/* Peek at the queue of `port` in task, whose send right we hold as `send`. */
static int peek_routines(mach_port_t task, mach_port_t port, mach_port_t send)
{
	mach_msg_audit_trailer_t trailer;
	mach_port_seqno_t seqno = 0;
	mach_msg_size_t size = 0;
	mach_msg_id_t id = 0;
	mach_msg_type_number_t room = 8;

	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_FAILURE) /* empty queue */
		return 1;
	if (peek(task, MACH_PORT_NULL, &seqno, &id, &size, &trailer) != KERN_INVALID_RIGHT ||
	    peek(task, 0x7fff03, &seqno, &id, &size, &trailer) != KERN_INVALID_NAME)
		return 2;
	/* Beyond the audit trailer, or more than the room given: KERN_INVALID_VALUE. */
	if (mach_port_peek(task, port, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_CTX), &seqno, &size, &id,
			   (mach_msg_trailer_info_t)&trailer, &room) != KERN_INVALID_VALUE ||
	    mach_port_peek(task, port, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO), &seqno, &size, &id,
			   (mach_msg_trailer_info_t)&trailer, &room) != KERN_INVALID_VALUE)
		return 3;
	if (send_id(send, 1001, 24) != MACH_MSG_SUCCESS || send_id(send, 1002, 32) != MACH_MSG_SUCCESS)
		return 4;
	seqno = 0;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_SUCCESS || seqno != 0 || id != 1001 || size != 24)
		return 5;
	/* The trailer: its seqno, and the sender's audit token (pid in word 5). */
	if (trailer.msgh_seqno != 0 || trailer.msgh_audit.val[5] != (unsigned)getpid() ||
	    trailer.msgh_sender.val[0] != geteuid())
		return 6;
	seqno = 1;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_SUCCESS || seqno != 1 || id != 1002 ||
	    size != 32 || trailer.msgh_seqno != 1)
		return 7;
	seqno = 2;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_FAILURE)
		return 8;
	/* Numbers follow the port's sequence number. */
	if (mach_port_set_seqno(task, port, 10) != KERN_SUCCESS)
		return 9;
	seqno = 0;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_SUCCESS || seqno != 10 || id != 1001)
		return 10;
	seqno = 11;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_SUCCESS || id != 1002)
		return 11;
	seqno = 1;
	if (peek(task, port, &seqno, &id, &size, &trailer) != KERN_FAILURE)
		return 12;
	return 0;
}

/* The entry for name in task's table, or NULL (*table must be released by the caller). */
static const ipc_info_name_t *find_entry(mach_port_t task, mach_port_t name, ipc_info_name_array_t *table,
					 mach_msg_type_number_t *count)
{
	ipc_info_tree_name_array_t tree;
	mach_msg_type_number_t tree_count;
	ipc_info_space_t info;

	if (mach_port_space_info(task, &info, table, count, &tree, &tree_count) != KERN_SUCCESS)
		return NULL;
	if (tree || tree_count || info.iis_genno_mask != 0xff || info.iis_table_size != *count)
		return NULL;
	for (mach_msg_type_number_t i = 0; i < *count; i++)
		if ((*table)[i].iin_name == name)
			return &(*table)[i];
	return NULL;
}

static void release_table(ipc_info_name_array_t table, mach_msg_type_number_t count)
{
	vm_deallocate(mach_task_self(), (vm_address_t)table, count * sizeof(*table));
}

static int space_routines(mach_port_t task, mach_port_t port, mach_port_t send)
{
	ipc_info_name_array_t table, ours;
	mach_msg_type_number_t count, our_count;
	mach_port_name_array_t names;
	mach_port_type_array_t types;
	mach_msg_type_number_t names_count, types_count;
	ipc_info_space_basic_t basic;

	const ipc_info_name_t *e = find_entry(task, port, &table, &count);
	if (!e || e->iin_type != (MACH_PORT_TYPE_RECEIVE | (task == mach_task_self() ? MACH_PORT_TYPE_SEND : 0)) ||
	    e->iin_object == 0)
		return 20;
	/* Index 0 is never a name: every generation bit, no type. */
	if (table[0].iin_name != 0xff || table[0].iin_type != 0)
		return 21;
	/* The same port has the same identifier in every space. */
	const ipc_info_name_t *s = find_entry(mach_task_self(), send, &ours, &our_count);
	if (!s || s->iin_object != e->iin_object || !(s->iin_type & MACH_PORT_TYPE_SEND) || s->iin_urefs != 1)
		return 22;
	release_table(table, count);
	release_table(ours, our_count);

	/* Every name mach_port_names lists is in use; the table is larger by at least index 0. */
	if (mach_port_space_basic_info(task, &basic) != KERN_SUCCESS ||
	    mach_port_names(task, &names, &names_count, &types, &types_count) != KERN_SUCCESS)
		return 23;
	vm_deallocate(mach_task_self(), (vm_address_t)names, names_count * sizeof(*names));
	vm_deallocate(mach_task_self(), (vm_address_t)types, types_count * sizeof(*types));
	if (basic.iisb_genno_mask != 0xff || basic.iisb_table_inuse != names_count ||
	    basic.iisb_table_size <= basic.iisb_table_inuse)
		return 24;
	return 0;
}

static int kobject_routines(mach_port_t task, mach_port_t port, mach_port_t task_name_in_task)
{
	natural_t type = 99;
	mach_vm_address_t address = 1;
	kobject_description_t text;
	mach_port_t pset, dead;

	if (mach_port_kobject(task, port, &type, &address) != KERN_SUCCESS || type != 0 || address != 0)
		return 30;
	memset(text, 'x', sizeof(text));
	if (mach_port_kobject_description(task, task_name_in_task, &type, &address, text) != KERN_SUCCESS ||
	    type != 2 /* IKOT_TASK_CONTROL */ || text[0] != '\0')
		return 31;
	if (mach_port_allocate(task, MACH_PORT_RIGHT_PORT_SET, &pset) != KERN_SUCCESS ||
	    mach_port_allocate(task, MACH_PORT_RIGHT_DEAD_NAME, &dead) != KERN_SUCCESS)
		return 32;
	if (mach_port_kobject(task, pset, &type, &address) != KERN_INVALID_RIGHT ||
	    mach_port_kobject(task, dead, &type, &address) != KERN_INVALID_NAME ||
	    mach_port_kobject(task, 0x7fff03, &type, &address) != KERN_INVALID_NAME)
		return 33;
	/* dserver has no service ports: XNU's answers for a port that is not one. */
	uint64_t policy = 0;
	mach_service_port_info_data_t info;
	if (mach_port_is_connection_for_service(task, port, port, &policy) != KERN_INVALID_CAPABILITY ||
	    mach_port_is_connection_for_service(task, MACH_PORT_NULL, port, &policy) != KERN_INVALID_NAME ||
	    mach_port_is_connection_for_service(task, port, 0x7fff03, &policy) != KERN_INVALID_NAME ||
	    mach_port_is_connection_for_service(task, port, pset, &policy) != KERN_INVALID_RIGHT)
		return 34;
	if (mach_port_get_service_port_info(task, port, &info) != KERN_INVALID_CAPABILITY ||
	    mach_port_get_service_port_info(task, MACH_PORT_NULL, &info) != KERN_INVALID_RIGHT ||
	    mach_port_get_service_port_info(task, pset, &info) != KERN_INVALID_RIGHT)
		return 35;
	return 0;
}

/* mach_port_special_reply_port_reset_link has no libsystem client: its request by hand. */
static kern_return_t reset_link(mach_port_t task, mach_port_t name)
{
	union {
		struct { mach_msg_header_t h; NDR_record_t ndr; mach_port_name_t name; } req;
		struct { mach_msg_header_t h; NDR_record_t ndr; kern_return_t ret; uint32_t lost; uint64_t trailer[8]; } rep;
	} m = { 0 };
	mach_port_t reply = mig_get_reply_port();

	m.req.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
	m.req.h.msgh_size = sizeof(m.req);
	m.req.h.msgh_remote_port = task;
	m.req.h.msgh_local_port = reply;
	m.req.h.msgh_id = 3236;
	m.req.ndr = NDR_record;
	m.req.name = name;
	kern_return_t kr = mach_msg(&m.req.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(m.req), sizeof(m.rep), reply, 0,
				    MACH_PORT_NULL);
	if (kr != KERN_SUCCESS)
		return kr;
	/* The error layout: 36 bytes. */
	return m.rep.h.msgh_id == 3336 && m.rep.h.msgh_size == 36 ? m.rep.ret : MIG_TYPE_ERROR;
}

static int all_routines(mach_port_t task, mach_port_t chosen, mach_port_t task_name_in_task)
{
	mach_port_t send;
	mach_msg_type_name_t type;
	int err;

	if (mach_port_allocate_name(task, MACH_PORT_RIGHT_RECEIVE, chosen) != KERN_SUCCESS)
		return 40;
	/* A send right of our own, to send to the port and to compare the spaces. */
	if (task == mach_task_self()) {
		if (mach_port_insert_right(task, chosen, chosen, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
			return 41;
		send = chosen;
	} else if (mach_port_extract_right(task, chosen, MACH_MSG_TYPE_MAKE_SEND, &send, &type) != KERN_SUCCESS) {
		return 42;
	}
	if ((err = peek_routines(task, chosen, send)) || (err = space_routines(task, chosen, send)) ||
	    (err = kobject_routines(task, chosen, task_name_in_task)))
		return err;
	if (reset_link(task, chosen) != KERN_NOT_SUPPORTED)
		return 43;
	return 0;
}

TEST_F(debug, on_our_own_task_and_on_another)
{
	mach_port_t own = mach_task_self();

	EXPECT_EQ(0, all_routines(own, 0x9903, own));

	pid_t parent = getpid();
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		mach_port_t ptask;

		if (task_for_pid(mach_task_self(), parent, &ptask) != KERN_SUCCESS)
			_exit(100);
		/* `own` is the parent's name for its task port, in the parent's space. */
		_exit(all_routines(ptask, 0x9a03, own));
	}
	int status;

	waitpid(child, &status, 0);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Kernel objects other than tasks, and ports that are not a task's: XNU's answers. */
TEST_F(debug, other_kernel_objects)
{
	mach_port_t task = mach_task_self(), tname;
	natural_t type = 99;
	mach_vm_address_t address = 1;
	ipc_info_space_basic_t basic;
	ipc_info_space_t info;
	ipc_info_name_array_t table;
	ipc_info_tree_name_array_t tree;
	mach_msg_type_number_t count, tree_count;
	mach_port_status_t status;

	ASSERT_EQ(KERN_SUCCESS, mach_port_kobject(task, mach_thread_self(), &type, &address));
	EXPECT_EQ(1, type); /* IKOT_THREAD_CONTROL */
	ASSERT_EQ(KERN_SUCCESS, mach_port_kobject(task, mach_host_self(), &type, &address));
	EXPECT_EQ(3, type); /* IKOT_HOST */
	ASSERT_EQ(KERN_SUCCESS, task_name_for_pid(task, getpid(), &tname));
	ASSERT_EQ(KERN_SUCCESS, mach_port_kobject(task, tname, &type, &address));
	EXPECT_EQ(20, type); /* IKOT_TASK_NAME */
	EXPECT_EQ(0, address);
	/* A task name port has no space: the *_from_user routines say KERN_INVALID_ARGUMENT. */
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_space_info(tname, &info, &table, &count, &tree, &tree_count));
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_kobject(tname, tname, &type, &address));
	count = MACH_PORT_RECEIVE_STATUS_COUNT;
	EXPECT_EQ(KERN_INVALID_ARGUMENT, mach_port_get_attributes(tname, tname, MACH_PORT_RECEIVE_STATUS,
								  (mach_port_info_t)&status, &count));
	EXPECT_EQ(KERN_INVALID_TASK, mach_port_space_basic_info(tname, &basic));
	EXPECT_EQ(KERN_INVALID_TASK, mach_port_space_basic_info(mach_host_self(), &basic));
	EXPECT_EQ(KERN_NOT_SUPPORTED, reset_link(tname, tname));
}

TEST_HARNESS_MAIN
