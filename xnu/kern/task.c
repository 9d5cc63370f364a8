/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tasks and threads: their kernel-object ports, their lifetimes, and the
 * self traps. A task lives until its process dies and the last message or
 * wait that refers to it is gone.
 */
#include <stdlib.h>

#include "../xnu.h"
#include "kern_internal.h"

static uint32_t next_pid_version = 1;

void xnu_task_reference(struct xnu_task *task)
{
	task->refs++;
}

void xnu_task_release(struct xnu_task *task)
{
	if (--task->refs)
		return;
	free(task);
}

void xnu_thread_reference(struct xnu_thread *thread)
{
	thread->refs++;
}

void xnu_thread_release(struct xnu_thread *thread)
{
	if (--thread->refs)
		return;
	glue_wait_fini(&thread->wait);
	glue_wait_fini(&thread->hold_wait);
	xnu_task_release(thread->task);
	free(thread);
}

/* A kernel-object port dies with its object: holders' send rights become dead names. */
static void kobject_port_destroy(struct ipc_port **slot)
{
	struct ipc_port *port = *slot;

	if (!port)
		return;
	*slot = NULL;
	ipc_port_destroy(port);
	ipc_port_release(port);
}

struct xnu_task *xnu_task_create(void *host, int32_t pid, uint32_t uid, uint32_t gid, bool is_64_bit)
{
	struct xnu_task *task = calloc(1, sizeof(*task));

	if (!task)
		return NULL;
	task->refs = 1;
	task->active = true;
	task->host = host;
	task->pid = pid;
	task->uid = uid;
	task->gid = gid;
	task->is_64_bit = is_64_bit;
	task->pid_version = next_pid_version++;
	task->space = ipc_space_create(task);
	task->task_port = ipc_port_alloc_kernel(IKOT_TASK, task);
	task->name_port = ipc_port_alloc_kernel(IKOT_TASK_NAME, task);
	if (!task->space || !task->task_port || !task->name_port) {
		ipc_space_destroy(task->space);
		kobject_port_destroy(&task->task_port);
		kobject_port_destroy(&task->name_port);
		free(task);
		return NULL;
	}
	return task;
}

static void thread_end(struct xnu_thread *thread)
{
	if (!thread->active)
		return;
	thread->active = false;
	xnu_thread_abort(thread);
	thread_hold_end(thread);
	exception_ports_release(thread->exc_actions);
	kobject_port_destroy(&thread->self_port);
	if (thread->special_reply_port) {
		thread->special_reply_port->special_reply = false;
		ipc_port_release(thread->special_reply_port);
		thread->special_reply_port = NULL;
	}
}

void xnu_task_terminate(struct xnu_task *task)
{
	if (!task->active)
		return;
	task->active = false;
	while (task->threads) {
		struct xnu_thread *thread = task->threads;

		task->threads = thread->task_next;
		thread_end(thread);
		xnu_thread_release(thread); /* the task's list reference */
	}
	exception_ports_release(task->exc_actions);
	ipc_space_destroy(task->space);
	task->space = NULL;
	kobject_port_destroy(&task->task_port);
	kobject_port_destroy(&task->name_port);
	task->host = NULL;
	xnu_task_release(task);
}

void xnu_task_exec(struct xnu_task *task, bool is_64_bit)
{
	task->is_64_bit = is_64_bit;
}

void *xnu_task_host(const struct xnu_task *task)
{
	return task->host;
}

void *xnu_thread_host(const struct xnu_thread *thread)
{
	return thread->host;
}

struct xnu_thread *xnu_thread_create(struct xnu_task *task, void *host, int32_t tid)
{
	struct xnu_thread *thread = calloc(1, sizeof(*thread));

	if (!thread)
		return NULL;
	thread->self_port = ipc_port_alloc_kernel(IKOT_THREAD, thread);
	if (!thread->self_port) {
		free(thread);
		return NULL;
	}
	thread->refs = 2; /* the server's and the task's list */
	thread->active = true;
	thread->host = host;
	thread->tid = tid;
	thread->task = task;
	xnu_task_reference(task);
	thread->task_next = task->threads;
	task->threads = thread;
	return thread;
}

void xnu_thread_terminate(struct xnu_thread *thread)
{
	struct xnu_task *task = thread->task;

	/* thread->host stays: a call still in flight finishes through it. */
	thread_end(thread);
	for (struct xnu_thread **link = &task->threads; *link; link = &(*link)->task_next) {
		if (*link == thread) {
			*link = thread->task_next;
			thread->refs--; /* the task's list reference; the server's still holds it */
			break;
		}
	}
	xnu_thread_release(thread); /* the server's */
}

bool xnu_thread_abort(struct xnu_thread *thread)
{
	if (thread->waiting_on)
		wait_list_remove(thread->waiting_on, thread);
	return glue_wakeup(&thread->wait, GLUE_WAIT_INTERRUPTED);
}

