"""Run a stage unless an equal result exists: look up its key, else compute and record it.

The flows call `StageRunner.run` around every stage task; the runner decides, from the
ResultStore and the files in OUT, whether the stage runs or its recorded result is reused,
and fills report.stages[name] = {seconds, cached}.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from .. import progress
from ..store.cache import ResultStore, outputs_sha
from ..store.outroot import OutputRoot
from ..report import ItemReport, StageReport

def stage_kinds() -> tuple[str, ...]:
    """Every stage's --refresh name, in order (from the stage registry, plan.STAGES)."""
    from .plan import STAGES

    return tuple(stage.kind for stage in STAGES)


def check_refresh(names: Iterable[str]) -> list[str]:
    from ..errors import ConfigError

    kinds = stage_kinds()
    out = []
    for name in names:
        base = name.strip().lower()
        if base not in kinds and base != "all":
            raise ConfigError(f"--refresh {name!r}: not a stage (stages: {', '.join(kinds)}, or 'all')")
        out.append(base)
    return out


class NeedsRun(BaseException):
    """Raised by a dry StageRunner at the first stage with no reusable result.

    A BaseException so that the per-file `except Exception` (one failure never stops a
    library) does not swallow it.
    """


class StageRunner:
    def __init__(self, report: ItemReport, results: ResultStore, root: OutputRoot, refresh: Iterable[str] = (),
                 log: Callable[[str], None] | None = None, dry: bool = False):
        self.dry = dry  # only reuse: raise NeedsRun instead of computing
        self.report = report
        self.results = results
        self.root = root
        self.refresh = set(refresh)
        self.log = log or (lambda msg: None)

    def forced(self, name: str) -> bool:
        return "all" in self.refresh or name.split(".")[0] in self.refresh

    def _reusable(self, name: str, key: str, valid: Callable[[Any], bool] | None) -> dict | None:
        if self.forced(name):
            return None
        entry = self.results.get(name, key)
        if entry is None or not self.root.has(entry["outputs"]):
            return None
        if valid is not None and not valid(entry["value"]):
            return None
        return entry

    def reusable(self, name: str, key: str, valid: Callable[[Any], bool] | None = None) -> dict | None:
        """The stage's recorded entry when it would be reused now (outputs in place, not forced)."""
        return self._reusable(name, key, valid)

    def stage(self, stage, work, task) -> Any:
        """One stage of a file (pipeline/stage.py), run or reused, its result kept in `work`."""
        name = stage.name(work)
        value = self.run(name, stage.key(work), lambda: stage.run(work, task), encode=stage.encode, decode=lambda data: stage.decode(data, work),
                         outputs=lambda v: stage.outputs(work, v), valid=stage.valid)
        stage.keep(work, value, self.report.stages[name].cached)
        return value

    def run(self, name: str, key: str, compute: Callable[[], Any], *, encode: Callable[[Any], Any] = lambda v: v,
            decode: Callable[[Any], Any] = lambda v: v, outputs: Callable[[Any], list[str]] = lambda v: [],
            valid: Callable[[Any], bool] | None = None) -> Any:
        """The stage's value, computed or reused; records {seconds, cached} in the report."""
        item = self.report.item
        progress.emit(item, name, 0.0)
        started = time.perf_counter()
        cached = True
        try:
            entry = self._reusable(name, key, valid)
            if entry is None and self.dry:
                raise NeedsRun(name)
            if entry is None:
                with self.results.lock(name, key):
                    entry = self._reusable(name, key, valid)  # a concurrent run may have just made it
                    if entry is None:
                        cached = False
                        value = compute()
                        files = outputs(value)
                        entry = self.results.put(name, key, encode(value), outputs_sha(files, self.root.local), time.perf_counter() - started)
                        self.log(f"{name}: ran ({time.perf_counter() - started:.2f} s)")
                        return value
            self.log(f"{name}: cached (key {key[:12]})")
            return decode(entry["value"])
        finally:
            self.report.stages[name] = StageReport(round(time.perf_counter() - started, 3), cached=cached)
            progress.emit(item, name, 1.0)
