#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the protocol code from include/dserver/protocol.def.

    gen-protocol.py PROTOCOL.DEF OUTDIR

writes into OUTDIR:
  dserver/protocol_gen.h  wire structs, call numbers, flags, the call list
  dserver/rpc_gen.h       libdserver's per-call function prototypes
  rpc_stubs_gen.c         their bodies (libdserver)
  call_table_gen.c        the server's dispatch tables

A request or reply may be followed by data of its own length ("request
SIZE tail MAX": SIZE fixed bytes, then up to MAX more). Such calls get no
generated stub: libdserver writes theirs by hand.

Calls whose number has bit 30 set (dserver's extensions, PROTOCOL.md §11)
get their structs, stubs and call-list entry like any other call, but go
into dserver_extension_call_table[], indexed by (number & 0xffff), instead
of dserver_call_table[].
"""
import os
import sys

TYPES = {  # name: (C type, size)
    "bool": ("bool", 1),
    "i16": ("int16_t", 2),
    "u16": ("uint16_t", 2),
    "i32": ("int32_t", 4),
    "u32": ("uint32_t", 4),
    "i64": ("int64_t", 8),
    "u64": ("uint64_t", 8),
    "ptr": ("uint64_t", 8),
    "fd": ("int32_t", 4),
}
FLAGS = ["AI", "PU", "U", "X", "B", "N"]
REQUEST_HEADER = 16
REPLY_HEADER = 8
EXTENSION_BIT = 0x40000000
INDEX_MASK = 0xffff


class Message:
    def __init__(self, size, header, tail=0):
        self.size = size
        self.header = header
        self.tail = tail  # up to this many bytes may follow the fixed part
        self.fields = []  # (type, name, offset)

    def fd_field(self):
        fds = [f for f in self.fields if f[0] == "fd"]
        return fds[0] if fds else None


class Call:
    def __init__(self, number, name, flags, where):
        self.number = number
        self.name = name
        self.flags = flags
        self.where = where
        self.request = None
        self.reply = None

    @property
    def wire_number(self):
        return self.number | (0x80000000 if "U" in self.flags else 0)

    @property
    def is_extension(self):
        return bool(self.number & EXTENSION_BIT)

    @property
    def has_tail(self):
        return bool(self.request.tail or self.reply.tail)

    @property
    def index(self):
        """The call's slot in its dispatch table."""
        return self.number & INDEX_MASK


def fail(where, msg):
    sys.exit(f"{where}: {msg}")


def parse(path):
    calls = []
    current = None
    section = None
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            if words[0] == "call":
                if len(words) < 3:
                    fail(where, "call NUMBER NAME [FLAG ...]")
                flags = words[3:]
                for fl in flags:
                    if fl not in FLAGS:
                        fail(where, f"unknown flag {fl}")
                current = Call(int(words[1], 0), words[2], flags, where)
                calls.append(current)
                section = None
            elif words[0] in ("request", "reply"):
                if current is None or not (len(words) == 2 or (len(words) == 4 and words[2] == "tail")):
                    fail(where, f"{words[0]} SIZE [tail MAX] inside a call")
                header = REQUEST_HEADER if words[0] == "request" else REPLY_HEADER
                section = Message(int(words[1], 0), header, int(words[3], 0) if len(words) == 4 else 0)
                setattr(current, words[0], section)
            else:
                if section is None or len(words) != 3 or words[0] not in TYPES:
                    fail(where, "expected TYPE FIELD OFFSET")
                section.fields.append((words[0], words[1], int(words[2], 0)))
    check(calls)
    return calls


def check(calls):
    seen = set()
    for c in calls:
        if c.number & ~(EXTENSION_BIT | INDEX_MASK):
            fail(c.where, f"call number {c.number:#x}: only bit 30 and bits 0-15 may be set "
                 "(bit 31 comes from the U flag)")
        if c.index == 0:
            fail(c.where, "call number 0 is invalid")
        if c.number in seen:
            fail(c.where, f"call number {c.number} twice")
        seen.add(c.number)
        if c.request is None or c.reply is None:
            fail(c.where, "a call needs a request and a reply")
        names = [f[1] for f in c.request.fields + c.reply.fields]
        for name in names:
            if name == "header" or name.startswith(("rpc_", "pad_")):
                fail(c.where, f"field name {name} is reserved (header, rpc_*, pad_*)")
            if names.count(name) > 1:
                fail(c.where, f"field name {name} twice (request and reply fields "
                     "are the stub's parameters)")
        for msg in (c.request, c.reply):
            end = msg.header
            for t, name, off in msg.fields:
                size = TYPES[t][1]
                if off < end:
                    fail(c.where, f"{name} overlaps the previous field")
                if off % size:
                    fail(c.where, f"{name} is not aligned")
                end = off + size
            if end > msg.size:
                fail(c.where, "fields run past the message size")
            if msg.tail and msg.size % 8:
                fail(c.where, "a tail must start 8-byte aligned")
            if len([f for f in msg.fields if f[0] == "fd"]) > 1:
                fail(c.where, "at most one descriptor per message (§1.3)")


def struct_body(msg, header_type):
    lines = [f"\tstruct {header_type} header;"]
    pos = msg.header
    for t, name, off in msg.fields:
        if off > pos:
            lines.append(f"\tuint8_t pad_{pos}[{off - pos}];")
        lines.append(f"\t{TYPES[t][0]} {name};")
        pos = off + TYPES[t][1]
    if msg.size > pos:
        lines.append(f"\tuint8_t pad_{pos}[{msg.size - pos}];")
    return "\n".join(lines)


def max_index(calls, extension):
    return max([c.index for c in calls if c.is_extension == extension], default=0)


def number_literal(c):
    return f"{c.number:#x}" if c.is_extension else str(c.number)


def flag_expr(call):
    if not call.flags:
        return "0"
    return " | ".join(f"DSERVER_CALL_{f}" for f in call.flags)


def gen_protocol_h(calls):
    out = [
        "/* Generated by scripts/gen-protocol.py from include/dserver/protocol.def. Do not edit. */",
        "#ifndef DSERVER_PROTOCOL_GEN_H",
        "#define DSERVER_PROTOCOL_GEN_H",
        "",
        "#include <stdbool.h>",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "#include <dserver/protocol_base.h>",
        "",
        "/* Wire numbers, bit 31 included for unmanaged calls. */",
    ]
    for c in calls:
        out.append(f"#define DSERVER_CALL_NUMBER_{c.name.upper()} {c.wire_number:#x}u")
    out.append("")
    out.append(f"#define DSERVER_CALL_MAX {max_index(calls, False)}")
    out.append(f"#define DSERVER_EXTENSION_CALL_MAX {max_index(calls, True)}")
    out.append("/* The largest datagrams of any call, tails included. */")
    out.append(f"#define DSERVER_MAX_REQUEST_WITH_TAIL {max(c.request.size + c.request.tail for c in calls)}")
    out.append(f"#define DSERVER_MAX_REPLY_WITH_TAIL {max(c.reply.size + c.reply.tail for c in calls)}")
    out.append("")
    for c in calls:
        for kind, msg, header in (("request", c.request, "dserver_request_header"),
                                  ("reply", c.reply, "dserver_reply_header")):
            sname = f"dserver_rpc_{c.name}_{kind}"
            out.append(f"struct {sname} {{")
            out.append(struct_body(msg, header))
            out.append("};")
            out.append(f"static_assert(sizeof(struct {sname}) == {msg.size}, \"{c.name} {kind} size\");")
            if msg.tail:
                out.append(f"#define DSERVER_RPC_{c.name.upper()}_{kind.upper()}_TAIL {msg.tail} "
                           "/* bytes that may follow */")
            for t, name, off in msg.fields:
                out.append(f"static_assert(offsetof(struct {sname}, {name}) == {off}, "
                           f"\"{c.name} {kind} {name}\");")
            out.append("")
    out.append("/*")
    out.append(" * X(number, name, flags, request_size, reply_size,")
    out.append(" *   request_fd_offset, reply_fd_offset): -1 where there is no fd field.")
    out.append(" */")
    out.append("#define DSERVER_FOR_EACH_CALL(X) \\")
    for c in calls:
        rq = c.request.fd_field()
        rp = c.reply.fd_field()
        out.append(f"\tX({number_literal(c)}, {c.name}, {flag_expr(c)}, {c.request.size}, {c.reply.size}, "
                   f"{rq[2] if rq else -1}, {rp[2] if rp else -1}) \\")
    out += ["", "#endif", ""]
    return "\n".join(out)


def stub_signature(c):
    params = []
    for t, name, _ in c.request.fields:
        params.append(f"int {name}" if t == "fd" else f"{TYPES[t][0]} {name}")
    for t, name, _ in c.reply.fields:
        params.append(f"int *{name}" if t == "fd" else f"{TYPES[t][0]} *{name}")
    return f"int dserver_rpc_{c.name}({', '.join(params) if params else 'void'})"


def gen_rpc_h(calls):
    out = [
        "/* Generated by scripts/gen-protocol.py from include/dserver/protocol.def. Do not edit. */",
        "#ifndef DSERVER_RPC_GEN_H",
        "#define DSERVER_RPC_GEN_H",
        "",
        "#include <dserver/protocol_gen.h>",
        "",
        "/*",
        " * One function per call. Each returns the reply's code (see PROTOCOL.md",
        " * §5.5) or a negative Linux errno for a transport failure. Descriptor",
        " * parameters are real descriptors (-1 for none); an fd out-parameter",
        " * receives a descriptor the caller owns, or -1.",
        " */",
    ]
    for c in calls:
        if not c.has_tail:
            out.append(stub_signature(c) + ";")
    out += ["", "#endif", ""]
    return "\n".join(out)


def gen_stubs_c(calls):
    out = [
        "/* Generated by scripts/gen-protocol.py from include/dserver/protocol.def. Do not edit. */",
        "#include <string.h>",
        "",
        "#include <dserver/rpc.h>",
        "#include \"rpc_transport.h\"",
        "",
    ]
    for c in calls:
        if c.has_tail:
            continue
        rq, rp = c.request.fd_field(), c.reply.fd_field()
        out.append(stub_signature(c))
        out.append("{")
        out.append(f"\tstruct dserver_rpc_{c.name}_request rpc_request;")
        out.append(f"\tstruct dserver_rpc_{c.name}_reply rpc_reply;")
        out.append("\tint rpc_code;")
        if rp:
            out.append("\tint rpc_received_fd = -1;")
        out.append("")
        out.append("\tmemset(&rpc_request, 0, sizeof(rpc_request));")
        out.append(f"\trpc_request.header.number = DSERVER_CALL_NUMBER_{c.name.upper()};")
        for t, name, _ in c.request.fields:
            if t == "fd":
                out.append(f"\trpc_request.{name} = {name} >= 0 ? 0 : -1;")
            else:
                out.append(f"\trpc_request.{name} = {name};")
        fd_in = rq[1] if rq else "-1"
        fd_out = "&rpc_received_fd" if rp else "NULL"
        out.append(f"\trpc_code = dserver_rpc_transact(&rpc_request.header, sizeof(rpc_request), {fd_in},")
        out.append(f"\t\t\t\t\t&rpc_reply.header, sizeof(rpc_reply), {fd_out}, {flag_expr(c)});")
        out.append("\tif (rpc_code < 0)")
        if rp:
            out.append("\t\tgoto out;")
        else:
            out.append("\t\treturn rpc_code;")
        for t, name, _ in c.reply.fields:
            if t == "fd":
                continue
            out.append(f"\tif ({name})")
            out.append(f"\t\t*{name} = rpc_reply.{name};")
        out.append("\trpc_code = rpc_reply.header.code;")
        if rp:
            out.append("out:")
            out.append(f"\tif ({rp[1]})")
            out.append(f"\t\t*{rp[1]} = rpc_received_fd;")
            out.append("\telse if (rpc_received_fd >= 0)")
            out.append("\t\tdserver_rpc_close(rpc_received_fd);")
        out.append("\treturn rpc_code;")
        out.append("}")
        out.append("")
    return "\n".join(out)


def gen_table_c(calls):
    out = [
        "/* Generated by scripts/gen-protocol.py from include/dserver/protocol.def. Do not edit. */",
        "#include \"call_table.h\"",
        "",
        "/* A call whose handler is not linked in gets the unsupported-call reply. */",
    ]
    for c in calls:
        out.append(f"void dserver_handle_{c.name}(struct call *call) __attribute__((weak));")
    for table, bound, extension in (("dserver_call_table", "DSERVER_CALL_MAX", False),
                                    ("dserver_extension_call_table", "DSERVER_EXTENSION_CALL_MAX", True)):
        out.append("")
        out.append(f"const struct call_info {table}[{bound} + 1] = {{")
        for c in calls:
            if c.is_extension != extension:
                continue
            rq, rp = c.request.fd_field(), c.reply.fd_field()
            out.append(f"\t[{c.index}] = {{ \"{c.name}\", {c.wire_number:#x}, {flag_expr(c)}, "
                       f"{c.request.size}, {c.reply.size}, {c.request.tail}, {c.reply.tail}, "
                       f"{rq[2] if rq else -1}, {rp[2] if rp else -1}, dserver_handle_{c.name} }},")
        out.append("};")
    out.append("")
    return "\n".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path) as f:
            if f.read() == text:
                return  # keep the timestamp: nothing to rebuild
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    calls = parse(sys.argv[1])
    outdir = sys.argv[2]
    write(os.path.join(outdir, "dserver", "protocol_gen.h"), gen_protocol_h(calls))
    write(os.path.join(outdir, "dserver", "rpc_gen.h"), gen_rpc_h(calls))
    write(os.path.join(outdir, "rpc_stubs_gen.c"), gen_stubs_c(calls))
    write(os.path.join(outdir, "call_table_gen.c"), gen_table_c(calls))


if __name__ == "__main__":
    main()
