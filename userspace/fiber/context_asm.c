/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Initial frames for the assembly context switches (context_<arch>.S). */
#include <stdint.h>
#include <string.h>

#include "context.h"

/* Defined in context_<arch>.S: the first code every fiber runs. */
void dserver_fiber_start(void);

#if defined(__x86_64__)
/*
 * Frame popped by dserver_fiber_switch, lowest address first:
 * mxcsr, x87 cw, pad, r15, r14, r13, r12, rbx, rbp, return address.
 * dserver_fiber_start finds entry in r12 and its argument in r13.
 */
struct initial_frame {
	uint32_t mxcsr;
	uint16_t x87_cw;
	uint16_t pad;
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;
	uint64_t align[2]; /* rsp is 16-byte aligned when dserver_fiber_start calls entry */
};

_Static_assert(sizeof(struct initial_frame) % 16 == 0, "keeps the entry call aligned");

void fiber_context_init(struct fiber_context *ctx, void *base, size_t size,
			fiber_context_entry entry, void *arg)
{
	uintptr_t top = ((uintptr_t)base + size) & ~(uintptr_t)15;
	struct initial_frame *frame = (struct initial_frame *)(top - sizeof(*frame));

	memset(frame, 0, sizeof(*frame));
	frame->mxcsr = 0x1f80;  /* all exceptions masked, round to nearest */
	frame->x87_cw = 0x037f; /* the same, extended precision */
	frame->r12 = (uintptr_t)entry;
	frame->r13 = (uintptr_t)arg;
	frame->rip = (uintptr_t)dserver_fiber_start;
	ctx->sp = frame;
}
#elif defined(__aarch64__)
/*
 * Frame restored by dserver_fiber_switch: x19..x28, x29, x30, d8..d15, fpcr.
 * dserver_fiber_start finds entry in x19 and its argument in x20.
 */
struct initial_frame {
	uint64_t x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
	uint64_t x29, x30;
	uint64_t d[8];
	uint64_t fpcr;
	uint64_t pad;
};
_Static_assert(sizeof(struct initial_frame) == 176, "matches context_aarch64.S");

void fiber_context_init(struct fiber_context *ctx, void *base, size_t size,
			fiber_context_entry entry, void *arg)
{
	uintptr_t top = ((uintptr_t)base + size) & ~(uintptr_t)15;
	struct initial_frame *frame = (struct initial_frame *)(top - sizeof(*frame));

	memset(frame, 0, sizeof(*frame));
	frame->x19 = (uintptr_t)entry;
	frame->x20 = (uintptr_t)arg;
	frame->x30 = (uintptr_t)dserver_fiber_start;
	ctx->sp = frame;
}
#else
#error "no assembly fiber switch for this architecture: configure with -DDSERVER_FIBER_UCONTEXT=ON"
#endif
