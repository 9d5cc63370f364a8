/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * mach_msg_overwrite_trap over dserver's mach_msg_inline extension
 * (PROTOCOL.md §11): the message travels in the request datagram and the
 * received message in the reply, straight from and into the caller's
 * buffers, instead of the server reading and writing this process's memory
 * with process_vm_readv/writev, which cost more than the datagrams.
 */
#include <errno.h>

#include <dserver/rpc.h>

#include "mach_api.h"
#include "mach_msg_inline.h"
#include "rpc_transport.h"

int mach_msg_inline_trap(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
			 mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
			 mach_msg_priority_t priority, mach_msg_header_t *rcv_msg)
{
	struct dserver_rpc_mach_msg_inline_request rq = { 0 };
	struct dserver_rpc_mach_msg_inline_reply rep;
	uint32_t send = (option & MACH_SEND_MSG) ? send_size : 0, room = 0;
	void *rcv_base = NULL;
	size_t got = 0;
	int r;

	if (send > DSERVER_RPC_MACH_MSG_INLINE_REQUEST_TAIL)
		return -E2BIG;
	if (option & MACH_RCV_MSG) {
		/* The server's rule for where a receive writes (the trap's rcv_msg, else msg). */
		rcv_base = rcv_msg ? rcv_msg : msg;
		room = rcv_size < DSERVER_RPC_MACH_MSG_INLINE_REPLY_TAIL ? rcv_size
									  : DSERVER_RPC_MACH_MSG_INLINE_REPLY_TAIL;
	}
	rq.header.number = DSERVER_CALL_NUMBER_MACH_MSG_INLINE;
	rq.msg = (uintptr_t)msg;
	rq.option = option;
	rq.send_size = send_size;
	rq.rcv_size = rcv_size;
	rq.rcv_name = rcv_name;
	rq.timeout = timeout;
	rq.priority = priority;
	rq.rcv_msg = (uintptr_t)rcv_msg;
	rq.inline_send = send;
	rq.inline_receive = room;
	r = dserver_rpc_transact_tail(&rq.header, sizeof(rq), msg, send, &rep.header, sizeof(rep), rcv_base, room,
				      &got, DSERVER_CALL_AI | DSERVER_CALL_X);
	if (r < 0)
		return r;
	return got == rep.out_size ? rep.header.code : -EBADMSG;
}
