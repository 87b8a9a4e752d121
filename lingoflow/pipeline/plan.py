"""The stage registry (STAGES) and a file's stages in order: a new stage is one module in this
package and one line here; its task, --refresh name, concurrency tag and cache settings all follow
from its Stage declaration.

A generator, so each step sees what the stages before it found (the spoken language decides
whether a target needs translating; the source decides whether there is a picture to burn
captions into)."""
from __future__ import annotations

from typing import Iterator

from .diarize import DiarizeStage
from .ingest import IngestStage
from .inputcheck import InputCheckStage
from .mux import BurnInStage, MuxStage
from .outputs import OutputsStage
from .stage import FileWork, Stage
from .synthesize import SynthesizeStage
from .transcribe import TranscribeStage
from .translate import TranslateStage


STAGES: tuple[type[Stage], ...] = (IngestStage, TranscribeStage, InputCheckStage, DiarizeStage, OutputsStage, TranslateStage,
                                     SynthesizeStage, MuxStage, BurnInStage)


def file_stages(work: FileWork) -> Iterator[Stage]:
    yield IngestStage()
    yield TranscribeStage()
    yield InputCheckStage()
    yield DiarizeStage()
    yield OutputsStage()
    for lang in work.options.targets:
        if lang != work.transcript.language:  # a target in the spoken language re-voices the source
            yield TranslateStage(lang)
            yield OutputsStage(lang)
        yield SynthesizeStage(lang)
    yield MuxStage()
    if work.options.burn_in and work.ingested.info.has_video:
        yield BurnInStage(work.options.burn_in)
