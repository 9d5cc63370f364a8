/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Descriptions of Mach error codes, in the "(system/subsystem) text" form
 * that macOS prints: kernel codes (system 0), mach_msg() codes (system 4,
 * subsystems 0 and 1) and MIG's negative codes.
 */
#include <stddef.h>
#include <stdio.h>

#include "mach_api.h"

struct description {
	mach_error_t code;
	const char *text;
};

static const struct description kernel_codes[] = {
	{ KERN_SUCCESS, "(os/kern) successful" },
	{ KERN_INVALID_ADDRESS, "(os/kern) invalid address" },
	{ KERN_PROTECTION_FAILURE, "(os/kern) protection failure" },
	{ KERN_NO_SPACE, "(os/kern) no space available" },
	{ KERN_INVALID_ARGUMENT, "(os/kern) invalid argument" },
	{ KERN_FAILURE, "(os/kern) failure" },
	{ KERN_RESOURCE_SHORTAGE, "(os/kern) resource shortage" },
	{ KERN_NOT_RECEIVER, "(os/kern) not receiver" },
	{ KERN_NO_ACCESS, "(os/kern) no access" },
	{ KERN_MEMORY_FAILURE, "(os/kern) memory failure" },
	{ KERN_MEMORY_ERROR, "(os/kern) memory error" },
	{ KERN_ALREADY_IN_SET, "(os/kern) already in set" },
	{ KERN_NOT_IN_SET, "(os/kern) not in set" },
	{ KERN_NAME_EXISTS, "(os/kern) name exists" },
	{ KERN_ABORTED, "(os/kern) aborted" },
	{ KERN_INVALID_NAME, "(os/kern) invalid name" },
	{ KERN_INVALID_TASK, "(os/kern) invalid task" },
	{ KERN_INVALID_RIGHT, "(os/kern) invalid right" },
	{ KERN_INVALID_VALUE, "(os/kern) invalid value" },
	{ KERN_UREFS_OVERFLOW, "(os/kern) user references overflow" },
	{ KERN_INVALID_CAPABILITY, "(os/kern) invalid capability" },
	{ KERN_RIGHT_EXISTS, "(os/kern) right exists" },
	{ KERN_INVALID_HOST, "(os/kern) invalid host" },
	{ KERN_MEMORY_PRESENT, "(os/kern) memory present" },
	{ KERN_MEMORY_DATA_MOVED, "(os/kern) memory data moved" },
	{ KERN_MEMORY_RESTART_COPY, "(os/kern) memory restart copy" },
	{ KERN_INVALID_PROCESSOR_SET, "(os/kern) invalid processor set" },
	{ KERN_POLICY_LIMIT, "(os/kern) policy limit" },
	{ KERN_INVALID_POLICY, "(os/kern) invalid policy" },
	{ KERN_INVALID_OBJECT, "(os/kern) invalid object" },
	{ KERN_ALREADY_WAITING, "(os/kern) already waiting" },
	{ KERN_DEFAULT_SET, "(os/kern) default set" },
	{ KERN_EXCEPTION_PROTECTED, "(os/kern) exception protected" },
	{ KERN_INVALID_LEDGER, "(os/kern) invalid ledger" },
	{ KERN_INVALID_MEMORY_CONTROL, "(os/kern) invalid memory control" },
	{ KERN_INVALID_SECURITY, "(os/kern) invalid security" },
	{ KERN_NOT_DEPRESSED, "(os/kern) not depressed" },
	{ KERN_TERMINATED, "(os/kern) terminated" },
	{ KERN_LOCK_SET_DESTROYED, "(os/kern) lock set destroyed" },
	{ KERN_LOCK_UNSTABLE, "(os/kern) lock unstable" },
	{ KERN_LOCK_OWNED, "(os/kern) lock owned" },
	{ KERN_LOCK_OWNED_SELF, "(os/kern) lock owned by self" },
	{ KERN_SEMAPHORE_DESTROYED, "(os/kern) semaphore destroyed" },
	{ KERN_RPC_SERVER_TERMINATED, "(os/kern) RPC server terminated" },
	{ KERN_RPC_TERMINATE_ORPHAN, "(os/kern) RPC terminate orphan" },
	{ KERN_RPC_CONTINUE_ORPHAN, "(os/kern) RPC continue orphan" },
	{ KERN_NOT_SUPPORTED, "(os/kern) not supported" },
	{ KERN_NODE_DOWN, "(os/kern) node down" },
	{ KERN_NOT_WAITING, "(os/kern) not waiting" },
	{ KERN_OPERATION_TIMED_OUT, "(os/kern) operation timed out" },
	{ KERN_CODESIGN_ERROR, "(os/kern) code signature error" },
	{ KERN_POLICY_STATIC, "(os/kern) policy is static" },
	{ KERN_INSUFFICIENT_BUFFER_SIZE, "(os/kern) insufficient buffer size" },
	{ KERN_DENIED, "(os/kern) denied" },
	{ KERN_MISSING_KC, "(os/kern) missing kernel collection" },
	{ KERN_INVALID_KC, "(os/kern) invalid kernel collection" },
	{ KERN_NOT_FOUND, "(os/kern) not found" },
};

