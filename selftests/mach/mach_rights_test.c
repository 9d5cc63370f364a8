// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Rights moving between processes in messages: every disposition in the
 * header and in descriptors, what the receiver gets and what the sender
 * keeps, that the moved rights work, and the sends XNU refuses.
 *
 * The peer is an agent process: it receives on its own port, forwards each
 * message it gets to our control port as inline bytes (so we see its names
 * and bits), and on AGENT_USE sends a ping through every send right of the
 * previous message and drains every receive right it brought. We look into
 * its space through its task port (task_for_pid).
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dserver/rpc.h>

#include "kselftest_harness.h"
#include "mach_test_util.h"
#include "raw_client.h"

enum { AGENT_KEEP = 100, AGENT_USE, AGENT_QUIT, AGENT_REPORT, AGENT_DONE, AGENT_PING };

#define BITS(remote, local) MACH_MSGH_BITS(MACH_MSG_TYPE_##remote, MACH_MSG_TYPE_##local)
#define COPY_SEND_BITS MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0)

/* A received message and its trailer, forwarded as bytes, with the contents of its OOL port arrays after it. */
struct report {
	mach_msg_header_t header;
	uint32_t size;
	uint8_t bytes[2048];
};

static struct test_server server;

/* ---- the agent (child side) ---- */

static void forward(mach_port_t ctl, const mt_buffer_t *buf)
{
	struct report r = { .header = { .msgh_bits = COPY_SEND_BITS, .msgh_remote_port = ctl, .msgh_id = AGENT_REPORT } };
	uint32_t size = buf->header.msgh_size + mt_trailer(buf)->msgh_trailer_size;

	memcpy(r.bytes, buf->bytes, size);
	if (buf->header.msgh_bits & MACH_MSGH_BITS_COMPLEX) {
		const mach_msg_body_t *body = (const void *)(buf->bytes + sizeof(mach_msg_header_t));
		const mach_msg_descriptor_t *d = (const void *)(body + 1);

		for (uint32_t i = 0; i < body->msgh_descriptor_count; i++, d = (const void *)((const uint8_t *)d +
			     (d->type.type == MACH_MSG_PORT_DESCRIPTOR ? 12 : 16))) {
			if (d->type.type == MACH_MSG_OOL_PORTS_DESCRIPTOR && d->ool_ports.count <= 16) {
				memcpy(r.bytes + size, d->ool_ports.address, d->ool_ports.count * 4);
				size += d->ool_ports.count * 4;
			}
		}
	}
	r.size = size;
	mach_msg(&r.header, MACH_SEND_MSG, sizeof(r.header) + 4 + ((size + 3) & ~3u), 0, MACH_PORT_NULL, 0,
		 MACH_PORT_NULL);
}

/* Ping through a send or send-once right; drain a receive right into reports. */
static void use_right(mach_port_t ctl, mach_port_name_t name, mach_msg_type_name_t type)
{
	mt_buffer_t buf;

	if (!MACH_PORT_VALID(name))
		return;
	if (type == MACH_MSG_TYPE_PORT_SEND)
		mt_send(name, COPY_SEND_BITS, MACH_PORT_NULL, AGENT_PING, name, 0, 0);
	else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE)
		mt_send(name, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), MACH_PORT_NULL, AGENT_PING, name, 0, 0);
	else if (type == MACH_MSG_TYPE_PORT_RECEIVE)
		while (mt_receive(name, &buf, MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_SEQNO), 0) == MACH_MSG_SUCCESS)
			forward(ctl, &buf);
}

static void use_rights(mach_port_t ctl, const mt_buffer_t *last)
{
	use_right(ctl, last->header.msgh_remote_port, MACH_MSGH_BITS_REMOTE(last->header.msgh_bits));
	if (!(last->header.msgh_bits & MACH_MSGH_BITS_COMPLEX))
		return;
	const mach_msg_body_t *body = (const void *)(last->bytes + sizeof(mach_msg_header_t));
	const mach_msg_descriptor_t *d = (const void *)(body + 1);

	for (uint32_t i = 0; i < body->msgh_descriptor_count; i++) {
		if (d->type.type == MACH_MSG_PORT_DESCRIPTOR) {
			use_right(ctl, d->port.name, d->port.disposition);
			d = (const void *)((const uint8_t *)d + 12);
			continue;
		}
		if (d->type.type == MACH_MSG_OOL_PORTS_DESCRIPTOR) {
			for (uint32_t j = 0; j < d->ool_ports.count; j++)
				use_right(ctl, ((const mach_port_name_t *)d->ool_ports.address)[j], d->ool_ports.disposition);
		}
		d = (const void *)((const uint8_t *)d + 16);
	}
}

