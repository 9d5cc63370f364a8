// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The registers the server holds for a signal are the ones the kernel put
 * in the handler's ucontext (docs/DESIGN.md, "The eBPF fast path").
 *
 * The program's handlers are installed with libdserver, so the signal
 * protocol (interrupt_enter_sigprocess, or interrupt_enter and sigprocess)
 * has run when they start. Inside, thread_get_state on the thread itself
 * is answered from the interrupt context's frame: with the eBPF path that
 * frame was filled from the signal record, not copied in from the client.
 * Each handler compares it, register by register, with its ucontext, and
 * the server's statistics (dserver_stats signals_from_records) show that
 * every signal was served from a record, so a server that quietly copied
 * the state in fails. Where the server runs the userspace path (its
 * dserver_stats says so, e.g. under DSERVER_TEST_BPF=off) the registers
 * must still agree; only the record count is skipped, with a note.
 *
 * The interrupted code is assembly below with fixed instructions and
 * labels, so the test knows where each signal must land and what the
 * registers hold there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>
#include <dserver/signal_record.h>

#include "kselftest_harness.h"
#include "mach_test_util.h"
#include "raw_client.h"

/* Set by the spinning thread once its registers hold their values; the handler sets stop. */
struct spin_flags {
	volatile int32_t stop;     /* offset 0 */
	volatile int32_t spinning; /* offset 4 */
};

/*
 * spin_with_known_registers(flags, base, rax): every general register but
 * rsp and rdi (which holds flags) gets base + its number in
 * x86_thread_state64's order, rax gets `rax`; then spinning = 1 and a
 * loop until stop is set. Callee-saved registers are restored on return.
 */
__asm__(".text\n"
	".type spin_with_known_registers, @function\n"
	"spin_with_known_registers:\n"
	"	pushq %rbx\n"
	"	pushq %rbp\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rdx, %rax\n"
	"	leaq 1(%rsi), %rbx\n"
	"	leaq 2(%rsi), %rcx\n"
	"	leaq 3(%rsi), %rdx\n"
	"	leaq 6(%rsi), %rbp\n"
	"	leaq 8(%rsi), %r8\n"
	"	leaq 9(%rsi), %r9\n"
	"	leaq 10(%rsi), %r10\n"
	"	leaq 11(%rsi), %r11\n"
	"	leaq 12(%rsi), %r12\n"
	"	leaq 13(%rsi), %r13\n"
	"	leaq 14(%rsi), %r14\n"
	"	leaq 15(%rsi), %r15\n"
	"	leaq 5(%rsi), %rsi\n"
	"	movl $1, 4(%rdi)\n"
	"spin_loop:\n"
	"	pause\n"
	"	cmpl $0, (%rdi)\n"
	"	je spin_loop\n"
	"spin_loop_end:\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbp\n"
	"	popq %rbx\n"
	"	ret\n"
	".size spin_with_known_registers, . - spin_with_known_registers\n"
	/* record_faulting_load(address): rax = *address, the load being the faulting instruction. */
	".type record_faulting_load, @function\n"
	"record_faulting_load:\n"
	"	xorl %eax, %eax\n"
	"record_fault_instruction:\n"
	"	movq (%rdi), %rax\n"
	"record_fault_resume:\n"
	"	ret\n"
	".size record_faulting_load, . - record_faulting_load\n"
	/* raw_read(fd, buffer, size): read(2) by its own syscall instruction; rax = result or -errno. */
	".type raw_read, @function\n"
	"raw_read:\n"
	"	movl $0, %eax\n"
	"raw_read_syscall:\n"
	"	syscall\n"
	"raw_read_after:\n"
	"	ret\n"
	".size raw_read, . - raw_read\n");
void spin_with_known_registers(struct spin_flags *flags, uint64_t base, uint64_t rax) __asm__("spin_with_known_registers");
uint64_t record_faulting_load(uint64_t address) __asm__("record_faulting_load");
long raw_read(int fd, void *buffer, size_t size) __asm__("raw_read");
extern const char spin_loop[] __asm__("spin_loop");
extern const char spin_loop_end[] __asm__("spin_loop_end");
extern const char record_fault_instruction[] __asm__("record_fault_instruction");
extern const char record_fault_resume[] __asm__("record_fault_resume");
extern const char raw_read_syscall[] __asm__("raw_read_syscall");
extern const char raw_read_after[] __asm__("raw_read_after");

