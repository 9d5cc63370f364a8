/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The mach_port_* operations on a space, with XNU's argument checks and
 * return codes. The trap wrappers (xnu.h) and the MIG server (kern/) call
 * these.
 */
#include <stdlib.h>
#include <string.h>

#include "../kern/kern_internal.h"
#include "ipc_internal.h"
#include "mach_port.h"

/* A new right under a name the space picks (named false) or under *namep. */
static kern_return_t allocate(struct ipc_space *space, mach_port_right_t right, bool named, mach_port_name_t *namep)
{
	struct ipc_port *port;
	struct ipc_pset *pset;
	struct ipc_entry *entry;
	kern_return_t kr;

	switch (right) {
	case MACH_PORT_RIGHT_RECEIVE:
		return named ? ipc_port_alloc_name(space, *namep, &port) : ipc_port_alloc(space, namep, &port);
	case MACH_PORT_RIGHT_PORT_SET:
		return named ? ipc_pset_alloc_name(space, *namep, &pset) : ipc_pset_alloc(space, namep, &pset);
	case MACH_PORT_RIGHT_DEAD_NAME:
		kr = named ? ipc_entry_alloc_name(space, *namep, &entry) : ipc_entry_alloc(space, namep, &entry);
		if (kr == KERN_SUCCESS) {
			entry->type = MACH_PORT_TYPE_DEAD_NAME;
			entry->urefs = 1;
		}
		return kr;
	default:
		return KERN_INVALID_VALUE;
	}
}

kern_return_t mach_port_allocate(struct ipc_space *space, mach_port_right_t right, mach_port_name_t *namep)
{
	return allocate(space, right, false, namep);
}

kern_return_t mach_port_allocate_name(struct ipc_space *space, mach_port_right_t right, mach_port_name_t name)
{
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_VALUE;
	return allocate(space, right, true, &name);
}

kern_return_t mach_port_destroy(struct ipc_space *space, mach_port_name_t name)
{
	struct ipc_entry *entry;

	if (!MACH_PORT_VALID(name))
		return KERN_SUCCESS;
	if (!(entry = ipc_entry_lookup(space, name)))
		return KERN_INVALID_NAME;
	return ipc_right_destroy(space, name, entry);
}

kern_return_t mach_port_deallocate(struct ipc_space *space, mach_port_name_t name)
{
	struct ipc_entry *entry;

	if (!MACH_PORT_VALID(name))
		return KERN_SUCCESS;
	if (!(entry = ipc_entry_lookup(space, name)))
		return KERN_INVALID_NAME;
	return ipc_right_dealloc(space, name, entry);
}

kern_return_t mach_port_mod_refs(struct ipc_space *space, mach_port_name_t name, mach_port_right_t right,
				 mach_port_delta_t delta)
{
	struct ipc_entry *entry;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name)) {
		if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE)
			return KERN_SUCCESS;
		return KERN_INVALID_NAME;
	}
	if (!(entry = ipc_entry_lookup(space, name)))
		return KERN_INVALID_NAME;
	return ipc_right_delta(space, name, entry, right, delta);
}

kern_return_t mach_port_get_refs(struct ipc_space *space, mach_port_name_t name, mach_port_right_t right,
				 mach_port_urefs_t *urefsp)
{
	struct ipc_entry *entry;
	mach_port_type_t type;
	mach_port_urefs_t urefs;

	if (right >= MACH_PORT_RIGHT_NUMBER)
		return KERN_INVALID_VALUE;
	if (!MACH_PORT_VALID(name)) {
		if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_SEND_ONCE) {
			*urefsp = 1;
			return KERN_SUCCESS;
		}
		return KERN_INVALID_NAME;
	}
	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	ipc_right_info(space, name, entry, &type, &urefs);
	if (!(type & MACH_PORT_TYPE(right)))
		*urefsp = 0;
	else if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME)
		*urefsp = urefs;
	else
		*urefsp = 1;
	return KERN_SUCCESS;
}

