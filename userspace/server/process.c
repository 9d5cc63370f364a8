/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "call.h"
#include "console.h"
#include "fiber.h"
#include "hashmap.h"
#include "interrupt.h"
#include "log.h"
#include "procfs.h"
#include "process.h"
#include "s2c.h"
#include "sigrecord.h"
#include "xnu/xnu.h"

static struct hashmap processes;        /* container pid -> process */
static struct hashmap processes_global; /* global pid -> process */
static struct hashmap threads;          /* (container pid, tid) -> thread */
static size_t thread_total;
static uid_t server_uid;

static uint64_t thread_key(int32_t pid, int32_t tid)
{
	return (uint64_t)(uint32_t)pid << 32 | (uint32_t)tid;
}

void registry_init(void)
{
	hashmap_init(&processes);
	hashmap_init(&processes_global);
	hashmap_init(&threads);
	server_uid = getuid();
}

uid_t registry_server_uid(void)
{
	return server_uid;
}

struct process *registry_process(int32_t pid)
{
	return hashmap_get(&processes, (uint64_t)(uint32_t)pid);
}

struct thread *registry_thread(int32_t pid, int32_t tid)
{
	return hashmap_get(&threads, thread_key(pid, tid));
}

size_t registry_process_count(void)
{
	return processes.count;
}

size_t registry_thread_count(void)
{
	return thread_total;
}

struct process *registry_next_process(size_t *cursor)
{
	uint64_t key;
	void *value;

	return hashmap_next(&processes, cursor, &key, &value) ? value : NULL;
}

/* --- freeing --- */

static void process_free(void *arg)
{
	struct process *p = arg;

	free(p->groups);
	free(p->executable_path);
	free(p->vchroot_path);
	if (p->vchroot_fd >= 0)
		close(p->vchroot_fd);
	free(p);
}

static void maybe_free_process(struct process *p)
{
	if (p->dead && p->calls_in_flight == 0 && !p->threads && !p->free_scheduled) {
		p->free_scheduled = true;
		loop_defer(process_free, p);
	}
}

static void thread_unlink(struct thread *t)
{
	struct process *p = t->process;

	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	p->thread_count--;
}

static void maybe_free_thread(struct thread *t)
{
	struct process *p = t->process;

	if (!t->dead || t->calls_in_flight)
		return;
	thread_unlink(t);
	free(t);
	maybe_free_process(p);
}

void registry_call_finished(struct thread *t, struct call *call)
{
	struct process *p = t->process;

	if (t->active_call == call)
		t->active_call = NULL;
	t->calls_in_flight--;
	p->calls_in_flight--;
	maybe_free_thread(t);
}

/* --- death --- */

/* Wake a call parked on the thread's behalf: it finishes, and its reply is discarded. */
static void abort_call(struct call *c)
{
	if (c && c->fiber && fiber_is_parked(c->fiber))
		fiber_unpark(c->fiber, -ESRCH);
}

void thread_die(struct thread *t)
{
	if (t->dead)
		return;
	t->dead = true;
	hashmap_remove(&threads, thread_key(t->process->pid, t->tid));
	sigrecord_thread_detach(t);
	thread_total--;
	/* A Mach wait ends through xnu/ first; abort_call catches the other waits. */
	if (t->xnu) {
		xnu_thread_terminate(t->xnu);
		t->xnu = NULL;
	}
	/* Its S2C calls fail, which wakes what waited for them. */
	struct call *held = s2c_thread_gone(t);

	abort_call(t->active_call);
	for (struct interrupt_context *ctx = t->interrupts; ctx; ctx = ctx->below)
		abort_call(ctx->interrupted);
	interrupt_drop_all(t);
	if (held)
		call_complete(held); /* its completion frees the record if it is the last */
	else
		maybe_free_thread(t);
}

static void unwatch(struct loop_watch *w)
{
	if (w->fd < 0)
		return;
	loop_watch_remove(w);
	close(w->fd);
	w->fd = -1;
}

void process_die(struct process *p, const char *why)
{
	if (p->dead)
		return;
	log_info("process", "pid %d (global %d) ended: %s", p->pid, (int)p->global_pid, why);
	p->dead = true;
	hashmap_remove(&processes, (uint64_t)(uint32_t)p->pid);
	if (hashmap_get(&processes_global, (uint64_t)p->global_pid) == p)
		hashmap_remove(&processes_global, (uint64_t)p->global_pid);
	unwatch(&p->death_watch);
	unwatch(&p->exec_watch);
	consoles_close_all(p);
	/* Threads with a call in flight stay listed until the call finishes. */
	for (struct thread *t = p->threads, *next; t; t = next) {
		next = t->next;
		thread_die(t);
	}
	sigrecord_process_detach(p);
	/* Its rights go: ports die, dead-name and no-senders notifications fire. */
	if (p->xnu) {
		xnu_task_terminate(p->xnu);
		p->xnu = NULL;
	}
	maybe_free_process(p);
}

