// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The fake dserver of fake_server.h. It answers checkin/checkout, the
 * port-returning calls 33-37, the X calls 39-57 as fake_set_trap() says,
 * and mach_msg_overwrite with the queued answers.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include <dserver/protocol_base.h>
#include <dserver/protocol_gen.h>
#include <mach/message.h>

#include "dgram_server.h"
#include "fake_server.h"

#define MAX_ANSWERS 8
#define MAX_CALL 64

static struct {
	struct dgram_server ds;
	pthread_mutex_t lock;
	struct fake_record records[FAKE_MAX_RECORDS];
	int count;
	struct fake_answer answers[MAX_ANSWERS];
	int queued, next_answer;
	int32_t trap_code[MAX_CALL];
	uint32_t trap_out[MAX_CALL];
	int reply_ports;
} fake;

/* Where each X call has its first out-pointer (PROTOCOL.md §4), or 0. */
static size_t out_pointer_at(uint32_t number)
{
	switch (number) {
	case DSERVER_CALL_NUMBER_MACH_PORT_ALLOCATE:
	case DSERVER_CALL_NUMBER_MACH_PORT_TYPE:
	case DSERVER_CALL_NUMBER_TASK_FOR_PID:
	case DSERVER_CALL_NUMBER_TASK_NAME_FOR_PID:
	case DSERVER_CALL_NUMBER_PID_FOR_TASK:
		return 24;
	case DSERVER_CALL_NUMBER_MACH_PORT_CONSTRUCT:
	case DSERVER_CALL_NUMBER_MACH_PORT_REQUEST_NOTIFICATION:
		return 40;
	case DSERVER_CALL_NUMBER_MACH_PORT_GET_ATTRIBUTES:
		return 32; /* the info array; its count stays as the client set it */
	}
	return 0;
}

static void write_client(uint64_t address, const void *data, size_t size)
{
	if (address)
		memcpy((void *)(uintptr_t)address, data, size);
}

/* mach_msg_overwrite: record what was sent, deliver the next queued answer. */
static int32_t mach_msg_call(const struct dserver_rpc_mach_msg_overwrite_request *req,
			     struct fake_record *r)
{
	struct fake_answer a = { 0 };
	mach_msg_trailer_t trailer = { MACH_MSG_TRAILER_FORMAT_0, sizeof(trailer) };
	uint64_t to = req->rcv_msg ? req->rcv_msg : req->msg;

	if ((req->option & MACH_SEND_MSG) && req->send_size <= sizeof(r->msg)) {
		memcpy(r->msg, (const void *)(uintptr_t)req->msg, req->send_size);
		r->msg_size = req->send_size;
	}
	pthread_mutex_lock(&fake.lock);
	if (fake.next_answer < fake.queued)
		a = fake.answers[fake.next_answer++];
	pthread_mutex_unlock(&fake.lock);
	if (a.size) {
		write_client(to, a.msg, a.size);
		write_client(to + round_msg(a.size), &trailer, sizeof(trailer));
	}
	return a.code;
}

/* The reply to one request: its code, and the port name for calls 33-37. */
static size_t answer(struct fake_record *r, unsigned char *reply)
{
	struct dserver_request_header h;
	struct dserver_reply_header rh = { 0, 0 };
	uint32_t name = 0;
	size_t size = sizeof(rh);

	memcpy(&h, r->bytes, sizeof(h));
	rh.number = h.number;
	switch (h.number) {
	case DSERVER_CALL_NUMBER_TASK_SELF_TRAP:
		name = FAKE_TASK_SELF;
		break;
	case DSERVER_CALL_NUMBER_HOST_SELF_TRAP:
		name = FAKE_HOST;
		break;
	case DSERVER_CALL_NUMBER_THREAD_SELF_TRAP:
		name = FAKE_THREAD;
		break;
	case DSERVER_CALL_NUMBER_THREAD_GET_SPECIAL_REPLY_PORT:
		name = FAKE_SPECIAL_REPLY;
		break;
	case DSERVER_CALL_NUMBER_MACH_REPLY_PORT:
		pthread_mutex_lock(&fake.lock);
		name = FAKE_FIRST_REPLY_PORT + 0x100u * fake.reply_ports++;
		pthread_mutex_unlock(&fake.lock);
		break;
	case DSERVER_CALL_NUMBER_MACH_MSG_OVERWRITE:
		rh.code = mach_msg_call((const void *)r->bytes, r);
		break;
	default:
		if (h.number < MAX_CALL && h.number >= DSERVER_CALL_NUMBER_MACH_PORT_DEALLOCATE) {
			size_t at = out_pointer_at(h.number);

			rh.code = fake.trap_code[h.number];
			if (rh.code == 0 && at)
				write_client(fake_u64(r, at), &fake.trap_out[h.number], 4);
		}
	}
	if (h.number >= DSERVER_CALL_NUMBER_TASK_SELF_TRAP &&
	    h.number <= DSERVER_CALL_NUMBER_THREAD_GET_SPECIAL_REPLY_PORT) {
		memcpy(reply + sizeof(rh), &name, sizeof(name));
		size += sizeof(name);
	}
	memcpy(reply, &rh, sizeof(rh));
	return size;
}

