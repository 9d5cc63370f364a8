/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_proc.h"

static char dir[PATH_MAX];
static bool have_dir;

int bench_dir_create(const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/dserver-bench-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "dserver-bench: mkdtemp %s: %s\n", dir, strerror(errno));
		return -1;
	}
	have_dir = true;
	return 0;
}

void bench_dir_remove(void)
{
	DIR *d;
	struct dirent *e;

	if (!have_dir)
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "dserver-bench: cannot remove %s: %s\n", dir, strerror(errno));
	have_dir = false;
}

int bench_socket_path(struct sockaddr_un *addr, const char *name)
{
	*addr = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", dir, name) >=
	    sizeof(addr->sun_path)) {
		fprintf(stderr, "dserver-bench: socket path %s/%s is too long; set TMPDIR\n", dir, name);
		return -1;
	}
	return 0;
}

void bench_find_server(const char *given, char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n;

	if (given) {
		snprintf(out, size, "%s", given);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((size_t)snprintf(out, size, "%s/dserver", dirname(self)) < size &&
		    access(out, X_OK) == 0)
			return;
	}
#ifdef DSERVER_BINARY
	if (access(DSERVER_BINARY, X_OK) == 0) {
		snprintf(out, size, "%s", DSERVER_BINARY);
		return;
	}
#endif
	snprintf(out, size, "dserver"); /* execvp searches $PATH */
}

int bench_server_args(int argc, char **argv, const char *what, void (*usage)(FILE *out),
		      int (*extra)(int argc, char **argv, int *i), const char **server, uint64_t *count)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--server") && i + 1 < argc) {
			*server = argv[++i];
		} else if (!strncmp(argv[i], "--server=", 9)) {
			*server = argv[i] + 9;
		} else if ((!extra || extra(argc, argv, &i) != 0) && bench_parse_count(argv[i], count) != 0) {
			fprintf(stderr, "dserver-bench %s: bad argument '%s'\n", what, argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return -1;
}

static const struct bench_simple *simple;

static void simple_usage(FILE *out)
{
	fprintf(out, "usage: dserver-bench %s [--server PATH] [%s]\n"
		     "  --server PATH   the dserver to start (default: the one next to\n"
		     "                  dserver-bench, else the build tree's, else $PATH)\n"
		     "  %-15s %s, default %llu; best of %d rounds\n",
		simple->name, simple->count_name, simple->count_name, simple->count_what,
		(unsigned long long)simple->default_count, simple->rounds);
	if (simple->notes)
		fputs(simple->notes, out);
}

int bench_simple_main(const struct bench_simple *bench, int argc, char **argv)
{
	const char *given = NULL;
	uint64_t n = bench->default_count;
	int ret;

	simple = bench;
	ret = bench_server_args(argc, argv, bench->name, simple_usage, NULL, &given, &n);
	if (ret >= 0)
		return ret;
	bench_find_server(given, bench->server_binary, bench->server_binary_size);
	ret = bench->run(n);
	bench->stop();
	return ret ? 1 : 0;
}

int bench_pinning_cpu(cpu_set_t *original, int *cpu)
{
	if (sched_getaffinity(0, sizeof(*original), original) != 0) {
		perror("dserver-bench: sched_getaffinity");
		return -1;
	}
	/* CPU 0, unless this process may not run there. */
	for (*cpu = 0; *cpu < CPU_SETSIZE && !CPU_ISSET(*cpu, original); (*cpu)++)
		;
	if (*cpu == CPU_SETSIZE) {
		fprintf(stderr, "dserver-bench: no CPU in the affinity mask\n");
		return -1;
	}
	return 0;
}

void bench_child_setup(pid_t parent, int cpu)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	if (cpu >= 0 && bench_pin_cpu(cpu) != 0) {
		fprintf(stderr, "dserver-bench: pin child to CPU %d: %s\n", cpu, strerror(errno));
		_exit(1);
	}
}

