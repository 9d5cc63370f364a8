// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * One process suspends and resumes another's threads (PROTOCOL.md §7.7):
 * thread_suspend / thread_resume on a thread port and task_suspend /
 * task_resume on the task, against a target with one thread running user
 * code (a loop that counts in shared memory) and one blocked in a Mach
 * receive. While suspended the count stands still and the receive does
 * not complete; suspensions nest; the suspender reads the running
 * thread's registers and changes one, which the thread acts on once
 * resumed; the interrupted receive completes with the right message.
 *
 * The loop is fixed instructions (below): it counts until rax is not
 * zero and returns rax, so the suspender knows where the thread must be
 * and the target reports the register the suspender set.
 */
#define _GNU_SOURCE
#include <mach/mach.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dserver/rpc.h>
#include <dserver/signal.h>

#include "kselftest_harness.h"
#include "mach_test_util.h"
#include "raw_client.h"

/* suspend_busy_loop(counter): ++*counter until rax is not zero; returns rax. */
__asm__(".text\n"
	".type suspend_busy_loop, @function\n"
	"suspend_busy_loop:\n"
	"	xorl %eax, %eax\n"
	"suspend_busy_body:\n"
	"	incq (%rdi)\n"
	"	testq %rax, %rax\n"
	"	jz suspend_busy_body\n"
	"suspend_busy_end:\n"
	"	ret\n"
	".size suspend_busy_loop, . - suspend_busy_loop\n");
uint64_t suspend_busy_loop(volatile uint64_t *counter) __asm__("suspend_busy_loop");
extern const char suspend_busy_body[] __asm__("suspend_busy_body");
extern const char suspend_busy_end[] __asm__("suspend_busy_end");

#define SUSPENDER_MAGIC 0x5005000000000042ull
#define FIRST_VALUE 0x1111222233334444ull
#define SECOND_VALUE 0x5555666677778888ull
#define RECEIVES 2
#define WAIT_MS 10000   /* bound on any one wait */
#define STILL_MS 60     /* how long a suspended thread is watched for not moving */
#define SETTLE_MS 100   /* time for a thread that announced a receive to block in it */

static struct test_server server;

/* Shared between the suspender and the target (an anonymous shared mapping made before fork). */
struct shared {
	atomic_int ready;
	volatile uint64_t counter; /* written by the loop alone */
	uint64_t loop_result;
	atomic_int loop_done;
	mach_port_name_t port; /* the target's receive right */
	atomic_int receiving;  /* receives started */
	atomic_int received;   /* receives completed */
	mach_msg_return_t results[RECEIVES];
	uint64_t values[RECEIVES];
	atomic_int quit;
	int32_t loop_tid, receiver_tid;
};

static struct shared *sh;

struct value_msg {
	mach_msg_header_t header;
	uint64_t value;
};

/* ---- the target ---- */

static void *receiver_main(void *arg)
{
	(void)arg;
	sh->receiver_tid = gettid();
	for (int i = 0; i < RECEIVES; i++) {
		struct {
			struct value_msg msg;
			mach_msg_max_trailer_t trailer;
		} buffer;

		memset(&buffer, 0, sizeof(buffer));
		atomic_store(&sh->receiving, i + 1);
		sh->results[i] = mach_msg(&buffer.msg.header, MACH_RCV_MSG, 0, sizeof(buffer), sh->port,
					  MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
		sh->values[i] = buffer.msg.value;
		atomic_store(&sh->received, i + 1);
	}
	while (!atomic_load(&sh->quit))
		mt_pause_ms(1);
	return NULL;
}

static void __attribute__((noreturn)) target_main(void)
{
	pthread_t receiver;

	if (dserver_signal_init() != 0 ||
	    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &sh->port) != KERN_SUCCESS ||
	    mach_thread_self() == MACH_PORT_NULL)
		_exit(2);
	sh->loop_tid = gettid();
	if (pthread_create(&receiver, NULL, receiver_main, NULL) != 0)
		_exit(3);
	atomic_store(&sh->ready, 1);
	sh->loop_result = suspend_busy_loop(&sh->counter);
	atomic_store(&sh->loop_done, 1);
	pthread_join(receiver, NULL);
	_exit(0);
}

/* ---- the suspender ---- */

FIXTURE(susp) {
	pid_t child;
	mach_port_t task;
	mach_port_t loop_thread, receiver_thread;
	mach_port_t send; /* to the target's port */
};

FIXTURE_SETUP(susp)
{
	ASSERT_EQ(0, test_server_start(&server, NULL));
	setenv("DSERVER_SOCKET", server.socket_path, 1);
	dserver_client_forget_thread();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	self->child = -1;
	ASSERT_NE(MACH_PORT_NULL, mach_task_self());
}

FIXTURE_TEARDOWN(susp)
{
	mt_stop_child(&self->child);
	munmap(sh, sizeof(*sh));
	dserver_client_forget_thread();
	EXPECT_EQ(0, test_server_stop(&server));
}

/* The port of the target's thread with this tid among task_threads', or MACH_PORT_NULL. */
static mach_port_t thread_with_tid(mach_port_t task, int32_t tid)
{
	thread_act_array_t threads = NULL;
	mach_msg_type_number_t count = 0;
	mach_port_t found = MACH_PORT_NULL;

	if (task_threads(task, &threads, &count) != KERN_SUCCESS)
		return MACH_PORT_NULL;
	for (mach_msg_type_number_t i = 0; i < count; i++) {
		int32_t t = 0;

		if (found == MACH_PORT_NULL && dserver_rpc_tid_for_thread(threads[i], &t) == 0 && t == tid)
			found = threads[i];
		else
			mach_port_deallocate(mach_task_self(), threads[i]);
	}
	vm_deallocate(mach_task_self(), (vm_address_t)threads, count * sizeof(*threads));
	return found;
}

/* Starts the target and waits until its loop counts and its receiver has started its first receive. */
static bool start_target(FIXTURE_DATA(susp) *self)
{
	mach_msg_type_name_t type;

	self->child = fork();
	if (self->child == 0)
		target_main();
	if (self->child < 0 || !mt_wait_for(&sh->ready, 1, WAIT_MS) || !mt_wait_for(&sh->receiving, 1, WAIT_MS) ||
	    task_for_pid(mach_task_self(), self->child, &self->task) != KERN_SUCCESS)
		return false;
	for (int waited = 0; sh->counter == 0; waited++) {
		if (waited >= WAIT_MS)
			return false;
		mt_pause_ms(1);
	}
	mt_pause_ms(SETTLE_MS);
	/* The receiver is known to the server from its first call on. */
	self->loop_thread = thread_with_tid(self->task, sh->loop_tid);
	self->receiver_thread = thread_with_tid(self->task, sh->receiver_tid);
	return self->loop_thread != MACH_PORT_NULL && self->receiver_thread != MACH_PORT_NULL &&
	       mach_port_extract_right(self->task, sh->port, MACH_MSG_TYPE_MAKE_SEND, &self->send, &type) ==
		       KERN_SUCCESS;
}

static kern_return_t send_value(mach_port_t port, uint64_t value)
{
	struct value_msg m = {
		.header = { .msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), .msgh_size = sizeof(m),
			    .msgh_remote_port = port, .msgh_id = 1234 },
		.value = value,
	};

	return mach_msg(&m.header, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
			MACH_PORT_NULL);
}

/* The count does not move for a while: the loop is stopped. */
static bool loop_stands_still(void)
{
	uint64_t before = sh->counter;

	mt_pause_ms(STILL_MS);
	return sh->counter == before;
}

/* The count moves again within WAIT_MS. */
static bool loop_runs(void)
{
	uint64_t before = sh->counter;

	for (int waited = 0; sh->counter == before; waited++) {
		if (waited >= WAIT_MS)
			return false;
		mt_pause_ms(1);
	}
	return true;
}

static int suspend_count(mach_port_t thread)
{
	thread_basic_info_data_t info;
	mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;

	if (thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)&info, &count) != KERN_SUCCESS)
		return -1;
	return info.suspend_count;
}

