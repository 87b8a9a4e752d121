"""The transcribe stage: speech to timed text, window by window (bounded memory), human captions applied."""
from __future__ import annotations

import contextlib
from dataclasses import replace

from ..asr import longform
from ..runtime import parallel
from .. import progress
from ..io import media
from ..asr import AsrOptions, get_transcriber
from ..asr.base import AsrResult
from ..config import LocalizeOptions
from ..schema import SourceInfo, Transcript
from .ingest import Ingested
from .stage import HANDOFF, FileWork, Stage, module_of, with_source
from .terms import load_glossary


def transcribe(ingested: Ingested, options: LocalizeOptions, item: str = "", hotwords: str | None = None, defer_unsure: bool = False,
               packed: Transcript | None = None) -> Transcript:
    """`defer_unsure` (a library's first pass, docs/languages.md): a file whose language is unsure
    is not decoded; its transcript is empty, `deferred`, with how its language was heard.
    `packed`: this file's transcript from its group's packed decode (transcribe_group below)."""
    if packed is not None:
        return packed
    asr = asr_options(options, hotwords, defer_unsure)
    return to_transcript(_transcribe_windows(get_transcriber(options.asr_engine), ingested, asr, item), ingested, options)


def asr_options(options: LocalizeOptions, hotwords: str | None = None, defer_unsure: bool = False) -> AsrOptions:
    """The engine's settings for a run's options."""
    if hotwords is None and options.glossaries:  # the glossary's source terms bias recognition
        hotwords = load_glossary(options).hotwords(options.source_language)
    return AsrOptions(
        model=options.asr_model,
        language=options.source_language,
        beam_size=options.beam_size,
        compute_type=options.compute_type,
        hotwords=hotwords,
        multilingual=options.code_switching,
        batch_size=options.asr_batch,
        languages=tuple(options.languages),
        defer_unsure=defer_unsure and not options.code_switching,
    )


def to_transcript(result: AsrResult, ingested: Ingested, options: LocalizeOptions) -> Transcript:
    """The engine's result as the file's transcript, human captions applied (one file's, or one of a packed group's)."""
    source = SourceInfo(ingested.uri, ingested.sha256, round(ingested.duration, 3))
    lid = result.language_id.to_dict() if result.language_id is not None else None
    transcript = Transcript(source, result.language, result.language_probability, result.segments, language_id=lid, deferred=result.deferred)
    if result.deferred:
        return transcript
    if options.source_captions != "ignore":  # human captions beside the media or in it (sidecar.py)
        from ..captions.sidecar import apply_source_captions

        transcript, _ = apply_source_captions(transcript, ingested.info.path, options.source_captions, subtitles=ingested.info.subtitle_count)
    return transcript


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
        if result.deferred:  # unsure: the library decides (nothing decoded)
            return result
        first = first or result
        if result.segments and found is None:
            found = result
        for seg in result.segments:
            segments.append(_shifted(seg, win.offset, len(segments)))
    best = found or first
    return AsrResult(best.language, best.language_probability, segments, language_id=best.language_id)


def _shifted(seg, offset: float, new_id: int):
    if not offset:
        return replace(seg, id=new_id)
    words = [replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in seg.words]
    return replace(seg, id=new_id, start=round(seg.start + offset, 3), end=round(seg.end + offset, 3), words=words)


class LanguageDeferred(BaseException):
    """A library's first pass met a file whose language is unsure: the library decides it after
    the confident files (flows/localize.py). A BaseException, so that the per-file `except
    Exception` (one failure never stops a library) does not take it for a failure."""

    def __init__(self, language_id: dict | None):
        super().__init__("language unsure: decided with the library")
        self.language_id = language_id


def _unsure(transcript: Transcript) -> bool:
    from ..asr.language import LanguageId

    return transcript.language_id is not None and transcript.text_source is None and LanguageId.from_dict(transcript.language_id).unsure


def decided_options(work: FileWork) -> LocalizeOptions:
    """The run's options, with the language the library decided for this file fixed as the source's."""
    if work.language is None:
        return work.options
    return work.options.model_copy(update={"source_language": work.language["language"]})


