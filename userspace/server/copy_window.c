/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "copy_window.h"

void copy_window_open_in(struct copy_window *w, uint64_t address, const unsigned char *bytes, uint32_t size)
{
	*w = (struct copy_window){ .address = address, .bytes = (unsigned char *)bytes, .size = size };
}

void copy_window_open_out(struct copy_window *w, uint64_t address, unsigned char *bytes, uint32_t size)
{
	*w = (struct copy_window){ .address = address, .bytes = bytes, .size = size };
}

void copy_window_close(struct copy_window *w)
{
	*w = (struct copy_window){ 0 };
}

/* The offset of [address, address + size) in the window, or -1 if it is not all inside. */
static int64_t offset_in(const struct copy_window *w, uint64_t address, size_t size)
{
	if (!w->bytes || address < w->address || address - w->address > w->size ||
	    size > w->size - (address - w->address))
		return -1;
	return (int64_t)(address - w->address);
}

bool copy_window_read(const struct copy_window *w, uint64_t address, void *buffer, size_t size)
{
	int64_t off = offset_in(w, address, size);

	if (off < 0)
		return false;
	memcpy(buffer, w->bytes + off, size);
	return true;
}

bool copy_window_write(struct copy_window *w, uint64_t address, const void *buffer, size_t size)
{
	int64_t off = offset_in(w, address, size);

	if (off < 0 || (uint64_t)off > w->staged)
		return false;
	memcpy(w->bytes + off, buffer, size);
	if ((uint64_t)off + size > w->staged)
		w->staged = (uint32_t)(off + (int64_t)size);
	return true;
}

static bool meets(uint64_t address, size_t size, uint64_t lo, uint64_t hi)
{
	return lo < hi && address < hi && address + size > lo;
}

bool copy_window_overlaps(const struct copy_window *w, uint64_t address, size_t size)
{
	return w->bytes && meets(address, size, w->address, w->address + w->size);
}

bool copy_window_overlaps_staged(const struct copy_window *w, uint64_t address, size_t size)
{
	return w->bytes && meets(address, size, w->address, w->address + w->staged);
}

uint32_t copy_window_seal(struct copy_window *w)
{
	uint32_t n = w->bytes ? w->staged : 0;

	w->bytes = NULL;
	w->staged = 0;
	return n;
}
