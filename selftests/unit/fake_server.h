/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A fake dserver for the unit tests of libdserver's Mach API: a thread in
 * the test process answering the protocol calls the Mach API makes. It
 * shares the client's address space, so it reads and writes "client
 * memory" directly where the real server uses process_vm_readv/writev.
 */
#ifndef DSERVER_TEST_FAKE_SERVER_H
#define DSERVER_TEST_FAKE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Names the fake hands out. */
#define FAKE_TASK_SELF 0x103u
#define FAKE_HOST 0x203u
#define FAKE_THREAD 0x303u
#define FAKE_SPECIAL_REPLY 0x503u
#define FAKE_FIRST_REPLY_PORT 0x1003u /* mach_reply_port: 0x1003, 0x1103, ... */

#define FAKE_MAX_RECORDS 64
#define FAKE_MAX_MESSAGE 512

/* One request as received, and for mach_msg_overwrite the message it sent. */
struct fake_record {
	unsigned char bytes[256];
	size_t size;
	unsigned char msg[FAKE_MAX_MESSAGE];
	size_t msg_size; /* send_size when the call sent a message, else 0 */
};

/*
 * The answer to one mach_msg_overwrite call: its code and, if size > 0, the
 * message written into the receive buffer (followed by a default trailer).
 */
struct fake_answer {
	int32_t code;
	unsigned char msg[FAKE_MAX_MESSAGE];
	size_t size;
};

/* Starts the fake on a fresh socket and points $DSERVER_SOCKET at it. */
int fake_start(void);
void fake_stop(void);

int fake_count(void);
const struct fake_record *fake_record(int i);
/* The n-th (0-based) request with this call number, or NULL. */
const struct fake_record *fake_find(uint32_t number, int n);
/* How many requests with this number arrived. */
int fake_count_of(uint32_t number);
uint32_t fake_number(const struct fake_record *r);
/* A field of a request body at offset `at` (PROTOCOL.md §4 offsets). */
uint32_t fake_u32(const struct fake_record *r, size_t at);
uint64_t fake_u64(const struct fake_record *r, size_t at);

/*
 * The code an X call (39-57) answers, and the 32-bit value written through
 * its first out-pointer on success (allocate: name, type: ptype, ...).
 */
void fake_set_trap(uint32_t number, int32_t code, uint32_t out);
/* Queues the answer of the next mach_msg_overwrite call (FIFO, up to 8). */
void fake_queue_answer(const struct fake_answer *a);
/* The reply ports mach_reply_port has handed out so far. */
int fake_reply_ports_made(void);

#endif
