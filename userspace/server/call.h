/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A call in flight: the request as received, the reply being built, and the
 * fiber that runs the handler. Handlers fill call->reply and return; the
 * dispatcher sends the reply, with call->reply_fd if one was set.
 */
#ifndef DSERVER_CALL_H
#define DSERVER_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include <dserver/protocol_gen.h>

#include "call_table.h"
#include "copy_window.h"
#include "process.h"
#include "transport.h"

struct call {
	const struct call_info *info;
	struct thread *thread;     /* NULL for unmanaged calls */
	struct process *process;   /* NULL for unmanaged calls */
	struct fiber *fiber;
	struct call *next_waiter;  /* on a wait list (e.g. fork_wait) */
	struct ucred cred;
	struct peer_address reply_to;
	uint64_t received_ns;
	int in_fd;                 /* descriptor the request carried, or -1; owned by the call */
	int reply_fd;              /* descriptor to send with the reply, or -1; owned by the call */
	bool end_thread;           /* forget the thread once the reply is queued (checkout) */
	uint16_t request_size;     /* as received, up to the call's size and tail */
	uint16_t reply_size;       /* what call_complete sends: the call's size, plus a tail if any */
	/* Client memory carried by this call's datagrams (mach_msg_inline, §11). */
	struct copy_window in, out;
	/* Runs just before the reply is sent, e.g. to append the out window; may be NULL. */
	void (*before_reply)(struct call *call);
	/* §7: interrupt contexts */
	struct interrupt_context *context; /* holds this call's reply until interrupt_exit, or NULL */
	struct interrupt_context *exited;  /* interrupt_exit: the popped context, whose reply follows */
	struct call *resume;       /* interrupt_exit: the unfinished call the client waits for again */
	void (*abort)(struct call *call); /* ends an abortable wait that is not xnu/'s (fork_wait) */
	union {
		uint64_t align;
		struct dserver_request_header header;
		unsigned char bytes[DSERVER_MAX_REQUEST_WITH_TAIL];
	} request;
	union {
		uint64_t align;
		struct dserver_reply_header header;
		unsigned char bytes[DSERVER_MAX_REPLY_WITH_TAIL];
	} reply;
};

/* The call whose fiber is running, or NULL in the loop. */
struct call *call_current(void);

/* Typed views for handlers: CALL_REQUEST(call, checkin) */
#define CALL_REQUEST(call, name) ((const struct dserver_rpc_##name##_request *)(call)->request.bytes)
#define CALL_REPLY(call, name) ((struct dserver_rpc_##name##_reply *)(call)->reply.bytes)

/* Take the request's descriptor: the caller owns it from now on. */
int call_take_fd(struct call *call);

/* Answer with an error: zero body, no descriptor, this code (§5.1). */
void call_fail(struct call *call, int32_t code);

/*
 * Send the reply and free the call. The dispatcher does this when a handler
 * returns; a continuation (which has no handler to return to) calls it
 * itself.
 */
void call_complete(struct call *call);

/* The datagram handler given to the transport. */
void dispatch_datagram(struct datagram *dg);

/* Free what the dispatcher keeps for reuse (at exit). */
void dispatch_fini(void);

/* The code that means "not supported" for this call's class (§5.5). */
int32_t call_unsupported_code(const struct call_info *info);

#endif
