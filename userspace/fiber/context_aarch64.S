/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * void dserver_fiber_switch(void **save_sp, void *new_sp)
 *
 * Saves the AAPCS64 callee-saved registers (x19-x30, d8-d15) and FPCR in a
 * 176-byte frame, stores sp in *save_sp and restores the same from new_sp.
 * The layout must match struct initial_frame in context_asm.c.
 */
	.text
	.globl	dserver_fiber_switch
	.hidden	dserver_fiber_switch
	.type	dserver_fiber_switch, %function
	.p2align 4
dserver_fiber_switch:
	sub	sp, sp, #176
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	stp	d8, d9, [sp, #96]
	stp	d10, d11, [sp, #112]
	stp	d12, d13, [sp, #128]
	stp	d14, d15, [sp, #144]
	mrs	x9, fpcr
	str	x9, [sp, #160]
	mov	x9, sp
	str	x9, [x0]

	mov	sp, x1
	ldr	x9, [sp, #160]
	msr	fpcr, x9
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	ldp	d8, d9, [sp, #96]
	ldp	d10, d11, [sp, #112]
	ldp	d12, d13, [sp, #128]
	ldp	d14, d15, [sp, #144]
	add	sp, sp, #176
	ret
	.size	dserver_fiber_switch, .-dserver_fiber_switch

/* First code a fiber runs: entry(arg) from x19/x20; x29 = 0 ends backtraces. */
	.globl	dserver_fiber_start
	.hidden	dserver_fiber_start
	.type	dserver_fiber_start, %function
	.p2align 4
dserver_fiber_start:
	mov	x0, x20
	blr	x19
	brk	#0
	.size	dserver_fiber_start, .-dserver_fiber_start

	.section .note.GNU-stack,"",%progbits
