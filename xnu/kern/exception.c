/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Raising Mach exceptions for client signals (PROTOCOL.md §7.6), as XNU's
 * exception_triage: the thread's exception port, then the task's, then
 * the host's, each with its behavior's message (exc.defs, or mach_exc.defs
 * with MACH_EXCEPTION_CODES). The raising thread waits for the handler's
 * reply on a kernel-held port it alone has the receive right of; the reply
 * decides: KERN_SUCCESS handles the exception (a state behavior's reply
 * also carries the registers the thread resumes with), anything else, or
 * a handler that dies without replying, passes it to the next level.
 * Nobody handling it makes it a Darwin signal again.
 */
#include <string.h>

#include <mach/mig_errors.h>

#include "../ipc/ipc_kmsg.h"
#include "kern_internal.h"

#define EXC_SUBSYSTEM 2401        /* exception_raise; + behavior - 1 for the others */
#define MACH_EXC_SUBSYSTEM 2405   /* mach_exception_raise */
#define REPLY_ID_OFFSET 100
#define NDR_SIZE IPC_NDR_SIZE
#define CODE_COUNT 2
/* A reply: header, NDR, RetCode [, flavor, count, state]. The header is not in the kmsg. */
#define REPLY_RETCODE_SIZE (NDR_SIZE + 4)
#define REPLY_STATE_HEAD (REPLY_RETCODE_SIZE + 8)

/* Darwin signal numbers the exceptions turn back into (bsd/sys/signal.h). */
#define DARWIN_SIGILL 4
#define DARWIN_SIGTRAP 5
#define DARWIN_SIGFPE 8
#define DARWIN_SIGBUS 10
#define DARWIN_SIGSEGV 11

/* Linux signals and si_code values the table of §7.6 names. */
#define LINUX_SIGILL 4
#define LINUX_SIGTRAP 5
#define LINUX_SIGBUS 7
#define LINUX_SIGFPE 8
#define LINUX_SIGSEGV 11
#define LINUX_SI_KERNEL 0x80

/* x86 trap numbers, for x86_EXCEPTION_STATE. */
#define T_DIVIDE_ERROR 0
#define T_DEBUG 1
#define T_INT3 3
#define T_INVALID_OPCODE 6
#define T_PAGE_FAULT 14
#define T_ALIGNMENT_CHECK 17

struct exception {
	exception_type_t type;
	int64_t code[CODE_COUNT];
};

/* How a delivery attempt ended. */
enum delivery {
	DELIVERY_HANDLED,     /* the handler replied KERN_SUCCESS */
	DELIVERY_REFUSED,     /* it replied, with another code */
	DELIVERY_NO_HANDLER,  /* no port, a dead port, or a handler that died without replying */
	DELIVERY_THREAD_DIED, /* the raising thread ended meanwhile */
};

/* ---- signals to exceptions and back ---- */

/* The hardware fault a signal reports, per §7.6; false for a software signal. */
static bool signal_exception(int32_t linux_signal, int32_t code, uint64_t address, struct exception *exc,
			     struct exception_info *info)
{
	memset(info, 0, sizeof(*info));
	/* A signal sent by a process (SI_USER, SI_QUEUE, SI_TKILL...) is not a fault. */
	if (code <= 0)
		return false;
	exc->code[1] = 0;
	switch (linux_signal) {
	case LINUX_SIGSEGV:
		*exc = (struct exception){ EXC_BAD_ACCESS, { KERN_INVALID_ADDRESS, (int64_t)address } };
		*info = (struct exception_info){ .trapno = T_PAGE_FAULT, .faultvaddr = address };
		return true;
	case LINUX_SIGBUS:
		*exc = (struct exception){ EXC_BAD_ACCESS, { EXC_I386_ALIGNFLT, 0 } };
		*info = (struct exception_info){ .trapno = T_ALIGNMENT_CHECK, .faultvaddr = address };
		return true;
	case LINUX_SIGILL:
		*exc = (struct exception){ EXC_BAD_INSTRUCTION, { EXC_I386_INVOP, 0 } };
		info->trapno = T_INVALID_OPCODE;
		return true;
	case LINUX_SIGFPE:
		*exc = (struct exception){ EXC_ARITHMETIC, { code, 0 } };
		info->trapno = T_DIVIDE_ERROR;
		return true;
	case LINUX_SIGTRAP:
		*exc = (struct exception){ EXC_BREAKPOINT, { code == LINUX_SI_KERNEL ? EXC_I386_BPT : EXC_I386_SGL, 0 } };
		info->trapno = code == LINUX_SI_KERNEL ? T_INT3 : T_DEBUG;
		return true;
	default:
		return false;
	}
}

