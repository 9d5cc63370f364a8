/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The register frame of an interrupt context between the client and xnu/
 * (PROTOCOL.md §7.6, §7.8, §11): sigprocess's work, shared by sigprocess
 * and interrupt_enter_sigprocess, fills the frame from the thread's signal
 * record when there is a fresh one that matches (the float state then
 * follows lazily) and from client memory otherwise, has xnu/ process the
 * signal, and writes back only what a debugger changed.
 */
#ifndef DSERVER_SIGNAL_FRAME_H
#define DSERVER_SIGNAL_FRAME_H

#include <stdbool.h>
#include <stdint.h>

struct call;
struct interrupt_context;
struct process;
struct xnu_user_state;

/* What the client says about the signal its handler runs for. */
struct signal_frame_request {
	int32_t bsd_signal, linux_signal, sender_pid, code;
	uint64_t signal_address;
	uint64_t thread_state, float_state; /* client addresses of the Mach states (§7.8) */
	bool have_registers;                /* rip and rsp are the handler's ucontext's */
	uint64_t rip, rsp;
};

/* From a request of sigprocess or interrupt_enter_sigprocess: they name these fields alike. */
#define SIGNAL_FRAME_REQUEST(rq)                                                                        \
	.bsd_signal = (rq)->bsd_signal_number, .linux_signal = (rq)->linux_signal_number,               \
	.sender_pid = (rq)->sender_pid, .code = (rq)->code, .signal_address = (rq)->signal_address,     \
	.thread_state = (rq)->thread_state, .float_state = (rq)->float_state

struct signal_frame_result {
	int32_t new_bsd_signal; /* the pending signal once processed (§7.6 step 6) */
	int32_t error;          /* 0, or -errno: a state could not be read or written back */
	uint32_t flags;         /* DSERVER_SIGPROCESS_* */
	uint64_t record_seq;    /* the record's sequence number, or 0 */
};

/*
 * sigprocess in ctx's frame: blocks while a debugger handles the signal
 * and while the thread is suspended. false when the thread died meanwhile
 * (nobody reads the reply); the result is then meaningless.
 */
bool signal_frame_process(struct call *call, struct interrupt_context *ctx, const struct signal_frame_request *rq,
			  struct signal_frame_result *out);

/* Both states from / to client memory (thread_suspended, §7.7). 0 or -EFAULT. */
int signal_frame_copyin(const struct process *p, struct xnu_user_state *frame, uint64_t thread_state,
			uint64_t float_state);
int signal_frame_copyout(const struct process *p, const struct xnu_user_state *frame, uint64_t thread_state,
			 uint64_t float_state);

#endif
