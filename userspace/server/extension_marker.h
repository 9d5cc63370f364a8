/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The sign that this server speaks dserver's extensions (PROTOCOL.md §11):
 * an abstract socket named after the server socket's file, bound while we
 * serve it. Abstract names vanish with their last descriptor, so a crashed
 * server leaves nothing that a later upstream server could be taken for.
 */
#ifndef DSERVER_EXTENSION_MARKER_H
#define DSERVER_EXTENSION_MARKER_H

/* Bind the marker for the socket file at path; 0 or -errno (the server runs on without it). */
int extension_marker_open(const char *socket_path);
void extension_marker_close(void);

#endif