/* What the host's Unix handler makes of an exception nobody handled. */
static int32_t exception_signal(const struct exception *exc)
{
	switch (exc->type) {
	case EXC_BAD_ACCESS:
		return exc->code[0] == KERN_INVALID_ADDRESS ? DARWIN_SIGSEGV : DARWIN_SIGBUS;
	case EXC_BAD_INSTRUCTION:
		return DARWIN_SIGILL;
	case EXC_ARITHMETIC:
		return DARWIN_SIGFPE;
	default:
		return DARWIN_SIGTRAP;
	}
}

/* ---- the message ---- */

static void put(uint8_t **p, const void *value, size_t size)
{
	memcpy(*p, value, size);
	*p += size;
}

/*
 * The request of the action's behavior, without its destination and reply
 * rights: NDR, exception, codeCnt, the codes (32- or 64-bit) and, for the
 * state behaviors, flavor, count and the state.
 */
static struct ipc_kmsg *build_request(struct xnu_thread *thread, const struct exception_action *action,
				      const struct exception *exc, kern_return_t *kr)
{
	int behavior = action->behavior & ~MACH_EXCEPTION_MASK;
	bool code64 = action->behavior & MACH_EXCEPTION_CODES;
	bool identity = behavior == EXCEPTION_DEFAULT || behavior == EXCEPTION_STATE_IDENTITY;
	bool with_state = behavior == EXCEPTION_STATE || behavior == EXCEPTION_STATE_IDENTITY;
	uint32_t state[THREAD_STATE_MAX];
	uint32_t state_count = THREAD_STATE_MAX;
	uint32_t code_size = code64 ? 8 : 4;

	*kr = KERN_SUCCESS;
	if (behavior != EXCEPTION_DEFAULT && !with_state) {
		/* EXCEPTION_IDENTITY_PROTECTED needs task identity tokens, which dserver has not. */
		*kr = KERN_FAILURE;
		return NULL;
	}
	if (with_state && (*kr = thread_state_get(thread, action->flavor, state, &state_count)) != KERN_SUCCESS)
		return NULL;
	uint32_t size = NDR_SIZE + 8 + CODE_COUNT * code_size + (with_state ? 8 + 4 * state_count : 0);
	struct ipc_kmsg *kmsg = ipc_kmsg_alloc(size, identity ? 2 : 0);

	if (!kmsg) {
		*kr = KERN_RESOURCE_SHORTAGE;
		return NULL;
	}
	kmsg->id = (code64 ? MACH_EXC_SUBSYSTEM : EXC_SUBSYSTEM) + behavior - 1;
	kmsg->kernel_sent = true;
	if (identity) {
		struct ipc_port *ports[2] = { thread->self_port, thread->task->task_port };

		kmsg->bits |= MACH_MSGH_BITS_COMPLEX;
		for (int i = 0; i < 2; i++) {
			kmsg->descs[i].type = MACH_MSG_PORT_DESCRIPTOR;
			kmsg->descs[i].disposition = MACH_MSG_TYPE_PORT_SEND;
			if (ports[i]) {
				ipc_port_make_send(ports[i]);
				kmsg->descs[i].object = &ports[i]->object;
			}
		}
	}
	uint8_t *p = kmsg->inline_data;
	uint32_t code_count = CODE_COUNT;

	put(&p, ipc_ndr_record, NDR_SIZE);
	put(&p, &exc->type, 4);
	put(&p, &code_count, 4);
	for (int i = 0; i < CODE_COUNT; i++) {
		int32_t small = (int32_t)exc->code[i];

		put(&p, code64 ? (const void *)&exc->code[i] : (const void *)&small, code_size);
	}
	if (with_state) {
		put(&p, &action->flavor, 4);
		put(&p, &state_count, 4);
		put(&p, state, 4 * state_count);
	}
	return kmsg;
}

