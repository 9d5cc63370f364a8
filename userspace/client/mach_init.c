/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Per-process and per-thread Mach state: the task's own port, the MIG
 * reply port, the page size, the NDR record. The task port is asked of the
 * server once per process; a forked child has a new IPC space, so it asks
 * again (client.c calls dserver_mach_fork_child()).
 */
#include <stdbool.h>
#include <unistd.h>

#include "mach_api.h"

mach_port_t mach_task_self_ = MACH_PORT_NULL;

vm_size_t vm_page_size;
vm_size_t vm_page_mask;
int vm_page_shift;

NDR_record_t NDR_record = {
	.mig_encoding = NDR_PROTOCOL_2_0,
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	.int_rep = NDR_INT_BIG_ENDIAN,
#else
	.int_rep = NDR_INT_LITTLE_ENDIAN,
#endif
	.char_rep = NDR_CHAR_ASCII,
	.float_rep = NDR_FLOAT_IEEE,
};

/* The calling thread's MIG reply port (a receive right), or MACH_PORT_NULL. */
static __thread mach_port_t mig_reply_port;

__attribute__((constructor)) static void init_page_size(void)
{
	long size = sysconf(_SC_PAGESIZE);

	vm_page_size = size > 0 ? (vm_size_t)size : 4096;
	vm_page_mask = vm_page_size - 1;
	vm_page_shift = __builtin_ctzl(vm_page_size);
}

mach_port_t mach_task_self(void)
{
	mach_port_t self = __atomic_load_n(&mach_task_self_, __ATOMIC_ACQUIRE);
	mach_port_t cached = MACH_PORT_NULL;

	if (self != MACH_PORT_NULL)
		return self;
	self = task_self_trap();
	if (self == MACH_PORT_NULL ||
	    __atomic_compare_exchange_n(&mach_task_self_, &cached, self, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE))
		return self;
	/*
	 * Another thread asked at the same time. Both got the same name (send
	 * rights to one port coalesce), with one user reference each: give
	 * ours back, so that the cached name holds exactly one, as on macOS.
	 */
	_kernelrpc_mach_port_deallocate_trap(cached, self);
	return cached;
}

mach_port_t mach_host_self(void)
{
	return host_self_trap();
}

mach_port_t mach_thread_self(void)
{
	return thread_self_trap();
}

mach_port_t mig_get_reply_port(void)
{
	/* A failed allocation is not cached: the next call tries again. */
	if (mig_reply_port == MACH_PORT_NULL)
		mig_reply_port = mach_reply_port();
	return mig_reply_port;
}

void mig_dealloc_reply_port(mach_port_t reply_port)
{
	mach_port_t port = mig_reply_port;

	if (port == MACH_PORT_NULL)
		return;
	/* Forget it first: a late reply must not be taken for the next call's. */
	mig_reply_port = MACH_PORT_NULL;
	(void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
	/* A caller that used another right as its reply port gives that up too. */
	if (reply_port != port && MACH_PORT_VALID(reply_port))
		(void)mach_port_deallocate(mach_task_self(), reply_port);
}

void mig_put_reply_port(mach_port_t reply_port)
{
	/* The port stays cached for the thread's next call. */
	(void)reply_port;
}

void dserver_mach_thread_exit(void)
{
	mach_port_t port = mig_reply_port;

	if (port == MACH_PORT_NULL)
		return;
	mig_reply_port = MACH_PORT_NULL;
	(void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

void dserver_mach_fork_child(void)
{
	/* The child is single-threaded here: plain stores are enough. */
	mach_task_self_ = MACH_PORT_NULL;
	mig_reply_port = MACH_PORT_NULL;
}
