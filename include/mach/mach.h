/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Mach API of libdserver: include this, compile with
 * `pkg-config --cflags dserver`, link with `pkg-config --libs dserver`.
 */
#ifndef _MACH_H_
#define _MACH_H_

#include <mach/error.h>
#include <mach/exc.h>
#include <mach/exception_types.h>
#include <mach/host_priv.h>
#include <mach/kern_return.h>
#include <mach/mach_exc.h>
#include <mach/mach_error.h>
#include <mach/mach_init.h>
#include <mach/mach_port.h>
#include <mach/mach_traps.h>
#include <mach/mach_types.h>
#include <mach/mach_vm.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/ndr.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <mach/std_types.h>
#include <mach/task.h>
#include <mach/thread_act.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/vm_map.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mach_msg() sending msg as it is (msgh_size bytes), without timeout. */
extern mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);
/* mach_msg() receiving on msg->msgh_local_port into at most msg->msgh_size bytes. */
extern mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg);

/*
 * Releases what a message holds: the rights of its remote and voucher
 * ports and of its descriptors, and out-of-line memory marked deallocate.
 * For a received message it discards what was received; for an unsent one
 * it has the effect of sending it and having it destroyed.
 */
extern void mach_msg_destroy(mach_msg_header_t *msg);

#ifdef __cplusplus
}
#endif

#endif