kern_return_t mach_port_type(struct ipc_space *space, mach_port_name_t name, mach_port_type_t *typep)
{
	struct ipc_entry *entry;
	mach_port_urefs_t urefs;

	if (name == MACH_PORT_NULL)
		return KERN_INVALID_NAME;
	if (name == MACH_PORT_DEAD) {
		*typep = MACH_PORT_TYPE_DEAD_NAME;
		return KERN_SUCCESS;
	}
	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	ipc_right_info(space, name, entry, typep, &urefs);
	/* XNU keeps the send-possible bits for mach_port_names only. */
	*typep &= ~(MACH_PORT_TYPE_SPREQUEST | MACH_PORT_TYPE_SPREQUEST_DELAYED);
	return KERN_SUCCESS;
}

kern_return_t ipc_port_translate_receive(struct ipc_space *space, mach_port_name_t name, struct ipc_port **portp)
{
	struct ipc_entry *entry;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
		return KERN_INVALID_RIGHT;
	*portp = ipc_port_of(entry->object);
	return KERN_SUCCESS;
}

static kern_return_t lookup_pset(struct ipc_space *space, mach_port_name_t name, struct ipc_pset **psetp)
{
	struct ipc_entry *entry;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_RIGHT;
	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	if (!(entry->type & MACH_PORT_TYPE_PORT_SET))
		return KERN_INVALID_RIGHT;
	*psetp = (struct ipc_pset *)entry->object;
	return KERN_SUCCESS;
}

kern_return_t mach_port_move_member(struct ipc_space *space, mach_port_name_t member, mach_port_name_t after)
{
	struct ipc_port *port;
	struct ipc_pset *pset = NULL;
	kern_return_t kr;

	if (after == MACH_PORT_DEAD)
		return KERN_INVALID_RIGHT;
	if ((kr = ipc_port_translate_receive(space, member, &port)) != KERN_SUCCESS)
		return kr;
	if (after != MACH_PORT_NULL && (kr = lookup_pset(space, after, &pset)) != KERN_SUCCESS)
		return kr;
	if (!pset) {
		if (!port->set_count)
			return KERN_NOT_IN_SET;
		ipc_port_leave_sets(port);
		return KERN_SUCCESS;
	}
	/* Into `after`, out of every other set. */
	for (uint32_t i = port->set_count; i-- > 0;) {
		if (port->sets[i] != pset)
			ipc_pset_remove(port->sets[i], port);
	}
	if (ipc_pset_has_member(pset, port))
		return KERN_SUCCESS;
	return ipc_pset_add(pset, port);
}

/* insert_member / extract_member: the receive right `name` and the set `psname`, then op. */
static kern_return_t member_op(struct ipc_space *space, mach_port_name_t name, mach_port_name_t psname,
			       kern_return_t (*op)(struct ipc_pset *pset, struct ipc_port *port))
{
	struct ipc_port *port;
	struct ipc_pset *pset;
	kern_return_t kr;

	if (!MACH_PORT_VALID(name) || !MACH_PORT_VALID(psname))
		return KERN_INVALID_RIGHT;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	if ((kr = lookup_pset(space, psname, &pset)) != KERN_SUCCESS)
		return kr;
	return op(pset, port);
}

kern_return_t mach_port_insert_member(struct ipc_space *space, mach_port_name_t name, mach_port_name_t psname)
{
	return member_op(space, name, psname, ipc_pset_add);
}

kern_return_t mach_port_extract_member(struct ipc_space *space, mach_port_name_t name, mach_port_name_t psname)
{
	return member_op(space, name, psname, ipc_pset_remove);
}

kern_return_t mach_port_get_set_status(struct ipc_space *space, mach_port_name_t name,
				       mach_port_name_t **members, uint32_t *count)
{
	struct ipc_pset *pset;
	kern_return_t kr = lookup_pset(space, name, &pset);

	if (kr != KERN_SUCCESS)
		return kr;
	*members = calloc(pset->member_count ? pset->member_count : 1, sizeof(**members));
	if (!*members)
		return KERN_RESOURCE_SHORTAGE;
	*count = 0;
	for (uint32_t i = 0; i < pset->member_count; i++) {
		/* Only members whose receive right is in this space have a name here. */
		if (pset->members[i]->receiver == space)
			(*members)[(*count)++] = pset->members[i]->receiver_name;
	}
	/* XNU reports the members in ascending name order. */
	for (uint32_t i = 1; i < *count; i++) {
		mach_port_name_t member = (*members)[i];
		uint32_t j = i;

		for (; j > 0 && (*members)[j - 1] > member; j--)
			(*members)[j] = (*members)[j - 1];
		(*members)[j] = member;
	}
	return KERN_SUCCESS;
}

