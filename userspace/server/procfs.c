/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

static const char *field(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, name, len))
			return line + len;
	return NULL;
}

int procfs_read_status(pid_t pid, pid_t tid, struct proc_status *st)
{
	char path[64], text[4096];
	const char *nspid, *v;
	ssize_t n;
	int fd;

	if (tid > 0)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	text[n] = 0;

	v = field(text, "Tgid:");
	st->tgid = v ? (pid_t)strtol(v, NULL, 10) : 0;
	v = field(text, "PPid:");
	st->ppid = v ? (pid_t)strtol(v, NULL, 10) : 0;
	v = field(text, "Uid:");
	st->uid = v ? (uid_t)strtoul(v, NULL, 10) : (uid_t)-1;
	nspid = field(text, "NSpid:");
	st->nspid_innermost = 0;
	st->nspid_levels = 0;
	if (nspid) {
		/* The fields run from the outermost namespace to the innermost. */
		char *end;

		for (;;) {
			long id = strtol(nspid, &end, 10);

			if (end == nspid)
				break;
			st->nspid_innermost = (pid_t)id;
			st->nspid_levels++;
			nspid = end;
		}
	}
	return st->tgid ? 0 : -ESRCH;
}

pid_t procfs_find_thread(pid_t gpid, pid_t ns_tid, bool namespaced)
{
	struct proc_status st;
	char path[64];
	struct dirent *d;
	DIR *dir;
	pid_t found = -ESRCH;

	/* Without a pid namespace the ids are the same: try that first. */
	if (procfs_read_status(gpid, ns_tid, &st) == 0 && st.tgid == gpid &&
	    st.nspid_innermost == ns_tid)
		return ns_tid;
	/* A scan costs a read per thread: never for a client that need not have one. */
	if (!namespaced)
		return -ESRCH;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)gpid);
	dir = opendir(path);
	if (!dir)
		return -ESRCH;
	while ((d = readdir(dir))) {
		pid_t tid = (pid_t)strtol(d->d_name, NULL, 10);

		if (tid <= 0)
			continue;
		if (procfs_read_status(gpid, tid, &st) == 0 && st.nspid_innermost == ns_tid) {
			found = tid;
			break;
		}
	}
	closedir(dir);
	return found;
}
