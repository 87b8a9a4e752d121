"""Run options, validated: what the CLI, the flows and API-triggered runs all accept."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import languages
from .errors import ConfigError


# The stages an option can change, by kind (lingoflow/pipeline/plan.py): each stage's cache key
# holds exactly the options that name it (store/cache.py:settings_for). An option declared without
# `affects` joins every stage's key: a needless re-run, never a stale result.
ASR, DIARIZE, MT, DUB, CAPTIONS = ("transcribe",), ("diarize",), ("translate",), ("synthesize",), ("captions",)
RUN_ONLY = ()  # which stages run or which files they write: keyed by the stages that write them


def option(default: Any = ..., *, affects: tuple[str, ...] | None = None, description: str = "", flags: tuple[str, ...] = (),
           names_from: str | None = None, comma: bool = False, **constraints: Any) -> Any:
    """A run option, declared once: its default and constraints, its help (the CLI's, the
    deployments' and the Prefect UI's), the stages whose result it can change, its CLI flags
    (default `--the-name`) and, for an engine or a format, the registry its names come from
    ("asr", "mt", "tts", "diarize" or "formats": the CLI help lists them); `comma`: a list the CLI
    takes as one comma-separated value."""
    extra = {"affects": None if affects is None else list(affects), "flags": list(flags), "names_from": names_from, "comma": comma}
    if "default_factory" in constraints:
        return Field(description=description, json_schema_extra=extra, **constraints)
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class LocalizeOptions(BaseModel):
    """Every option of a localize run: the CLI's options (flows/cli.py), the deployments'
    `options` parameter and API-triggered runs are all made from this one list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def declared(cls, name: str) -> dict:
        extra = cls.model_fields[name].json_schema_extra
        return extra if isinstance(extra, dict) else {}

    @classmethod
    def affecting(cls, stage: str) -> list[str]:
        """The options that can change this stage's result (undeclared ones included)."""
        return [name for name in cls.model_fields if cls.declared(name).get("affects") is None or stage in cls.declared(name)["affects"]]

    targets: list[str] = option(default_factory=list, affects=RUN_ONLY, flags=("--to", "-t"),
                                description="target language (ISO 639-1), repeatable; none: transcribe and caption only")
    source_language: str | None = option(None, affects=ASR, flags=("--from",), description="spoken language; default: detected per file")
    # the diarize stage decodes again the speech the diarizer hears without transcript words: the
    # model and its decoding settings change that stage too
    asr_engine: str = option("faster-whisper", affects=ASR + DIARIZE, names_from="asr", description="speech recognition engine")
    asr_model: str = option("base", affects=ASR + DIARIZE, description="Whisper model: embedded 'base' or 'tiny.en', a hub name, or a local CTranslate2 folder")
    languages: list[str] = option(default_factory=list, affects=ASR, comma=True,
                                  description="the library's languages, comma-separated (e.g. en,fr): each file's language is decided within them (docs/languages.md)")
    code_switching: bool = option(False, affects=ASR, flags=("--code-switching",),
                                  description="detect the language of every 30 s window (recordings that mix languages)")
    beam_size: int = option(5, affects=ASR + DIARIZE, description="beam search width of speech recognition", ge=1, le=20)
    # 0 by default until batched decoding is lossless on the real recordings (docs/performance.md)
    asr_batch: int = option(0, affects=ASR, ge=0, le=64,
                            description="speech chunks (cut in pauses) decoded at once, e.g. 8; 0 (default): the sequential decoder")
    asr_pack: Literal["auto", "off"] = option("auto", affects=ASR,
                                              description="short files' speech packed into shared 30 s recognition windows: auto (files under 20 s of speech, in a library) or off (docs/performance.md)")
    compute_type: str = option("int8", affects=ASR + DIARIZE, description="CTranslate2 compute type of speech recognition (int8, float16, ...)")
    mt_engine: str | None = option(None, affects=MT, names_from="mt", description="MT engine (default: the first that serves the pair)")
    mt_model: list[str] = option(
        default_factory=list, affects=MT,
        description="MT model for ctranslate2/transformers: hub name or local folder, optionally SRC-TGT=NAME; repeatable",
    )
    glossaries: list[str] = option(default_factory=list, affects=MT, flags=("--glossary", "-g"),
                                   description="glossary YAML file (or folder); repeatable, later ones override earlier ones")
    tts_engine: str | None = option(None, affects=DIARIZE + DUB, names_from="tts", description="TTS engine (default: the first that speaks the language)")
    max_speed: float = option(1.35, affects=DUB, ge=1.0, le=2.0, description="largest dub speed-up")
    max_cps: float | None = option(None, affects=CAPTIONS, ge=5.0, le=40.0,
                                   description="caption reading speed, characters a second, for every language (default: by language, e.g. en 20, pt 17)")
    # clean verbatim, reading norms, the dub's speed-up cap (docs/captions-and-dubs.md)
    verbatim: bool = option(False, affects=MT + DUB + CAPTIONS, flags=("--verbatim",),
                            description="captions, translation and dub keep every word said (court, compliance); default: clean verbatim")
    reading_profile: Literal["adult", "children"] = option("adult", affects=CAPTIONS,
                                                           description="caption reading speeds: adult, or children (en 17, others 13 cps)")
    max_speedup: float = option(1.4, affects=DUB, ge=1.0, le=2.0, description="largest dub speed-up, engine rate x time stretch together")
    # speakers and voices (docs/voices.md)
    diarize_engine: str = option("campp", affects=DIARIZE, names_from="diarize", description="speaker diarization engine, or 'none' (one speaker)")
    speakers: int | None = option(None, affects=DIARIZE, ge=1, le=32, description="number of speakers (default: estimated per file)")
    min_speakers: int = option(1, affects=DIARIZE, ge=1, le=32, description="at least this many speakers when estimating")
    max_speakers: int = option(8, affects=DIARIZE, ge=1, le=32, description="at most this many speakers when estimating")
    voices: str | None = option(None, affects=DIARIZE + DUB, description="voice profile YAML: profiles and enrolled speakers (docs/voices.md)")
    min_speed: float = option(0.9, affects=DUB, ge=0.9, le=1.0, description="smallest dub speed factor (a short clip is slowed at most this far)")
    background: Literal["original", "none"] = option("original", affects=DUB,
                                                     description="under the dub: 'original' (the source sound, ducked under speech) or 'none'")
    duck_db: float = option(15.0, affects=DUB, ge=0.0, le=60.0, description="how far the background is lowered under speech (dB)")
    jobs: int | None = option(None, affects=RUN_ONLY, ge=1, le=64, flags=("--jobs", "-j"),
                              description="files in flight at once (default: from the cores; 1: one file after another)")
    # outputs and human captions (docs/usage.md)
    formats: list[str] = option(default_factory=lambda: ["srt", "vtt"], affects=RUN_ONLY, names_from="formats", comma=True,
                                description="caption formats, comma-separated (SRT is always written)")
    burn_in: str | None = option(None, affects=RUN_ONLY,
                                 description="burn this language's captions into a copy of the video (<item>.burned-in.<lang>.mp4|mkv)")
    source_captions: Literal["auto", "prefer", "ignore"] = option(
        "auto", affects=ASR, description="human captions or transcript beside the media or inside it: auto, prefer or ignore (docs/usage.md)")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for code in value:
            norm = _normalize(code)
            if norm not in out:
                out.append(norm)
        return out

    @field_validator("languages", mode="before")
    @classmethod
    def _languages(cls, value):
        codes = [c for item in ([value] if isinstance(value, str) else value) for c in str(item).split(",")]
        return list(dict.fromkeys(_normalize(c.strip()) for c in codes if c.strip()))

    @field_validator("mt_model", "glossaries", mode="before")
    @classmethod
    def _listify(cls, value):
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _speaker_bounds(self) -> "LocalizeOptions":
        if self.min_speakers > self.max_speakers:
            raise ValueError(f"min_speakers ({self.min_speakers}) is above max_speakers ({self.max_speakers})")
        return self

    @field_validator("source_language", "burn_in")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return _normalize(value) if value else None

    @field_validator("formats", mode="before")
    @classmethod
    def _formats(cls, value):
        from .captions.writers import parse_formats

        try:
            return list(parse_formats(value))
        except ConfigError as exc:
            raise ValueError(str(exc)) from exc

    @model_validator(mode="after")
    def _burn_in_language(self):
        if self.burn_in and self.burn_in not in self.targets and self.source_language and self.burn_in != self.source_language:
            raise ValueError(f"--burn-in {self.burn_in}: captions exist only in the source language ({self.source_language}) "
                             f"and the --to targets ({', '.join(self.targets) or 'none'})")
        return self


def _normalize(code: str) -> str:
    """A ConfigError as a ValueError, so pydantic (and Prefect, for API-triggered runs) report
    it as a validation error of the field rather than crash in the validator."""
    try:
        return languages.normalize(code)
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc
