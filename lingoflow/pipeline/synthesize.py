"""The synthesize stage: every segment in its speaker's voice, fitted into a full-length dub track."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from .. import dub, dubfit, progress, tts
from ..atomic import atomic_path
from ..config import LocalizeOptions
from ..paths import cache_dir
from ..schema import Transcript
from .ingest import Ingested


def _clip_path(identity: str, text: str) -> Path:
    key = hashlib.sha256(f"{identity}\n{text}".encode()).hexdigest()
    return cache_dir() / "tts" / key[:2] / f"{key}.wav"


def synthesize(
    translation: Transcript, ingested: Ingested, folder: Path, options: LocalizeOptions, item: str = "", diarized=None
) -> dub.FitStats:
    """Speak every segment in its speaker's voice (cached per text and voice), then fit them into a
    full-length track over the ducked original sound. ``diarized``: a speakers.Diarized (casting)."""
    from .. import background, speakers

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
                                 getattr(engine, "max_rate_speed", 1.0)))
        progress.emit(item, f"synthesize {translation.language}", (i + 1) / n)
    rate = ingested.info.audio.sample_rate or 48000
    (cache_dir() / "work").mkdir(parents=True, exist_ok=True)
    bed = None
    if options.background != "none":
        bed = background.Background(background.load(ingested.info, ingested.sha256, rate), [(s.start, s.end) for s in translation.segments], options.duck_db)
    with tempfile.TemporaryDirectory(dir=cache_dir() / "work") as workdir:  # private: concurrent runs never share it
        stats = dub.build_track(
            clips, ingested.duration, rate, folder / f"dub.{translation.language}.wav", workdir, options.max_speed,
            min_speed=options.min_speed, background=bed,
        )
    stats.voices = {str(label): v[2] for label, v in voices.items()}
    stats.resynthesized = made
    dubfit.write(folder / f"dub.{translation.language}.fit.json", translation, stats)
    return stats


def _respeak(engine, voice, identity: str, text: str):
    """The line spoken faster by the engine's own rate (dub.py asks when it is too long for its slot), cached per rate."""
    def at(speed: float) -> str:
        clip = _clip_path(f"{identity}:x{speed:.2f}", text)
        if not clip.is_file():
            with atomic_path(clip) as tmp:
                engine.synthesize(text, voice, tmp, speed=speed)
        return str(clip)

    return at