static const struct description message_codes[] = {
	{ MACH_SEND_IN_PROGRESS, "(ipc/send) send in progress" },
	{ MACH_SEND_INVALID_DATA, "(ipc/send) invalid data" },
	{ MACH_SEND_INVALID_DEST, "(ipc/send) invalid destination port" },
	{ MACH_SEND_TIMED_OUT, "(ipc/send) timed out" },
	{ MACH_SEND_INVALID_VOUCHER, "(ipc/send) invalid voucher" },
	{ MACH_SEND_INTERRUPTED, "(ipc/send) interrupted" },
	{ MACH_SEND_MSG_TOO_SMALL, "(ipc/send) message too small" },
	{ MACH_SEND_INVALID_REPLY, "(ipc/send) invalid reply port" },
	{ MACH_SEND_INVALID_RIGHT, "(ipc/send) invalid port right" },
	{ MACH_SEND_INVALID_NOTIFY, "(ipc/send) invalid notify port" },
	{ MACH_SEND_INVALID_MEMORY, "(ipc/send) invalid out-of-line memory" },
	{ MACH_SEND_NO_BUFFER, "(ipc/send) no message buffer" },
	{ MACH_SEND_TOO_LARGE, "(ipc/send) message too large" },
	{ MACH_SEND_INVALID_TYPE, "(ipc/send) invalid descriptor type" },
	{ MACH_SEND_INVALID_HEADER, "(ipc/send) invalid header" },
	{ MACH_SEND_INVALID_TRAILER, "(ipc/send) invalid trailer" },
	{ MACH_SEND_INVALID_CONTEXT, "(ipc/send) invalid context for port" },
	{ MACH_SEND_INVALID_OPTIONS, "(ipc/send) invalid options" },
	{ MACH_SEND_INVALID_RT_OOL_SIZE, "(ipc/send) invalid out-of-line size" },
	{ MACH_SEND_NO_GRANT_DEST, "(ipc/send) destination does not accept port rights" },
	{ MACH_SEND_MSG_FILTERED, "(ipc/send) message filtered" },
	{ MACH_SEND_AUX_TOO_SMALL, "(ipc/send) auxiliary data too small" },
	{ MACH_SEND_AUX_TOO_LARGE, "(ipc/send) auxiliary data too large" },
	{ MACH_RCV_IN_PROGRESS, "(ipc/rcv) receive in progress" },
	{ MACH_RCV_INVALID_NAME, "(ipc/rcv) invalid name" },
	{ MACH_RCV_TIMED_OUT, "(ipc/rcv) timed out" },
	{ MACH_RCV_TOO_LARGE, "(ipc/rcv) message too large" },
	{ MACH_RCV_INTERRUPTED, "(ipc/rcv) interrupted" },
	{ MACH_RCV_PORT_CHANGED, "(ipc/rcv) port changed" },
	{ MACH_RCV_INVALID_NOTIFY, "(ipc/rcv) invalid notify port" },
	{ MACH_RCV_INVALID_DATA, "(ipc/rcv) invalid message buffer" },
	{ MACH_RCV_PORT_DIED, "(ipc/rcv) port died" },
	{ MACH_RCV_IN_SET, "(ipc/rcv) port is in a set" },
	{ MACH_RCV_HEADER_ERROR, "(ipc/rcv) header error" },
	{ MACH_RCV_BODY_ERROR, "(ipc/rcv) body error" },
	{ MACH_RCV_INVALID_TYPE, "(ipc/rcv) invalid descriptor type" },
	{ MACH_RCV_SCATTER_SMALL, "(ipc/rcv) scatter buffer too small" },
	{ MACH_RCV_INVALID_TRAILER, "(ipc/rcv) invalid trailer" },
	{ MACH_RCV_IN_PROGRESS_TIMED, "(ipc/rcv) timed receive in progress" },
	{ MACH_RCV_INVALID_REPLY, "(ipc/rcv) invalid reply port" },
	{ MACH_RCV_INVALID_ARGUMENTS, "(ipc/rcv) invalid arguments" },
};

