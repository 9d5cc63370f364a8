/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The exception messages of XNU's mach_exc.defs (subsystem mach_exc, 2405):
 * what the kernel sends to an exception port whose behavior has
 * MACH_EXCEPTION_CODES. They are those of <mach/exc.h> with 64-bit codes
 * (4-byte packed, so a code may be misaligned); the replies are the same.
 */
#ifndef _MACH_MACH_EXC_H_
#define _MACH_MACH_EXC_H_

#include <mach/exc.h>

#define mach_exc_MSG_COUNT 3
#define MACH_EXCEPTION_RAISE_ID 2405
#define MACH_EXCEPTION_RAISE_STATE_ID 2406
#define MACH_EXCEPTION_RAISE_STATE_IDENTITY_ID 2407

#pragma pack(push, 4)

typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
} __Request__mach_exception_raise_t;

typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
} __Request__mach_exception_raise_state_t;

typedef struct {
	mach_msg_header_t Head;
	mach_msg_body_t msgh_body;
	mach_msg_port_descriptor_t thread;
	mach_msg_port_descriptor_t task;
	NDR_record_t NDR;
	exception_type_t exception;
	mach_msg_type_number_t codeCnt;
	int64_t code[2];
	int flavor;
	mach_msg_type_number_t old_stateCnt;
	natural_t old_state[THREAD_STATE_MAX];
} __Request__mach_exception_raise_state_identity_t;

typedef __Reply__exception_raise_t __Reply__mach_exception_raise_t;
typedef __Reply__exception_raise_state_t __Reply__mach_exception_raise_state_t;
typedef __Reply__exception_raise_state_t __Reply__mach_exception_raise_state_identity_t;

#pragma pack(pop)

#endif
