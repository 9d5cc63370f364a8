// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Signal records (docs/DESIGN.md, "The eBPF fast path").
 *
 * Runs where the kernel has chosen a signal for the current thread and is
 * about to deliver it (get_signal(), tracepoint signal_deliver). For a
 * thread of a process dserver manages, it writes the signal, its siginfo
 * and the user registers into the thread's slot of dserver_records, which
 * the server has mapped; for every other thread it only looks its thread
 * group up in dserver_managed and returns.
 */
#include "kernel_types.h"

#include <linux/bpf.h>

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include <dserver/signal_record.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader when the server is not in the initial pid namespace (its ids are the map keys). */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;

/*
 * Thread groups with at least one registered thread: bit (tgid % 64) of
 * word (tgid / 64), over every possible pid (PID_MAX_LIMIT, 2^22). A bitmap
 * and not a hash map, because this is the one lookup every signal on the
 * machine pays: an array lookup is inlined by the verifier into an index,
 * a hash lookup costs a call and a hash (measured: ~25 ns more per signal).
 * The server sets and clears the bits through its own mapping of it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DSERVER_MANAGED_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} dserver_managed SEC(".maps");

/* Registered thread (tid) -> its slot in dserver_records. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DSERVER_SIGNAL_RECORD_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} dserver_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DSERVER_SIGNAL_RECORD_SLOTS);
	__type(key, __u32);
	__type(value, struct dserver_signal_record);
} dserver_records SEC(".maps");

/* include/linux/errno.h: the kernel-internal restart codes a system call may return. */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define EINTR 4
#define SA_RESTART 0x10000000

#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11
#define SIGCHLD 17

/* Keep the compiler from moving the record's stores across the sequence number's. */
#define barrier() asm volatile("" ::: "memory")

static __always_inline __u64 current_pid_tgid(void)
{
	struct bpf_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid();
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return 0; /* not visible in the server's namespace: not one of its clients */
	return (__u64)ns.tgid << 32 | ns.pid;
}

/*
 * Which union member of siginfo is meaningful, as the kernel's
 * siginfo_layout() decides it for the signals a process can catch.
 */
static __always_inline void record_siginfo(struct dserver_signal_record *r, int sig, struct kernel_siginfo *info)
{
	int code = BPF_CORE_READ(info, si_code);

	r->si_code = code;
	r->si_errno = BPF_CORE_READ(info, si_errno);
	r->sender_pid = 0;
	r->sender_uid = 0;
	r->fault_address = 0;
	if (code <= 0) { /* SI_USER, SI_TKILL, SI_QUEUE ...: sent by a process */
		r->sender_pid = BPF_CORE_READ(info, _sifields._kill._pid);
		r->sender_uid = BPF_CORE_READ(info, _sifields._kill._uid);
		r->flags |= DSERVER_SIGNAL_RECORD_SENDER;
	} else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) {
		r->fault_address = (__u64)BPF_CORE_READ(info, _sifields._sigfault._addr);
		r->flags |= DSERVER_SIGNAL_RECORD_FAULT;
	} else if (sig == SIGCHLD) {
		r->sender_pid = BPF_CORE_READ(info, _sifields._sigchld._pid);
		r->sender_uid = BPF_CORE_READ(info, _sifields._sigchld._uid);
		r->flags |= DSERVER_SIGNAL_RECORD_SENDER;
	}
}

/*
 * The registers as the handler's ucontext will show them. The tracepoint
 * fires before arch/x86/kernel/signal.c's handle_signal() adjusts an
 * interrupted system call: -ERESTARTNOHAND and -ERESTART_RESTARTBLOCK
 * become -EINTR; -ERESTARTSYS becomes -EINTR unless the handler has
 * SA_RESTART; otherwise (and always for -ERESTARTNOINTR) the call is
 * restarted: rax gets the system call number back and rip steps back
 * over the 2-byte syscall instruction. Doing the same here keeps the
 * record equal to the ucontext.
 */
static __always_inline void record_registers(struct dserver_signal_record *r, struct pt_regs *regs,
					     struct k_sigaction *ka)
{
	struct dserver_thread_state64 *s = &r->regs;
	long orig_ax = (long)regs->orig_ax;

	s->rax = regs->ax;
	s->rbx = regs->bx;
	s->rcx = regs->cx;
	s->rdx = regs->dx;
	s->rdi = regs->di;
	s->rsi = regs->si;
	s->rbp = regs->bp;
	s->rsp = regs->sp;
	s->r8 = regs->r8;
	s->r9 = regs->r9;
	s->r10 = regs->r10;
	s->r11 = regs->r11;
	s->r12 = regs->r12;
	s->r13 = regs->r13;
	s->r14 = regs->r14;
	s->r15 = regs->r15;
	s->rip = regs->ip;
	s->rflags = regs->flags;
	s->cs = regs->cs;
	s->fs = 0; /* a 64-bit signal frame carries 0 for fs and gs */
	s->gs = 0;
	r->syscall = -1;
	if (orig_ax < 0)
		return;
	r->syscall = (__s32)orig_ax;
	r->flags |= DSERVER_SIGNAL_RECORD_IN_SYSCALL;
	switch ((long)s->rax) {
	case -ERESTART_RESTARTBLOCK:
	case -ERESTARTNOHAND:
		s->rax = (__u64)-EINTR;
		r->flags |= DSERVER_SIGNAL_RECORD_EINTR;
		break;
	case -ERESTARTSYS:
		if (!(BPF_CORE_READ(ka, sa.sa_flags) & SA_RESTART)) {
			s->rax = (__u64)-EINTR;
			r->flags |= DSERVER_SIGNAL_RECORD_EINTR;
			break;
		}
		/* fallthrough */
	case -ERESTARTNOINTR:
		s->rax = (__u64)orig_ax;
		s->rip -= 2;
		r->flags |= DSERVER_SIGNAL_RECORD_RESTART;
		break;
	}
}

SEC("tp_btf/signal_deliver")
int BPF_PROG(dserver_signal, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u64 id = current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct dserver_signal_record *r;
	struct pt_regs *regs;
	__u32 *slot;
	__u64 seq;

	__u32 word = tgid / 64;
	__u64 *managed = bpf_map_lookup_elem(&dserver_managed, &word);

	if (!managed || !(*managed & (1ull << (tgid % 64))))
		return 0;
	/*
	 * libdserver's suspend (34) and S2C (35) signals never use a record, and
	 * one arriving between a signal and its handler's call would overwrite
	 * that signal's record (which then falls back to a copy-in).
	 */
	if (sig == DSERVER_SIGNAL_RECORD_SUSPEND || sig == DSERVER_SIGNAL_RECORD_S2C)
		return 0;
	slot = bpf_map_lookup_elem(&dserver_slots, &tid);
	if (!slot)
		return 0;
	r = bpf_map_lookup_elem(&dserver_records, slot);
	if (!r)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return 0;

	/* Odd while writing: the server's copy of a record being rewritten does not count. */
	seq = r->seq | 1;
	r->seq = seq;
	barrier();
	r->tid = tid;
	r->signal = sig;
	r->flags = 0;
	record_siginfo(r, sig, info);
	record_registers(r, regs, ka);
	barrier();
	r->seq = seq + 1;
	return 0;
}
