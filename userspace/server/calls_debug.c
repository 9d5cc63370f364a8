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
#include "sigrecord.h"
#include "stats.h"
#include "xnu/xnu.h"

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
	/* The kernel pseudo-process, pid 0, first; it holds no names of its own. */
	records[i++].pid = 0;
	while ((p = registry_next_process(&cursor)) && i < count) {
		records[i].pid = (uint32_t)p->pid;
		records[i].port_count = p->xnu ? xnu_task_list_ports(p->xnu, NULL, 0) : 0;
		i++;
	}
	reply_records(call, records, i, sizeof(*records));
}

/*
 * The task a debug call names, or NULL after answering -ESRCH. The kernel
 * pseudo-process (pid 0) has no task: *empty is set and it names nothing.
 */
static struct xnu_task *named_task(struct call *call, uint32_t pid, bool *empty)
{
	struct process *p = pid ? registry_process((int32_t)pid) : NULL;

	*empty = pid == 0;
	if (*empty)
		return NULL;
	if (!p || !p->xnu) {
		call_fail(call, -ESRCH);
		return NULL;
	}
	return p->xnu;
}

/* Port records from xnu's view, in the layout of §10. */
static void reply_ports(struct call *call, const struct xnu_port_info *info, size_t count)
{
	struct dserver_debug_port_record *records = calloc(count ? count : 1, sizeof(*records));

	if (!records) {
		call_fail(call, -ENOMEM);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		records[i].port_name = info[i].name;
		records[i].rights = info[i].type & ~0x80000000u; /* type bits only, not DNREQUEST */
		records[i].refs = info[i].urefs;
		records[i].messages = info[i].msgcount;
	}
	reply_records(call, records, count, sizeof(*records));
}

void dserver_handle_debug_list_ports(struct call *call)
{
	const struct dserver_rpc_debug_list_ports_request *req = CALL_REQUEST(call, debug_list_ports);
	bool empty;
	struct xnu_task *task = named_task(call, req->process, &empty);

	if (!task) {
		if (empty)
			reply_records(call, NULL, 0, sizeof(struct dserver_debug_port_record));
		return;
	}
	uint64_t count = xnu_task_list_ports(task, NULL, 0);
	struct xnu_port_info *info = calloc(count ? count : 1, sizeof(*info));

	if (!info) {
		call_fail(call, -ENOMEM);
		return;
	}
	count = xnu_task_list_ports(task, info, count);
	reply_ports(call, info, count);
	free(info);
}

void dserver_handle_debug_list_members(struct call *call)
{
	const struct dserver_rpc_debug_list_members_request *req =
		CALL_REQUEST(call, debug_list_members);
	bool empty;
	struct xnu_task *task = named_task(call, req->process, &empty);

	if (!task) {
		if (empty)
			call_fail(call, -ENOENT); /* the kernel pseudo-process names no port set */
		return;
	}
	int64_t count = xnu_task_list_members(task, req->portset, NULL, 0);

	if (count < 0) {
		call_fail(call, -ENOENT);
		return;
	}
	struct xnu_port_info *info = calloc(count ? (size_t)count : 1, sizeof(*info));

	if (!info) {
		call_fail(call, -ENOMEM);
		return;
	}
	count = xnu_task_list_members(task, req->portset, info, (uint64_t)count);
	reply_ports(call, info, (size_t)count);
	free(info);
}

void dserver_handle_debug_list_messages(struct call *call)
{
	const struct dserver_rpc_debug_list_messages_request *req =
		CALL_REQUEST(call, debug_list_messages);
	bool empty;
	struct xnu_task *task = named_task(call, req->process, &empty);

	if (!task) {
		if (empty)
			call_fail(call, -ENOENT);
		return;
	}
	int64_t count = xnu_task_list_messages(task, req->port, NULL, 0);

	if (count < 0) {
		call_fail(call, -ENOENT);
		return;
	}
	size_t n = (size_t)count;
	struct xnu_message_info *info = calloc(n ? n : 1, sizeof(*info));
	struct dserver_debug_message_record *records = calloc(n ? n : 1, sizeof(*records));

	if (!info || !records) {
		free(info);
		free(records);
		call_fail(call, -ENOMEM);
		return;
	}
	xnu_task_list_messages(task, req->port, info, n);
	for (size_t i = 0; i < n; i++) {
		records[i].sender = (uint32_t)info[i].sender;
		records[i].size = info[i].size;
	}
	free(info);
	reply_records(call, records, n, sizeof(*records));
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
	if (call->reply.header.code == 0) {
		struct xnu_stats ipc;

		/* The IPC objects alive now: what a leak check compares before and after. */
		xnu_get_stats(&ipc);
		CALL_REPLY(call, dserver_stats)->live_ports = ipc.live_ports;
		CALL_REPLY(call, dserver_stats)->objects = ipc.objects;
		CALL_REPLY(call, dserver_stats)->signals_from_records = sigrecord_served();
		CALL_REPLY(call, dserver_stats)->signal_path =
			sigrecord_active() ? DSERVER_SIGNAL_PATH_EBPF : DSERVER_SIGNAL_PATH_USERSPACE;
		CALL_REPLY(call, dserver_stats)->bpf_prog_id = sigrecord_prog_id();
		CALL_REPLY(call, dserver_stats)->signal_path_reason = sigrecord_reason();
		CALL_REPLY(call, dserver_stats)->signal_path_errno = sigrecord_reason_errno();
	}
}
