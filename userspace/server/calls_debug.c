/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The unmanaged debug calls (§10) and the dserver_stats extension (§11):
 * a record count in the reply and the records in a pipe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "pipe_writer.h"
#include "stats.h"

void dserver_handle_debug_list_processes(struct call *call);
void dserver_handle_debug_list_ports(struct call *call);
void dserver_handle_debug_list_members(struct call *call);
void dserver_handle_debug_list_messages(struct call *call);
void dserver_handle_dserver_stats(struct call *call);

/* Every debug reply has count u64@8 and fd@16. */
static void reply_records(struct call *call, void *records, size_t count, size_t record_size)
{
	int fd = pipe_writer_start(records, count * record_size);
	uint64_t n = count;

	if (fd < 0) {
		call_fail(call, fd);
		return;
	}
	memcpy(call->reply.bytes + 8, &n, sizeof(n));
	call->reply_fd = fd;
}

void dserver_handle_debug_list_processes(struct call *call)
{
	size_t count = registry_process_count() + 1, i = 0, cursor = 0;
	struct dserver_debug_process_record *records = calloc(count, sizeof(*records));
	struct process *p;

	if (!records) {
		call_fail(call, -ENOMEM);
		return;
	}
	/* The kernel pseudo-process, pid 0, first. IPC spaces arrive with Mach IPC. */
	records[i++].pid = 0;
	while ((p = registry_next_process(&cursor)) && i < count)
		records[i++].pid = (uint32_t)p->pid;
	reply_records(call, records, i, sizeof(*records));
}

/* A process named by a debug call: the kernel pseudo-process or a registered one. */
static bool known_process(uint32_t pid)
{
	return pid == 0 || registry_process((int32_t)pid) != NULL;
}

void dserver_handle_debug_list_ports(struct call *call)
{
	const struct dserver_rpc_debug_list_ports_request *req = CALL_REQUEST(call, debug_list_ports);

	if (!known_process(req->process)) {
		call_fail(call, -ESRCH);
		return;
	}
	/* No task has an IPC space before Mach IPC exists: the list is empty. */
	reply_records(call, NULL, 0, sizeof(struct dserver_debug_port_record));
}

void dserver_handle_debug_list_members(struct call *call)
{
	const struct dserver_rpc_debug_list_members_request *req =
		CALL_REQUEST(call, debug_list_members);

	/* An empty IPC space names no port set. */
	call_fail(call, known_process(req->process) ? -ENOENT : -ESRCH);
}

void dserver_handle_debug_list_messages(struct call *call)
{
	const struct dserver_rpc_debug_list_messages_request *req =
		CALL_REQUEST(call, debug_list_messages);

	call_fail(call, known_process(req->process) ? -ENOENT : -ESRCH);
}

struct stats_record {
	char name[24];
	uint64_t calls;
	uint64_t errors;
	uint64_t total_service_ns;
};
_Static_assert(sizeof(struct stats_record) == 48, "docs/PROTOCOL.md §11");

static size_t add_records(struct stats_record *out, const struct call_info *table, size_t len)
{
	size_t n = 0;

	for (size_t i = 1; i < len; i++) {
		const struct call_stats *s;

		if (!table[i].name || !(s = stats_for(&table[i]))->calls)
			continue;
		/* NUL-padded, cut at 24 bytes without a NUL (§11): not a C string. */
		memcpy(out[n].name, table[i].name, strnlen(table[i].name, sizeof(out[n].name)));
		out[n].calls = s->calls;
		out[n].errors = s->errors;
		out[n].total_service_ns = s->total_ns;
		n++;
	}
	return n;
}

void dserver_handle_dserver_stats(struct call *call)
{
	size_t max = DSERVER_CALL_MAX + DSERVER_EXTENSION_CALL_MAX, n;
	struct stats_record *records = calloc(max, sizeof(*records));

	if (!records) {
		call_fail(call, -ENOMEM);
		return;
	}
	n = add_records(records, dserver_call_table, DSERVER_CALL_MAX + 1);
	n += add_records(records + n, dserver_extension_call_table, DSERVER_EXTENSION_CALL_MAX + 1);
	reply_records(call, records, n, sizeof(*records));
}