static void port_status(struct ipc_port *port, struct mach_port_status *st)
{
	memset(st, 0, sizeof(*st));
	st->mps_pset = port->set_count > 0; /* XNU reports membership, not a name */
	st->mps_seqno = port->seqno;
	st->mps_mscount = port->mscount;
	st->mps_qlimit = port->qlimit;
	st->mps_msgcount = port->msgcount;
	st->mps_sorights = port->sorights;
	st->mps_srights = port->srights > 0;
	st->mps_pdrequest = port->pdrequest != NULL;
	st->mps_nsrequest = port->nsrequest != NULL;
	if (port->guarded)
		st->mps_flags |= MACH_PORT_STATUS_FLAG_GUARDED;
	if (port->guarded && port->strict_guard)
		st->mps_flags |= MACH_PORT_STATUS_FLAG_STRICT_GUARD;
	if (port->guarded && port->immovable_receive)
		st->mps_flags |= MACH_PORT_STATUS_FLAG_GUARD_IMMOVABLE_RECEIVE;
}

kern_return_t mach_port_get_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
				       uint32_t *info, uint32_t *count)
{
	struct ipc_port *port;
	kern_return_t kr;
	uint32_t need;

	switch (flavor) {
	case MACH_PORT_LIMITS_INFO:
		need = 1;
		break;
	case MACH_PORT_RECEIVE_STATUS:
		need = MACH_PORT_RECEIVE_STATUS_COUNT;
		break;
	case MACH_PORT_DNREQUESTS_SIZE:
		need = 1;
		break;
	case MACH_PORT_INFO_EXT:
		need = MACH_PORT_INFO_EXT_COUNT;
		break;
	default:
		return KERN_INVALID_ARGUMENT;
	}
	if (*count < need)
		return KERN_FAILURE;
	if (!MACH_PORT_VALID(name) && (flavor == MACH_PORT_LIMITS_INFO || flavor == MACH_PORT_DNREQUESTS_SIZE)) {
		/* XNU answers these for a null name: no limits, no requests. */
		info[0] = 0;
		*count = flavor == MACH_PORT_LIMITS_INFO ? 0 : 1;
		return KERN_SUCCESS;
	}
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	memset(info, 0, need * sizeof(*info));
	switch (flavor) {
	case MACH_PORT_LIMITS_INFO:
		info[0] = port->qlimit;
		break;
	case MACH_PORT_RECEIVE_STATUS:
	case MACH_PORT_INFO_EXT:
		port_status(port, (struct mach_port_status *)info);
		break;
	case MACH_PORT_DNREQUESTS_SIZE: {
		uint32_t n = 0;

		for (struct ipc_dnrequest *r = port->dnrequests; r; r = r->next)
			n++;
		info[0] = n;
		break;
	}
	}
	*count = need;
	return KERN_SUCCESS;
}

kern_return_t mach_port_set_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
				       const uint32_t *info, uint32_t count)
{
	struct ipc_port *port;
	kern_return_t kr;

	switch (flavor) {
	case MACH_PORT_LIMITS_INFO:
		if (count < 1)
			return KERN_FAILURE;
		if (info[0] > MACH_PORT_QLIMIT_MAX)
			return KERN_INVALID_VALUE;
		if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
			return kr;
		port->qlimit = info[0];
		/* A larger queue may have room for blocked senders now. */
		wait_list_wake_all(&port->senders, GLUE_WAIT_AWAKENED);
		return KERN_SUCCESS;
	case MACH_PORT_DNREQUESTS_SIZE:
		if (count < 1)
			return KERN_FAILURE;
		return ipc_port_translate_receive(space, name, &port);
	case MACH_PORT_TEMPOWNER:
	case MACH_PORT_IMPORTANCE_RECEIVER:
	case MACH_PORT_DENAP_RECEIVER:
		/* Accepted; dserver keeps no importance state. */
		if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
			return kr;
		return port->kotype != IKOT_NONE || port->special_reply ? KERN_INVALID_ARGUMENT : KERN_SUCCESS;
	default:
		return KERN_INVALID_ARGUMENT;
	}
}

