#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into a scratch prefix, then builds mach_program.c with
# nothing but `pkg-config --cflags --libs dserver` from that prefix (so
# <mach/mach.h> and libdserver come from the install tree alone) and runs
# it in its offline mode. Also checks what the library exports.
#   install_test.sh BUILD_DIR LIBDIR SOURCE CC [EXTRA_CFLAG...]
set -eu
build=$1 libdir=$2 source=$3 cc=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
case $libdir in
/*) lib=$libdir ;;
*) lib=$work/prefix/$libdir ;;
esac
export PKG_CONFIG_PATH="$lib/pkgconfig"
cflags=$(pkg-config --cflags dserver)
libs=$(pkg-config --libs dserver)
# Nothing from the source tree may be found.
case "$cflags $libs" in
*"$work/prefix"*) ;;
*) echo "install_test: dserver.pc does not point into the install tree" >&2; exit 1 ;;
esac
# libdserver exports its API and nothing else: no MIG or client internals.
# (AddressSanitizer adds an __odr_asan. indicator for each exported variable.)
leaks=$(nm -D --defined-only "$lib/libdserver.so" | awk '{ print $3 }' |
	grep -Ev '^(dserver_rpc_|dserver_client_|dserver_sig|mach_|_kernelrpc_|task_|thread_|vm_|host_self_trap$|host_(set|get|swap)_exception_ports$|pid_for_task$|mig_(get|put|dealloc)_reply_port$|NDR_record$|_init$|_fini$|__odr_asan[.])' || true)
if [ -n "$leaks" ]; then
	echo "install_test: libdserver exports internal symbols:" $leaks >&2
	exit 1
fi
"$cc" -std=gnu11 -Wall -Wextra -Werror "$@" $cflags -o "$work/mach_program" "$source" $libs
LD_LIBRARY_PATH="$lib" "$work/mach_program" offline
