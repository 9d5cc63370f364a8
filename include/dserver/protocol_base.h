/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The fixed parts of the darlingserver wire protocol (docs/PROTOCOL.md):
 * headers, flags, special message numbers. The per-call structures are
 * generated from protocol.def into <dserver/protocol_gen.h>.
 */
#ifndef DSERVER_PROTOCOL_BASE_H
#define DSERVER_PROTOCOL_BASE_H

#include <assert.h> /* static_assert, in C11 and C++ alike */
#include <stddef.h>
#include <stdint.h>

/* §2: every request starts with this 16-byte header. */
struct dserver_request_header {
	uint32_t number;
	int32_t pid;          /* caller's container pid */
	int32_t tid;          /* caller's container tid */
	int32_t architecture; /* enum dserver_architecture */
};
static_assert(sizeof(struct dserver_request_header) == 16, "request header");

/* §2: every reply starts with this 8-byte header. */
struct dserver_reply_header {
	uint32_t number; /* the request's, bit 31 included */
	int32_t code;
};
static_assert(sizeof(struct dserver_reply_header) == 8, "reply header");

enum dserver_architecture {
	DSERVER_ARCH_INVALID = 0,
	DSERVER_ARCH_I386 = 1,
	DSERVER_ARCH_X86_64 = 2,
	DSERVER_ARCH_ARM32 = 3,
	DSERVER_ARCH_ARM64 = 4,
};

/* Call flags (§4), as generated into the call list. */
#define DSERVER_CALL_AI 0x01u /* may block; interruptible */
#define DSERVER_CALL_PU 0x02u /* client pushes stray replies back */
#define DSERVER_CALL_U  0x04u /* unmanaged: bit 31, sender not registered */
#define DSERVER_CALL_X  0x08u /* code is a kern_return_t */
#define DSERVER_CALL_B  0x10u /* code is a Darwin errno, value in retval */
#define DSERVER_CALL_N  0x20u /* errors are negative Linux errnos (§5.5 rule 3) */

#define DSERVER_UNMANAGED_BIT 0x80000000u
#define DSERVER_EXTENSION_BIT 0x40000000u /* §11: dserver's own calls */

/* §3: numbers outside the call table. */
#define DSERVER_S2C_NUMBER        0x052CCA11u
#define DSERVER_PUSH_REPLY_NUMBER 0x0BADCA11u

/*
 * §11 negotiation: dserver binds this abstract name, formatted with the
 * st_dev and st_ino of its socket file, for as long as it serves that
 * socket. A client that finds it bound knows the server speaks the
 * extensions. The name starts with a NUL byte, which the format omits.
 */
#define DSERVER_EXTENSION_MARKER_FORMAT "dserver-ext1:%llx:%llx"

/*
 * Bound besides the extension marker while the eBPF signal records are
 * active: a client that finds it bound uses interrupt_enter_sigprocess
 * (§11), else the plain interrupt_enter, sigprocess, interrupt_exit.
 */
#define DSERVER_SIGNAL_RECORD_MARKER_FORMAT "dserver-ext1-sigrec:%llx:%llx"

/* interrupt_enter_sigprocess reply flags (§11). */
#define DSERVER_SIGPROCESS_WROTE_THREAD_STATE 0x1u /* thread_state was written back: load it */
#define DSERVER_SIGPROCESS_WROTE_FLOAT_STATE  0x2u /* float_state was written back: load it */
#define DSERVER_SIGPROCESS_FROM_RECORD        0x4u /* served from the eBPF record, not copied in */

/* §1.4 */
#define DSERVER_MAX_REQUEST_SIZE 80
#define DSERVER_MAX_REPLY_SIZE 64 /* upstream's calls 24; dserver_stats (§11) 64 */
#define DSERVER_CLIENT_RECEIVE_BUFFER 48
#define DSERVER_SERVER_RECEIVE_BUFFER 256
#define DSERVER_SERVER_RECEIVE_FDS 4

/* §7.4: push_reply, 32 bytes, carries one or two descriptors. */
struct dserver_push_reply {
	struct dserver_request_header header;
	uint64_t reply;      /* client address of the reply bytes */
	uint64_t reply_size;
};
static_assert(sizeof(struct dserver_push_reply) == 32, "push_reply");

/* §10: records written into the debug calls' pipes. */
struct dserver_debug_process_record {
	uint32_t pid;
	uint32_t pad;
	uint64_t port_count;
};
static_assert(sizeof(struct dserver_debug_process_record) == 16, "process record");

struct dserver_debug_port_record {
	uint32_t port_name;
	uint32_t rights;
	uint64_t refs;
	uint64_t messages;
};
static_assert(sizeof(struct dserver_debug_port_record) == 24, "port record");

struct dserver_debug_message_record {
	uint32_t sender;
	uint32_t pad;
	uint64_t size;
};
static_assert(sizeof(struct dserver_debug_message_record) == 16, "message record");

#endif
