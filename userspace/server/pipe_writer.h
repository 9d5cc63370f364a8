/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Hand a client a pipe full of records without ever blocking the loop: what
 * does not fit into the pipe now is written when the reader makes room.
 */
#ifndef DSERVER_PIPE_WRITER_H
#define DSERVER_PIPE_WRITER_H

#include <stddef.h>

/*
 * Start writing size bytes of data (malloc'ed; ownership passes, also on
 * failure) into a new pipe. Returns the read end, or -errno.
 */
int pipe_writer_start(void *data, size_t size);

#endif
