"""The JSON codec of a flat dataclass: its fields, written as they are and read back exactly."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
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


def read_schema_json(path: str | Path, schema: str) -> dict | None:
    """The JSON object a file holds when it is one of ours (its "schema" is `schema`); None when
    the file is missing, unreadable, not JSON or another schema's."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == schema else None
