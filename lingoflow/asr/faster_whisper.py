"""faster-whisper engine: int8 on CPU, Silero VAD, word timestamps, language detection; the
fragments Whisper makes up over silence and noise are dropped here (fragments.py)."""
from __future__ import annotations

import copy
import logging
import math
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..runtime import parallel
from ..errors import ConfigError
from ..schema import Segment, Word
from . import batched, detect, fragments, language as language_id, models, packing
from .base import AsrOptions, AsrResult, Transcriber

PACKED_BATCH = 8  # packed windows decoded at once (the decoder gains from a batch; the encoder runs a window at a time)
_models: dict[tuple, object] = {}
log = logging.getLogger(__name__)
_lock = threading.Lock()


def load_model(model: str, device: str = "cpu", compute_type: str = "int8"):
    """One WhisperModel per (model, device, compute type) per process."""
    from faster_whisper import WhisperModel

    path = models.resolve(model)
    key = (path, device, compute_type)
    with _lock:
        if key not in _models:
            try:
                jobs = parallel.current_jobs()  # the cores are shared by the files in flight (--jobs)
                _models[key] = WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=parallel.asr_threads(jobs),
                                            num_workers=parallel.asr_slots(jobs))
            except Exception as exc:  # hub unreachable, bad folder, ...
                raise ConfigError(f"cannot load Whisper model {model!r}: {exc}") from exc
        return _models[key]


class _LanguageRecorder:
    """Stands in for the CTranslate2 model of one transcription to see each window's language.

    faster-whisper's `multilingual` mode detects the language of every 30 s window but does not
    put it on the segments it yields; segments are yielded right after their window's detection.
    """

    def __init__(self, inner):
        self._inner = inner
        self.last: tuple[str, float] | None = None

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def detect_language(self, *args, **kwargs):
        results = self._inner.detect_language(*args, **kwargs)
        token, probability = results[0][0]
        self.last = (token[2:-2], probability)
        return results


class FasterWhisperTranscriber(Transcriber):
    name = "faster-whisper"

    def model_identity(self, model: str) -> str:
        path = Path(models.resolve(model))
        weights = path / "model.bin"
        if weights.is_file():
            st = weights.stat()
            return f"{model}:{st.st_size}:{int(st.st_mtime)}"
        return model

    def locate(self, options: AsrOptions) -> None:
        """Find the model without loading it (ConfigError naming it when missing)."""
        models.resolve(options.model)

    def import_runtime(self) -> None:
        """Import faster-whisper (and its ctranslate2, tokenizers, huggingface_hub, httpx) in the
        calling thread: a load in another thread then imports nothing beside the caller's imports
        (two threads importing one package tree at once can meet a half-initialized module)."""
        import faster_whisper  # noqa: F401

    def load(self, options: AsrOptions) -> None:
        """Load the model now (ConfigError naming it when missing or damaged)."""
        load_model(options.model, options.device, options.compute_type)

    def transcribe(self, audio: np.ndarray, options: AsrOptions, on_progress=None) -> AsrResult:
        model = load_model(options.model, options.device, options.compute_type)
        if audio.size < 1600:  # under 0.1 s: nothing Whisper can hear
            return AsrResult(options.language or "en", 0.0, [])
        if options.batch_size > 0 and options.vad:
            return _transcribe_batched(model, audio, options, on_progress)
        recorder = None
        if options.multilingual and model.model.is_multilingual:
            model = copy.copy(model)  # a shallow copy: the shared model stays untouched
            model.model = recorder = _LanguageRecorder(model.model)
        chooser = _Chooser(model, options)
        try:  # the language is decided before the decode starts
            found, info = _decode_speech(model, audio, options, bool(recorder), chooser)
        except _Deferred as deferred:
            return AsrResult(deferred.lid.language, round(deferred.lid.probability, 4), [], language_id=deferred.lid, deferred=True)
        if on_progress and info.duration_after_vad > 0:  # speech to decode (no VAD: all of it); decoding begins
            on_progress(0.0)
        duration = max(info.duration, 1e-9)
        language = lambda: recorder.last[0] if recorder and recorder.last else info.language
        decoded: list[tuple[list[Segment], fragments.Candidate]] = []
        for parts, decoded_end in found:
            segments = [_segment(part, language()) for part in parts if part["text"].strip()]
            if segments:  # the fragment filter judges the segment as Whisper made it, before the split
                words = [w for part in parts for w in part["words"]]
                decoded.append((segments, fragments.Candidate(float(parts[0]["start"]), float(parts[-1]["end"]), "".join(p["text"] for p in parts).strip(),
                                                              [float(w["probability"]) for w in words], float(parts[0]["no_speech_prob"]))))
            if on_progress:
                on_progress(min(decoded_end / duration, 1.0))
        result = _filtered(decoded, audio, options, info.language, info.language_probability)
        result.language_id = chooser.lid or _heard(info, options)
        return result

    def transcribe_packed(self, audios: list[np.ndarray], options: AsrOptions) -> list[AsrResult | None]:
        """Short files' speech packed into shared windows (packing.py), where their language is
        known without hearing each alone; None for a file not packed (too much speech, or none)."""
        language = options.language or (options.languages[0] if len(options.languages) == 1 else None)
        if options.multilingual or not options.vad or language is None:  # detecting each file's language costs what packing saves
            return [None] * len(audios)
        lid = language_id.given(language) if options.language else language_id.LanguageId(language, language_id.ALLOW_LIST, probability=1.0)
        model = load_model(options.model, options.device, options.compute_type)
        regions = [packing.speech_regions(a) if a.size >= 1600 else [] for a in audios]
        short = [i for i, r in enumerate(regions) if 0 < packing.speech_seconds(r) < packing.PACK_BELOW_SECONDS]
        results: list[AsrResult | None] = [None] * len(audios)
        if len(short) < 2:
            return results
        decoded = _decode_packed(model, [audios[i] for i in short], [regions[i] for i in short], replace(options, language=language))
        for i, result in zip(short, decoded):
            result.language_id, result.language_probability = lid, 1.0
            results[i] = result
        return results


