/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-process settings and queries (PROTOCOL.md §6.2). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "client_memory.h"
#include "config.h"
#include "console.h"
#include "log.h"

#define KPRINTF_MAX 4096          /* W9 */
#define EXECUTABLE_PATH_MAX 4096  /* W9 */
#define GROUPS_MAX 65536          /* W9 */

void dserver_handle_vchroot(struct call *call);
void dserver_handle_vchroot_path(struct call *call);
void dserver_handle_mldr_path(struct call *call);
void dserver_handle_kprintf(struct call *call);
void dserver_handle_console_open(struct call *call);
void dserver_handle_started_suspended(struct call *call);
void dserver_handle_stop_after_exec(struct call *call);
void dserver_handle_uidgid(struct call *call);
void dserver_handle_groups(struct call *call);
void dserver_handle_set_thread_handles(struct call *call);
void dserver_handle_set_dyld_info(struct call *call);
void dserver_handle_set_executable_path(struct call *call);
void dserver_handle_get_executable_path(struct call *call);
void dserver_handle_task_is_64_bit(struct call *call);
void dserver_handle_get_tracer(struct call *call);
void dserver_handle_set_tracer(struct call *call);

void dserver_handle_vchroot(struct call *call)
{
	struct process *p = call->process;
	int fd = call_take_fd(call);
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (fd < 0) {
		call_fail(call, -EBADF);
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		call_fail(call, -errno);
		close(fd);
		return;
	}
	path[n] = 0;
	char *copy = strdup(path);

	if (!copy) {
		call_fail(call, -ENOMEM);
		close(fd);
		return;
	}
	if (p->vchroot_fd >= 0)
		close(p->vchroot_fd);
	free(p->vchroot_path);
	p->vchroot_fd = fd;
	p->vchroot_path = copy;
}

/* §5.4: write the string, answer with its full length. */
static void reply_string(struct call *call, uint64_t buffer, uint64_t size, const char *s,
			 uint64_t *length)
{
	int err = 0;

	*length = strlen(s);
	if (size)
		err = copyout_string(call->process, buffer, size, s);
	if (err) {
		call_fail(call, err);
		return;
	}
}

void dserver_handle_vchroot_path(struct call *call)
{
	const struct dserver_rpc_vchroot_path_request *req = CALL_REQUEST(call, vchroot_path);
	struct dserver_rpc_vchroot_path_reply *rep = CALL_REPLY(call, vchroot_path);
	const char *path = call->process->vchroot_path ? call->process->vchroot_path : "";

	reply_string(call, req->buffer, req->buffer_size, path, &rep->length);
}

void dserver_handle_mldr_path(struct call *call)
{
	const struct dserver_rpc_mldr_path_request *req = CALL_REQUEST(call, mldr_path);
	struct dserver_rpc_mldr_path_reply *rep = CALL_REPLY(call, mldr_path);

	reply_string(call, req->buffer, req->buffer_size, server_config.mldr_path, &rep->length);
}

void dserver_handle_kprintf(struct call *call)
{
	const struct dserver_rpc_kprintf_request *req = CALL_REQUEST(call, kprintf);
	int err;
	char *s = copyin_string(call->process, req->string, req->string_length, KPRINTF_MAX, &err);
	size_t len;

	if (!s) {
		call_fail(call, err);
		return;
	}
	len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		s[--len] = 0;
	log_warn("kprintf", "pid %d: %s", call->process->pid, s);
	free(s);
}

void dserver_handle_console_open(struct call *call)
{
	int fd = console_open(call->process);

	if (fd < 0) {
		call_fail(call, EMFILE); /* positive: the client maps it to open's errno */
		return;
	}
	call->reply_fd = fd;
}

void dserver_handle_started_suspended(struct call *call)
{
	struct dserver_rpc_started_suspended_reply *rep = CALL_REPLY(call, started_suspended);

	rep->suspended = call->process->start_suspended;
	call->process->start_suspended = false;
}

void dserver_handle_stop_after_exec(struct call *call)
{
	call->process->start_suspended = true;
}

void dserver_handle_uidgid(struct call *call)
{
	const struct dserver_rpc_uidgid_request *req = CALL_REQUEST(call, uidgid);
	struct dserver_rpc_uidgid_reply *rep = CALL_REPLY(call, uidgid);
	struct process *p = call->process;

	rep->old_uid = (int32_t)p->darwin_uid;
	rep->old_gid = (int32_t)p->darwin_gid;
	if (req->new_uid >= 0)
		p->darwin_uid = (uint32_t)req->new_uid;
	if (req->new_gid >= 0)
		p->darwin_gid = (uint32_t)req->new_gid;
}

