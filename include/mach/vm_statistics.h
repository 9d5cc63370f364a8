/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Allocation flags of vm_allocate() / mach_vm_allocate(). Only these are
 * understood by libdserver; the top byte (the memory tag) is accepted and
 * ignored.
 */
#ifndef _MACH_VM_STATISTICS_H_
#define _MACH_VM_STATISTICS_H_

#define VM_FLAGS_FIXED       0x0000 /* exactly at the address given */
#define VM_FLAGS_ANYWHERE    0x0001 /* wherever there is room */
#define VM_FLAGS_PURGABLE    0x0002
#define VM_FLAGS_RANDOM_ADDR 0x0008
#define VM_FLAGS_NO_CACHE    0x0010
#define VM_FLAGS_OVERWRITE   0x4000 /* fixed, replacing what is mapped there */
#define VM_FLAGS_ALIAS_MASK  0xFF000000

#define VM_GET_FLAGS_ALIAS(flags, alias) ((alias) = (((flags) >> 24) & 0xff))
#define VM_MAKE_TAG(tag) ((tag) << 24)

#define VM_MEMORY_MALLOC   1
#define VM_MEMORY_MACH_MSG 20

#endif
