/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Portable context switch on glibc's makecontext/swapcontext. */
#include <stdint.h>
#include <stdlib.h>

#include "context.h"

/* makecontext passes int arguments only, so pointers travel in two halves. */
static void start(unsigned entry_hi, unsigned entry_lo, unsigned arg_hi, unsigned arg_lo)
{
	fiber_context_entry entry =
		(fiber_context_entry)(((uintptr_t)entry_hi << 32) | entry_lo);
	void *arg = (void *)(((uintptr_t)arg_hi << 32) | arg_lo);

	entry(arg);
	abort(); /* entry must not return */
}

void fiber_context_init(struct fiber_context *ctx, void *base, size_t size,
			fiber_context_entry entry, void *arg)
{
	uintptr_t e = (uintptr_t)entry, a = (uintptr_t)arg;

	getcontext(&ctx->uc);
	ctx->uc.uc_stack.ss_sp = base;
	ctx->uc.uc_stack.ss_size = size;
	ctx->uc.uc_link = NULL;
	makecontext(&ctx->uc, (void (*)(void))start, 4,
		    (unsigned)(e >> 32), (unsigned)e, (unsigned)(a >> 32), (unsigned)a);
}

void fiber_context_switch(struct fiber_context *from, struct fiber_context *to)
{
	swapcontext(&from->uc, &to->uc);
}
