/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "transport.h"
#include "watcher.h"

#define RECEIVE_BATCH 32
/* Receive at most this many batches per wake-up, so fibers and replies get a turn. */
#define RECEIVE_ROUNDS 4
#define SEND_BATCH 64

/*
 * A peer whose receive queue is full makes sendmsg fail with EAGAIN. For an
 * unconnected datagram socket the kernel does not wake EPOLLOUT when that
 * peer drains, so such messages are retried on a timer, with back-off, and
 * dropped after a while: a client that never reads must not pin the
 * server's memory.
 */
#define RETRY_FIRST_NS 200000ull          /* 0.2 ms */
#define RETRY_MAX_NS 50000000ull          /* 50 ms */
#define RETRY_GIVE_UP_NS 2000000000ull    /* 2 s */
#define MAX_DEFERRED 4096
/* Deferred messages that carry a descriptor hold a server fd each: fewer of those. */
#define MAX_DEFERRED_FDS 64

struct outgoing {
	struct peer_address to;
	unsigned char data[TRANSPORT_MAX_OUTGOING];
	size_t size;
	int fd;
	uint64_t first_try_ns;
};

struct outgoing_queue {
	struct outgoing *items;
	size_t len, cap;
};

static struct loop_watch socket_watch = { .fd = -1 };
static char *socket_path;
static transport_receive_fn receiver;

static struct outgoing_queue pending;  /* to be sent at the next flush */
static struct outgoing_queue deferred; /* waiting for a full peer to drain */
static size_t deferred_fds;             /* of those, how many carry a descriptor */
static struct loop_timer retry_timer;
static uint64_t retry_delay_ns;

static struct transport_stats stats;

/* --io=block: the loop sleeps in our receive, and the watcher thread wakes it. */
static bool blocking;
static bool woken;   /* a wake-up from the watcher arrived since the last rearm */
static pid_t own_pid;

/* Receive buffers, reused for every batch. */
static struct datagram batch[RECEIVE_BATCH];
static struct mmsghdr batch_hdr[RECEIVE_BATCH];
static struct iovec batch_iov[RECEIVE_BATCH];
static union {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * TRANSPORT_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
} batch_control[RECEIVE_BATCH];

void transport_get_stats(struct transport_stats *out)
{
	*out = stats;
}

void datagram_close_fds(struct datagram *dg)
{
	for (int i = 0; i < dg->nfds; i++)
		if (dg->fds[i] >= 0)
			close(dg->fds[i]);
	dg->nfds = 0;
}

/*
 * The socket calls of every request and reply, without glibc's wrappers:
 * once the watcher thread exists, those do cancellation bookkeeping (two
 * atomic operations) around every call, and the loop thread is never
 * cancelled.
 */
static ssize_t raw_recvmsg(int fd, struct msghdr *msg, int flags)
{
	return syscall(SYS_recvmsg, fd, msg, flags);
}

static ssize_t raw_sendto(int fd, const void *data, size_t size, int flags,
			  const struct peer_address *to)
{
	return syscall(SYS_sendto, fd, data, size, flags, &to->addr, to->len);
}

/* --- receiving --- */

static bool parse_control(struct msghdr *msg, struct datagram *dg)
{
	bool have_cred = false;

	dg->nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);

			for (size_t i = 0; i < n; i++) {
				if (dg->nfds < TRANSPORT_MAX_FDS)
					dg->fds[dg->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			memcpy(&dg->cred, CMSG_DATA(c), sizeof(dg->cred));
			have_cred = true;
		}
	}
	return have_cred;
}

/*
 * How many datagrams to ask for: recvmmsg tries to fill every slot it is
 * given, and each empty try costs time, so the batch grows only while
 * datagrams arrive faster than one per wake-up (a request-reply client sends
 * one at a time). A batch of one is asked for with recvmsg, which costs
 * less than recvmmsg; every PROBE_EVERY such batches, the next asks for two
 * to see whether datagrams now queue up.
 */
