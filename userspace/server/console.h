/* SPDX-License-Identifier: GPL-3.0-or-later */
/* console_open: a stream socket whose output the server logs for the process. */
#ifndef DSERVER_CONSOLE_H
#define DSERVER_CONSOLE_H

struct process;

/* The client's end of a new console, or -errno. */
int console_open(struct process *process);
void consoles_close_all(struct process *process);

#endif
