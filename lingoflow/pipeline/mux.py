"""The mux stage: the source's streams plus every dub and caption, language-tagged."""
from __future__ import annotations

from pathlib import Path

from ..mux import Track, mux, output_suffix
from ..schema import Transcript
from .ingest import Ingested


def remux(ingested: Ingested, transcript: Transcript, targets: list[str], folder: Path, stem: str) -> str:
    dubs = [Track(str(folder / f"dub.{lang}.wav"), lang) for lang in targets]
    # a target in the spoken language re-voices the source: its captions are the source's, once
    subs = [Track(str(folder / f"captions.{lang}.srt"), lang) for lang in dict.fromkeys([transcript.language, *targets])]
    out = folder / f"{stem}.localized{output_suffix(ingested.info)}"
    mux(ingested.info, transcript.language, dubs, subs, out)
    return str(out)
