/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The signal record (docs/DESIGN.md, "The eBPF fast path"): what the eBPF
 * program on tp_btf/signal_deliver writes for a managed thread into that
 * thread's slot of a memory-mapped array, and what the server reads there
 * instead of copying the registers in from the client.
 *
 * Shared by bpf/dserver_signal.bpf.c and the server, so it uses only the
 * kernel's fixed-width types; the BTF of the map's value type is this
 * struct, which is how `bpftool map dump` prints the fields by name.
 */
#ifndef DSERVER_SIGNAL_RECORD_H
#define DSERVER_SIGNAL_RECORD_H

#include <linux/types.h>

/* Records for this many threads at once; threads past it use the copy-in path. */
#define DSERVER_SIGNAL_RECORD_SLOTS 4096

/* The register file in x86_thread_state64's order, so it is copied as is. */
struct dserver_thread_state64 {
	__u64 rax, rbx, rcx, rdx, rdi, rsi, rbp, rsp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags, cs, fs, gs;
};

/* flags: which fields mean something, and what the kernel did to the registers. */
#define DSERVER_SIGNAL_RECORD_SENDER      0x1u /* sender_pid/sender_uid (kill, tgkill, sigqueue, SIGCHLD) */
#define DSERVER_SIGNAL_RECORD_FAULT       0x2u /* fault_address (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) */
#define DSERVER_SIGNAL_RECORD_IN_SYSCALL  0x4u /* the thread was in system call `syscall` */
#define DSERVER_SIGNAL_RECORD_RESTART     0x8u /* ...which the kernel restarts: rip moved back onto the
						  syscall instruction, rax = the system call number */
#define DSERVER_SIGNAL_RECORD_EINTR       0x10u /* ...which the kernel ends with -EINTR in rax */

struct dserver_signal_record {
	/* Even when complete; odd while the program writes. Grows by 2 per signal. */
	__u64 seq;
	__s32 tid;          /* the kernel's (initial namespace) thread id, or the server's namespace's */
	__s32 signal;       /* Linux signal number */
	__s32 si_code;
	__s32 si_errno;
	__s32 sender_pid;
	__u32 sender_uid;
	__u64 fault_address;
	__u32 flags;
	__s32 syscall;      /* orig_rax when IN_SYSCALL, else -1 */
	/* As the signal handler's ucontext will show them (the restart adjustment applied). */
	struct dserver_thread_state64 regs;
};

_Static_assert(sizeof(struct dserver_thread_state64) == 168, "x86_thread_state64 is 21 words");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, tid) == 8, "record layout");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, si_code) == 16, "record layout");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, sender_pid) == 24, "record layout");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, fault_address) == 32, "record layout");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, flags) == 40, "record layout");
_Static_assert(__builtin_offsetof(struct dserver_signal_record, regs) == 48, "record layout");
_Static_assert(sizeof(struct dserver_signal_record) == 216, "record layout (a multiple of 8: the array's stride)");

/* The managed-process bitmap: one bit per possible pid (PID_MAX_LIMIT on 64-bit is 2^22). */
#define DSERVER_MANAGED_PID_LIMIT (1u << 22)
#define DSERVER_MANAGED_WORDS (DSERVER_MANAGED_PID_LIMIT / 64)

/* Not recorded: libdserver's own signals (PROTOCOL.md §7.7, §8; <dserver/signal.h>). */
#define DSERVER_SIGNAL_RECORD_SUSPEND 34
#define DSERVER_SIGNAL_RECORD_S2C 35

/* Names the kernel shows (at most 15 characters: BPF_OBJ_NAME_LEN - 1). */
#define DSERVER_BPF_PROG_NAME    "dserver_signal"
#define DSERVER_BPF_RECORDS_NAME "dserver_records"
#define DSERVER_BPF_MANAGED_NAME "dserver_managed"
#define DSERVER_BPF_SLOTS_NAME   "dserver_slots"

/* How the server gets signal state (dserver_stats signal_path, §11). */
enum dserver_signal_path {
	DSERVER_SIGNAL_PATH_USERSPACE = 0, /* interrupt_enter, sigprocess with copy-in, interrupt_exit */
	DSERVER_SIGNAL_PATH_EBPF = 1,      /* records from the eBPF program */
};

/* Why the server uses the userspace path (dserver_stats signal_path_reason, §11). */
enum dserver_signal_path_reason {
	DSERVER_SIGNAL_REASON_NONE = 0,        /* the eBPF path is active */
	DSERVER_SIGNAL_REASON_DISABLED = 1,    /* --bpf=off */
	DSERVER_SIGNAL_REASON_NOT_BUILT = 2,   /* built without eBPF support */
	DSERVER_SIGNAL_REASON_NO_SYSCALL = 3,  /* bpf() is not there (ENOSYS) */
	DSERVER_SIGNAL_REASON_NO_PERMISSION = 4, /* bpf() refused (EPERM/EACCES): CAP_BPF+CAP_PERFMON or root */
	DSERVER_SIGNAL_REASON_NO_BTF = 5,      /* no /sys/kernel/btf/vmlinux */
	DSERVER_SIGNAL_REASON_NO_TRACEPOINT = 6, /* signal_deliver cannot be attached to */
	DSERVER_SIGNAL_REASON_VERIFIER = 7,    /* the kernel rejected the program */
	DSERVER_SIGNAL_REASON_OTHER = 8,       /* anything else (the log says what) */
	DSERVER_SIGNAL_REASON_NOT_X86_64 = 9,  /* the registers are recorded for x86_64 only */
};

#endif
