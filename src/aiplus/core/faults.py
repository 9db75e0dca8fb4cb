"""A test hook for fault tests (issue #8): stop a process at a named point so that a test can
kill it there and check that nothing of the interrupted work was kept.

`pause("demand-import")` does nothing unless the environment variable AIPLUS_FAULT_PAUSE names
that point: "demand-import" pauses at its first call, "demand-import:2" at its second. Then it
writes the file named by AIPLUS_FAULT_MARKER (if set) and sleeps AIPLUS_FAULT_SECONDS (120 by
default) — the test kills the process meanwhile. Production never sets the variable, and then
a call costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_calls: dict[str, int] = {}


def pause(point: str) -> None:
    wanted = os.environ.get("AIPLUS_FAULT_PAUSE")
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != point:
        return
    _calls[point] = count = _calls.get(point, 0) + 1
    if count != int(nth or 1):
        return
    marker = os.environ.get("AIPLUS_FAULT_MARKER")
    if marker:
        partial = Path(marker + ".tmp")
        partial.write_text(f"{point} {os.getpid()}\n")
        partial.replace(marker)  # appears whole
    time.sleep(float(os.environ.get("AIPLUS_FAULT_SECONDS", "120")))
