/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tasks, threads and the host as xnu/ sees them. */
#ifndef XNU_KERN_INTERNAL_H
#define XNU_KERN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <mach/exception_types.h>

#include "../glue/glue.h"
#include "../ipc/ipc_internal.h"
#include "../xnu.h"

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

/* Where one exception type goes, for a thread, a task or the host. */
struct exception_action {
	struct ipc_port *port;             /* a send right, or NULL */
	exception_behavior_t behavior;
	thread_state_flavor_t flavor;
};

/* The fault that the thread's signal reported, for x86_EXCEPTION_STATE. */
struct exception_info {
	uint16_t trapno;
	uint32_t err;
	uint64_t faultvaddr;
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

	/* Exceptions, thread state and suspension (exception.c, thread_state.c, suspend.c). */
	struct exception_action exc_actions[EXC_TYPES_COUNT];
	struct xnu_user_state *user_state;   /* the server's current frame, or NULL */
	struct xnu_user_state *parked_state; /* the frame of the sigprocess or thread_suspended in progress */
	struct exception_info exc_info;
	/* Waits that no interrupt may end (exception replies, suspension); thread death ends them. */
	struct glue_wait hold_wait;
	struct ipc_port *exc_reply_port;     /* while an exception is raised: where its reply comes */
	struct ipc_kmsg *exc_reply;          /* that reply (or the send-once notification) */
	uint32_t user_stop_count;            /* thread_suspend minus thread_resume */
	uint32_t parked;                     /* inside sigprocess or thread_suspended */
	struct wait_list park_waiters;       /* thread_suspend callers waiting for it to park */
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
	struct exception_action exc_actions[EXC_TYPES_COUNT];
	uint32_t user_stop_count;          /* task_suspend minus task_resume */
	bool sigexc;                       /* signals are reported as EXC_SOFTWARE (ptrace) */
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

/* The thread named by a send right in the caller's space, or NULL. */
struct xnu_thread *port_name_to_thread(struct ipc_space *space, mach_port_name_t name);
struct xnu_thread *convert_port_to_thread(struct ipc_port *port);

/* ---- exception ports (exception_ports.c) ---- */
/* The host's actions (one set per server). */
struct exception_action *host_exception_actions(void);
/* XNU's checks of a new handler: KERN_SUCCESS or the error the set/swap routines return. */
kern_return_t exception_ports_check(exception_mask_t mask, struct ipc_port *port, exception_behavior_t behavior,
				    thread_state_flavor_t flavor);
/* The handlers of the types in mask, merged as XNU reports them; ports are new send rights. */
struct exception_port_list {
	uint32_t count;
	exception_mask_t masks[EXC_TYPES_COUNT];
	struct ipc_port *ports[EXC_TYPES_COUNT];
	exception_behavior_t behaviors[EXC_TYPES_COUNT];
	thread_state_flavor_t flavors[EXC_TYPES_COUNT];
};
void exception_ports_get(const struct exception_action *actions, exception_mask_t mask,
			 struct exception_port_list *old);
/* Install port (a send right the call consumes) for the types in mask. */
void exception_ports_set(struct exception_action *actions, exception_mask_t mask, struct ipc_port *port,
			 exception_behavior_t behavior, thread_state_flavor_t flavor);
void exception_ports_release(struct exception_action *actions);
void exception_ports_copy(struct exception_action *to, const struct exception_action *from);

/* ---- raising (exception.c) ---- */
/* A message came to an exception reply port: hand it to the thread waiting for it. */
void exception_reply_arrived(struct ipc_kmsg *kmsg);

/* ---- thread state (thread_state.c) ---- */
/* *count: room in words on entry, the state's size on exit. */
kern_return_t thread_state_get(struct xnu_thread *thread, thread_state_flavor_t flavor, uint32_t *state,
			       uint32_t *count);
kern_return_t thread_state_set(struct xnu_thread *thread, thread_state_flavor_t flavor, const uint32_t *state,
			       uint32_t count);

/* ---- suspension (suspend.c) ---- */
kern_return_t suspend_thread(struct xnu_thread *thread, struct xnu_thread *caller);
kern_return_t resume_thread(struct xnu_thread *thread);
kern_return_t suspend_task(struct xnu_task *task, struct xnu_thread *caller);
kern_return_t resume_task(struct xnu_task *task);
bool thread_is_held(const struct xnu_thread *thread);
/* The thread has entered / left sigprocess or thread_suspended. */
void thread_park_begin(struct xnu_thread *thread, struct xnu_user_state *frame);
void thread_park_end(struct xnu_thread *thread);
/* Wait (not abortably) while the thread is suspended; false if it died meanwhile. */
bool thread_hold_wait(struct xnu_thread *thread);
/* The thread is ending: wake whoever waits on it or for it. */
void thread_hold_end(struct xnu_thread *thread);

/*
 * Messages to kernel-object ports of the task, thread_act and host_priv
 * subsystems, and to exception reply ports (mig_subsystems.c). True if
 * the message was one of theirs (it has been consumed and answered).
 */
bool mig_subsystems_server(struct ipc_kmsg *kmsg, struct xnu_thread *sender);

/*
 * A message sent to a kernel-object port: serve it now (MIG) and send the
 * reply. Consumes the kmsg.
 */
void ipc_kobject_server(struct ipc_kmsg *kmsg, struct xnu_thread *sender);

#endif
