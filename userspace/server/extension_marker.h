/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The sign that this server speaks dserver's extensions (PROTOCOL.md §11):
 * an abstract socket named after the server socket's file, bound while we
 * serve it, and a second one while the eBPF signal records are active.
 * Abstract names vanish with their last descriptor, so a crashed
 * server leaves nothing that a later upstream server could be taken for.
 */
#ifndef DSERVER_EXTENSION_MARKER_H
#define DSERVER_EXTENSION_MARKER_H

#include <stdbool.h>

/*
 * Bind the marker for the socket file at path, and with signal_records the
 * second one that says the eBPF signal records are active (§11). 0 or
 * -errno when the first could not be bound; a second that could not is
 * logged. The server runs on without them.
 */
int extension_marker_open(const char *socket_path, bool signal_records);
void extension_marker_close(void);

#endif
