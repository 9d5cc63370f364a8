/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mach_vm_allocate() and mach_vm_deallocate(): <mach/vm_map.h> with 64-bit units. */
#ifndef _MACH_MACH_VM_H_
#define _MACH_MACH_VM_H_

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

extern kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
				      mach_vm_size_t size, int flags);
extern kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
					mach_vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif
