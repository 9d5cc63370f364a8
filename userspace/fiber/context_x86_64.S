/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * void dserver_fiber_switch(void **save_sp, void *new_sp)
 *
 * Saves the System V callee-saved registers, MXCSR and the x87 control word
 * on the current stack, stores the stack pointer in *save_sp, and restores
 * the same set from new_sp. The layout must match struct initial_frame in
 * context_asm.c.
 */
	.text
	.globl	dserver_fiber_switch
	.hidden	dserver_fiber_switch
	.type	dserver_fiber_switch, @function
	.p2align 4
dserver_fiber_switch:
	.cfi_startproc
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$8, %rsp
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	%rsp, (%rdi)

	movq	%rsi, %rsp
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	addq	$8, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.cfi_endproc
	.size	dserver_fiber_switch, .-dserver_fiber_switch

/*
 * First code a fiber runs: call entry(arg) from r12/r13 with an aligned
 * stack. The undefined return address ends debugger backtraces here.
 */
	.globl	dserver_fiber_start
	.hidden	dserver_fiber_start
	.type	dserver_fiber_start, @function
	.p2align 4
dserver_fiber_start:
	.cfi_startproc
	.cfi_undefined rip
	movq	%r13, %rdi
	callq	*%r12
	ud2
	.cfi_endproc
	.size	dserver_fiber_start, .-dserver_fiber_start

	.section .note.GNU-stack,"",@progbits
