/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host: one per server, with its port; and xnu/'s setup and statistics. */
#include "../xnu.h"
#include "kern_internal.h"

static struct ipc_port *the_host_port;

struct ipc_port *host_port(void)
{
	return the_host_port;
}

int xnu_init(void)
{
	the_host_port = ipc_port_alloc_kernel(IKOT_HOST, NULL);
	return the_host_port ? 0 : -1;
}

void xnu_fini(void)
{
	if (!the_host_port)
		return;
	exception_ports_release(host_exception_actions());
	ipc_port_destroy(the_host_port);
	ipc_port_release(the_host_port);
	the_host_port = NULL;
}

void xnu_get_stats(struct xnu_stats *stats)
{
	stats->live_ports = ipc_port_live_count;
	stats->objects = ipc_object_count;
}
