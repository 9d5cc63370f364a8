// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Compile-time checks of the Mach ABI in include/mach/: the size and the
 * field offsets of every structure that crosses a process boundary, and the
 * values the wire depends on, against XNU's user-space layouts. Compiled
 * for the host, and syntax-checked for i386 and aarch64 (CMakeLists.txt),
 * so the __LP64__ and per-architecture branches are checked too. Bit-field
 * positions cannot be checked at compile time; test_mach_abi.c does that.
 */
#include <stddef.h>

#include <mach/mach.h>

#define SIZE(type, n) _Static_assert(sizeof(type) == (n), "sizeof(" #type ")")
#define AT(type, field, n) _Static_assert(offsetof(type, field) == (n), #type "." #field)

#if defined(__LP64__)
#define LP64 1
#else
#define LP64 0
#endif
/* XNU on Intel keeps mach_port_context_t 64-bit in 32-bit processes too. */
#if LP64 || defined(__i386__)
#define CONTEXT_SIZE 8
#else
#define CONTEXT_SIZE 4
#endif

/* Scalar types. */
SIZE(natural_t, 4);
SIZE(integer_t, 4);
SIZE(kern_return_t, 4);
SIZE(boolean_t, 4);
SIZE(mach_port_name_t, 4);
SIZE(mach_port_t, 4);
SIZE(mach_msg_bits_t, 4);
SIZE(mach_msg_size_t, 4);
SIZE(mach_msg_id_t, 4);
SIZE(mach_msg_option_t, 4);
SIZE(vm_offset_t, sizeof(void *));
SIZE(vm_size_t, sizeof(void *));
SIZE(mach_vm_address_t, 8);
SIZE(mach_vm_size_t, 8);
SIZE(mach_port_context_t, CONTEXT_SIZE);

/* Header and body. */
SIZE(mach_msg_header_t, 24);
AT(mach_msg_header_t, msgh_bits, 0);
AT(mach_msg_header_t, msgh_size, 4);
AT(mach_msg_header_t, msgh_remote_port, 8);
AT(mach_msg_header_t, msgh_local_port, 12);
AT(mach_msg_header_t, msgh_voucher_port, 16);
AT(mach_msg_header_t, msgh_id, 20);
SIZE(mach_msg_body_t, 4);
SIZE(mach_msg_base_t, 28);
AT(mach_msg_base_t, body, 24);

/* Descriptors. */
SIZE(mach_msg_type_descriptor_t, 12);
SIZE(mach_msg_port_descriptor_t, 12);
AT(mach_msg_port_descriptor_t, name, 0);
SIZE(mach_msg_ool_descriptor32_t, 12);
AT(mach_msg_ool_descriptor32_t, size, 4);
SIZE(mach_msg_ool_descriptor64_t, 16);
AT(mach_msg_ool_descriptor64_t, address, 0);
AT(mach_msg_ool_descriptor64_t, size, 12);
SIZE(mach_msg_ool_ports_descriptor32_t, 12);
AT(mach_msg_ool_ports_descriptor32_t, count, 4);
SIZE(mach_msg_ool_ports_descriptor64_t, 16);
AT(mach_msg_ool_ports_descriptor64_t, count, 12);
SIZE(mach_msg_guarded_port_descriptor32_t, 12);
AT(mach_msg_guarded_port_descriptor32_t, name, 4);
SIZE(mach_msg_guarded_port_descriptor64_t, 16);
AT(mach_msg_guarded_port_descriptor64_t, name, 12);
#if LP64
SIZE(mach_msg_ool_descriptor_t, 16);
AT(mach_msg_ool_descriptor_t, size, 12);
SIZE(mach_msg_ool_ports_descriptor_t, 16);
AT(mach_msg_ool_ports_descriptor_t, count, 12);
SIZE(mach_msg_guarded_port_descriptor_t, 16);
AT(mach_msg_guarded_port_descriptor_t, name, 12);
SIZE(mach_msg_descriptor_t, 16);
#else
SIZE(mach_msg_ool_descriptor_t, 12);
AT(mach_msg_ool_descriptor_t, size, 4);
SIZE(mach_msg_ool_ports_descriptor_t, 12);
AT(mach_msg_ool_ports_descriptor_t, count, 4);
SIZE(mach_msg_guarded_port_descriptor_t, CONTEXT_SIZE + 8);
AT(mach_msg_guarded_port_descriptor_t, name, CONTEXT_SIZE);
SIZE(mach_msg_descriptor_t, CONTEXT_SIZE + 8);
#endif

