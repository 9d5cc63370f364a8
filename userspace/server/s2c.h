/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Server-to-client calls (PROTOCOL.md §8): mmap, munmap, mprotect and msync
 * carried out by a thread of the target process. One is outstanding per
 * thread at a time; others queue. A thread waiting for a reply gets the call
 * in-band; any other is sent signal 35 and fetches the calls with
 * s2c_perform. The requesting fiber waits for the result.
 */
#ifndef DSERVER_S2C_H
#define DSERVER_S2C_H

#include <stdbool.h>
#include <stdint.h>

struct call;
struct datagram;
struct process;
struct thread;

/* §1.5: the S2C signal, glibc's SIGRTMIN + 1. */
#define S2C_SIGNAL 35

/*
 * Each runs on a thread of target: `preferred` if it belongs to target
 * (the caller's own thread), else one waiting for a reply, else any.
 * 0 or -errno (a Linux errno from the client, or ESRCH / EPROTO).
 */
int s2c_mmap(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int prot,
	     int flags, uint64_t *mapped);
int s2c_munmap(struct process *target, struct thread *preferred, uint64_t address, uint64_t length);
int s2c_mprotect(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int prot);
int s2c_msync(struct process *target, struct thread *preferred, uint64_t address, uint64_t length, int flags);

/* An S2C reply datagram (0x052CCA11) arrived. */
void s2c_reply_received(struct datagram *dg);

/* The thread's client now waits for a reply: a queued S2C can go in-band. */
void s2c_call_started(struct thread *thread);

/* The process may now take signal 35 (W16): signal threads with queued S2C. */
void s2c_process_started(struct process *process);

/*
 * §8: a call's reply waits while the S2C sent into its receive loop is
 * unanswered. True if the reply is held; it is sent when the S2C is done.
 */
bool s2c_hold_reply(struct call *call);

/* Is this call waiting for an S2C on its own thread (in-band)? */
bool s2c_call_is_waiting(const struct call *call);

/* Park until an S2C of the thread is answered (or the thread dies). */
void s2c_wait_for_progress(struct thread *thread);

/*
 * The thread is gone: its S2C calls fail with ESRCH. Returns the call whose
 * reply was held for them, which the caller must complete, or NULL.
 */
struct call *s2c_thread_gone(struct thread *thread);

#endif
