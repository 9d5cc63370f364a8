/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Signal records (docs/DESIGN.md, "The eBPF fast path"): loads the eBPF
 * program of bpf/ at start, maps its record array, keeps its managed-process
 * and thread-slot maps current, and hands out a thread's fresh record to
 * sigprocess and interrupt_enter_sigprocess. Where the program cannot run,
 * every thread takes the userspace path and sigrecord_take() finds nothing.
 */
#ifndef DSERVER_SIGRECORD_H
#define DSERVER_SIGRECORD_H

#include <stdbool.h>
#include <stdint.h>

#include <dserver/signal_record.h>

struct thread;
struct process;

enum sigrecord_request {
	SIGRECORD_AUTO, /* eBPF if the kernel can run it, else userspace (logged once, with the reason) */
	SIGRECORD_ON,   /* eBPF or refuse to start */
	SIGRECORD_OFF,  /* userspace */
};

/* Parse --bpf's value; -1 for an unknown one. */
int sigrecord_parse_request(const char *name);

/*
 * At start. pin_dir (may be NULL): pin the program and maps there (a bpffs
 * directory). 0, or -1 when the request is ON (or pinning was asked for)
 * and cannot be met; the reason has been logged.
 */
int sigrecord_init(enum sigrecord_request request, const char *pin_dir);
void sigrecord_fini(void);

bool sigrecord_active(void);
enum dserver_signal_path_reason sigrecord_reason(void);
int sigrecord_reason_errno(void);   /* the errno behind the reason, or 0 */
uint32_t sigrecord_prog_id(void);   /* the kernel's id of the program, 0 when inactive */
uint64_t sigrecord_served(void);    /* signals answered from a record */

/* A thread was registered / is going away: give it a slot, take it back. */
void sigrecord_thread_attach(struct thread *thread);
void sigrecord_thread_detach(struct thread *thread);
/* The process is gone: its thread group is no longer managed. */
void sigrecord_process_detach(struct process *process);

/* What the caller knows of the signal its handler runs for. */
struct sigrecord_expect {
	int linux_signal;
	bool have_registers;  /* rip and rsp from the handler's ucontext, to match too */
	uint64_t rip, rsp;
};

/*
 * The thread's newest record, if it is complete, not taken before, for this
 * thread and matches *expect: copied into *out, marked taken and counted in
 * sigrecord_served(). false otherwise (also for a process that is not
 * x86_64); the caller then copies the state in from the client.
 */
bool sigrecord_take(struct thread *thread, const struct sigrecord_expect *expect, struct dserver_signal_record *out);

#endif
