/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The loader of bpf/dserver_signal.bpf.c and the reader of its records.
 *
 * The program writes a thread's record while that thread is in the kernel
 * delivering a signal; the server reads it when the thread's handler calls,
 * possibly while a nested signal is being recorded on another CPU. The
 * sequence number makes that safe without a lock: odd while written, and a
 * copy counts only if the number was the same even value before and after.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dserver/protocol_base.h>
#include <dserver/signal_path.h>

#include "log.h"
#include "process.h"
#include "sigrecord.h"

#ifdef DSERVER_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dserver_signal.skel.h"
#endif

static struct {
	bool active;
	enum dserver_signal_path_reason reason;
	int reason_errno;
	uint64_t served;
#ifdef DSERVER_HAVE_BPF
	struct dserver_signal_bpf *skel;
	const volatile struct dserver_signal_record *records; /* PROT_READ view of the array */
	size_t records_size;
	_Atomic uint64_t *managed; /* the managed-process bitmap, written here, read by the program */
	char *pin_dir;
	uint32_t prog_id;
	int32_t free_slots[DSERVER_SIGNAL_RECORD_SLOTS]; /* a stack of unused slots */
	size_t free_count;
#endif
} state = { .reason = DSERVER_SIGNAL_REASON_DISABLED };

int sigrecord_parse_request(const char *name)
{
	if (!strcmp(name, "auto"))
		return SIGRECORD_AUTO;
	if (!strcmp(name, "on"))
		return SIGRECORD_ON;
	if (!strcmp(name, "off"))
		return SIGRECORD_OFF;
	return -1;
}

bool sigrecord_active(void)
{
	return state.active;
}

enum dserver_signal_path_reason sigrecord_reason(void)
{
	return state.reason;
}

int sigrecord_reason_errno(void)
{
	return state.reason_errno;
}

uint64_t sigrecord_served(void)
{
	return state.served;
}

#ifdef DSERVER_HAVE_BPF

/* libbpf's own messages (the verifier's log among them) are detail: debug level. */
static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	char line[512];
	size_t len;

	if (level == LIBBPF_DEBUG && log_threshold < LOG_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), format, args);
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	log_debug("bpf", "%s", line);
	return 0;
}

/* What a failing bpf() says about the machine: the reason, from errno. */
static enum dserver_signal_path_reason syscall_reason(int err)
{
	switch (err) {
	case ENOSYS:
		return DSERVER_SIGNAL_REASON_NO_SYSCALL;
	case EPERM:
	case EACCES:
		return DSERVER_SIGNAL_REASON_NO_PERMISSION;
	default:
		return DSERVER_SIGNAL_REASON_OTHER;
	}
}

/*
 * Why loading failed. The probe has shown bpf() exists and maps may be
 * made, but a tracing program also needs CAP_PERFMON (EPERM); the verifier
 * answers EACCES or EINVAL.
 */
static enum dserver_signal_path_reason load_reason(int err)
{
	switch (err) {
	case ENOSYS:
		return DSERVER_SIGNAL_REASON_NO_SYSCALL;
	case EPERM:
		return DSERVER_SIGNAL_REASON_NO_PERMISSION;
	default:
		return DSERVER_SIGNAL_REASON_VERIFIER;
	}
}

/* Ask the kernel plainly first: libbpf's own probes would blur ENOSYS and EPERM. */
static int probe_bpf_syscall(void)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * The program sees tids as the kernel's initial pid namespace does; a
 * server in another one tells it its own namespace, whose ids it knows.
 */
#define PROC_PID_INIT_INO 0xEFFFFFFCu

static void set_pid_namespace(struct dserver_signal_bpf *skel)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) != 0 || st.st_ino == PROC_PID_INIT_INO)
		return;
	skel->rodata->pidns_dev = (uint64_t)st.st_dev;
	skel->rodata->pidns_ino = (uint64_t)st.st_ino;
	log_info("bpf", "the server is in pid namespace %llu: records use its ids",
		 (unsigned long long)st.st_ino);
}

static int fail(enum dserver_signal_path_reason reason, int err)
{
	state.reason = reason;
	state.reason_errno = err;
	return -1;
}

#define BPF_FS_MAGIC 0xcafe4a11

/*
 * A server that did not exit cleanly (SIGKILL, a crash) leaves its pins;
 * the kernel keeps those objects only for them. Replace them rather than
 * refuse to start. The map pins are named as libbpf names them ('.' -> '_').
 */
static void remove_stale_pins(const char *dir)
{
	struct bpf_map *map;
	char path[4096];
	int removed = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, DSERVER_BPF_PROG_NAME);
	removed += unlink(path) == 0;
	bpf_object__for_each_map(map, state.skel->obj) {
		int len = snprintf(path, sizeof(path), "%s/", dir);

		snprintf(path + len, sizeof(path) - (size_t)len, "%s", bpf_map__name(map));
		for (char *c = path + len; *c; c++)
			if (*c == '.')
				*c = '_';
		removed += unlink(path) == 0;
	}
	if (removed)
		log_warn("bpf", "--bpf-pin %s: replaced %d pins an earlier server left behind", dir, removed);
}