TEST_F(susp, running_thread_suspends_nest_and_resume)
{
	ASSERT_TRUE(start_target(self));
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->loop_thread));
	EXPECT_TRUE(loop_stands_still());
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->loop_thread));
	EXPECT_EQ(2, suspend_count(self->loop_thread));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->loop_thread));
	EXPECT_EQ(1, suspend_count(self->loop_thread));
	EXPECT_TRUE(loop_stands_still());
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->loop_thread));
	EXPECT_EQ(0, suspend_count(self->loop_thread));
	EXPECT_TRUE(loop_runs());
	EXPECT_EQ(KERN_FAILURE, thread_resume(self->loop_thread));

	/* The task's suspension stops it too, and nests with the thread's own. */
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	EXPECT_TRUE(loop_stands_still());
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(loop_stands_still());
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->loop_thread));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_EQ(KERN_FAILURE, task_resume(self->task));
	EXPECT_TRUE(loop_stands_still()); /* still held by its own count */

	/* Stopped in the loop: the suspender sees where, and makes it return. */
	x86_thread_state64_t state;

	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(self->loop_thread, &state));
	EXPECT_TRUE(state.rip >= (uintptr_t)suspend_busy_body && state.rip < (uintptr_t)suspend_busy_end)
		TH_LOG("rip %#llx outside the loop [%p, %p)", (unsigned long long)state.rip, suspend_busy_body,
		       suspend_busy_end);
	EXPECT_EQ((uintptr_t)&sh->counter, state.rdi);
	EXPECT_EQ(0, state.rax);
	state.rax = SUSPENDER_MAGIC;
	ASSERT_EQ(KERN_SUCCESS, mt_set_state64(self->loop_thread, &state));
	EXPECT_TRUE(loop_stands_still());
	EXPECT_EQ(0, atomic_load(&sh->loop_done));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->loop_thread));
	ASSERT_TRUE(mt_wait_for(&sh->loop_done, 1, WAIT_MS));
	EXPECT_EQ(SUSPENDER_MAGIC, sh->loop_result);

	/* Let the receiver finish. */
	ASSERT_EQ(KERN_SUCCESS, send_value(self->send, FIRST_VALUE));
	ASSERT_EQ(KERN_SUCCESS, send_value(self->send, SECOND_VALUE));
	atomic_store(&sh->quit, 1);
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

TEST_F(susp, thread_blocked_in_a_receive)
{
	ASSERT_TRUE(start_target(self));

	/* thread_suspend / thread_resume: the message sent meanwhile is received after the resume. */
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->receiver_thread));
	EXPECT_EQ(1, suspend_count(self->receiver_thread));
	ASSERT_EQ(KERN_SUCCESS, send_value(self->send, FIRST_VALUE));
	mt_pause_ms(STILL_MS);
	EXPECT_EQ(0, atomic_load(&sh->received));
	/* Its registers are those of the signal that stopped it: a real stack pointer and pc. */
	x86_thread_state64_t state;

	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(self->receiver_thread, &state));
	EXPECT_NE(0, state.rip);
	EXPECT_NE(0, state.rsp);
	EXPECT_TRUE(loop_runs()); /* the other thread was not stopped */
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->receiver_thread));
	ASSERT_TRUE(mt_wait_for(&sh->received, 1, WAIT_MS));
	EXPECT_EQ(MACH_MSG_SUCCESS, sh->results[0]);
	EXPECT_EQ(FIRST_VALUE, sh->values[0]);

	/* task_suspend / task_resume, nested, around the second receive. */
	ASSERT_TRUE(mt_wait_for(&sh->receiving, 2, WAIT_MS));
	mt_pause_ms(SETTLE_MS);
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, task_suspend(self->task));
	ASSERT_EQ(KERN_SUCCESS, send_value(self->send, SECOND_VALUE));
	EXPECT_TRUE(loop_stands_still());
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	EXPECT_TRUE(loop_stands_still());
	EXPECT_EQ(1, atomic_load(&sh->received));
	ASSERT_EQ(KERN_SUCCESS, task_resume(self->task));
	ASSERT_TRUE(mt_wait_for(&sh->received, 2, WAIT_MS));
	EXPECT_EQ(MACH_MSG_SUCCESS, sh->results[1]);
	EXPECT_EQ(SECOND_VALUE, sh->values[1]);
	EXPECT_TRUE(loop_runs());

	/* End the loop the same way as above, and the target. */
	ASSERT_EQ(KERN_SUCCESS, thread_suspend(self->loop_thread));
	ASSERT_EQ(KERN_SUCCESS, mt_get_state64(self->loop_thread, &state));
	state.rax = SUSPENDER_MAGIC;
	ASSERT_EQ(KERN_SUCCESS, mt_set_state64(self->loop_thread, &state));
	ASSERT_EQ(KERN_SUCCESS, thread_resume(self->loop_thread));
	ASSERT_TRUE(mt_wait_for(&sh->loop_done, 1, WAIT_MS));
	EXPECT_EQ(SUSPENDER_MAGIC, sh->loop_result);
	atomic_store(&sh->quit, 1);
	EXPECT_EQ(0, mt_wait_timeout(&self->child, WAIT_MS));
}

TEST_HARNESS_MAIN
