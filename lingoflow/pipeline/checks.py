"""Checks before any audio is processed, and the loading of what the stages will need."""
from __future__ import annotations

import contextlib
import logging
import threading
from typing import Callable, Iterator

from ..runtime import heap
from .. import mt, progress
from ..dub import tts
from ..asr import AsrOptions, get_transcriber
from ..config import LocalizeOptions
from ..errors import EngineUnavailable
from .terms import load_glossary


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
    from ..speakers.diarize import get_diarizer
    from ..speakers.voices import load_library

    if options.diarize_engine != "none":
        get_diarizer(options.diarize_engine).check()
    library = load_library(options.voices)  # a bad voices file is a usage error, before any audio
    if library.speakers and options.targets:
        from ..speakers.voices.enroll import enrolled_embeddings

        enrolled_embeddings(library)  # reads every reference clip once (cached by its bytes)


def check_asr(options: LocalizeOptions, load: bool = True) -> None:
    """Fail fast, before any audio, when the speech model is missing or does not load.

    ``load=False`` only finds it (a missing folder, missing packages): a run whose every file
    is cached never loads the model, and loading takes longer than answering from the cache.
    The model is loaded once per process anyway; loading it here costs nothing later.
    """
    engine = get_transcriber(options.asr_engine)
    asr = AsrOptions(model=options.asr_model, compute_type=options.compute_type)
    if load:
        engine.load(asr)
    else:
        engine.locate(asr)


_asr_load: tuple[threading.Thread, list] | None = None  # load_asr_in_background's thread, its error


def load_asr_in_background(options: LocalizeOptions) -> None:
    """Load the speech model in a thread (the CLI: beside Prefect's import); `asr_ready` waits."""
    global _asr_load
    check_asr(options, load=False)  # a missing model fails here, in the caller's thread
    engine = get_transcriber(options.asr_engine)
    engine.import_runtime()  # the thread then only loads (see there)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            check_asr(options)
        except BaseException as exc:  # handed to asr_ready, in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=load, name="asr-load", daemon=True)
    thread.start()
    _asr_load = (thread, errors)


def asr_ready() -> None:
    """Wait for load_asr_in_background's load; raise its error (a damaged model), as check_asr
    would have, still before any audio is decoded."""
    global _asr_load
    if _asr_load is None:
        return
    thread, errors = _asr_load
    _asr_load = None
    thread.join()
    if errors:
        raise errors[0]


_warming: set[str] = set()  # the engine sets warm_during_recognition has started loading
_warming_lock = threading.Lock()


def warm_during_recognition(options: LocalizeOptions) -> None:
    """Load the engines the stages after speech recognition need (the speaker encoder, the MT
    models) in a thread while speech is recognized; the first transcribe stage of a process
    that hears speech (warm_once_speech_is_heard) starts it, later ones find it started. Not at the
    run's start: there the load (several seconds of CPU for the encoder's torch) only slowed
    Prefect's flow start and the first stage, which need neither."""
    engines = repr((options.diarize_engine, options.mt_engine, options.mt_model, sorted(options.targets)))
    with _warming_lock:
        if engines in _warming:
            return
        _warming.add(engines)
    # not a daemon: the process waits for it at exit, for a native library (onnxruntime, torch)
    # stopped mid-load by the interpreter's exit aborts the process ("terminate called ...")
    threading.Thread(target=_warm_engines, args=(options,), name="warm-up", daemon=False).start()


@contextlib.contextmanager
def warm_up_around(kind: str, options: LocalizeOptions, item: str, heard_speech: Callable[[], bool]) -> Iterator[None]:
    """Around a stage in a file's flow: a transcribe stage starts the engines' load once speech is
    heard (warm_once_speech_is_heard), or after it when it reported none on the way and
    `heard_speech()` says it ran and found some. Here, not in the stage: the engines are not part
    of a transcript's code identity. Other stages: nothing."""
    if kind != "transcribe":
        yield
        return
    with warm_once_speech_is_heard(options, item):
        yield
    if heard_speech():
        warm_during_recognition(options)


@contextlib.contextmanager
def warm_once_speech_is_heard(options: LocalizeOptions, item: str) -> Iterator[None]:
    """Around the transcribe stage of `item`: warm_during_recognition once its engine reports
    progress (it does once the VAD found speech to decode, and after each decoded segment; the
    stage's own 0 and 1, its start and end, fall outside this block). Speech nobody heard needs no
    speaker encoder and no translation: a library of silent or music-only files never loads them
    (5 s of CPU, under the GIL, in a short run)."""
    started = threading.Event()  # once per stage: later segments' reports change nothing

    def heard(heard_item: str, stage: str, fraction: float) -> None:
        if not started.is_set() and heard_item == item and stage == "transcribe" and fraction < 1.0:
            started.set()
            warm_during_recognition(options)

    unsubscribe = progress.subscribe(heard)
    try:
        yield
    finally:
        unsubscribe()


def _warm_engines(options: LocalizeOptions) -> None:
    try:
        with heap.loading():  # torch's modules and the models (lingoflow/runtime/heap.py)
            if options.diarize_engine != "none":
                from ..speakers.diarize import get_diarizer

                get_diarizer(options.diarize_engine).warm()
            names = [options.mt_engine] if options.mt_engine else list(mt.registry.ENGINES)
            for name in names:  # the engines that serve a pair into a target (the source is heard later)
                engine = mt.registry.get_engine(name, options.mt_model)
                if any(t == target and s != target for s, t in engine.pairs() for target in options.targets):
                    engine.warm()
    except Exception:  # in the background: the stage that needs the engine meets the same error, with its file
        logging.getLogger("lingoflow").debug("warming up the engines failed", exc_info=True)