#define PROBE_EVERY 8
static unsigned batch_size = 1;
static unsigned singles; /* batches of one in a row */

static void prepare_slot(int i)
{
	struct msghdr *m = &batch_hdr[i].msg_hdr;

	batch_iov[i].iov_base = batch[i].data.bytes;
	batch_iov[i].iov_len = sizeof(batch[i].data.bytes);
	m->msg_name = &batch[i].source.addr;
	m->msg_iov = &batch_iov[i];
	m->msg_iovlen = 1;
	m->msg_control = batch_control[i].buf;
}

/* wait: sleep until the first datagram arrives (the socket is blocking then). */
static void receive_batch(bool wait)
{
	for (int round = 0; round < RECEIVE_ROUNDS; round++) {
		unsigned asked = batch_size;
		int n;

		/* The kernel rewrites only these fields. */
		for (unsigned i = 0; i < asked; i++) {
			batch_hdr[i].msg_hdr.msg_namelen = sizeof(batch[i].source.addr);
			batch_hdr[i].msg_hdr.msg_controllen = sizeof(batch_control[i].buf);
		}
		if (asked == 1) {
			ssize_t got = raw_recvmsg(socket_watch.fd, &batch_hdr[0].msg_hdr,
					      (round == 0 && wait ? 0 : MSG_DONTWAIT) | MSG_CMSG_CLOEXEC);

			n = got < 0 ? -1 : 1;
			batch_hdr[0].msg_len = got < 0 ? 0 : (unsigned)got;
		} else {
			n = recvmmsg(socket_watch.fd, batch_hdr, asked,
				     (round == 0 && wait ? MSG_WAITFORONE : MSG_DONTWAIT) | MSG_CMSG_CLOEXEC,
				     NULL);
		}
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn("transport", "recvmmsg: %m");
			if (batch_size > 1)
				batch_size /= 2;
			return;
		}
		uint64_t now = loop_now_ns();

		for (int i = 0; i < n; i++) {
			struct datagram *dg = &batch[i];
			struct msghdr *m = &batch_hdr[i].msg_hdr;
			bool have_cred = parse_control(m, dg);

			dg->size = batch_hdr[i].msg_len;
			dg->source.len = m->msg_namelen;
			dg->received_ns = now;
			if (have_cred && dg->cred.pid == own_pid) {
				/*
				 * Only this process sends with its pid (forging a pid
				 * takes CAP_SYS_ADMIN, and then costs one look at the
				 * epoll set): the watcher's wake-up, not a request.
				 */
				woken = true;
				datagram_close_fds(dg);
				continue;
			}
			stats.received++;
			if (m->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
				log_warn("transport", "dropped a truncated datagram (%zu bytes, flags %#x) from pid %d",
					 dg->size, m->msg_flags, have_cred ? dg->cred.pid : -1);
				datagram_close_fds(dg);
				stats.dropped_incoming++;
				continue;
			}
			if (!have_cred || dg->source.len <= sizeof(sa_family_t)) {
				/* No credentials, or no address to answer to. */
				log_warn("transport", "dropped a datagram without %s",
					 have_cred ? "a source address" : "credentials");
				datagram_close_fds(dg);
				stats.dropped_incoming++;
				continue;
			}
			receiver(dg);
		}
		if ((unsigned)n < asked) {
			if (batch_size > 1)
				batch_size /= 2;
			return;
		}
		/*
		 * One datagram asked for, one received: most likely a
		 * request-reply client, and another try now would find nothing
		 * and cost a syscall.
		 */
		if (asked == 1) {
			if (++singles % PROBE_EVERY == 0)
				batch_size = 2;
			return;
		}
		if (batch_size < RECEIVE_BATCH)
			batch_size *= 2;
	}
}

static void on_socket_event(struct loop_watch *watch, uint32_t events)
{
	(void)watch;
	if (events & EPOLLIN)
		receive_batch(false);
}

