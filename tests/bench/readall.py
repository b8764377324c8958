#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Lean bare-read baseline: read every file named on stdin (NUL-separated)
once, with -P worker processes and a reused 1 MiB buffer.  Used as the
untimed cache warm-up and as a second "bare read" floor next to
`xargs cat`, whose per-file buffer allocation dominates on small files."""

import os
import sys


def main():
    procs = 1
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "-P":
        procs = max(1, int(args[1]))
    names = [n for n in sys.stdin.buffer.read().split(b"\0") if n]
    kids = []
    for k in range(procs):
        pid = os.fork() if procs > 1 else 0
        if pid:
            kids.append(pid)
            continue
        buf = bytearray(1 << 20)
        errors = 0
        for name in names[k::procs]:
            try:
                fd = os.open(name, os.O_RDONLY)
            except OSError:
                errors += 1
                continue
            try:
                while os.readv(fd, [buf]) > 0:
                    pass
            except OSError:
                errors += 1
            os.close(fd)
        if procs > 1:
            os._exit(1 if errors else 0)
        return 1 if errors else 0
    rc = 0
    for pid in kids:
        _, st = os.waitpid(pid, 0)
        if st:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
