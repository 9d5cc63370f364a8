/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the Mach system tests share: ports, messages and child processes,
 * through libdserver's <mach/mach.h> only. Children report failure by exit
 * status, so every helper returns a value instead of asserting.
 */
#ifndef DSERVER_MACH_TEST_UTIL_H
#define DSERVER_MACH_TEST_UTIL_H

#include <mach/mach.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A receive right, with a send right under the same name if with_send. */
mach_port_t mt_port(int with_send);
/* MACH_PORT_TYPE_* of name in task, or 0 with *kr set on failure (kr may be NULL). */
mach_port_type_t mt_type(mach_port_t task, mach_port_name_t name, kern_return_t *kr);
/* User references of right under name in task, or -1 on failure. */
int mt_refs(mach_port_t task, mach_port_name_t name, mach_port_right_t right);
/* The receive status of a port in task (mps_* all zero on failure). */
mach_port_status_t mt_status(mach_port_t task, mach_port_name_t name);

/* A 24-byte header plus 8 bytes of payload. */
typedef struct {
	mach_msg_header_t header;
	uint64_t payload;
} mt_simple_msg_t;

/* Send an mt_simple_msg_t to dest with the given header bits; option adds MACH_SEND_* flags. */
mach_msg_return_t mt_send(mach_port_t dest, mach_msg_bits_t bits, mach_port_t reply, mach_msg_id_t id,
			  uint64_t payload, mach_msg_option_t option, mach_msg_timeout_t timeout);

/* Big enough for any test message with its largest trailer. */
typedef union {
	mach_msg_header_t header;
	uint8_t bytes[4096];
} mt_buffer_t;

/* Receive on port within timeout_ms (extra adds MACH_RCV_* options such as trailers). */
mach_msg_return_t mt_receive(mach_port_t port, mt_buffer_t *buf, mach_msg_option_t extra, mach_msg_timeout_t timeout_ms);
/* The 64-bit payload of a received mt_simple_msg_t. */
uint64_t mt_payload(const mt_buffer_t *buf);
/* The trailer after a received message (its msgh_size rounded up). */
const mach_msg_seqno_trailer_t *mt_trailer(const mt_buffer_t *buf);

/*
 * In a child: a send right (or MAKE_SEND_ONCE: a send-once right) to the
 * parent's port `name`, taken out of the parent's space by task_for_pid and
 * mach_port_extract_right. MACH_PORT_NULL on failure.
 */
mach_port_t mt_right_from(pid_t pid, mach_port_name_t name, mach_msg_type_name_t disposition);

/* waitpid: the exit status, 128 + signal when killed, -1 on error. */
int mt_wait(pid_t pid);
/* Milliseconds on the monotonic clock. */
int64_t mt_now_ms(void);
/* thread_get_state / thread_set_state with x86_THREAD_STATE64; a short state is KERN_FAILURE. */
kern_return_t mt_get_state64(mach_port_t thread, x86_thread_state64_t *state);
kern_return_t mt_set_state64(mach_port_t thread, const x86_thread_state64_t *state);
/* Sleeps ms milliseconds. */
void mt_pause_ms(int ms);
/* Polls until *flag >= value (a flag in memory shared with a child); false after timeout_ms. */
bool mt_wait_for(atomic_int *flag, int value, int timeout_ms);
/*
 * Like mt_wait, but gives up after timeout_ms: -1 then, and the child is
 * left running. A reaped child's *pid becomes -1.
 */
int mt_wait_timeout(pid_t *pid, int timeout_ms);
/* Kills and reaps *pid if it is still a child (> 0); then *pid is -1. */
void mt_stop_child(pid_t *pid);

#endif
