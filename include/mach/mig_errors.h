/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MIG's own failure codes, and the reply a MIG server sends when a routine
 * fails: header, NDR record and the code, nothing else (36 bytes).
 */
#ifndef _MACH_MIG_ERRORS_H_
#define _MACH_MIG_ERRORS_H_

#include <mach/kern_return.h>
#include <mach/message.h>
#include <mach/ndr.h>

#define MIG_TYPE_ERROR      -300 /* the reply does not have the routine's layout */
#define MIG_REPLY_MISMATCH  -301 /* the reply answers another routine */
#define MIG_REMOTE_ERROR    -302
#define MIG_BAD_ID          -303 /* the server has no routine with this id */
#define MIG_BAD_ARGUMENTS   -304 /* the server refused the request's layout */
#define MIG_NO_REPLY        -305
#define MIG_EXCEPTION       -306
#define MIG_ARRAY_TOO_LARGE -307 /* the caller's array is too small for the reply */
#define MIG_SERVER_DIED     -308 /* the reply port's send-once right died */
#define MIG_TRAILER_ERROR   -309

#pragma pack(push, 4)
typedef struct {
	mach_msg_header_t Head;
	NDR_record_t NDR;
	kern_return_t RetCode;
} mig_reply_error_t;
#pragma pack(pop)

typedef struct mig_symtab {
	char *ms_routine_name;
	int ms_routine_number;
	void (*ms_routine)(void);
} mig_symtab_t;

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's reply port for MIG calls, allocated on first use. */
extern mach_port_t mig_get_reply_port(void);
/* Destroys it (after a failed call, when a late reply could still arrive). */
extern void mig_dealloc_reply_port(mach_port_t reply_port);
/* Hands it back after a call; the port stays cached. */
extern void mig_put_reply_port(mach_port_t reply_port);

#ifdef __cplusplus
}
#endif

#endif
