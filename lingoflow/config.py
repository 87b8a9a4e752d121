"""Run options, validated: what the CLI, the flows and API-triggered runs all accept."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import languages
from .errors import ConfigError


class LocalizeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[str] = Field(default_factory=list, description="target languages (ISO 639-1)")
    source_language: str | None = Field(None, description="spoken language; None detects it")
    asr_engine: str = "faster-whisper"
    asr_model: str = Field("base", description="embedded name, hub name or local CTranslate2 folder")
    code_switching: bool = Field(False, description="detect the language of every 30 s window (files mixing languages)")
    beam_size: int = Field(5, ge=1, le=20)
    # 0 by default until batched decoding is lossless on the real recordings (README: Performance)
    asr_batch: int = Field(0, ge=0, le=64, description="speech chunks decoded at once (cut in pauses); 0: the sequential decoder")
    compute_type: str = "int8"
    mt_engine: str | None = Field(None, description="force one MT engine; default picks per pair")
    mt_model: list[str] = Field(
        default_factory=list,
        description="MT models for the ctranslate2/transformers engines: hub names or local Transformers folders, optionally per pair (en-es=NAME)",
    )
    glossaries: list[str] = Field(default_factory=list, description="glossary YAML files (or folders of them); a later one overrides an earlier one's terms")
    tts_engine: str | None = Field(None, description="force one TTS engine; default picks per language")
    max_speed: float = Field(1.35, ge=1.0, le=2.0, description="largest dub speed-up")
    max_cps: float | None = Field(None, ge=5.0, le=40.0, description="caption reading speed (characters a second) for every language; default: by language")
    # speakers and voices (README "Speakers and voices")
    diarize_engine: str = Field("campp", description="campp (default: segmentation-3.0 + CAM++), pyannote (hub), resemblyzer, resemblyzer-ahc, or 'none' (one speaker)")
    speakers: int | None = Field(None, ge=1, le=32, description="number of speakers; None estimates it")
    min_speakers: int = Field(1, ge=1, le=32, description="lower bound when estimating")
    max_speakers: int = Field(8, ge=1, le=32, description="upper bound when estimating")
    voices: str | None = Field(None, description="voice profile YAML (profiles, enrolled speakers)")
    min_speed: float = Field(0.9, ge=0.9, le=1.0, description="smallest dub speed factor (a short clip is slowed at most this far)")
    background: Literal["original", "none"] = Field("original", description="keep the original sound under the dub, ducked")
    duck_db: float = Field(15.0, ge=0.0, le=60.0, description="how far the background is lowered under speech, in dB")
    jobs: int | None = Field(None, ge=1, le=64, description="files in flight at once in one process; None: from the cores (lingoflow/parallel.py)")
    # outputs and human captions (README "Outputs", "Human captions as the source")
    formats: list[str] = Field(default_factory=lambda: ["srt", "vtt"], description="caption formats: srt, vtt, ass, ttml, bilingual (SRT always)")
    burn_in: str | None = Field(None, description="a language whose captions are burned into a copy of the video")
    source_captions: Literal["auto", "prefer", "ignore"] = Field("auto", description="human captions or transcript beside the media or in it")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for code in value:
            norm = _normalize(code)
            if norm not in out:
                out.append(norm)
        return out

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
        from .writers import parse_formats

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