static int pin(const char *dir)
{
	struct statfs fs;
	char path[4096];
	int err;

	if (statfs(dir, &fs) != 0 || (unsigned long)fs.f_type != BPF_FS_MAGIC) {
		log_error("bpf", "--bpf-pin %s: not a directory on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)",
			  dir);
		return -1;
	}
	remove_stale_pins(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, DSERVER_BPF_PROG_NAME);
	err = bpf_program__pin(state.skel->progs.dserver_signal, path);
	if (!err)
		err = bpf_object__pin_maps(state.skel->obj, dir);
	if (err) {
		log_error("bpf", "--bpf-pin %s: %s", dir, strerror(-err));
		bpf_program__unpin(state.skel->progs.dserver_signal, path);
		return -1;
	}
	state.pin_dir = strdup(dir);
	log_info("bpf", "pinned %s and its maps in %s", DSERVER_BPF_PROG_NAME, dir);
	return 0;
}

static void unpin(void)
{
	char path[4096];

	if (!state.pin_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", state.pin_dir, DSERVER_BPF_PROG_NAME);
	bpf_program__unpin(state.skel->progs.dserver_signal, path);
	bpf_object__unpin_maps(state.skel->obj, state.pin_dir);
	free(state.pin_dir);
	state.pin_dir = NULL;
}

static int load(void)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	int err = probe_bpf_syscall();

	if (err)
		return fail(syscall_reason(-err), -err);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return fail(DSERVER_SIGNAL_REASON_NO_BTF, errno);
	libbpf_set_print(libbpf_print);
	state.skel = dserver_signal_bpf__open();
	if (!state.skel)
		return fail(DSERVER_SIGNAL_REASON_OTHER, errno);
	set_pid_namespace(state.skel);
	err = dserver_signal_bpf__load(state.skel);
	if (err)
		return fail(load_reason(-err), -err);
	err = dserver_signal_bpf__attach(state.skel);
	if (err)
		return fail(DSERVER_SIGNAL_REASON_NO_TRACEPOINT, -err);

	/* The stride of an mmapable array is the value size rounded to 8; ours is a multiple. */
	state.records_size = sizeof(struct dserver_signal_record) * DSERVER_SIGNAL_RECORD_SLOTS;
	void *view = mmap(NULL, state.records_size, PROT_READ, MAP_SHARED,
			  bpf_map__fd(state.skel->maps.dserver_records), 0);

	if (view == MAP_FAILED)
		return fail(DSERVER_SIGNAL_REASON_OTHER, errno);
	state.records = view;
	view = mmap(NULL, DSERVER_MANAGED_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
		    bpf_map__fd(state.skel->maps.dserver_managed), 0);
	if (view == MAP_FAILED)
		return fail(DSERVER_SIGNAL_REASON_OTHER, errno);
	state.managed = view;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(state.skel->progs.dserver_signal), &info, &info_len) == 0)
		state.prog_id = info.id;
	for (size_t i = 0; i < DSERVER_SIGNAL_RECORD_SLOTS; i++)
		state.free_slots[i] = (int32_t)(DSERVER_SIGNAL_RECORD_SLOTS - 1 - i);
	state.free_count = DSERVER_SIGNAL_RECORD_SLOTS;
	return 0;
}

static void unload(void)
{
	unpin();
	if (state.records)
		munmap((void *)state.records, state.records_size);
	state.records = NULL;
	if (state.managed)
		munmap((void *)state.managed, DSERVER_MANAGED_WORDS * sizeof(uint64_t));
	state.managed = NULL;
	dserver_signal_bpf__destroy(state.skel);
	state.skel = NULL;
	state.prog_id = 0;
	state.active = false;
}

int sigrecord_init(enum sigrecord_request request, const char *pin_dir)
{
	if (request == SIGRECORD_OFF) {
		state.reason = DSERVER_SIGNAL_REASON_DISABLED;
		if (pin_dir) {
			log_error("bpf", "--bpf-pin %s: there is no program to pin with --bpf=off", pin_dir);
			return -1;
		}
		log_notice("bpf", "signal path: userspace (%s)", dserver_signal_path_reason_text(state.reason));
		return 0;
	}
	if (load() != 0) {
		unload();
		/* Asking for pins asks for the program: quietly not pinning would leave bpftool nothing. */
		if (request == SIGRECORD_ON || pin_dir) {
			log_error("bpf", "%s: the eBPF signal path cannot start: %s (%s)",
				  request == SIGRECORD_ON ? "--bpf=on" : "--bpf-pin",
				  dserver_signal_path_reason_text(state.reason),
				  strerror(state.reason_errno));
			return -1;
		}
		log_warn("bpf", "signal path: userspace fallback: %s (%s)",
			 dserver_signal_path_reason_text(state.reason),
			 strerror(state.reason_errno));
		return 0;
	}
	if (pin_dir && pin(pin_dir) != 0) {
		unload();
		return -1;
	}
	state.active = true;
	state.reason = DSERVER_SIGNAL_REASON_NONE;
	state.reason_errno = 0;
	log_notice("bpf", "signal path: eBPF (program %s, id %u, %d record slots)", DSERVER_BPF_PROG_NAME,
		 state.prog_id, DSERVER_SIGNAL_RECORD_SLOTS);
	return 0;
}

