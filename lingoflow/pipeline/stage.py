"""A stage of one file's run, and the state the stages share.

A stage knows everything about itself: its name (in the report, the result store and
`--refresh`), its key (what decides its result: inputs by content, settings, model identity,
code), how it runs (through the task of its kind: a Prefect task in a flow), how its result is
stored and read back (its codec), the files it writes, and what it adds to the file's report.
The flow walks `plan.file_stages` and runs each stage unless its result is recorded.
"""
from __future__ import annotations

import inspect
import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

from ..store.cache import digest
from ..schema import SourceInfo, Transcript

if TYPE_CHECKING:  # annotations only: not part of any stage's code identity
    from ..config import LocalizeOptions
    from ..store.outroot import OutputRoot
    from ..report import ItemReport


@dataclass
class FileWork:
    """One file's run as its stages see it: what it is, where it goes, each stage's result so far."""

    source: str  # the path or s3:// URI as given
    item: str
    options: LocalizeOptions
    root: OutputRoot
    report: ItemReport
    s3: Any = None  # the S3 settings (lingoflow.store.storage.S3Config) when a URI is on S3
    log: logging.Logger | logging.LoggerAdapter = field(default_factory=lambda: logging.getLogger("lingoflow"))
    ingested: Any = None  # pipeline.ingest.Ingested
    transcript: Transcript | None = None  # the source transcript (with speakers once diarized)
    diarized: Any = None  # speakers.Diarized
    translations: dict[str, Transcript] = field(default_factory=dict)
    muxed: str | None = None  # the localized container, relative to OUT
    defer_unsure: bool = False  # a library's first pass: an unsure language is left for the library to decide
    packed: bool = False  # its transcript came from its library's packed decode (pipeline/transcribe.py)
    language: dict | None = None  # the library's decision (asr/language.py LanguageId) for an unsure file: its second pass

    @property
    def folder(self) -> Path:
        return self.root.folder(self.item)


class Stage:
    """One stage, declared once: `kind` (its Prefect task's name, its --refresh name, its name in
    the report and the result store), `function` (what its task runs: tasks/__init__.py wraps it),
    `limit_tag` (the tag users cap it by across workers, `prefect concurrency-limit create <tag> N`),
    and `arguments()`: what `function` is called with for a file. The run calls the function with
    those arguments and the key is computed from the same ones (`key_of`), so the two cannot
    drift apart; `code`, `model` and `extra` add what the arguments lead to (the engines picked,
    files read by their bytes). Listed in plan.STAGES; the options that change it say so
    themselves (lingoflow/config.py `option(affects=...)`)."""

    kind: ClassVar[str] = ""
    function: ClassVar[Callable[..., Any]]
    limit_tag: ClassVar[str | None] = None
    unkeyed: ClassVar[frozenset[str]] = frozenset()  # arguments that only label or hand over (progress names, a group's result)
    whole: ClassVar[frozenset[str]] = frozenset()  # transcripts keyed with their source URI (the files written carry it)

    def __init__(self, lang: str | None = None):
        self.lang = lang  # per-language stages: the language they make

    def name(self, work: FileWork) -> str:
        return f"{self.kind}.{self.lang}" if self.lang else self.kind

    def arguments(self, work: FileWork) -> dict[str, Any]:
        """`function`'s arguments, by name, for this file."""
        raise NotImplementedError

    def key(self, work: FileWork) -> str:
        return self.key_of(self.arguments(work), work.root.local if work.root is not None else None)

    @classmethod
    def key_of(cls, arguments: dict[str, Any], root: Path | None = None) -> str:
        """The key of calling `function` with `arguments` (its defaults filled in): each keyed
        argument by its content (`identity`), the options by those that affect this stage, plus
        the code, model and extra the arguments lead to. `root`: OUT, paths inside it are keyed
        by their place in it."""
        from ..config import LocalizeOptions
        from ..store.cache import code_identity, stage_key

        bound = inspect.signature(cls.function).bind(**arguments)
        bound.apply_defaults()
        given, inputs, options = bound.arguments, {}, None
        for name, value in given.items():
            if isinstance(value, LocalizeOptions):
                options = value
            elif name not in cls.unkeyed:
                inputs[name] = identity(value, root, whole=name in cls.whole)
        return stage_key(cls.kind, code=code_identity(cls.function, *cls.code(given)), inputs=inputs, options=options,
                         model=cls.model(given), extra=cls.extra(given))

    @classmethod
    def code(cls, arguments: dict[str, Any]) -> list:
        """Modules beyond `function`'s own whose code decides the result (the engines it picks)."""
        return []

    @classmethod
    def model(cls, arguments: dict[str, Any]) -> str | None:
        """The identity of the model weights it uses."""
        return None

    @classmethod
    def extra(cls, arguments: dict[str, Any]) -> dict:
        """What the arguments lead to beyond their own content (files by their bytes, settings read elsewhere)."""
        return {}

    def run(self, work: FileWork, task: Callable) -> Any:
        """Compute the result with `task` (the stage's Prefect task, or its plain function)."""
        return task(**self.arguments(work))

    def outputs(self, work: FileWork, value: Any) -> list[Path]:
        """The files in OUT the result stands for (reused only while they are in place)."""
        return []

    def encode(self, value: Any) -> Any:
        return value

    def decode(self, data: Any, work: FileWork) -> Any:
        return data

    def valid(self, data: Any) -> bool:
        """Whether a recorded result can still be used (e.g. its cached audio is still there)."""
        return True

    def keep(self, work: FileWork, value: Any, cached: bool) -> None:
        """Put the result where the later stages and the report find it."""