static __attribute__((noreturn)) void agent_main(pid_t parent, mach_port_name_t ctl_name, int fd)
{
	mach_port_t ctl = mt_right_from(parent, ctl_name, MACH_MSG_TYPE_MAKE_SEND), in = mt_port(0);
	mt_buffer_t buf, last;
	mach_port_limits_t limits = { .mpl_qlimit = MACH_PORT_QLIMIT_MAX };

	memset(&last, 0, sizeof(last));
	if (ctl == MACH_PORT_NULL || in == MACH_PORT_NULL ||
	    mach_port_set_attributes(mach_task_self(), in, MACH_PORT_LIMITS_INFO, (mach_port_info_t)&limits,
				     MACH_PORT_LIMITS_INFO_COUNT) != KERN_SUCCESS ||
	    write(fd, &in, sizeof(in)) != sizeof(in))
		_exit(1);
	for (;;) {
		if (mt_receive(in, &buf, 0, 20000) != MACH_MSG_SUCCESS)
			_exit(2);
		if (buf.header.msgh_id == AGENT_QUIT)
			_exit(0);
		if (buf.header.msgh_id == AGENT_USE) {
			use_rights(ctl, &last);
		} else {
			forward(ctl, &buf);
			last = buf;
		}
		mt_send(ctl, COPY_SEND_BITS, MACH_PORT_NULL, AGENT_DONE, 0, 0, 0);
	}
}

/* ---- our side ---- */

FIXTURE(rights) {
	mach_port_t ctl;     /* reports from the agent */
	pid_t agent;
	mach_port_t atask;   /* the agent's task port */
	mach_port_t in;      /* a send right to the agent's port */
	mach_port_name_t agent_in; /* its name there */
};

FIXTURE_SETUP(rights)
{
	int fds[2];

	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	self->ctl = mt_port(0);
	ASSERT_NE(MACH_PORT_NULL, self->ctl);
	ASSERT_EQ(0, pipe(fds));
	self->agent = fork();
	ASSERT_LE(0, self->agent);
	if (self->agent == 0)
		agent_main(getppid(), self->ctl, fds[1]);
	close(fds[1]);
	ASSERT_EQ(sizeof(self->agent_in), read(fds[0], &self->agent_in, sizeof(self->agent_in)));
	close(fds[0]);
	ASSERT_EQ(KERN_SUCCESS, task_for_pid(mach_task_self(), self->agent, &self->atask));
	mach_msg_type_name_t type;

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(self->atask, self->agent_in, MACH_MSG_TYPE_MAKE_SEND,
							&self->in, &type));
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND, type);
}

FIXTURE_TEARDOWN(rights)
{
	if (self->agent > 0) {
		if (mt_send(self->in, COPY_SEND_BITS, MACH_PORT_NULL, AGENT_QUIT, 0, MACH_SEND_TIMEOUT, 1000) != 0)
			kill(self->agent, SIGKILL);
		EXPECT_EQ(0, mt_wait(self->agent));
	}
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

/* Wait for the agent's next report (into *got, if not NULL) or AGENT_DONE; returns the id. */
static mach_msg_id_t next_report(struct __test_metadata *_metadata, mach_port_t ctl, mt_buffer_t *got)
{
	mt_buffer_t buf;

	if (mt_receive(ctl, &buf, 0, 10000) != MACH_MSG_SUCCESS) {
		EXPECT_TRUE(false) TH_LOG("no word from the agent");
		return -1;
	}
	if (buf.header.msgh_id == AGENT_REPORT && got) {
		const struct report *r = (const void *)buf.bytes;

		memset(got, 0, sizeof(*got));
		memcpy(got->bytes, r->bytes, r->size);
	}
	return buf.header.msgh_id;
}

/* Send msg to the agent and return what it received (names in its space). */
static void agent_exchange(struct __test_metadata *_metadata, FIXTURE_DATA(rights) *self, void *msg,
			   mach_msg_size_t size, mt_buffer_t *got)
{
	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(msg, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
	ASSERT_EQ(AGENT_REPORT, next_report(_metadata, self->ctl, got));
	ASSERT_EQ(AGENT_DONE, next_report(_metadata, self->ctl, NULL));
}

/* Ask the agent to use the rights it got last; drained messages come back in drained[]. */
static int agent_use(struct __test_metadata *_metadata, FIXTURE_DATA(rights) *self, mt_buffer_t *drained, int max)
{
	int n = 0;
	mach_msg_id_t id;

	EXPECT_EQ(MACH_MSG_SUCCESS, mt_send(self->in, COPY_SEND_BITS, MACH_PORT_NULL, AGENT_USE, 0, 0, 0));
	while ((id = next_report(_metadata, self->ctl, n < max ? &drained[n] : NULL)) == AGENT_REPORT)
		n++;
	EXPECT_EQ(AGENT_DONE, id);
	return n;
}

/* A ping from the agent through one of our ports: it names the right it used. */
static void expect_ping(struct __test_metadata *_metadata, mach_port_t port, mach_msg_type_name_t local)
{
	mt_buffer_t buf;

	ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(port, &buf, 0, 5000));
	EXPECT_EQ(AGENT_PING, buf.header.msgh_id);
	EXPECT_EQ(local, MACH_MSGH_BITS_LOCAL(buf.header.msgh_bits));
}

/* The sequence number in the drained message's trailer: the port counts on in its new space. */
static mach_port_seqno_t mach_msg_seqno_of(const mt_buffer_t *buf)
{
	return mt_trailer(buf)->msgh_seqno;
}

struct six_ports {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_port_descriptor_t port[6];
};

static const mach_msg_port_descriptor_t *descriptors(const mt_buffer_t *buf)
{
	return (const void *)(buf->bytes + sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t));
}

