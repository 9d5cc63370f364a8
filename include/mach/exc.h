/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The exception messages of XNU's exc.defs (subsystem exc, 2401): what the
 * kernel sends to an exception port whose behavior has no
 * MACH_EXCEPTION_CODES, with 32-bit codes, and the replies it expects
 * (request id + 100). The layouts are MIG's, 4-byte packed. code[] and the
 * states are counted arrays: the fields after code[] sit where the
 * declaration shows them only when codeCnt is 2 (the kernel always sends 2),
 * and a reply carries new_stateCnt words of new_state, not all of them.
 * <mach/mach_exc.h> has the 64-bit-code forms.
 */
#ifndef _MACH_EXC_H_
#define _MACH_EXC_H_

#include <mach/exception_types.h>
#include <mach/message.h>
#include <mach/ndr.h>

#define exc_MSG_COUNT 3
#define EXCEPTION_RAISE_ID 2401
#define EXCEPTION_RAISE_STATE_ID 2402
#define EXCEPTION_RAISE_STATE_IDENTITY_ID 2403

#pragma pack(push, 4)

/* EXCEPTION_DEFAULT: the thread and the task as send rights, the codes. */
typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	integer_t code[2];
} __Request__exception_raise_t;

/* EXCEPTION_STATE: the codes and the state of the port's flavor. */
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	integer_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
} __Request__exception_raise_state_t;

/* EXCEPTION_STATE_IDENTITY: both. */
typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	integer_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
} __Request__exception_raise_state_identity_t;

/* KERN_SUCCESS: handled (the thread goes on); anything else: the next port is tried. */
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
} __Reply__exception_raise_t;

/* For both state behaviors: on KERN_SUCCESS the thread takes new_state (of flavor). */
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
	int flavor;
	mach_msg_type_number_t new_stateCnt;
	natural_t new_state[THREAD_STATE_MAX];
} __Reply__exception_raise_state_t;
typedef __Reply__exception_raise_state_t __Reply__exception_raise_state_identity_t;

#pragma pack(pop)

#endif