def _decode_packed(model, audios: list[np.ndarray], regions: list[list[dict]], options: AsrOptions) -> list[AsrResult]:
    """One language's short files decoded in shared windows; a file its window did not fully
    hear, did not tell apart from its neighbour, or heard too unsurely (the sequential decoder
    would retry it hotter), decoded again alone (packing.py)."""
    lay = packing.layout(audios, regions)
    pipeline = batched.LosslessBatchedPipeline(model, max(options.batch_size, PACKED_BATCH), lambda tokenizer: _batch_options(tokenizer, options),
                                               _sequential(model, options))
    doubted: set[int] = set()
    pipeline.on_doubt = lambda chunk: doubted.update(lay.files_in(chunk))  # one file in the wrong language can sink a window
    found, _, _ = pipeline.transcribe(lay.audio, options.language, False, chunks=lay.windows())
    per_file, crossed = packing.to_files(found, lay, len(audios))
    again = []
    for i, segs in enumerate(per_file):
        why = ("boundary not heard" if i in crossed else "speech left unheard" if packing.unheard(segs, regions[i])
               else "too unsure" if i in doubted and _unsure(segs, pipeline.options) else None)
        if why:
            log.debug("packed file %d: decoded again alone (%s)", i, why)
            again.append(i)
    return [FasterWhisperTranscriber().transcribe(audio, options) if i in again else
            _filtered([_candidate(seg) for seg in segs if seg["text"].strip()], audio, options, options.language, 1.0)
            for i, (audio, segs) in enumerate(zip(audios, per_file))]


def _unsure(segments: list[dict], options) -> bool:
    """The sequential decoder's retry rules (batched._verdict, `options` its TranscriptionOptions)
    on one file's share of a window that broke them: its words' mean log probability under the
    threshold (-1), or its text too repetitive (compression ratio over 2.4)."""
    from faster_whisper.transcribe import get_compression_ratio

    probabilities = [max(float(w["probability"]), 1e-6) for seg in segments for w in seg.get("words") or []]
    text = "".join(seg["text"] for seg in segments).strip()
    if not probabilities:
        return False  # nothing decoded: packing.unheard judges that
    return float(np.mean(np.log(probabilities))) < options.log_prob_threshold or get_compression_ratio(text) > options.compression_ratio_threshold