_Static_assert(SYS_read == 0, "raw_read loads read's number, 0, into eax");

/* Below Linux's mmap_min_addr (64 KiB): never mapped, so the load always faults. */
#define FAULT_ADDRESS 0x7f38ull
#define ERESTARTSYS 512 /* include/linux/errno.h: never seen by user space */
#define MAX_SIGNALS 8
#define WAIT_MS 10000
#define FXSAVE_SHARED 416 /* x86_float_state64 from fpu_fcw to the last xmm is the FXSAVE image */

/* What one handler saw: its ucontext and the server's view of the same moment. */
struct observation {
	int signal;
	int code;     /* si_code */
	uint64_t fault_address; /* si_addr */
	gregset_t gregs;
	bool have_fpregs;
	uint8_t fxsave[FXSAVE_SHARED];
	kern_return_t state_kr, float_kr, exception_kr;
	mach_msg_type_number_t state_count;
	x86_thread_state64_t state;
	x86_float_state64_t float_state;
	x86_exception_state64_t exception;
};

static struct observation seen[MAX_SIGNALS];
static atomic_int nseen, overflow;
static struct spin_flags *volatile spin; /* the spinner the handler lets go, if any */

static void observe(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;
	int i = atomic_load(&nseen);
	struct observation *o;
	mach_msg_type_number_t count;
	mach_port_t thread;

	if (i >= MAX_SIGNALS) {
		atomic_fetch_add(&overflow, 1);
		return;
	}
	o = &seen[i];
	o->signal = sig;
	o->code = info->si_code;
	o->fault_address = (uint64_t)(uintptr_t)info->si_addr;
	memcpy(o->gregs, uc->uc_mcontext.gregs, sizeof(o->gregs));
	o->have_fpregs = uc->uc_mcontext.fpregs != NULL;
	if (o->have_fpregs)
		memcpy(o->fxsave, uc->uc_mcontext.fpregs, sizeof(o->fxsave));
	thread = mach_thread_self();
	count = x86_THREAD_STATE64_COUNT;
	o->state_kr = thread_get_state(thread, x86_THREAD_STATE64, (thread_state_t)&o->state, &count);
	o->state_count = count;
	count = x86_FLOAT_STATE64_COUNT;
	o->float_kr = thread_get_state(thread, x86_FLOAT_STATE64, (thread_state_t)&o->float_state, &count);
	count = x86_EXCEPTION_STATE64_COUNT;
	o->exception_kr = thread_get_state(thread, x86_EXCEPTION_STATE64, (thread_state_t)&o->exception, &count);
	mach_port_deallocate(mach_task_self(), thread);
	if (sig == SIGSEGV)
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)record_fault_resume;
	if (spin)
		spin->stop = 1;
	atomic_store(&nseen, i + 1);
}

/* x86_thread_state64 in its order, and where the ucontext keeps each register. */
static const struct {
	const char *name;
	int greg;
} thread_state_registers[] = {
	{ "rax", REG_RAX }, { "rbx", REG_RBX }, { "rcx", REG_RCX }, { "rdx", REG_RDX }, { "rdi", REG_RDI },
	{ "rsi", REG_RSI }, { "rbp", REG_RBP }, { "rsp", REG_RSP }, { "r8", REG_R8 },   { "r9", REG_R9 },
	{ "r10", REG_R10 }, { "r11", REG_R11 }, { "r12", REG_R12 }, { "r13", REG_R13 }, { "r14", REG_R14 },
	{ "r15", REG_R15 }, { "rip", REG_RIP }, { "rflags", REG_EFL },
};

/* The ucontext's cs, fs, gs: 16-bit fields of one word (struct sigcontext: cs, gs, fs, ss). */
static uint64_t context_segment(const struct observation *o, int shift)
{
	return ((uint64_t)o->gregs[REG_CSGSFS] >> shift) & 0xffff;
}

