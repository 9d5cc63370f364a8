/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Thread state: the flavors thread_get_state()/thread_set_state() and the
 * EXCEPTION_STATE behaviors carry, with XNU's x86 values and layouts
 * (<mach/i386/thread_status.h>, <mach/i386/_structs.h>). A state travels as
 * an array of 32-bit words; each flavor's *_COUNT is its size in words.
 */
#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_

#include <stdint.h>

#include <mach/message.h>

typedef natural_t *thread_state_t;
typedef int thread_state_flavor_t;
typedef thread_state_flavor_t *thread_state_flavor_array_t;

/* The largest state of any flavor, in words (I386_THREAD_STATE_MAX). */
#define THREAD_STATE_MAX 614
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

#define THREAD_STATE_FLAVOR_LIST 0
#define THREAD_STATE_FLAVOR_LIST_NEW 128
#define THREAD_STATE_FLAVOR_LIST_10_9 129
#define THREAD_STATE_FLAVOR_LIST_10_13 130
#define THREAD_STATE_FLAVOR_LIST_10_15 131

#define i386_THREAD_STATE 1
#define i386_FLOAT_STATE 2
#define i386_EXCEPTION_STATE 3

#define x86_THREAD_STATE32 1
#define x86_FLOAT_STATE32 2
#define x86_EXCEPTION_STATE32 3
#define x86_THREAD_STATE64 4
#define x86_FLOAT_STATE64 5
#define x86_EXCEPTION_STATE64 6
#define x86_THREAD_STATE 7
#define x86_FLOAT_STATE 8
#define x86_EXCEPTION_STATE 9
#define x86_DEBUG_STATE32 10
#define x86_DEBUG_STATE64 11
#define x86_DEBUG_STATE 12
#define THREAD_STATE_NONE 13
/* 14 and 15 are XNU's internal saved-state flavors. */
#define x86_AVX_STATE32 16
#define x86_AVX_STATE64 17
#define x86_AVX_STATE 18
#define x86_AVX512_STATE32 19
#define x86_AVX512_STATE64 20
#define x86_AVX512_STATE 21
#define x86_PAGEIN_STATE 22
#define x86_THREAD_FULL_STATE64 23
#define x86_INSTRUCTION_STATE 24
#define x86_LAST_BRANCH_STATE 25

/* The flavors an exception port may name (XNU's VALID_THREAD_STATE_FLAVOR). */
#define VALID_THREAD_STATE_FLAVOR(x) \
	(((x) >= x86_THREAD_STATE32 && (x) <= THREAD_STATE_NONE) || \
	 ((x) >= x86_AVX_STATE32 && (x) <= x86_LAST_BRANCH_STATE))

struct x86_state_hdr {
	uint32_t flavor;
	uint32_t count;
};
typedef struct x86_state_hdr x86_state_hdr_t;

typedef struct {
	unsigned int eax, ebx, ecx, edx, edi, esi, ebp, esp;
	unsigned int ss, eflags, eip, cs, ds, es, fs, gs;
} x86_thread_state32_t;
typedef x86_thread_state32_t i386_thread_state_t;

typedef struct {
	uint64_t rax, rbx, rcx, rdx, rdi, rsi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags, cs, fs, gs;
} x86_thread_state64_t;

/* An x87 register as FXSAVE stores it: 10 data bytes, 6 reserved. */
typedef struct {
	char mmst_reg[10];
	char mmst_rsrv[6];
} mmst_reg_t;

typedef struct {
	char xmm_reg[16];
} xmm_reg_t;

/* The FXSAVE image. The 32-bit flavor has 8 xmm registers and more reserved space. */
typedef struct {
	int fpu_reserved[2];
	uint16_t fpu_fcw;
	uint16_t fpu_fsw;
	uint8_t fpu_ftw;
	uint8_t fpu_rsrv1;
	uint16_t fpu_fop;
	uint32_t fpu_ip;
	uint16_t fpu_cs;
	uint16_t fpu_rsrv2;
	uint32_t fpu_dp;
	uint16_t fpu_ds;
	uint16_t fpu_rsrv3;
	uint32_t fpu_mxcsr;
	uint32_t fpu_mxcsrmask;
	mmst_reg_t fpu_stmm[8];
	xmm_reg_t fpu_xmm[8];
	char fpu_rsrv4[14 * 16];
	int fpu_reserved1;
} x86_float_state32_t;
typedef x86_float_state32_t i386_float_state_t;

