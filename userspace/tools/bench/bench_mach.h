/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the Mach benchmarks share: a receive port published to other client processes. */
#ifndef DSERVER_BENCH_MACH_H
#define DSERVER_BENCH_MACH_H

#include <sys/types.h>

#include <mach/mach.h>

/* Allocate a receive right (with this queue limit when qlimit > 0) and write its name to fd; 0 or -1. */
int bench_mach_publish_port(int fd, mach_port_limits_t *qlimit, mach_port_t *port);
/* A send right to the port that process pid published as name (task_for_pid, extract_right); 0 or -1. */
int bench_mach_connect(pid_t pid, mach_port_name_t name, mach_port_t *send);

#endif