static bool sleep_in_receive(bool block)
{
	receive_batch(block);
	/* Without blocking, the loop looks at the epoll set anyway (fibers wait). */
	return woken || !block;
}

static void rearm_watcher(void)
{
	if (woken) {
		woken = false;
		watcher_rearm();
	}
}

static const struct loop_sleeper receive_sleeper = {
	.sleep = sleep_in_receive,
	.rearm = rearm_watcher,
};

/* --- sending --- */

static bool same_peer(const struct peer_address *a, const struct peer_address *b)
{
	return a->len == b->len && !memcmp(&a->addr, &b->addr, a->len);
}

static struct outgoing *queue_append(struct outgoing_queue *q)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		struct outgoing *items = realloc(q->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		q->items = items;
		q->cap = cap;
	}
	return &q->items[q->len++];
}

static void drop(struct outgoing *o, const char *why)
{
	log_warn("transport", "dropped a %zu-byte message: %s", o->size, why);
	if (o->fd >= 0)
		close(o->fd);
	stats.dropped_outgoing++;
}

static bool peer_is_deferred(const struct peer_address *to)
{
	for (size_t i = 0; i < deferred.len; i++)
		if (same_peer(&deferred.items[i].to, to))
			return true;
	return false;
}

static void defer(const struct outgoing *o)
{
	struct outgoing *slot;

	if (deferred.len >= MAX_DEFERRED || (o->fd >= 0 && deferred_fds >= MAX_DEFERRED_FDS) ||
	    !(slot = queue_append(&deferred))) {
		struct outgoing copy = *o;

		drop(&copy, "too many messages wait for full peers");
		return;
	}
	*slot = *o;
	/* The first failure starts the clock of RETRY_GIVE_UP_NS. */
	if (!slot->first_try_ns)
		slot->first_try_ns = loop_now_ns();
	deferred_fds += o->fd >= 0;
	stats.deferred++;
	if (!loop_timer_armed(&retry_timer)) {
		retry_delay_ns = RETRY_FIRST_NS;
		loop_timer_arm(&retry_timer, loop_now_ns() + retry_delay_ns);
	}
}

void transport_send(const struct peer_address *to, const void *data, size_t size, int fd)
{
	struct outgoing *o;

	if (size > TRANSPORT_MAX_OUTGOING) {
		struct outgoing big = { .size = size, .fd = fd };

		drop(&big, "larger than a client's receive buffer");
		return;
	}
	o = queue_append(&pending);
	if (!o) {
		struct outgoing lost = { .size = size, .fd = fd };

		drop(&lost, "out of memory");
		return;
	}
	o->to = *to;
	memcpy(o->data, data, size);
	o->size = size;
	o->fd = fd;
	o->first_try_ns = 0;
}

static void close_sent_fd(struct outgoing *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	stats.sent++;
}

/*
 * Send items[0..len) in order; those that meet a full peer go to the
 * deferred queue (with every later message to the same peer).
 */
union send_control {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int))];
};

static void fill_header(struct msghdr *m, struct iovec *iov, union send_control *control,
			struct outgoing *o)
{
	iov->iov_base = o->data;
	iov->iov_len = o->size;
	memset(m, 0, sizeof(*m));
	m->msg_name = &o->to.addr;
	m->msg_namelen = o->to.len;
	m->msg_iov = iov;
	m->msg_iovlen = 1;
	if (o->fd >= 0) {
		struct cmsghdr *c;

		m->msg_control = control->buf;
		m->msg_controllen = CMSG_SPACE(sizeof(int));
		c = CMSG_FIRSTHDR(m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &o->fd, sizeof(int));
	}
}