/* Every register of the server's thread state equals the ucontext's, and the float state too. */
static void expect_state_is_context(struct __test_metadata *_metadata, const struct observation *o)
{
	const uint64_t *state = (const uint64_t *)&o->state;
	const struct {
		const char *name;
		uint64_t server, context;
	} segments[] = {
		{ "cs", o->state.cs, context_segment(o, 0) },
		{ "fs", o->state.fs, context_segment(o, 32) },
		{ "gs", o->state.gs, context_segment(o, 16) },
	};

	ASSERT_EQ(KERN_SUCCESS, o->state_kr);
	ASSERT_EQ(x86_THREAD_STATE64_COUNT, o->state_count);
	/* (The harness's EXPECT is two statements: loops need braces.) */
	for (size_t i = 0; i < sizeof(thread_state_registers) / sizeof(thread_state_registers[0]); i++) {
		EXPECT_EQ((uint64_t)o->gregs[thread_state_registers[i].greg], state[i])
			TH_LOG("signal %d: %s is %#llx in the ucontext, %#llx from the server", o->signal,
			       thread_state_registers[i].name, (unsigned long long)o->gregs[thread_state_registers[i].greg],
			       (unsigned long long)state[i]);
	}
	for (size_t i = 0; i < sizeof(segments) / sizeof(segments[0]); i++) {
		EXPECT_EQ(segments[i].context, segments[i].server)
			TH_LOG("signal %d: %s is %#llx in the ucontext, %#llx from the server", o->signal,
			       segments[i].name, (unsigned long long)segments[i].context,
			       (unsigned long long)segments[i].server);
	}
	/* Read lazily from the client on the eBPF path: still the signal frame's. */
	ASSERT_EQ(KERN_SUCCESS, o->float_kr);
	ASSERT_TRUE(o->have_fpregs);
	EXPECT_EQ(0, memcmp(o->fxsave, &o->float_state.fpu_fcw, FXSAVE_SHARED))
		TH_LOG("signal %d: the float state differs from the ucontext's", o->signal);
}

static struct test_server server;

FIXTURE(rec) {
	bool from_records; /* the server runs the eBPF path */
	uint64_t served;   /* signals_from_records at the last look */
	int signals;       /* signals sent since then */
};

static int take_stats(uint64_t *served, uint32_t *path, uint32_t *reason)
{
	return dserver_rpc_dserver_stats(NULL, NULL, NULL, NULL, served, path, NULL, reason, NULL);
}

FIXTURE_SETUP(rec)
{
	uint32_t path = 0, reason = 0;

	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	ASSERT_EQ(0, dserver_signal_init());
	/* A managed call (dserver_stats is not one): this thread's signals then take the protocol. */
	ASSERT_NE(MACH_PORT_NULL, mach_task_self());
	atomic_store(&nseen, 0);
	atomic_store(&overflow, 0);
	spin = NULL;
	ASSERT_EQ(0, take_stats(&self->served, &path, &reason));
	self->from_records = path == DSERVER_SIGNAL_PATH_EBPF;
	self->signals = 0;
	if (!self->from_records)
		TH_LOG("note: the server runs the userspace signal path (reason %u): "
		       "registers are compared, the record count is not checked", reason);
}

FIXTURE_TEARDOWN(rec)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

/* Every signal sent since the last look was answered from its record (on the eBPF path). */
static void expect_served_from_records(struct __test_metadata *_metadata, FIXTURE_DATA(rec) *self)
{
	uint64_t served = 0;

	ASSERT_EQ(0, take_stats(&served, NULL, NULL));
	ASSERT_EQ(0, atomic_load(&overflow));
	if (self->from_records)
		EXPECT_EQ((uint64_t)self->signals, served - self->served)
			TH_LOG("%d signals, %llu served from records", self->signals,
			       (unsigned long long)(served - self->served));
	self->served = served;
	self->signals = 0;
}

static int install(int sig, int flags)
{
	struct sigaction sa = { .sa_sigaction = observe, .sa_flags = SA_SIGINFO | flags };

	sigemptyset(&sa.sa_mask);
	return dserver_sigaction(sig, &sa, NULL);
}

static bool wait_for_signals(int n)
{
	for (int64_t end = mt_now_ms() + WAIT_MS; atomic_load(&nseen) < n; mt_pause_ms(1))
		if (mt_now_ms() > end)
			return false;
	return true;
}

struct spinner {
	struct spin_flags flags;
	uint64_t base, rax;
	pid_t tid;
	atomic_int ready;
};

