/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *what;
} benches[] = {
	{ "fiber", bench_fiber, "fiber switch and scheduler round trip against glibc swapcontext" },
	{ "null-call", bench_null_call, "get_tracer round trip through dserver against raw datagrams" },
	{ "mach-msg", bench_mach_msg, "64-byte Mach message round trip between two clients against a raw relay" },
	{ "mach-msg-throughput", bench_mach_msg_throughput, "Mach messages per second from 4 senders to 1 receiver" },
	{ "signal", bench_signal, "one handled signal, fallback and eBPF fast path, against a plain handler" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: dserver-bench BENCHMARK [options]\n\nbenchmarks:\n");
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		fprintf(out, "  %-20s %s\n", benches[i].name, benches[i].what);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (!strcmp(argv[1], benches[i].name))
			return benches[i].run(argc - 1, argv + 1);
	fprintf(stderr, "dserver-bench: unknown benchmark '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