TEST_F(rights, every_disposition_in_port_descriptors)
{
	mach_port_t task = mach_task_self(), moved = mt_port(1), kept = mt_port(1), once_port = mt_port(0),
		    copied = mt_port(1), made = mt_port(0), made_once = mt_port(0), once;
	mach_msg_type_name_t type;
	mt_buffer_t got, drained[4];

	/* Two messages wait on the receive right that will move; a second uref to move one of. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(moved, COPY_SEND_BITS, MACH_PORT_NULL, 1, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(moved, COPY_SEND_BITS, MACH_PORT_NULL, 2, 0, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, kept, MACH_PORT_RIGHT_SEND, 1));
	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, once_port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &once, &type));
	static const mach_msg_type_name_t sent[6] = { MACH_MSG_TYPE_MOVE_RECEIVE, MACH_MSG_TYPE_MOVE_SEND,
						      MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_MSG_TYPE_COPY_SEND,
						      MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE };
	static const mach_msg_type_name_t arrive[6] = { MACH_MSG_TYPE_PORT_RECEIVE, MACH_MSG_TYPE_PORT_SEND,
							MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND,
							MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE };
	static const mach_port_type_t types[6] = { MACH_PORT_TYPE_RECEIVE, MACH_PORT_TYPE_SEND,
						   MACH_PORT_TYPE_SEND_ONCE, MACH_PORT_TYPE_SEND,
						   MACH_PORT_TYPE_SEND, MACH_PORT_TYPE_SEND_ONCE };
	const mach_port_t names[6] = { moved, kept, once, copied, made, made_once };
	struct six_ports m = { .header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX,
					   .msgh_remote_port = self->in, .msgh_id = AGENT_KEEP },
			       .body = { 6 } };

	for (int i = 0; i < 6; i++)
		m.port[i] = (mach_msg_port_descriptor_t){ .name = names[i], .disposition = sent[i],
							  .type = MACH_MSG_PORT_DESCRIPTOR };
	agent_exchange(_metadata, self, &m, sizeof(m), &got);

	/* What the agent got: the copied-in types, each a right in its space. */
	mach_port_name_t theirs[6];

	EXPECT_EQ(sizeof(m), got.header.msgh_size);
	for (int i = 0; i < 6; i++) {
		const mach_msg_port_descriptor_t *d = &descriptors(&got)[i];

		theirs[i] = d->name;
		EXPECT_EQ(MACH_MSG_PORT_DESCRIPTOR, (int)d->type);
		EXPECT_EQ(arrive[i], (mach_msg_type_name_t)d->disposition) TH_LOG("descriptor %d", i);
		EXPECT_EQ(types[i], mt_type(self->atask, d->name, NULL)) TH_LOG("descriptor %d", i);
		EXPECT_EQ(1, mt_refs(self->atask, d->name, i == 0 ? MACH_PORT_RIGHT_RECEIVE :
						   arrive[i] == MACH_MSG_TYPE_PORT_SEND ? MACH_PORT_RIGHT_SEND :
											  MACH_PORT_RIGHT_SEND_ONCE));
	}
	/* What we kept (ipc_right.c: ipc_right_copyin). */
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(task, moved, NULL)); /* the receive right left, the send stays */
	EXPECT_EQ(1, mt_refs(task, kept, MACH_PORT_RIGHT_SEND));
	kern_return_t kr;

	EXPECT_EQ(0, mt_type(task, once, &kr));
	EXPECT_EQ(KERN_INVALID_NAME, kr);
	EXPECT_EQ(1, mt_refs(task, copied, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(task, made, NULL));
	EXPECT_EQ(1, mt_status(task, made).mps_mscount);
	EXPECT_EQ(1, mt_status(task, made_once).mps_sorights);
	/* The moved receive right starts afresh with its queue (ipc_port_clear_receiver). */
	mach_port_status_t st = mt_status(self->atask, theirs[0]);

	EXPECT_EQ(2, st.mps_msgcount);
	EXPECT_EQ(0, st.mps_mscount);
	EXPECT_EQ(0, st.mps_seqno);
	EXPECT_TRUE(st.mps_srights);

	/* The rights work: pings through the sends, the queued messages drained where the right went. */
	ASSERT_EQ(2, agent_use(_metadata, self, drained, 4));
	EXPECT_EQ(1, drained[0].header.msgh_id);
	EXPECT_EQ(2, drained[1].header.msgh_id);
	EXPECT_EQ(theirs[0], drained[0].header.msgh_local_port);
	EXPECT_EQ(0, mach_msg_seqno_of(&drained[0]));
	EXPECT_EQ(1, mach_msg_seqno_of(&drained[1]));
	expect_ping(_metadata, kept, MACH_MSG_TYPE_PORT_SEND);
	expect_ping(_metadata, once_port, MACH_MSG_TYPE_PORT_SEND_ONCE);
	expect_ping(_metadata, copied, MACH_MSG_TYPE_PORT_SEND);
	expect_ping(_metadata, made, MACH_MSG_TYPE_PORT_SEND);
	expect_ping(_metadata, made_once, MACH_MSG_TYPE_PORT_SEND_ONCE);
	/* A send-once right is used up by its one message. */
	EXPECT_EQ(0, mt_type(self->atask, theirs[2], &kr));
	EXPECT_EQ(KERN_INVALID_NAME, kr);
	EXPECT_EQ(0, mt_type(self->atask, theirs[5], &kr));
	EXPECT_EQ(KERN_INVALID_NAME, kr);
	EXPECT_EQ(0, mt_status(task, made_once).mps_sorights);

	/* Our send right to the moved port now reaches the agent's queue. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(moved, COPY_SEND_BITS, MACH_PORT_NULL, 3, 0, 0, 0));
	EXPECT_EQ(1, mt_status(self->atask, theirs[0]).mps_msgcount);
	/* Received there (a queued message holds a send right of its own, so it goes first). */
	ASSERT_EQ(1, agent_use(_metadata, self, drained, 4));
	EXPECT_EQ(3, drained[0].header.msgh_id);
	EXPECT_EQ(2, mach_msg_seqno_of(&drained[0]));
	/* No-senders on the moved right, asked of the agent's space: our send right is the last. */
	mach_port_t notify = mt_port(0), previous = 1;
	mt_buffer_t note;

	ASSERT_EQ(KERN_SUCCESS, mach_port_request_notification(self->atask, theirs[0], MACH_NOTIFY_NO_SENDERS, 0,
								 notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
	EXPECT_EQ(MACH_PORT_NULL, previous);
	EXPECT_EQ(MACH_RCV_TIMED_OUT, mt_receive(notify, &note, 0, 0));
	ASSERT_EQ(KERN_SUCCESS, mach_port_deallocate(task, moved));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(notify, &note, 0, 5000));
	EXPECT_EQ(MACH_NOTIFY_NO_SENDERS, note.header.msgh_id);
	EXPECT_EQ(0, ((const mach_no_senders_notification_t *)note.bytes)->not_count); /* the mscount since it moved */

}

/* The reply (local) right in the header, each send disposition; the agent pings back through it. */
TEST_F(rights, every_disposition_in_the_reply_field)
{
	mach_port_t task = mach_task_self();
	static const mach_msg_type_name_t sent[5] = { MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE,
						      MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND,
						      MACH_MSG_TYPE_MAKE_SEND_ONCE };
	mt_buffer_t got, none[1];

	for (int i = 0; i < 5; i++) {
		mach_port_t port = mt_port(sent[i] == MACH_MSG_TYPE_MOVE_SEND || sent[i] == MACH_MSG_TYPE_COPY_SEND),
			    reply = port;
		mach_msg_type_name_t type, arrive = sent[i] == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
						    sent[i] == MACH_MSG_TYPE_MAKE_SEND_ONCE ?
							    MACH_MSG_TYPE_PORT_SEND_ONCE : MACH_MSG_TYPE_PORT_SEND;

		if (sent[i] == MACH_MSG_TYPE_MOVE_SEND_ONCE)
			ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(task, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &reply,
									&type));
		mt_simple_msg_t m = { .header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, sent[i]),
						  .msgh_size = sizeof(m), .msgh_remote_port = self->in,
						  .msgh_local_port = reply, .msgh_id = AGENT_KEEP } };

		agent_exchange(_metadata, self, &m, sizeof(m), &got);
		/* The receiver's header: remote = its name for our reply right, local = its own port. */
		EXPECT_EQ(MACH_MSGH_BITS(arrive, MACH_MSG_TYPE_PORT_SEND), got.header.msgh_bits) TH_LOG("case %d", i);
		EXPECT_EQ(self->agent_in, got.header.msgh_local_port);
		EXPECT_EQ(arrive == MACH_MSG_TYPE_PORT_SEND ? MACH_PORT_TYPE_SEND : MACH_PORT_TYPE_SEND_ONCE,
			  mt_type(self->atask, got.header.msgh_remote_port, NULL));
		/* A moved send right was our only uref: the name is gone (the receive right stays). */
		if (sent[i] == MACH_MSG_TYPE_MOVE_SEND)
			EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(task, port, NULL));
		if (sent[i] == MACH_MSG_TYPE_COPY_SEND)
			EXPECT_EQ(1, mt_refs(task, port, MACH_PORT_RIGHT_SEND));
		EXPECT_EQ(0, agent_use(_metadata, self, none, 1));
		expect_ping(_metadata, port, arrive);
	}
	/* A receive right cannot travel in the header (ipc_kmsg_copyin_header). */
	mach_port_t port = mt_port(0);

	EXPECT_EQ(MACH_SEND_INVALID_HEADER, mt_send(self->in, BITS(COPY_SEND, MOVE_RECEIVE), port, 1, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER, mt_send(port, MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE, 0), MACH_PORT_NULL, 1, 0, 0, 0));
	EXPECT_EQ(MACH_SEND_INVALID_HEADER, mt_send(self->in, MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), port, 1, 0, 0, 0));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(task, port, NULL));
}