static void *spinner_main(void *arg)
{
	struct spinner *s = arg;
	mach_port_t thread = mach_thread_self(); /* a client thread: its signals take the protocol */

	s->tid = gettid();
	atomic_store(&s->ready, 1);
	spin_with_known_registers(&s->flags, s->base, s->rax);
	mach_port_deallocate(mach_task_self(), thread);
	return NULL;
}

/*
 * A signal that interrupts user code, not a system call: the kernel leaves
 * the registers as they were (its restart adjustment looks at orig_rax,
 * which is -1 here), even when rax happens to hold -ERESTARTSYS.
 */
TEST_F(rec, tgkill_to_a_spinning_thread)
{
	const uint64_t rax_values[] = { 0x5a17000000000000ull, (uint64_t)-ERESTARTSYS, 0 };

	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	for (int round = 0; round < 3; round++) {
		struct spinner s = { .base = 0x1111000000000000ull * (uint64_t)(round + 1) + 0x100,
				     .rax = rax_values[round] };
		const struct observation *o = &seen[round];
		pthread_t thread;

		spin = &s.flags;
		ASSERT_EQ(0, pthread_create(&thread, NULL, spinner_main, &s));
		ASSERT_TRUE(mt_wait_for(&s.ready, 1, WAIT_MS));
		for (int64_t end = mt_now_ms() + WAIT_MS; !s.flags.spinning; mt_pause_ms(1)) {
			ASSERT_LT(mt_now_ms(), end);
		}
		ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), s.tid, SIGUSR1));
		self->signals++;
		ASSERT_EQ(0, pthread_join(thread, NULL));
		spin = NULL;
		ASSERT_EQ(round + 1, atomic_load(&nseen));
		/* The kernel's view: the loop, with the values set before it. */
		EXPECT_EQ(SIGUSR1, o->signal);
		EXPECT_EQ(SI_TKILL, o->code);
		EXPECT_LE((uint64_t)(uintptr_t)spin_loop, (uint64_t)o->gregs[REG_RIP]);
		EXPECT_GT((uint64_t)(uintptr_t)spin_loop_end, (uint64_t)o->gregs[REG_RIP]);
		EXPECT_EQ(s.rax, (uint64_t)o->gregs[REG_RAX]);
		EXPECT_EQ((uint64_t)(uintptr_t)&s.flags, (uint64_t)o->gregs[REG_RDI]);
		for (int i = 1; i < 16; i++) {
			if (i == 4 || i == 7) /* rdi, rsp */
				continue;
			EXPECT_EQ(s.base + (uint64_t)i, (uint64_t)o->gregs[thread_state_registers[i].greg])
				TH_LOG("round %d: %s", round, thread_state_registers[i].name);
		}
		/* The server's view. */
		expect_state_is_context(_metadata, o);
		expect_served_from_records(_metadata, self);
	}
}

/* A signal sent to itself by a thread at the exit of tgkill, which succeeded: in a syscall, not adjusted. */
TEST_F(rec, tgkill_to_itself_at_a_system_call_exit)
{
	ASSERT_EQ(0, install(SIGUSR1, SA_RESTART));
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
	self->signals++;
	ASSERT_EQ(1, atomic_load(&nseen));
	EXPECT_EQ(0, seen[0].gregs[REG_RAX]);
	expect_state_is_context(_metadata, &seen[0]);
	expect_served_from_records(_metadata, self);
}

TEST_F(rec, fault_on_an_unmapped_address)
{
	const struct observation *o = &seen[0];

	ASSERT_EQ(0, install(SIGSEGV, 0));
	/* The handler resumes after the load, leaving rax as it was: 0. */
	EXPECT_EQ(0, record_faulting_load(FAULT_ADDRESS));
	self->signals++;
	ASSERT_EQ(1, atomic_load(&nseen));
	EXPECT_EQ(SIGSEGV, o->signal);
	EXPECT_EQ(SEGV_MAPERR, o->code);
	EXPECT_EQ(FAULT_ADDRESS, o->fault_address);
	EXPECT_EQ((uint64_t)(uintptr_t)record_fault_instruction, (uint64_t)o->gregs[REG_RIP]);
	EXPECT_EQ(FAULT_ADDRESS, (uint64_t)o->gregs[REG_RDI]);
	expect_state_is_context(_metadata, o);
	/* What a Mach debugger reads of the fault. */
	ASSERT_EQ(KERN_SUCCESS, o->exception_kr);
	EXPECT_EQ(FAULT_ADDRESS, o->exception.faultvaddr);
	EXPECT_EQ((uint64_t)o->gregs[REG_TRAPNO], o->exception.trapno); /* 14, a page fault, on both */
	expect_served_from_records(_metadata, self);
}

