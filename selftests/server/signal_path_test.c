// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Which signal path the server takes at start (dserver --bpf, README
 * "Signals and eBPF"), what it says about it, and what it refuses: the
 * default is the eBPF program where the kernel can run it; --bpf=off and a
 * kernel without bpf() (../tools/nobpf_exec.c) give the userspace path, each
 * with its reason in dserver_stats, on stderr and in `dserverctl status`;
 * --bpf=on and --bpf-pin that cannot be met stop the server at start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dserver/signal_record.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#ifndef DSERVERCTL_BINARY
#error "DSERVERCTL_BINARY must name the dserverctl built in this tree"
#endif

#define CALL_DSERVER_STATS 0xC0000001u /* §11 */

struct signal_path {
	uint64_t signals_from_records;
	uint32_t path, prog_id, reason;
	int32_t reason_errno;
};

/* dserver_stats (§11), the raw way: only its signal-path fields are kept. */
static int query_signal_path(const struct test_server *server, struct signal_path *out)
{
	unsigned char request[16] = { 0 }, reply[128];
	int sock = raw_socket(), fd = -1;
	ssize_t n;

	if (sock < 0)
		return sock;
	raw_header(request, CALL_DSERVER_STATS);
	n = raw_call(sock, server, request, sizeof(request), -1, reply, sizeof(reply), &fd);
	close(sock);
	/* The per-call records are not wanted: closing the pipe ends the server's writer. */
	if (fd >= 0)
		close(fd);
	if (n != 64 || get32(reply, 0) != CALL_DSERVER_STATS || get32(reply, 4) != 0)
		return -EPROTO;
	out->signals_from_records = get64(reply, 40);
	out->path = get32(reply, 48);
	out->prog_id = get32(reply, 52);
	out->reason = get32(reply, 56);
	out->reason_errno = (int32_t)get32(reply, 60);
	return 0;
}

/* The lines of text that contain needle, and the first of them in *line (free it). */
static int lines_containing(const char *text, const char *needle, char **line)
{
	int count = 0;

	*line = NULL;
	for (const char *p = text; p && *p;) {
		const char *end = strchrnul(p, '\n');
		char *copy = strndup(p, (size_t)(end - p));

		if (copy && strstr(copy, needle)) {
			if (!count++)
				*line = copy;
			else
				free(copy);
		} else {
			free(copy);
		}
		p = *end ? end + 1 : end;
	}
	return count;
}

