/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interrupt contexts (PROTOCOL.md §7.2-§7.5): while a client thread runs a
 * signal handler, the call it was waiting on is parked in a context, and its
 * reply is held there until the handler's interrupt_exit. Contexts nest, one
 * per signal handler the thread is inside.
 */
#ifndef DSERVER_INTERRUPT_H
#define DSERVER_INTERRUPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dserver/protocol_base.h>

#include "transport.h"
#include "xnu/xnu.h"

struct call;
struct thread;

/* W9: the largest reply a client may push back. */
#define HELD_REPLY_MAX TRANSPORT_MAX_OUTGOING /* any reply, mach_msg_inline's included */

/* A reply kept back, to be sent to `to` later. */
struct held_reply {
	bool present;
	struct peer_address to;
	size_t size;
	int fd; /* owned; -1 for none */
	unsigned char bytes[HELD_REPLY_MAX];
};

struct interrupt_context {
	struct interrupt_context *below;
	struct thread *thread;     /* whose stack it is on (it goes with the thread) */
	/* The call the thread was waiting on when the signal came, until it finishes. */
	struct call *interrupted;
	/* The interrupt_enter that pushed it, until its handler has run. */
	struct call *entered_by;
	struct held_reply held;
	/* The registers thread_get_state / thread_set_state see meanwhile (§7.2). */
	struct xnu_user_state frame;
	/* Where the client keeps the float state that frame.float_pending says is not loaded yet. */
	uint64_t float_state_address;
};

/* W9: how deep a thread's handlers may nest. */
#define INTERRUPT_DEPTH_MAX 32

/*
 * interrupt_enter, at the datagram's arrival: push a context and move the
 * active call into it, so that a push_reply right behind finds it (§7.4).
 * 0, or -errno (the enter then fails and nothing changed).
 */
int interrupt_push(struct thread *thread, struct interrupt_context **pushed);

/*
 * The work of interrupt_enter (and interrupt_enter_sigprocess) once the call
 * runs: end the interrupted call's wait if it is abortable (§7.3 step 2).
 * Returns the context the call pushed, or NULL if the thread's contexts
 * are gone (it died).
 */
struct interrupt_context *interrupt_enter_abort(struct call *call);

/* The interrupt_enter that pushed ctx could not start: undo the push. */
void interrupt_cancel_push(struct thread *thread, struct interrupt_context *ctx);

/*
 * A call finished while its reply must be kept back: store it in the
 * context holding the call. Takes the call's reply descriptor.
 */
void interrupt_hold_reply(struct call *call);

/* A push_reply datagram (§7.4). */
void interrupt_push_reply(struct datagram *dg);

/* interrupt_exit has replied: send what the popped context holds (if send), and free it. */
void interrupt_context_release(struct interrupt_context *ctx, bool send);

/* glue's host_load_float_state: the client's float state into a context's frame. 0 or -errno. */
int interrupt_load_float_state(struct xnu_user_state *frame);

/* The thread is gone: drop its contexts and what they hold. */
void interrupt_drop_all(struct thread *thread);

#endif
