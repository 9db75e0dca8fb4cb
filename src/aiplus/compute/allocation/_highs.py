"""A quiet HiGHS instance.

HiGHS prints its copyright banner on standard output the first time an instance is built in
a process, before any option can switch output off; the command's summary and JSON on stdout
must stay clean, so the first construction runs with file descriptor 1 pointed at /dev/null.
"""

from __future__ import annotations

import os
import sys

import highspy

_quiet_once = False
# Threads for every instance of this process (None: HiGHS's default). Set once, before the
# first solve, by processes that run one search each (see milp.improve_parallel).
THREADS: int | None = None


def new_highs() -> highspy.Highs:
    """A `highspy.Highs` with logging off (and the banner swallowed the first time).

    The `threads` option is the same for every instance (`THREADS`): HiGHS sizes one global
    scheduler at the first solve and refuses to run (kError, no solution) any later instance
    asking for another size."""
    global _quiet_once
    if not _quiet_once:
        _quiet_once = True
        h = _construct_silently()
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if THREADS:
        h.setOptionValue("threads", THREADS)
    return h


def _construct_silently() -> highspy.Highs:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            return highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
    finally:
        os.close(saved)
