// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * A debugger and its target, as two real processes (PROTOCOL.md §7.6):
 * the debugger (this process) takes the target's exception port with
 * task_for_pid and task_set_exception_ports; the target, which installs
 * its handlers with libdserver, faults on an unmapped address and sends
 * itself SIGUSR1. The debugger reads the exception messages by hand,
 * reads and changes the faulting thread's registers and answers; the
 * target must go on with the changed registers, and its own handler must
 * run exactly when no debugger handled the signal.
 *
 * The target's faulting load and its recovery point are fixed
 * instructions (below), so the debugger knows where the fault must be
 * and where to resume, whatever the compiler did with the C around them;
 * the target passes the result of the load (rax) back, so a changed
 * register is seen by the target, not only by the server. A second
 * faulting function does the same around xmm0, for the float state.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <mach/mach_exc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>
#include <dserver/signal_record.h>

#include "kselftest_harness.h"
#include "mach_test_util.h"
#include "raw_client.h"

/*
 * debugger_faulting_load(address): rax = 0, then a load of *address into
 * rax (the faulting instruction) and the recovery point right after it.
 */
__asm__(".text\n"
	".type debugger_faulting_load, @function\n"
	"debugger_faulting_load:\n"
	"	xorl %eax, %eax\n"
	"debugger_fault_instruction:\n"
	"	movq (%rdi), %rax\n"
	"debugger_fault_resume:\n"
	"	ret\n"
	".size debugger_faulting_load, . - debugger_faulting_load\n");
uint64_t debugger_faulting_load(uint64_t address) __asm__("debugger_faulting_load");
extern const char debugger_fault_instruction[] __asm__("debugger_fault_instruction");
extern const char debugger_fault_resume[] __asm__("debugger_fault_resume");

/*
 * debugger_float_fault(address, in, out): xmm0 = 16 bytes at in, the
 * faulting load of *address into rax, and at the recovery point xmm0 is
 * stored at out: what the thread resumed with.
 */
__asm__(".text\n"
	".type debugger_float_fault, @function\n"
	"debugger_float_fault:\n"
	"	movdqu (%rsi), %xmm0\n"
	"	xorl %eax, %eax\n"
	"debugger_float_fault_instruction:\n"
	"	movq (%rdi), %rax\n"
	"debugger_float_fault_resume:\n"
	"	movdqu %xmm0, (%rdx)\n"
	"	ret\n"
	".size debugger_float_fault, . - debugger_float_fault\n");
uint64_t debugger_float_fault(uint64_t address, const void *in, void *out) __asm__("debugger_float_fault");
extern const char debugger_float_fault_instruction[] __asm__("debugger_float_fault_instruction");
extern const char debugger_float_fault_resume[] __asm__("debugger_float_fault_resume");

/* Below Linux's mmap_min_addr (64 KiB): never mapped, so the load always faults. */
#define FAULT_ADDRESS 0x8f48ull
#define DEBUGGER_MAGIC 0xdeb0000000000001ull
#define DEBUGGER_MAGIC_2 0xdeb0000000000002ull
#define HANDLER_MAGIC 0x5e9f000000000005ull

#define DARWIN_SIGUSR1 30
#define DARWIN_SIGUSR2 31
#define EXC_SOFT_SIGNAL 0x10003
#define REPLY_ID_OFFSET 100
#define WAIT_MS 10000 /* bound on any one wait: far above normal, far below the harness's limit */
#define SETTLE_MS 100  /* long enough for a thread that is not held to finish its round */

static struct test_server server;

enum action { ACTION_FAULT = 1, ACTION_SIGUSR1, ACTION_FLOAT_FAULT };

#define XMM_SIZE 16

#define MAX_ROUNDS 8