kern_return_t mach_port_get_context(struct ipc_space *space, mach_port_name_t name, uint64_t *context)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr != KERN_SUCCESS)
		return kr;
	/* A strictly guarded port's context is its guard, which is not for reading. */
	*context = port->guarded && port->strict_guard ? 0 : port->context;
	return KERN_SUCCESS;
}

kern_return_t mach_port_set_context(struct ipc_space *space, mach_port_name_t name, uint64_t context)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr != KERN_SUCCESS)
		return kr;
	if (port->guarded && port->strict_guard)
		return KERN_INVALID_ARGUMENT;
	port->context = context;
	return KERN_SUCCESS;
}

kern_return_t mach_port_set_mscount(struct ipc_space *space, mach_port_name_t name, mach_port_mscount_t mscount)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr == KERN_SUCCESS)
		port->mscount = mscount;
	return kr;
}

kern_return_t mach_port_set_seqno(struct ipc_space *space, mach_port_name_t name, mach_port_seqno_t seqno)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr == KERN_SUCCESS)
		port->seqno = seqno;
	return kr;
}

kern_return_t mach_port_guard(struct ipc_space *space, mach_port_name_t name, uint64_t guard, bool strict)
{
	return mach_port_guard_with_flags(space, name, guard, strict ? MPG_STRICT : 0);
}

kern_return_t mach_port_guard_with_flags(struct ipc_space *space, mach_port_name_t name, uint64_t guard,
					 uint64_t flags)
{
	struct ipc_port *port;
	kern_return_t kr;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	if (port->context)
		return KERN_INVALID_ARGUMENT;
	port->guarded = true;
	port->strict_guard = (flags & MPG_STRICT) != 0;
	/* Sticky: unguarding does not make the receive right movable again (XNU's). */
	if (flags & MPG_IMMOVABLE_RECEIVE)
		port->immovable_receive = true;
	port->context = guard;
	return KERN_SUCCESS;
}

kern_return_t mach_port_swap_guard(struct ipc_space *space, mach_port_name_t name, uint64_t old_guard,
				   uint64_t new_guard)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr != KERN_SUCCESS)
		return kr;
	/* A strict guard cannot be swapped: it could only be by its owner, who knows it anyway. */
	if (!port->guarded || port->strict_guard || port->context != old_guard)
		return KERN_INVALID_ARGUMENT;
	port->context = new_guard;
	return KERN_SUCCESS;
}

kern_return_t mach_port_assert_attributes(struct ipc_space *space, mach_port_name_t name, int flavor,
					  const uint32_t *info, uint32_t count)
{
	struct ipc_port *port;
	uint64_t guard;
	kern_return_t kr;

	if (flavor != MACH_PORT_GUARD_INFO)
		return KERN_INVALID_ARGUMENT;
	if (count < MACH_PORT_GUARD_INFO_COUNT)
		return KERN_FAILURE;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	memcpy(&guard, info, sizeof(guard));
	/* Only a strict guard can be asserted: the others may change under the caller. */
	if (!port->guarded || !port->strict_guard || port->context != guard)
		return KERN_INVALID_ARGUMENT;
	return KERN_SUCCESS;
}

kern_return_t mach_port_dnrequest_info(struct ipc_space *space, mach_port_name_t name, uint32_t *total,
				       uint32_t *used)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr != KERN_SUCCESS)
		return kr;
	/* dserver keeps a list, not XNU's table: every slot it has is a request in use. */
	*used = 0;
	for (struct ipc_dnrequest *r = port->dnrequests; r; r = r->next)
		(*used)++;
	*total = *used;
	return KERN_SUCCESS;
}

kern_return_t mach_port_allocate_full(struct ipc_space *space, mach_port_right_t right, bool has_proto,
				      struct mach_port_qos *qos, mach_port_name_t *namep)
{
	if (has_proto)
		return KERN_INVALID_VALUE;
	/* XNU only checks a preallocated buffer's size; dserver has no such buffers. */
	if (qos->prealloc && right != MACH_PORT_RIGHT_RECEIVE)
		return KERN_INVALID_VALUE;
	if (qos->prealloc && qos->len > UINT32_MAX - MAX_TRAILER_SIZE)
		return KERN_RESOURCE_SHORTAGE;
	if (qos->name)
		return mach_port_allocate_name(space, right, *namep);
	return mach_port_allocate(space, right, namep);
}

