#!/usr/bin/env python3
"""Turns callgrind dumps of a NativeAOT grey-edge run into an ILC method order file (IlcOrderFile).

usage: method_order.py NM_OF_DBG ILC_OBJECT_SYMBOLS OUT CALLGRIND_OUT...
(environment VALGRIND_PIE_BASE: where valgrind loaded the executable, 0x108000 on amd64)

NM_OF_DBG: `nm -S --defined-only grey-edge.dbg` (addresses and sizes of the published binary's functions).
ILC_OBJECT_SYMBOLS: `nm --defined-only obj/.../native/grey-edge.o` (only symbols ILC emits can be ordered; the
native runtime, GC and libSystem.* parts are linked from static libraries and keep their place).
Every instruction address callgrind saw executed is mapped to the function containing it; the functions are
written in their current address order (which keeps the compiler's own grouping), one mangled name a line.
"""
import bisect
import os
import sys


def main() -> None:
    nm_dbg, ilc_syms, out, *dumps = sys.argv[1:]
    functions = []
    for line in open(nm_dbg, encoding="utf-8"):
        parts = line.split()
        if len(parts) == 4 and parts[2] in ("t", "T"):
            functions.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    functions.sort()
    starts = [f[0] for f in functions]
    emitted = {line.split()[-1] for line in open(ilc_syms, encoding="utf-8") if line.strip()}

    # Code valgrind attributes to the binary carries link-time addresses; code it could not attribute ("???": the
    # NativeAOT managed code) carries run-time addresses, the executable being loaded at this base.
    pie_base = int(os.environ.get("VALGRIND_PIE_BASE", "0x108000"), 16)
    executed = set()
    unmapped = 0
    for dump in dumps:
        current = None
        for line in open(dump, encoding="utf-8", errors="replace"):
            if line.startswith("ob="):
                current = line[3:].strip()
                continue
            if line.startswith("0x") and current is not None and (current == "???" or current.endswith("/grey-edge")):
                address = int(line.split()[0], 16) - (pie_base if current == "???" else 0)
                i = bisect.bisect_right(starts, address) - 1
                if i >= 0 and address < functions[i][0] + max(functions[i][1], 1):
                    executed.add(i)
                else:
                    unmapped += 1

    ordered = [functions[i] for i in sorted(executed) if functions[i][2] in emitted]
    names = [name for _, _, name in ordered]
    # Names an earlier recording found stay, after the new ones: runs differ a little (folded method bodies carry
    # several names, timers fire or not), and a name the code no longer has costs nothing. Delete OUT to start over.
    if os.path.exists(out):
        seen = set(names)
        names += [n for n in (line.strip() for line in open(out, encoding="utf-8")) if n and n not in seen]
    with open(out, "w", encoding="utf-8") as f:
        f.write("".join(name + "\n" for name in names))
    size = sum(s for _, s, _ in ordered)
    print(f"{unmapped} executed addresses outside the binary's functions (libraries, stubs)")
    print(f"{len(executed)} functions executed, {len(ordered)} emitted by ILC ({size // 1024} KiB of code); {len(names)} names -> {out}")


if __name__ == "__main__":
    main()
