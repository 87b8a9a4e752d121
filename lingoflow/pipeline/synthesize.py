"""The synthesize stage: every segment in its speaker's voice, fitted into a full-length dub track."""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path

from ..dub import track as dub, fit as dubfit, tts
from .. import progress
from ..store.atomic import atomic_path
from ..dub.tts.reflow import reflow
from ..config import LocalizeOptions
from ..paths import cache_dir
from ..schema import Transcript
from .ingest import Ingested
from .stage import FileWork, Stage


def _clip_path(identity: str, text: str) -> Path:
    key = hashlib.sha256(f"{identity}\n{text}".encode()).hexdigest()
    return cache_dir() / "tts" / key[:2] / f"{key}.wav"


def synthesize(
    translation: Transcript, ingested: Ingested, folder: Path, options: LocalizeOptions, item: str = "", diarized=None
) -> dub.FitStats:
    """Speak every segment in its speaker's voice (cached per text and voice), then fit them into a
    full-length track over the ducked original sound. ``diarized``: a speakers.Diarized (casting)."""
    from ..dub import background
    from ..speakers import diarization as speakers

    removed: dict[int, list[str]] = {s.id: list(s.condensed) for s in translation.segments if s.condensed}
    if not options.verbatim and all(s.source_text is None for s in translation.segments):
        # the source re-voiced (a dub in the spoken language): it speaks the clean verbatim text too
        from ..mt.condense import condense

        done = condense(translation, _source_terms(options, translation.language))
        translation, removed = done.transcript, done.removed
    casting = diarized.casting if diarized is not None else {}
    library = speakers.library_for(options) if casting else None
    voices: dict[str | None, tuple] = {}
    clips = []
    made: list[int] = []  # segments synthesized in this run (the others come from the clip cache)
    n = len(translation.segments)
    for i, seg in enumerate(translation.segments):
        if not seg.text.strip():
            continue
        if seg.speaker not in voices:
            ref = lambda label=seg.speaker: speakers.reference_clip(ingested.audio_wav, ingested.sha256, diarized.transcript, label)
            voice = speakers.voice_for(casting.get(seg.speaker), translation.language, options, library, ref)
            engine = tts.get_engine(voice.engine)
            voices[seg.speaker] = (voice, engine, engine.identity(voice))
        voice, engine, identity = voices[seg.speaker]
        clip = _clip_path(identity, seg.text)
        if not clip.is_file():
            with atomic_path(clip) as tmp:
                engine.synthesize(seg.text, voice, tmp)
            made.append(seg.id)
        clips.append(dub.DubClip(seg.id, seg.start, seg.end, str(clip), seg.speaker, seg.text, _respeak(engine, voice, identity, seg.text),
                                 engine.max_rate_speed, removed.get(seg.id, [])))
        progress.emit(item, f"synthesize {translation.language}", (i + 1) / n)

    def speak_joined(first: dub.DubClip, text: str) -> dub.DubClip:
        voice, engine, identity = voices[first.speaker]
        clip = _clip_path(identity, text)
        if not clip.is_file():
            with atomic_path(clip) as tmp:
                engine.synthesize(text, voice, tmp)
        return replace(first, wav=str(clip), text=text, respeak=_respeak(engine, voice, identity, text))

    clips = reflow(clips, speak_joined)  # a phrase split over two segments of one speaker: spoken over both
    rate = ingested.info.audio.sample_rate or 48000
    (cache_dir() / "work").mkdir(parents=True, exist_ok=True)
    bed = None
    if options.background != "none":
        bed = background.Background(background.load(ingested.info, ingested.sha256, rate), [(s.start, s.end) for s in translation.segments], options.duck_db)
    with tempfile.TemporaryDirectory(dir=cache_dir() / "work") as workdir:  # private: concurrent runs never share it
        stats = dub.build_track(
            clips, ingested.duration, rate, folder / f"dub.{translation.language}.wav", workdir, options.max_speed,
            min_speed=options.min_speed, background=bed, max_speedup=options.max_speedup,
        )
    stats.voices = {str(label): v[2] for label, v in voices.items()}
    stats.resynthesized = made
    dubfit.write(folder / f"dub.{translation.language}.fit.json", translation, stats)
    return stats


def _source_terms(options: LocalizeOptions, language: str) -> list[str]:
    if not options.glossaries:
        return []
    from .terms import load_glossary

    return [t.source for t in load_glossary(options).terms(language)]


def _respeak(engine, voice, identity: str, text: str):
    """The line spoken faster by the engine's own rate (dub.py asks when it is too long for its slot), cached per rate."""
    def at(speed: float) -> str:
        clip = _clip_path(f"{identity}:x{speed:.2f}", text)
        if not clip.is_file():
            with atomic_path(clip) as tmp:
                engine.synthesize(text, voice, tmp, speed=speed)
        return str(clip)

    return at


def fit_from_dict(d: dict) -> dub.FitStats:
    d = dict(d)
    d["placements"] = [dub.Placement(**p) for p in d.get("placements", [])]
    return dub.FitStats(**d)


class SynthesizeStage(Stage):
    """The dub of one language: the translation, or for the spoken language the source re-voiced."""

    kind = "synthesize"
    function = staticmethod(synthesize)
    limit_tag = "tts"
    unkeyed = frozenset({"item"})

    def _text(self, work: FileWork) -> Transcript:
        return work.translations.get(self.lang) or work.transcript

    def arguments(self, work: FileWork) -> dict:
        return {"translation": self._text(work), "ingested": work.ingested, "folder": work.folder, "options": work.options,
                "item": work.item, "diarized": work.diarized}

    @classmethod
    def model(cls, arguments: dict) -> str:
        """The default voice's engine and identity; the cast voices enter with the casting, the
        engines' code through the stage's imports."""
        default = tts.default_voice(arguments["translation"].language, arguments["options"].tts_engine)
        return f"{default.engine}:{tts.get_engine(default.engine).identity(default)}"

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        translation, options = arguments["translation"], arguments["options"]
        # the source re-voiced is condensed here: the glossary's terms are kept from it
        revoiced = not options.verbatim and all(s.source_text is None for s in translation.segments)
        return {"terms": _source_terms(options, translation.language) if revoiced else []}

    def outputs(self, work: FileWork, value) -> list[Path]:
        return [work.folder / f"dub.{self.lang}.wav", work.folder / f"dub.{self.lang}.fit.json"]

    def encode(self, value: dub.FitStats) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> dub.FitStats:
        return fit_from_dict(data)

    def keep(self, work: FileWork, value: dub.FitStats, cached: bool) -> None:
        report, lang = work.report, self.lang
        report.dub_fit[lang] = dubfit.FitSummary.from_dict(value.summary())
        report.outputs += [work.root.rel(p) for p in self.outputs(work, value)]
        report.edited[lang] = [s.id for s in self._text(work).segments if s.edited]
        report.resynthesized[lang] = [] if cached else list(value.resynthesized)
