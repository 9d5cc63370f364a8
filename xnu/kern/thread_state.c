/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * thread_get_state / thread_set_state: the registers of a client thread
 * are those of the signal it is handling, held by the server in the
 * thread's current frame (struct xnu_user_state). Without a frame they
 * read as zeros and cannot be set. The flavors and their checks are
 * XNU's x86 ones (osfmk/i386/pcb.c): a flavor of the other bitness than
 * the task's, or too little room, is KERN_INVALID_ARGUMENT; a state to set
 * must have exactly its flavor's size.
 *
 * A frame the server filled from a signal record has no float state yet
 * (float_pending): it is read from the client when a float flavor is
 * first asked for, also for an exception message that carries one, and a
 * client that cannot be read then makes that request fail, as a thread
 * whose state cannot be fetched does in XNU.
 */
#include <string.h>

#include "kern_internal.h"

#define THREAD_STATE64_SIZE sizeof(x86_thread_state64_t)
#define THREAD_STATE32_SIZE sizeof(x86_thread_state32_t)
#define FLOAT_STATE_SIZE sizeof(x86_float_state64_t) /* the same for both bitnesses */
#define HEADER_WORDS (sizeof(x86_state_hdr_t) / 4)

/* Where rip and rsp may point in user space (XNU's IS_USERADDR64_CANONICAL). */
#define USER_ADDRESS_LIMIT 0x00007FFFFFFFF000ull
/* rflags a user state may not change (IOPL, NT, RF) and must keep (IF). */
#define EFL_USER_CLEAR 0x00017000ull
#define EFL_USER_SET 0x00000200ull

_Static_assert(sizeof(((struct xnu_user_state *)0)->thread_state) == THREAD_STATE64_SIZE, "frame layout");
_Static_assert(sizeof(((struct xnu_user_state *)0)->float_state) == FLOAT_STATE_SIZE, "frame layout");

/* The frame a debugger sees: the parked call's while there is one, else the current one. */
static struct xnu_user_state *thread_frame(struct xnu_thread *thread)
{
	return thread->parked_state ? thread->parked_state : thread->user_state;
}

static const struct xnu_user_state zero_frame;

static void get_exception_state(const struct xnu_thread *thread, bool have_frame, bool is_64_bit, void *out)
{
	struct exception_info info = have_frame ? thread->exc_info : (struct exception_info){ 0 };

	/* cpu is reported as 0, as XNU does for binary compatibility. */
	if (is_64_bit) {
		x86_exception_state64_t es = { .trapno = info.trapno, .err = info.err, .faultvaddr = info.faultvaddr };

		memcpy(out, &es, sizeof(es));
	} else {
		x86_exception_state32_t es = { .trapno = info.trapno, .err = info.err,
					       .faultvaddr = (uint32_t)info.faultvaddr };

		memcpy(out, &es, sizeof(es));
	}
}

/* The frame's float state is the client's: read it now if the server has not yet. */
static kern_return_t load_float_state(struct xnu_user_state *frame)
{
	if (!frame || !frame->float_pending)
		return KERN_SUCCESS;
	if (host_load_float_state(frame) != 0)
		return KERN_FAILURE;
	frame->float_pending = false;
	return KERN_SUCCESS;
}

/* The flavor's own state (not the tagged unified form) into out, *words its size. */
static kern_return_t get_plain(struct xnu_thread *thread, thread_state_flavor_t flavor, bool is_64_bit, void *out,
			       uint32_t *words)
{
	struct xnu_user_state *frame = thread_frame(thread);
	const struct xnu_user_state *f = frame ? frame : &zero_frame;

	switch (flavor) {
	case x86_THREAD_STATE64:
	case x86_THREAD_STATE32: {
		size_t size = is_64_bit ? THREAD_STATE64_SIZE : THREAD_STATE32_SIZE;

		memcpy(out, f->thread_state, size);
		*words = (uint32_t)(size / 4);
		return KERN_SUCCESS;
	}
	case x86_FLOAT_STATE64:
	case x86_FLOAT_STATE32: {
		kern_return_t kr = load_float_state(frame);

		if (kr != KERN_SUCCESS)
			return kr;
		memcpy(out, f->float_state, FLOAT_STATE_SIZE);
		*words = FLOAT_STATE_SIZE / 4;
		return KERN_SUCCESS;
	}
	default:
		get_exception_state(thread, frame != NULL, is_64_bit, out);
		*words = is_64_bit ? x86_EXCEPTION_STATE64_COUNT : x86_EXCEPTION_STATE32_COUNT;
		return KERN_SUCCESS;
	}
}

/* The 64- and 32-bit flavors of a family; the unified one is 64-bit + 3. */
static bool flavor_family(thread_state_flavor_t flavor, thread_state_flavor_t *f64, thread_state_flavor_t *f32)
{
	switch (flavor) {
	case x86_THREAD_STATE64: case x86_THREAD_STATE32: case x86_THREAD_STATE:
		*f64 = x86_THREAD_STATE64, *f32 = x86_THREAD_STATE32;
		return true;
	case x86_FLOAT_STATE64: case x86_FLOAT_STATE32: case x86_FLOAT_STATE:
		*f64 = x86_FLOAT_STATE64, *f32 = x86_FLOAT_STATE32;
		return true;
	case x86_EXCEPTION_STATE64: case x86_EXCEPTION_STATE32: case x86_EXCEPTION_STATE:
		*f64 = x86_EXCEPTION_STATE64, *f32 = x86_EXCEPTION_STATE32;
		return true;
	default:
		return false;
	}
}