/* ---- the reply ---- */

void exception_reply_arrived(struct ipc_kmsg *kmsg)
{
	struct ipc_port *port = kmsg->dest;
	struct xnu_thread *thread = port->kobject;

	/*
	 * The message used the send-once right the request carried. Consume it
	 * here: destroying it with the message would send a send-once
	 * notification to this very port.
	 */
	if (MACH_MSGH_BITS_REMOTE(kmsg->bits) == MACH_MSG_TYPE_PORT_SEND_ONCE) {
		kmsg->dest = NULL;
		ipc_port_release_sonce(port);
	}
	if (!thread || thread->exc_reply_port != port || thread->exc_reply) {
		ipc_kmsg_destroy(kmsg);
		return;
	}
	thread->exc_reply = kmsg;
	glue_wakeup(&thread->hold_wait, GLUE_WAIT_AWAKENED);
}

static uint32_t reply_u32(const struct ipc_kmsg *reply, uint32_t offset)
{
	uint32_t v = 0;

	if (offset + 4 <= reply->inline_size)
		memcpy(&v, reply->inline_data + offset, 4);
	return v;
}

/* MIG's checks of the reply (exc_user.c), then its RetCode, and the new state if it brings one. */
static enum delivery take_reply(struct xnu_thread *thread, struct ipc_kmsg *reply, mach_msg_id_t request_id,
				bool with_state)
{
	if (reply->id != request_id + REPLY_ID_OFFSET)
		return DELIVERY_NO_HANDLER; /* the send-once notification, or a stranger: nobody answered */
	if ((reply->bits & MACH_MSGH_BITS_COMPLEX) || reply->inline_size < REPLY_RETCODE_SIZE)
		return DELIVERY_REFUSED;
	kern_return_t kr = (kern_return_t)reply_u32(reply, NDR_SIZE);

	if (kr != KERN_SUCCESS)
		return DELIVERY_REFUSED;
	if (!with_state)
		return reply->inline_size == REPLY_RETCODE_SIZE ? DELIVERY_HANDLED : DELIVERY_REFUSED;
	thread_state_flavor_t flavor = (thread_state_flavor_t)reply_u32(reply, REPLY_RETCODE_SIZE);
	uint32_t count = reply_u32(reply, REPLY_RETCODE_SIZE + 4);

	if (count > THREAD_STATE_MAX || reply->inline_size != REPLY_STATE_HEAD + 4 * count)
		return DELIVERY_REFUSED;
	uint32_t state[THREAD_STATE_MAX];

	memcpy(state, reply->inline_data + REPLY_STATE_HEAD, 4 * count);
	/* As in XNU, a state the thread cannot take makes the delivery fail. */
	return thread_state_set(thread, flavor, state, count) == KERN_SUCCESS ? DELIVERY_HANDLED
									     : DELIVERY_REFUSED;
}

/* ---- delivery ---- */

/* Send the exception to the action's port and wait for the answer. */
static enum delivery exception_deliver(struct xnu_thread *thread, const struct exception_action *actions,
				       const struct exception *exc)
{
	const struct exception_action *action = &actions[exc->type];
	struct ipc_port *port = action->port;
	kern_return_t kr;

	if (!port || !port->active)
		return DELIVERY_NO_HANDLER;
	struct ipc_kmsg *kmsg = build_request(thread, action, exc, &kr);

	if (!kmsg)
		return DELIVERY_NO_HANDLER;
	struct ipc_port *reply_port = ipc_port_alloc_kernel(IKOT_EXCEPTION_REPLY, thread);

	if (!reply_port) {
		ipc_kmsg_destroy(kmsg);
		return DELIVERY_NO_HANDLER;
	}
	mach_msg_id_t request_id = kmsg->id;
	bool with_state = (action->behavior & ~MACH_EXCEPTION_MASK) != EXCEPTION_DEFAULT;

	ipc_port_copy_send(port);
	ipc_port_make_send_once(reply_port);
	kmsg->dest = port;
	kmsg->reply = &reply_port->object;
	kmsg->bits |= MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, MACH_MSG_TYPE_PORT_SEND_ONCE);
	thread->exc_reply_port = reply_port;
	thread->exc_reply = NULL;
	/* A kernel port may answer at once, before the wait. */
	ipc_kmsg_send_kernel(kmsg);
	while (!thread->exc_reply && thread->active)
		glue_wait(&thread->hold_wait, UINT64_MAX);

	struct ipc_kmsg *reply = thread->exc_reply;

	thread->exc_reply = NULL;
	thread->exc_reply_port = NULL;
	/* A late answer finds the port dead and is dropped. */
	reply_port->kobject = NULL;
	ipc_port_destroy(reply_port);
	ipc_port_release(reply_port);
	enum delivery result = DELIVERY_THREAD_DIED;

	if (reply) {
		if (thread->active)
			result = take_reply(thread, reply, request_id, with_state);
		ipc_kmsg_destroy(reply);
	}
	return result;
}

