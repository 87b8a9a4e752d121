"""No garbage collection while a run loads what it keeps; what it loaded is then out of the
collector's view (lingoflow/runtime/heap.py)."""
from __future__ import annotations

import gc
import threading

from lingoflow.runtime import heap


def test_no_collection_while_loading_and_the_loaded_objects_are_frozen():
    gc.unfreeze()
    kept = [{"module": i} for i in range(10000)]  # what a load keeps for the process
    first, second = heap.loading(), heap.loading()
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()  # a background warm-up overlapping the start-up
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other load goes on
    second.__exit__(None, None, None)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)  # out of every later collection
    gc.unfreeze()


def test_a_failed_load_gives_the_collector_back():
    def load():
        with heap.loading():
            raise RuntimeError("a damaged model")

    errors = []
    thread = threading.Thread(target=lambda: errors.append(_raises(load)))
    thread.start()
    thread.join()
    assert errors == [True] and gc.isenabled()
    gc.unfreeze()


def _raises(fn) -> bool:
    try:
        fn()
    except RuntimeError:
        return True
    return False
