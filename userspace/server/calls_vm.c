/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mach_vm_allocate / mach_vm_deallocate on another task (PROTOCOL.md §6.3):
 * Linux cannot map memory into another process, so a thread of the target
 * does it (S2C, §8). Clients handle their own task themselves; a request
 * naming the caller's task is served the same way, on the caller's thread.
 */
#include <errno.h>
#include <sys/mman.h>

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/vm_statistics.h>

#include "call.h"
#include "client_memory.h"
#include "s2c.h"
#include "xnu/xnu.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE_MASK_4K 0xfffull
/* What mach_vm_allocate accepts; the tag in the top byte only labels the memory. */
#define ALLOCATE_FLAGS (VM_FLAGS_ANYWHERE | VM_FLAGS_PURGABLE | VM_FLAGS_RANDOM_ADDR | VM_FLAGS_NO_CACHE | \
			VM_FLAGS_OVERWRITE | VM_FLAGS_ALIAS_MASK)

void dserver_handle_mach_vm_allocate(struct call *call);
void dserver_handle_mach_vm_deallocate(struct call *call);

/* The process behind a task port name of the caller, or NULL (MACH_SEND_INVALID_DEST, as XNU's trap). */
static struct process *target_process(struct call *call, uint32_t name)
{
	struct xnu_task *task = xnu_task_for_name(call->thread->xnu, name);
	struct process *p = task ? xnu_task_host(task) : NULL;

	return p && !p->dead ? p : NULL;
}

/* Whole pages around [address, address + size); false if the range wraps or leaves the target's space. */
static bool whole_pages(const struct process *p, uint64_t address, uint64_t size, uint64_t *start, uint64_t *length)
{
	uint64_t end = address + size;

	if (end < address || end + PAGE_MASK_4K < end)
		return false;
	*start = address & ~PAGE_MASK_4K;
	end = (end + PAGE_MASK_4K) & ~PAGE_MASK_4K;
	*length = end - *start;
	return p->architecture != DSERVER_ARCH_I386 || end <= 0x100000000ull;
}

void dserver_handle_mach_vm_allocate(struct call *call)
{
	const struct dserver_rpc_mach_vm_allocate_request *rq = CALL_REQUEST(call, mach_vm_allocate);
	struct process *target = target_process(call, rq->target);
	bool anywhere = rq->flags & VM_FLAGS_ANYWHERE;
	uint64_t address, start, length, mapped;
	int map_flags = MAP_PRIVATE | MAP_ANONYMOUS;

	if (!target) {
		call_fail(call, MACH_SEND_INVALID_DEST);
		return;
	}
	if (copyin(call->process, rq->addr, &address, sizeof(address)) != 0) {
		call_fail(call, KERN_MEMORY_ERROR);
		return;
	}
	if ((uint32_t)rq->flags & ~(uint32_t)ALLOCATE_FLAGS) {
		call_fail(call, KERN_INVALID_ARGUMENT);
		return;
	}
	if (rq->size == 0) {
		/* Nothing to map: XNU answers success and address 0. */
		address = 0;
		call->reply.header.code = copyout(call->process, rq->addr, &address, sizeof(address)) ? KERN_MEMORY_ERROR
												       : KERN_SUCCESS;
		return;
	}
	if (!whole_pages(target, anywhere ? 0 : address, rq->size, &start, &length)) {
		call_fail(call, KERN_INVALID_ARGUMENT);
		return;
	}
	if (!anywhere)
		map_flags |= (rq->flags & VM_FLAGS_OVERWRITE) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	int err = s2c_mmap(target, call->thread, start, length, PROT_READ | PROT_WRITE, map_flags, &mapped);

	if (err == -ESRCH) {
		call_fail(call, MACH_SEND_INVALID_DEST); /* the task died meanwhile */
		return;
	}
	if (err) {
		call_fail(call, err == -EINVAL ? KERN_INVALID_ARGUMENT : KERN_NO_SPACE);
		return;
	}
	if (!anywhere && mapped != start) {
		/* A kernel older than MAP_FIXED_NOREPLACE took it as a hint. */
		s2c_munmap(target, call->thread, mapped, length);
		call_fail(call, KERN_NO_SPACE);
		return;
	}
	call->reply.header.code = copyout(call->process, rq->addr, &mapped, sizeof(mapped)) ? KERN_MEMORY_ERROR
											    : KERN_SUCCESS;
}

void dserver_handle_mach_vm_deallocate(struct call *call)
{
	const struct dserver_rpc_mach_vm_deallocate_request *rq = CALL_REQUEST(call, mach_vm_deallocate);
	struct process *target = target_process(call, rq->target);
	uint64_t start, length;

	if (!target) {
		call_fail(call, MACH_SEND_INVALID_DEST);
		return;
	}
	if (rq->size == 0)
		return;
	if (!whole_pages(target, rq->address, rq->size, &start, &length)) {
		call_fail(call, KERN_INVALID_ARGUMENT);
		return;
	}
	/* Unmapping a hole is no error, in XNU either. */
	int err = s2c_munmap(target, call->thread, start, length);

	if (err)
		call_fail(call, err == -ESRCH ? MACH_SEND_INVALID_DEST : KERN_INVALID_ARGUMENT);
}
