"""The input-check stage: the recording's input-quality figures and warnings (lingoflow/quality/
input_checks.py), measured once on the ingested audio, with the transcript's words as the speech."""
from __future__ import annotations

from ..quality.input_checks import InputQuality, calibration, measure
from ..store.cache import code_identity, digest, stage_key
from .stage import FileWork, Stage


def speech(transcript) -> list[tuple[float, float]]:
    from ..speakers.diarize.assign import speech_regions

    return speech_regions(transcript.segments)


def check(audio_wav: str, regions: list[tuple[float, float]]) -> InputQuality:
    return measure(audio_wav, regions)


class InputCheckStage(Stage):
    kind = "input-check"
    function = staticmethod(check)

    def key(self, work: FileWork) -> str:
        # the warning strengths and score weights come from calibration.json: its content is in the key
        return stage_key("input-check", code=code_identity(check, speech), inputs={"audio": work.ingested.sha256, "speech": digest(speech(work.transcript))},
                         extra={"calibration": digest(calibration())})

    def run(self, work: FileWork, task) -> InputQuality:
        return task(work.ingested.audio_wav, speech(work.transcript))

    def encode(self, value: InputQuality) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> InputQuality:
        return InputQuality.from_dict(data)

    def keep(self, work: FileWork, value: InputQuality, cached: bool) -> None:
        work.report.input_quality = value
        for w in value.warnings:
            work.log.warning("%s: input: %s", work.item, w.message)