kern_return_t mach_port_unguard(struct ipc_space *space, mach_port_name_t name, uint64_t guard)
{
	struct ipc_port *port;
	kern_return_t kr = ipc_port_translate_receive(space, name, &port);

	if (kr != KERN_SUCCESS)
		return kr;
	if (!port->guarded || port->context != guard)
		return KERN_INVALID_ARGUMENT;
	port->guarded = false;
	port->strict_guard = false;
	port->context = 0;
	return KERN_SUCCESS;
}

kern_return_t mach_port_construct(struct ipc_space *space, const struct mach_port_options *options,
				  uint64_t context, mach_port_name_t *namep)
{
	struct ipc_port *port;
	kern_return_t kr;

	if ((options->flags & MPO_QLIMIT) && options->mpl.mpl_qlimit > MACH_PORT_QLIMIT_MAX)
		return KERN_INVALID_VALUE;
	kr = ipc_port_alloc(space, namep, &port);
	if (kr != KERN_SUCCESS)
		return kr;
	if (options->flags & MPO_QLIMIT)
		port->qlimit = options->mpl.mpl_qlimit;
	if ((options->flags & MPO_IMMOVABLE_RECEIVE) && (options->flags & MPO_CONTEXT_AS_GUARD))
		port->immovable_receive = true;
	if (options->flags & MPO_INSERT_SEND_RIGHT) {
		struct ipc_entry *entry = ipc_entry_lookup(space, *namep);

		ipc_port_make_send(port);
		entry->type |= MACH_PORT_TYPE_SEND;
		entry->urefs = 1;
	}
	if (options->flags & MPO_CONTEXT_AS_GUARD) {
		port->guarded = true;
		port->strict_guard = (options->flags & MPO_STRICT) != 0;
	}
	port->context = context;
	return KERN_SUCCESS;
}

kern_return_t mach_port_destruct(struct ipc_space *space, mach_port_name_t name, mach_port_delta_t srdelta,
				 uint64_t guard)
{
	struct ipc_port *port;
	struct ipc_entry *entry;
	kern_return_t kr;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_NAME;
	if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
		return kr;
	entry = ipc_entry_lookup(space, name);
	if (srdelta && !(entry->type & MACH_PORT_TYPE_SEND))
		return KERN_INVALID_RIGHT;
	if (srdelta > 0)
		return KERN_INVALID_VALUE;
	if (port->guarded && port->context != guard)
		return KERN_INVALID_ARGUMENT;
	if (srdelta) {
		if ((kr = ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_SEND, srdelta)) != KERN_SUCCESS)
			return kr;
		if (!(entry = ipc_entry_lookup(space, name)))
			return KERN_INVALID_NAME;
	}
	port->guarded = false;
	return ipc_right_delta(space, name, entry, MACH_PORT_RIGHT_RECEIVE, -1);
}

/* Replace *slot with notify, handing the old send-once right back through *previous. */
static void swap_request(struct ipc_port **slot, struct ipc_port *notify, struct ipc_port **previous)
{
	*previous = *slot;
	*slot = notify;
}

/*
 * A dead-name or send-possible request on a name's send, send-once or
 * receive right. The name's previous request is replaced (its right comes
 * back through *previous). A send-possible request with sync set fires at
 * once when a send could not block: a send-once right, a kernel port, or a
 * queue with room; otherwise it waits, armed (sync set) or for a
 * MACH_SEND_NOTIFY send to arm it.
 */
