/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * signal_client: a managed client that takes one signal and then waits.
 *
 * It checks in with the server at $DSERVER_SOCKET, has SIGUSR1 sent to its
 * own thread and handled through libdserver's signal support, prints
 * "pid P tid T signal S", and stays registered until its standard input
 * ends, so that a test can look at what the server and the kernel hold for
 * it meanwhile (selftests/server/bpftool_test.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mach/mach.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dserver/signal.h>

static atomic_int handled;

static void on_signal(int sig, siginfo_t *info, void *context)
{
	(void)info;
	(void)context;
	atomic_store(&handled, sig);
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "signal_client: %s: %s\n", what, why);
	return 1;
}

int main(void)
{
	mach_port_t port = MACH_PORT_NULL;
	kern_return_t kr;
	char byte;
	int err;

	err = dserver_signal_init();
	if (err)
		return fail("dserver_signal_init", strerror(-err));
	if (dserver_signal_install(SIGUSR1, on_signal) != 0)
		return fail("dserver_signal_install", strerror(errno));
	/* A call registers this thread, and with it its record slot. */
	kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
	if (kr != KERN_SUCCESS)
		return fail("mach_port_allocate", mach_error_string(kr));
	/* To this thread, as a signal from another process would reach it: delivered before tgkill returns. */
	if (syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) != 0)
		return fail("tgkill", strerror(errno));
	if (atomic_load(&handled) != SIGUSR1)
		return fail("SIGUSR1", "the handler did not run");
	printf("pid %d tid %d signal %d\n", getpid(), gettid(), SIGUSR1);
	fflush(stdout);
	while (read(STDIN_FILENO, &byte, 1) > 0)
		;
	return 0;
}