pid_t bench_start_server(const char *binary, const struct sockaddr_un *addr, int cpu, const char *extra_arg)
{
	pid_t parent = getpid(), pid;
	struct stat st;
	int status;

	pid = fork();
	if (pid < 0) {
		perror("dserver-bench: fork");
		return -1;
	}
	if (pid == 0) {
		char *argv[] = { (char *)binary, "--socket", (char *)addr->sun_path, "--log-level", "error",
				 (char *)extra_arg, NULL };

		bench_child_setup(parent, cpu);
		execvp(binary, argv);
		fprintf(stderr, "dserver-bench: cannot run %s: %s\n", binary, strerror(errno));
		_exit(127);
	}
	/* Ready when its socket exists: requests sent after bind() wait in its queue. */
	for (int i = 0; i < BENCH_TIMEOUT_S * 1000; i++) {
		if (stat(addr->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "dserver-bench: %s exited (%s %d) before opening its socket\n",
				binary, WIFEXITED(status) ? "status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
			return -1;
		}
		usleep(1000);
	}
	fprintf(stderr, "dserver-bench: %s did not open %s within %d s\n", binary, addr->sun_path,
		BENCH_TIMEOUT_S);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

void bench_stop_child(pid_t *pid, const char *what)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	for (int i = 0; i < BENCH_TIMEOUT_S * 1000; i++) {
		if (waitpid(*pid, &status, WNOHANG) != 0)
			goto done;
		usleep(1000);
	}
	fprintf(stderr, "dserver-bench: %s (pid %d) ignored SIGTERM for %d s; killing it\n", what, (int)*pid,
		BENCH_TIMEOUT_S);
	kill(*pid, SIGKILL);
	waitpid(*pid, &status, 0);
done:
	*pid = 0;
}

int bench_write_full(int fd, const void *p, size_t n)
{
	return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

int bench_read_full(int fd, void *p, size_t n)
{
	return read(fd, p, n) == (ssize_t)n ? 0 : -1;
}

int bench_driver_start(struct bench_driver *d, int cpu, int (*setup)(void *arg),
		       double (*work)(void *arg, uint64_t n), void *arg)
{
	int cmd[2], result[2];
	pid_t parent = getpid();
	uint64_t n;

	if (pipe2(cmd, O_CLOEXEC) != 0) {
		perror("dserver-bench: pipe");
		return -1;
	}
	if (pipe2(result, O_CLOEXEC) != 0) {
		perror("dserver-bench: pipe");
		close(cmd[0]);
		close(cmd[1]);
		return -1;
	}
	d->pid = fork();
	if (d->pid == 0) {
		bench_child_setup(parent, cpu);
		close(cmd[1]);
		close(result[0]);
		if (setup && setup(arg) != 0)
			_exit(1);
		while (bench_read_full(cmd[0], &n, sizeof(n)) == 0) {
			double figure = work(arg, n);

			if (bench_write_full(result[1], &figure, sizeof(figure)) != 0 || figure < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(cmd[0]);
	close(result[1]);
	if (d->pid < 0) {
		perror("dserver-bench: fork");
		d->pid = 0;
		close(cmd[1]);
		close(result[0]);
		return -1;
	}
	d->cmd = cmd[1];
	d->result = result[0];
	return 0;
}

int bench_driver_send(struct bench_driver *d, uint64_t n)
{
	if (bench_write_full(d->cmd, &n, sizeof(n)) == 0)
		return 0;
	fprintf(stderr, "dserver-bench: measuring process %d is gone\n", (int)d->pid);
	return -1;
}

int bench_driver_result(struct bench_driver *d, double *figure)
{
	if (bench_read_full(d->result, figure, sizeof(*figure)) == 0 && *figure >= 0)
		return 0;
	fprintf(stderr, "dserver-bench: measuring process %d failed\n", (int)d->pid);
	return -1;
}

void bench_driver_stop(struct bench_driver *d)
{
	if (d->pid <= 0)
		return;
	close(d->cmd);
	close(d->result);
	bench_stop_child(&d->pid, "measuring process");
}