/* The destination right: moved, copied or made; the receiver sees its copied-in type as local. */
TEST_F(rights, every_disposition_of_the_destination)
{
	mach_port_t task = mach_task_self(), once, own = mt_port(0);
	mach_msg_type_name_t type;
	mt_buffer_t got;

	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(task, self->in, MACH_PORT_RIGHT_SEND, 1));
	mt_simple_msg_t m = { .header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND, 0), .msgh_size = sizeof(m),
					  .msgh_remote_port = self->in, .msgh_id = AGENT_KEEP } };

	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND), got.header.msgh_bits);
	EXPECT_EQ(1, mt_refs(task, self->in, MACH_PORT_RIGHT_SEND));

	ASSERT_EQ(KERN_SUCCESS, mach_port_extract_right(self->atask, self->agent_in, MACH_MSG_TYPE_MAKE_SEND_ONCE,
							&once, &type));
	m.header = (mach_msg_header_t){ .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0), .msgh_remote_port = once,
					.msgh_id = AGENT_KEEP };
	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE), got.header.msgh_bits);
	kern_return_t kr;

	EXPECT_EQ(0, mt_type(task, once, &kr));
	EXPECT_EQ(KERN_INVALID_NAME, kr);

	/* Making a right needs the receive right: to our own port. */
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(own, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL, 1, 0, 0, 0));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(own, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0), MACH_PORT_NULL, 2, 0, 0, 0));
	EXPECT_EQ(1, mt_status(task, own).mps_mscount);
	EXPECT_EQ(1, mt_status(task, own).mps_sorights);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(own, &got, 0, 1000));
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND), got.header.msgh_bits);
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(own, &got, 0, 1000));
	EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND_ONCE), got.header.msgh_bits);
	EXPECT_EQ(0, mt_status(task, own).mps_sorights);
}

