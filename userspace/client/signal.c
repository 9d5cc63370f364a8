/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Signal handlers that run the client side of the interrupt protocol
 * (PROTOCOL.md §7.1): interrupt_enter, sigprocess with the signal context's
 * registers, the program's handler or the default action, interrupt_exit;
 * and the suspend (34) and S2C (35) handlers. The call the thread was in
 * when the signal came keeps waiting for its reply afterwards
 * (rpc_transport.c retries its receive).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>
#include <dserver/signal_record.h>

#include "client.h"
#include "rpc_transport.h"
#include "signal_state.h"

#define LINUX_SIGNALS 32 /* 1-31 */

/* The eBPF program leaves these alone: their handlers never use a record. */
_Static_assert(DSERVER_SIGNAL_SUSPEND == DSERVER_SIGNAL_RECORD_SUSPEND && DSERVER_SIGNAL_S2C == DSERVER_SIGNAL_RECORD_S2C,
	       "the signals the eBPF program skips are libdserver's own");
/* Room for the protocol's calls and the program's handler, with sanitizers' frames. */
#define ALT_STACK_SIZE (256 * 1024)

/* The program's actions, read by the handler: replaced whole, never in place. */
static _Atomic(struct sigaction *) program_actions[LINUX_SIGNALS];
static pthread_mutex_t actions_lock = PTHREAD_MUTEX_INITIALIZER;

/* Replaced actions: a handler on another thread may still be reading one, so they stay. */
struct retired_action {
	struct retired_action *next;
	struct sigaction *action;
};
static struct retired_action *retired;
static atomic_bool initialised;

