"""The input-check stage: the recording's input-quality figures and warnings (lingoflow/quality/
input_checks.py), measured once on the ingested audio, with the transcript's words as the speech."""
from __future__ import annotations

from ..quality.input_checks import InputQuality, calibration, measure
from ..store.cache import digest
from .stage import FileWork, Stage


def speech(transcript) -> list[tuple[float, float]]:
    from ..speakers.diarize.assign import speech_regions

    return speech_regions(transcript.segments)


def check(ingested, regions: list[tuple[float, float]]) -> InputQuality:
    """`ingested`: pipeline.ingest.Ingested (its decoded audio is measured); `regions`: the speech."""
    return measure(ingested.audio_wav, regions)


class InputCheckStage(Stage):
    kind = "input-check"
    function = staticmethod(check)

    def arguments(self, work: FileWork) -> dict:
        return {"ingested": work.ingested, "regions": speech(work.transcript)}

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        # the warning strengths and score weights come from calibration.json: its content is in the key
        return {"calibration": digest(calibration())}

    def encode(self, value: InputQuality) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> InputQuality:
        return InputQuality.from_dict(data)

    def keep(self, work: FileWork, value: InputQuality, cached: bool) -> None:
        work.report.input_quality = value
        for w in value.warnings:
            work.log.warning("%s: input: %s", work.item, w.message)
