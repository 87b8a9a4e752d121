"""The library's speaker registry: one identity (a library speaker id) per person across OUT.

Each file's run links its diarized speakers to the people the library already knows, by the
cosine similarity of the speaker's CAM++ embedding (up to 30 s of their own speech) to
each library speaker's centroid (the normalized mean of its members' embeddings), best pair
first, one person per speaker of a file, above LINK_THRESHOLD (calibrated on the AMI trn clips,
checked on dev: bench/diarization_linking.py). A speaker who matches nobody founds a new library
speaker, whose id comes from the file's bytes and the speaker's label (never from a counter, so
no two runs hand out the same id) and whose voice profile is the one their first file gave them.

The registry is one small JSON claim per source file (by its SHA-256) under
OUT/.lingoflow/speakers/: the file's speakers, their library ids, profiles and embeddings. Only
the run of that file writes it (atomically: a temporary renamed locally, a single PUT on S3).
A claim is sticky: a re-run of the same diarization reuses it as it is, so a file's ids and
voices (and with them its cached dub) never change because another file joined later. The
read-decide-write of a claim is serialized in a process (threads of `--jobs N`) and between
processes on one machine (a lock file); workers on different machines writing into one S3
OUT at the same moment can each found a library speaker for the same new person (S3 offers
no lock here; the next file that person speaks in links to one of them).
"""
from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..paths import cache_dir
from ..store.storage import LocalStore, S3Store, get_json, put_json

LINK_THRESHOLD = 0.62  # cosine of CAM++ embeddings, file speaker to library speaker centroid (trn clips: bench/diarization_linking.py --oracle-only)
PREFIX = "speakers"
SCHEMA = "lingoflow.speakers.diarization/2"  # 2: CAM++ embeddings (192-d); claims of 1 (resemblyzer, 256-d) are not read
ENROLLED = "enrolled:"  # library id prefix of an enrolled person (voices YAML): named, never matched by embedding


def encode_embedding(e) -> str:
    """An embedding as base64 float16 (384 bytes a speaker: the registry stays small)."""
    return base64.b64encode(np.asarray(e, dtype="<f2").tobytes()).decode("ascii")


@functools.lru_cache(maxsize=65536)  # every file's linking reads every claim: each embedding decoded once
def decode_embedding(text: str) -> np.ndarray:
    e = np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)
    e = e / (np.linalg.norm(e) or 1.0)
    e.flags.writeable = False  # shared by every caller
    return e


def new_id(sha256: str, label: str) -> str:
    return "spk-" + hashlib.sha256(f"{sha256}:{label}".encode()).hexdigest()[:10]


def diarization_digest(speakers) -> str:
    """What a claim was made from: a re-diarized file (other labels or voices) claims anew."""
    h = hashlib.sha256()
    for s in speakers:
        h.update(s.label.encode())
        h.update(np.asarray(s.embedding, dtype="<f2").tobytes())
    return h.hexdigest()[:16]


@dataclass
class Person:
    """A library speaker as the claims show it."""

    id: str
    centroid: np.ndarray | None
    profile: str | None  # the voice of its founding member (else of its earliest member)
    files: int


def people(claims: list[dict]) -> dict[str, Person]:
    """Library speakers from claims (enrolled people are matched by enrolment, not here)."""
    members: dict[str, list[tuple]] = {}
    for c in sorted(claims, key=lambda c: (c.get("created", 0.0), c.get("sha256", ""))):
        for sp in c.get("speakers", {}).values():
            if not sp.get("id") or sp["id"].startswith(ENROLLED):
                continue
            members.setdefault(sp["id"], []).append((sp.get("new", False), sp.get("profile"), sp.get("embedding")))
    out = {}
    for pid, ms in members.items():
        embs = [decode_embedding(e) for _, _, e in ms if e]
        centroid = None
        if embs:
            m = np.mean(embs, axis=0)
            centroid = m / (np.linalg.norm(m) or 1.0)
        founders = [p for new, p, _ in ms if new and p] or [p for _, p, _ in ms if p]
        out[pid] = Person(pid, centroid, founders[0] if founders else None, len(ms))
    return out


def match(speakers: dict[str, np.ndarray], known: dict[str, Person], threshold: float | None = None) -> dict[str, tuple[str, float]]:
    """label -> (library id, similarity) for the speakers of one file: best pair first, each
    library speaker at most once per file (two people of one file are never one person)."""
    threshold = LINK_THRESHOLD if threshold is None else threshold
    pairs = []
    for label, e in speakers.items():
        for pid, person in known.items():
            if person.centroid is not None and person.centroid.shape == np.shape(e):
                sim = float(np.asarray(e, dtype=np.float32) @ person.centroid)
                if sim >= threshold:
                    pairs.append((sim, label, pid))
    out: dict[str, tuple[str, float]] = {}
    taken = set()
    for sim, label, pid in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if label in out or pid in taken:
            continue
        out[label] = (pid, round(sim, 3))
        taken.add(pid)
    return out


_memo: dict[tuple[str, str], tuple[str, dict]] = {}  # (store, key) -> (etag, claim): claims are read once
_thread_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


class SpeakerRegistry:
    """The claims of one OUT, in a LocalStore (OUT/.lingoflow) or an S3Store (OUT/.lingoflow on S3)."""

    def __init__(self, store: LocalStore | S3Store):
        self.store = store

    @classmethod
    def for_root(cls, root) -> "SpeakerRegistry":
        """The registry of an OutputRoot (lingoflow/store/outroot.py)."""
        if root.remote is not None:
            return cls(S3Store(root.uri + "/.lingoflow", root.remote.config, client=root.remote.client))
        return cls(LocalStore(root.local / ".lingoflow"))

    def _key(self, sha256: str) -> str:
        return f"{PREFIX}/{sha256}.json"

    def claims(self) -> list[dict]:
        out = []
        for info in self.store.list(PREFIX):
            if not info.key.endswith(".json"):
                continue
            memo = _memo.get((self.store.uri, info.key))
            if memo is not None and memo[0] == info.etag:
                out.append(memo[1])
                continue
            try:
                claim = get_json(self.store, info.key)
            except (ValueError, UnicodeDecodeError):
                continue  # a damaged claim: that file links again on its next run
            if isinstance(claim, dict) and claim.get("schema") == SCHEMA:
                _memo[(self.store.uri, info.key)] = (info.etag, claim)
                out.append(claim)
        return out

    def put(self, claim: dict) -> None:
        put_json(self.store, self._key(claim["sha256"]), claim)

    @contextlib.contextmanager
    def lock(self):
        """One claim decided at a time: in this process (threads) and on this machine (processes)."""
        import fcntl

        with _guard:
            thread_lock = _thread_locks.setdefault(self.store.uri, threading.Lock())
        # in the cache, not in OUT: OUT holds only outputs (and the claims)
        path = cache_dir() / "locks" / f"speakers-{hashlib.sha256(str(self.store.uri).encode()).hexdigest()[:16]}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with thread_lock, open(path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def make_claim(sha256: str, item: str, diar: str, speakers: list, ids: dict[str, str], profiles: dict[str, str | None],
               founded: set[str], similarity: dict[str, float], created: float | None = None) -> dict:
    return {
        "schema": SCHEMA, "sha256": sha256, "item": item, "diarization": diar, "created": created or round(time.time(), 3),
        "speakers": {s.label: {"id": ids[s.label], "profile": profiles.get(s.label), "new": s.label in founded,
                               "similarity": similarity.get(s.label), "seconds": s.seconds,
                               "embedding": encode_embedding(s.embedding) if s.embedding else None}
                     for s in speakers if s.label in ids},
    }
