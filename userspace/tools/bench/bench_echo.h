/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Echo processes for the null-call benchmark: each answers every datagram
 * on its socket with a 12-byte reply, and nothing else. ECHO_RAW is the
 * floor (recvfrom/sendto); the others wait the ways a server can, with
 * SO_PASSCRED on as the protocol needs, so that `null-call --floors` shows
 * what each way of waiting costs on this machine, apart from dserver.
 */
#ifndef DSERVER_BENCH_ECHO_H
#define DSERVER_BENCH_ECHO_H

enum echo_kind {
	ECHO_RAW,        /* blocking recvfrom, sendto */
	ECHO_BLOCK_CRED, /* blocking recvmsg with credentials, sendto (dserver --io=block) */
	ECHO_EPOLL_CRED, /* epoll_wait, then recvmsg with credentials, sendto (dserver --io=epoll) */
	ECHO_URING_CRED, /* io_uring: multishot RECVMSG, SENDMSG submitted with the wait */
	ECHO_KINDS,
};

/* For bench: lines, e.g. "block_cred". */
const char *echo_kind_name(enum echo_kind kind);

/* Whether this build and kernel can run it (io_uring may be missing); 0 or -errno. */
int echo_kind_available(enum echo_kind kind);

/* Answer datagrams on fd forever (in a child process); exits on error. */
__attribute__((noreturn)) void echo_run(int fd, enum echo_kind kind);

#endif