static uint32_t flavor_words(thread_state_flavor_t flavor)
{
	switch (flavor) {
	case x86_THREAD_STATE64: return x86_THREAD_STATE64_COUNT;
	case x86_THREAD_STATE32: return x86_THREAD_STATE32_COUNT;
	case x86_THREAD_STATE: return x86_THREAD_STATE_COUNT;
	case x86_FLOAT_STATE64: return x86_FLOAT_STATE64_COUNT;
	case x86_FLOAT_STATE32: return x86_FLOAT_STATE32_COUNT;
	case x86_FLOAT_STATE: return x86_FLOAT_STATE_COUNT;
	case x86_EXCEPTION_STATE64: return x86_EXCEPTION_STATE64_COUNT;
	case x86_EXCEPTION_STATE32: return x86_EXCEPTION_STATE32_COUNT;
	default: return x86_EXCEPTION_STATE_COUNT;
	}
}

kern_return_t thread_state_get(struct xnu_thread *thread, thread_state_flavor_t flavor, uint32_t *state,
			       uint32_t *count)
{
	bool is_64_bit = thread->task->is_64_bit;
	thread_state_flavor_t f64, f32;

	if (!thread->active)
		return KERN_TERMINATED;
	if (!flavor_family(flavor, &f64, &f32) || *count < flavor_words(flavor))
		return KERN_INVALID_ARGUMENT;
	if (flavor == f64 || flavor == f32) {
		if ((flavor == f64) != is_64_bit)
			return KERN_INVALID_ARGUMENT;
		return get_plain(thread, flavor, is_64_bit, state, count);
	}
	/* The unified flavor: a header naming the task's flavor, then that state, zero-padded. */
	uint32_t words = flavor_words(flavor);
	x86_state_hdr_t hdr = { .flavor = (uint32_t)(is_64_bit ? f64 : f32) };
	kern_return_t kr;

	memset(state, 0, 4 * words);
	kr = get_plain(thread, (thread_state_flavor_t)hdr.flavor, is_64_bit, state + HEADER_WORDS, &hdr.count);
	if (kr != KERN_SUCCESS)
		return kr;
	memcpy(state, &hdr, sizeof(hdr));
	*count = words;
	return KERN_SUCCESS;
}

static bool user_address(uint64_t address)
{
	return address < USER_ADDRESS_LIMIT;
}

/* Check and install a plain (non-unified) state of the task's bitness. */
static kern_return_t set_plain(struct xnu_user_state *frame, thread_state_flavor_t flavor, const uint32_t *state)
{
	switch (flavor) {
	case x86_THREAD_STATE64: {
		x86_thread_state64_t ts;

		memcpy(&ts, state, sizeof(ts));
		if (!user_address(ts.rip) || !user_address(ts.rsp))
			return KERN_INVALID_ARGUMENT;
		ts.rflags = (ts.rflags & ~EFL_USER_CLEAR) | EFL_USER_SET;
		if (frame) {
			memcpy(frame->thread_state, &ts, sizeof(ts));
			frame->modified = true;
		}
		break;
	}
	case x86_THREAD_STATE32: {
		x86_thread_state32_t ts;

		memcpy(&ts, state, sizeof(ts));
		ts.eflags = (uint32_t)((ts.eflags & ~EFL_USER_CLEAR) | EFL_USER_SET);
		if (frame) {
			memcpy(frame->thread_state, &ts, sizeof(ts));
			frame->modified = true;
		}
		break;
	}
	case x86_FLOAT_STATE64:
	case x86_FLOAT_STATE32:
		/* Replaced whole: what the client had is of no use any more. */
		if (frame) {
			memcpy(frame->float_state, state, FLOAT_STATE_SIZE);
			frame->float_pending = false;
			frame->float_modified = true;
		}
		break;
	default:
		/* The exception state describes the fault; it cannot be set. */
		return KERN_INVALID_ARGUMENT;
	}
	return frame ? KERN_SUCCESS : KERN_FAILURE;
}

kern_return_t thread_state_set(struct xnu_thread *thread, thread_state_flavor_t flavor, const uint32_t *state,
			       uint32_t count)
{
	bool is_64_bit = thread->task->is_64_bit;
	struct xnu_user_state *frame = thread_frame(thread);
	thread_state_flavor_t f64, f32;

	if (!thread->active)
		return KERN_TERMINATED;
	if (!flavor_family(flavor, &f64, &f32) || count != flavor_words(flavor))
		return KERN_INVALID_ARGUMENT;
	if (flavor == f64 || flavor == f32) {
		if ((flavor == f64) != is_64_bit)
			return KERN_INVALID_ARGUMENT;
		return set_plain(frame, flavor, state);
	}
	/* The unified flavor: its header must name the task's flavor, with that flavor's size. */
	x86_state_hdr_t hdr;
	thread_state_flavor_t inner = is_64_bit ? f64 : f32;

	memcpy(&hdr, state, sizeof(hdr));
	if (hdr.flavor != (uint32_t)inner || hdr.count != flavor_words(inner))
		return KERN_INVALID_ARGUMENT;
	return set_plain(frame, inner, state + HEADER_WORDS);
}
