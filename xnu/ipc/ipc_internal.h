/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Mach IPC objects, in XNU's vocabulary: a space of entries (names) per
 * task, each entry holding rights to a port or a port set; ports with a
 * message queue; kmsgs, the messages in flight.
 *
 * Everything runs on the server's one thread, so nothing here locks.
 * Objects are reference counted: a space entry, a queued message, a waiting
 * thread and a notification request each hold one reference.
 */
#ifndef XNU_IPC_INTERNAL_H
#define XNU_IPC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mach_abi.h"

struct xnu_task;
struct xnu_thread;
struct ipc_space;
struct ipc_kmsg;

enum ipc_object_kind { IOT_PORT = 1, IOT_PORT_SET = 2 };

struct ipc_object {
	uint32_t kind;
	uint32_t refs;
	/* A number naming the object to debugging calls (mach_port_space_info), never its address. */
	uint32_t serial;
};

/* Threads waiting on an object, in arrival order (linked through the thread). */
struct wait_list {
	struct xnu_thread *head, *tail;
};

struct kmsg_queue {
	struct ipc_kmsg *head, *tail;
};

/* Kernel-object kinds a port can stand for (XNU's IKOT_*). */
enum ipc_kobject_type {
	IKOT_NONE = 0,
	IKOT_TASK,
	IKOT_TASK_NAME,
	IKOT_THREAD,
	IKOT_HOST,
	IKOT_EXCEPTION_REPLY,  /* where an exception's reply comes back to the raising thread */
};

/*
 * A dead-name or send-possible request: tell `notify` when the port behind
 * space/name dies. A send-possible request also tells it, once, when the
 * port's queue has room again after a send found it full: it is "armed"
 * then (at once if requested with sync != 0, else by a MACH_SEND_NOTIFY
 * send that finds the queue full). A request whose notification went keeps
 * its slot, without a right, until the name loses its right (XNU's).
 */
struct ipc_dnrequest {
	struct ipc_space *space;
	mach_port_name_t name;
	struct ipc_port *notify;      /* a send-once right, or NULL once sent */
	bool send_possible;
	bool armed;
	struct ipc_dnrequest *next;   /* in port->dnrequests */
};

struct ipc_pset;

struct ipc_port {
	struct ipc_object object;
	bool active;
	bool guarded;
	bool strict_guard;
	bool immovable_receive;
	bool special_reply;
	/* Who holds the receive right: a space, or nobody (in a message, or kernel-owned). */
	struct ipc_space *receiver;
	mach_port_name_t receiver_name;
	struct ipc_kmsg *carried_by;  /* the message carrying the receive right, if in transit */
	/* The message queue. */
	struct kmsg_queue messages;
	uint32_t msgcount;
	uint32_t qlimit;
	uint32_t seqno;
	struct wait_list receivers;   /* threads receiving from this port itself */
	struct wait_list senders;     /* threads waiting for room in the queue */
	/* Rights outstanding anywhere. */
	uint32_t srights;
	uint32_t sorights;
	uint32_t mscount;
	struct ipc_port *nsrequest;   /* send-once right for no-senders */
	struct ipc_port *pdrequest;   /* send-once right for port-destroyed */
	struct ipc_dnrequest *dnrequests;
	bool sprequests;              /* an armed send-possible request waits for room */
	uint64_t context;             /* also the guard when guarded */
	/* Port sets this port is a member of. */
	struct ipc_pset **sets;
	uint32_t set_count, set_capacity;
	/* A kernel object: messages to the port are served by the server itself. */
	enum ipc_kobject_type kotype;
	void *kobject;
};

struct ipc_pset {
	struct ipc_object object;
	bool active;
	struct ipc_space *space;
	mach_port_name_t name;
	struct wait_list receivers;
	struct ipc_port **members;
	uint32_t member_count, member_capacity;
};

/* One name in a space. */
struct ipc_entry {
	struct ipc_object *object;    /* NULL for a dead name or a free entry */
	mach_port_type_t type;        /* MACH_PORT_TYPE_* bits; 0 when free */
	uint32_t urefs;               /* for send rights and dead names */
	uint8_t gen;                  /* the low byte of the name */
	uint32_t next_free;           /* free-list link (index), when free */
	struct ipc_dnrequest *request; /* this name's dead-name request, if any */
};

/* Bounds that keep one client from exhausting the server (see xnu.h). */
#define IPC_SPACE_MAX_ENTRIES 131072u /* XNU's limit on its smaller configurations */
#define IPC_TASK_MAX_QUEUED_BYTES (256ull << 20)