static const struct description mig_codes[] = {
	{ MIG_TYPE_ERROR, "(ipc/mig) type check error" },
	{ MIG_REPLY_MISMATCH, "(ipc/mig) wrong reply message id" },
	{ MIG_REMOTE_ERROR, "(ipc/mig) server detected error" },
	{ MIG_BAD_ID, "(ipc/mig) bad request message id" },
	{ MIG_BAD_ARGUMENTS, "(ipc/mig) server type check error" },
	{ MIG_NO_REPLY, "(ipc/mig) no reply should be sent" },
	{ MIG_EXCEPTION, "(ipc/mig) server raised exception" },
	{ MIG_ARRAY_TOO_LARGE, "(ipc/mig) array not large enough" },
	{ MIG_SERVER_DIED, "(ipc/mig) server died" },
	{ MIG_TRAILER_ERROR, "(ipc/mig) unknown trailer format" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *find(const struct description *table, size_t n, mach_error_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].code == code)
			return table[i].text;
	return NULL;
}

static const char *describe(mach_error_t code)
{
	const char *text = find(kernel_codes, COUNT(kernel_codes), code);

	if (!text)
		text = find(mig_codes, COUNT(mig_codes), code);
	/* Message errors may carry resource bits (MACH_MSG_MASK) beside the code. */
	if (!text && err_get_system(code) == err_get_system(err_mach_ipc))
		text = find(message_codes, COUNT(message_codes), code & ~MACH_MSG_MASK);
	return text;
}

char *mach_error_string(mach_error_t error_value)
{
	const char *text = describe(error_value);

	/* The API's type is char *; the strings are never to be written. */
	return (char *)(text ? text : "(unknown/unknown) unknown error code");
}

char *mach_error_type(mach_error_t error_value)
{
	if (error_value >= MIG_TRAILER_ERROR && error_value <= MIG_TYPE_ERROR)
		return (char *)"(ipc/mig)";
	switch (err_get_system(error_value)) {
	case err_get_system(err_kern):
		return (char *)"(os/kern)";
	case err_get_system(err_mach_ipc):
		return (char *)(err_get_sub(error_value) == 0 ? "(ipc/send)" : "(ipc/rcv)");
	}
	return (char *)"(unknown/unknown)";
}

void mach_error(const char *str, mach_error_t error_value)
{
	fprintf(stderr, "%s %s (0x%x)\n", str, mach_error_string(error_value),
		(unsigned)error_value);
}
