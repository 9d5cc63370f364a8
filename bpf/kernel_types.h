/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The few kernel types the program reads, declared here instead of a
 * vmlinux.h generated from the build machine's /sys/kernel/btf/vmlinux.
 *
 * Why: a package is built once, on a build machine whose kernel is
 * neither the one it runs on nor necessarily one with BTF (a chroot, a
 * container, a distribution's builder); a generated vmlinux.h would tie
 * the build to that machine and put 100,000 lines of one kernel's types
 * into every build. With preserve_access_index each field access below
 * is a CO-RE relocation that libbpf resolves against the running kernel's
 * BTF at load time, by name: so only the fields used are declared, their
 * offsets here do not matter, and anonymous unions/structs the kernel
 * wraps them in (pt_regs' cs since FRED, kernel_siginfo's __SIGINFO) are
 * matched through.
 */
#ifndef DSERVER_BPF_KERNEL_TYPES_H
#define DSERVER_BPF_KERNEL_TYPES_H

#include <linux/types.h>

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* arch/x86/include/asm/ptrace.h (x86_64) */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip;
	unsigned short cs;
	unsigned long flags, sp;
};

/* include/uapi/asm-generic/siginfo.h: the parts of union __sifields read here */
union __sifields {
	struct {
		int _pid;
		unsigned int _uid;
	} _kill;
	struct {
		void *_addr;
	} _sigfault;
	struct {
		int _pid;
		unsigned int _uid;
	} _sigchld;
};

/* include/linux/signal_types.h */
struct kernel_siginfo {
	int si_signo;
	int si_errno;
	int si_code;
	union __sifields _sifields;
};

struct sigaction {
	unsigned long sa_flags;
};

struct k_sigaction {
	struct sigaction sa;
};

struct task_struct {
	int pid;
};

#pragma clang attribute pop

#endif