struct ipc_space {
	struct xnu_task *task;
	bool active;
	struct ipc_entry *table;      /* index 0 is never used: it would be MACH_PORT_NULL */
	uint32_t capacity;
	uint32_t free_head;           /* 0: none */
	uint32_t used;
	/* Reverse map object -> index for entries holding send or receive rights. */
	uint32_t *hash;
	uint32_t hash_capacity;       /* a power of two */
	uint32_t hash_count;
};

/* ---- object references (ipc_object.c) ---- */
/* A new port or port set: its kind, its serial number, and the object counts. */
void ipc_object_init(struct ipc_object *object, enum ipc_object_kind kind);
void ipc_object_reference(struct ipc_object *object);
void ipc_object_release(struct ipc_object *object);
static inline struct ipc_port *ipc_port_of(struct ipc_object *object)
{
	return object && object->kind == IOT_PORT ? (struct ipc_port *)object : NULL;
}
static inline void ipc_port_reference(struct ipc_port *port) { ipc_object_reference(&port->object); }
static inline void ipc_port_release(struct ipc_port *port) { ipc_object_release(&port->object); }
extern uint64_t ipc_port_live_count;  /* active ports, for the leak checks */
extern uint64_t ipc_object_count;     /* allocated objects */

/* ---- spaces and entries (ipc_space.c) ---- */
struct ipc_space *ipc_space_create(struct xnu_task *task);
/* Release every right the space holds, then the space. */
void ipc_space_destroy(struct ipc_space *space);
struct ipc_entry *ipc_entry_lookup(struct ipc_space *space, mach_port_name_t name);
/* The same in a space being torn down, whose entries still hold requests until cleaned. */
struct ipc_entry *ipc_entry_lookup_dying(struct ipc_space *space, mach_port_name_t name);
/* A new entry for object; *name gets its name. KERN_NO_SPACE when the space is full. */
kern_return_t ipc_entry_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_entry **entry);
/* The same, under a name the caller chose (KERN_NAME_EXISTS if taken). */
kern_return_t ipc_entry_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_entry **entry);
/* Free an entry that holds nothing any more (drops its object reference). */
void ipc_entry_dealloc(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);
/* The name under which the space holds send/receive rights to object, or 0. */
mach_port_name_t ipc_hash_lookup(struct ipc_space *space, struct ipc_object *object);
void ipc_hash_insert(struct ipc_space *space, struct ipc_object *object, mach_port_name_t name);
void ipc_hash_delete(struct ipc_space *space, struct ipc_object *object);
uint32_t ipc_entry_index(mach_port_name_t name);
mach_port_name_t ipc_entry_name(struct ipc_space *space, struct ipc_entry *entry);

/* ---- ports (ipc_port.c) ---- */
struct ipc_port *ipc_port_alloc_raw(void);
/* A new port whose receive right is entered in space; *name gets the name. */
kern_return_t ipc_port_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_port **port);
kern_return_t ipc_port_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_port **port);
/* A port the kernel holds the receive right of, standing for kobject. */
struct ipc_port *ipc_port_alloc_kernel(enum ipc_kobject_type kotype, void *kobject);
/*
 * The receive right dies: queued messages are destroyed, waiters woken,
 * send-once rights and dead-name requests notified, and send rights left to
 * turn into dead names. Consumes nothing: the caller keeps its reference.
 */
void ipc_port_destroy(struct ipc_port *port);
/* Right bookkeeping: counts, no-senders and send-once notifications. */
void ipc_port_make_send(struct ipc_port *port);    /* +1 send right, mscount++ */
void ipc_port_copy_send(struct ipc_port *port);    /* +1 send right */
void ipc_port_release_send(struct ipc_port *port); /* -1 send right; may fire no-senders */
void ipc_port_make_send_once(struct ipc_port *port);
/* Discard a send-once right silently (a request that failed). */
void ipc_port_release_sonce(struct ipc_port *port);
/* Drop a send-once right without using it: sends the send-once notification. */
void ipc_port_release_send_once(struct ipc_port *port);
/* Detach the receive right from its space (it goes into a message). */
void ipc_port_clear_receiver(struct ipc_port *port);
void ipc_port_set_receiver(struct ipc_port *port, struct ipc_space *space, mach_port_name_t name);
void ipc_port_dnrequest_remove(struct ipc_port *port, struct ipc_dnrequest *request);
/* The queue has room: send every armed send-possible notification (XNU's ipc_port_spnotify). */
void ipc_port_spnotify(struct ipc_port *port);
/*
 * A MACH_SEND_NOTIFY send to name (after its header was copied in): arm the
 * name's send-possible request if the queue is full. True when the queue has
 * room, so the send must not block (XNU's MACH_SEND_ALWAYS).
 */