/* ---- conversions ---- */

static struct ipc_port *send_right_port(struct ipc_space *space, mach_port_name_t name)
{
	struct ipc_entry *entry;

	if (!space || !MACH_PORT_VALID(name) || ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return NULL;
	if (!(entry->type & MACH_PORT_TYPE_SEND))
		return NULL;
	return ipc_port_of(entry->object);
}

struct xnu_task *convert_port_to_task(struct ipc_port *port)
{
	return port && port->active && port->kotype == IKOT_TASK ? port->kobject : NULL;
}

struct xnu_task *convert_port_to_task_name(struct ipc_port *port)
{
	if (!port || !port->active)
		return NULL;
	return port->kotype == IKOT_TASK || port->kotype == IKOT_TASK_NAME ? port->kobject : NULL;
}

struct xnu_task *port_name_to_task(struct ipc_space *space, mach_port_name_t name)
{
	return convert_port_to_task(send_right_port(space, name));
}

struct xnu_thread *convert_port_to_thread(struct ipc_port *port)
{
	return port && port->active && port->kotype == IKOT_THREAD ? port->kobject : NULL;
}

struct xnu_thread *port_name_to_thread(struct ipc_space *space, mach_port_name_t name)
{
	return convert_port_to_thread(send_right_port(space, name));
}

xnu_kern_return_t xnu_tid_for_thread(struct xnu_thread *thread, xnu_port_name_t name, int32_t *tid)
{
	struct xnu_thread *target = port_name_to_thread(thread->task->space, name);

	*tid = 0;
	if (!target || !target->active)
		return KERN_INVALID_ARGUMENT;
	*tid = target->tid;
	return KERN_SUCCESS;
}

void xnu_task_inherit_exception_ports(struct xnu_task *child, const struct xnu_task *parent)
{
	/* As XNU's fork: the child starts with the parent's handlers (the old ones are none). */
	exception_ports_release(child->exc_actions);
	exception_ports_copy(child->exc_actions, parent->exc_actions);
}

/* ---- self traps ---- */

/* A send right to a kernel port, entered in the caller's space (one more uref). */
static mach_port_name_t copyout_send(struct xnu_thread *thread, struct ipc_port *port)
{
	mach_port_name_t name;

	if (!port || !thread->task->space)
		return MACH_PORT_NULL;
	ipc_port_copy_send(port);
	if (ipc_object_copyout(thread->task->space, &port->object, MACH_MSG_TYPE_PORT_SEND, &name) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return name;
}

xnu_port_name_t xnu_task_self_trap(struct xnu_thread *thread)
{
	return copyout_send(thread, thread->task->task_port);
}

xnu_port_name_t xnu_host_self_trap(struct xnu_thread *thread)
{
	return copyout_send(thread, host_port());
}

xnu_port_name_t xnu_thread_self_trap(struct xnu_thread *thread)
{
	return copyout_send(thread, thread->self_port);
}

xnu_port_name_t xnu_mach_reply_port(struct xnu_thread *thread)
{
	mach_port_name_t name;
	struct ipc_port *port;

	if (!thread->task->space || ipc_port_alloc(thread->task->space, &name, &port) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return name;
}

xnu_port_name_t xnu_thread_get_special_reply_port(struct xnu_thread *thread)
{
	mach_port_name_t name;
	struct ipc_port *port;

	if (!thread->task->space || ipc_port_alloc(thread->task->space, &name, &port) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	/* The previous one stays in the space as an ordinary port. */
	if (thread->special_reply_port) {
		thread->special_reply_port->special_reply = false;
		ipc_port_release(thread->special_reply_port);
	}
	port->special_reply = true;
	ipc_port_reference(port);
	thread->special_reply_port = port;
	return name;
}

/* ---- task_for_pid and friends ---- */

xnu_kern_return_t xnu_task_for_pid(struct xnu_thread *thread, xnu_port_name_t target_tport, struct xnu_task *target,
				   bool name_only, xnu_port_name_t *task_name)
{
	*task_name = MACH_PORT_NULL;
	if (port_name_to_task(thread->task->space, target_tport) != thread->task)
		return KERN_FAILURE;
	if (!target || !target->active)
		return KERN_FAILURE;
	*task_name = copyout_send(thread, name_only ? target->name_port : target->task_port);
	return *task_name ? KERN_SUCCESS : KERN_FAILURE;
}

xnu_kern_return_t xnu_pid_for_task(struct xnu_thread *thread, xnu_port_name_t task_name, int32_t *pid)
{
	struct xnu_task *task = convert_port_to_task_name(send_right_port(thread->task->space, task_name));

	*pid = -1;
	if (!task)
		return KERN_FAILURE;
	*pid = task->pid;
	return KERN_SUCCESS;
}
