"""`lingoflow evaluate`: lingoflow's transcripts of a library scored against human references.

For every recording with a reference (references.collect) and every ASR model asked for, the
transcribe stage runs as a localize run would (source language only; human captions beside or in
the recording ignored, so the reference is never scored against itself), through the same result
cache: a transcript a localize run made is reused, and one made here serves the next localize run. Nothing is written
into a localize output folder: evaluation never changes localize outputs. Scores come from
metrics.py, the code the benches use.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import metrics
from .references import Problem, Reference, collect


@dataclass
class FileResult:
    key: str
    media: str
    model: str
    language: str | None = None  # of the reference (else the transcript's)
    reference: str | None = None
    hypothesis: str = ""
    text: dict | None = None  # metrics.TextScore.to_dict()
    der: float | None = None
    speakers_reference: str | None = None
    timing_offset: float | None = None  # median start offset against the reference's cues (s)
    audio_seconds: float = 0.0
    asr_seconds: float = 0.0  # transcribe stage time (recorded when it ran, if the cache served it)
    cached: bool = False
    error: str | None = None
    review_page: str | None = None  # relative to the evaluation page, when --review gives localize outputs

    @property
    def error_rate(self) -> float:
        """What the table sorts by: WER (CER for spaceless languages), else DER."""
        if self.text:
            return self.text["wer"] if self.text["wer"] is not None else self.text["cer"]
        return self.der if self.der is not None else -1.0


@dataclass
class Evaluation:
    models: list[str]
    files: list[FileResult] = field(default_factory=list)
    totals: dict = field(default_factory=dict)  # per model: library WER/CER (summed counts), mean DER, real-time factor
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"schema": "lingoflow.evaluation/1", "models": self.models, "totals": self.totals,
                "files": [{k: v for k, v in f.__dict__.items()} for f in self.worst_first()],
                "problems": [{"path": p.path, "reason": p.reason} for p in self.problems]}

    def worst_first(self) -> list[FileResult]:
        """Files by their first model's error rate, worst first; each file's models together."""
        first = {f.key: f.error_rate for f in self.files if f.model == self.models[0]}
        order = {m: i for i, m in enumerate(self.models)}
        return sorted(self.files, key=lambda f: (-first.get(f.key, -1.0), f.key, order.get(f.model, 0)))


def _channel_copy(ref: Reference, work: Path) -> str:
    """One channel of a recording as its own file (the manifest scores channels apart)."""
    from ..io.media import file_url, run

    out = work / f"{ref.key}.wav"
    if not out.is_file():
        work.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part.wav")
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", file_url(ref.media), "-af", f"pan=mono|c0=c{ref.channel}",
             file_url(tmp)], f"take channel {ref.channel}", ref.media)
        tmp.replace(out)
    return str(out)


def _cached(results, stage: str, key: str, compute, encode):
    """(value dict, seconds it took, cached) through the localize result cache."""
    entry = results.get(stage, key)
    if entry is not None:
        return entry["value"], float(entry.get("seconds") or 0.0), True
    t0 = time.perf_counter()
    value = encode(compute())
    seconds = time.perf_counter() - t0
    results.put(stage, key, value, seconds=seconds)
    return value, seconds, False


def transcript_for(path: str, options, results):
    from ..pipeline import transcribe as stage
    from ..pipeline.ingest import ingest
    from ..schema import Transcript

    ingested = ingest(path)
    data, seconds, cached = _cached(results, "transcribe", stage.TranscribeStage.key_of({"ingested": ingested, "options": options}),
                                   lambda: stage.transcribe(ingested, options), lambda t: t.to_dict())
    return ingested, Transcript.from_dict(data), seconds, cached


def diarized_for(ingested, transcript, options, results):
    from ..speakers import diarization as speakers
    from ..pipeline import diarize as stage

    data, _, _ = _cached(results, "diarize", stage.DiarizeStage.key_of({"transcript": transcript, "ingested": ingested, "options": options}),
                         lambda: speakers.diarize(transcript, ingested.audio_wav, options), stage.to_dict)
    return stage.from_dict(data, ingested).transcript


def captions_mode(path: str) -> str:
    """'ignore' where human captions sit beside the recording or in it (the reference must not be
    scored against itself); else 'auto', localize's default, so the transcript (the same either
    way) is one cache entry shared with localize runs."""
    from ..captions.sidecar import sidecars, streams

    return "ignore" if sidecars(path) or streams(path) else "auto"


def evaluate_file(ref: Reference, model: str, work: Path, results, source_language: str | None = None) -> FileResult:
    from ..config import LocalizeOptions
    from ..errors import LingoflowError

    out = FileResult(ref.key, ref.media, model, ref.language, ref.text)
    try:
        path = _channel_copy(ref, work) if ref.channel is not None else ref.media
        options = LocalizeOptions(asr_model=model, source_captions=captions_mode(path), source_language=source_language)
        ingested, transcript, out.asr_seconds, out.cached = transcript_for(path, options, results)
        out.audio_seconds = round(ingested.duration, 3)
        out.asr_seconds = round(out.asr_seconds, 3)
        out.hypothesis = " ".join(s.text.strip() for s in transcript.segments)
        out.language = out.language or transcript.language
        if ref.text is not None:
            out.text = metrics.score([ref.text], [out.hypothesis], out.language).to_dict()
            if ref.cues:
                out.timing_offset = metrics.timing_offset(ref.cues, [(s.start, s.end) for s in transcript.segments])
        if ref.speakers is not None:
            diarized = diarized_for(ingested, transcript, options, results)
            out.der = round(metrics.der(ref.speakers, metrics.speaker_annotation(diarized, ref.key), ref.uem), 4)
            out.speakers_reference = ref.speakers_file
    except (LingoflowError, ValueError, OSError) as exc:
        out.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, LingoflowError) else str(exc)
    return out


def totals(files: list[FileResult]) -> dict:
    scored = [f for f in files if f.text and not f.error]
    s, d, i = (sum(f.text[k] for f in scored) for k in ("substitutions", "deletions", "insertions"))
    words = sum(f.text["reference_words"] for f in scored if f.text["wer"] is not None)
    worded = [f for f in scored if f.text["wer"] is not None]
    wer = sum(f.text["substitutions"] + f.text["deletions"] + f.text["insertions"] for f in worded) / words if words else None
    chars = sum(f.text["reference_chars"] for f in scored)
    cer = sum(f.text["cer"] * f.text["reference_chars"] for f in scored) / chars if chars else None
    ders = [f.der for f in files if f.der is not None]
    audio, seconds = sum(f.audio_seconds for f in files), sum(f.asr_seconds for f in files)
    return {"files": len({f.key for f in files}), "scored_text": len(scored), "wer": round(wer, 4) if wer is not None else None,
            "cer": round(cer, 4) if cer is not None else None, "substitutions": s, "deletions": d, "insertions": i,
            "der_mean": round(sum(ders) / len(ders), 4) if ders else None, "scored_speakers": len(ders),
            "audio_seconds": round(audio, 3), "asr_seconds": round(seconds, 3),
            "realtime_factor": round(audio / seconds, 2) if seconds > 0 else None,
            "failed": sum(1 for f in files if f.error)}


def evaluate(recordings: list[str], references_dir: str | None, models: list[str], work: Path,
             source_language: str | None = None, on_file=None) -> Evaluation:
    from ..paths import cache_dir
    from ..store.cache import ResultStore
    from ..store.storage import LocalStore

    refs, problems = collect(recordings, references_dir)
    results = ResultStore(LocalStore(cache_dir()))
    ev = Evaluation(models, problems=problems)
    for model in models:
        for ref in refs:
            ev.files.append(evaluate_file(ref, model, work, results, source_language))
            if on_file:
                on_file(ev.files[-1])
        ev.totals[model] = totals([f for f in ev.files if f.model == model])
    return ev