/* What `dserverctl status` prints for the server (free it), or NULL if it failed. */
static char *dserverctl_status(const struct test_server *server)
{
	char command[256], *text = NULL;
	size_t size = 0;
	FILE *out, *buf;
	int c;

	snprintf(command, sizeof(command), "%s --socket %s status", DSERVERCTL_BINARY, server->socket_path);
	out = popen(command, "r");
	if (!out)
		return NULL;
	buf = open_memstream(&text, &size);
	while (buf && (c = fgetc(out)) != EOF)
		fputc(c, buf);
	if (buf)
		fclose(buf);
	if (pclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Whether this process may load tracing programs: root, or CAP_BPF with CAP_PERFMON. */
static bool may_load_bpf(void)
{
	unsigned long long caps = 0;
	char line[128];
	FILE *status = fopen("/proc/self/status", "r");

	if (!status)
		return false;
	while (fgets(line, sizeof(line), status))
		sscanf(line, "CapEff: %llx", &caps);
	fclose(status);
	/* CAP_SYS_ADMIN 21 covers both; else CAP_PERFMON 38 and CAP_BPF 39. */
	return (caps & (1ull << 21)) || ((caps & (1ull << 38)) && (caps & (1ull << 39)));
}

/*
 * Why the eBPF path cannot be expected here, or NULL: the server is then
 * right to fall back, and what it would be tested for cannot be seen.
 */
static const char *no_ebpf_here(void)
{
	if (!DSERVER_TEST_HAVE_BPF)
		return "built without eBPF support (-DDSERVER_BPF=OFF)";
	if (!may_load_bpf())
		return "not root and without CAP_BPF+CAP_PERFMON: the kernel refuses the program";
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return "the kernel has no BTF (/sys/kernel/btf/vmlinux): the program cannot be loaded";
	return NULL;
}

/* The kernel's own word on a program id: its type and name; -errno if it has no such program. */
static int kernel_program(uint32_t id, struct bpf_prog_info *info)
{
	union bpf_attr attr;
	int fd, err = 0;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	if (syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) != 0)
		err = -errno;
	close(fd);
	return err;
}

/* The kernel frees a program once its last link and descriptor are gone: wait up to 2 s for that. */
static bool program_gone(uint32_t id)
{
	struct timespec pause = { 0, 10000000 };
	struct bpf_prog_info info;

	for (int i = 0; i < 200; i++) {
		if (kernel_program(id, &info) == -ENOENT)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

FIXTURE(path) {
	struct test_server server;
	struct test_server_options options;
	char *err_text;   /* the server's stderr, once read */
	char *line;       /* the one line of it that the test is about */
	char scratch[64]; /* a directory a test made, removed at the end */
};

FIXTURE_SETUP(path)
{
	memset(&self->server, 0, sizeof(self->server));
	self->server.stderr_fd = -1;
	memset(&self->options, 0, sizeof(self->options));
	/* The server's default log level: its start-up line is to be seen without asking. */
	self->options.capture_stderr = true;
	self->err_text = NULL;
	self->line = NULL;
	self->scratch[0] = '\0';
}

FIXTURE_TEARDOWN(path)
{
	test_server_stop(&self->server);
	free(self->err_text);
	free(self->line);
	if (self->scratch[0])
		rmdir(self->scratch);
}

/* Start the server, which must listen; its one "signal path:" line in self->line. */
static int start_listening(struct __test_metadata *_metadata, FIXTURE_DATA(path) *self)
{
	int err = test_server_start_with(&self->server, &self->options);
	int lines;

	self->err_text = test_server_stderr(&self->server);
	if (err) {
		TH_LOG("the server did not start (%s); it said:\n%s", strerror(-err),
		       self->err_text ? self->err_text : "");
		return err;
	}
	lines = lines_containing(self->err_text ? self->err_text : "", "signal path:", &self->line);
	if (lines != 1) {
		TH_LOG("%d \"signal path:\" lines on stderr, not 1:\n%s", lines, self->err_text);
		return -EPROTO;
	}
	return 0;
}

/*
 * Start the server, which must listen and report this path, reason and
 * errno in dserver_stats; *sp has the rest.
 */
static void expect_path(struct __test_metadata *_metadata, FIXTURE_DATA(path) *self, uint32_t path,
			uint32_t reason, int32_t reason_errno, struct signal_path *sp)
{
	ASSERT_EQ(0, start_listening(_metadata, self));
	ASSERT_EQ(0, query_signal_path(&self->server, sp));
	EXPECT_EQ(path, sp->path);
	EXPECT_EQ(reason, sp->reason);
	EXPECT_EQ(reason_errno, sp->reason_errno);
	EXPECT_EQ(path == DSERVER_SIGNAL_PATH_EBPF, sp->prog_id != 0);
}

/* `dserverctl status` on the server prints every one of the lines (each ending in \n). */
static void expect_dserverctl_says(struct __test_metadata *_metadata, FIXTURE_DATA(path) *self,
				   const char *const *lines)
{
	char *status = dserverctl_status(&self->server);

	ASSERT_NE(NULL, status);
	for (; *lines; lines++)
		EXPECT_NE(NULL, strstr(status, *lines)) TH_LOG("no \"%s\" in dserverctl status:\n%s", *lines, status);
	free(status);
}

/*
 * Start the server, which must exit at start with status, saying why in
 * exactly one line that names option (into self->line) and contains why.
 */
static void expect_refusal(struct __test_metadata *_metadata, FIXTURE_DATA(path) *self, int status,
			   const char *option, const char *why)
{
	struct stat st;
	int err = test_server_start_with(&self->server, &self->options);

	self->err_text = test_server_stderr(&self->server);
	ASSERT_EQ(-ECHILD, err) {
		TH_LOG("the server started; it said:\n%s", self->err_text ? self->err_text : "");
	}
	ASSERT_TRUE(WIFEXITED(self->server.exit_status));
	EXPECT_EQ(status, WEXITSTATUS(self->server.exit_status));
	EXPECT_NE(0, stat(self->server.socket_path, &st));
	ASSERT_NE(NULL, self->err_text);
	ASSERT_EQ(1, lines_containing(self->err_text, option, &self->line)) TH_LOG("%s", self->err_text);
	EXPECT_NE(NULL, strstr(self->line, why)) TH_LOG("expected \"%s\" in: %s", why, self->line);
}

/* What the server says when the kernel has no bpf() (nobpf_exec), or when it cannot load eBPF at all. */
#define NO_BPF_REASON (DSERVER_TEST_HAVE_BPF ? "the kernel has no bpf() system call" : "built without eBPF support")

TEST_F(path, default_is_ebpf)
{
	const char *why = no_ebpf_here();
	struct bpf_prog_info info;
	struct signal_path sp;
	char expect[128], path_line[128], bpftool_line[64];
	uint32_t id;

	if (why)
		SKIP(return, "%s", why);
	expect_path(_metadata, self, DSERVER_SIGNAL_PATH_EBPF, DSERVER_SIGNAL_REASON_NONE, 0, &sp);
	EXPECT_EQ(0, sp.signals_from_records);
	id = sp.prog_id;

	/* The line names the path and the very program the kernel knows by that id. */
	snprintf(expect, sizeof(expect), "signal path: eBPF (program %s, id %" PRIu32 ",", DSERVER_BPF_PROG_NAME, id);
	EXPECT_NE(NULL, strstr(self->line, expect)) {
		TH_LOG("expected \"%s\" in: %s", expect, self->line);
	}
	ASSERT_EQ(0, kernel_program(id, &info));
	EXPECT_EQ(BPF_PROG_TYPE_TRACING, info.type);
	EXPECT_STREQ(DSERVER_BPF_PROG_NAME, info.name);

	snprintf(path_line, sizeof(path_line), "signal path eBPF (program %s, id %" PRIu32 ")\n",
		 DSERVER_BPF_PROG_NAME, id);
	snprintf(bpftool_line, sizeof(bpftool_line), "bpftool prog show id %" PRIu32 "\n", id);
	expect_dserverctl_says(_metadata, self, (const char *const[]){ path_line, "signals from records 0\n",
		bpftool_line, "bpftool map dump name " DSERVER_BPF_RECORDS_NAME "\n", NULL });

	/* A clean exit unloads it. */
	EXPECT_EQ(0, test_server_stop(&self->server));
	EXPECT_TRUE(program_gone(id));
}

TEST_F(path, bpf_off)
{
	struct signal_path sp;

	self->options.args[0] = "--bpf=off";
	expect_path(_metadata, self, DSERVER_SIGNAL_PATH_USERSPACE, DSERVER_SIGNAL_REASON_DISABLED, 0, &sp);
	EXPECT_NE(NULL, strstr(self->line, "signal path: userspace (disabled by --bpf=off)")) {
		TH_LOG("%s", self->line);
	}
	expect_dserverctl_says(_metadata, self,
			       (const char *const[]){ "signal path userspace: disabled by --bpf=off\n", NULL });
	EXPECT_EQ(0, test_server_stop(&self->server));
}

/* A kernel without bpf(): the server must see why and take the userspace path by itself. */
TEST_F(path, old_kernel_falls_back)
{
	struct signal_path sp;

	if (!DSERVER_TEST_HAVE_BPF)
		SKIP(return, "built without eBPF support (-DDSERVER_BPF=OFF): nothing to fall back from");
	self->options.old_kernel = true;
	expect_path(_metadata, self, DSERVER_SIGNAL_PATH_USERSPACE, DSERVER_SIGNAL_REASON_NO_SYSCALL, ENOSYS, &sp);
	EXPECT_NE(NULL, strstr(self->line, "signal path: userspace fallback: the kernel has no bpf() system call")) {
		TH_LOG("%s", self->line);
	}
	EXPECT_NE(NULL, strstr(self->line, strerror(ENOSYS)));
	expect_dserverctl_says(_metadata, self, (const char *const[]){
		"signal path userspace fallback: the kernel has no bpf() system call (errno 38: Function not implemented)\n",
		NULL });
	EXPECT_EQ(0, test_server_stop(&self->server));
}

/* --bpf=on is a promise: without bpf() the server must not start at all. */
TEST_F(path, bpf_on_needs_the_kernel)
{
	self->options.old_kernel = true;
	self->options.args[0] = "--bpf=on";
	expect_refusal(_metadata, self, 1, "--bpf=on", NO_BPF_REASON);
}

/* Pinning where it cannot be done is an error, not a silent loss of the pins. */
TEST_F(path, pin_on_a_plain_directory)
{
	const char *why = no_ebpf_here();

	if (why)
		SKIP(return, "%s", why);
	snprintf(self->scratch, sizeof(self->scratch), "/tmp/dserver-nobpffs-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->scratch));
	self->options.args[0] = "--bpf-pin";
	self->options.args[1] = self->scratch;
	expect_refusal(_metadata, self, 1, "--bpf-pin", "not a directory on a bpf filesystem");
	EXPECT_NE(NULL, strstr(self->line, self->scratch));
	/* Nothing was left in it: rmdir succeeds. */
	EXPECT_EQ(0, rmdir(self->scratch));
	self->scratch[0] = '\0';
}

/* Pins asked for on a kernel that cannot load the program: refused, as --bpf=on is. */
TEST_F(path, pin_needs_the_kernel)
{
	self->options.old_kernel = true;
	self->options.args[0] = "--bpf-pin";
	self->options.args[1] = "/sys/fs/bpf";
	expect_refusal(_metadata, self, 1, "--bpf-pin", NO_BPF_REASON);
}

TEST_F(path, pin_with_bpf_off)
{
	self->options.args[0] = "--bpf=off";
	self->options.args[1] = "--bpf-pin";
	self->options.args[2] = "/sys/fs/bpf";
	expect_refusal(_metadata, self, 1, "--bpf-pin", "--bpf=off");
}

TEST_F(path, unknown_mode)
{
	self->options.args[0] = "--bpf=maybe";
	expect_refusal(_metadata, self, 2, "'maybe'", "--bpf must be auto, on or off");
}

TEST_HARNESS_MAIN
