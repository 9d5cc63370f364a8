/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the signal path's reasons (enum dserver_signal_path_reason) mean, in
 * words: the server's start-up line and `dserverctl status` say the same.
 */
#ifndef DSERVER_SIGNAL_PATH_H
#define DSERVER_SIGNAL_PATH_H

#include <dserver/signal_record.h>

/* reason as dserver_stats carries it: a value from a newer server is "unknown". */
static inline const char *dserver_signal_path_reason_text(unsigned int reason)
{
	switch (reason) {
	case DSERVER_SIGNAL_REASON_NONE:
		return "active";
	case DSERVER_SIGNAL_REASON_DISABLED:
		return "disabled by --bpf=off";
	case DSERVER_SIGNAL_REASON_NOT_BUILT:
		return "built without eBPF support";
	case DSERVER_SIGNAL_REASON_NO_SYSCALL:
		return "the kernel has no bpf() system call";
	case DSERVER_SIGNAL_REASON_NO_PERMISSION:
		return "bpf() is not permitted (needs CAP_BPF and CAP_PERFMON, or root)";
	case DSERVER_SIGNAL_REASON_NO_BTF:
		return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
	case DSERVER_SIGNAL_REASON_NO_TRACEPOINT:
		return "the signal_deliver tracepoint cannot be attached to";
	case DSERVER_SIGNAL_REASON_VERIFIER:
		return "the kernel's verifier rejected the program";
	case DSERVER_SIGNAL_REASON_NOT_X86_64:
		return "signal records exist for x86_64 only";
	case DSERVER_SIGNAL_REASON_OTHER:
		return "the program could not be loaded";
	}
	return "an unknown reason";
}

#endif