class TranscribeStage(Stage):
    """Keyed by the audio, the options and the engine's model; beyond them by the hotwords the
    engine gets (by default the glossaries' source terms: their translations do not matter here),
    the fragment filter's settings (its code is in the engine's imports) and human captions beside
    the media by their bytes (a subtitle stream is in the source's). Whether the file waits for its
    library's language decision, and a packed group's result, do not change the transcript."""

    kind = "transcribe"
    function = staticmethod(transcribe)
    limit_tag = "asr"
    unkeyed = frozenset({"item", "defer_unsure", "packed"})

    def arguments(self, work: FileWork) -> dict:
        # the decided language, not the guess
        return {"ingested": work.ingested, "options": decided_options(work), "item": work.item,
                "defer_unsure": work.defer_unsure and work.language is None}

    @classmethod
    def code(cls, arguments: dict) -> list:
        return [module_of(get_transcriber(arguments["options"].asr_engine))]

    @classmethod
    def model(cls, arguments: dict) -> str:
        options = arguments["options"]
        return get_transcriber(options.asr_engine).model_identity(options.asr_model)

    @classmethod
    def extra(cls, arguments: dict) -> dict:
        from ..asr import fragments
        from ..captions import sidecar

        options = arguments["options"]
        hotwords = asr_options(options, arguments["hotwords"]).hotwords
        captions = sidecar.fingerprint(arguments["ingested"].info.path, options.source_captions)
        return {"fragments": fragments.SETTINGS.to_dict(), **({"hotwords": hotwords} if hotwords else {}),
                **({"source_captions": captions} if captions else {})}

    def run(self, work: FileWork, task) -> Transcript:
        packed = HANDOFF.take(self.kind, self.key(work))
        work.packed = packed is not None
        with parallel.asr_slot() if packed is None else contextlib.nullcontext():  # --jobs: files in flight take turns at recognition
            value = task(**self.arguments(work), packed=packed)
        if value.deferred:  # nothing decoded, nothing recorded: the library decides, then the file runs again
            raise LanguageDeferred(value.language_id)
        return value

    def encode(self, value: Transcript) -> dict:
        return value.to_dict()

    def decode(self, data: dict, work: FileWork) -> Transcript:
        return with_source(Transcript.from_dict(data), work.ingested)

    def keep(self, work: FileWork, value: Transcript, cached: bool) -> None:
        from ..captions import sidecar

        if work.language is not None:  # decided by the library: how, as the library decided it (Whisper's own probability of it)
            probability = round(float(work.language.get("probabilities", {}).get(value.language, 0.0)), 4)
            value = replace(value, language_id=work.language, language_probability=probability)
        elif work.defer_unsure and _unsure(value):  # recorded by a run alone: in a library, the library decides
            raise LanguageDeferred(value.language_id)
        work.transcript = value
        work.report.asr_packed = work.packed and not cached
        work.report.language, work.report.text_source = value.language, value.text_source
        work.report.language_id = value.language_id
        for line in sidecar.describe(value.text_source):
            (work.log.warning if " rejected: " in line else work.log.info)("%s: %s", work.item, line)


# ---- several short files at once (asr/packing.py): the transcribe stage for a group of files

PACK_GROUP = 24  # files ingested and packed together: memory stays bounded whatever the library's size
PACK_MAX_SECONDS = 120.0  # a longer file is left to its own run (its VAD pass would be paid twice)


def packing_applies(options: LocalizeOptions, forced: set[str]) -> bool:
    """`--asr-pack auto` where the language is known (`--from`, or a one-language `--languages`:
    detecting each file's costs what packing saves, asr/packing.py), not under code-switching, and
    neither ingest nor transcribe forced by --refresh (the file's own run would decode it again).
    Elsewhere the library runs as it always did, with no group step."""
    known = bool(options.source_language) or len(options.languages) == 1
    return options.asr_pack != "off" and known and not options.code_switching and not forced & {"all", "ingest", "transcribe"}


def transcribe_group(files: list, item_progress=progress.emit) -> list[tuple[str, str]]:
    """Before a group of files runs: each one ingested (or its recorded ingest reused), then the
    short ones whose transcript is not recorded decoded together (the engine's transcribe_packed).
    Each result is handed to its file's own run (stage.HANDOFF), where the stage's task returns it
    and the runner records it under the file's own keys, as a file decoded alone. `files`:
    (FileWork, StageRunner) pairs. A file that fails here is left to its own run, which reports
    its error. Returns the hand-off keys (for the library to discard what no run took)."""
    from ..io import sources
    from .ingest import IngestStage, ingest

    handed, waiting = [], []
    for work, run in files:
        stage = IngestStage()
        try:
            entry = run.reusable(stage.name(work), stage.key(work), stage.valid)
            if entry is not None:
                work.ingested = stage.decode(entry["value"], work)
            else:
                work.ingested = ingest(sources.local_copy(work.source, work.s3), work.report.source)
                handed.append(HANDOFF.put(stage.kind, stage.key(work), work.ingested))
        except Exception:  # noqa: BLE001 - its own run fails with its own error
            continue
        if work.ingested.duration > PACK_MAX_SECONDS or run.reusable("transcribe", TranscribeStage().key(work)) is not None:
            continue
        waiting.append(work)
    if len(waiting) < 2:
        return handed
    options = waiting[0].options
    asr = asr_options(options, defer_unsure=waiting[0].defer_unsure)
    with parallel.asr_slot():
        results = get_transcriber(options.asr_engine).transcribe_packed([media.load_wav(w.ingested.audio_wav) for w in waiting], asr)
    for work, result in zip(waiting, results):
        if result is not None:  # else not packed: its own run decodes it
            handed.append(HANDOFF.put("transcribe", TranscribeStage().key(work), to_transcript(result, work.ingested, work.options)))
            item_progress(work.item, "transcribe", 1.0)
    return handed
