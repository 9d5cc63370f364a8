/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Client memory that travels in the datagrams of a call (PROTOCOL.md §11,
 * mach_msg_inline): the bytes of a range the client sent with its request,
 * and the bytes the reply will carry back into a range of the client. A
 * copy that falls inside a window costs a memcpy instead of a
 * process_vm_readv/writev; anything else goes to the process's memory.
 */
#ifndef DSERVER_COPY_WINDOW_H
#define DSERVER_COPY_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct copy_window {
	uint64_t address;      /* where the range starts in the client */
	unsigned char *bytes;  /* our copy of it; NULL: no window */
	uint32_t size;         /* in: bytes present; out: room */
	uint32_t staged;       /* out: bytes written, from the start of the range */
};

/* A window of `size` bytes at `address` whose contents are `bytes`. */
void copy_window_open_in(struct copy_window *w, uint64_t address, const unsigned char *bytes, uint32_t size);
/* Room for `size` bytes at `address`, staged in `bytes`. */
void copy_window_open_out(struct copy_window *w, uint64_t address, unsigned char *bytes, uint32_t size);
void copy_window_close(struct copy_window *w);

/* Serve a read from the window; false if [address, address + size) is not all inside. */
bool copy_window_read(const struct copy_window *w, uint64_t address, void *buffer, size_t size);

/*
 * Stage a write; false if it is not inside, or would leave a hole: the
 * reply carries the range's first `staged` bytes, which the client receives
 * straight into its buffer.
 */
bool copy_window_write(struct copy_window *w, uint64_t address, const void *buffer, size_t size);

/* Whether [address, address + size) meets the window's range, or its staged bytes. */
bool copy_window_overlaps(const struct copy_window *w, uint64_t address, size_t size);
bool copy_window_overlaps_staged(const struct copy_window *w, uint64_t address, size_t size);

/* How many bytes are staged (at the start of bytes); closes the window, so it stages no more. */
uint32_t copy_window_seal(struct copy_window *w);

#endif
