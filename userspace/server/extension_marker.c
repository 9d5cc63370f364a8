/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <dserver/protocol_base.h>

#include "extension_marker.h"
#include "log.h"

static int marker_fd = -1;
static int record_marker_fd = -1;

/* Bind the abstract name format makes of the socket file's identity; the socket, or -errno. */
static int bind_marker(const char *format, const struct stat *st)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int len, fd, err;

	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, format, (unsigned long long)st->st_dev,
		       (unsigned long long)st->st_ino);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Nothing reads it: keep what a client may write there small (it then gets EAGAIN). */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 }, sizeof(int));
	if (bind(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int extension_marker_open(const char *socket_path, bool signal_records)
{
	struct stat st;

	if (stat(socket_path, &st) != 0)
		return -errno;
	marker_fd = bind_marker(DSERVER_EXTENSION_MARKER_FORMAT, &st);
	if (marker_fd < 0) {
		int err = marker_fd;

		marker_fd = -1;
		return err;
	}
	if (signal_records) {
		record_marker_fd = bind_marker(DSERVER_SIGNAL_RECORD_MARKER_FORMAT, &st);
		if (record_marker_fd < 0) {
			/* The plain path works as well, only slower. */
			log_warn("server", "no signal-record marker (%s): clients will take the plain signal path",
				 strerror(-record_marker_fd));
			record_marker_fd = -1;
		}
	}
	return 0;
}

void extension_marker_close(void)
{
	if (marker_fd >= 0)
		close(marker_fd);
	if (record_marker_fd >= 0)
		close(record_marker_fd);
	marker_fd = -1;
	record_marker_fd = -1;
}
