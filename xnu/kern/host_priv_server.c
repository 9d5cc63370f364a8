/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The host_priv subsystem (XNU's host_priv.defs, 400) on the host port:
 * the host's exception ports, tried for every task after the thread's and
 * the task's. dserver has one host port, which serves as the privileged
 * one. Other routines answer MIG_BAD_ID.
 */
#include <mach/mig_errors.h>

#include "mig_server.h"

enum host_priv_routine {
	HOST_SET_EXCEPTION_PORTS = 14,
	HOST_GET_EXCEPTION_PORTS = 15,
	HOST_SWAP_EXCEPTION_PORTS = 16,
};

kern_return_t host_priv_server(struct mig_call *call)
{
	switch (call->routine) {
	case HOST_SET_EXCEPTION_PORTS:
		return mig_exception_ports(call, host_exception_actions(), EXC_PORTS_SET);
	case HOST_GET_EXCEPTION_PORTS:
		return mig_exception_ports(call, host_exception_actions(), EXC_PORTS_GET);
	case HOST_SWAP_EXCEPTION_PORTS:
		return mig_exception_ports(call, host_exception_actions(), EXC_PORTS_SWAP);
	default:
		return MIG_BAD_ID;
	}
}
