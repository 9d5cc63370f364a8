/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dispatch table generated from include/dserver/protocol.def. */
#ifndef DSERVER_CALL_TABLE_H
#define DSERVER_CALL_TABLE_H

#include <stdint.h>

#include <dserver/protocol_gen.h>

struct call;

struct call_info {
	const char *name;
	uint32_t wire_number;     /* bit 31 set for unmanaged calls */
	unsigned flags;           /* DSERVER_CALL_* */
	uint16_t request_size;
	uint16_t reply_size;
	uint16_t request_tail;     /* bytes that may follow the fixed request */
	uint16_t reply_tail;       /* bytes that may follow the fixed reply */
	int16_t request_fd_offset; /* -1: the request carries no descriptor */
	int16_t reply_fd_offset;   /* -1: the reply carries no descriptor */
	void (*handler)(struct call *call); /* NULL: not implemented yet */
};

extern const struct call_info dserver_call_table[DSERVER_CALL_MAX + 1];
extern const struct call_info dserver_extension_call_table[DSERVER_EXTENSION_CALL_MAX + 1];

/* The entry for a wire number, or NULL if no call has that number. */
const struct call_info *call_info_lookup(uint32_t number);

#endif
