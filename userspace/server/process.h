/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Client processes and their threads, keyed by the ids the client sees
 * (container pid/tid) and checked against the kernel's view (§6.1).
 */
#ifndef DSERVER_PROCESS_H
#define DSERVER_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "transport.h"

struct call;
struct fiber;
struct interrupt_context;
struct s2c_request;
struct xnu_task;
struct xnu_thread;

struct thread {
	struct process *process;
	int32_t tid;            /* container tid */
	pid_t global_tid;
	bool dead;
	struct call *active_call; /* the call being served, or NULL */
	struct peer_address address; /* where this thread's latest datagram came from */
	uint64_t pthread_handle;
	uint64_t dispatch_qaddr;
	struct xnu_thread *xnu; /* the Mach thread */
	size_t calls_in_flight; /* active, parked in contexts, or with a held reply */
	struct interrupt_context *interrupts; /* the innermost signal handler's context */
	unsigned interrupt_depth;
	/* Server-to-client calls (s2c.c) */
	struct s2c_request *s2c_queue; /* the head is the one outstanding once sent */
	bool s2c_signalled;            /* signal 35 sent, s2c_perform not yet seen */
	struct call *s2c_held_call;    /* its reply waits for the outstanding S2C */
	struct fiber *s2c_performer;   /* s2c_perform waiting for the queue to drain */
	struct fiber *enter_waiter;    /* interrupt_enter waiting for an in-band S2C */
	/* Signal records (sigrecord.c) */
	int32_t record_slot;           /* slot in the eBPF record array, or -1 */
	uint64_t record_taken_seq;     /* the slot's sequence number last taken (or seen at attach) */
	struct thread *next;    /* in process->threads */
};

struct console;

struct process {
	int32_t pid;            /* container pid */
	pid_t global_pid;
	uid_t linux_uid;        /* from the kernel's credentials */
	int32_t parent_pid;     /* container pid of the registered parent, or 0 */
	bool pid_namespaced;    /* its ids differ from the global ones */
	int architecture;
	bool dead;
	bool free_scheduled;
	bool checked_in;        /* a checkin was received for this record */
	bool exec_pending;      /* next checkin is the post-exec checkin */
	bool start_suspended;
	bool runtime_started;   /* it made a call the loader does not make (W16) */
	int32_t tracer;         /* container pid, or 0 */

	struct loop_watch death_watch;  /* pidfd, or the lifetime pipe */
	struct loop_watch exec_watch;   /* exec-listener pipe, fd -1 when unarmed */
	bool exec_macho;

	uint32_t darwin_uid, darwin_gid;
	uint32_t *groups;
	size_t group_count;
	char *executable_path;
	uint64_t dyld_info_address, dyld_info_length;
	int vchroot_fd;
	char *vchroot_path;

	unsigned fork_wait_posts;       /* fork-wait semaphore count */
	struct call *fork_waiters;      /* calls parked in fork_wait_for_child */

	struct console *consoles;
	struct xnu_task *xnu;           /* the Mach task */
	struct thread *threads;
	size_t thread_count;
	size_t calls_in_flight;         /* the record lives until these finish */
};

void registry_init(void);
void registry_fini(void);

/*
 * The thread a managed datagram comes from, registering its process and
 * thread on first contact (§6.1). Returns NULL and sets *error: -ESRCH when
 * registration failed (the caller replies -ESRCH), 0 when the datagram is to
 * be dropped without a reply. *created tells whether the thread is new.
 */
struct thread *registry_thread_for(const struct datagram *dg, int *error, bool *created);

struct process *registry_process(int32_t pid);
struct thread *registry_thread(int32_t pid, int32_t tid);
size_t registry_process_count(void);
size_t registry_thread_count(void);

/* Iterate over processes: for (size_t i = 0; (p = registry_next_process(&i));) */
struct process *registry_next_process(size_t *cursor);

/* The process has ended: release all it holds (§6.3). */
void process_die(struct process *process, const char *why);

/* Forget one thread (checkout, or a stale record replaced by a checkin). */
void thread_die(struct thread *thread);

/* Called when a call finishes: frees records that only the call kept alive. */
void registry_call_finished(struct thread *thread, struct call *call);

/* Resolve an armed exec watch now, without blocking (§6.2, W8). */
void process_resolve_exec_watch(struct process *process);

/* Arm the exec watch on pipe_fd (ownership passes). 0 or -errno. */
int process_watch_exec(struct process *process, int pipe_fd, bool macho);

/* Use the lifetime pipe's read end as death watch where there is no pidfd. */
int process_watch_lifetime(struct process *process, int pipe_fd);

/* The post-exec checkin: the process keeps only the thread tid == pid. */
void process_complete_exec(struct process *process, struct thread *survivor, int architecture);

/* The Linux uid of the user running dserver. */
uid_t registry_server_uid(void);

#endif
