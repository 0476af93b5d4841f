"""Free memory, read one way for the whole suite: the bytes new allocations can use now.

Linux's MemAvailable counts the page cache the kernel gives up for new allocations; the free pages
alone (sysconf's SC_AVPHYS_PAGES) leave it out and read far lower on a machine that has read files,
so they are only the fallback where /proc/meminfo is missing.
"""

import math
import os
from pathlib import Path

MEMINFO = Path("/proc/meminfo")


def available_bytes() -> float:
    """Bytes available to new allocations: MemAvailable, else free pages, else inf (the platform does not say,
    so no size is refused for memory)."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # no such name here; no sysconf at all (Windows)
        return math.inf
