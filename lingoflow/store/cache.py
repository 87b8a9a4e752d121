"""Content-keyed stage results: what determines a stage's output decides whether it runs again.

A stage's key is the SHA-256 of: the stage name, the stage's code (the source of the
functions and modules that compute it), the model's identity (engines report it), the stage's
inputs by content (the source's SHA-256, the upstream result's hash) and the stage's settings
(the run options minus those listed in NOT_AFFECTING as known not to change this stage; a new
option therefore joins every key until someone lists it: a needless re-run, never a stale
result). Option values that name files (glossaries, voice profiles) enter by content.

An entry is JSON (never pickle: results may sit in a shared bucket) holding the stage's value
and the outputs it wrote, by name and SHA-256, so a hit is only a hit when those files are
still there with those bytes. Entries are written atomically after the stage completes, which
is what makes a killed run resume where it stopped. The store is a local folder
(cache_dir()/results) or, when OUT is on S3, OUT/.lingoflow/results, so every worker sees
every result.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

from ..paths import cache_dir
from .storage import LocalStore, S3Store, get_json, put_json

CACHE_EPOCH = "1"  # bump to invalidate every entry (a change of entry format)

# Options that cannot change a stage's output, beyond those already captured by its inputs.
# Anything not listed joins the key.
_ASR_ONLY = {"asr_engine", "asr_model", "asr_batch", "beam_size", "compute_type", "source_language", "code_switching", "source_captions"}
_MT_ONLY = {"mt_engine", "mt_model", "glossaries"}
_DIARIZE_ONLY = {"diarize_engine", "speakers", "min_speakers", "max_speakers"}
_REDECODE = {"asr_engine", "asr_model", "beam_size", "compute_type"}  # the diarize stage decodes speech the transcript lacks
_DUB_ONLY = {"max_speed", "min_speed", "background", "duck_db"}
_RUN_ONLY = {"targets", "refresh", "formats", "burn_in", "jobs"}  # which stages run or files they write (keyed where written)
_CAPTIONS_ONLY = {"max_cps"}  # the captions stage keys it itself (pipeline/outputs.py)
NOT_AFFECTING: dict[str, set[str]] = {
    "ingest": {"*"},
    # a glossary's source terms are ASR hotwords: they enter through the transcribe stage's key
    # `hotwords`, so editing a glossary's translations does not re-transcribe
    "transcribe": _RUN_ONLY | _MT_ONLY | _DIARIZE_ONLY | _DUB_ONLY | _CAPTIONS_ONLY | {"tts_engine", "voices"},
    "diarize": _RUN_ONLY | (_ASR_ONLY - _REDECODE) | _MT_ONLY | _DUB_ONLY | _CAPTIONS_ONLY,  # the transcript it is given carries ASR's effect
    "captions": {"*"},  # a pure function of the transcript it is given
    "translate": _RUN_ONLY | _ASR_ONLY | _DIARIZE_ONLY | _DUB_ONLY | _CAPTIONS_ONLY | {"tts_engine", "voices"},
    "synthesize": _RUN_ONLY | _ASR_ONLY | _MT_ONLY | _DIARIZE_ONLY | _CAPTIONS_ONLY,
    "mux": {"*"},  # keyed by the files it muxes
}
FILE_OPTIONS = ("glossaries", "voices")  # options naming files or folders: keyed by content


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def _default(obj: Any):
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot key {type(obj).__name__}")


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj).encode("utf-8")).hexdigest()


def settings_for(stage: str, options: Any) -> dict:
    """The options that may change this stage's output (see NOT_AFFECTING)."""
    skip = NOT_AFFECTING.get(stage, set())
    if "*" in skip or options is None:
        return {}
    dump = options.model_dump(mode="json") if hasattr(options, "model_dump") else dict(options)
    out = {}
    for name, value in dump.items():
        if name in skip:
            continue
        if name in FILE_OPTIONS and value:
            value = [_content_of(v) for v in value] if isinstance(value, list) else _content_of(value)
        out[name] = value
    return out


def _content_of(value):
    """A file by its bytes, a folder by its files' names and bytes; anything else as given."""
    if not isinstance(value, str):
        return value
    path = Path(value)
    if path.is_file():
        return {"file_sha256": file_sha256(path)}
    if path.is_dir():
        return {"folder": {f.name: file_sha256(f) for f in sorted(path.iterdir()) if f.is_file() and not f.name.startswith(".")}}
    return value