def identity(value: Any, root: Path | None = None, whole: bool = False) -> Any:
    """An argument as a stage key holds it: a transcript by its words (`content_digest`; `whole`:
    with its source URI), a path inside OUT by its place there, an object by its own
    `key_identity()` (the ingested source by its bytes' hash), plain data as it is."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Transcript):
        return digest(value.to_dict()) if whole else content_digest(value)
    if isinstance(value, Path):
        if root is not None and value.is_relative_to(root):
            return value.relative_to(root).as_posix()
        return str(value)
    if isinstance(value, (list, tuple)):
        return [identity(v, root) for v in value]
    if isinstance(value, dict):
        return {str(k): identity(v, root) for k, v in value.items()}
    if hasattr(value, "key_identity"):
        return identity(value.key_identity(), root)
    raise TypeError(f"a stage argument of type {type(value).__name__} has no key identity")


class Handoff:
    """Stage results a group step computed for files before their own runs (the transcribe
    stage's packed decode, pipeline/transcribe.py), by (kind, key): each file's stage task then
    returns its own at once, so the stage still runs, is recorded and shows in the file's run."""

    def __init__(self):
        self._values: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def put(self, kind: str, key: str, value: Any) -> tuple[str, str]:
        with self._lock:
            self._values[(kind, key)] = value
        return kind, key

    def take(self, kind: str, key: str) -> Any:
        with self._lock:
            return self._values.pop((kind, key), None)

    def discard(self, keys) -> None:
        """What the group's files did not take (a file that failed before the stage)."""
        with self._lock:
            for k in keys:
                self._values.pop(k, None)


HANDOFF = Handoff()


def content_digest(transcript: Transcript) -> str:
    """A transcript's digest without its source URI (which a rename changes, the words do not)."""
    d = transcript.to_dict()
    d["source"] = {"sha256": transcript.source.sha256, "duration": transcript.source.duration}
    d.pop("language_id", None)  # how the language was decided: the words and the language are what count
    return digest(d)


def with_source(transcript: Transcript, ingested) -> Transcript:
    """A reused transcript, pointed at the source as it is named now."""
    return replace(transcript, source=SourceInfo(ingested.uri, ingested.sha256, round(ingested.duration, 3)))


def module_of(obj) -> object:
    """The module an engine's class lives in (its code is part of the key of the stage using it)."""
    import sys

    return sys.modules[type(obj).__module__]
