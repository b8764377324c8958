# SPDX-License-Identifier: Apache-2.0
"""swapper.py DIR LINK_TARGET STOP - the attacker of t-action-swap.sh.

Until the file STOP exists: moves directory DIR aside, puts a symbolic
link to LINK_TARGET in its place, then puts the directory back; the link
is held for about half a millisecond, the directory for one, so that an
action racing it meets the real directory, the link, and no DIR at all.  Prints the number
of swaps on exit; the directory is back at DIR then.
"""
import os
import sys
import time

def main():
    path, target, stop = sys.argv[1:4]
    aside = path + '.aside'
    swaps = 0
    while not os.path.exists(stop):
        os.rename(path, aside)
        os.symlink(target, path)
        time.sleep(0.0005)
        os.unlink(path)
        os.rename(aside, path)
        time.sleep(0.001)
        swaps += 1
    print(swaps)

main()