/* Shared between the debugger and the target (an anonymous shared mapping made before fork). */
struct shared {
	atomic_int ready;
	atomic_int go;   /* the round the debugger lets the target run */
	atomic_int done; /* the last round the target finished */
	enum action actions[MAX_ROUNDS];
	uint64_t load_result[MAX_ROUNDS];
	unsigned char xmm_in[XMM_SIZE];
	unsigned char xmm_out[MAX_ROUNDS][XMM_SIZE];
	atomic_int segv_runs, usr1_runs, usr2_runs;
	int32_t tid;
};

static struct shared *sh;

/* ---- the target ---- */

/* The program's own SIGSEGV handler: recovers at the same place, with its own mark in rax. */
static void segv_handler(int sig, siginfo_t *info, void *context)
{
	ucontext_t *uc = context;

	(void)sig;
	(void)info;
	atomic_fetch_add(&sh->segv_runs, 1);
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)debugger_fault_resume;
	uc->uc_mcontext.gregs[REG_RAX] = (greg_t)HANDLER_MAGIC;
}

static void usr1_handler(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	atomic_fetch_add(&sh->usr1_runs, 1);
}

static void usr2_handler(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	atomic_fetch_add(&sh->usr2_runs, 1);
}

/* Runs the debugger's script, one round per go, and exits. */
static void __attribute__((noreturn)) target_main(void)
{
	if (dserver_signal_init() != 0 || dserver_signal_install(SIGSEGV, segv_handler) != 0 ||
	    dserver_signal_install(SIGUSR1, usr1_handler) != 0 || dserver_signal_install(SIGUSR2, usr2_handler) != 0 ||
	    mach_task_self() == MACH_PORT_NULL)
		_exit(2);
	sh->tid = gettid();
	atomic_store(&sh->ready, 1);
	for (int round = 1; round < MAX_ROUNDS && sh->actions[round]; round++) {
		if (!mt_wait_for(&sh->go, round, WAIT_MS))
			_exit(3);
		if (sh->actions[round] == ACTION_FAULT)
			sh->load_result[round] = debugger_faulting_load(FAULT_ADDRESS);
		else if (sh->actions[round] == ACTION_FLOAT_FAULT)
			sh->load_result[round] = debugger_float_fault(FAULT_ADDRESS, sh->xmm_in, sh->xmm_out[round]);
		else
			syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
		atomic_store(&sh->done, round);
	}
	_exit(0);
}

/* ---- the debugger ---- */

union exception_message {
	mach_msg_header_t head;
	__Request__exception_raise_t raise;
	__Request__mach_exception_raise_t mach_raise;
	__Request__mach_exception_raise_state_identity_t mach_state_identity;
	uint8_t bytes[sizeof(__Request__mach_exception_raise_state_identity_t) + sizeof(mach_msg_max_trailer_t)];
};

FIXTURE(dbg) {
	pid_t child;
	mach_port_t task;
	mach_port_t port;
};

FIXTURE_SETUP(dbg)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	self->child = -1;
	self->task = MACH_PORT_NULL;
	ASSERT_EQ(KERN_SUCCESS, mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &self->port));
	ASSERT_EQ(KERN_SUCCESS, mach_port_insert_right(mach_task_self(), self->port, self->port,
						       MACH_MSG_TYPE_MAKE_SEND));
}

FIXTURE_TEARDOWN(dbg)
{
	mt_stop_child(&self->child);
	munmap(sh, sizeof(*sh));
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

/* Starts a target with this script (terminated by 0) and takes its task port. */
static bool start_target(FIXTURE_DATA(dbg) *self, const enum action *script)
{
	for (int i = 0; script[i] && i + 1 < MAX_ROUNDS; i++)
		sh->actions[i + 1] = script[i];
	self->child = fork();
	if (self->child == 0)
		target_main();
	return self->child > 0 && mt_wait_for(&sh->ready, 1, WAIT_MS) &&
	       task_for_pid(mach_task_self(), self->child, &self->task) == KERN_SUCCESS;
}

/* Lets the target run round, and waits until it is done; false if it did not finish in time. */
static bool run_round(int round)
{
	atomic_store(&sh->go, round);
	return mt_wait_for(&sh->done, round, WAIT_MS);
}

static mach_msg_return_t receive_exception(mach_port_t port, union exception_message *m, mach_msg_timeout_t ms)
{
	memset(m, 0, sizeof(*m));
	return mach_msg(&m->head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*m), port, ms, MACH_PORT_NULL);
}

