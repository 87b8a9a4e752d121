"""transcript.json / transcript.txt (transcript.<lang>.json/.txt for a translation)."""
from __future__ import annotations

from pathlib import Path

from ...store.atomic import write_json, write_text
from .base import Document, Writer


class JsonWriter(Writer):
    name, suffix = "json", ".json"

    def paths(self, doc: Document, folder: Path) -> list[Path]:
        return [Path(folder) / f"transcript{doc.suffix}{self.suffix}"]

    def write(self, doc: Document, path: Path) -> Path:
        return write_json(path, doc.transcript.to_dict())


class TxtWriter(JsonWriter):
    name, suffix = "txt", ".txt"

    def write(self, doc: Document, path: Path) -> Path:
        t = doc.transcript
        return write_text(path, t.text + ("\n" if t.segments else ""))
