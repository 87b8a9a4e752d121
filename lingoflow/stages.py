"""One function per pipeline stage over plain data; the Prefect tasks are thin wrappers of these."""
from __future__ import annotations

import hashlib
import tempfile
import wave
from dataclasses import dataclass, replace
from pathlib import Path

from . import captions, dub, dubfit, edits, glossary, longform, media, mt, progress, tts
from .asr import AsrOptions, get_transcriber
from .asr.base import AsrResult
from .atomic import atomic_path, write_json, write_text
from .config import LocalizeOptions
from .errors import EngineUnavailable
from .mux import Track, mux, output_suffix
from .paths import cache_dir
from .schema import SourceInfo, Transcript


@dataclass
class Ingested:
    uri: str
    info: media.MediaInfo
    sha256: str
    audio_wav: str  # 16 kHz mono, in the cache, keyed by the source bytes
    duration: float


def ingest(path: str, uri: str | None = None) -> Ingested:
    info = media.probe(path)
    sha = media.sha256_file(path)
    wav = cache_dir() / "audio" / f"{sha}.wav"
    if not wav.is_file():
        with atomic_path(wav) as tmp:
            media.decode_audio(info, tmp)
    with wave.open(str(wav), "rb") as w:
        decoded = w.getnframes() / w.getframerate()
    duration = info.duration or decoded
    return Ingested(uri or str(Path(path).absolute()), info, sha, str(wav), duration)


def transcribe(ingested: Ingested, options: LocalizeOptions, item: str = "", hotwords: str | None = None) -> Transcript:
    engine = get_transcriber(options.asr_engine)
    if hotwords is None and options.glossaries:  # the glossary's source terms bias recognition
        hotwords = load_glossary(options).hotwords(options.source_language)
    asr = AsrOptions(
        model=options.asr_model,
        language=options.source_language,
        beam_size=options.beam_size,
        compute_type=options.compute_type,
        hotwords=hotwords,
        multilingual=options.code_switching,
        batch_size=options.asr_batch,
    )
    result = _transcribe_windows(engine, ingested, asr, item)
    source = SourceInfo(ingested.uri, ingested.sha256, round(ingested.duration, 3))
    return Transcript(source, result.language, result.language_probability, result.segments)


def _transcribe_windows(engine, ingested: Ingested, asr: AsrOptions, item: str) -> AsrResult:
    """Window by window (bounded memory, see longform); silent windows after the first are skipped.

    The first window always goes to the engine, so a silent file still gets the engine's
    own language answer; later windows keep the first language heard with speech in it
    (unless code-switching, where every window detects its own).
    """
    total = max(ingested.duration, 1e-9)
    first: AsrResult | None = None
    found: AsrResult | None = None
    segments: list = []
    for win in longform.windows(ingested.audio_wav):
        if first is not None and win.silent:
            continue
        keep = found is not None and not asr.language and not asr.multilingual  # code-switching detects per window
        opts = replace(asr, language=found.language) if keep else asr
        emit = lambda f, o=win.offset, d=len(win.audio) / media.SAMPLE_RATE: progress.emit(item, "transcribe", min((o + f * d) / total, 1.0))
        result = engine.transcribe(win.audio, opts, on_progress=emit)
        first = first or result
        if result.segments and found is None:
            found = result
        for seg in result.segments:
            segments.append(_shifted(seg, win.offset, len(segments)))
    best = found or first
    return AsrResult(best.language, best.language_probability, segments)


def _shifted(seg, offset: float, new_id: int):
    if not offset:
        return replace(seg, id=new_id)
    words = [replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in seg.words]
    return replace(seg, id=new_id, start=round(seg.start + offset, 3), end=round(seg.end + offset, 3), words=words)


def load_glossary(options: LocalizeOptions) -> glossary.Glossary:
    """The run's glossaries, merged in order (ConfigError with file, line and cause when invalid)."""
    return glossary.load_cached(glossary.expand(options.glossaries))


def check_targets(options: LocalizeOptions, source_language: str | None = None) -> None:
    """Fail fast, before any audio, when a target cannot be translated or spoken, or a glossary is invalid."""
    load_glossary(options)
    source = source_language or options.source_language
    for target in options.targets:
        if source and source != target:
            mt.select_engine(source, target, options.mt_engine, options.mt_model)
        elif not source and not mt.registry.any_engine_for_target(target, options.mt_engine, options.mt_model):
            raise EngineUnavailable(f"no translation engine translates into {target!r}: {mt.registry.describe(options.mt_engine, options.mt_model)}")
        tts.default_voice(target, options.tts_engine)
    _check_speaker_options(options)


