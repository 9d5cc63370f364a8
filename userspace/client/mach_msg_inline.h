/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef DSERVER_CLIENT_MACH_MSG_INLINE_H
#define DSERVER_CLIENT_MACH_MSG_INLINE_H

#include <mach/message.h>

/*
 * mach_msg_overwrite_trap through the mach_msg_inline extension: the
 * trap's code, or a negative errno. -E2BIG (the message does not fit a
 * datagram) and -EFAULT (msg could not be read; nothing was sent) ask for
 * the plain call; -EREMOTEIO means the server received into a buffer the
 * reply could not be stored in.
 */
int mach_msg_inline_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
			 mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			 mach_msg_priority_t priority, mach_msg_header_t *rcv_msg);

#endif