/* Trailers, 4-byte packed: the 64-bit context sits at offset 52. */
SIZE(mach_msg_trailer_t, 8);
SIZE(mach_msg_seqno_trailer_t, 12);
AT(mach_msg_seqno_trailer_t, msgh_seqno, 8);
SIZE(security_token_t, 8);
SIZE(audit_token_t, 32);
SIZE(mach_msg_security_trailer_t, 20);
AT(mach_msg_security_trailer_t, msgh_sender, 12);
SIZE(mach_msg_audit_trailer_t, 52);
AT(mach_msg_audit_trailer_t, msgh_audit, 20);
SIZE(mach_msg_context_trailer_t, 52 + CONTEXT_SIZE);
AT(mach_msg_context_trailer_t, msgh_context, 52);
SIZE(mach_msg_mac_trailer_t, 60 + CONTEXT_SIZE);
AT(mach_msg_mac_trailer_t, msgh_ad, 52 + CONTEXT_SIZE);
AT(mach_msg_mac_trailer_t, msgh_labels, 56 + CONTEXT_SIZE);
SIZE(mach_msg_max_trailer_t, 60 + CONTEXT_SIZE);
SIZE(mach_msg_format_0_trailer_t, 20);
_Static_assert(MAX_TRAILER_SIZE == 60 + CONTEXT_SIZE, "MAX_TRAILER_SIZE");
_Static_assert(MACH_MSG_TRAILER_FORMAT_0_SIZE == 20, "format 0 trailer");
_Static_assert(REQUESTED_TRAILER_SIZE(MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AUDIT)) == 52,
	       "audit trailer requested");
_Static_assert(REQUESTED_TRAILER_SIZE(0) == 8, "default trailer");
SIZE(mach_msg_empty_send_t, 24);
SIZE(mach_msg_empty_rcv_t, 32);

/* MIG. */
SIZE(NDR_record_t, 8);
SIZE(mig_reply_error_t, 36);
AT(mig_reply_error_t, NDR, 24);
AT(mig_reply_error_t, RetCode, 32);

/* Port attributes and options. */
SIZE(mach_port_status_t, 40);
AT(mach_port_status_t, mps_flags, 36);
SIZE(mach_port_limits_t, 4);
SIZE(mach_port_info_ext_t, 68);
AT(mach_port_info_ext_t, mpie_boost_cnt, 40);
SIZE(mach_port_guard_info_t, 8);
SIZE(mach_port_qos_t, 8);
AT(mach_port_qos_t, len, 4);
SIZE(mach_port_options_t, 24);
AT(mach_port_options_t, mpl, 4);
AT(mach_port_options_t, reserved, 8);
AT(mach_port_options_t, work_interval_port, 8);
SIZE(mach_service_port_info_data_t, 256);
_Static_assert(MACH_PORT_LIMITS_INFO_COUNT == 1, "limits count");
_Static_assert(MACH_PORT_RECEIVE_STATUS_COUNT == 10, "status count");
_Static_assert(MACH_PORT_INFO_EXT_COUNT == 17, "info ext count");
_Static_assert(MACH_PORT_GUARD_INFO_COUNT == 2, "guard info count");

/* Notifications, naturally aligned, each with a format-0 trailer. */
SIZE(mach_port_deleted_notification_t, 56);
AT(mach_port_deleted_notification_t, not_port, 32);
SIZE(mach_send_possible_notification_t, 56);
SIZE(mach_port_destroyed_notification_t, 60);
AT(mach_port_destroyed_notification_t, not_port, 28);
AT(mach_port_destroyed_notification_t, trailer, 40);
SIZE(mach_no_senders_notification_t, 56);
AT(mach_no_senders_notification_t, not_count, 32);
SIZE(mach_send_once_notification_t, 44);
SIZE(mach_dead_name_notification_t, 56);
AT(mach_dead_name_notification_t, not_port, 32);
_Static_assert(MACH_NOTIFY_PORT_DELETED == 65 && MACH_NOTIFY_SEND_POSSIBLE == 66 &&
		       MACH_NOTIFY_PORT_DESTROYED == 69 && MACH_NOTIFY_NO_SENDERS == 70 &&
		       MACH_NOTIFY_SEND_ONCE == 71 && MACH_NOTIFY_DEAD_NAME == 72,
	       "notification ids");

/* Values the wire depends on (PROTOCOL.md §10 uses the type bits too). */
_Static_assert(MACH_PORT_TYPE_SEND == 0x10000 && MACH_PORT_TYPE_RECEIVE == 0x20000 &&
		       MACH_PORT_TYPE_SEND_ONCE == 0x40000 && MACH_PORT_TYPE_PORT_SET == 0x80000 &&
		       MACH_PORT_TYPE_DEAD_NAME == 0x100000,
	       "port type bits");
_Static_assert(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) == 0x1513,
	       "MIG request bits");
