"""The cyclic garbage collector while a run loads its modules and models.

Loading Prefect, pydantic, torch and faster-whisper makes a few million objects that live as
long as the process; the collector's full passes walk all of them, holding the GIL, so every
thread stops meanwhile. In a CLI run of 12 short files there were eight full passes, six of them
while the speaker encoder loaded in the background, up to 0.33 s each (1.4 s in all). So no
collection runs while something loads (reference counting still frees what is not in a
cycle), and what was loaded is then frozen out of the collector's view (gc.freeze); objects
made after that are collected as before. A frozen object that later becomes cyclic garbage is
not freed: what a run loads lives for the process anyway.
"""
from __future__ import annotations

import contextlib
import gc
import threading

_loads = 0  # loads going on now (the CLI's start-up, a background warm-up)
_lock = threading.Lock()


@contextlib.contextmanager
def loading():
    """Around loading what the process keeps (imports, models); loads may overlap."""
    global _loads
    with _lock:
        _loads += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _loads -= 1
            if _loads == 0:
                gc.freeze()
                gc.enable()
