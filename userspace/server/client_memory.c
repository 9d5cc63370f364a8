/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "client_memory.h"
#include "process.h"

int copyin(const struct process *p, uint64_t address, void *buffer, size_t size)
{
	struct iovec local = { buffer, size };
	struct iovec remote = { (void *)(uintptr_t)address, size };

	if (size == 0)
		return 0;
	if (address == 0 || address + size < address)
		return -EFAULT;
	return process_vm_readv(p->global_pid, &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -EFAULT;
}

int copyout(const struct process *p, uint64_t address, const void *buffer, size_t size)
{
	struct iovec local = { (void *)buffer, size };
	struct iovec remote = { (void *)(uintptr_t)address, size };

	if (size == 0)
		return 0;
	if (address == 0 || address + size < address)
		return -EFAULT;
	return process_vm_writev(p->global_pid, &local, 1, &remote, 1, 0) == (ssize_t)size ? 0 : -EFAULT;
}

int copyout_string(const struct process *p, uint64_t address, uint64_t size, const char *string)
{
	size_t len = strlen(string) + 1;

	return copyout(p, address, string, size < len ? (size_t)size : len);
}

char *copyin_string(const struct process *p, uint64_t address, uint64_t size, size_t max,
		    int *error)
{
	size_t n = size > max ? max : (size_t)size;
	char *s = malloc(n + 1);

	if (!s) {
		*error = -ENOMEM;
		return NULL;
	}
	*error = copyin(p, address, s, n);
	if (*error) {
		free(s);
		return NULL;
	}
	s[n] = 0;
	return s; /* strlen stops at the first NUL the client sent */
}