/* exception_triage: the thread's handler, then the task's, then the host's. */
static enum delivery exception_triage(struct xnu_thread *thread, const struct exception *exc)
{
	struct exception_action *levels[3] = { thread->exc_actions, thread->task->exc_actions,
					       host_exception_actions() };
	enum delivery result = DELIVERY_NO_HANDLER;

	for (int i = 0; i < 3; i++) {
		result = exception_deliver(thread, levels[i], exc);
		if (result == DELIVERY_HANDLED || result == DELIVERY_THREAD_DIED)
			break;
	}
	return result;
}

/* ---- sigprocess ---- */

void xnu_thread_set_user_state(struct xnu_thread *thread, struct xnu_user_state *state)
{
	thread->user_state = thread->active ? state : NULL;
}

void xnu_task_set_sigexc(struct xnu_task *task, bool enabled)
{
	task->sigexc = enabled;
	/* ptrace_sigexc resumes a task that was suspended for its tracer (§6.2). */
	if (task->user_stop_count > 0)
		resume_task(task);
}

xnu_kern_return_t xnu_thread_set_pending_signal(struct xnu_thread *thread, int32_t bsd_signal)
{
	struct xnu_user_state *frame = thread->parked_state ? thread->parked_state : thread->user_state;

	if (!frame)
		return KERN_FAILURE;
	frame->pending_signal = bsd_signal;
	return KERN_SUCCESS;
}

/* The signal the thread must deliver, or 0 when a handler took the exception. */
static int32_t raise_for_signal(struct xnu_thread *thread, int32_t bsd_signal, int32_t linux_signal, int32_t code,
				uint64_t address)
{
	struct exception exc;

	if (signal_exception(linux_signal, code, address, &exc, &thread->exc_info)) {
		enum delivery d = exception_triage(thread, &exc);

		return d == DELIVERY_HANDLED || d == DELIVERY_THREAD_DIED ? 0 : exception_signal(&exc);
	}
	if (!thread->task->sigexc)
		return bsd_signal;
	/* A traced task reports the signal to its tracer, which decides with ptrace_thupdate. */
	exc = (struct exception){ EXC_SOFTWARE, { EXC_SOFT_SIGNAL, bsd_signal } };
	return exception_deliver(thread, thread->task->exc_actions, &exc) == DELIVERY_NO_HANDLER ? bsd_signal : 0;
}

void xnu_thread_process_signal(struct xnu_thread *thread, int32_t bsd_signal, int32_t linux_signal,
			       int32_t sender_pid, int32_t code, uint64_t address)
{
	struct xnu_user_state *frame = thread->user_state;

	(void)sender_pid;
	if (frame)
		frame->pending_signal = 0;
	/* One hold wait per thread: a second sigprocess nested in the first gets no exception. */
	if (!thread->active || thread->hold_wait.fiber) {
		if (frame)
			frame->pending_signal = bsd_signal;
		return;
	}
	xnu_thread_reference(thread);
	thread_park_begin(thread, frame);
	int32_t signal = raise_for_signal(thread, bsd_signal, linux_signal, code, address);

	/* A handler that took the signal may have chosen another one (ptrace_thupdate): keep it. */
	if (signal && thread->active && frame)
		frame->pending_signal = signal;
	if (thread_hold_wait(thread))
		thread_park_end(thread);
	xnu_thread_release(thread);
}
