/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mach ABI's machine-dependent integer types, with XNU's widths on each
 * architecture (x86_64, i386, arm64, arm32).
 */
#ifndef _MACH_MACHINE_VM_TYPES_H_
#define _MACH_MACHINE_VM_TYPES_H_

#include <stdint.h>

/* Always 32 bits, also on LP64: port names, counts and sizes in messages. */
typedef unsigned int natural_t;
typedef int integer_t;

/* Addresses and sizes in the caller's own address space. */
#if defined(__LP64__)
typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
#else
typedef natural_t vm_offset_t;
typedef natural_t vm_size_t;
#endif

/* Addresses and sizes in any task, whatever its width. */
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_offset_t;
typedef uint64_t mach_vm_size_t;
typedef uint64_t vm_map_offset_t;
typedef uint64_t vm_map_address_t;
typedef uint64_t vm_map_size_t;

/*
 * A port's context (and guard) value. Intel builds of XNU keep it 64-bit
 * for 32-bit processes too; ARM builds make it pointer-sized.
 */
#if defined(__i386__) || defined(__x86_64__)
typedef mach_vm_address_t mach_port_context_t;
#else
typedef vm_offset_t mach_port_context_t;
#endif

#endif
