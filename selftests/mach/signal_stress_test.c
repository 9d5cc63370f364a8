// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * The race stress test of issue 5: pairs of threads play Mach message
 * ping-pong with a sequence number in every message, and make other calls
 * whose answers are known, while another thread sends them signals every
 * 100 µs or less (each thread in turn). The signal handlers make calls too (and signal 35 makes the server
 * answer spurious s2c_perform calls). Every reply is checked against its
 * call: a mismatch, a lost message or a deadlock fails the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>

#include "kselftest_harness.h"
#include "raw_client.h"

#define PAIRS 3
#define RUN_SECONDS 4
#define MAX_RUN_SECONDS 30
#define MIN_ROUND_TRIPS 100
#define SIGNAL_PERIOD_NS 90000 /* between two signals, on an absolute schedule */
#define RECEIVE_TIMEOUT_MS 10000 /* a lost message shows as a timeout */
#define STOP UINT64_MAX

static struct test_server server;
static atomic_bool stop;
static atomic_long handler_runs, handler_failures, mismatches, lost, call_failures, round_trips;

struct seq_msg {
	mach_msg_header_t header;
	uint64_t seq;
};

struct seq_buffer {
	struct seq_msg msg;
	mach_msg_max_trailer_t trailer;
};

struct pair {
	mach_port_t ping_port, pong_port;
	pthread_t ping, pong;
	atomic_int ping_tid, pong_tid;
};

static void handler(int sig, siginfo_t *info, void *context)
{
	mach_port_t port = MACH_PORT_NULL;
	mach_port_type_t type = 0;

	(void)sig;
	(void)info;
	(void)context;
	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
	    mach_port_type(mach_task_self(), port, &type) != KERN_SUCCESS || type != MACH_PORT_TYPE_RECEIVE ||
	    mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1) != KERN_SUCCESS)
		atomic_fetch_add(&handler_failures, 1);
	atomic_fetch_add(&handler_runs, 1);
}

static kern_return_t send_seq(mach_port_t port, uint64_t seq)
{
	struct seq_msg m = {
		.header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), .msgh_size = sizeof(m),
			    .msgh_remote_port = port, .msgh_id = 1000 },
		.seq = seq,
	};

	return mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

/* The next sequence number on port, or STOP - 1 after a failure (counted). */
static uint64_t receive_seq(mach_port_t port)
{
	struct seq_buffer b;
	mach_msg_return_t mr;

	memset(&b, 0, sizeof(b));
	mr = mach_msg(&b.msg.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(b), port, RECEIVE_TIMEOUT_MS,
		      MACH_PORT_NULL);
	if (mr == MACH_RCV_TIMED_OUT) {
		atomic_fetch_add(&lost, 1);
		return STOP - 1;
	}
	if (mr != MACH_MSG_SUCCESS || b.msg.header.msgh_size != sizeof(struct seq_msg) ||
	    b.msg.header.msgh_id != 1000) {
		atomic_fetch_add(&call_failures, 1);
		return STOP - 1;
	}
	return b.msg.seq;
}

/* A call with a known answer between the messages: the right reply must come back. */
static void known_answer_call(mach_port_t port)
{
	mach_port_type_t type = 0;

	if (mach_port_type(mach_task_self(), port, &type) != KERN_SUCCESS ||
	    type != (MACH_PORT_TYPE_RECEIVE | MACH_PORT_TYPE_SEND))
		atomic_fetch_add(&mismatches, 1);
}

static void *ping_main(void *arg)
{
	struct pair *p = arg;

	atomic_store(&p->ping_tid, gettid());
	for (uint64_t seq = 1; !atomic_load(&stop); seq++) {
		if (send_seq(p->pong_port, seq) != KERN_SUCCESS) {
			atomic_fetch_add(&call_failures, 1);
			break;
		}
		uint64_t answer = receive_seq(p->ping_port);

		if (answer == STOP - 1)
			break;
		if (answer != seq + 1000000) {
			atomic_fetch_add(&mismatches, 1);
			break;
		}
		known_answer_call(p->ping_port);
		atomic_fetch_add(&round_trips, 1);
	}
	send_seq(p->pong_port, STOP);
	atomic_store(&p->ping_tid, 0);
	return NULL;
}

