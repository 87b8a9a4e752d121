from __future__ import annotations

from typing import Protocol


class MtEngine(Protocol):
    name: str

    def supports(self, source: str, target: str) -> bool: ...

    def pairs(self) -> list[tuple[str, str]]:
        """The language pairs this engine serves as installed (for error messages)."""

    def model_identity(self, source: str, target: str) -> str: ...

    def translate(self, texts: list[str], source: str, target: str) -> list[str]: ...
