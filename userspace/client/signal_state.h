/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registers of a signal context in Mach's layouts (PROTOCOL.md §7.8). */
#ifndef DSERVER_CLIENT_SIGNAL_STATE_H
#define DSERVER_CLIENT_SIGNAL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#define MACH_THREAD_STATE_SIZE 168 /* x86_thread_state64 (x86_thread_state32 uses the first 64) */
#define MACH_FLOAT_STATE_SIZE 524  /* x86_float_state64 / x86_float_state32 */

/* Where x86_thread_state64 keeps rsp and rip, in words. */
#define MACH_THREAD_STATE64_RSP 7
#define MACH_THREAD_STATE64_RIP 16

struct mach_signal_state {
	uint64_t thread_state[MACH_THREAD_STATE_SIZE / 8];
	unsigned char float_state[MACH_FLOAT_STATE_SIZE] __attribute__((aligned(8)));
};

/* From the ucontext; false where this architecture has no conversion (the state is then zeros). */
bool signal_state_from_context(const ucontext_t *uc, struct mach_signal_state *state);
/* Which parts go back: the registers, the float state, or both. */
#define SIGNAL_STATE_THREAD 0x1u
#define SIGNAL_STATE_FLOAT 0x2u
#define SIGNAL_STATE_ALL (SIGNAL_STATE_THREAD | SIGNAL_STATE_FLOAT)

/* Back into the ucontext: what a debugger changed takes effect when the handler returns. */
void signal_state_to_context(const struct mach_signal_state *state, ucontext_t *uc, unsigned parts);

#endif