struct reader {
	int fd;
	pid_t tid;
	atomic_int ready;
	long result;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	mach_port_t thread = mach_thread_self(); /* a client thread: its signals take the protocol */
	char byte;

	r->tid = gettid();
	atomic_store(&r->ready, 1);
	r->result = raw_read(r->fd, &byte, 1);
	mach_port_deallocate(mach_task_self(), thread);
	return NULL;
}

/* True once thread tid sleeps in raw_read's read (/proc's syscall file: number ... pc). */
static bool blocked_in_raw_read(pid_t tid)
{
	char path[64], line[256];
	unsigned long long pc = 0;
	const char *last;
	int nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	last = strrchr(line, ' ');
	return sscanf(line, "%d", &nr) == 1 && nr == SYS_read && last && sscanf(last, " %llx", &pc) == 1 &&
	       pc == (uint64_t)(uintptr_t)raw_read_after;
}

static bool wait_blocked_in_raw_read(pid_t tid)
{
	for (int64_t end = mt_now_ms() + WAIT_MS; !blocked_in_raw_read(tid); mt_pause_ms(1))
		if (mt_now_ms() > end)
			return false;
	return true;
}

/*
 * A read(2) on an empty pipe, interrupted by a signal. pipe_read() returns
 * -ERESTARTSYS, and arch/x86/kernel/signal.c's handle_signal() (after the
 * signal_deliver tracepoint, before the frame is written) decides what the
 * handler's ucontext shows: with SA_RESTART the call is restarted, so rip
 * is moved back onto the 2-byte syscall instruction and rax holds the
 * system call number again (orig_rax); without it rax is -EINTR and rip
 * stays after the instruction. The eBPF program makes the same adjustment,
 * so the record, and the server's state, equal the ucontext either way.
 */
static void interrupt_a_blocking_read(struct __test_metadata *_metadata, FIXTURE_DATA(rec) *self, bool restart)
{
	struct reader r = { 0 };
	const struct observation *o = &seen[0];
	pthread_t thread;
	int fds[2];

	ASSERT_EQ(0, install(SIGUSR2, restart ? SA_RESTART : 0));
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	r.fd = fds[0];
	ASSERT_EQ(0, pthread_create(&thread, NULL, reader_main, &r));
	ASSERT_TRUE(mt_wait_for(&r.ready, 1, WAIT_MS));
	ASSERT_TRUE(wait_blocked_in_raw_read(r.tid));
	ASSERT_EQ(0, syscall(SYS_tgkill, getpid(), r.tid, SIGUSR2));
	self->signals++;
	ASSERT_TRUE(wait_for_signals(1));
	if (restart) /* the read sleeps again, and gets the byte */
		ASSERT_TRUE(wait_blocked_in_raw_read(r.tid));
	ASSERT_EQ(1, write(fds[1], "x", 1));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(restart ? 1 : -EINTR, r.result);
	EXPECT_EQ(SIGUSR2, o->signal);
	if (restart) {
		EXPECT_EQ((uint64_t)(uintptr_t)raw_read_syscall, (uint64_t)o->gregs[REG_RIP]);
		EXPECT_EQ(SYS_read, o->gregs[REG_RAX]);
	} else {
		EXPECT_EQ((uint64_t)(uintptr_t)raw_read_after, (uint64_t)o->gregs[REG_RIP]);
		EXPECT_EQ(-EINTR, o->gregs[REG_RAX]);
	}
	expect_state_is_context(_metadata, o);
	expect_served_from_records(_metadata, self);
}

TEST_F(rec, blocking_read_restarted_with_sa_restart)
{
	interrupt_a_blocking_read(_metadata, self, true);
}

TEST_F(rec, blocking_read_ends_with_eintr_without_sa_restart)
{
	interrupt_a_blocking_read(_metadata, self, false);
}

TEST_HARNESS_MAIN