static void serve_one(void)
{
	struct fake_record r;
	struct sockaddr_un from;
	socklen_t fromlen = sizeof(from);
	unsigned char reply[16];
	ssize_t got;
	size_t size;

	memset(&r, 0, sizeof(r));
	got = recvfrom(fake.ds.sock, r.bytes, sizeof(r.bytes), MSG_DONTWAIT, (struct sockaddr *)&from,
		       &fromlen);
	if (got < (ssize_t)sizeof(struct dserver_request_header))
		return;
	r.size = (size_t)got;
	size = answer(&r, reply);
	pthread_mutex_lock(&fake.lock);
	if (fake.count < FAKE_MAX_RECORDS)
		fake.records[fake.count++] = r;
	pthread_mutex_unlock(&fake.lock);
	/* A forked child may be gone already. */
	(void)sendto(fake.ds.sock, reply, size, MSG_NOSIGNAL, (struct sockaddr *)&from, fromlen);
}

int fake_start(void)
{
	memset(&fake, 0, sizeof(fake));
	pthread_mutex_init(&fake.lock, NULL);
	return dgram_server_start(&fake.ds, false, serve_one);
}

void fake_stop(void)
{
	dgram_server_stop(&fake.ds);
	pthread_mutex_destroy(&fake.lock);
}

int fake_count(void)
{
	int n;

	pthread_mutex_lock(&fake.lock);
	n = fake.count;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

const struct fake_record *fake_record(int i)
{
	return i < fake_count() ? &fake.records[i] : NULL;
}

uint32_t fake_number(const struct fake_record *r)
{
	uint32_t number;

	memcpy(&number, r->bytes, sizeof(number));
	return number;
}

const struct fake_record *fake_find(uint32_t number, int n)
{
	int i, count = fake_count();

	for (i = 0; i < count; i++)
		if (fake_number(&fake.records[i]) == number && n-- == 0)
			return &fake.records[i];
	return NULL;
}

int fake_count_of(uint32_t number)
{
	int n = 0;

	while (fake_find(number, n))
		n++;
	return n;
}

uint32_t fake_u32(const struct fake_record *r, size_t at)
{
	uint32_t v;

	memcpy(&v, r->bytes + at, sizeof(v));
	return v;
}

uint64_t fake_u64(const struct fake_record *r, size_t at)
{
	uint64_t v;

	memcpy(&v, r->bytes + at, sizeof(v));
	return v;
}

void fake_set_trap(uint32_t number, int32_t code, uint32_t out)
{
	pthread_mutex_lock(&fake.lock);
	fake.trap_code[number] = code;
	fake.trap_out[number] = out;
	pthread_mutex_unlock(&fake.lock);
}

void fake_queue_answer(const struct fake_answer *a)
{
	pthread_mutex_lock(&fake.lock);
	if (fake.queued < MAX_ANSWERS)
		fake.answers[fake.queued++] = *a;
	pthread_mutex_unlock(&fake.lock);
}

int fake_reply_ports_made(void)
{
	int n;

	pthread_mutex_lock(&fake.lock);
	n = fake.reply_ports;
	pthread_mutex_unlock(&fake.lock);
	return n;
}
