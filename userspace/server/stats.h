/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-call statistics: how often, how often it failed, how long it took. */
#ifndef DSERVER_STATS_H
#define DSERVER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "call_table.h"

struct call_stats {
	uint64_t calls;
	uint64_t errors;       /* replies with a non-zero code */
	uint64_t total_ns;     /* from receipt to reply queued */
};

void stats_record(const struct call_info *info, int32_t code, uint64_t service_ns);
const struct call_stats *stats_for(const struct call_info *info);

#endif