struct ool_ports_msg {
	mach_msg_header_t header;
	mach_msg_body_t body;
	mach_msg_ool_ports_descriptor_t ports[3];
};

static const mach_msg_ool_ports_descriptor_t *ool_ports(const mt_buffer_t *buf)
{
	return (const void *)(buf->bytes + sizeof(mach_msg_header_t) + sizeof(mach_msg_body_t));
}

/* The names of the i-th array, appended by the agent after the message and its trailer. */
static const mach_port_name_t *array_names(const mt_buffer_t *buf, uint32_t skip)
{
	return (const void *)(buf->bytes + buf->header.msgh_size + mt_trailer(buf)->msgh_trailer_size + 4 * skip);
}

/*
 * Out-of-line port arrays (ipc_kmsg_copyin_ool_ports_descriptor): one
 * disposition for all, null and dead names pass through, the same send
 * right twice coalesces into one name with two urefs, send-once rights get
 * a name each; a deallocated array leaves the sender.
 */
TEST_F(rights, out_of_line_port_arrays)
{
	mach_port_t task = mach_task_self(), sendp = mt_port(1), oncep = mt_port(0), recv = mt_port(0);
	mach_port_t *send_names = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mach_port_t once_names[2] = { oncep, oncep }, recv_names[1] = { recv };
	mt_buffer_t got, drained[2];

	ASSERT_NE(MAP_FAILED, send_names);
	memcpy(send_names, (mach_port_t[4]){ sendp, MACH_PORT_NULL, MACH_PORT_DEAD, sendp }, 4 * sizeof(mach_port_t));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(recv, MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), MACH_PORT_NULL, 9, 0, 0, 0));
	struct ool_ports_msg m = {
		.header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX, .msgh_remote_port = self->in,
			    .msgh_id = AGENT_KEEP },
		.body = { 3 },
		.ports = { { .address = send_names, .count = 4, .deallocate = TRUE, .disposition = MACH_MSG_TYPE_COPY_SEND,
			     .type = MACH_MSG_OOL_PORTS_DESCRIPTOR },
			   { .address = once_names, .count = 2, .disposition = MACH_MSG_TYPE_MAKE_SEND_ONCE,
			     .type = MACH_MSG_OOL_PORTS_DESCRIPTOR },
			   { .address = recv_names, .count = 1, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE,
			     .type = MACH_MSG_OOL_PORTS_DESCRIPTOR } } };

	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	/* Our array went with the message; the copied right stays ours. */
	EXPECT_EQ(-1, msync(send_names, 4096, MS_ASYNC));
	EXPECT_EQ(1, mt_refs(task, sendp, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(2, mt_status(task, oncep).mps_sorights);
	EXPECT_EQ(0, mt_type(task, recv, NULL));

	static const mach_msg_type_name_t arrive[3] = { MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE,
							MACH_MSG_TYPE_PORT_RECEIVE };
	static const uint32_t counts[3] = { 4, 2, 1 };

	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(MACH_MSG_OOL_PORTS_DESCRIPTOR, (int)ool_ports(&got)[i].type);
		EXPECT_EQ(arrive[i], (mach_msg_type_name_t)ool_ports(&got)[i].disposition);
		EXPECT_EQ(counts[i], ool_ports(&got)[i].count);
		EXPECT_EQ(TRUE, (int)ool_ports(&got)[i].deallocate); /* the receiver owns the array */
	}
	const mach_port_name_t *a = array_names(&got, 0), *b = array_names(&got, 4), *c = array_names(&got, 6);

	EXPECT_TRUE(MACH_PORT_VALID(a[0]));
	EXPECT_EQ(MACH_PORT_NULL, a[1]);
	EXPECT_EQ(MACH_PORT_DEAD, a[2]);
	EXPECT_EQ(a[0], a[3]);
	EXPECT_EQ(2, mt_refs(self->atask, a[0], MACH_PORT_RIGHT_SEND));
	EXPECT_NE(b[0], b[1]);
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(self->atask, b[0], NULL));
	EXPECT_EQ(MACH_PORT_TYPE_SEND_ONCE, mt_type(self->atask, b[1], NULL));
	EXPECT_EQ(MACH_PORT_TYPE_RECEIVE, mt_type(self->atask, c[0], NULL));

	ASSERT_EQ(1, agent_use(_metadata, self, drained, 2));
	EXPECT_EQ(9, drained[0].header.msgh_id);
	for (int i = 0; i < 2; i++)
		expect_ping(_metadata, sendp, MACH_MSG_TYPE_PORT_SEND);
	for (int i = 0; i < 2; i++)
		expect_ping(_metadata, oncep, MACH_MSG_TYPE_PORT_SEND_ONCE);
}

