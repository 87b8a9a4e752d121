"""Casting: each diarized speaker of a file gets one profile.

1. A speaker whose embedding matches an enrolled person's (cosine >= threshold) gets that
   person's profile; each enrolled person matches at most one speaker of a file (best first).
2. Every other speaker, the one who speaks most first, gets a profile no other speaker of the
   file has, of the pitch range (low/high) that matches their measured pitch, from the profiles
   not reserved for enrolled people; when those run out, the least-used matching one.
A speaker the library already knows (speaker_registry.py) keeps that person's profile
(`recast_fixed`, after 1 and before 2).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from ..diarize.measure import SpeakerInfo
from .profiles import VoiceLibrary


@dataclass
class Casting:
    speaker: str
    profile: str
    enrolled: str | None = None  # the enrolled person matched, if any
    similarity: float | None = None  # to that person (or the best enrolled candidate)
    pitch_hz: float | None = None
    pitch_range: str | None = None
    seconds: float = 0.0
    segments: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def cast(speakers: list[SpeakerInfo], library: VoiceLibrary, enrolled: dict[str, np.ndarray] | None = None) -> dict[str, Casting]:
    """Each speaker's profile: enrolled matches first, then distinct pitch-matched profiles."""
    enrolled = enrolled or {}
    profile_of = {sp.name: sp.profile for sp in library.speakers}
    result: dict[str, Casting] = {
        s.label: Casting(s.label, "", pitch_hz=s.pitch_hz, pitch_range=s.pitch_range, seconds=s.seconds, segments=s.segments) for s in speakers
    }
    # 1. enrolled matches, best pair first
    pairs = []
    for s in speakers:
        if not s.embedding:
            continue
        e = np.asarray(s.embedding, dtype=np.float32)
        e = e / (np.linalg.norm(e) or 1.0)
        for name, ref in enrolled.items():
            sim = float(e @ ref)
            pairs.append((sim, s.label, name))
            c = result[s.label]
            c.similarity = round(max(c.similarity if c.similarity is not None else -1.0, sim), 3)
    taken_speakers, taken_names = set(), set()
    for sim, label, name in sorted(pairs, reverse=True):
        if sim < library.threshold or label in taken_speakers or name in taken_names:
            continue
        taken_speakers.add(label)
        taken_names.add(name)
        result[label].profile, result[label].enrolled, result[label].similarity = profile_of[name], name, round(sim, 3)
    _fill(result, speakers, library, taken_speakers)
    return result


def recast_fixed(casting: dict[str, Casting], speakers: list[SpeakerInfo], library: VoiceLibrary,
                 fixed: dict[str, str]) -> dict[str, Casting]:
    """The casting again with some speakers' profiles fixed (the library speaker they are, see
    speaker_registry.py): enrolled matches stay, fixed speakers get their profile, everybody
    else a distinct pitch-matched profile as in `cast`."""
    result = {label: replace(c) for label, c in casting.items()}
    taken = {label for label, c in result.items() if c.enrolled}
    for label, profile in fixed.items():
        if label in result and label not in taken and profile in library.profiles:
            result[label].profile = profile
            taken.add(label)
    _fill(result, speakers, library, taken)
    return result


def _fill(result: dict[str, Casting], speakers: list[SpeakerInfo], library: VoiceLibrary, taken_speakers: set[str]) -> None:
    """2. everybody not yet cast: distinct, pitch-matched profiles."""
    reserved = {sp.profile for sp in library.speakers}
    free = [p for p in library.profiles if p not in reserved] or list(library.profiles)
    used: dict[str, int] = {p: 0 for p in library.profiles}
    for label in taken_speakers:
        used[result[label].profile] += 1
    for s in sorted(speakers, key=lambda s: -s.seconds):
        if s.label in taken_speakers:
            continue
        fits = [p for p in free if s.pitch_range is None or library.profiles[p].pitch_range in (s.pitch_range, None)] or free
        unused = [p for p in fits if used[p] == 0]
        choice = unused[0] if unused else min(fits, key=lambda p: used[p])
        used[choice] += 1
        result[s.label].profile = choice