static kern_return_t request_name_notification(struct ipc_space *space, mach_port_name_t name, bool send_possible,
					       mach_port_mscount_t sync, struct ipc_port *notify,
					       struct ipc_port **previous)
{
	struct ipc_entry *entry;
	struct ipc_port *port;

	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_ARGUMENT;
	if (ipc_right_lookup(space, name, &entry) != KERN_SUCCESS)
		return KERN_INVALID_NAME;
	if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
		if (!sync || !notify)
			return KERN_INVALID_ARGUMENT;
		/* Already dead: notify now, with the uref the message carries. */
		if (entry->urefs < MACH_PORT_UREFS_MAX)
			entry->urefs++;
		ipc_notify_dead_name(notify, name);
		return KERN_SUCCESS;
	}
	if (!(entry->type & MACH_PORT_TYPE_PORT_RIGHTS))
		return KERN_INVALID_RIGHT;
	port = ipc_port_of(entry->object);

	bool fire_now = send_possible && sync && notify &&
			((entry->type & MACH_PORT_TYPE_SEND_ONCE) || port->kotype != IKOT_NONE || !ipc_mqueue_full(port));
	struct ipc_dnrequest *request = NULL;

	/* The new request exists before the old one goes, so that a failure changes nothing. */
	if (notify && !fire_now) {
		request = calloc(1, sizeof(*request));
		if (!request)
			return KERN_RESOURCE_SHORTAGE;
	}
	if (entry->request) {
		*previous = entry->request->notify;
		ipc_port_dnrequest_remove(port, entry->request);
		free(entry->request);
		entry->request = NULL;
	}
	if (fire_now) {
		ipc_notify_send_possible(notify, name);
		return KERN_SUCCESS;
	}
	if (!request)
		return KERN_SUCCESS;
	request->space = space;
	request->name = name;
	request->notify = notify;
	request->send_possible = send_possible;
	request->armed = send_possible && sync;
	if (request->armed)
		port->sprequests = true;
	request->next = port->dnrequests;
	port->dnrequests = request;
	entry->request = request;
	return KERN_SUCCESS;
}

kern_return_t mach_port_request_notification(struct ipc_space *space, mach_port_name_t name, int32_t msgid,
					     mach_port_mscount_t sync, struct ipc_port *notify,
					     struct ipc_port **previous)
{
	struct ipc_port *port;
	kern_return_t kr;

	*previous = NULL;
	switch (msgid) {
	case MACH_NOTIFY_PORT_DESTROYED:
		if (sync != 0)
			return KERN_INVALID_VALUE;
		if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
			return kr;
		if (port->kotype != IKOT_NONE || port->special_reply)
			return KERN_INVALID_RIGHT;
		/* Only one, for good: it cannot be replaced or cancelled. */
		if (port->pdrequest)
			return KERN_FAILURE;
		port->pdrequest = notify;
		return KERN_SUCCESS;

	case MACH_NOTIFY_NO_SENDERS:
		if ((kr = ipc_port_translate_receive(space, name, &port)) != KERN_SUCCESS)
			return kr;
		swap_request(&port->nsrequest, notify, previous);
		/* Already no senders since the count asked about: tell at once. */
		if (notify && port->srights == 0 && sync <= port->mscount) {
			port->nsrequest = NULL;
			ipc_notify_no_senders(notify, port->mscount);
		}
		return KERN_SUCCESS;

	case MACH_NOTIFY_DEAD_NAME:
	case MACH_NOTIFY_SEND_POSSIBLE:
		return request_name_notification(space, name, msgid == MACH_NOTIFY_SEND_POSSIBLE, sync, notify,
						 previous);

	default:
		return KERN_INVALID_VALUE;
	}
}

kern_return_t mach_port_insert_right(struct ipc_space *space, mach_port_name_t name, struct ipc_object *object,
				     mach_msg_type_name_t type)
{
	if (!MACH_PORT_VALID(name))
		return KERN_INVALID_VALUE;
	if (!object)
		return KERN_INVALID_CAPABILITY;
	return ipc_object_copyout_name(space, object, type, name);
}

kern_return_t mach_port_names(struct ipc_space *space, mach_port_name_t **names, mach_port_type_t **types,
			      uint32_t *count)
{
	uint32_t n = 0;

	*names = calloc(space->used ? space->used : 1, sizeof(**names));
	*types = calloc(space->used ? space->used : 1, sizeof(**types));
	if (!*names || !*types) {
		free(*names);
		free(*types);
		return KERN_RESOURCE_SHORTAGE;
	}
	for (uint32_t index = 1; index < space->capacity && n < space->used; index++) {
		struct ipc_entry *entry = &space->table[index];
		mach_port_urefs_t urefs;

		if (!entry->type)
			continue;
		mach_port_name_t name = ipc_entry_name(space, entry);

		ipc_right_info(space, name, entry, &(*types)[n], &urefs);
		(*names)[n++] = name;
	}
	*count = n;
	return KERN_SUCCESS;
}