static const unsigned char linux_to_darwin[LINUX_SIGNALS] = {
	[1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 10, [8] = 8, [9] = 9, [10] = 30,
	[11] = 11, [12] = 31, [13] = 13, [14] = 14, [15] = 15, [16] = 0, [17] = 20, [18] = 19, [19] = 17,
	[20] = 18, [21] = 21, [22] = 22, [23] = 16, [24] = 24, [25] = 25, [26] = 26, [27] = 27, [28] = 28,
	[29] = 23, [30] = 0, [31] = 12,
};

int dserver_signal_to_darwin(int sig)
{
	return sig > 0 && sig < LINUX_SIGNALS ? linux_to_darwin[sig] : 0;
}

int dserver_signal_from_darwin(int darwin)
{
	for (int sig = 1; sig < LINUX_SIGNALS; sig++)
		if (darwin > 0 && linux_to_darwin[sig] == darwin)
			return sig;
	return 0;
}

/* Any non-zero code of interrupt_enter / exit, or a transport failure, leaves the process unusable (§7.1). */
static void must(int code)
{
	if (code != 0)
		abort();
}

/* The signal's default action, from inside the handler (§7.1). */
static void default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
		return; /* ignored by default */
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		kill(getpid(), SIGSTOP);
		return;
	default: {
		/* Pending until the handler returns (it is blocked now), then fatal. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };

		sigaction(sig, &dfl, NULL);
		syscall(SYS_tgkill, getpid(), gettid(), sig);
	}
	}
}

static void run_program_action(int sig, siginfo_t *info, void *context)
{
	struct sigaction *act = sig < LINUX_SIGNALS ? atomic_load(&program_actions[sig]) : NULL;

	if (!act || act->sa_handler == SIG_DFL) {
		default_action(sig);
		return;
	}
	if (act->sa_handler == SIG_IGN)
		return;
	if (act->sa_flags & SA_RESETHAND)
		atomic_store(&program_actions[sig], NULL); /* kept allocated: another thread may run it now */
	if (act->sa_flags & SA_SIGINFO) {
		siginfo_t copy = *info;

		copy.si_signo = sig;
		act->sa_sigaction(sig, &copy, context);
	} else {
		act->sa_handler(sig);
	}
}

/* si_addr means something only for faults; si_pid only for signals a process sent. */
static uint64_t fault_address(int sig, const siginfo_t *info)
{
	bool fault = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;

	return fault && info->si_code > 0 ? (uint64_t)(uintptr_t)info->si_addr : 0;
}

static int32_t sender_pid(const siginfo_t *info)
{
	return info->si_code <= 0 ? info->si_pid : 0;
}

/* The Linux signal to deliver for the Darwin one sigprocess answered (0: none). */
static int signal_to_deliver(int32_t new_darwin)
{
	return new_darwin ? dserver_signal_from_darwin(new_darwin) : 0;
}

/*
 * §7.1 after interrupt_enter: sigprocess with the registers of the signal
 * context, which take back whatever a debugger made of them.
 */
static int process_signal(int sig, int darwin, siginfo_t *info, ucontext_t *uc, struct mach_signal_state *state)
{
	bool have_state = signal_state_from_context(uc, state);
	int32_t new_darwin = 0;
	int code = dserver_rpc_sigprocess(darwin, sig, sender_pid(info), info->si_code, fault_address(sig, info),
					  (uint64_t)(uintptr_t)state->thread_state,
					  (uint64_t)(uintptr_t)state->float_state, &new_darwin);

	if (code < 0)
		abort();
	if (code != 0)
		return sig; /* no context to process it in: deliver it as it is */
	if (have_state)
		signal_state_to_context(state, uc, SIGNAL_STATE_ALL);
	return signal_to_deliver(new_darwin);
}

/*
 * §11: interrupt_enter and sigprocess in one call, to a server whose eBPF
 * program has recorded the signal and the registers: it reads our copy of
 * the float state only if a debugger asks, and says what it wrote back.
 * rip and rsp tell it which record is this signal's.
 */
static int enter_and_process_signal(int sig, int darwin, siginfo_t *info, ucontext_t *uc,
				    struct mach_signal_state *state)
{
	bool have_state = signal_state_from_context(uc, state);
	int32_t new_darwin = 0, process_error = 0;
	uint32_t flags = 0;
	unsigned parts = 0;

	must(dserver_rpc_interrupt_enter_sigprocess(darwin, sig, sender_pid(info), info->si_code,
						    fault_address(sig, info), (uint64_t)(uintptr_t)state->thread_state,
						    (uint64_t)(uintptr_t)state->float_state,
						    state->thread_state[MACH_THREAD_STATE64_RIP],
						    state->thread_state[MACH_THREAD_STATE64_RSP], &new_darwin,
						    &process_error, &flags, NULL));
	/* As a failed sigprocess: the registers the thread would resume with are unknown. */
	if (process_error != 0)
		abort();
	if (flags & DSERVER_SIGPROCESS_WROTE_THREAD_STATE)
		parts |= SIGNAL_STATE_THREAD;
	if (flags & DSERVER_SIGPROCESS_WROTE_FLOAT_STATE)
		parts |= SIGNAL_STATE_FLOAT;
	if (have_state && parts)
		signal_state_to_context(state, uc, parts);
	return signal_to_deliver(new_darwin);
}

static void ordinary_signal(int sig, siginfo_t *info, void *context)
{
	/* Until interrupt_exit: the server may read the float state from here while a debugger looks. */
	struct mach_signal_state state;
	int saved_errno = errno;
	int darwin = dserver_signal_to_darwin(sig);
	bool processed = sig != SIGCONT && darwin;
	int deliver = sig;

	if (!dserver_client_in_session()) {
		/* The server has never heard of this thread: nothing was interrupted there. */
		run_program_action(sig, info, context);
		errno = saved_errno;
		return;
	}
	if (processed && dserver_rpc_server_has_signal_records()) {
		deliver = enter_and_process_signal(sig, darwin, info, context, &state);
	} else {
		must(dserver_rpc_interrupt_enter());
		if (processed)
			deliver = process_signal(sig, darwin, info, context, &state);
	}
	if (deliver)
		run_program_action(deliver, info, context);
	must(dserver_rpc_interrupt_exit());
	errno = saved_errno;
}

static void suspend_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	struct mach_signal_state state;
	bool have_state;

	(void)sig;
	(void)info;
	if (!dserver_client_in_session())
		return;
	must(dserver_rpc_interrupt_enter());
	have_state = signal_state_from_context(context, &state);
	int code = dserver_rpc_thread_suspended((uint64_t)(uintptr_t)state.thread_state,
						(uint64_t)(uintptr_t)state.float_state);

	if (code < 0)
		abort();
	if (code == 0 && have_state)
		signal_state_to_context(&state, context, SIGNAL_STATE_ALL);
	must(dserver_rpc_interrupt_exit());
	errno = saved_errno;
}

