/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dserver-demo: a small client workload on libdserver that says what it
 * does: check-in, a few calls, a fork whose child checks in and inherits,
 * and an exit. Run it with DSERVER_SOCKET naming a running server.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dserver/rpc.h>

static int failures;

static void report(const char *what, int code)
{
	printf("  %-44s %s (code %d)\n", what, code == 0 ? "ok" : "FAILED", code);
	failures += code != 0;
}

static void list_processes(void)
{
	uint64_t count = 0;
	int fd = -1;
	int code = dserver_rpc_debug_list_processes(&count, &fd);

	report("debug_list_processes", code);
	if (code != 0 || fd < 0)
		return;
	printf("    the server knows %llu process(es):", (unsigned long long)count);
	for (uint64_t i = 0; i < count; i++) {
		struct { uint32_t pid, pad; uint64_t ports; } record;

		if (read(fd, &record, sizeof(record)) != sizeof(record))
			break;
		printf(" %u%s", record.pid, record.pid == 0 ? " (kernel)" : "");
	}
	printf("\n");
	close(fd);
}

int main(void)
{
	static const char image[] = "/Applications/Demo.app/Contents/MacOS/Demo";
	int32_t old_uid, old_gid, tracer = -1;
	char path[256];
	uint64_t length = 0;
	int console = -1, status;
	pid_t child;

	printf("dserver-demo: pid %d talks to %s\n", getpid(), getenv("DSERVER_SOCKET"));
	report("checkin", dserver_client_checkin());
	report("uidgid: become uid 501, gid 20", dserver_rpc_uidgid(501, 20, &old_uid, &old_gid));
	printf("    previous ids: uid %d, gid %d\n", old_uid, old_gid);
	report("set_executable_path", dserver_rpc_set_executable_path((uintptr_t)image, strlen(image)));
	report("get_tracer", dserver_rpc_get_tracer(&tracer));
	printf("    tracer: %d (none)\n", tracer);
	report("console_open", dserver_rpc_console_open(&console));
	if (console >= 0) {
		dprintf(console, "hello from pid %d on the console\n", getpid());
		close(console);
	}
	list_processes();

	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		/* libdserver's fork handler has already checked the child in (is_fork = 1). */
		int32_t uid, gid;
		int code = dserver_rpc_get_executable_path(getpid(), (uintptr_t)path, sizeof(path),
							   &length);

		printf("child %d:\n", getpid());
		report("get_executable_path (inherited)", code);
		printf("    %s\n", path);
		report("uidgid (inherited)", dserver_rpc_uidgid(-1, -1, &uid, &gid));
		printf("    uid %d, gid %d\n", uid, gid);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	printf("parent %d: forked child %d\n", getpid(), child);
	report("fork_wait_for_child (the child checked in)", dserver_rpc_fork_wait_for_child());
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("  the child failed\n");
		failures++;
	}
	usleep(50000); /* let the server see the child's death through its pidfd */
	list_processes();
	printf("dserver-demo: %s\n", failures ? "some calls FAILED" : "all calls answered as documented");
	return failures ? 1 : 0;
}
