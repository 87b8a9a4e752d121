from __future__ import annotations


class MtEngine:
    """A machine translation engine; the optional hooks do nothing unless an engine needs them."""

    name: str = ""
    takes_model: bool = False  # loads the models named with --mt-model (its constructor takes their specs)

    def supports(self, source: str, target: str) -> bool:
        raise NotImplementedError

    def pairs(self) -> list[tuple[str, str]]:
        """The language pairs this engine serves as installed (for error messages)."""
        raise NotImplementedError

    def model_identity(self, source: str, target: str) -> str:
        raise NotImplementedError

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        raise NotImplementedError

    def warm(self) -> None:
        """Load the models now (in the background, while speech is recognized)."""

    def alternatives(self, texts: list[str], source: str, target: str, n: int = 4) -> list[list[str]] | None:
        """Each text's n best translations, best first, where the engine can give them (beam
        n-best); None where it cannot (mt/shorter.py then keeps the one translation)."""
        return None
