/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fiber stacks: anonymous mappings with a PROT_NONE guard page below, so an
 * overflow faults instead of corrupting the neighbour. Pages are committed by
 * the kernel on first touch, so a stack costs what it has used. Released
 * stacks are kept in a LIFO pool (the most recently used one is the warmest)
 * up to a limit.
 */
#ifndef DSERVER_FIBER_STACK_H
#define DSERVER_FIBER_STACK_H

#include <stddef.h>

struct fiber_stack {
	void *base;   /* lowest usable byte (just above the guard page) */
	size_t size;  /* usable bytes */
	struct fiber_stack *next_free;
};

struct fiber_stack_pool {
	size_t stack_size;
	size_t max_pooled;
	size_t pooled;
	size_t in_use;
	struct fiber_stack *free;
};

void fiber_stack_pool_init(struct fiber_stack_pool *pool, size_t stack_size, size_t max_pooled);

/* NULL with errno = ENOMEM when the kernel refuses the mapping. */
struct fiber_stack *fiber_stack_get(struct fiber_stack_pool *pool);

void fiber_stack_put(struct fiber_stack_pool *pool, struct fiber_stack *stack);

/* Unmap pooled stacks until at most `keep` remain; returns how many went. */
size_t fiber_stack_pool_trim(struct fiber_stack_pool *pool, size_t keep);

#endif