static __attribute__((noinline)) int send_with_headers(struct outgoing *o, size_t n)
{
	struct mmsghdr hdr[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	union send_control control[SEND_BATCH];

	for (size_t k = 0; k < n; k++)
		fill_header(&hdr[k].msg_hdr, &iov[k], &control[k], &o[k]);
	if (n == 1)
		return sendmsg(socket_watch.fd, &hdr[0].msg_hdr, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -1 : 1;
	return sendmmsg(socket_watch.fd, hdr, (unsigned)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * Send n messages from o on; how many were sent, or -1. The common case is one
 * reply per wake-up: sendto, without a message header for the kernel to
 * copy in, costs less than sendmsg, which costs less than sendmmsg (and
 * the headers' arrays stay off the stack).
 */
static int send_some(struct outgoing *o, size_t n)
{
	if (n == 1 && o->fd < 0)
		return raw_sendto(socket_watch.fd, o->data, o->size, MSG_DONTWAIT | MSG_NOSIGNAL,
				  &o->to) < 0 ? -1 : 1;
	return send_with_headers(o, n);
}

/*
 * Send items[0..len) in order; those that meet a full peer go to the
 * deferred queue (with every later message to the same peer).
 */
static void send_all(struct outgoing *items, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n = 0;
		int sent;

		/* A batch stops before a message whose peer already waits. */
		while (i + n < len && n < SEND_BATCH && !(deferred.len && peer_is_deferred(&items[i + n].to)))
			n++;
		if (n == 0) {
			/* items[i]'s peer is waiting: keep the order behind it. */
			defer(&items[i]);
			i++;
			continue;
		}
		sent = send_some(&items[i], n);
		if (sent > 0) {
			for (int k = 0; k < sent; k++)
				close_sent_fd(&items[i + (size_t)k]);
			i += (size_t)sent;
			continue;
		}
		if (errno == EINTR)
			continue;

		struct outgoing *o = &items[i];

		if (errno == EAGAIN || errno == ENOBUFS) {
			defer(o);
		} else if (errno == ECONNREFUSED || errno == ENOENT) {
			/* The client's socket is gone: its thread or process ended. */
			if (o->fd >= 0)
				close(o->fd);
			stats.dropped_outgoing++;
		} else {
			char why[64];

			snprintf(why, sizeof(why), "sendmsg: %s", strerror(errno));
			drop(o, why);
		}
		i++;
	}
}

void transport_flush(void)
{
	/* send_all only ever moves messages to the deferred queue, never here. */
	send_all(pending.items, pending.len);
	pending.len = 0;
}

static void on_retry(struct loop_timer *timer)
{
	struct outgoing_queue retry = deferred;
	uint64_t now = loop_now_ns();
	size_t kept = 0;

	(void)timer;
	deferred = (struct outgoing_queue){ 0 };
	deferred_fds = 0; /* what is still deferred after this pass is counted again */
	/* Give up on messages that waited too long; retry the rest in order. */
	for (size_t i = 0; i < retry.len; i++) {
		if (now - retry.items[i].first_try_ns > RETRY_GIVE_UP_NS)
			drop(&retry.items[i], "the peer has not read its socket for 2 s");
		else
			retry.items[kept++] = retry.items[i];
	}
	send_all(retry.items, kept);
	free(retry.items);
	if (deferred.len) {
		retry_delay_ns = retry_delay_ns * 2 > RETRY_MAX_NS ? RETRY_MAX_NS : retry_delay_ns * 2;
		loop_timer_arm(&retry_timer, now + retry_delay_ns);
	}
}

/* --- setup --- */

static int check_directory(const char *path)
{
	char *copy = strdup(path);
	const char *dir;
	struct stat st;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0700) != 0) {
			err = -errno;
			log_error("transport", "cannot create socket directory %s: %m", dir);
		}
	} else if (!S_ISDIR(st.st_mode)) {
		err = -ENOTDIR;
		log_error("transport", "%s is not a directory", dir);
	} else if (st.st_uid != geteuid() || (st.st_mode & (S_IXGRP | S_IXOTH | S_IWGRP | S_IWOTH))) {
		err = -EPERM;
		log_error("transport", "socket directory %s must belong to uid %u and be closed to "
			  "other users (mode 0700); it has uid %u, mode %04o", dir,
			  (unsigned)geteuid(), (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	free(copy);
	return err;
}

/*
 * Let the loop sleep in a blocking receive on the socket (one syscall per
 * wake-up instead of epoll_wait and a receive), with the watcher thread
 * for the rest of the epoll set. 0 or -errno (then the socket is in the
 * epoll set as before).
 */
static int start_blocking(int fd, const struct sockaddr_un *addr)
{
	int err;

	/* Every other receive, and every send, passes MSG_DONTWAIT. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
		return -errno;
	err = watcher_start(loop_epoll_fd(), addr, sizeof(*addr));
	if (err) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return err;
	}
	blocking = true;
	loop_set_sleeper(&receive_sleeper);
	return 0;
}

const char *transport_io_name(enum transport_io io)
{
	static const char *const names[] = { "auto", "block", "epoll" };

	return io < sizeof(names) / sizeof(names[0]) ? names[io] : "?";
}

static int choose_io(int fd, const struct sockaddr_un *addr, enum transport_io io)
{
	int err;

	if (io == TRANSPORT_IO_EPOLL) {
		log_info("transport", "io: epoll (asked for with --io=epoll)");
		return loop_watch_add(&socket_watch, EPOLLIN);
	}
	err = start_blocking(fd, addr);
	if (!err) {
		log_info("transport", "io: block (the loop sleeps in a blocking receive on the socket; "
			 "a watcher thread wakes it for other events)");
		return 0;
	}
	if (io == TRANSPORT_IO_BLOCK) {
		log_error("transport", "io: --io=block, but the watcher thread cannot start: %s",
			  strerror(-err));
		return err;
	}
	log_warn("transport", "io: epoll (the watcher thread for --io=block cannot start: %s)",
		 strerror(-err));
	return loop_watch_add(&socket_watch, EPOLLIN);
}

int transport_open(const char *path, transport_receive_fn receive, enum transport_io io)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int one = 1, err, fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_error("transport", "socket path is longer than %zu bytes: %s",
			  sizeof(addr.sun_path) - 1, path);
		return -ENAMETOOLONG;
	}
	err = check_directory(path);
	if (err)
		return err;
	strcpy(addr.sun_path, path);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0)
		goto fail;
	/* A stale socket file from a previous run. */
	if (unlink(path) != 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto fail;

	socket_path = strdup(path);
	for (int i = 0; i < RECEIVE_BATCH; i++)
		prepare_slot(i);
	socket_watch.fd = fd;
	socket_watch.on_event = on_socket_event;
	receiver = receive;
	loop_timer_init(&retry_timer, on_retry);
	own_pid = getpid();
	err = choose_io(fd, &addr, io);
	if (err)
		goto close; /* choose_io said why */
	return 0;
fail:
	err = -errno;
	log_error("transport", "cannot bind %s: %s", path, strerror(errno));
close:
	close(fd);
	socket_watch.fd = -1;
	free(socket_path);
	socket_path = NULL;
	return err;
}

void transport_close(void)
{
	for (size_t i = 0; i < pending.len; i++)
		if (pending.items[i].fd >= 0)
			close(pending.items[i].fd);
	for (size_t i = 0; i < deferred.len; i++)
		if (deferred.items[i].fd >= 0)
			close(deferred.items[i].fd);
	free(pending.items);
	free(deferred.items);
	pending = deferred = (struct outgoing_queue){ 0 };
	deferred_fds = 0;
	loop_timer_cancel(&retry_timer);
	if (blocking) {
		watcher_stop();
		loop_set_sleeper(NULL);
	} else if (socket_watch.fd >= 0) {
		loop_watch_remove(&socket_watch);
	}
	blocking = woken = false;
	if (socket_watch.fd >= 0) {
		close(socket_watch.fd);
		socket_watch.fd = -1;
	}
	if (socket_path) {
		unlink(socket_path);
		free(socket_path);
		socket_path = NULL;
	}
}
