/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libdserver's signal support (PROTOCOL.md §7, §8): signal handlers that run
 * the client side of the interrupt protocol around the program's own
 * handler, and the handlers of the suspend and S2C signals.
 *
 * A program that talks to dserver and takes signals calls
 * dserver_signal_init() once, early, and installs its handlers for signals
 * 1-31 with dserver_sigaction() instead of sigaction(). Each such signal then
 * runs: interrupt_enter; sigprocess with the registers of the signal context
 * (so a debugger with an exception port sees, and may change, them; the
 * changes are written back into the ucontext); the program's handler or the
 * default action for the signal sigprocess returns (none if it returns 0);
 * interrupt_exit. Where the server's eBPF signal records are active, the
 * first two are one call, interrupt_enter_sigprocess (PROTOCOL.md §11), and
 * only what a debugger changed is written back. The program's handler may
 * make calls to the server. It runs
 * on the thread's alternate signal stack with signals 1-31 and the suspend
 * signal blocked; the S2C signal may nest inside it.
 */
#ifndef DSERVER_SIGNAL_H
#define DSERVER_SIGNAL_H

#include <signal.h>

#define DSERVER_API __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/* §1.5: glibc's SIGRTMIN and SIGRTMIN + 1. */
#define DSERVER_SIGNAL_SUSPEND 34
#define DSERVER_SIGNAL_S2C 35

/*
 * Installs the suspend and S2C handlers, gives the calling thread an
 * alternate signal stack, and does the same for every thread when it first
 * talks to the server. Without it the server cannot run S2C calls on an
 * idle thread of this process (remote mach_vm_allocate, out-of-line memory
 * for a thread that is not in a call) nor suspend it: it would be killed by
 * the signal's default action. Returns 0 or a negative errno.
 */
DSERVER_API int dserver_signal_init(void);

/* An alternate signal stack for the calling thread now (threads get one on their first call anyway). */
DSERVER_API int dserver_signal_thread_init(void);

/*
 * sigaction(2) for signals 1-31 (not SIGKILL, SIGSTOP): act's handler, mask
 * and SA_SIGINFO / SA_RESETHAND / SA_RESTART are kept and applied around the
 * protocol; SA_ONSTACK is implied. oldact receives the previous program
 * action. Returns 0 or -1 with errno set, as sigaction does.
 */
DSERVER_API int dserver_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);

/* Shorthand: an SA_SIGINFO handler for sig. 0 or -1 with errno set. */
DSERVER_API int dserver_signal_install(int sig, void (*handler)(int sig, siginfo_t *info, void *ucontext));

/* Darwin and Linux signal numbers (0 where the other system has no such signal). */
DSERVER_API int dserver_signal_to_darwin(int linux_signal);
DSERVER_API int dserver_signal_from_darwin(int darwin_signal);

#ifdef __cplusplus
}
#endif

#endif
