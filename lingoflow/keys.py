"""The key of every stage: its inputs by content, its settings, its model's identity, its code.

One function a stage. Inputs enter by content (the source's SHA-256, the upstream result's
digest), so a renamed or moved file with the same bytes keeps its transcript, and a stage
whose input did not change keeps its result. Settings come from cache.settings_for (every
run option except those known not to affect the stage).
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from . import captions as captions_module
from . import dub, media, mt, stages, tts
from . import mux as mux_module
from .asr import get_transcriber
from .cache import canonical, code_identity, digest, file_sha256, stage_key
from .errors import EngineUnavailable
from .schema import SourceInfo, Transcript


def _module_of(obj) -> object:
    return sys.modules[type(obj).__module__]


def content_digest(transcript: Transcript) -> str:
    """A transcript's digest without its source URI (which a rename changes, the words do not)."""
    d = transcript.to_dict()
    d["source"] = {"sha256": transcript.source.sha256, "duration": transcript.source.duration}
    return digest(d)


def with_source(transcript: Transcript, ingested) -> Transcript:
    """A reused transcript, pointed at the source as it is named now."""
    return replace(transcript, source=SourceInfo(ingested.uri, ingested.sha256, round(ingested.duration, 3)))


def ingest(identity: dict) -> str:
    return stage_key("ingest", code=code_identity(stages.ingest, media), inputs=identity)


def transcribe(ingested, options, hotwords: str | None = None) -> str:
    """`hotwords`: what the stage passes to the ASR engine as hotwords (by default, as
    stages.transcribe does, the glossaries' source terms: their translations do not matter here)."""
    if hotwords is None and getattr(options, "glossaries", None):
        hotwords = stages.load_glossary(options).hotwords(options.source_language)
    engine = get_transcriber(options.asr_engine)
    code = code_identity(stages.transcribe, _module_of(engine), *getattr(engine, "code_modules", ()))  # e.g. its batched decoder
    return stage_key("transcribe", code=code,
                     inputs={"audio": ingested.sha256}, options=options, model=engine.model_identity(options.asr_model),
                     extra={"hotwords": hotwords} if hotwords else None)


def captions(transcript: Transcript, suffix: str, item: str) -> str:
    # the files carry the source URI and live in the item's folder: both are inputs here
    return stage_key("captions", code=captions_module_code(),
                     inputs={"transcript": digest(transcript.to_dict()), "suffix": suffix, "item": item})


def captions_module_code() -> str:
    return code_identity(captions_module, stages.write_transcript, stages.write_captions)


def translate(transcript: Transcript, target: str, options, folder: Path | None = None) -> str:
    """Keyed by every engine that may translate a segment (segments keep their own spoken
    language under code-switching): an engine the stage cannot use is not part of the key."""
    models, modules = {}, []
    for lang in sorted({s.language or transcript.language for s in transcript.segments} | {transcript.language}):
        if lang == target:
            continue
        try:
            engine = mt.select_engine(lang, target, options.mt_engine, options.mt_model)
        except EngineUnavailable:
            if lang == transcript.language:
                raise  # the stage itself fails on this, with this error
            continue
        models[lang] = f"{engine.name}:{engine.model_identity(lang, target)}"
        modules.append(_module_of(engine))
    from . import edits as edits_module

    code = code_identity(stages.translate, stages._served, edits_module, *dict.fromkeys(modules))
    # a reviewer's edits of the previous translation in the item folder are kept (edits.py): they are an input
    from . import edits

    reviewed = edits.fingerprint(Path(folder), target) if folder is not None else ""
    return stage_key("translate", code=code, inputs={"transcript": content_digest(transcript), "target": target, "edits": reviewed},
                     options=options, model=canonical(models))


def diarize(transcript: Transcript, ingested, options) -> str:
    from . import speakers

    modules: list = [speakers.diarize, speakers]
    model = "none"
    if options.diarize_engine != "none":
        from .diarize import get_diarizer

        engine = get_diarizer(options.diarize_engine)
        model = f"{options.diarize_engine}:{engine.identity()}"
        modules.append(_module_of(engine))
    # speakers are cast to voices only when there is something to dub
    return stage_key("diarize", code=code_identity(*modules), inputs={"transcript": content_digest(transcript), "audio": ingested.sha256},
                     options=options, model=model, extra={"cast": bool(options.targets)})


def synthesize(translation: Transcript, ingested, options, item: str, diarized=None) -> str:
    """The voices come from the casting (and, for cloning, the diarized transcript's audio);
    the engines' identities enter through the casting and the code of the engines."""
    from . import background, speakers

    tts_modules = [sys.modules[cls.__module__] for cls in tts.registry.ENGINES.values()]
    casting = {label: c.to_dict() for label, c in diarized.casting.items()} if diarized is not None else {}
    default = tts.default_voice(translation.language, options.tts_engine)
    return stage_key("synthesize", code=code_identity(stages.synthesize, stages._clip_path, dub, background, speakers.voice_for, *tts_modules),
                     inputs={"translation": content_digest(translation), "duration": ingested.duration, "audio": ingested.sha256,
                             "rate": ingested.info.audio.sample_rate, "item": item, "casting": casting,
                             "speakers": content_digest(diarized.transcript) if diarized is not None else None},
                     options=options, model=f"{default.engine}:{tts.get_engine(default.engine).identity(default)}")


def mux(ingested, transcript: Transcript, targets: list[str], local_root: Path, item: str) -> str:
    names = [f"{item}/dub.{lang}.wav" for lang in targets] + [f"{item}/captions.{lang}.srt" for lang in [transcript.language, *targets]]
    files = {n: file_sha256(Path(local_root) / n) for n in names}
    return stage_key("mux", code=code_identity(mux_module, stages.remux),
                     inputs={"source": ingested.sha256, "files": files, "language": transcript.language, "targets": targets, "item": item})
