/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ucontext <-> x86_thread_state64 / x86_float_state64. The float state is
 * the FXSAVE image that Linux keeps in the signal frame, behind Mach's two
 * reserved words: from fcw to xmm15 the two layouts agree byte for byte
 * (Mach's 32-bit ip/cs and dp/ds are the FXSAVE words at the same place).
 */
#define _GNU_SOURCE
#include <string.h>

#include "signal_state.h"

#define FXSAVE_SHARED 416 /* fcw .. xmm15 */
#define FLOAT_STATE_FXSAVE_OFFSET 8

#if defined(__x86_64__)

/* x86_thread_state64's order: rax rbx rcx rdx rdi rsi rbp rsp r8-r15 rip rflags (then cs fs gs). */
static const int gregs_order[] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RDI, REG_RSI, REG_RBP, REG_RSP, REG_R8, REG_R9, REG_R10,
	REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP, REG_EFL,
};
#define NGREGS_MAPPED (sizeof(gregs_order) / sizeof(gregs_order[0]))

bool signal_state_from_context(const ucontext_t *uc, struct mach_signal_state *state)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	uint64_t csgsfs = (uint64_t)g[REG_CSGSFS];

	memset(state, 0, sizeof(*state));
	for (size_t i = 0; i < NGREGS_MAPPED; i++)
		state->thread_state[i] = (uint64_t)g[gregs_order[i]];
	state->thread_state[18] = csgsfs & 0xffff;         /* cs */
	state->thread_state[19] = (csgsfs >> 32) & 0xffff; /* fs */
	state->thread_state[20] = (csgsfs >> 16) & 0xffff; /* gs */
	if (uc->uc_mcontext.fpregs)
		memcpy(state->float_state + FLOAT_STATE_FXSAVE_OFFSET, uc->uc_mcontext.fpregs, FXSAVE_SHARED);
	return true;
}

void signal_state_to_context(const struct mach_signal_state *state, ucontext_t *uc, unsigned parts)
{
	greg_t *g = uc->uc_mcontext.gregs;

	/* The segment registers stay: the kernel does not let a signal frame change them freely. */
	if (parts & SIGNAL_STATE_THREAD)
		for (size_t i = 0; i < NGREGS_MAPPED; i++)
			g[gregs_order[i]] = (greg_t)state->thread_state[i];
	if ((parts & SIGNAL_STATE_FLOAT) && uc->uc_mcontext.fpregs)
		memcpy(uc->uc_mcontext.fpregs, state->float_state + FLOAT_STATE_FXSAVE_OFFSET, FXSAVE_SHARED);
}

#else

bool signal_state_from_context(const ucontext_t *uc, struct mach_signal_state *state)
{
	(void)uc;
	memset(state, 0, sizeof(*state));
	return false;
}

void signal_state_to_context(const struct mach_signal_state *state, ucontext_t *uc, unsigned parts)
{
	(void)state;
	(void)uc;
	(void)parts;
}

#endif
