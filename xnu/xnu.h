/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The entry points of xnu/: the only header the server includes from here.
 * Each trap takes the calling thread and the trap's arguments; out-
 * parameters come back through pointers for the server to copy out.
 */
#ifndef XNU_XNU_H
#define XNU_XNU_H

#include <stdbool.h>
#include <stdint.h>

struct xnu_task;
struct xnu_thread;

typedef int32_t xnu_kern_return_t;
typedef uint32_t xnu_port_name_t;

/* ---- lifecycle ---- */
int xnu_init(void);
void xnu_fini(void);

/* host is the server's record, handed back through the glue. NULL without memory. */
struct xnu_task *xnu_task_create(void *host, int32_t pid, uint32_t uid, uint32_t gid, bool is_64_bit);
/* The process is gone: its rights are released, waits aborted, notifications sent. */
void xnu_task_terminate(struct xnu_task *task);
/* The process exec'ed a new image: rights survive exec, as on macOS; the ABI may change. */
void xnu_task_exec(struct xnu_task *task, bool is_64_bit);
/* The server's records given at creation. */
void *xnu_task_host(const struct xnu_task *task);
void *xnu_thread_host(const struct xnu_thread *thread);
/* The process's fork child is a new task: nothing is inherited (XNU's fork). */
struct xnu_thread *xnu_thread_create(struct xnu_task *task, void *host, int32_t tid);
void xnu_thread_terminate(struct xnu_thread *thread);
/* End the thread's current wait with an interrupted result. False if it was not waiting. */
bool xnu_thread_abort(struct xnu_thread *thread);

/* ---- the self traps (§6.3): a name in the caller's space, MACH_PORT_NULL on failure ---- */
xnu_port_name_t xnu_task_self_trap(struct xnu_thread *thread);
xnu_port_name_t xnu_host_self_trap(struct xnu_thread *thread);
xnu_port_name_t xnu_thread_self_trap(struct xnu_thread *thread);
xnu_port_name_t xnu_mach_reply_port(struct xnu_thread *thread);
xnu_port_name_t xnu_thread_get_special_reply_port(struct xnu_thread *thread);

/*
 * mach_msg_overwrite_trap. When the receive must wait, this does not
 * return: the fiber parks without its stack and the result arrives later
 * through host_thread_return().
 */
xnu_kern_return_t xnu_mach_msg_overwrite(struct xnu_thread *thread, uint64_t msg, int32_t option,
					 uint32_t send_size, uint32_t rcv_size, xnu_port_name_t rcv_name,
					 uint32_t timeout_ms, xnu_port_name_t notify, uint64_t rcv_msg);

/* ---- the _kernelrpc_mach_port_* traps: target must name the caller's own task ---- */
xnu_kern_return_t xnu_mach_port_allocate(struct xnu_thread *thread, xnu_port_name_t target, uint32_t right,
					 xnu_port_name_t *name);
xnu_kern_return_t xnu_mach_port_deallocate(struct xnu_thread *thread, xnu_port_name_t target,
					   xnu_port_name_t name);
xnu_kern_return_t xnu_mach_port_mod_refs(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					 uint32_t right, int32_t delta);
xnu_kern_return_t xnu_mach_port_move_member(struct xnu_thread *thread, xnu_port_name_t target,
					    xnu_port_name_t member, xnu_port_name_t after);
xnu_kern_return_t xnu_mach_port_insert_right(struct xnu_thread *thread, xnu_port_name_t target,
					     xnu_port_name_t name, xnu_port_name_t poly, uint32_t poly_poly);
xnu_kern_return_t xnu_mach_port_insert_member(struct xnu_thread *thread, xnu_port_name_t target,
					      xnu_port_name_t name, xnu_port_name_t pset);
xnu_kern_return_t xnu_mach_port_extract_member(struct xnu_thread *thread, xnu_port_name_t target,
					       xnu_port_name_t name, xnu_port_name_t pset);
/* options: the client's mach_port_options_t (24 bytes), already copied in. */
xnu_kern_return_t xnu_mach_port_construct(struct xnu_thread *thread, xnu_port_name_t target,
					  const void *options, uint64_t context, xnu_port_name_t *name);
xnu_kern_return_t xnu_mach_port_destruct(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					 int32_t srdelta, uint64_t guard);
xnu_kern_return_t xnu_mach_port_guard(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
				      uint64_t guard, bool strict);
xnu_kern_return_t xnu_mach_port_unguard(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					uint64_t guard);
xnu_kern_return_t xnu_mach_port_request_notification(struct xnu_thread *thread, xnu_port_name_t target,
						     xnu_port_name_t name, int32_t msgid, uint32_t sync,
						     xnu_port_name_t notify, uint32_t notify_poly,
						     xnu_port_name_t *previous);
/* info: room for XNU_PORT_INFO_MAX words; *count in/out, in words. */
#define XNU_PORT_INFO_MAX 17u
xnu_kern_return_t xnu_mach_port_get_attributes(struct xnu_thread *thread, xnu_port_name_t target,
					       xnu_port_name_t name, int32_t flavor, uint32_t *info,
					       uint32_t *count);
