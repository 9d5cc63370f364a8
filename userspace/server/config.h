/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Settings from the command line that calls read. */
#ifndef DSERVER_CONFIG_H
#define DSERVER_CONFIG_H

#include "sigrecord.h"
#include "transport.h"

struct server_config {
	const char *socket_path;
	enum transport_io io;  /* --io */
	const char *mldr_path; /* the Mach-O loader, for mldr_path */
	enum sigrecord_request bpf; /* --bpf */
	const char *bpf_pin_dir;    /* --bpf-pin */
};

extern struct server_config server_config;

#endif
