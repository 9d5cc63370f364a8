/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Helpers of the Mach API unit tests (test_mach_client.c, test_mach_mig.c):
 * per-test setup with a fresh fake server, MIG replies to queue, and checks
 * of what the client sent.
 */
#ifndef DSERVER_TEST_MACH_TEST_H
#define DSERVER_TEST_MACH_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mach/mach.h>

#include "fake_server.h"

#define TASK 0x777u /* a task port name the tests pass as target */

/* PROTOCOL.md §4: mach_msg_overwrite's request fields. */
#define MSG_PTR 16
#define MSG_OPTION 24
#define MSG_SEND_SIZE 28
#define MSG_RCV_SIZE 32
#define MSG_RCV_NAME 36
#define MSG_TIMEOUT 40
#define MSG_PRIORITY 44
#define MSG_RCV_MSG 48

/* A MIG reply id answers request id + 100. */
#define REPLY(id) ((id) + 100)

/* cmocka setup and teardown: a fresh fake server, no cached reply port. */
int mach_test_setup(void **state);
int mach_test_teardown(void **state);
#define T(f) cmocka_unit_test_setup_teardown(f, mach_test_setup, mach_test_teardown)

void put32(unsigned char *at, uint32_t v);
uint32_t get32(const unsigned char *at);

/* Queues a MIG reply: the header as a receiver sees it, then `body`. */
void queue_reply(mach_msg_id_t id, bool complex, mach_port_t remote, const void *body,
		 size_t body_size);
/* A simple reply: NDR record, RetCode, out-values. */
void queue_simple_reply(mach_msg_id_t id, kern_return_t code, const void *out, size_t out_size);
/* A complex reply carrying one port descriptor and nothing else. */
void queue_port_reply(mach_msg_id_t id, mach_port_t name, mach_msg_type_name_t disposition);
/* Only a mach_msg code, nothing received. */
void queue_code(mach_msg_return_t code);

/* The n-th mach_msg_overwrite request (it must exist). */
const struct fake_record *mach_msg_request(int n);
/* Checks the header of a MIG request and its mach_msg call; returns its reply port. */
mach_port_t check_mig_header(const struct fake_record *r, uint32_t bits, uint32_t size,
			     mach_msg_id_t id);
void check_ndr(const unsigned char *at);
/* The trap request with this number that released `name` in the caller's own task. */
const struct fake_record *release_of(uint32_t number, uint32_t name);

/* A page, as the server would have mapped it for out-of-line data. */
void *map_page(void);
bool mapped(void *p);

#endif
