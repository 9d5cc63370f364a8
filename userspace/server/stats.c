/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "stats.h"

static struct call_stats calls[DSERVER_CALL_MAX + 1];
static struct call_stats extension_calls[DSERVER_EXTENSION_CALL_MAX + 1];

static struct call_stats *slot(const struct call_info *info)
{
	if (info >= dserver_extension_call_table &&
	    info <= &dserver_extension_call_table[DSERVER_EXTENSION_CALL_MAX])
		return &extension_calls[info - dserver_extension_call_table];
	return &calls[info - dserver_call_table];
}

void stats_record(const struct call_info *info, int32_t code, uint64_t service_ns)
{
	struct call_stats *s = slot(info);

	s->calls++;
	s->errors += code != 0;
	s->total_ns += service_ns;
}

const struct call_stats *stats_for(const struct call_info *info)
{
	return slot(info);
}
