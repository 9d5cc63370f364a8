/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Machine context of a fiber: the part that differs per architecture.
 *
 * The assembly backends save only what the ABI says a callee must preserve
 * (and the floating-point control state, which is per fiber), so a switch is
 * a dozen loads and stores. The ucontext backend exists for architectures
 * without an assembly switch and as a reference for testing.
 */
#ifndef DSERVER_FIBER_CONTEXT_H
#define DSERVER_FIBER_CONTEXT_H

#include <stddef.h>

#if DSERVER_FIBER_UCONTEXT
#include <ucontext.h>
struct fiber_context {
	ucontext_t uc;
};
#else
struct fiber_context {
	void *sp; /* the saved registers sit on the stack below sp */
};
#endif

typedef void (*fiber_context_entry)(void *arg);

/*
 * Prepare ctx so that the first switch to it calls entry(arg) at the top of
 * the stack [base, base + size). entry must never return.
 */
void fiber_context_init(struct fiber_context *ctx, void *base, size_t size,
			fiber_context_entry entry, void *arg);

/* Save the running context into from and resume to. */
#if DSERVER_FIBER_UCONTEXT
void fiber_context_switch(struct fiber_context *from, struct fiber_context *to);
#else
void dserver_fiber_switch(void **save_sp, void *new_sp); /* context_<arch>.S */

static inline void fiber_context_switch(struct fiber_context *from, struct fiber_context *to)
{
	dserver_fiber_switch(&from->sp, to->sp);
}
#endif

#endif
