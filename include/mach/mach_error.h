/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Describing Mach error codes. */
#ifndef _MACH_ERROR_H_USER_
#define _MACH_ERROR_H_USER_

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A description of the code; never NULL, never to be freed. */
extern char *mach_error_string(mach_error_t error_value);
/* Which system and subsystem the code belongs to. */
extern char *mach_error_type(mach_error_t error_value);
/* Prints "str description (code)" on standard error. */
extern void mach_error(const char *str, mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif
