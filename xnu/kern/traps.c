/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The _kernelrpc_mach_port_* traps. As in XNU, each works only on the
 * caller's own space: a target that does not name the caller's task is
 * MACH_SEND_INVALID_DEST. (Other tasks are reached by messages to their
 * task port, served in ipc_kobject.c.)
 */
#include <string.h>

#include "../ipc/mach_port.h"
#include "../xnu.h"
#include "kern_internal.h"

static struct ipc_space *own_space(struct xnu_thread *thread, mach_port_name_t target)
{
	struct ipc_space *space = thread->task->space;

	if (!space || port_name_to_task(space, target) != thread->task)
		return NULL;
	return space;
}

#define OWN_SPACE_OR_FAIL(space, thread, target)                 \
	struct ipc_space *space = own_space((thread), (target)); \
	if (!space)                                              \
		return MACH_SEND_INVALID_DEST

xnu_kern_return_t xnu_mach_port_allocate(struct xnu_thread *thread, xnu_port_name_t target, uint32_t right,
					 xnu_port_name_t *name)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_allocate(space, right, name);
}

xnu_kern_return_t xnu_mach_port_deallocate(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_deallocate(space, name);
}

xnu_kern_return_t xnu_mach_port_mod_refs(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					 uint32_t right, int32_t delta)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_mod_refs(space, name, right, delta);
}

xnu_kern_return_t xnu_mach_port_move_member(struct xnu_thread *thread, xnu_port_name_t target,
					    xnu_port_name_t member, xnu_port_name_t after)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_move_member(space, member, after);
}

xnu_kern_return_t xnu_mach_port_insert_right(struct xnu_thread *thread, xnu_port_name_t target,
					     xnu_port_name_t name, xnu_port_name_t poly, uint32_t poly_poly)
{
	struct ipc_object *object;
	bool dead;
	kern_return_t kr;

	OWN_SPACE_OR_FAIL(space, thread, target);
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(poly))
		return KERN_INVALID_CAPABILITY;
	if (poly_poly < MACH_MSG_TYPE_MOVE_RECEIVE || poly_poly > MACH_MSG_TYPE_MAKE_SEND_ONCE)
		return KERN_INVALID_VALUE;
	if (!ipc_right_copyin_check(space, poly, poly_poly)) {
		struct ipc_entry *entry;

		return ipc_right_lookup(space, poly, &entry) == KERN_SUCCESS ? KERN_INVALID_RIGHT : KERN_INVALID_NAME;
	}
	kr = ipc_right_copyin(space, poly, poly_poly, &object, &dead);
	if (kr != KERN_SUCCESS)
		return kr;
	if (dead)
		return KERN_INVALID_CAPABILITY;
	mach_msg_type_name_t type = ipc_object_copyin_type(poly_poly);

	kr = mach_port_insert_right(space, name, object, type);
	if (kr != KERN_SUCCESS) {
		/* Give the right back under its old name rather than lose it. */
		mach_port_name_t back;

		ipc_object_copyout(space, object, type, &back);
	}
	return kr;
}

xnu_kern_return_t xnu_mach_port_insert_member(struct xnu_thread *thread, xnu_port_name_t target,
					      xnu_port_name_t name, xnu_port_name_t pset)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_insert_member(space, name, pset);
}

xnu_kern_return_t xnu_mach_port_extract_member(struct xnu_thread *thread, xnu_port_name_t target,
					       xnu_port_name_t name, xnu_port_name_t pset)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_extract_member(space, name, pset);
}

xnu_kern_return_t xnu_mach_port_construct(struct xnu_thread *thread, xnu_port_name_t target, const void *options,
					  uint64_t context, xnu_port_name_t *name)
{
	struct mach_port_options opts;

	OWN_SPACE_OR_FAIL(space, thread, target);
	memcpy(&opts, options, sizeof(opts));
	return mach_port_construct(space, &opts, context, name);
}

xnu_kern_return_t xnu_mach_port_destruct(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					 int32_t srdelta, uint64_t guard)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_destruct(space, name, srdelta, guard);
}

xnu_kern_return_t xnu_mach_port_guard(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
				      uint64_t guard, bool strict)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_guard(space, name, guard, strict);
}

xnu_kern_return_t xnu_mach_port_unguard(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
					uint64_t guard)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_unguard(space, name, guard);
}

xnu_kern_return_t xnu_mach_port_request_notification(struct xnu_thread *thread, xnu_port_name_t target,
						     xnu_port_name_t name, int32_t msgid, uint32_t sync,
						     xnu_port_name_t notify, uint32_t notify_poly,
						     xnu_port_name_t *previous)
{
	struct ipc_object *object = NULL;
	struct ipc_port *old;
	bool dead = false;
	kern_return_t kr;

	*previous = MACH_PORT_NULL;
	OWN_SPACE_OR_FAIL(space, thread, target);
	if (MACH_PORT_VALID(notify)) {
		if (notify_poly != MACH_MSG_TYPE_MAKE_SEND_ONCE && notify_poly != MACH_MSG_TYPE_MOVE_SEND_ONCE)
			return KERN_INVALID_VALUE;
		if (!ipc_right_copyin_check(space, notify, notify_poly))
			return KERN_INVALID_CAPABILITY;
		kr = ipc_right_copyin(space, notify, notify_poly, &object, &dead);
		if (kr != KERN_SUCCESS || dead)
			return KERN_INVALID_CAPABILITY;
	}
	kr = mach_port_request_notification(space, name, msgid, sync, ipc_port_of(object), &old);
	if (kr != KERN_SUCCESS) {
		if (object)
			ipc_port_release_sonce(ipc_port_of(object));
		return kr;
	}
	if (old)
		ipc_object_copyout(space, &old->object, MACH_MSG_TYPE_PORT_SEND_ONCE, previous);
	return KERN_SUCCESS;
}

xnu_kern_return_t xnu_mach_port_get_attributes(struct xnu_thread *thread, xnu_port_name_t target,
					       xnu_port_name_t name, int32_t flavor, uint32_t *info, uint32_t *count)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	if (*count > XNU_PORT_INFO_MAX)
		*count = XNU_PORT_INFO_MAX;
	return mach_port_get_attributes(space, name, flavor, info, count);
}

xnu_kern_return_t xnu_mach_port_type(struct xnu_thread *thread, xnu_port_name_t target, xnu_port_name_t name,
				     uint32_t *type)
{
	OWN_SPACE_OR_FAIL(space, thread, target);
	return mach_port_type(space, name, type);
}

struct xnu_task *xnu_task_for_name(struct xnu_thread *thread, xnu_port_name_t name)
{
	struct xnu_task *task = thread->task->space ? port_name_to_task(thread->task->space, name) : NULL;

	return task && task->active ? task : NULL;
}