_code_memo: dict[tuple, str] = {}


def code_identity(*parts: Callable | ModuleType | str) -> str:
    """A hash of the source of everything that computes a stage (plus CACHE_EPOCH): the modules
    of the functions or modules given and every lingoflow module they import, transitively
    (lingoflow/codehash.py); strings are hashed as given."""
    from .. import codehash

    names = tuple(dict.fromkeys(codehash.module_name(p) for p in parts if not isinstance(p, str)))
    key = (names, tuple(p for p in parts if isinstance(p, str)))
    if key not in _code_memo:
        h = hashlib.sha256(CACHE_EPOCH.encode())
        h.update(codehash.source_digest(names).encode())
        for p in key[1]:
            h.update(p.encode())
        _code_memo[key] = h.hexdigest()[:16]
    return _code_memo[key]


def stage_key(stage: str, *, code: str, inputs: dict, options: Any = None, model: str | None = None, extra: dict | None = None) -> str:
    return digest({"stage": stage, "code": code, "model": model, "inputs": inputs,
                   "settings": settings_for(stage, options), "extra": extra or {}})


# ---- file hashes, memoized by (path, size, mtime, inode) so an unchanged file is not re-read

_hash_memo: dict[tuple, str] = {}
_hash_lock = threading.Lock()


def _stat_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)


def _memo_file(stat_key: tuple) -> Path:
    return cache_dir() / "hashes" / f"{hashlib.sha256(canonical(list(stat_key)).encode()).hexdigest()}.sha256"


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes; remembered (in memory and on disk) while the file is unchanged."""
    path = Path(path)
    sk = _stat_key(path)
    with _hash_lock:
        if sk in _hash_memo:
            return _hash_memo[sk]
    memo = _memo_file(sk)
    try:
        sha = memo.read_text().strip()
    except OSError:
        sha = ""
    if len(sha) != 64:
        from ..io.media import sha256_file

        sha = sha256_file(path)
        remember_sha256(path, sha, sk)
    with _hash_lock:
        _hash_memo[sk] = sha
    return sha


def remember_sha256(path: str | os.PathLike, sha: str, stat_key: tuple | None = None) -> None:
    from .atomic import write_text

    sk = stat_key or _stat_key(Path(path))
    with _hash_lock:
        _hash_memo[sk] = sha
    with contextlib.suppress(OSError):
        write_text(_memo_file(sk), sha)


# ---- the result store

class ResultStore:
    """Stage entries under results/<stage>/<key[:2]>/<key>.json in a LocalStore or S3Store."""

    def __init__(self, store: LocalStore | S3Store):
        self.store = store

    @classmethod
    def for_output(cls, out_uri: str, s3_config=None) -> "ResultStore":
        from .storage import is_s3

        if is_s3(out_uri):
            return cls(S3Store(out_uri.rstrip("/") + "/.lingoflow", s3_config))
        return cls(LocalStore(cache_dir()))

    def _key(self, stage: str, key: str) -> str:
        return f"results/{stage.split('.')[0]}/{key[:2]}/{key}.json"

    def get(self, stage: str, key: str) -> dict | None:
        try:
            entry = get_json(self.store, self._key(stage, key))
        except (ValueError, UnicodeDecodeError):  # a damaged entry is a miss
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or entry.get("epoch") != CACHE_EPOCH:
            return None
        return entry

    def put(self, stage: str, key: str, value: Any, outputs: dict[str, str] | None = None, seconds: float = 0.0) -> dict:
        entry = {"epoch": CACHE_EPOCH, "stage": stage, "key": key, "value": value, "outputs": outputs or {},
                 "seconds": round(seconds, 3), "created": time.time()}
        put_json(self.store, self._key(stage, key), entry)
        return entry

    @contextlib.contextmanager
    def lock(self, stage: str, key: str):
        """Serialize one key between processes on this machine (two runs of one library)."""
        if not isinstance(self.store, LocalStore):
            yield
            return
        import fcntl

        path = cache_dir() / "locks" / f"{key}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def outputs_sha(paths: Iterable[str | os.PathLike], root: str | os.PathLike) -> dict[str, str]:
    """{name relative to root: sha256} for files a stage wrote."""
    return {Path(p).resolve().relative_to(Path(root).resolve()).as_posix(): file_sha256(p) for p in paths}