/* The reply of exc.defs / mach_exc.defs without a state. */
static mach_msg_return_t reply_plain(const mach_msg_header_t *request, kern_return_t code)
{
	__Reply__exception_raise_t r;

	memset(&r, 0, sizeof(r));
	r.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request->msgh_bits), 0);
	r.Head.msgh_size = sizeof(r);
	r.Head.msgh_remote_port = request->msgh_remote_port;
	r.Head.msgh_id = request->msgh_id + REPLY_ID_OFFSET;
	r.NDR = NDR_record;
	r.RetCode = code;
	return mach_msg(&r.Head, MACH_SEND_MSG, sizeof(r), 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

/* The reply of a state behavior: KERN_SUCCESS and the state (of flavor) the thread resumes with. */
static mach_msg_return_t reply_flavor(const mach_msg_header_t *request, thread_state_flavor_t flavor,
				      const void *state, mach_msg_type_number_t count)
{
	__Reply__exception_raise_state_t r;
	mach_msg_size_t size = (mach_msg_size_t)(offsetof(__Reply__exception_raise_state_t, new_state) + 4 * count);

	memset(&r, 0, sizeof(r));
	r.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request->msgh_bits), 0);
	r.Head.msgh_size = size;
	r.Head.msgh_remote_port = request->msgh_remote_port;
	r.Head.msgh_id = request->msgh_id + REPLY_ID_OFFSET;
	r.NDR = NDR_record;
	r.RetCode = KERN_SUCCESS;
	r.flavor = flavor;
	r.new_stateCnt = count;
	memcpy(r.new_state, state, 4 * count);
	return mach_msg(&r.Head, MACH_SEND_MSG, size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

static mach_msg_return_t reply_state(const mach_msg_header_t *request, const x86_thread_state64_t *state)
{
	return reply_flavor(request, x86_THREAD_STATE64, state, x86_THREAD_STATE64_COUNT);
}

/* How the server has got the state of signals so far (dserver_stats, PROTOCOL.md §11). */
struct signal_stats {
	bool ebpf;                /* it has eBPF signal records */
	uint64_t from_records;    /* signals answered from them */
	uint64_t sigprocess;      /* calls of sigprocess */
	uint64_t enter_sigprocess; /* calls of interrupt_enter_sigprocess */
};

#define STATS_RECORD_SIZE 48
#define STATS_NAME_SIZE 24

static bool read_signal_stats(struct signal_stats *st)
{
	uint64_t count = 0;
	uint32_t path = DSERVER_SIGNAL_PATH_USERSPACE;
	unsigned char record[STATS_RECORD_SIZE];
	int fd = -1;

	memset(st, 0, sizeof(*st));
	if (dserver_rpc_dserver_stats(&count, &fd, NULL, NULL, &st->from_records, &path, NULL, NULL, NULL) != 0 ||
	    fd < 0)
		return false;
	st->ebpf = path == DSERVER_SIGNAL_PATH_EBPF;
	for (uint64_t i = 0; i < count && read(fd, record, sizeof(record)) == sizeof(record); i++) {
		uint64_t calls;

		memcpy(&calls, record + STATS_NAME_SIZE, sizeof(calls));
		if (!strncmp((const char *)record, "sigprocess", STATS_NAME_SIZE))
			st->sigprocess = calls;
		else if (!strncmp((const char *)record, "interrupt_enter_sigprocess", STATS_NAME_SIZE))
			st->enter_sigprocess = calls;
	}
	close(fd);
	return true;
}

/* Moves a faulting thread past debugger_float_fault's load, with rax = mark. */
static kern_return_t skip_float_fault(mach_port_t thread, uint64_t mark)
{
	x86_thread_state64_t state;
	kern_return_t kr = mt_get_state64(thread, &state);

	if (kr != KERN_SUCCESS)
		return kr;
	if (state.rip != (uintptr_t)debugger_float_fault_instruction)
		return KERN_FAILURE;
	state.rip = (uintptr_t)debugger_float_fault_resume;
	state.rax = mark;
	return mt_set_state64(thread, &state);
}

static void drop_rights(mach_port_t thread, mach_port_t task)
{
	mach_port_deallocate(mach_task_self(), thread);
	mach_port_deallocate(mach_task_self(), task);
}

/*
 * EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES with x86_THREAD_STATE64:
 * the message carries the fault and the registers; the reply's state is
 * the one the thread resumes with.
 */
TEST_F(dbg, bad_access_state_identity_reply_sets_registers)
{
	static const enum action script[] = { ACTION_FAULT, ACTION_FAULT, 0 };
	const exception_behavior_t behavior = EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES;
	union exception_message m;

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_ACCESS | EXC_MASK_SOFTWARE,
							 self->port, behavior, x86_THREAD_STATE64));
	atomic_store(&sh->go, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));

	__Request__mach_exception_raise_state_identity_t *rq = &m.mach_state_identity;

	ASSERT_EQ(MACH_EXCEPTION_RAISE_STATE_IDENTITY_ID, rq->Head.msgh_id);
	ASSERT_TRUE(rq->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX);
	ASSERT_EQ(2, rq->msgh_body.msgh_descriptor_count);
	EXPECT_EQ(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSGH_BITS_REMOTE(rq->Head.msgh_bits));
	/* The task is the one task_for_pid named: a right to a port we hold lands on the same name. */
	EXPECT_EQ(self->task, rq->task.name);
	EXPECT_EQ(EXC_BAD_ACCESS, rq->exception);
	ASSERT_EQ(2, rq->codeCnt);
	EXPECT_EQ(KERN_INVALID_ADDRESS, rq->code[0]);
	EXPECT_EQ(FAULT_ADDRESS, (uint64_t)rq->code[1]);
	ASSERT_EQ(x86_THREAD_STATE64, rq->flavor);
	ASSERT_EQ(x86_THREAD_STATE64_COUNT, rq->old_stateCnt);
	x86_thread_state64_t old, state;

	memcpy(&old, rq->old_state, sizeof(old));
	EXPECT_EQ((uintptr_t)debugger_fault_instruction, old.rip);
	EXPECT_EQ(FAULT_ADDRESS, old.rdi);

	/* The thread port shows the same registers while the thread waits for the answer. */
	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(rq->thread.name, &state));
	EXPECT_EQ(0, memcmp(&state, &old, sizeof(state)));
	int32_t tid = 0;

	EXPECT_EQ(0, dserver_rpc_tid_for_thread(rq->thread.name, &tid));
	EXPECT_EQ(sh->tid, tid);

	state.rip = (uintptr_t)debugger_fault_resume;
	state.rax = DEBUGGER_MAGIC;
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_state(&rq->Head, &state));
	drop_rights(rq->thread.name, rq->task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 1, WAIT_MS));
	EXPECT_EQ(DEBUGGER_MAGIC, sh->load_result[1]);
	EXPECT_EQ(0, atomic_load(&sh->segv_runs));

	/* Handled once is not handled for ever: the next fault is reported again. */
	atomic_store(&sh->go, 2);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));
	ASSERT_EQ(MACH_EXCEPTION_RAISE_STATE_IDENTITY_ID, rq->Head.msgh_id);
	memcpy(&state, rq->old_state, sizeof(state));
	state.rip = (uintptr_t)debugger_fault_resume;
	state.rax = DEBUGGER_MAGIC_2;
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_state(&rq->Head, &state));
	drop_rights(rq->thread.name, rq->task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 2, WAIT_MS));
	EXPECT_EQ(DEBUGGER_MAGIC_2, sh->load_result[2]);
	EXPECT_EQ(0, atomic_load(&sh->segv_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

/*
 * EXCEPTION_DEFAULT (exc.defs, 32-bit codes): no state in the message; the
 * debugger changes the registers with thread_set_state and answers
 * KERN_SUCCESS.
 */
TEST_F(dbg, bad_access_default_thread_set_state)
{
	static const enum action script[] = { ACTION_FAULT, 0 };
	union exception_message m;

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_ACCESS, self->port,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	atomic_store(&sh->go, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));

	__Request__exception_raise_t *rq = &m.raise;

	ASSERT_EQ(EXCEPTION_RAISE_ID, rq->Head.msgh_id);
	ASSERT_EQ(2, rq->msgh_body.msgh_descriptor_count);
	EXPECT_EQ(self->task, rq->task.name);
	EXPECT_EQ(EXC_BAD_ACCESS, rq->exception);
	ASSERT_EQ(2, rq->codeCnt);
	EXPECT_EQ(KERN_INVALID_ADDRESS, rq->code[0]);
	EXPECT_EQ((integer_t)FAULT_ADDRESS, rq->code[1]);

	x86_thread_state64_t state, back;

	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(rq->thread.name, &state));
	EXPECT_EQ((uintptr_t)debugger_fault_instruction, state.rip);
	EXPECT_EQ(FAULT_ADDRESS, state.rdi);
	state.rip = (uintptr_t)debugger_fault_resume;
	state.rax = DEBUGGER_MAGIC;
	ASSERT_EQ(KERN_SUCCESS, mt_set_state64(rq->thread.name, &state));
	/* The new registers read back before the thread has resumed. */
	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(rq->thread.name, &back));
	EXPECT_EQ(DEBUGGER_MAGIC, back.rax);
	/*
	 * §7.6 step 4, W14: suspending the thread from the handler returns at
	 * once (the thread is parked in sigprocess), and the thread stays
	 * stopped after the answer until it is resumed.
	 */
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(rq->thread.name));
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_plain(&rq->Head, KERN_SUCCESS));
	mt_pause_ms(SETTLE_MS);
	EXPECT_EQ(0, atomic_load(&sh->done));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(rq->thread.name));
	drop_rights(rq->thread.name, rq->task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 1, WAIT_MS));
	EXPECT_EQ(DEBUGGER_MAGIC, sh->load_result[1]);
	EXPECT_EQ(0, atomic_load(&sh->segv_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

/*
 * Nobody handles the exception: the receive right is gone, the debugger
 * destroys the request without answering, or answers with an error. Each
 * time the program's own handler gets the SIGSEGV, at once.
 */
TEST_F(dbg, unhandled_bad_access_reaches_the_program_handler)
{
	static const enum action script[] = { ACTION_FAULT, ACTION_FAULT, ACTION_FAULT, 0 };
	union exception_message m;

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_ACCESS, self->port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE));

	/* Round 1: the debugger answers KERN_FAILURE. */
	atomic_store(&sh->go, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));
	ASSERT_EQ(MACH_EXCEPTION_RAISE_ID, m.head.msgh_id);
	EXPECT_EQ(FAULT_ADDRESS, (uint64_t)m.mach_raise.code[1]);
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_plain(&m.head, KERN_FAILURE));
	drop_rights(m.mach_raise.thread.name, m.mach_raise.task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 1, WAIT_MS));
	EXPECT_EQ(HANDLER_MAGIC, sh->load_result[1]);
	EXPECT_EQ(1, atomic_load(&sh->segv_runs));

	/* Round 2: it destroys the request, and with it the reply right. */
	atomic_store(&sh->go, 2);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));
	ASSERT_EQ(MACH_EXCEPTION_RAISE_ID, m.head.msgh_id);
	mach_msg_destroy(&m.head);
	ASSERT_TRUE(mt_wait_for(&sh->done, 2, WAIT_MS));
	EXPECT_EQ(HANDLER_MAGIC, sh->load_result[2]);
	EXPECT_EQ(2, atomic_load(&sh->segv_runs));

	/* Round 3: the port is dead before the fault. */
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), self->port, MACH_PORT_RIGHT_RECEIVE, -1));
	ASSERT_TRUE(run_round(3));
	EXPECT_EQ(HANDLER_MAGIC, sh->load_result[3]);
	EXPECT_EQ(3, atomic_load(&sh->segv_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

/* sigexc off (§7.6): a software signal is not an exception, even with a port for EXC_SOFTWARE. */
TEST_F(dbg, software_signal_without_sigexc_is_delivered)
{
	static const enum action script[] = { ACTION_SIGUSR1, 0 };
	union exception_message m;

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_SOFTWARE | EXC_MASK_BAD_ACCESS,
							 self->port, EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES,
							 THREAD_STATE_NONE));
	ASSERT_TRUE(run_round(1));
	EXPECT_EQ(1, atomic_load(&sh->usr1_runs));
	EXPECT_EQ(MACH_RCV_TIMED_OUT, receive_exception(self->port, &m, 100));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

/*
 * The float state a debugger reads is the one the thread had at the fault
 * (where the server has eBPF signal records, it reads it from the client
 * only then), and one it sets is the one the thread resumes with: with
 * thread_get_state / thread_set_state under EXCEPTION_DEFAULT, and in the
 * message and reply of EXCEPTION_STATE_IDENTITY with x86_FLOAT_STATE64.
 * With records, both faults are answered from them.
 */
TEST_F(dbg, float_state_is_the_threads_and_a_debugger_changes_it)
{
	static const enum action script[] = { ACTION_FLOAT_FAULT, ACTION_FLOAT_FAULT, 0 };
	static const unsigned char in[XMM_SIZE] = "xmm0 at a fault", out1[XMM_SIZE] = "set by debugger",
				   out2[XMM_SIZE] = "in a reply, too";
	mach_msg_type_number_t count = x86_FLOAT_STATE64_COUNT;
	union exception_message m;
	x86_float_state64_t fs;
	struct signal_stats before, after;

	ASSERT_TRUE(read_signal_stats(&before));
	memcpy(sh->xmm_in, in, XMM_SIZE);
	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_ACCESS, self->port,
							 EXCEPTION_DEFAULT, THREAD_STATE_NONE));
	atomic_store(&sh->go, 1);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));
	ASSERT_EQ(EXCEPTION_RAISE_ID, m.head.msgh_id);
	mach_port_t thread = m.raise.thread.name;

	ASSERT_EQ(KERN_SUCCESS, thread_get_state(thread, x86_FLOAT_STATE64, (thread_state_t)&fs, &count));
	ASSERT_EQ(x86_FLOAT_STATE64_COUNT, count);
	EXPECT_EQ(0, memcmp(fs.fpu_xmm[0].xmm_reg, in, XMM_SIZE));
	/* The control bits of MXCSR as a Linux process starts with them (the status bits may be set). */
	EXPECT_EQ(0x1f80u, fs.fpu_mxcsr & ~0x3fu);
	memcpy(fs.fpu_xmm[0].xmm_reg, out1, XMM_SIZE);
	ASSERT_EQ(KERN_SUCCESS, thread_set_state(thread, x86_FLOAT_STATE64, (thread_state_t)&fs,
						 x86_FLOAT_STATE64_COUNT));
	ASSERT_EQ(KERN_SUCCESS, skip_float_fault(thread, DEBUGGER_MAGIC));
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_plain(&m.head, KERN_SUCCESS));
	drop_rights(thread, m.raise.task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 1, WAIT_MS));
	EXPECT_EQ(DEBUGGER_MAGIC, sh->load_result[1]);
	EXPECT_EQ(0, memcmp(sh->xmm_out[1], out1, XMM_SIZE));

	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_BAD_ACCESS, self->port,
							 EXCEPTION_STATE_IDENTITY | MACH_EXCEPTION_CODES,
							 x86_FLOAT_STATE64));
	atomic_store(&sh->go, 2);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));

	__Request__mach_exception_raise_state_identity_t *rq = &m.mach_state_identity;

	ASSERT_EQ(MACH_EXCEPTION_RAISE_STATE_IDENTITY_ID, rq->Head.msgh_id);
	ASSERT_EQ(x86_FLOAT_STATE64, rq->flavor);
	ASSERT_EQ(x86_FLOAT_STATE64_COUNT, rq->old_stateCnt);
	memcpy(&fs, rq->old_state, sizeof(fs));
	EXPECT_EQ(0, memcmp(fs.fpu_xmm[0].xmm_reg, in, XMM_SIZE));
	ASSERT_EQ(KERN_SUCCESS, skip_float_fault(rq->thread.name, DEBUGGER_MAGIC_2));
	memcpy(fs.fpu_xmm[0].xmm_reg, out2, XMM_SIZE);
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_flavor(&rq->Head, x86_FLOAT_STATE64, &fs, x86_FLOAT_STATE64_COUNT));
	drop_rights(rq->thread.name, rq->task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, 2, WAIT_MS));
	EXPECT_EQ(DEBUGGER_MAGIC_2, sh->load_result[2]);
	EXPECT_EQ(0, memcmp(sh->xmm_out[2], out2, XMM_SIZE));
	EXPECT_EQ(0, atomic_load(&sh->segv_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));

	/* With records, also the plain sigprocess of a client without extensions is answered from them. */
	bool one_call = before.ebpf && !getenv("DSERVER_NO_EXTENSIONS");

	ASSERT_TRUE(read_signal_stats(&after));
	EXPECT_EQ(before.ebpf, after.ebpf);
	EXPECT_EQ(before.from_records + (before.ebpf ? 2 : 0), after.from_records);
	EXPECT_EQ(before.enter_sigprocess + (one_call ? 2 : 0), after.enter_sigprocess);
	EXPECT_EQ(before.sigprocess + (one_call ? 0 : 2), after.sigprocess);
}