static void s2c_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	(void)sig;
	(void)info;
	(void)context;
	if (!dserver_client_in_session())
		return;
	must(dserver_rpc_interrupt_enter());
	if (dserver_rpc_s2c_perform() < 0)
		abort();
	must(dserver_rpc_interrupt_exit());
	errno = saved_errno;
}

/* §7.1: handlers mask 1-31 and the suspend signal; the S2C handler masks S2C too. */
static int install(int sig, void (*handler)(int, siginfo_t *, void *), int extra_flags, bool mask_s2c)
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_ONSTACK | extra_flags };

	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < LINUX_SIGNALS; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaddset(&sa.sa_mask, s);
	sigaddset(&sa.sa_mask, DSERVER_SIGNAL_SUSPEND);
	if (mask_s2c)
		sigaddset(&sa.sa_mask, DSERVER_SIGNAL_S2C);
	return sigaction(sig, &sa, NULL);
}

int dserver_signal_thread_init(void)
{
	stack_t current;
	void *stack;

	if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
		return 0; /* the thread has one */
	stack = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	stack_t ss = { .ss_sp = stack, .ss_size = ALT_STACK_SIZE };

	if (sigaltstack(&ss, NULL) != 0) {
		int err = -errno;

		munmap(stack, ALT_STACK_SIZE);
		return err;
	}
	dserver_client_set_alt_stack(stack, ALT_STACK_SIZE);
	return 0;
}

bool dserver_signal_enabled(void)
{
	return atomic_load(&initialised);
}

int dserver_signal_init(void)
{
	int err = dserver_signal_thread_init();

	if (err)
		return err;
	if (install(DSERVER_SIGNAL_SUSPEND, suspend_signal, SA_RESTART, false) != 0 ||
	    install(DSERVER_SIGNAL_S2C, s2c_signal, SA_RESTART, true) != 0)
		return -errno;
	atomic_store(&initialised, true);
	return 0;
}

int dserver_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	struct sigaction *copy = NULL, *old;

	if (sig <= 0 || sig >= LINUX_SIGNALS || sig == SIGKILL || sig == SIGSTOP) {
		errno = EINVAL;
		return -1;
	}
	if (act) {
		copy = malloc(sizeof(*copy));
		if (!copy) {
			errno = ENOMEM;
			return -1;
		}
		*copy = *act;
	}
	pthread_mutex_lock(&actions_lock);
	old = atomic_load(&program_actions[sig]);
	if (oldact) {
		if (old) {
			*oldact = *old;
		} else {
			memset(oldact, 0, sizeof(*oldact));
			oldact->sa_handler = SIG_DFL;
		}
	}
	if (act) {
		if (install(sig, ordinary_signal, act->sa_flags & SA_RESTART, false) != 0) {
			int err = errno;

			pthread_mutex_unlock(&actions_lock);
			free(copy);
			errno = err;
			return -1;
		}
		atomic_store(&program_actions[sig], copy);
		if (old) {
			struct retired_action *r = malloc(sizeof(*r));

			if (r) {
				r->action = old;
				r->next = retired;
				retired = r;
			}
		}
	}
	pthread_mutex_unlock(&actions_lock);
	return 0;
}

int dserver_signal_install(int sig, void (*handler)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_RESTART };

	sigemptyset(&sa.sa_mask);
	return dserver_sigaction(sig, &sa, NULL);
}