static void on_death(struct loop_watch *w, uint32_t events)
{
	struct process *p = (struct process *)((char *)w - offsetof(struct process, death_watch));

	(void)events;
	process_die(p, "exited");
}

/* --- exec watch --- */

void process_resolve_exec_watch(struct process *p)
{
	char byte;
	ssize_t n;

	if (p->exec_watch.fd < 0)
		return;
	n = read(p->exec_watch.fd, &byte, 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return; /* the exec is still under way */
	unwatch(&p->exec_watch);
	if (n > 0) {
		log_debug("process", "pid %d: exec failed", p->pid);
		return;
	}
	/* EOF: the write end closed on exec, so the exec succeeded. */
	if (p->exec_macho) {
		log_debug("process", "pid %d: exec of a Darwin image", p->pid);
		p->exec_pending = true;
	} else {
		process_die(p, "exec of a Linux binary");
	}
}

static void on_exec_event(struct loop_watch *w, uint32_t events)
{
	struct process *p = (struct process *)((char *)w - offsetof(struct process, exec_watch));

	(void)events;
	process_resolve_exec_watch(p);
}

int process_watch_exec(struct process *p, int fd, bool macho)
{
	int err;

	unwatch(&p->exec_watch);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	p->exec_watch.fd = fd;
	p->exec_watch.on_event = on_exec_event;
	p->exec_macho = macho;
	err = loop_watch_add(&p->exec_watch, EPOLLIN);
	if (err) {
		close(fd);
		p->exec_watch.fd = -1;
	}
	return err;
}

int process_watch_lifetime(struct process *p, int fd)
{
	int err;

	if (p->death_watch.fd >= 0) {
		close(fd);
		return 0;
	}
	p->death_watch.fd = fd;
	/* Hang-up, when the last write end closes, is the process's death. */
	err = loop_watch_add(&p->death_watch, EPOLLIN | EPOLLRDHUP);
	if (err) {
		close(fd);
		p->death_watch.fd = -1;
	}
	return err;
}

void process_complete_exec(struct process *p, struct thread *survivor, int architecture)
{
	/* exec leaves one thread; records of the others are stale. */
	for (struct thread *t = p->threads, *next; t; t = next) {
		next = t->next;
		if (t != survivor && !t->dead)
			thread_die(t);
	}
	p->exec_pending = false;
	p->architecture = architecture;
	if (p->xnu)
		xnu_task_exec(p->xnu, architecture == DSERVER_ARCH_X86_64);
	p->dyld_info_address = 0;
	p->dyld_info_length = 0;
}

/* --- registration --- */

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Is this record's process gone, whatever its death watch has said so far? */
static bool process_has_ended(struct process *p)
{
	struct pollfd pfd = { .fd = p->death_watch.fd, .events = POLLIN };

	if (p->death_watch.fd >= 0)
		return poll(&pfd, 1, 0) > 0;
	return kill(p->global_pid, 0) != 0 && errno == ESRCH;
}

static void inherit(struct process *child, const struct process *parent)
{
	child->darwin_uid = parent->darwin_uid;
	child->darwin_gid = parent->darwin_gid;
	if (parent->group_count) {
		child->groups = malloc(parent->group_count * sizeof(*child->groups));
		if (child->groups) {
			memcpy(child->groups, parent->groups, parent->group_count * sizeof(*child->groups));
			child->group_count = parent->group_count;
		}
	}
	if (parent->vchroot_fd >= 0) {
		child->vchroot_fd = fcntl(parent->vchroot_fd, F_DUPFD_CLOEXEC, 0);
		child->vchroot_path = parent->vchroot_path ? strdup(parent->vchroot_path) : NULL;
	}
	/* W12: a fork child starts with its parent's image. */
	if (parent->executable_path)
		child->executable_path = strdup(parent->executable_path);
	child->dyld_info_address = parent->dyld_info_address;
	child->dyld_info_length = parent->dyld_info_length;
	/* §6.1: the new task inherits the exception ports, as in an XNU fork. */
	if (child->xnu && parent->xnu)
		xnu_task_inherit_exception_ports(child->xnu, parent->xnu);
}

static struct process *process_create(const struct datagram *dg, int *error)
{
	const struct dserver_request_header *h = &dg->data.header;
	struct proc_status st;
	struct process *p, *parent;
	int err;

	*error = -ESRCH;
	if (h->architecture != DSERVER_ARCH_I386 && h->architecture != DSERVER_ARCH_X86_64) {
		log_warn("process", "pid %d: cannot register architecture %d", h->pid, h->architecture);
		return NULL;
	}
	err = procfs_read_status(dg->cred.pid, 0, &st);
	if (err || st.nspid_innermost != h->pid) {
		log_warn("process", "global pid %d claims pid %d, but the kernel says %d",
			 (int)dg->cred.pid, h->pid, err ? -1 : st.nspid_innermost);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*error = -ENOMEM;
		return NULL;
	}
	p->pid = h->pid;
	p->global_pid = dg->cred.pid;
	p->linux_uid = dg->cred.uid;
	p->architecture = h->architecture;
	p->pid_namespaced = st.nspid_levels > 1;
	p->xnu = xnu_task_create(p, p->pid, dg->cred.uid, dg->cred.gid, h->architecture == DSERVER_ARCH_X86_64);
	if (!p->xnu) {
		free(p);
		*error = -ENOMEM;
		return NULL;
	}
	p->vchroot_fd = -1;
	p->exec_watch.fd = -1;
	p->death_watch.fd = pidfd_open_compat(p->global_pid);
	p->death_watch.on_event = on_death;
	if (p->death_watch.fd >= 0 && loop_watch_add(&p->death_watch, EPOLLIN) != 0) {
		close(p->death_watch.fd);
		p->death_watch.fd = -1;
	}
	if (p->death_watch.fd < 0)
		log_warn("process", "pid %d: no pidfd (%m); death is seen only through its lifetime pipe",
			 p->pid);

	parent = hashmap_get(&processes_global, (uint64_t)st.ppid);
	if (parent && !parent->dead) {
		p->parent_pid = parent->pid;
		inherit(p, parent);
	}
	if (hashmap_put(&processes, (uint64_t)(uint32_t)p->pid, p) != 0 ||
	    hashmap_put(&processes_global, (uint64_t)p->global_pid, p) != 0) {
		hashmap_remove(&processes, (uint64_t)(uint32_t)p->pid);
		if (p->death_watch.fd >= 0) {
			loop_watch_remove(&p->death_watch);
			close(p->death_watch.fd);
		}
		xnu_task_terminate(p->xnu);
		process_free(p);
		*error = -ENOMEM;
		return NULL;
	}
	log_info("process", "registered pid %d (global %d, parent %d)", p->pid, (int)p->global_pid,
		 p->parent_pid);
	return p;
}

static struct thread *thread_create(struct process *p, int32_t tid, int *error)
{
	pid_t global_tid = procfs_find_thread(p->global_pid, tid, p->pid_namespaced);
	struct thread *t;

	if (global_tid < 0) {
		log_warn("process", "pid %d: no thread %d in the kernel's view", p->pid, tid);
		*error = -ESRCH;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		t->xnu = xnu_thread_create(p->xnu, t, tid);
	if (!t || !t->xnu || hashmap_put(&threads, thread_key(p->pid, tid), t) != 0) {
		if (t && t->xnu)
			xnu_thread_terminate(t->xnu);
		free(t);
		*error = -ENOMEM;
		return NULL;
	}
	t->process = p;
	t->tid = tid;
	t->global_tid = global_tid;
	t->next = p->threads;
	p->threads = t;
	p->thread_count++;
	thread_total++;
	t->record_slot = -1;
	sigrecord_thread_attach(t);
	return t;
}

struct thread *registry_thread_for(const struct datagram *dg, int *error, bool *created)
{
	const struct dserver_request_header *h = &dg->data.header;
	struct process *p = registry_process(h->pid);
	struct thread *t;

	if (p && p->global_pid != dg->cred.pid) {
		if (!process_has_ended(p)) {
			log_warn("process", "global pid %d claims pid %d, which belongs to live global pid %d",
				 (int)dg->cred.pid, h->pid, (int)p->global_pid);
			*error = 0;
			return NULL;
		}
		process_die(p, "exited (its pid is reused)");
		p = NULL;
	}
	if (!p) {
		p = process_create(dg, error);
		if (!p)
			return NULL;
	}
	process_resolve_exec_watch(p);
	if (p->dead) {
		/* The exec watch just ended it (exec of a Linux binary). */
		*error = 0;
		return NULL;
	}
	t = registry_thread(h->pid, h->tid);
	*created = !t;
	if (!t) {
		t = thread_create(p, h->tid, error);
		if (!t) {
			if (!p->threads && !p->checked_in)
				process_die(p, "registration failed");
			return NULL;
		}
	}
	t->address = dg->source;
	return t;
}

void registry_fini(void)
{
	struct process *p;
	size_t i = 0;

	while ((p = registry_next_process(&i))) {
		process_die(p, "server shutdown");
		i = 0; /* the map changed under the cursor */
	}
	hashmap_destroy(&processes);
	hashmap_destroy(&processes_global);
	hashmap_destroy(&threads);
}