static void *pong_main(void *arg)
{
	struct pair *p = arg;

	atomic_store(&p->pong_tid, gettid());
	for (uint64_t expected = 1;; expected++) {
		uint64_t seq = receive_seq(p->pong_port);

		if (seq == STOP || seq == STOP - 1)
			break;
		if (seq != expected) {
			atomic_fetch_add(&mismatches, 1);
			break;
		}
		known_answer_call(p->pong_port);
		if (send_seq(p->ping_port, seq + 1000000) != KERN_SUCCESS) {
			atomic_fetch_add(&call_failures, 1);
			break;
		}
	}
	atomic_store(&p->pong_tid, 0);
	return NULL;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	ASSERT_EQ(0, dserver_signal_init());
	ASSERT_EQ(0, dserver_signal_install(SIGUSR1, handler));
	ASSERT_EQ(0, dserver_signal_install(SIGUSR2, handler));
}

FIXTURE_TEARDOWN(stress)
{
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static mach_port_t port_with_send(void)
{
	mach_port_t port = MACH_PORT_NULL;

	if (mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS ||
	    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	return port;
}

TEST_F_TIMEOUT(stress, ping_pong_under_a_storm_of_signals, 60)
{
	static struct pair pairs[PAIRS];
	static const int signals[] = { SIGUSR1, SIGUSR2, DSERVER_SIGNAL_S2C };
	uint64_t start = now_ns(), deadline = start + RUN_SECONDS * 1000000000ull;
	uint64_t give_up = start + MAX_RUN_SECONDS * 1000000000ull;
	long sent = 0;

	for (int i = 0; i < PAIRS; i++) {
		pairs[i].ping_port = port_with_send();
		pairs[i].pong_port = port_with_send();
		ASSERT_NE(MACH_PORT_NULL, pairs[i].ping_port);
		ASSERT_NE(MACH_PORT_NULL, pairs[i].pong_port);
		ASSERT_EQ(0, pthread_create(&pairs[i].pong, NULL, pong_main, &pairs[i]));
		ASSERT_EQ(0, pthread_create(&pairs[i].ping, NULL, ping_main, &pairs[i]));
	}
	/*
	 * One signal per period, to each thread in turn, on an absolute
	 * schedule that catches up after a delay, without the default 50 us of
	 * timer slack. On a loaded machine the storm goes on past RUN_SECONDS
	 * until every signal of the schedule is out and the pairs have made
	 * MIN_ROUND_TRIPS under it (or MAX_RUN_SECONDS).
	 */
	prctl(PR_SET_TIMERSLACK, 1UL);
	for (long tick = 0; (now_ns() < deadline || sent < RUN_SECONDS * 10000 ||
			     atomic_load(&round_trips) <= MIN_ROUND_TRIPS) && now_ns() < give_up;
	     tick++) {
		struct pair *p = &pairs[(tick / 2) % PAIRS];
		int tid = atomic_load(tick % 2 ? &p->pong_tid : &p->ping_tid);
		int sig = signals[(tick / (2 * PAIRS)) % 3];
		uint64_t next = start + (uint64_t)(tick + 1) * SIGNAL_PERIOD_NS;
		struct timespec at = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };

		if (tid > 0 && syscall(SYS_tgkill, getpid(), tid, sig) == 0)
			sent++;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < PAIRS; i++) {
		struct timespec limit;

		clock_gettime(CLOCK_REALTIME, &limit);
		limit.tv_sec += 20;
		ASSERT_EQ(0, pthread_timedjoin_np(pairs[i].ping, NULL, &limit)) TH_LOG("pair %d: deadlock", i);
		ASSERT_EQ(0, pthread_timedjoin_np(pairs[i].pong, NULL, &limit)) TH_LOG("pair %d: deadlock", i);
	}
	TH_LOG("%ld signals sent, %ld handled, %ld round trips", sent, atomic_load(&handler_runs),
	       atomic_load(&round_trips));
	EXPECT_EQ(0, atomic_load(&mismatches));
	EXPECT_EQ(0, atomic_load(&lost));
	EXPECT_EQ(0, atomic_load(&call_failures));
	EXPECT_EQ(0, atomic_load(&handler_failures));
	EXPECT_LE(RUN_SECONDS * 10000, sent) TH_LOG("the storm fell behind one signal per 100 us for %d s", MAX_RUN_SECONDS);
	EXPECT_LT(100, atomic_load(&handler_runs));
	EXPECT_LT(MIN_ROUND_TRIPS, atomic_load(&round_trips));
}

TEST_HARNESS_MAIN