def _candidate(seg: dict) -> tuple[list[Segment], fragments.Candidate]:
    """A decoded segment dict as a Segment and its fragment-filter candidate (the batched decoder's)."""
    words = [Word(round(float(w["start"]), 3), round(float(w["end"]), 3), w["word"].strip(), round(float(w["probability"]), 4)) for w in seg["words"]]
    segment = Segment(id=0, start=round(float(seg["start"]), 3), end=round(float(seg["end"]), 3), text=seg["text"].strip(),
                      language=seg.get("language"), confidence=round(math.exp(float(seg["avg_logprob"])), 4), words=words)
    return [segment], fragments.Candidate(float(seg["start"]), float(seg["end"]), segment.text, [float(w["probability"]) for w in seg["words"]])


class _Deferred(Exception):
    def __init__(self, lid):
        self.lid = lid


class _Chooser:
    """Decides the language from the first window's distribution (language.py): more windows of
    `speech` when it is unsure, then the allow-list or the library prior; under `defer_unsure`
    an unsure file is not decoded (_Deferred)."""

    def __init__(self, model, options: AsrOptions):
        self.model, self.options, self.speech, self.lid = model, options, None, None

    def __call__(self, first: dict) -> str:
        speech = self.speech() if callable(self.speech) else self.speech
        lid = language_id.identify(self.model, speech, first) if speech is not None and len(speech) else language_id.heard([first])
        self.lid = lid = language_id.decide(lid, list(self.options.languages), list(self.options.prior))
        if self.options.defer_unsure and lid.unsure and not self.options.languages:
            raise _Deferred(lid)
        return lid.language


def _heard(info, options: AsrOptions):
    """The language as faster-whisper decided it itself (given, code-switching, no speech)."""
    if options.language:
        return language_id.given(options.language)
    if getattr(info, "all_language_probs", None):
        return language_id.heard([dict(info.all_language_probs)])
    return None


def _segment(seg: dict, language: str) -> Segment:
    words = [Word(round(float(w["start"]), 3), round(float(w["end"]), 3), w["word"].strip(), round(float(w["probability"]), 4)) for w in seg["words"]]
    return Segment(id=0, start=round(float(seg["start"]), 3), end=round(float(seg["end"]), 3), text=seg["text"].strip(), language=language,
                   confidence=round(math.exp(float(seg["avg_logprob"])), 4), words=words)


def _decode_speech(model, audio: np.ndarray, options: AsrOptions, multilingual: bool, chooser=None):
    """The sequential decoder over the speech Silero VAD finds (faster-whisper's own step: the
    speech regions joined and decoded as one stream): for each segment it decoded, its parts
    (segment dicts in the audio's time) and where the decode was in the joined stream; and the
    decode's info.

    faster-whisper puts each word back where it was said but keeps a segment whole across the
    silence it cut out between two regions: on the AMI meetings "...it's great joy." and
    "Aren't..." 2.8 s later were one segment, a caption and a dub line across the silence and,
    to the diarizer's scoring, speech that is not there. Here a segment is split where silence was
    cut out, as the batched decoder does (batched.to_window_time); the words are unchanged.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    settings = _decode_settings(options, multilingual)
    regions = get_speech_timestamps(audio, VadOptions()) if options.vad else []
    if not regions:  # no VAD, or no speech: faster-whisper as it is (a silent file still gets its language answer)
        segments, info = model.transcribe(audio, **settings)
        return (([_as_dict(seg)], seg.end) for seg in segments), info
    speech = batched.Chunk(regions)
    joined = speech.audio(audio)
    if chooser is not None:
        chooser.speech = joined
    segments, info = detect.transcribe(model, joined, {**settings, "vad_filter": False}, chooser)
    return ((batched.to_window_time([_as_dict(seg)], speech), seg.end) for seg in segments), info


def _as_dict(seg) -> dict:
    return dict(text=seg.text, start=seg.start, end=seg.end, avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob,
                words=[dict(word=w.word, start=w.start, end=w.end, probability=w.probability) for w in seg.words or []])


def _filtered(decoded: list, audio: np.ndarray, options: AsrOptions, language: str, probability: float) -> AsrResult:
    """Both decoders' segments through the hallucinated-fragment filter (fragments.py), renumbered:
    `decoded` holds (segments, candidate), the segments a candidate's verdict keeps or drops."""
    why = fragments.reasons([c for _, c in decoded], audio) if options.drop_fragments else [None] * len(decoded)
    segments = [replace(s, id=i) for i, s in enumerate(s for (parts, _), reason in zip(decoded, why) if reason is None for s in parts)]
    dropped = [(s, reason) for (parts, _), reason in zip(decoded, why) if reason is not None for s in parts]
    return AsrResult(language, round(float(probability), 4), segments, dropped)