xnu_kern_return_t xnu_mach_port_type(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
				     uint32_t *type);

/*
 * task_for_pid / task_name_for_pid: the server has found the target's task
 * and checked the caller may have it (same uid or root); target may be NULL
 * when it could not (KERN_FAILURE).
 */
xnu_kern_return_t xnu_task_for_pid(struct xnu_thread *thread, xnu_port_name_t target_tport,
				   struct xnu_task *target, bool name_only, xnu_port_name_t *task_name);
xnu_kern_return_t xnu_pid_for_task(struct xnu_thread *thread, xnu_port_name_t task_name, int32_t *pid);
/*
 * The live task a send right in the caller's space names (a task control
 * port), or NULL: for the VM traps the server carries out on another task
 * through S2C (§6.3). No reference is taken.
 */
struct xnu_task *xnu_task_for_name(struct xnu_thread *thread, xnu_port_name_t name);

/* tid_for_thread (§6.2): the tid of the thread a send right in the caller's space names. */
xnu_kern_return_t xnu_tid_for_thread(struct xnu_thread *thread, xnu_port_name_t name, int32_t *tid);
/* A fork child's task starts with its parent's exception ports, as in XNU (§6.1). */
void xnu_task_inherit_exception_ports(struct xnu_task *child, const struct xnu_task *parent);

/* ---- observation (debug calls, statistics, tests) ---- */
struct xnu_port_info {
	xnu_port_name_t name;
	uint32_t type;       /* MACH_PORT_TYPE_* bits */
	uint32_t urefs;
	uint32_t msgcount;   /* receive rights: queued messages */
};
/* Fill up to max records; returns how many rights the task holds. */
uint64_t xnu_task_list_ports(struct xnu_task *task, struct xnu_port_info *out, uint64_t max);
/* Members of a port set, or -1 if name is not a port set in the task. */
int64_t xnu_task_list_members(struct xnu_task *task, xnu_port_name_t pset, struct xnu_port_info *out, uint64_t max);
struct xnu_message_info {
	int32_t sender;      /* the sending task's pid, 0 for the kernel */
	uint32_t size;       /* as the task would receive it */
};
/* Messages queued on a receive right of the task, or -1 if name is not one. */
int64_t xnu_task_list_messages(struct xnu_task *task, xnu_port_name_t port, struct xnu_message_info *out,
			       uint64_t max);
struct xnu_stats {
	uint64_t live_ports;   /* active ports, including kernel-object ports */
	uint64_t objects;      /* allocated ports and sets, including dead ports still named */
};
void xnu_get_stats(struct xnu_stats *stats);

/* ---- signals, exceptions and suspension (PROTOCOL §7.2, §7.6, §7.7) ---- */

/*
 * The register frame of one interrupt context: what thread_get_state and
 * thread_set_state on the thread's port read and write while the thread is
 * in a signal handler. The server owns the frames and tells xnu/ which one
 * is the thread's current one; without one, the state reads as zeros and
 * thread_set_state has nothing to change (KERN_FAILURE).
 */
struct xnu_user_state {
	uint8_t thread_state[168];  /* x86_thread_state64; an i386 task's x86_thread_state32 in the first 64 bytes */
	uint8_t float_state[524];   /* x86_float_state64 or x86_float_state32 */
	int32_t pending_signal;     /* Darwin signal sigprocess returns; 0 drops the signal */
	/* thread_set_state wrote thread_state / float_state since the server loaded the frame. */
	bool modified;
	bool float_modified;
	/*
	 * float_state has not been read from the client yet: the first
	 * thread_get_state that needs it calls host_load_float_state(), a
	 * thread_set_state of it replaces it whole (and clears this).
	 */
	bool float_pending;
};
void xnu_thread_set_user_state(struct xnu_thread *thread, struct xnu_user_state *state);

/*
 * sigprocess steps 2-4 on the current frame: set pending_signal to 0,
 * classify the signal, raise the Mach exception through the thread, task and
 * host exception ports (or EXC_SOFTWARE/EXC_SOFT_SIGNAL to the task port when
 * sigexc is on), translate an unhandled one back to a signal, then wait while
 * the thread is suspended. Blocks the calling fiber; these waits are not
 * abortable by xnu_thread_abort (a nested interrupt must not end them), but
 * they end when the thread or task terminates.
 */
void xnu_thread_process_signal(struct xnu_thread *thread, int32_t bsd_signal, int32_t linux_signal,
			       int32_t sender_pid, int32_t code, uint64_t address);

/* thread_suspended (§7.7): wait while the thread's suspend count is > 0 (not abortable). */
void xnu_thread_wait_while_suspended(struct xnu_thread *thread);

/* ptrace_sigexc (enable EXC_SOFTWARE reporting of signals) and ptrace_thupdate
 * (replace the pending signal of the thread's current frame; KERN_FAILURE without one). */
void xnu_task_set_sigexc(struct xnu_task *task, bool enabled);
xnu_kern_return_t xnu_thread_set_pending_signal(struct xnu_thread *thread, int32_t bsd_signal);

#endif
