/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading and writing a client's memory (process_vm_readv/writev). */
#ifndef DSERVER_CLIENT_MEMORY_H
#define DSERVER_CLIENT_MEMORY_H

#include <stddef.h>
#include <stdint.h>

struct process;

/* 0, or -EFAULT if any byte of the range is not accessible. */
int copyin(const struct process *process, uint64_t address, void *buffer, size_t size);
int copyout(const struct process *process, uint64_t address, const void *buffer, size_t size);

/*
 * §5.4: write at most size bytes of string (NUL included if it fits).
 * 0 or -EFAULT.
 */
int copyout_string(const struct process *process, uint64_t address, uint64_t size,
		   const char *string);

/*
 * §5.4: read exactly size bytes (capped at max) and stop at the first NUL.
 * A new NUL-terminated string, or NULL with *error set.
 */
char *copyin_string(const struct process *process, uint64_t address, uint64_t size,
		    size_t max, int *error);

#endif
