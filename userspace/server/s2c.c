/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-band server-to-client calls: mmap and munmap in a client process (§8). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "call.h"
#include "fiber.h"
#include "log.h"
#include "s2c.h"

#define S2C_MMAP 1
#define S2C_MUNMAP 2
#define S2C_MAX_REPLY 40

/* The one S2C outstanding for a thread. */
struct s2c_wait {
	struct fiber *fiber;
	int32_t number;
	size_t expected_size;
	unsigned char reply[S2C_MAX_REPLY];
};

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static int32_t get32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool is_i386(const struct thread *thread)
{
	return thread->process->architecture == DSERVER_ARCH_I386;
}

/* Send the message and wait for the matching reply. 0, or -errno if it never came. */
static int perform(struct thread *thread, const unsigned char *msg, size_t size, struct s2c_wait *wait)
{
	if (thread->dead || !thread->active_call || fiber_current() != thread->active_call->fiber)
		return -ESRCH;
	if (thread->s2c)
		return -EBUSY;
	wait->fiber = fiber_current();
	thread->s2c = wait;
	transport_send(&thread->address, msg, size, -1);
	long result = fiber_park();

	thread->s2c = NULL;
	return (int)result;
}

int s2c_mmap_anywhere(struct thread *thread, uint64_t length, uint64_t *address)
{
	unsigned char msg[48] = { 0 };
	bool i386 = is_i386(thread);
	struct s2c_wait wait = { .number = S2C_MMAP, .expected_size = i386 ? 32 : 40 };

	put32(msg, DSERVER_S2C_NUMBER);
	put32(msg + 4, S2C_MMAP);
	put64(msg + 8, 0);
	put64(msg + 16, length);
	put32(msg + 24, PROT_READ | PROT_WRITE);
	put32(msg + 28, MAP_PRIVATE | MAP_ANONYMOUS);
	put32(msg + 32, (uint32_t)-1);
	/* offset 0, at 40 (x86_64) or 36 (i386) */
	int err = perform(thread, msg, i386 ? 44 : 48, &wait);

	if (err)
		return err;
	int32_t errno_result = get32(wait.reply + (i386 ? 28 : 32));

	if (errno_result)
		return -errno_result;
	uint64_t mapped = 0;

	if (i386) {
		uint32_t low;

		memcpy(&low, wait.reply + 20, sizeof(low));
		mapped = low;
	} else {
		memcpy(&mapped, wait.reply + 24, sizeof(mapped));
	}
	*address = mapped;
	return 0;
}

int s2c_munmap(struct thread *thread, uint64_t address, uint64_t length)
{
	unsigned char msg[24];
	struct s2c_wait wait = { .number = S2C_MUNMAP, .expected_size = 28 };

	put32(msg, DSERVER_S2C_NUMBER);
	put32(msg + 4, S2C_MUNMAP);
	put64(msg + 8, address);
	put64(msg + 16, length);
	int err = perform(thread, msg, sizeof(msg), &wait);

	if (err)
		return err;
	int32_t errno_result = get32(wait.reply + 24);

	return errno_result ? -errno_result : 0;
}

void s2c_reply_received(struct datagram *dg)
{
	const struct dserver_request_header *h = &dg->data.header;
	struct thread *thread = NULL;

	datagram_close_fds(dg);
	if (dg->size >= 20)
		thread = registry_thread(h->pid, h->tid);
	if (!thread || thread->process->global_pid != dg->cred.pid || !thread->s2c) {
		log_warn("s2c", "global pid %d: dropped an S2C reply with none outstanding", (int)dg->cred.pid);
		return;
	}
	struct s2c_wait *wait = thread->s2c;

	thread->s2c = NULL;
	if (dg->size != wait->expected_size || get32(dg->data.bytes + 16) != wait->number) {
		log_warn("s2c", "pid %d tid %d: malformed S2C reply (%zu bytes); the S2C fails", h->pid, h->tid,
			 dg->size);
		fiber_unpark(wait->fiber, -EPROTO);
		return;
	}
	memcpy(wait->reply, dg->data.bytes, dg->size);
	fiber_unpark(wait->fiber, 0);
}
