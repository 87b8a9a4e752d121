"""The JSON codec of a flat dataclass: its fields, written as they are and read back exactly."""
from __future__ import annotations

from dataclasses import asdict
from typing import TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Mixed into a dataclass whose JSON is its fields: a key it does not know is an error (no
    guessing at other shapes), a field an older file lacks takes its default."""

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], d: dict) -> R:
        return cls(**d)
