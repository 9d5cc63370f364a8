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

static int marker_fd = -1;

int extension_marker_open(const char *socket_path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int len, err;

	if (stat(socket_path, &st) != 0)
		return -errno;
	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, DSERVER_EXTENSION_MARKER_FORMAT,
		       (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	marker_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (marker_fd < 0)
		return -errno;
	/* Nothing reads it: keep what a client may write there small (it then gets EAGAIN). */
	setsockopt(marker_fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 }, sizeof(int));
	if (bind(marker_fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) != 0) {
		err = -errno;
		close(marker_fd);
		marker_fd = -1;
		return err;
	}
	return 0;
}

void extension_marker_close(void)
{
	if (marker_fd >= 0)
		close(marker_fd);
	marker_fd = -1;
}
