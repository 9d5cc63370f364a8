/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tasks, threads and the host as xnu/ sees them. */
#ifndef XNU_KERN_INTERNAL_H
#define XNU_KERN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../glue/glue.h"
#include "../ipc/ipc_internal.h"

/* What a thread in mach_msg is doing, kept while it waits (XNU's ith_* fields). */
struct mach_msg_state {
	uint64_t msg;              /* receive buffer address (rcv_msg, or msg) */
	mach_msg_option_t option;
	mach_msg_size_t rcv_size;
	mach_port_name_t rcv_name;
	uint64_t deadline_ns;      /* UINT64_MAX: none */
	struct ipc_object *object; /* the port or set being received from (referenced) */
	struct ipc_kmsg *send_kmsg; /* a message waiting for room in its queue */
};

struct xnu_thread {
	struct xnu_task *task;
	int32_t tid;
	uint32_t refs;
	bool active;
	void *host;                        /* the server's record of this thread */
	struct ipc_port *self_port;        /* IKOT_THREAD */
	struct ipc_port *special_reply_port;
	struct glue_wait wait;
	struct wait_list *waiting_on;      /* the list this thread is on, if any */
	struct xnu_thread *wait_prev, *wait_next;
	struct mach_msg_state msg;
	struct xnu_thread *task_next;      /* in task->threads */
};

struct xnu_task {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
	bool is_64_bit;
	bool active;
	uint32_t refs;
	uint32_t pid_version;              /* distinguishes reuses of a pid (audit token) */
	void *host;                        /* the server's record of this process */
	struct ipc_space *space;
	struct ipc_port *task_port;        /* IKOT_TASK */
	struct ipc_port *name_port;        /* IKOT_TASK_NAME */
	struct xnu_thread *threads;
	uint64_t queued_bytes;             /* messages this task sent that are still queued */
};

void xnu_task_reference(struct xnu_task *task);
void xnu_task_release(struct xnu_task *task);
void xnu_thread_reference(struct xnu_thread *thread);
void xnu_thread_release(struct xnu_thread *thread);

/* The host port (one per server). */
struct ipc_port *host_port(void);

/* Convert a send right's port to the object it stands for, or NULL. */
struct xnu_task *convert_port_to_task(struct ipc_port *port);
struct xnu_task *convert_port_to_task_name(struct ipc_port *port);
/* The task named by a send right in the caller's space, or NULL. */
struct xnu_task *port_name_to_task(struct ipc_space *space, mach_port_name_t name);

/*
 * A message sent to a kernel-object port: serve it now (MIG) and send the
 * reply. Consumes the kmsg.
 */
void ipc_kobject_server(struct ipc_kmsg *kmsg, struct xnu_thread *sender);

#endif
