"""How one process shares its cores between the files of a library (`--jobs`).

`jobs` files are in flight at once. Speech recognition is the one stage that uses every core by
itself, so at most `asr_slots` files recognize speech at the same time, each with its share of
the cores; while one file's speech is recognized, the others translate, synthesize and mux. On
2 cores that is two files in flight and one ASR at a time: the next file's recognition overlaps
the previous file's other stages, and at most one file is ahead (memory stays flat).
"""
from __future__ import annotations

import contextlib
import os
import threading

MAX_JOBS = 8


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what `taskset` left this process
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    return min(max(2, cores()), MAX_JOBS)


def asr_slots(jobs: int) -> int:
    """Recognitions at once: one per two cores (CTranslate2 scales well up to about 2 threads
    on these small models), never more than the files in flight."""
    return max(1, min(jobs, cores() // 2))


def asr_threads(jobs: int) -> int:
    return max(1, cores() // asr_slots(jobs))


def side_threads(jobs: int | None = None) -> int:
    """Threads for a network that runs beside recognition (the diarizer's segmentation and CAM++):
    the cores shared by the files in flight. Two files on 2 cores: one thread each, as a second
    thread only spins against the other file's ASR (CAM++ with 2 threads: 1.24x the CPU seconds of
    one thread for 0.63x the wall time; segmentation-3.0 1.19x for 0.6x; 2026-12-07)."""
    return max(1, cores() // (jobs or _jobs))


_jobs = 1
_gate = threading.BoundedSemaphore(1)


def configure(jobs: int | None) -> int:
    """Set this process's number of files in flight (None: from the cores); returns it."""
    global _jobs, _gate
    _jobs = jobs or default_jobs()
    _gate = threading.BoundedSemaphore(asr_slots(_jobs))
    return _jobs


def current_jobs() -> int:
    return _jobs


@contextlib.contextmanager
def asr_slot():
    """Held while a file's speech is recognized."""
    gate = _gate
    with gate:
        yield
