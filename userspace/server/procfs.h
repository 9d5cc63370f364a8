/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the kernel says about a process or thread, from /proc. */
#ifndef DSERVER_PROCFS_H
#define DSERVER_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

struct proc_status {
	pid_t tgid;
	pid_t ppid;
	pid_t nspid_innermost; /* last NSpid field: the id in the innermost namespace */
	int nspid_levels;      /* NSpid fields: more than one inside a pid namespace */
	uid_t uid;             /* real uid */
};

/* /proc/<pid>/status, or /proc/<pid>/task/<tid>/status if tid > 0. 0 or -errno. */
int procfs_read_status(pid_t pid, pid_t tid, struct proc_status *status);

/*
 * The global tid of the thread of global process gpid whose innermost id is
 * ns_tid, or -ESRCH. Only a process inside a pid namespace (`namespaced`)
 * needs the scan of all its threads; otherwise the ids are the same.
 */
pid_t procfs_find_thread(pid_t gpid, pid_t ns_tid, bool namespaced);

#endif