#define NO_CHOICE (-1) /* the debugger does not call ptrace_thupdate */

/*
 * One SIGUSR1 of a target with sigexc on: the debugger must get
 * EXC_SOFTWARE with [EXC_SOFT_SIGNAL, SIGUSR1] from the signalled thread,
 * choose the signal to deliver (or not), and answer KERN_SUCCESS.
 */
static void soft_signal_round(struct __test_metadata *_metadata, FIXTURE_DATA(dbg) *self, int round,
			      int32_t choice)
{
	union exception_message m;
	__Request__mach_exception_raise_t *rq = &m.mach_raise;
	int32_t tid = 0;

	atomic_store(&sh->go, round);
	ASSERT_EQ(MACH_MSG_SUCCESS, receive_exception(self->port, &m, WAIT_MS));
	ASSERT_EQ(MACH_EXCEPTION_RAISE_ID, rq->Head.msgh_id);
	EXPECT_EQ(self->task, rq->task.name);
	EXPECT_EQ(EXC_SOFTWARE, rq->exception);
	ASSERT_EQ(2, rq->codeCnt);
	EXPECT_EQ(EXC_SOFT_SIGNAL, rq->code[0]);
	EXPECT_EQ(DARWIN_SIGUSR1, rq->code[1]);
	ASSERT_EQ(0, dserver_rpc_tid_for_thread(rq->thread.name, &tid));
	EXPECT_EQ(sh->tid, tid);
	if (choice != NO_CHOICE)
		ASSERT_EQ(0, dserver_rpc_ptrace_thupdate(tid, choice));
	ASSERT_EQ(MACH_MSG_SUCCESS, reply_plain(&rq->Head, KERN_SUCCESS));
	drop_rights(rq->thread.name, rq->task.name);
	ASSERT_TRUE(mt_wait_for(&sh->done, round, WAIT_MS));
}

