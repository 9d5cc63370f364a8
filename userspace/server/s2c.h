/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Server-to-client calls (PROTOCOL.md §8), in-band: the target thread is
 * blocked in its call, waiting for the reply, so the S2C message reaches
 * its receive loop. The calling fiber waits for the S2C reply.
 */
#ifndef DSERVER_S2C_H
#define DSERVER_S2C_H

#include <stdint.h>

struct thread;
struct datagram;

/* Anonymous read/write memory anywhere in the thread's process. 0 or -errno. */
int s2c_mmap_anywhere(struct thread *thread, uint64_t length, uint64_t *address);
int s2c_munmap(struct thread *thread, uint64_t address, uint64_t length);
/* An S2C reply datagram (0x052CCA11) arrived. */
void s2c_reply_received(struct datagram *dg);

#endif