/* Copy-out merges send rights into the name the receiver already has (ipc_right.c: ipc_right_copyout). */
TEST_F(rights, the_same_right_received_again_shares_one_name)
{
	mach_port_t port = mt_port(1);
	mt_buffer_t got;
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
	} m = { .header = { .msgh_bits = BITS(COPY_SEND, MAKE_SEND) | MACH_MSGH_BITS_COMPLEX,
			    .msgh_remote_port = self->in, .msgh_local_port = port, .msgh_id = AGENT_KEEP },
		.body = { 1 },
		.port = { .name = port, .disposition = MACH_MSG_TYPE_COPY_SEND, .type = MACH_MSG_PORT_DESCRIPTOR } };

	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	mach_port_name_t name = got.header.msgh_remote_port;

	EXPECT_EQ(name, descriptors(&got)[0].name);
	EXPECT_EQ(2, mt_refs(self->atask, name, MACH_PORT_RIGHT_SEND));
	m.header.msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX;
	m.header.msgh_local_port = MACH_PORT_NULL;
	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	EXPECT_EQ(name, descriptors(&got)[0].name);
	EXPECT_EQ(3, mt_refs(self->atask, name, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(MACH_PORT_TYPE_SEND, mt_type(self->atask, name, NULL));

	/* The receive right arriving where a send right is: one name, both rights. */
	m.port.disposition = MACH_MSG_TYPE_MOVE_RECEIVE;
	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	EXPECT_EQ(name, descriptors(&got)[0].name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, mt_type(self->atask, name, NULL));
	EXPECT_EQ(3, mt_refs(self->atask, name, MACH_PORT_RIGHT_SEND));
	/* And a send right to the agent's own port arrives under its receive right's name. */
	m.port = (mach_msg_port_descriptor_t){ .name = self->in, .disposition = MACH_MSG_TYPE_COPY_SEND,
					       .type = MACH_MSG_PORT_DESCRIPTOR };
	agent_exchange(_metadata, self, &m, sizeof(m), &got);
	EXPECT_EQ(self->agent_in, descriptors(&got)[0].name);
	EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, mt_type(self->atask, self->agent_in, NULL));
}

