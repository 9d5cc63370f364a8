/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>

#include "bench_mach.h"
#include "bench_proc.h"

int bench_mach_publish_port(int fd, mach_port_limits_t *qlimit, mach_port_t *port)
{
	kern_return_t kr = mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, port);

	if (kr == KERN_SUCCESS && qlimit)
		kr = mach_port_set_attributes(mach_task_self(), *port, MACH_PORT_LIMITS_INFO,
					      (mach_port_info_t)qlimit, MACH_PORT_LIMITS_INFO_COUNT);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "dserver-bench: receive port: %s\n", mach_error_string(kr));
		return -1;
	}
	return bench_write_full(fd, port, sizeof(*port));
}

int bench_mach_connect(pid_t pid, mach_port_name_t name, mach_port_t *send)
{
	mach_port_t task = MACH_PORT_NULL;
	mach_msg_type_name_t type;
	kern_return_t kr = task_for_pid(mach_task_self(), pid, &task);

	if (kr == KERN_SUCCESS)
		kr = mach_port_extract_right(task, name, MACH_MSG_TYPE_MAKE_SEND, send, &type);
	if (kr == KERN_SUCCESS)
		kr = mach_port_deallocate(mach_task_self(), task);
	if (kr != KERN_SUCCESS) {
		fprintf(stderr, "dserver-bench: cannot reach process %d's port: %s\n", (int)pid, mach_error_string(kr));
		return -1;
	}
	return 0;
}
