/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Status codes of kernel calls (system 0 of <mach/error.h>). The values are
 * XNU's; message and MIG failures have their own codes in <mach/message.h>
 * and <mach/mig_errors.h>.
 */
#ifndef _MACH_KERN_RETURN_H_
#define _MACH_KERN_RETURN_H_

#include <mach/machine/kern_return.h>

#define KERN_SUCCESS                  0
#define KERN_INVALID_ADDRESS          1  /* no valid memory at that address */
#define KERN_PROTECTION_FAILURE       2  /* memory exists but refuses the access */
#define KERN_NO_SPACE                 3  /* no room: address range or name space */
#define KERN_INVALID_ARGUMENT         4
#define KERN_FAILURE                  5  /* anything else */
#define KERN_RESOURCE_SHORTAGE        6  /* out of a resource, maybe for now */
#define KERN_NOT_RECEIVER             7  /* caller lacks the receive right */
#define KERN_NO_ACCESS                8
#define KERN_MEMORY_FAILURE           9
#define KERN_MEMORY_ERROR             10
#define KERN_ALREADY_IN_SET           11 /* the port is a member of that set already */
#define KERN_NOT_IN_SET               12 /* the port is not a member of that set */
#define KERN_NAME_EXISTS              13 /* the name is taken */
#define KERN_ABORTED                  14 /* the operation was interrupted */
#define KERN_INVALID_NAME             15 /* the name denotes no right */
#define KERN_INVALID_TASK             16
#define KERN_INVALID_RIGHT            17 /* the name denotes the wrong kind of right */
#define KERN_INVALID_VALUE            18
#define KERN_UREFS_OVERFLOW           19 /* too many user references */
#define KERN_INVALID_CAPABILITY       20 /* the port given is not acceptable */
#define KERN_RIGHT_EXISTS             21 /* the right exists under another name */
#define KERN_INVALID_HOST             22
#define KERN_MEMORY_PRESENT           23
#define KERN_MEMORY_DATA_MOVED        24
#define KERN_MEMORY_RESTART_COPY      25
#define KERN_INVALID_PROCESSOR_SET    26
#define KERN_POLICY_LIMIT             27
#define KERN_INVALID_POLICY           28
#define KERN_INVALID_OBJECT           29
#define KERN_ALREADY_WAITING          30
#define KERN_DEFAULT_SET              31
#define KERN_EXCEPTION_PROTECTED      32
#define KERN_INVALID_LEDGER           33
#define KERN_INVALID_MEMORY_CONTROL   34
#define KERN_INVALID_SECURITY         35
#define KERN_NOT_DEPRESSED            36
#define KERN_TERMINATED               37 /* the object is gone */
#define KERN_LOCK_SET_DESTROYED       38
#define KERN_LOCK_UNSTABLE            39
#define KERN_LOCK_OWNED               40
#define KERN_LOCK_OWNED_SELF          41
#define KERN_SEMAPHORE_DESTROYED      42
#define KERN_RPC_SERVER_TERMINATED    43
#define KERN_RPC_TERMINATE_ORPHAN     44
#define KERN_RPC_CONTINUE_ORPHAN      45
#define KERN_NOT_SUPPORTED            46
#define KERN_NODE_DOWN                47
#define KERN_NOT_WAITING              48
#define KERN_OPERATION_TIMED_OUT      49
#define KERN_CODESIGN_ERROR           50
#define KERN_POLICY_STATIC            51
#define KERN_INSUFFICIENT_BUFFER_SIZE 52
#define KERN_DENIED                   53
#define KERN_MISSING_KC               54
#define KERN_INVALID_KC               55
#define KERN_NOT_FOUND                56
#define KERN_RETURN_MAX               0x100

#endif
