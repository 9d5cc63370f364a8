/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An open-addressing map from 64-bit keys to pointers (linear probing,
 * backward-shift deletion): one cache line per lookup in the common case.
 */
#ifndef DSERVER_HASHMAP_H
#define DSERVER_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hashmap_slot {
	uint64_t key;
	void *value; /* NULL: empty slot */
};

struct hashmap {
	struct hashmap_slot *slots;
	size_t mask;  /* capacity - 1; capacity is a power of two */
	size_t count;
};

void hashmap_init(struct hashmap *map);
void hashmap_destroy(struct hashmap *map);
void *hashmap_get(const struct hashmap *map, uint64_t key);
/* 0, or -ENOMEM. value must not be NULL; an existing key is replaced. */
int hashmap_put(struct hashmap *map, uint64_t key, void *value);
/* The removed value, or NULL. */
void *hashmap_remove(struct hashmap *map, uint64_t key);

/* Iterate: for (size_t i = 0; hashmap_next(map, &i, &key, &value);) */
int hashmap_next(const struct hashmap *map, size_t *cursor, uint64_t *key, void **value);

#endif