/* A receiver that dies leaves our send right a dead name, urefs kept (ipc_right_check). */
TEST_F(rights, the_senders_name_turns_dead_when_the_receiver_dies)
{
	mt_buffer_t got;

	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), self->in, MACH_PORT_RIGHT_SEND, 2));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_send(self->in, COPY_SEND_BITS, MACH_PORT_NULL, AGENT_QUIT, 0, 0, 0));
	EXPECT_EQ(0, mt_wait(self->agent));
	/* The server learns of the exit asynchronously. */
	for (int64_t end = mt_now_ms() + 10000;
	     mt_type(mach_task_self(), self->in, NULL) != MACH_PORT_TYPE_DEAD_NAME && mt_now_ms() < end;)
		usleep(2000);
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(mach_task_self(), self->in, NULL));
	EXPECT_EQ(3, mt_refs(mach_task_self(), self->in, MACH_PORT_RIGHT_DEAD_NAME));
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mt_send(self->in, COPY_SEND_BITS, MACH_PORT_NULL, 1, 0, 0, 0));
	/* A dead name travels as MACH_PORT_DEAD in a descriptor; a move takes one uref. */
	mach_port_t own = mt_port(1);
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
	} m = { .header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX, .msgh_remote_port = own },
		.body = { 1 },
		.port = { .name = self->in, .disposition = MACH_MSG_TYPE_MOVE_SEND, .type = MACH_MSG_PORT_DESCRIPTOR } };

	ASSERT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
	ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(own, &got, 0, 1000));
	EXPECT_EQ(MACH_PORT_DEAD, descriptors(&got)[0].name);
	EXPECT_EQ(2, mt_refs(mach_task_self(), self->in, MACH_PORT_RIGHT_DEAD_NAME));
	self->agent = -1;
}

/*
 * Sends XNU refuses, and what the sender keeps. Header checks come first
 * and take nothing (ipc_kmsg_copyin_header); descriptor shapes are checked
 * before any right moves (MACH_SEND_INVALID_TYPE); a descriptor right the
 * sender lacks is MACH_SEND_INVALID_RIGHT; a bad array is
 * MACH_SEND_INVALID_MEMORY (ipc_kmsg_copyin_ool_ports_descriptor).
 */
TEST_F(rights, invalid_sends)
{
	mach_port_t task = mach_task_self(), port = mt_port(1), recv_only = mt_port(0), missing = 0x7777703;
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
	} m;
	static const struct {
		mach_msg_bits_t bits;
		int dest, reply;            /* 0 port, 1 recv_only, 2 missing, 3 none */
		mach_port_name_t desc_name; /* 0: port, 1: recv_only, 2: missing, 4: a send right only */
		uint8_t disposition, type;
		mach_msg_return_t expect;
	} cases[] = {
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 2, 3, 0, MACH_MSG_TYPE_COPY_SEND, 0, MACH_SEND_INVALID_DEST },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 1, 3, 0, MACH_MSG_TYPE_COPY_SEND, 0, MACH_SEND_INVALID_DEST },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 3, 3, 0, MACH_MSG_TYPE_COPY_SEND, 0, MACH_SEND_INVALID_DEST },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND), 0, 1, 0, MACH_MSG_TYPE_COPY_SEND, 0,
		  MACH_SEND_INVALID_REPLY },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MOVE_SEND_ONCE), 0, 2, 0, MACH_MSG_TYPE_COPY_SEND,
		  0, MACH_SEND_INVALID_REPLY },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 2, MACH_MSG_TYPE_MOVE_SEND, 0, MACH_SEND_INVALID_RIGHT },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 1, MACH_MSG_TYPE_COPY_SEND, 0, MACH_SEND_INVALID_RIGHT },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 4, MACH_MSG_TYPE_MAKE_SEND, 0, MACH_SEND_INVALID_RIGHT },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 0, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0,
		  MACH_SEND_INVALID_RIGHT },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 0, MACH_MSG_TYPE_PORT_NAME, 0, MACH_SEND_INVALID_TYPE },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 0, 24 /* DISPOSE_RECEIVE */, 0, MACH_SEND_INVALID_TYPE },
		{ MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0, 3, 0, MACH_MSG_TYPE_COPY_SEND, 9, MACH_SEND_INVALID_TYPE },
	};
	const mach_port_t names[5] = { port, recv_only, missing, MACH_PORT_NULL, self->in };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.header = (mach_msg_header_t){ .msgh_bits = cases[i].bits | MACH_MSGH_BITS_COMPLEX,
						.msgh_remote_port = names[cases[i].dest],
						.msgh_local_port = names[cases[i].reply] };
		m.body.msgh_descriptor_count = 1;
		m.port = (mach_msg_port_descriptor_t){ .name = names[cases[i].desc_name],
						       .disposition = cases[i].disposition, .type = cases[i].type };
		EXPECT_EQ(cases[i].expect, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0,
						    MACH_PORT_NULL)) TH_LOG("case %zu", i);
		/* Nothing was taken. */
		EXPECT_EQ(MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE, mt_type(task, port, NULL));
		EXPECT_EQ(1, mt_refs(task, port, MACH_PORT_RIGHT_SEND));
		EXPECT_EQ(0, mt_status(task, port).mps_msgcount);
	}

	/* An out-of-line array the server cannot read. */
	struct ool_ports_msg o = { .header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX,
					       .msgh_remote_port = port },
				   .body = { 1 },
				   .ports = { { .address = (void *)8, .count = 4, .disposition = MACH_MSG_TYPE_COPY_SEND,
						.type = MACH_MSG_OOL_PORTS_DESCRIPTOR } } };

	EXPECT_EQ(MACH_SEND_INVALID_MEMORY, mach_msg(&o.header, MACH_SEND_MSG,
						     sizeof(o) - 2 * sizeof(o.ports[0]), 0, MACH_PORT_NULL, 0,
						     MACH_PORT_NULL));
	/* A right the sender lacks, in an array. */
	mach_port_t bad[2] = { port, missing };

	o.ports[0].address = bad;
	o.ports[0].count = 2;
	EXPECT_EQ(MACH_SEND_INVALID_RIGHT, mach_msg(&o.header, MACH_SEND_MSG, sizeof(o) - 2 * sizeof(o.ports[0]), 0,
						    MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(1, mt_refs(task, port, MACH_PORT_RIGHT_SEND));
	EXPECT_EQ(0, mt_status(task, port).mps_msgcount);
}

/*
 * A receive right sent through its own port would be queued on itself:
 * ipc_kmsg_send destroys such a message and reports success; the port dies
 * with it and our send right becomes a dead name.
 */
TEST_F(rights, a_receive_right_sent_to_itself_dies)
{
	mach_port_t port = mt_port(1);
	struct {
		mach_msg_header_t header;
		mach_msg_body_t body;
		mach_msg_port_descriptor_t port;
	} m = { .header = { .msgh_bits = COPY_SEND_BITS | MACH_MSGH_BITS_COMPLEX, .msgh_remote_port = port },
		.body = { 1 },
		.port = { .name = port, .disposition = MACH_MSG_TYPE_MOVE_RECEIVE, .type = MACH_MSG_PORT_DESCRIPTOR } };

	EXPECT_EQ(MACH_MSG_SUCCESS, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0, MACH_PORT_NULL));
	EXPECT_EQ(MACH_PORT_TYPE_DEAD_NAME, mt_type(mach_task_self(), port, NULL));
}

