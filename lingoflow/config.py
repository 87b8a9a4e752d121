"""Run options, validated: what the CLI, the flows and API-triggered runs all accept."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    compute_type: str = "int8"
    mt_engine: str | None = Field(None, description="force one MT engine; default picks per pair")
    tts_engine: str | None = Field(None, description="force one TTS engine; default picks per language")
    max_speed: float = Field(1.35, ge=1.0, le=2.0, description="largest dub speed-up")

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        out: list[str] = []
        for code in value:
            norm = _normalize(code)
            if norm not in out:
                out.append(norm)
        return out

    @field_validator("source_language")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return _normalize(value) if value else None


def _normalize(code: str) -> str:
    """A ConfigError as a ValueError, so pydantic (and Prefect, for API-triggered runs) report
    it as a validation error of the field rather than crash in the validator."""
    try:
        return languages.normalize(code)
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc
