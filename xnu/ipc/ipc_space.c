/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A task's IPC space: a table of entries indexed by the name's upper 24
 * bits, the low byte being a generation that changes each time an entry is
 * reused, so that a stale name does not silently reach a new right. Free
 * entries are reused last-freed first, as in XNU.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc_internal.h"

#define GEN_STEP 4          /* XNU advances the generation by 4; the first one is 3 */
#define GEN_INITIAL 0xff
#define FIRST_CAPACITY 64

uint32_t ipc_entry_index(mach_port_name_t name)
{
	return name >> 8;
}

static mach_port_name_t make_name(uint32_t index, uint8_t gen)
{
	return (index << 8) | gen;
}

mach_port_name_t ipc_entry_name(struct ipc_space *space, struct ipc_entry *entry)
{
	uint32_t index = (uint32_t)(entry - space->table);

	return make_name(index, entry->gen);
}

struct ipc_space *ipc_space_create(struct xnu_task *task)
{
	struct ipc_space *space = calloc(1, sizeof(*space));

	if (!space)
		return NULL;
	space->task = task;
	space->active = true;
	return space;
}

/* Grow the table so that index fits, chaining new entries onto the free list in order. */
static kern_return_t table_grow(struct ipc_space *space, uint32_t index)
{
	uint32_t old = space->capacity;
	uint32_t capacity = old ? old : FIRST_CAPACITY;

	while (capacity <= index)
		capacity *= 2;
	if (capacity > IPC_SPACE_MAX_ENTRIES)
		capacity = IPC_SPACE_MAX_ENTRIES;
	if (index >= capacity)
		return KERN_NO_SPACE;
	struct ipc_entry *table = realloc(space->table, capacity * sizeof(*table));

	if (!table)
		return KERN_RESOURCE_SHORTAGE;
	memset(table + old, 0, (capacity - old) * sizeof(*table));
	/* New free entries go behind the existing free ones, lowest index first. */
	uint32_t first = old ? old : 1;
	uint32_t *tail = &space->free_head;

	while (*tail)
		tail = &table[*tail].next_free;
	for (uint32_t i = first; i < capacity; i++) {
		table[i].gen = GEN_INITIAL;
		*tail = i;
		tail = &table[i].next_free;
	}
	*tail = 0;
	if (!old)
		table[0].gen = GEN_INITIAL;
	space->table = table;
	space->capacity = capacity;
	return KERN_SUCCESS;
}

struct ipc_entry *ipc_entry_lookup(struct ipc_space *space, mach_port_name_t name)
{
	return space->active ? ipc_entry_lookup_dying(space, name) : NULL;
}

struct ipc_entry *ipc_entry_lookup_dying(struct ipc_space *space, mach_port_name_t name)
{
	uint32_t index = ipc_entry_index(name);

	if (index == 0 || index >= space->capacity)
		return NULL;
	struct ipc_entry *entry = &space->table[index];

	if (!entry->type || entry->gen != (uint8_t)name)
		return NULL;
	return entry;
}

static void claim(struct ipc_space *space, struct ipc_entry *entry, uint8_t gen)
{
	entry->gen = gen;
	entry->next_free = 0;
	entry->object = NULL;
	entry->urefs = 0;
	entry->request = NULL;
	space->used++;
}

kern_return_t ipc_entry_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_entry **entry)
{
	if (!space->active)
		return KERN_INVALID_TASK;
	if (!space->free_head) {
		kern_return_t kr = table_grow(space, space->capacity);

		if (kr != KERN_SUCCESS)
			return kr;
		if (!space->free_head)
			return KERN_NO_SPACE;
	}
	uint32_t index = space->free_head;
	struct ipc_entry *e = &space->table[index];

	space->free_head = e->next_free;
	claim(space, e, (uint8_t)(e->gen + GEN_STEP));
	*name = make_name(index, e->gen);
	*entry = e;
	return KERN_SUCCESS;
}

kern_return_t ipc_entry_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_entry **entry)
{
	uint32_t index = ipc_entry_index(name);

	if (!space->active)
		return KERN_INVALID_TASK;
	/* Every name XNU hands out has its two low bits set; chosen names must too. */
	if ((name & 3) != 3)
		return KERN_INVALID_VALUE;
	if (index == 0)
		return KERN_FAILURE;
	if (index >= IPC_SPACE_MAX_ENTRIES)
		return KERN_NO_SPACE;
	if (index >= space->capacity) {
		kern_return_t kr = table_grow(space, index);

		if (kr != KERN_SUCCESS)
			return kr;
	}
	struct ipc_entry *e = &space->table[index];

	if (e->type)
		return e->gen == (uint8_t)name ? KERN_NAME_EXISTS : KERN_FAILURE;
	/* Unlink from the free list (rare: only explicitly named allocations). */
	for (uint32_t *link = &space->free_head; *link; link = &space->table[*link].next_free) {
		if (*link == index) {
			*link = e->next_free;
			break;
		}
	}
	claim(space, e, (uint8_t)name);
	*entry = e;
	return KERN_SUCCESS;
}

void ipc_entry_dealloc(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry)
{
	uint32_t index = ipc_entry_index(name);

	if (entry->object)
		ipc_object_release(entry->object);
	entry->object = NULL;
	entry->type = 0;
	entry->urefs = 0;
	entry->request = NULL;
	entry->next_free = space->free_head;
	space->free_head = index;
	space->used--;
}

/* ---- reverse map: object -> name, open addressing with linear probing ---- */

static uint32_t hash_slot(const struct ipc_space *space, const struct ipc_object *object)
{
	uint64_t key = (uint64_t)(uintptr_t)object;

	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (uint32_t)key & (space->hash_capacity - 1);
}

static struct ipc_object *slot_object(const struct ipc_space *space, uint32_t slot)
{
	uint32_t index = space->hash[slot];

	return index ? space->table[index].object : NULL;
}

static bool hash_grow(struct ipc_space *space)
{
	uint32_t old_capacity = space->hash_capacity;
	uint32_t *old = space->hash;
	uint32_t capacity = old_capacity ? old_capacity * 2 : 64;
	uint32_t *hash = calloc(capacity, sizeof(*hash));

	if (!hash)
		return false;
	space->hash = hash;
	space->hash_capacity = capacity;
	for (uint32_t i = 0; i < old_capacity; i++) {
		if (!old[i])
			continue;
		uint32_t slot = hash_slot(space, space->table[old[i]].object);

		while (hash[slot])
			slot = (slot + 1) & (capacity - 1);
		hash[slot] = old[i];
	}
	free(old);
	return true;
}

mach_port_name_t ipc_hash_lookup(struct ipc_space *space, struct ipc_object *object)
{
	if (!space->hash_count)
		return MACH_PORT_NULL;
	for (uint32_t slot = hash_slot(space, object); space->hash[slot];
	     slot = (slot + 1) & (space->hash_capacity - 1)) {
		if (slot_object(space, slot) == object)
			return ipc_entry_name(space, &space->table[space->hash[slot]]);
	}
	return MACH_PORT_NULL;
}

void ipc_hash_insert(struct ipc_space *space, struct ipc_object *object, mach_port_name_t name)
{
	/* Keep the load under a half. Without memory the reverse map just misses
	 * this object, which costs a duplicate name, never a wrong one. */
	if ((space->hash_count + 1) * 2 > space->hash_capacity && !hash_grow(space))
		return;
	uint32_t slot = hash_slot(space, object);

	while (space->hash[slot])
		slot = (slot + 1) & (space->hash_capacity - 1);
	space->hash[slot] = ipc_entry_index(name);
	space->hash_count++;
}

void ipc_hash_delete(struct ipc_space *space, struct ipc_object *object)
{
	uint32_t mask = space->hash_capacity - 1;
	uint32_t slot;

	if (!space->hash_count)
		return;
	for (slot = hash_slot(space, object); space->hash[slot]; slot = (slot + 1) & mask) {
		if (slot_object(space, slot) == object)
			break;
	}
	if (!space->hash[slot])
		return;
	space->hash[slot] = 0;
	space->hash_count--;
	/* Shift back the entries of the same probe run so lookups still find them. */
	for (uint32_t next = (slot + 1) & mask; space->hash[next]; next = (next + 1) & mask) {
		uint32_t home = hash_slot(space, slot_object(space, next));

		if (((next - home) & mask) >= ((next - slot) & mask)) {
			space->hash[slot] = space->hash[next];
			space->hash[next] = 0;
			slot = next;
		}
	}
}

void ipc_space_destroy(struct ipc_space *space)
{
	if (!space)
		return;
	/* Mark inactive first: notifications caused below must not enter this space. */
	space->active = false;
	/* Receive rights first, as XNU does, then everything else. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t index = 1; index < space->capacity; index++) {
			struct ipc_entry *entry = &space->table[index];

			if (!entry->type || (pass == 0 && !(entry->type & MACH_PORT_TYPE_RECEIVE)))
				continue;
			ipc_right_clean(space, make_name(index, entry->gen), entry);
		}
	}
	free(space->table);
	free(space->hash);
	free(space);
}