/*
 * The voucher field (ipc_kmsg_copyin_header): only MOVE_SEND or COPY_SEND
 * of a voucher port, checked after the destination; anything else is
 * MACH_SEND_INVALID_VOUCHER. With no voucher disposition the field is
 * ignored and the receiver sees no voucher.
 */
TEST_F(rights, the_voucher_field)
{
	mach_port_t port = mt_port(1);
	mt_buffer_t got;
	mt_simple_msg_t m = { .header = { .msgh_size = sizeof(m), .msgh_remote_port = port } };
	static const struct {
		mach_msg_type_name_t type;
		int name; /* 0 the port, 1 dead, 2 null */
		mach_msg_return_t expect;
	} cases[] = {
		{ MACH_MSG_TYPE_COPY_SEND, 0, MACH_SEND_INVALID_VOUCHER },
		{ MACH_MSG_TYPE_MOVE_SEND, 0, MACH_SEND_INVALID_VOUCHER },
		{ MACH_MSG_TYPE_MAKE_SEND, 0, MACH_SEND_INVALID_VOUCHER },
		{ MACH_MSG_TYPE_MOVE_SEND_ONCE, 2, MACH_SEND_INVALID_VOUCHER },
		{ MACH_MSG_TYPE_COPY_SEND, 1, MACH_SEND_INVALID_VOUCHER },
		{ MACH_MSG_TYPE_COPY_SEND, 2, MACH_MSG_SUCCESS },
		{ 0, 0, MACH_MSG_SUCCESS },
	};
	const mach_port_t names[3] = { port, MACH_PORT_DEAD, MACH_PORT_NULL };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, cases[i].type, 0);
		m.header.msgh_remote_port = port;
		m.header.msgh_voucher_port = names[cases[i].name];
		EXPECT_EQ(cases[i].expect, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0,
						    MACH_PORT_NULL)) TH_LOG("case %zu", i);
		if (cases[i].expect == MACH_MSG_SUCCESS) {
			ASSERT_EQ(MACH_MSG_SUCCESS, mt_receive(port, &got, 0, 1000));
			EXPECT_EQ(MACH_PORT_NULL, got.header.msgh_voucher_port);
			EXPECT_EQ(MACH_MSGH_BITS(0, MACH_MSG_TYPE_PORT_SEND), got.header.msgh_bits);
		}
	}
	/* The destination is checked first. */
	m.header.msgh_bits = MACH_MSGH_BITS_SET(MACH_MSG_TYPE_COPY_SEND, 0, MACH_MSG_TYPE_MAKE_SEND, 0);
	m.header.msgh_remote_port = MACH_PORT_NULL;
	EXPECT_EQ(MACH_SEND_INVALID_DEST, mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0,
						   MACH_PORT_NULL));
	EXPECT_EQ(1, mt_refs(mach_task_self(), port, MACH_PORT_RIGHT_SEND));
}

TEST_HARNESS_MAIN