def _check_speaker_options(options: LocalizeOptions) -> None:
    from .diarize import get_diarizer
    from .voices import load_library

    if options.diarize_engine != "none":
        engine = get_diarizer(options.diarize_engine)
        if hasattr(engine, "check"):
            engine.check()
    library = load_library(options.voices)  # a bad voices file is a usage error, before any audio
    if library.speakers and options.targets:
        from .voices.enroll import enrolled_embeddings

        enrolled_embeddings(library)  # reads every reference clip once (cached by its bytes)


def check_asr(options: LocalizeOptions, load: bool = True) -> None:
    """Fail fast, before any audio, when the speech model is missing or does not load.

    ``load=False`` only finds it (a missing folder, missing packages): a run whose every file
    is cached never loads the model, and loading takes longer than answering from the cache.
    The model is loaded once per process anyway; loading it here costs nothing later.
    """
    engine = get_transcriber(options.asr_engine)
    check = getattr(engine, "load" if load else "locate", None)
    if check is not None:
        check(AsrOptions(model=options.asr_model, compute_type=options.compute_type))


def translate(transcript: Transcript, target: str, options: LocalizeOptions, folder: Path | None = None) -> Transcript:
    """Segments grouped by their spoken language (code-switching), each group by its engine,
    with the glossaries enforced (each segment then records its terms and whether each was honored).

    A segment in a language no engine translates to the target is translated as if in the
    file's main language, which is what the file-level detection assumed anyway. With the
    item folder, a reviewer's edits of an earlier translation there are kept (edits.py).
    """
    texts = [s.text for s in transcript.segments]
    terms = load_glossary(options) if options.glossaries else None
    uses: list[list[dict]] = [[] for _ in texts]
    groups: dict[str, list[int]] = {}
    for i, seg in enumerate(transcript.segments):
        lang = seg.language or transcript.language
        if lang != target and lang != transcript.language and not _served(lang, target, options):
            lang = transcript.language
        groups.setdefault(lang, []).append(i)
    for lang, idx in groups.items():
        if lang == target:
            continue
        engine = mt.select_engine(lang, target, options.mt_engine, options.mt_model)
        for i, res in zip(idx, mt.constrained.translate(engine, [texts[i] for i in idx], lang, target, terms)):
            texts[i] = res.text
            uses[i] = [u.to_dict() for u in res.terms]
    machine = transcript.translated(target, texts, uses if terms is not None else None)
    return edits.keep_edits(machine, Path(folder)) if folder is not None else machine


def glossary_summary(translation: Transcript) -> dict:
    """report.json's per-language glossary totals: terms applied, honored, and the missed ones."""
    return mt.constrained.summarize([s.glossary or [] for s in translation.segments])


def _served(source: str, target: str, options: LocalizeOptions) -> bool:
    try:
        mt.select_engine(source, target, options.mt_engine, options.mt_model)
    except EngineUnavailable:
        return False
    return True


def write_transcript(transcript: Transcript, folder: Path, suffix: str = "") -> list[str]:
    """transcript.json/.txt for the source, transcript.<lang>.json/.txt for a translation."""
    stem = f"transcript{suffix}"
    json_path = write_json(folder / f"{stem}.json", transcript.to_dict())
    text_path = write_text(folder / f"{stem}.txt", transcript.text + ("\n" if transcript.segments else ""))
    return [str(json_path), str(text_path)]


def write_captions(transcript: Transcript, folder: Path) -> list[str]:
    cues = captions.make_cues(transcript)
    srt = folder / f"captions.{transcript.language}.srt"
    vtt = folder / f"captions.{transcript.language}.vtt"
    captions.write(cues, srt, vtt)
    return [str(srt), str(vtt)]


def _clip_path(identity: str, text: str) -> Path:
    key = hashlib.sha256(f"{identity}\n{text}".encode()).hexdigest()
    return cache_dir() / "tts" / key[:2] / f"{key}.wav"


def synthesize(
    translation: Transcript, ingested: Ingested, folder: Path, options: LocalizeOptions, item: str = "", diarized=None
) -> dub.FitStats:
    """Speak every segment in its speaker's voice (cached per text and voice), then fit them into a
    full-length track over the ducked original sound. ``diarized``: a speakers.Diarized (casting)."""
    from . import background, speakers

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
        clips.append(dub.DubClip(seg.id, seg.start, seg.end, str(clip), seg.speaker))
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


def remux(ingested: Ingested, transcript: Transcript, targets: list[str], folder: Path, stem: str) -> str:
    dubs = [Track(str(folder / f"dub.{lang}.wav"), lang) for lang in targets]
    subs = [Track(str(folder / f"captions.{lang}.srt"), lang) for lang in [transcript.language, *targets]]
    out = folder / f"{stem}.localized{output_suffix(ingested.info)}"
    mux(ingested.info, transcript.language, dubs, subs, out)
    return str(out)


