/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Network Data Representation record that MIG places after the
 * descriptors of a message with inline data: how the sender encodes
 * integers, characters and floating point. 8 bytes.
 */
#ifndef _MACH_NDR_H_
#define _MACH_NDR_H_

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	unsigned char mig_vers;
	unsigned char if_vers;
	unsigned char reserved1;
	unsigned char mig_encoding;
	unsigned char int_rep;
	unsigned char char_rep;
	unsigned char float_rep;
	unsigned char reserved2;
} NDR_record_t;

#define NDR_PROTOCOL_2_0      0
#define NDR_INT_BIG_ENDIAN    0
#define NDR_INT_LITTLE_ENDIAN 1
#define NDR_FLOAT_IEEE        0
#define NDR_FLOAT_VAX         1
#define NDR_FLOAT_CRAY        2
#define NDR_FLOAT_IBM         3
#define NDR_CHAR_ASCII        0
#define NDR_CHAR_EBCDIC       1

/* This machine's record, which MIG requests carry: bytes 00 00 00 00 01 00 00 00. */
extern NDR_record_t NDR_record;

#ifdef __cplusplus
}
#endif

#endif
