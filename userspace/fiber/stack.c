/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stack.h"

static size_t page_size(void)
{
	static size_t cached;

	if (!cached)
		cached = (size_t)sysconf(_SC_PAGESIZE);
	return cached;
}

void fiber_stack_pool_init(struct fiber_stack_pool *pool, size_t stack_size, size_t max_pooled)
{
	size_t page = page_size();

	pool->stack_size = (stack_size + page - 1) & ~(page - 1);
	pool->max_pooled = max_pooled;
	pool->pooled = 0;
	pool->in_use = 0;
	pool->free = NULL;
}

static void unmap(struct fiber_stack_pool *pool, struct fiber_stack *stack)
{
	munmap((char *)stack->base - page_size(), pool->stack_size + page_size());
	free(stack);
}

struct fiber_stack *fiber_stack_get(struct fiber_stack_pool *pool)
{
	struct fiber_stack *stack = pool->free;
	size_t guard = page_size();
	void *map;

	if (stack) {
		pool->free = stack->next_free;
		pool->pooled--;
		pool->in_use++;
		return stack;
	}

	stack = malloc(sizeof(*stack));
	if (!stack)
		return NULL;
	/* Map the whole range inaccessible, then open everything above the guard. */
	map = mmap(NULL, pool->stack_size + guard, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED) {
		free(stack);
		errno = ENOMEM;
		return NULL;
	}
	if (mprotect((char *)map + guard, pool->stack_size, PROT_READ | PROT_WRITE) != 0) {
		munmap(map, pool->stack_size + guard);
		free(stack);
		errno = ENOMEM;
		return NULL;
	}
	stack->base = (char *)map + guard;
	stack->size = pool->stack_size;
	stack->next_free = NULL;
	pool->in_use++;
	return stack;
}

void fiber_stack_put(struct fiber_stack_pool *pool, struct fiber_stack *stack)
{
	pool->in_use--;
	if (pool->pooled >= pool->max_pooled) {
		unmap(pool, stack);
		return;
	}
	stack->next_free = pool->free;
	pool->free = stack;
	pool->pooled++;
}

size_t fiber_stack_pool_trim(struct fiber_stack_pool *pool, size_t keep)
{
	size_t trimmed = 0;

	while (pool->pooled > keep) {
		struct fiber_stack *stack = pool->free;

		pool->free = stack->next_free;
		pool->pooled--;
		unmap(pool, stack);
		trimmed++;
	}
	return trimmed;
}
