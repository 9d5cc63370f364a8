/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The server half of MIG for the task, thread_act and host_priv routines:
 * reading a request's arguments and building its reply in the kernel's
 * message form (ipc_kmsg), in MIG's layouts (4-byte packing):
 *
 *   request       header [+ descriptor count + descriptors] + NDR + in-values
 *   simple reply  header + NDR + RetCode + out-values
 *   complex reply header + descriptor count + descriptors + NDR + out-values
 *   failure       the 36-byte mig_reply_error_t, for any routine
 *
 * In the kmsg the descriptors are kept apart, so "inline" below is what
 * follows them: the NDR record and the values.
 */
#ifndef XNU_KERN_MIG_SERVER_H
#define XNU_KERN_MIG_SERVER_H

#include "../ipc/ipc_kmsg.h"
#include "kern_internal.h"

#define MIG_NDR_SIZE IPC_NDR_SIZE
#define MIG_REPLY_ID_OFFSET 100

struct mig_call {
	struct ipc_kmsg *request;
	struct xnu_thread *sender;   /* the calling thread; NULL for the kernel's own messages */
	int routine;                 /* msgh_id minus the subsystem's base */
	const uint8_t *args;         /* the in-values, after the NDR record */
	uint32_t args_size;
	struct ipc_kmsg *reply;      /* built by the routine on success */
};

/* Does the request carry exactly `ports` port descriptors and args_size bytes of in-values? */
bool mig_request_is(const struct mig_call *call, uint32_t ports, uint32_t args_size);
uint32_t mig_arg32(const struct mig_call *call, uint32_t offset);
/*
 * The send right carried by port descriptor `index`, taken out of the
 * request (NULL for MACH_PORT_NULL or a dead name, whose right is dropped).
 */
struct ipc_port *mig_take_send_right(struct mig_call *call, uint32_t index);

/* A simple reply with RetCode KERN_SUCCESS; returns where its out_size bytes of out-values go. */
uint8_t *mig_reply_simple(struct mig_call *call, uint32_t out_size);
/* A complex reply with `descs` descriptors and inline_size bytes after them (NDR included). */
struct ipc_kmsg *mig_reply_complex(struct mig_call *call, uint32_t descs, uint32_t inline_size);

/*
 * The routine is done: kr other than KERN_SUCCESS replaces any reply with
 * the error reply; the reply is sent and the request destroyed.
 */
void mig_call_finish(struct mig_call *call, kern_return_t kr);

/* task_/thread_/host_ set, get and swap_exception_ports on actions (NULL: the object is gone). */
enum exception_ports_routine { EXC_PORTS_SET, EXC_PORTS_GET, EXC_PORTS_SWAP };
kern_return_t mig_exception_ports(struct mig_call *call, struct exception_action *actions,
				  enum exception_ports_routine routine);

/* The subsystems' servers: the routine's result (its reply, if any, is in call->reply). */
kern_return_t task_server(struct mig_call *call, struct xnu_task *task);
kern_return_t thread_act_server(struct mig_call *call, struct xnu_thread *thread);
kern_return_t host_priv_server(struct mig_call *call);
/*
 * The mach_port routines that look at a space (mach_port_debug_server.c);
 * space is NULL when the port is not a live task's. MIG_BAD_ID for the
 * routines it does not serve.
 */
kern_return_t mach_port_debug_server(struct mig_call *call, struct ipc_space *space);

#endif
