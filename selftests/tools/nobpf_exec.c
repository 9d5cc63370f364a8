/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nobpf_exec PROGRAM [ARG...]: run PROGRAM on a simulated kernel without
 * the bpf() system call, as on a kernel built without CONFIG_BPF_SYSCALL.
 *
 * A seccomp filter makes bpf() fail with ENOSYS and allows everything else;
 * it is inherited across execve, so the program meets ENOSYS exactly where
 * such a kernel would give it. The tests use it to check that dserver then
 * chooses the userspace signal path by itself (selftests/server/raw_client.c,
 * DSERVER_TEST_OLD_KERNEL=1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * A syscall number means something only together with the architecture
 * word: the same process may enter the kernel through another ABI (int 0x80
 * on x86_64 uses i386's table, where 321 is not bpf()). Each ABI the CPU can
 * enter is checked with its own number of bpf().
 */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
/* x32 shares x86_64's architecture word and marks its numbers with bit 30. */
#define NATIVE_NR_BPF_ALT (0x40000000u | __NR_bpf)
#define COMPAT_ARCH AUDIT_ARCH_I386
#define COMPAT_NR_BPF 357 /* arch/x86/entry/syscalls/syscall_32.tbl */
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#define NATIVE_NR_BPF_ALT __NR_bpf /* no second table: the same test twice */
#define COMPAT_ARCH AUDIT_ARCH_ARM
#define COMPAT_NR_BPF 386 /* arch/arm/tools/syscall.tbl */
#else
#error "nobpf_exec: add this architecture's audit word and bpf() numbers"
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
/* if (A == k) skip `then` instructions, else skip `otherwise`. */
#define JEQ(k, then, otherwise) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (then), (otherwise))
#define RETURN(action) BPF_STMT(BPF_RET | BPF_K, (action))

static int install_filter(void)
{
	struct sock_filter code[] = {
		/* 0 */ LOAD(arch),
		/* 1 */ JEQ(NATIVE_ARCH, 0, 4),   /* else 6 */
		/* 2 */ LOAD(nr),
		/* 3 */ JEQ(__NR_bpf, 6, 0),      /* then 10 */
		/* 4 */ JEQ(NATIVE_NR_BPF_ALT, 5, 0), /* then 10 */
		/* 5 */ RETURN(SECCOMP_RET_ALLOW),
		/* 6 */ JEQ(COMPAT_ARCH, 0, 2),   /* else 9: an ABI without bpf() */
		/* 7 */ LOAD(nr),
		/* 8 */ JEQ(COMPAT_NR_BPF, 1, 0), /* then 10 */
		/* 9 */ RETURN(SECCOMP_RET_ALLOW),
		/* 10 */ RETURN(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	/* Without CAP_SYS_ADMIN, a filter may only be installed by a process that cannot gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		fprintf(stderr, "nobpf_exec: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		fprintf(stderr, "nobpf_exec: seccomp filter: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nobpf_exec PROGRAM [ARG...]\n");
		return 2;
	}
	if (install_filter() != 0)
		return 126;
	execv(argv[1], argv + 1);
	fprintf(stderr, "nobpf_exec: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
