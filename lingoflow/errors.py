"""Errors lingoflow raises on purpose, split by whether retrying can help."""
from __future__ import annotations


class LingoflowError(Exception):
    """Base class for errors with a message meant for the user."""


class InputError(LingoflowError):
    """A source file cannot be processed: deterministic, never retried."""

    def __init__(self, path: str, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")


class ConfigError(LingoflowError):
    """Bad configuration or options, reported before any audio is processed."""


class EngineUnavailable(ConfigError):
    """No installed engine or model can serve what was asked (a language pair, a voice)."""


class OutputError(LingoflowError):
    """An output could not be written (disk full, file too large): not retried, since the
    same write fails again until space is freed; the partial file is removed."""

    def __init__(self, path: str, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"cannot write {self.path}: {cause}")


class ToolError(LingoflowError):
    """An external tool (ffmpeg, espeak-ng) failed for a reason that may be transient."""


def is_deterministic(exc: BaseException) -> bool:
    """True when retrying cannot help (bad input or configuration)."""
    return isinstance(exc, (InputError, ConfigError, OutputError))
