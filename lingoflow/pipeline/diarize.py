"""The diarize stage: a speaker label for every word (segments split where it changes), each
speaker measured and cast to a voice (the work is lingoflow/speakers/diarization.py)."""
from __future__ import annotations

from dataclasses import asdict

from ..config import LocalizeOptions
from ..schema import Transcript
from .ingest import Ingested
from .stage import FileWork, Stage, module_of, with_source


def diarize(transcript: Transcript, ingested: Ingested, options: LocalizeOptions, item: str = ""):
    """Speaker labels on the transcript (segments split at speaker changes), each speaker cast to a voice."""
    from ..speakers import diarization as speakers

    return speakers.diarize(transcript, ingested.audio_wav, options, item)


def to_dict(diarized) -> dict:
    return {"transcript": diarized.transcript.to_dict(), "speakers": [asdict(s) for s in diarized.speakers],
            "casting": {label: c.to_dict() for label, c in diarized.casting.items()},
            "turns": None if diarized.turns is None else [[t.start, t.end, t.speaker] for t in diarized.turns]}


def from_dict(d: dict, ingested: Ingested):
    from ..speakers.diarize.base import Turn
    from ..speakers.diarize.measure import SpeakerInfo
    from ..speakers.diarization import Diarized
    from ..speakers.voices import Casting

    return Diarized(with_source(Transcript.from_dict(d["transcript"]), ingested), [SpeakerInfo(**s) for s in d["speakers"]],
                    {label: Casting(**c) for label, c in d["casting"].items()},
                    turns=None if d.get("turns") is None else [Turn(*t) for t in d["turns"]])


class DiarizeStage(Stage):
    kind = "diarize"
    function = staticmethod(diarize)
    unkeyed = frozenset({"item"})

    def arguments(self, work: FileWork) -> dict:
        return {"transcript": work.transcript, "ingested": work.ingested, "options": work.options, "item": work.item}

    @classmethod
    def code(cls, arguments: dict) -> list:
        from ..speakers import diarization as speakers

        parts: list = [speakers]
        if arguments["options"].diarize_engine != "none":
            from ..speakers.diarize import get_diarizer

            engine = get_diarizer(arguments["options"].diarize_engine)
            parts.append(module_of(engine))
            if engine.hears_audio:
                from ..speakers.diarize import redecode

                parts.append(redecode)
        return parts

    @classmethod
    def model(cls, arguments: dict) -> str:
        name = arguments["options"].diarize_engine
        if name == "none":
            return "none"
        from ..speakers.diarize import get_diarizer

        return f"{name}:{get_diarizer(name).identity()}"

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        return {"cast": bool(arguments["options"].targets)}  # speakers are cast to voices only when there is something to dub

    def encode(self, value) -> dict:
        return to_dict(value)

    def decode(self, data: dict, work: FileWork):
        return from_dict(data, work.ingested)

    def keep(self, work: FileWork, value, cached: bool) -> None:
        # linked after the result is recorded, cached or not: the result stays the file's own, the
        # library speakers (and the voices they bring) come from OUT's registry
        from ..speakers.registry import SpeakerRegistry
        from ..speakers.diarization import link

        value = link(value, SpeakerRegistry.for_root(work.root), work.ingested.sha256, work.item, work.options)
        work.diarized, work.transcript = value, value.transcript
        from ..speakers.diarize.rttm import write_rttm

        # written cached or not (it is small): the result stands for it, and a deleted file comes back
        work.report.outputs.append(work.root.rel(write_rttm(value.heard_turns(), work.item, work.folder)))
        from ..report import SpeakerReport

        work.report.speakers = [SpeakerReport.from_dict(s) for s in value.report()]
