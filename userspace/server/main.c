/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dserver: command line, signals, and the loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "call.h"
#include "config.h"
#include "fiber.h"
#include "extension_marker.h"
#include "log.h"
#include "loop.h"
#include "process.h"
#include "sigrecord.h"
#include "transport.h"
#include "xnu/xnu.h"

#ifndef DSERVER_DEFAULT_MLDR_PATH
#define DSERVER_DEFAULT_MLDR_PATH "/usr/libexec/darling/mldr"
#endif

struct server_config server_config = {
	.mldr_path = DSERVER_DEFAULT_MLDR_PATH,
};

static struct loop_watch signal_watch = { .fd = -1 };

static void on_signal(struct loop_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("server", "signal %u: shutting down", si.ssi_signo);
		loop_stop();
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dserver --socket PATH [options]\n"
		"\n"
		"  -s, --socket PATH       the server socket (its directory is made 0700)\n"
		"  -l, --log-level LEVEL   error, warn, notice (default), info or debug\n"
		"  -m, --mldr-path PATH    the Mach-O loader reported by mldr_path\n"
		"                          (default " DSERVER_DEFAULT_MLDR_PATH ")\n"
		"      --io MODE           how the loop waits for requests: block (sleep in\n"
		"                          a receive on the socket), epoll, or auto (the\n"
		"                          default: block, else epoll)\n"
		"      --bpf MODE          how signal state reaches the server: auto (the\n"
		"                          default: the eBPF program if the kernel runs it,\n"
		"                          else userspace, saying why), on (eBPF or do not\n"
		"                          start) or off (userspace)\n"
		"      --bpf-pin DIR       pin the eBPF program and its maps in DIR (on a\n"
		"                          bpf filesystem, e.g. /sys/fs/bpf/dserver)\n"
		"  -h, --help              this text\n");
}

static int parse_io(const char *name)
{
	for (enum transport_io io = TRANSPORT_IO_AUTO; io <= TRANSPORT_IO_EPOLL; io++) {
		if (!strcmp(name, transport_io_name(io))) {
			server_config.io = io;
			return 0;
		}
	}
	return -1;
}

static int parse_args(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "mldr-path", required_argument, NULL, 'm' },
		{ "io", required_argument, NULL, 'i' },
		{ "bpf", required_argument, NULL, 'b' },
		{ "bpf-pin", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, level;

	while ((c = getopt_long(argc, argv, "s:l:m:h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			server_config.socket_path = optarg;
			break;
		case 'l':
			level = log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "dserver: unknown log level '%s'\n", optarg);
				return 2;
			}
			log_threshold = (enum log_level)level;
			break;
		case 'm':
			server_config.mldr_path = optarg;
			break;
		case 'i':
			if (parse_io(optarg) != 0) {
				fprintf(stderr, "dserver: --io must be auto, block or epoll, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'b':
			if (sigrecord_parse_request(optarg) < 0) {
				fprintf(stderr, "dserver: --bpf must be auto, on or off, not '%s'\n", optarg);
				return 2;
			}
			server_config.bpf = (enum sigrecord_request)sigrecord_parse_request(optarg);
			break;
		case 'p':
			server_config.bpf_pin_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !server_config.socket_path) {
		usage(stderr);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t mask;
	int err = parse_args(argc, argv);

	if (err)
		return err;
	/* Every client costs descriptors (pidfds, pipes, consoles): take all we may have. */
	struct rlimit files;

	if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
		files.rlim_cur = files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	/* A client that closes its socket must not kill us with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	err = loop_init();
	if (err) {
		log_error("server", "event loop: %s", strerror(-err));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal_watch.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	signal_watch.on_event = on_signal;
	if (signal_watch.fd < 0 || loop_watch_add(&signal_watch, EPOLLIN) != 0) {
		log_error("server", "signalfd: %m");
		return 1;
	}

	registry_init();
	if (xnu_init() != 0) {
		log_error("server", "no memory for the host port");
		return 1;
	}
	if (sigrecord_init(server_config.bpf, server_config.bpf_pin_dir) != 0)
		return 1;
	if (transport_open(server_config.socket_path, dispatch_datagram, server_config.io) != 0)
		return 1;
	loop_set_before_sleep(transport_flush);
	log_info("server", "listening on %s", server_config.socket_path);
	err = extension_marker_open(server_config.socket_path, sigrecord_active());
	if (err)
		log_warn("server", "no extension marker (%s): clients will use the upstream protocol only",
			 strerror(-err));

	loop_run();

	registry_fini();
	/* Let aborted calls finish, then send what they answered. */
	while (fiber_has_ready())
		fiber_run_ready();
	transport_flush();
	extension_marker_close();
	transport_close();
	xnu_fini();
	sigrecord_fini();
	dispatch_fini();
	fiber_trim_pool(0);
	close(signal_watch.fd);
	loop_fini();
	return 0;
}
