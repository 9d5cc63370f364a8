/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_bpf_stats.h"

#ifdef DSERVER_BENCH_HAVE_LIBBPF

#include <bpf/bpf.h>

int bench_bpf_stats_open(struct bench_bpf_stats *s, uint32_t prog_id)
{
	s->prog_fd = -1;
	s->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (s->stats_fd < 0) {
		fprintf(stderr, "dserver-bench: cannot enable BPF run-time statistics: %s\n", strerror(errno));
		return -1;
	}
	s->prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (s->prog_fd < 0) {
		fprintf(stderr, "dserver-bench: BPF program %u: %s\n", prog_id, strerror(errno));
		bench_bpf_stats_close(s);
		return -1;
	}
	return 0;
}

int bench_bpf_stats_read(const struct bench_bpf_stats *s, struct bench_bpf_runs *runs)
{
	struct bpf_prog_info info;
	__u32 size = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(s->prog_fd, &info, &size) != 0) {
		fprintf(stderr, "dserver-bench: BPF program information: %s\n", strerror(errno));
		return -1;
	}
	runs->count = info.run_cnt;
	runs->ns = info.run_time_ns;
	return 0;
}

#else

int bench_bpf_stats_open(struct bench_bpf_stats *s, uint32_t prog_id)
{
	(void)prog_id;
	s->stats_fd = s->prog_fd = -1;
	fprintf(stderr, "dserver-bench: built without libbpf: no BPF run-time statistics\n");
	return -1;
}

int bench_bpf_stats_read(const struct bench_bpf_stats *s, struct bench_bpf_runs *runs)
{
	(void)s;
	(void)runs;
	return -1;
}

#endif

void bench_bpf_stats_close(struct bench_bpf_stats *s)
{
	if (s->prog_fd >= 0)
		close(s->prog_fd);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	s->prog_fd = s->stats_fd = -1;
}
