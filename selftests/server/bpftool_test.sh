#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The eBPF side of a running dserver as bpftool shows it (README, "Signals
# and eBPF"): a server pins its program and maps, a managed client takes a
# signal, and bpftool must find the program (tracing, attached to
# signal_deliver), pretty-print the client's record with the fields named,
# and show the client's process in dserver_managed; the pins must be gone
# once the server has exited cleanly. Output in TAP, like the kselftests.
#
# usage: bpftool_test.sh DSERVER DSERVERCTL SIGNAL_CLIENT PYTHON3 HAVE_BPF
#
# Several servers may run at once (ctest -j): everything is looked up by
# the pinned paths or by the program id the server reports, and `bpftool
# prog show name` is only searched for that id.

# Functions run through check, eventually and the EXIT trap look unreachable to shellcheck.
# shellcheck disable=SC2317
set -u

server=$1 dserverctl=$2 client=$3 python=$4 have_bpf=$5
bpftool=${BPFTOOL:-/usr/sbin/bpftool}
pin=/sys/fs/bpf/dserver-test-$$
dir=
server_pid=
client_pid=
failures=0
count=0

echo "TAP version 13"

skip() {
	echo "1..0 # SKIP $*"
	exit 4
}

ok() {
	count=$((count + 1))
	echo "ok $count $1"
}

not_ok() {
	count=$((count + 1))
	failures=$((failures + 1))
	echo "not ok $count $1"
	shift
	# What was seen, as TAP diagnostics.
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
	return 0
}

# check NAME COMMAND...: ok if COMMAND succeeds, else not ok with its output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "$out"
	fi
}

# Wait up to 2 s for COMMAND... to succeed.
eventually() {
	for _ in $(seq 200); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	return 1
}

