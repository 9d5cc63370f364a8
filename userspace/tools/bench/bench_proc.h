/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The processes a benchmark runs: a private directory for sockets, the
 * dserver under test, and children that die with the benchmark and take
 * its CPU placement.
 */
#ifndef DSERVER_BENCH_PROC_H
#define DSERVER_BENCH_PROC_H

#include <stdbool.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#define BENCH_TIMEOUT_S 5

/* A private directory under $TMPDIR (else /tmp) for the run's sockets; 0 or -1. */
int bench_dir_create(const char *tag);
void bench_dir_remove(void);
/* A socket path in that directory; 0, or -1 when it does not fit. */
int bench_socket_path(struct sockaddr_un *addr, const char *name);

/* --server PATH, else the dserver next to this binary, else the build tree's, else $PATH. */
void bench_find_server(const char *given, char *out, size_t size);

/*
 * The command line of a benchmark that starts a server: -h, --server PATH
 * (or --server=PATH), a count, and what extra() accepts (it returns 0 when
 * it took argv[*i], moving *i past a value it took too; may be NULL).
 * Returns -1 to go on and run, else the exit status (0 after -h, 2 for a
 * usage error, which it reports as `what`).
 */
int bench_server_args(int argc, char **argv, const char *what, void (*usage)(FILE *out),
		      int (*extra)(int argc, char **argv, int *i), const char **server, uint64_t *count);

/* A benchmark that takes only "[--server PATH] [count]". */
struct bench_simple {
	const char *name;          /* its subcommand */
	const char *count_name;    /* e.g. "round-trips" */
	const char *count_what;    /* e.g. "per round" */
	uint64_t default_count;
	int rounds;                /* best of */
	char *server_binary;       /* filled in before run */
	size_t server_binary_size;
	const char *notes;         /* more usage lines, or NULL */
	int (*run)(uint64_t count); /* 0 or -1 */
	void (*stop)(void);        /* after run, whatever it returned */
};
/* Parse the command line, run, stop; the subcommand's exit status. */
int bench_simple_main(const struct bench_simple *bench, int argc, char **argv);

/* The CPU pinned runs use: the first one of the original mask, which it saves. 0 or -1. */
int bench_pinning_cpu(cpu_set_t *original, int *cpu);

/*
 * In a fresh child of `parent`: die with it, and run on `cpu` (-1: keep the
 * inherited mask). Exits on failure.
 */
void bench_child_setup(pid_t parent, int cpu);

/*
 * Start `binary` serving `addr` (extra_arg, e.g. "--io=block", may be NULL),
 * placed like bench_child_setup(); returns once its socket exists. The pid,
 * or -1.
 */
pid_t bench_start_server(const char *binary, const struct sockaddr_un *addr, int cpu, const char *extra_arg);

/* SIGTERM, then SIGKILL after BENCH_TIMEOUT_S; sets *pid to 0. */
void bench_stop_child(pid_t *pid, const char *what);

/* Whole reads and writes on pipes; 0 or -1. */
int bench_write_full(int fd, const void *p, size_t n);
int bench_read_full(int fd, void *p, size_t n);

/*
 * A measuring child, driven by the parent through pipes: for each count n
 * the parent sends, it answers work(arg, n), a figure (< 0: failure). It
 * runs setup(arg) first, on its own copy of *arg, and exits when the parent
 * closes its end or a figure is negative. Processes that talk to a dserver
 * must be separate: libdserver speaks to one server per process.
 */
struct bench_driver {
	pid_t pid;
	int cmd, result; /* the parent's ends */
};
int bench_driver_start(struct bench_driver *d, int cpu, int (*setup)(void *arg),
		       double (*work)(void *arg, uint64_t n), void *arg);
int bench_driver_send(struct bench_driver *d, uint64_t n);
/* The figure for the last count sent; 0, or -1 (and a message) on failure. */
int bench_driver_result(struct bench_driver *d, double *figure);
void bench_driver_stop(struct bench_driver *d);

#endif
