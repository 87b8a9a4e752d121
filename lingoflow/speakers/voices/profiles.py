"""Voice profile files (YAML, ``yaml.safe_load``ed, validated with pydantic).

A file holds ``profiles`` (name -> pitch_range and per-language voices), optionally ``speakers``
(enrolled people: name, reference clips, profile) and ``threshold`` (how alike a diarized
speaker must be to an enrolled one). ``voices/default.yaml`` ships the built-in profiles; a
user's file (``--voices FILE``) adds to them or replaces them (``defaults: false``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ... import yamlsafe
from ...paths import bundled
from ...errors import ConfigError
from ...dub.tts import ENGINES, Voice

DEFAULT_FILE = bundled("voices", "default.yaml")


class VoiceSettings(BaseModel):
    """One engine voice: what a profile speaks a language with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str
    name: str | None = Field(None, description="espeak-ng voice, Piper model (.onnx or embedded), Coqui model")
    variant: str | None = Field(None, pattern=r"^[a-zA-Z0-9_-]{1,20}$", description="espeak-ng variant: m1..m7, f1..f5, ...")
    pitch: int | None = Field(None, ge=0, le=99, description="espeak-ng pitch")
    rate: int | None = Field(None, ge=80, le=450, description="espeak-ng words per minute")
    length_scale: float | None = Field(None, gt=0.3, lt=3.0, description="Piper: >1 speaks slower")
    speaker: str | None = Field(None, description="Coqui multi-speaker models: a speaker id")
    clone: bool = Field(False, description="Coqui XTTS: clone the speaker's own voice from their clean segments")

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: str) -> str:
        if value not in ENGINES:
            raise ValueError(f"unknown TTS engine {value!r} (available: {', '.join(ENGINES)})")
        return value

    def voice(self, language: str, reference: str | None = None) -> Voice:
        return Voice(
            engine=self.engine, language=language, name=self.name, variant=self.variant, pitch=self.pitch,
            rate=self.rate, length_scale=self.length_scale, speaker=self.speaker,
            reference=reference if self.clone else None,
        )


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pitch_range: Literal["low", "high"] | None = Field(None, description="the speaking pitch this voice suits")
    voices: dict[str, VoiceSettings] = Field(..., min_length=1, description="language code or '*' -> voice")

    def settings_for(self, language: str, engine: str | None = None) -> VoiceSettings | None:
        """The voice for a language (its own entry, else '*'); with ``engine``, only that engine's."""
        for key in (language, language.split("-")[0], "*"):
            s = self.voices.get(key)
            if s is not None and (engine is None or s.engine == engine):
                return s
        return None


class Enrolled(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., min_length=1)
    clips: list[str] = Field(..., min_length=1, description="reference recordings of this person alone")
    profile: str


class VoiceLibrary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: bool = Field(True, description="also use the built-in profiles of voices/default.yaml")
    # CAM++ cosine, as the registry's LINK_THRESHOLD (calibrated on the AMI trn clips, speaker_registry.py)
    threshold: float = Field(0.62, ge=0.0, le=1.0, description="cosine similarity for an enrolled match")
    link_threshold: float | None = Field(None, ge=0.0, le=1.0, description="cosine similarity for one person across the "
                                         "library's files (speaker_registry.py); None: the calibrated LINK_THRESHOLD")
    profiles: dict[str, Profile] = Field(default_factory=dict)
    speakers: list[Enrolled] = Field(default_factory=list)
    source: str | None = None  # the file it came from (set by the loader)


def _line_of(root: yaml.Node | None, loc: tuple) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


_read_memo: dict[tuple, VoiceLibrary] = {}  # (path, size, mtime) -> the file as read: each file a run dubs reads it again


def _read(path: Path) -> VoiceLibrary:
    """The voices file validated, read once per version of it (parsing and validating it cost
    about 0.05 s a file: twice a file of a library)."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    known = _read_memo.get(key) if key else None
    if known is not None and all(Path(c).is_file() for sp in known.speakers for c in sp.clips):
        return known
    lib = _read_file(path)
    if key:
        _read_memo[key] = lib
    return lib


def _read_file(path: Path) -> VoiceLibrary:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"voices file {path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"voices file {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    yamlsafe.check(text, f"voices file {path}", "voices file")  # alias bombs, deep nesting
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"voices file {path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"voices file {path}:1: expected a mapping with 'profiles' and/or 'speakers'")
    try:
        lib = VoiceLibrary(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(root, err["loc"])
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"voices file {path}:{line}: {where}: {err['msg']}") from exc
    except TypeError as exc:
        raise ConfigError(f"voices file {path}:1: {exc}") from exc
    base = path.parent
    speakers = []
    for i, sp in enumerate(lib.speakers):
        clips = []
        for j, clip in enumerate(sp.clips):
            p = Path(os.path.expanduser(clip))
            p = p if p.is_absolute() else base / p
            if not p.is_file():
                line = _line_of(root, ("speakers", i, "clips", j))
                raise ConfigError(f"voices file {path}:{line}: speaker {sp.name!r}: reference clip not found: {p}")
            clips.append(str(p.resolve()))
        speakers.append(sp.model_copy(update={"clips": clips}))
    return lib.model_copy(update={"speakers": speakers, "source": str(path)})


def load_library(path: str | os.PathLike | None = None) -> VoiceLibrary:
    """The built-in profiles, plus (or, with ``defaults: false``, replaced by) those of ``path``."""
    builtin = _read(DEFAULT_FILE) if DEFAULT_FILE.is_file() else VoiceLibrary()
    if path is None:
        lib = builtin
    else:
        user = _read(Path(path))
        profiles = {**builtin.profiles, **user.profiles} if user.defaults else dict(user.profiles)
        lib = user.model_copy(update={"profiles": profiles})
    if not lib.profiles:
        raise ConfigError(f"voices file {lib.source}: no profiles (set defaults: true or add profiles)")
    names = {sp.name for sp in lib.speakers}
    if len(names) != len(lib.speakers):
        raise ConfigError(f"voices file {lib.source}: an enrolled speaker name is used twice")
    for sp in lib.speakers:
        if sp.profile not in lib.profiles:
            raise ConfigError(f"voices file {lib.source}: speaker {sp.name!r} names unknown profile {sp.profile!r} (known: {', '.join(lib.profiles)})")
    return lib