def _decode_settings(options: AsrOptions, multilingual: bool) -> dict:
    """The sequential decoder's settings (WhisperModel.transcribe keywords)."""
    return dict(
        language=options.language,
        beam_size=options.beam_size,
        vad_filter=options.vad,
        word_timestamps=True,
        hotwords=options.hotwords or None,
        condition_on_previous_text=False,  # stops one misheard phrase repeating through a file
        multilingual=multilingual,
        # decoded on the off chance (fallback off): one temperature-0 decode, and a window Whisper
        # finds likelier silence than speech is skipped as such, its log probability no excuse
        **({} if options.fallback else {"temperature": 0.0, "log_prob_threshold": None}),
    )


def _batch_options(tokenizer, options: AsrOptions):
    """The sequential decoder's settings as the options of one temperature-0 batched decode."""
    from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

    return TranscriptionOptions(
        beam_size=options.beam_size, best_of=5, patience=1, length_penalty=1, repetition_penalty=1, no_repeat_ngram_size=0,
        log_prob_threshold=-1.0, no_speech_threshold=0.6, compression_ratio_threshold=2.4,  # the sequential defaults
        condition_on_previous_text=False, prompt_reset_on_temperature=0.5, temperatures=[0.0], initial_prompt=None, prefix=None,
        suppress_blank=True, suppress_tokens=get_suppressed_tokens(tokenizer, [-1]), without_timestamps=False,
        max_initial_timestamp=1.0, word_timestamps=True, prepend_punctuations="\"'“¿([{-", append_punctuations="\"'.。,，!！?？:：”)]}、",
        multilingual=options.multilingual, max_new_tokens=None, clip_timestamps="0", hallucination_silence_threshold=None,
        hotwords=options.hotwords or None,
    )


def _transcribe_batched(model, audio: np.ndarray, options: AsrOptions, on_progress) -> AsrResult:
    """Chunks cut in pauses, decoded `options.batch_size` at a time (see batched.py)."""
    pipeline = batched.LosslessBatchedPipeline(model, options.batch_size, lambda tokenizer: _batch_options(tokenizer, options),
                                               _sequential(model, options))
    pipeline.choose = chooser = _Chooser(model, options)
    chooser.speech = lambda: np.concatenate([c.audio(audio) for c in pipeline.chunks])  # VAD speech only
    try:
        found, language, probability = pipeline.transcribe(audio, options.language, options.multilingual, on_progress)
    except _Deferred as deferred:
        return AsrResult(deferred.lid.language, round(deferred.lid.probability, 4), [], language_id=deferred.lid, deferred=True)
    result = _filtered([_candidate(seg) for seg in found if seg["text"].strip()], audio, options, language, probability)
    result.language_id = chooser.lid or (language_id.given(options.language) if options.language else None)
    return result


def _sequential(model, options: AsrOptions):
    """The batched decoder's fallback: the sequential decoder on a chunk's audio, in chunk time."""
    def fallback(chunk_audio: np.ndarray, language: str) -> list[dict]:
        segs, _ = model.transcribe(chunk_audio, **{**_decode_settings(options, False), "language": language, "vad_filter": False})
        return [_as_dict(s) for s in segs]

    return fallback