_Static_assert(MACH_MSGH_BITS_SET(MACH_MSG_TYPE_MOVE_SEND, MACH_MSG_TYPE_MAKE_SEND,
				  MACH_MSG_TYPE_COPY_SEND, MACH_MSGH_BITS_COMPLEX) == 0x80131411u,
	       "header bits");
_Static_assert(MACH_MSGH_BITS_LOCAL(0x1513) == 21 && MACH_MSGH_BITS_REMOTE(0x1513) == 19,
	       "header bit getters");
_Static_assert(MACH_RCV_TRAILER_TYPE(MACH_MSG_TRAILER_FORMAT_0) == 0 &&
		       MACH_RCV_TRAILER_ELEMENTS(MACH_RCV_TRAILER_AV) == 0x07000000,
	       "trailer request bits");
_Static_assert(MACH_SEND_INTERRUPTED == 0x10000007 && MACH_RCV_INTERRUPTED == 0x10004005 &&
		       MACH_SEND_INVALID_DEST == 0x10000003 && MACH_RCV_TIMED_OUT == 0x10004003,
	       "message return codes");
_Static_assert(err_get_system(MACH_RCV_INTERRUPTED) == err_get_system(err_mach_ipc) &&
		       err_get_sub(MACH_RCV_INTERRUPTED) == 1 && err_get_code(MACH_RCV_INTERRUPTED) == 5,
	       "error layout");
_Static_assert(MIG_TYPE_ERROR == -300 && MIG_ARRAY_TOO_LARGE == -307 && MIG_SERVER_DIED == -308,
	       "MIG codes");
_Static_assert(KERN_ABORTED == 14 && KERN_INVALID_RIGHT == 17 && KERN_NOT_FOUND == 56,
	       "kernel codes");
_Static_assert(round_msg(25) == 28 && round_msg(28) == 28, "round_msg");

/* Thread state (PROTOCOL.md §7.8; XNU's mach/i386/_structs.h): the same on every architecture. */
SIZE(x86_thread_state64_t, 168);
AT(x86_thread_state64_t, rip, 128);
AT(x86_thread_state64_t, gs, 160);
SIZE(x86_thread_state32_t, 64);
AT(x86_thread_state32_t, eip, 40);
SIZE(x86_float_state64_t, 524);
AT(x86_float_state64_t, fpu_mxcsr, 32);
AT(x86_float_state64_t, fpu_stmm, 40);
AT(x86_float_state64_t, fpu_xmm, 168);
AT(x86_float_state64_t, fpu_reserved1, 520);
SIZE(x86_float_state32_t, 524);
AT(x86_float_state32_t, fpu_rsrv4, 296);
SIZE(x86_exception_state64_t, 16);
AT(x86_exception_state64_t, faultvaddr, 8);
SIZE(x86_exception_state32_t, 12);
SIZE(x86_thread_state_t, 176);
AT(x86_thread_state_t, uts, 8);
SIZE(x86_float_state_t, 532);
SIZE(x86_exception_state_t, 24);
_Static_assert(x86_THREAD_STATE64_COUNT == 42 && x86_THREAD_STATE32_COUNT == 16 &&
		       x86_FLOAT_STATE64_COUNT == 131 && x86_EXCEPTION_STATE64_COUNT == 4 &&
		       x86_THREAD_STATE_COUNT == 44 && x86_FLOAT_STATE_COUNT == 133 &&
		       x86_EXCEPTION_STATE_COUNT == 6 && THREAD_STATE_MAX == 614,
	       "thread state counts");
SIZE(thread_basic_info_data_t, 40);
_Static_assert(THREAD_BASIC_INFO_COUNT == 10, "thread_basic_info count");

/* Exception messages (exc.defs, mach_exc.defs), 4-byte packed. */
SIZE(__Request__exception_raise_t, 76);
AT(__Request__exception_raise_t, thread, 28);
AT(__Request__exception_raise_t, task, 40);
AT(__Request__exception_raise_t, code, 68);
SIZE(__Request__mach_exception_raise_t, 84);
AT(__Request__mach_exception_raise_t, code, 68);
AT(__Request__exception_raise_state_t, flavor, 48);
AT(__Request__exception_raise_state_t, old_state, 56);
AT(__Request__mach_exception_raise_state_t, old_state, 64);
AT(__Request__exception_raise_state_identity_t, old_state, 84);
AT(__Request__mach_exception_raise_state_identity_t, old_state, 92);
SIZE(__Reply__exception_raise_t, 36);
AT(__Reply__exception_raise_state_t, new_state, 44);
_Static_assert(EXC_MASK_VALID == 0x3ffe && EXC_TYPES_COUNT == 14 && EXC_SOFT_SIGNAL == 0x10003 &&
		       MACH_EXCEPTION_CODES == 0x80000000u,
	       "exception constants");
