/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Exceptions: their types, the masks that select them, the behaviors an
 * exception port can ask for, with XNU's values (<mach/exception_types.h>,
 * <mach/i386/exception.h>).
 */
#ifndef _MACH_EXCEPTION_TYPES_H_
#define _MACH_EXCEPTION_TYPES_H_

#include <stdint.h>

#include <mach/port.h>
#include <mach/thread_status.h>

#define EXC_BAD_ACCESS 1      /* code: kern_return_t; subcode: the address */
#define EXC_BAD_INSTRUCTION 2
#define EXC_ARITHMETIC 3
#define EXC_EMULATION 4
#define EXC_SOFTWARE 5
#define EXC_BREAKPOINT 6
#define EXC_SYSCALL 7
#define EXC_MACH_SYSCALL 8
#define EXC_RPC_ALERT 9
#define EXC_CRASH 10
#define EXC_RESOURCE 11
#define EXC_GUARD 12
#define EXC_CORPSE_NOTIFY 13

/* One exception port per type 1..13 (type 0 is not an exception). */
#define EXC_TYPES_COUNT 14
#define FIRST_EXCEPTION 1

#define EXCEPTION_DEFAULT 1        /* exception_raise: thread and task ports */
#define EXCEPTION_STATE 2          /* exception_raise_state: the thread state */
#define EXCEPTION_STATE_IDENTITY 3 /* both */
#define EXCEPTION_IDENTITY_PROTECTED 4

#define MACH_EXCEPTION_BACKTRACE_PREFERRED 0x20000000
#define MACH_EXCEPTION_ERRORS 0x40000000
#define MACH_EXCEPTION_CODES 0x80000000 /* 64-bit codes: the mach_exception_raise* messages */
#define MACH_EXCEPTION_MASK (MACH_EXCEPTION_CODES | MACH_EXCEPTION_ERRORS | MACH_EXCEPTION_BACKTRACE_PREFERRED)

#define EXC_MASK_BAD_ACCESS (1 << EXC_BAD_ACCESS)
#define EXC_MASK_BAD_INSTRUCTION (1 << EXC_BAD_INSTRUCTION)
#define EXC_MASK_ARITHMETIC (1 << EXC_ARITHMETIC)
#define EXC_MASK_EMULATION (1 << EXC_EMULATION)
#define EXC_MASK_SOFTWARE (1 << EXC_SOFTWARE)
#define EXC_MASK_BREAKPOINT (1 << EXC_BREAKPOINT)
#define EXC_MASK_SYSCALL (1 << EXC_SYSCALL)
#define EXC_MASK_MACH_SYSCALL (1 << EXC_MACH_SYSCALL)
#define EXC_MASK_RPC_ALERT (1 << EXC_RPC_ALERT)
#define EXC_MASK_CRASH (1 << EXC_CRASH)
#define EXC_MASK_RESOURCE (1 << EXC_RESOURCE)
#define EXC_MASK_GUARD (1 << EXC_GUARD)
#define EXC_MASK_CORPSE_NOTIFY (1 << EXC_CORPSE_NOTIFY)
#define EXC_MASK_MACHINE 0 /* x86 has no machine-specific exception types */

/* Every type but EXC_CRASH and EXC_CORPSE_NOTIFY, which must be asked for by name. */
#define EXC_MASK_ALL                                                                                   \
	(EXC_MASK_BAD_ACCESS | EXC_MASK_BAD_INSTRUCTION | EXC_MASK_ARITHMETIC | EXC_MASK_EMULATION |   \
	 EXC_MASK_SOFTWARE | EXC_MASK_BREAKPOINT | EXC_MASK_SYSCALL | EXC_MASK_MACH_SYSCALL |          \
	 EXC_MASK_RPC_ALERT | EXC_MASK_RESOURCE | EXC_MASK_GUARD | EXC_MASK_MACHINE)
/* What the kernel accepts in a mask. */
#define EXC_MASK_VALID (EXC_MASK_ALL | EXC_MASK_CRASH | EXC_MASK_CORPSE_NOTIFY)

/* EXC_SOFTWARE codes: 0x10000-0x1FFFF are the Unix emulation's. */
#define EXC_UNIX_BAD_SYSCALL 0x10000
#define EXC_UNIX_BAD_PIPE 0x10001
#define EXC_UNIX_ABORT 0x10002
#define EXC_SOFT_SIGNAL 0x10003 /* code[1]: the signal (ptrace PT_SIGEXC) */

/* x86 codes (<mach/i386/exception.h>). */
#define EXC_I386_INVOP 1   /* EXC_BAD_INSTRUCTION */
#define EXC_I386_DIV 1     /* EXC_ARITHMETIC */
#define EXC_I386_INTO 2
#define EXC_I386_NOEXT 3
#define EXC_I386_EXTOVR 4
#define EXC_I386_EXTERR 5
#define EXC_I386_EMERR 6
#define EXC_I386_BOUND 7
#define EXC_I386_SSEEXTERR 8
#define EXC_I386_SGL 1     /* EXC_BREAKPOINT: single step */
#define EXC_I386_BPT 2     /* EXC_BREAKPOINT: int3 */
#define EXC_I386_ALIGNFLT 17 /* EXC_BAD_ACCESS: alignment fault */

#define EXCEPTION_CODE_MAX 2 /* code and subcode */

typedef int exception_type_t;
typedef integer_t exception_data_type_t;
typedef int64_t mach_exception_data_type_t;
typedef int exception_behavior_t;
typedef exception_data_type_t *exception_data_t;
typedef mach_exception_data_type_t *mach_exception_data_t;
typedef unsigned int exception_mask_t;
typedef exception_mask_t *exception_mask_array_t;
typedef exception_behavior_t *exception_behavior_array_t;
typedef thread_state_flavor_t *exception_flavor_array_t;
typedef mach_port_t *exception_port_array_t;
typedef mach_exception_data_type_t mach_exception_code_t;
typedef mach_exception_data_type_t mach_exception_subcode_t;

#endif