bool ipc_port_sparm(struct ipc_space *space, mach_port_name_t name, struct ipc_port *port);
/* MACH_PORT_TYPE_DNREQUEST / SPREQUEST / SPREQUEST_DELAYED for an entry's request. */
mach_port_type_t ipc_dnrequest_type(const struct ipc_dnrequest *request);
/* Leave every port set. */
void ipc_port_leave_sets(struct ipc_port *port);

/* ---- port sets (ipc_pset.c) ---- */
kern_return_t ipc_pset_alloc(struct ipc_space *space, mach_port_name_t *name, struct ipc_pset **pset);
kern_return_t ipc_pset_alloc_name(struct ipc_space *space, mach_port_name_t name, struct ipc_pset **pset);
void ipc_pset_destroy(struct ipc_pset *pset);
bool ipc_pset_has_member(struct ipc_pset *pset, struct ipc_port *port);
kern_return_t ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port);
kern_return_t ipc_pset_remove(struct ipc_pset *pset, struct ipc_port *port);

/* ---- rights (ipc_right.c) ---- */
/* Turn a send right to a dead port into a dead name; true if it did. */
bool ipc_right_check(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);
/* Look up name, converting a dead port's rights to a dead name first. */
kern_return_t ipc_right_lookup(struct ipc_space *space, mach_port_name_t name, struct ipc_entry **entry);
kern_return_t ipc_right_delta(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry,
			      mach_port_right_t right, mach_port_delta_t delta);
kern_return_t ipc_right_dealloc(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);
kern_return_t ipc_right_destroy(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);
/* Release everything an entry holds (space teardown). */
void ipc_right_clean(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry);
kern_return_t ipc_right_info(struct ipc_space *space, mach_port_name_t name, struct ipc_entry *entry,
			     mach_port_type_t *type, mach_port_urefs_t *urefs);
/*
 * Take a right out of a space for a message (disposition MACH_MSG_TYPE_*).
 * *object gets the port (with a reference and the right), or NULL with
 * *dead set when the name is a dead name (the receiver sees MACH_PORT_DEAD).
 */
kern_return_t ipc_right_copyin(struct ipc_space *space, mach_port_name_t name, mach_msg_type_name_t disposition,
			       struct ipc_object **object, bool *dead);
/* Check that a copyin would succeed, changing nothing. */
bool ipc_right_copyin_check(struct ipc_space *space, mach_port_name_t name, mach_msg_type_name_t disposition);
/* The type a disposition becomes in the message (MACH_MSG_TYPE_PORT_*). */
mach_msg_type_name_t ipc_object_copyin_type(mach_msg_type_name_t disposition);
/*
 * Put a right carried by a message (type MACH_MSG_TYPE_PORT_*) into space.
 * Consumes the right and the object reference. On failure (space full or
 * dead) the right is destroyed and *name is MACH_PORT_NULL.
 */
kern_return_t ipc_object_copyout(struct ipc_space *space, struct ipc_object *object,
				 mach_msg_type_name_t type, mach_port_name_t *name);
/* Destroy a right carried by a message. */
void ipc_object_destroy(struct ipc_object *object, mach_msg_type_name_t type);
/* Insert a right under a chosen name (mach_port_insert_right). */
kern_return_t ipc_object_copyout_name(struct ipc_space *space, struct ipc_object *object,
				      mach_msg_type_name_t type, mach_port_name_t name);

/* ---- message queues (ipc_mqueue.c) ---- */
void wait_list_append(struct wait_list *list, struct xnu_thread *thread);
void wait_list_remove(struct wait_list *list, struct xnu_thread *thread);
/* Wake every waiter with result. */
void wait_list_wake_all(struct wait_list *list, int result);
bool wait_list_wake_one(struct wait_list *list, int result);
/* Queue a message on its destination (no limit check) and wake a receiver. */
void ipc_mqueue_enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg);
/* Remove the head message, giving it the next sequence number. */
struct ipc_kmsg *ipc_mqueue_dequeue(struct ipc_port *port);
/* The member of the set whose head message is oldest, or NULL. */
struct ipc_port *ipc_pset_first_ready(struct ipc_pset *pset);
bool ipc_mqueue_full(const struct ipc_port *port);

/* ---- notifications (ipc_notify.c) ---- */
#define IPC_NDR_SIZE 8
extern const uint8_t ipc_ndr_record[IPC_NDR_SIZE]; /* the NDR record kernel messages carry */
void ipc_notify_dead_name(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_no_senders(struct ipc_port *notify, mach_port_mscount_t mscount);
void ipc_notify_send_once(struct ipc_port *notify);
void ipc_notify_port_destroyed(struct ipc_port *notify, struct ipc_port *port);
void ipc_notify_port_deleted(struct ipc_port *notify, mach_port_name_t name);
void ipc_notify_send_possible(struct ipc_port *notify, mach_port_name_t name);

#endif