typedef struct {
	int fpu_reserved[2];
	uint16_t fpu_fcw;
	uint16_t fpu_fsw;
	uint8_t fpu_ftw;
	uint8_t fpu_rsrv1;
	uint16_t fpu_fop;
	uint32_t fpu_ip;
	uint16_t fpu_cs;
	uint16_t fpu_rsrv2;
	uint32_t fpu_dp;
	uint16_t fpu_ds;
	uint16_t fpu_rsrv3;
	uint32_t fpu_mxcsr;
	uint32_t fpu_mxcsrmask;
	mmst_reg_t fpu_stmm[8];
	xmm_reg_t fpu_xmm[16];
	char fpu_rsrv4[6 * 16];
	int fpu_reserved1;
} x86_float_state64_t;

typedef struct {
	uint16_t trapno;
	uint16_t cpu;
	uint32_t err;
	uint32_t faultvaddr;
} x86_exception_state32_t;
typedef x86_exception_state32_t i386_exception_state_t;

/* 4-byte packed as in XNU, so that its size is 4 words, not padded. */
typedef struct __attribute__((packed, aligned(4))) {
	uint16_t trapno;
	uint16_t cpu;
	uint32_t err;
	uint64_t faultvaddr;
} x86_exception_state64_t;

/* The unified flavors: a header naming the 32- or 64-bit flavor, then that state. */
typedef struct {
	x86_state_hdr_t tsh;
	union {
		x86_thread_state32_t ts32;
		x86_thread_state64_t ts64;
	} uts;
} x86_thread_state_t;

typedef struct {
	x86_state_hdr_t fsh;
	union {
		x86_float_state32_t fs32;
		x86_float_state64_t fs64;
	} ufs;
} x86_float_state_t;

typedef struct {
	x86_state_hdr_t esh;
	union {
		x86_exception_state32_t es32;
		x86_exception_state64_t es64;
	} ues;
} x86_exception_state_t;

#define STATE_WORDS(type) ((mach_msg_type_number_t)(sizeof(type) / sizeof(unsigned int)))
#define x86_THREAD_STATE32_COUNT STATE_WORDS(x86_thread_state32_t)
#define x86_FLOAT_STATE32_COUNT STATE_WORDS(x86_float_state32_t)
#define x86_EXCEPTION_STATE32_COUNT STATE_WORDS(x86_exception_state32_t)
#define x86_THREAD_STATE64_COUNT STATE_WORDS(x86_thread_state64_t)
#define x86_FLOAT_STATE64_COUNT STATE_WORDS(x86_float_state64_t)
#define x86_EXCEPTION_STATE64_COUNT STATE_WORDS(x86_exception_state64_t)
#define x86_THREAD_STATE_COUNT STATE_WORDS(x86_thread_state_t)
#define x86_FLOAT_STATE_COUNT STATE_WORDS(x86_float_state_t)
#define x86_EXCEPTION_STATE_COUNT STATE_WORDS(x86_exception_state_t)
#define i386_THREAD_STATE_COUNT x86_THREAD_STATE32_COUNT
#define i386_FLOAT_STATE_COUNT x86_FLOAT_STATE32_COUNT
#define i386_EXCEPTION_STATE_COUNT x86_EXCEPTION_STATE32_COUNT

#if defined(__x86_64__)
#define MACHINE_THREAD_STATE x86_THREAD_STATE64
#define MACHINE_THREAD_STATE_COUNT x86_THREAD_STATE64_COUNT
#else
#define MACHINE_THREAD_STATE x86_THREAD_STATE32
#define MACHINE_THREAD_STATE_COUNT x86_THREAD_STATE32_COUNT
#endif

#endif
