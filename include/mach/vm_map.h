/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm_allocate() and vm_deallocate() in pointer-sized units. On the caller's
 * own task they map and unmap locally (zero-filled, read-write memory), as
 * PROTOCOL.md §6.3 prescribes; on another task they are server calls.
 */
#ifndef _MACH_VM_MAP_H_
#define _MACH_VM_MAP_H_

#include <mach/mach_types.h>
#include <mach/vm_statistics.h>

#ifdef __cplusplus
extern "C" {
#endif

/* flags: VM_FLAGS_ANYWHERE, or a fixed address, with VM_FLAGS_OVERWRITE to replace. */
extern kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
				 int flags);
extern kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address,
				   vm_size_t size);

#ifdef __cplusplus
}
#endif

#endif