void sigrecord_fini(void)
{
	if (state.skel)
		unload();
}

uint32_t sigrecord_prog_id(void)
{
	return state.prog_id;
}

/* The slot's sequence number once any write in progress has finished. */
static uint64_t settled_seq(int32_t slot)
{
	uint64_t seq = atomic_load_explicit((const _Atomic uint64_t *)&state.records[slot].seq,
					    memory_order_acquire);

	return (seq + 1) & ~(uint64_t)1;
}

void sigrecord_thread_attach(struct thread *thread)
{
	struct process *p = thread->process;
	uint32_t tgid = (uint32_t)p->global_pid, tid = (uint32_t)thread->global_tid;
	int32_t slot;

	if (!state.active || thread->record_slot >= 0 || tgid >= DSERVER_MANAGED_PID_LIMIT)
		return;
	if (!state.free_count) {
		log_debug("bpf", "pid %d tid %d: no record slot left; its signals take the userspace path", p->pid,
			  thread->tid);
		return;
	}
	slot = state.free_slots[--state.free_count];
	/* What an earlier owner left there is not this thread's. */
	thread->record_taken_seq = settled_seq(slot);
	if (bpf_map__update_elem(state.skel->maps.dserver_slots, &tid, sizeof(tid), &slot, sizeof(slot), BPF_ANY)) {
		log_warn("bpf", "pid %d tid %d: the program's slot map refused it (%m); userspace path", p->pid,
			 thread->tid);
		state.free_slots[state.free_count++] = slot;
		return;
	}
	atomic_fetch_or(&state.managed[tgid / 64], (uint64_t)1 << (tgid % 64));
	thread->record_slot = slot;
}

void sigrecord_thread_detach(struct thread *thread)
{
	uint32_t tid = (uint32_t)thread->global_tid;

	if (!state.active || thread->record_slot < 0)
		return;
	bpf_map__delete_elem(state.skel->maps.dserver_slots, &tid, sizeof(tid), 0);
	state.free_slots[state.free_count++] = thread->record_slot;
	thread->record_slot = -1;
}

void sigrecord_process_detach(struct process *process)
{
	uint32_t tgid = (uint32_t)process->global_pid;

	if (state.active && tgid < DSERVER_MANAGED_PID_LIMIT)
		atomic_fetch_and(&state.managed[tgid / 64], ~((uint64_t)1 << (tgid % 64)));
}

bool sigrecord_take(struct thread *thread, const struct sigrecord_expect *expect, struct dserver_signal_record *out)
{
	const volatile struct dserver_signal_record *r;
	uint64_t before, after;

	if (!state.active || thread->record_slot < 0 || thread->process->architecture != DSERVER_ARCH_X86_64)
		return false;
	r = &state.records[thread->record_slot];
	before = atomic_load_explicit((const _Atomic uint64_t *)&r->seq, memory_order_acquire);
	if ((before & 1) || before == thread->record_taken_seq)
		return false; /* being written (a nested signal), or nothing new since the last one */
	memcpy(out, (const void *)r, sizeof(*out));
	atomic_thread_fence(memory_order_acquire);
	after = atomic_load_explicit((const _Atomic uint64_t *)&r->seq, memory_order_relaxed);
	if (after != before || out->seq != before)
		return false;
	/* A newer signal (or an ignored one) may have overwritten the one this handler is for. */
	if (out->signal != expect->linux_signal || out->tid != (int32_t)thread->global_tid)
		return false;
	if (expect->have_registers && (out->regs.rip != expect->rip || out->regs.rsp != expect->rsp))
		return false;
	thread->record_taken_seq = before;
	state.served++;
	return true;
}

#else /* !DSERVER_HAVE_BPF */

int sigrecord_init(enum sigrecord_request request, const char *pin_dir)
{
	state.reason = request == SIGRECORD_OFF ? DSERVER_SIGNAL_REASON_DISABLED : DSERVER_SIGNAL_REASON_NOT_BUILT;
	if (request == SIGRECORD_ON || pin_dir) {
		log_error("bpf", "%s: %s", request == SIGRECORD_ON ? "--bpf=on" : "--bpf-pin",
			  dserver_signal_path_reason_text(state.reason));
		return -1;
	}
	log_notice("bpf", "signal path: userspace (%s)", dserver_signal_path_reason_text(state.reason));
	return 0;
}

void sigrecord_fini(void)
{
}

uint32_t sigrecord_prog_id(void)
{
	return 0;
}

void sigrecord_thread_attach(struct thread *thread)
{
	(void)thread;
}

void sigrecord_thread_detach(struct thread *thread)
{
	(void)thread;
}

void sigrecord_process_detach(struct process *process)
{
	(void)process;
}

bool sigrecord_take(struct thread *thread, const struct sigrecord_expect *expect, struct dserver_signal_record *out)
{
	(void)thread;
	(void)expect;
	(void)out;
	return false;
}

#endif