/*
 * sigexc on (PT_ATTACHEXC: set_tracer, then ptrace_sigexc): SIGUSR1
 * becomes EXC_SOFTWARE with [EXC_SOFT_SIGNAL, the Darwin signal]; the
 * debugger chooses with ptrace_thupdate what the thread delivers: nothing,
 * the signal, or another one.
 */
TEST_F(dbg, software_signal_with_sigexc_goes_to_the_debugger)
{
	static const enum action script[] = { ACTION_SIGUSR1, ACTION_SIGUSR1, ACTION_SIGUSR1, ACTION_SIGUSR1, 0 };

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_SOFTWARE, self->port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE));
	/* W6: only the target or its tracer may turn sigexc on. */
	EXPECT_EQ(EPERM, dserver_rpc_ptrace_sigexc(self->child, true));
	ASSERT_EQ(0, dserver_rpc_set_tracer(self->child, getpid()));
	ASSERT_EQ(0, dserver_rpc_ptrace_sigexc(self->child, true));
	/* W5: the target is not in a handler yet, so it has no pending signal to set. */
	EXPECT_EQ(EINVAL, dserver_rpc_ptrace_thupdate(sh->tid, 0));

	/* The debugger answers without choosing a signal: it is dropped. */
	soft_signal_round(_metadata, self, 1, NO_CHOICE);
	EXPECT_EQ(0, atomic_load(&sh->usr1_runs));
	/* It drops it explicitly. */
	soft_signal_round(_metadata, self, 2, 0);
	EXPECT_EQ(0, atomic_load(&sh->usr1_runs));
	/* It passes it on. */
	soft_signal_round(_metadata, self, 3, DARWIN_SIGUSR1);
	EXPECT_EQ(1, atomic_load(&sh->usr1_runs));
	EXPECT_EQ(0, atomic_load(&sh->usr2_runs));
	/* It turns it into SIGUSR2. */
	soft_signal_round(_metadata, self, 4, DARWIN_SIGUSR2);
	EXPECT_EQ(1, atomic_load(&sh->usr1_runs));
	EXPECT_EQ(1, atomic_load(&sh->usr2_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

/* W13: with sigexc on and no live exception port, the signal is delivered, not lost. */
TEST_F(dbg, software_signal_with_sigexc_and_a_dead_port_is_delivered)
{
	static const enum action script[] = { ACTION_SIGUSR1, ACTION_SIGUSR1, 0 };

	ASSERT_TRUE(start_target(self, script));
	ASSERT_EQ(0, dserver_rpc_set_tracer(self->child, getpid()));
	ASSERT_EQ(0, dserver_rpc_ptrace_sigexc(self->child, true));
	/* No port at all. */
	ASSERT_TRUE(run_round(1));
	EXPECT_EQ(1, atomic_load(&sh->usr1_runs));
	/* A port whose receiver is gone. */
	ASSERT_EQ(KERN_SUCCESS, task_set_exception_ports(self->task, EXC_MASK_SOFTWARE, self->port,
							 EXCEPTION_DEFAULT | MACH_EXCEPTION_CODES, THREAD_STATE_NONE));
	ASSERT_EQ(KERN_SUCCESS, mach_port_mod_refs(mach_task_self(), self->port, MACH_PORT_RIGHT_RECEIVE, -1));
	ASSERT_TRUE(run_round(2));
	EXPECT_EQ(2, atomic_load(&sh->usr1_runs));
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

TEST_HARNESS_MAIN