cleanup() {
	[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	# A server killed before its clean exit leaves pins: they go with the directory.
	[ -d "$pin" ] && rm -rf "$pin"
	[ -n "$dir" ] && rm -rf "$dir"
}
trap cleanup EXIT

# --- can this machine run the program at all? ---
[ "$have_bpf" = 1 ] || skip "built without eBPF support (-DDSERVER_BPF=OFF)"
[ -x "$bpftool" ] || skip "no bpftool at $bpftool (Debian package bpftool)"
[ -r /sys/kernel/btf/vmlinux ] || skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
# systemd mounts it at boot; a bare machine (a CI container, an init without systemd) may not have.
if [ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" != bpf_fs ] && [ "$(id -u)" = 0 ]; then
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
fi
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || skip "no bpf filesystem on /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)"
caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
# CAP_SYS_ADMIN (21), or CAP_PERFMON (38) with CAP_BPF (39).
(((0x$caps >> 21) & 1 || ((0x$caps >> 38) & 3) == 3)) ||
	skip "not root and without CAP_BPF+CAP_PERFMON: the kernel refuses the program"

dir=$(mktemp -d /tmp/dserver-bpftool-XXXXXX)
socket=$dir/sock
mkdir "$pin" || { echo "Bail out! cannot make $pin"; exit 1; }

# --bpf=on: a server that falls back would make every check below fail for the wrong reason.
"$server" --socket "$socket" --bpf=on --bpf-pin "$pin" 2>"$dir/stderr" &
server_pid=$!
for _ in $(seq 500); do
	[ -S "$socket" ] && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.01
done
if [ ! -S "$socket" ]; then
	echo "Bail out! the server did not start:"
	sed 's/^/# /' "$dir/stderr"
	exit 1
fi

# --- the program id, as dserverctl reports it ---
status=$("$dserverctl" --socket "$socket" status 2>&1)
prog_id=$(sed -n 's/^signal path eBPF (program dserver_signal, id \([0-9]\+\))$/\1/p' <<<"$status")
if [ -n "$prog_id" ]; then
	ok "dserverctl status: eBPF, program id $prog_id"
else
	not_ok "dserverctl status names the eBPF program" "$status"
	echo "Bail out! no program id"
	exit 1
fi

# --- a managed client takes SIGUSR1 and stays ---
# Its standard input is a FIFO that this script holds open on descriptor 3 until it may leave.
mkfifo "$dir/client_in"
DSERVER_SOCKET=$socket "$client" <"$dir/client_in" >"$dir/client_out" 2>&1 &
client_pid=$!
exec 3>"$dir/client_in"
for _ in $(seq 1000); do
	grep -q . "$dir/client_out" && break
	kill -0 "$client_pid" 2>/dev/null || break
	sleep 0.01
done
line=$(head -1 "$dir/client_out")
read -r _ pid _ tid _ signal <<<"$line"
if [ -n "${signal:-}" ] && [ "$signal" -gt 0 ]; then
	ok "client $pid took signal $signal on thread $tid"
else
	not_ok "the client took its signal" "it said: '$line'"
	echo "Bail out! no client"
	exit 1
fi

# --- the program ---
out=$("$bpftool" prog show name dserver_signal 2>&1)
if grep -q "^$prog_id: tracing  name dserver_signal  " <<<"$out"; then
	ok "bpftool prog show name dserver_signal: program $prog_id, type tracing"
else
	not_ok "bpftool prog show name dserver_signal lists program $prog_id as tracing" "$out"
fi
out=$("$bpftool" prog show pinned "$pin/dserver_signal" 2>&1)
if grep -q "^$prog_id: tracing  name dserver_signal  " <<<"$out"; then
	ok "the pinned program is program $prog_id"
else
	not_ok "bpftool prog show pinned $pin/dserver_signal is program $prog_id" "$out"
fi
# Attached: a link holds it on the signal_deliver tracepoint.
out=$("$bpftool" link show 2>&1)
if grep -A1 -E "^[0-9]+: [a-z_]+  prog $prog_id( |$)" <<<"$out" | grep -q "tp 'signal_deliver'"; then
	ok "bpftool link show: program $prog_id is attached to signal_deliver"
else
	not_ok "bpftool link show attaches program $prog_id to signal_deliver" "$out"
fi

# --- the records, pretty-printed with BTF ---
"$bpftool" map dump pinned "$pin/dserver_records" >"$dir/records" 2>&1
missing=
for field in seq tid signal si_code sender_pid fault_address flags syscall regs rip rsp rflags; do
	grep -q "\"$field\": " "$dir/records" || missing="$missing $field"
done
if [ -z "$missing" ]; then
	ok "bpftool map dump pinned dserver_records names the fields"
else
	not_ok "bpftool map dump pinned dserver_records names the fields (missing:$missing)" \
		"$(head -40 "$dir/records")"
fi
# The dump is JSON: exactly one record is the client's thread's, complete, with registers.
if out=$("$python" - "$dir/records" "$tid" "$signal" <<'EOF' 2>&1
import json, sys

records = json.load(open(sys.argv[1]))
tid, signal = int(sys.argv[2]), int(sys.argv[3])
mine = [r["value"] for r in records if r["value"]["tid"] == tid]
if len(records) != 4096:
    sys.exit(f"{len(records)} slots, not 4096")
if len(mine) != 1:
    sys.exit(f"{len(mine)} records for thread {tid}, not 1")
r = mine[0]
if r["signal"] != signal:
    sys.exit(f"the record of thread {tid} has signal {r['signal']}, not {signal}: {r}")
if r["seq"] == 0 or r["seq"] % 2:
    sys.exit(f"the record's seq is {r['seq']}: not complete")
if not r["regs"]["rip"] or not r["regs"]["rsp"]:
    sys.exit(f"the record has no registers: {r['regs']}")
print(f"seq {r['seq']}, rip {r['regs']['rip']:#x}")
EOF
); then
	ok "the record of thread $tid has signal $signal ($out)"
else
	not_ok "one record carries thread $tid and signal $signal" "$out"
fi

# --- the managed processes ---
out=$("$bpftool" map show pinned "$pin/dserver_managed" 2>&1)
managed_id=$(sed -n 's/^\([0-9]\+\): array  name dserver_managed  .*/\1/p' <<<"$out")
prog_maps=$("$bpftool" prog show id "$prog_id" 2>&1)
if [ -n "$managed_id" ] && grep -qE "map_ids ([0-9]+,)*$managed_id(,|$)" <<<"$prog_maps"; then
	ok "bpftool map show pinned dserver_managed: map $managed_id, an array, of program $prog_id"
else
	not_ok "bpftool map show pinned dserver_managed is an array map of program $prog_id" "$out" "$prog_maps"
fi
# A bitmap: bit (pid % 64) of word (pid / 64); the key is a little-endian u32.
managed_has_client() {
	local word=$((pid / 64)) bit=$((pid % 64)) value
	value=$("$bpftool" -j map lookup pinned "$pin/dserver_managed" \
		key $((word & 255)) $((word >> 8 & 255)) $((word >> 16 & 255)) 0 |
		sed -n 's/.*"formatted":{"key":[0-9]*,"value":\([0-9]*\)}.*/\1/p')
	[ -n "$value" ] && [ $(((value >> bit) & 1)) -eq 1 ]
}
managed_lacks_client() {
	! managed_has_client
}
program_unloaded() {
	! "$bpftool" prog show id "$prog_id"
}
check "dserver_managed holds the client's process $pid" managed_has_client

# --- the client leaves, then the server ---
exec 3>&-
wait "$client_pid"
client_status=$?
client_pid=
check "the client exited cleanly" test "$client_status" -eq 0
check "dserver_managed forgets process $pid when it dies" eventually managed_lacks_client

kill -TERM "$server_pid"
wait "$server_pid"
server_status=$?
server_pid=
check "the server exited cleanly" test "$server_status" -eq 0
pins=$(ls -A "$pin" 2>&1)
if [ -z "$pins" ]; then
	ok "no pins are left in $pin"
else
	not_ok "no pins are left in $pin" "$pins"
fi
check "program $prog_id is unloaded" eventually program_unloaded

# --- a server killed outright leaves its pins; the next one replaces them ---
start_pinned() {
	rm -f "$socket"
	"$server" --socket "$socket" --bpf=on --bpf-pin "$pin" 2>"$dir/stderr" &
	server_pid=$!
	for _ in $(seq 500); do
		[ -S "$socket" ] && break
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.01
	done
	[ -S "$socket" ]
}
start_pinned
kill -KILL "$server_pid"
wait "$server_pid"
server_pid=
check "a SIGKILLed server leaves its program pinned" test -e "$pin/dserver_signal"
if start_pinned && grep -q "replaced 5 pins" "$dir/stderr"; then
	ok "the next server replaces the 5 stale pins"
else
	not_ok "the next server replaces the 5 stale pins" "$(cat "$dir/stderr")"
fi
prog_id=$(sed -n 's/.*program dserver_signal, id \([0-9]\+\).*/\1/p' "$dir/stderr")
pinned_id=$("$bpftool" prog show pinned "$pin/dserver_signal" 2>&1 | sed -n 's/^\([0-9]\+\): .*/\1/p')
check "the pinned program is the new server's ($prog_id)" test -n "$prog_id" -a "$pinned_id" = "$prog_id"
kill -TERM "$server_pid"
wait "$server_pid"
server_pid=
pins=$(ls -A "$pin" 2>&1)
if [ -z "$pins" ] && rmdir "$pin"; then
	ok "no pins are left in $pin"
else
	not_ok "no pins are left in $pin after a clean exit" "$pins"
fi
check "program $prog_id is unloaded" eventually program_unloaded

echo "1..$count"
if [ "$failures" -ne 0 ]; then
	echo "# $failures of $count failed; the server said:"
	sed 's/^/# /' "$dir/stderr"
	exit 1
fi
echo "# all $count passed"
exit 0
