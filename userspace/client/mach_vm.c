/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vm_allocate / vm_deallocate and their mach_vm_ forms. Linux has no way
 * to map memory into another process, so the server does that through
 * the target (PROTOCOL.md §6.3, §8); for the caller's own task clients map
 * and unmap themselves, which is what is done here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mach_api.h"

/* The allocation flags understood; the memory tag in the top byte is ignored. */
#define KNOWN_FLAGS (VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE | VM_FLAGS_RANDOM_ADDR | \
		     VM_FLAGS_NO_CACHE | VM_FLAGS_OVERWRITE | VM_FLAGS_ALIAS_MASK)

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static bool own_task(vm_map_t target)
{
	return target == mach_task_self();
}

/* [start, end) covering [address, address + size) in whole pages, or false if it wraps. */
static bool page_range(mach_vm_address_t address, mach_vm_size_t size, uint64_t *start,
		       uint64_t *end)
{
	uint64_t mask = vm_page_mask;

	if (address + size < address || address + size + mask < address + size)
		return false;
	*start = address & ~mask;
	*end = (address + size + mask) & ~mask;
	/* A 32-bit process cannot hold a range beyond 4 GiB. */
	return (uint64_t)(uintptr_t)*end == *end;
}

static kern_return_t map_here(mach_vm_address_t *address, mach_vm_size_t size, int flags)
{
	bool anywhere = flags & VM_FLAGS_ANYWHERE;
	uint64_t start = 0, end;
	int map_flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;

	if (flags & ~KNOWN_FLAGS)
		return KERN_INVALID_ARGUMENT;
	if (!page_range(anywhere ? 0 : *address, size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	if (!anywhere)
		map_flags |= (flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	p = mmap((void *)(uintptr_t)start, end - start, PROT_READ | PROT_WRITE, map_flags, -1, 0);
	if (p == MAP_FAILED)
		return errno == EINVAL ? KERN_INVALID_ARGUMENT : KERN_NO_SPACE;
	/* Kernels before 4.17 take MAP_FIXED_NOREPLACE as a mere hint. */
	if (!anywhere && (uintptr_t)p != start) {
		munmap(p, end - start);
		return KERN_NO_SPACE;
	}
	*address = (uintptr_t)p;
	return KERN_SUCCESS;
}

kern_return_t mach_vm_allocate(vm_map_t target, mach_vm_address_t *address,
			       mach_vm_size_t size, int flags)
{
	if (!MACH_PORT_VALID(target))
		return MACH_SEND_INVALID_DEST;
	if (!own_task(target))
		return _kernelrpc_mach_vm_allocate_trap(target, address, size, flags);
	/* Nothing to map: XNU answers success and address 0. */
	if (size == 0) {
		*address = 0;
		return KERN_SUCCESS;
	}
	return map_here(address, size, flags);
}

kern_return_t mach_vm_deallocate(vm_map_t target, mach_vm_address_t address,
				 mach_vm_size_t size)
{
	uint64_t start, end;

	if (!MACH_PORT_VALID(target))
		return MACH_SEND_INVALID_DEST;
	if (!own_task(target))
		return _kernelrpc_mach_vm_deallocate_trap(target, address, size);
	if (size == 0)
		return KERN_SUCCESS;
	if (!page_range(address, size, &start, &end))
		return KERN_INVALID_ARGUMENT;
	/* Unmapping a hole is no error, in XNU either. */
	return munmap((void *)(uintptr_t)start, end - start) == 0 ? KERN_SUCCESS
								   : KERN_INVALID_ARGUMENT;
}

kern_return_t vm_allocate(vm_map_t target_task, vm_address_t *address, vm_size_t size,
			  int flags)
{
	mach_vm_address_t wide = *address;
	kern_return_t kr = mach_vm_allocate(target_task, &wide, size, flags);

	if (kr == KERN_SUCCESS)
		*address = (vm_address_t)wide;
	return kr;
}

kern_return_t vm_deallocate(vm_map_t target_task, vm_address_t address, vm_size_t size)
{
	return mach_vm_deallocate(target_task, address, size);
}
