/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Notification messages the kernel sends (mach_port_request_notification()),
 * their ids and their layouts. The structs end with a format-0 trailer, so
 * receive them with a buffer of at least that size, or a larger one for a
 * larger trailer.
 */
#ifndef _MACH_NOTIFY_H_
#define _MACH_NOTIFY_H_

#include <mach/message.h>
#include <mach/ndr.h>
#include <mach/port.h>

#define MACH_NOTIFY_FIRST          0100
#define MACH_NOTIFY_PORT_DELETED   (MACH_NOTIFY_FIRST + 001) /* a send or send-once right was deleted */
#define MACH_NOTIFY_SEND_POSSIBLE  (MACH_NOTIFY_FIRST + 002) /* a full queue has room again */
#define MACH_NOTIFY_PORT_DESTROYED (MACH_NOTIFY_FIRST + 005) /* a receive right would have died: here it is */
#define MACH_NOTIFY_NO_SENDERS     (MACH_NOTIFY_FIRST + 006) /* the last send right is gone */
#define MACH_NOTIFY_SEND_ONCE      (MACH_NOTIFY_FIRST + 007) /* a send-once right died unused */
#define MACH_NOTIFY_DEAD_NAME      (MACH_NOTIFY_FIRST + 010) /* a right's port died; the name is dead */
#define MACH_NOTIFY_LAST           (MACH_NOTIFY_FIRST + 015)

typedef mach_port_t notify_port_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port; /* the deleted name */
	mach_msg_format_0_trailer_t trailer;
} mach_port_deleted_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port;
	mach_msg_format_0_trailer_t trailer;
} mach_send_possible_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	mach_msg_body_t not_body;
	mach_msg_port_descriptor_t not_port; /* the receive right */
	mach_msg_format_0_trailer_t trailer;
} mach_port_destroyed_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_msg_type_number_t not_count; /* the make-send count */
	mach_msg_format_0_trailer_t trailer;
} mach_no_senders_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	mach_msg_format_0_trailer_t trailer;
} mach_send_once_notification_t;

typedef struct {
	mach_msg_header_t not_header;
	NDR_record_t NDR;
	mach_port_name_t not_port; /* the name that is now dead */
	mach_msg_format_0_trailer_t trailer;
} mach_dead_name_notification_t;

#endif