void dserver_handle_groups(struct call *call)
{
	const struct dserver_rpc_groups_request *req = CALL_REQUEST(call, groups);
	struct dserver_rpc_groups_reply *rep = CALL_REPLY(call, groups);
	struct process *p = call->process;
	uint32_t *fresh = NULL;
	bool replace = req->new_groups && req->new_group_count > 0;
	int err;

	if (replace) {
		if (req->new_group_count > GROUPS_MAX) {
			call_fail(call, EINVAL);
			return;
		}
		fresh = malloc(req->new_group_count * sizeof(*fresh));
		if (!fresh) {
			call_fail(call, -ENOMEM);
			return;
		}
		err = copyin(p, req->new_groups, fresh, req->new_group_count * sizeof(*fresh));
		if (err) {
			free(fresh);
			call_fail(call, err);
			return;
		}
	}
	if (req->old_groups) {
		uint64_t n = p->group_count < req->old_group_space ? p->group_count : req->old_group_space;

		err = copyout(p, req->old_groups, p->groups, n * sizeof(*p->groups));
		if (err) {
			free(fresh);
			call_fail(call, err);
			return;
		}
	}
	rep->old_group_count = p->group_count;
	if (replace) {
		free(p->groups);
		p->groups = fresh;
		p->group_count = req->new_group_count;
	}
}

void dserver_handle_set_thread_handles(struct call *call)
{
	const struct dserver_rpc_set_thread_handles_request *req =
		CALL_REQUEST(call, set_thread_handles);

	call->thread->pthread_handle = req->pthread_handle;
	call->thread->dispatch_qaddr = req->dispatch_qaddr;
}

void dserver_handle_set_dyld_info(struct call *call)
{
	const struct dserver_rpc_set_dyld_info_request *req = CALL_REQUEST(call, set_dyld_info);

	call->process->dyld_info_address = req->address;
	call->process->dyld_info_length = req->length;
}

void dserver_handle_set_executable_path(struct call *call)
{
	const struct dserver_rpc_set_executable_path_request *req =
		CALL_REQUEST(call, set_executable_path);
	int err;
	char *path = copyin_string(call->process, req->buffer, req->buffer_size, EXECUTABLE_PATH_MAX,
				   &err);

	if (!path) {
		call_fail(call, err);
		return;
	}
	free(call->process->executable_path);
	call->process->executable_path = path;
}

void dserver_handle_get_executable_path(struct call *call)
{
	const struct dserver_rpc_get_executable_path_request *req =
		CALL_REQUEST(call, get_executable_path);
	struct dserver_rpc_get_executable_path_reply *rep = CALL_REPLY(call, get_executable_path);
	struct process *target = registry_process(req->pid);

	if (!target) {
		call_fail(call, ESRCH); /* W11: length 0 */
		return;
	}
	reply_string(call, req->buffer, req->buffer_size,
		     target->executable_path ? target->executable_path : "", &rep->length);
	if (call->reply.header.code)
		rep->length = 0;
}

void dserver_handle_task_is_64_bit(struct call *call)
{
	const struct dserver_rpc_task_is_64_bit_request *req = CALL_REQUEST(call, task_is_64_bit);
	struct dserver_rpc_task_is_64_bit_reply *rep = CALL_REPLY(call, task_is_64_bit);
	struct process *target = registry_process(req->id);

	if (!target) {
		call_fail(call, ESRCH); /* §5.5 rule 4 */
		return;
	}
	rep->is_64_bit = target->architecture == DSERVER_ARCH_X86_64 ||
			 target->architecture == DSERVER_ARCH_ARM64;
}

void dserver_handle_get_tracer(struct call *call)
{
	CALL_REPLY(call, get_tracer)->tracer = call->process->tracer;
}

void dserver_handle_set_tracer(struct call *call)
{
	const struct dserver_rpc_set_tracer_request *req = CALL_REQUEST(call, set_tracer);
	struct process *self = call->process;
	struct process *target = req->target ? registry_process(req->target) : self;

	if (!target || (req->tracer && !registry_process(req->tracer))) {
		call_fail(call, ESRCH);
		return;
	}
	/* W6: only the target itself, or the tracer being set, may do this. */
	if (self != target && req->tracer != self->pid) {
		call_fail(call, EPERM);
		return;
	}
	if (target->tracer && req->tracer) {
		call_fail(call, EPERM);
		return;
	}
	target->tracer = req->tracer;
}
