/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "hashmap.h"

static size_t slot_of(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & mask;
}

void hashmap_init(struct hashmap *map)
{
	map->slots = NULL;
	map->mask = 0;
	map->count = 0;
}

void hashmap_destroy(struct hashmap *map)
{
	free(map->slots);
	hashmap_init(map);
}

void *hashmap_get(const struct hashmap *map, uint64_t key)
{
	if (!map->slots)
		return NULL;
	for (size_t i = slot_of(key, map->mask);; i = (i + 1) & map->mask) {
		if (!map->slots[i].value)
			return NULL;
		if (map->slots[i].key == key)
			return map->slots[i].value;
	}
}

static int grow(struct hashmap *map)
{
	size_t capacity = map->slots ? (map->mask + 1) * 2 : 16;
	struct hashmap_slot *old = map->slots;
	size_t old_capacity = map->slots ? map->mask + 1 : 0;
	struct hashmap_slot *slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	map->slots = slots;
	map->mask = capacity - 1;
	for (size_t j = 0; j < old_capacity; j++) {
		if (!old[j].value)
			continue;
		size_t i = slot_of(old[j].key, map->mask);

		while (slots[i].value)
			i = (i + 1) & map->mask;
		slots[i] = old[j];
	}
	free(old);
	return 0;
}

int hashmap_put(struct hashmap *map, uint64_t key, void *value)
{
	size_t i;

	/* Keep the load factor at most 1/2 so probe runs stay short. */
	if ((map->count + 1) * 2 > (map->slots ? map->mask + 1 : 0) && grow(map) != 0)
		return -ENOMEM;
	for (i = slot_of(key, map->mask); map->slots[i].value; i = (i + 1) & map->mask) {
		if (map->slots[i].key == key) {
			map->slots[i].value = value;
			return 0;
		}
	}
	map->slots[i].key = key;
	map->slots[i].value = value;
	map->count++;
	return 0;
}

void *hashmap_remove(struct hashmap *map, uint64_t key)
{
	size_t i, j;
	void *value;

	if (!map->slots)
		return NULL;
	for (i = slot_of(key, map->mask); map->slots[i].key != key || !map->slots[i].value;
	     i = (i + 1) & map->mask)
		if (!map->slots[i].value)
			return NULL;
	value = map->slots[i].value;
	map->slots[i].value = NULL;
	map->count--;
	/* Move later members of the probe run back so lookups never stop early. */
	for (j = (i + 1) & map->mask; map->slots[j].value; j = (j + 1) & map->mask) {
		size_t home = slot_of(map->slots[j].key, map->mask);

		/* Is home cyclically outside (i, j]? Then slot i serves it. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			map->slots[i] = map->slots[j];
			map->slots[j].value = NULL;
			i = j;
		}
	}
	return value;
}

int hashmap_next(const struct hashmap *map, size_t *cursor, uint64_t *key, void **value)
{
	if (!map->slots)
		return 0;
	for (; *cursor <= map->mask; (*cursor)++) {
		if (map->slots[*cursor].value) {
			*key = map->slots[*cursor].key;
			*value = map->slots[*cursor].value;
			(*cursor)++;
			return 1;
		}
	}
	return 0;
}
