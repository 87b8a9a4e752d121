"""Batched Whisper decoding that keeps every word: chunks cut in pauses, unfinished tails decoded again.

faster-whisper's BatchedInferencePipeline loses whole sentences at chunk edges. It packs up to
30 s of speech into a chunk, so speech runs to the chunk's very end; Whisper then often closes
the window with a lone start timestamp ("the next segment begins here and goes on past the
window"), and the pipeline, decoding each chunk once, drops everything from that timestamp on.
The sequential decoder would seek to that timestamp and decode again. Here:

- the speech regions are the sequential path's own (Silero VAD, the same options, so the same
  audio is heard), cut at the pauses a finer VAD pass finds (160 ms or more; in a stretch
  longer than a chunk, its last pause of 100 ms or more), and the pieces packed in order into
  chunks of at most `CHUNK_SECONDS`: every chunk ends in a pause, and a file whose speech fits
  one window is decoded from exactly the sequential decoder's input;
- chunks are decoded in batches with the library's machinery (the steps of its
  `generate_segment_batched`, `_split_segments_by_timestamps`, `add_word_timestamps`), with
  segment and word timestamps; the encoder runs a window at a time (on CPU its cost per window
  grows with the batch), the decoder on the whole batch (where batching pays);
- where a chunk's decode stops before its end (an unfinished last segment), or its words stop
  well before its speech does, the rest of the chunk, from its last word on, goes back in the
  queue (the rests of one round share windows), as the sequential decoder's seek does: chunks
  never overlap, so each word is decoded once (a word the alignment ended early and the rest
  decodes again is dropped there);
- the language is detected on the first batch's encoder output (no window encoded twice), and
  under code-switching on every chunk's, as the sequential decoder does on every window; a
  chunk spanning a switch is split there and each part decoded in its own language (switches.py);
- a chunk the sequential decoder would have retried at a higher temperature (too repetitive,
  or too unlikely) is decoded by the sequential decoder itself, fallback included (or, for
  packed files, kept and reported: `on_doubt`); one it would have skipped as silence is skipped.
"""
from __future__ import annotations

import logging
from itertools import pairwise

import numpy as np

from . import switches
from .chunks import SAMPLE_RATE, Chunk, Decoded, encode as _encode, to_window_time

CHUNK_SECONDS = 30.0  # of speech: Whisper's window (a file with no more speech is decoded from the sequential decoder's input)
END_PAD_SECONDS = 0.0  # silence added after a chunk (0: the sequential decoder's input exactly)
MIN_TAIL_SECONDS = 0.2  # an unfinished remainder shorter than this holds no word
UNHEARD_SECONDS = 1.0  # a chunk ends at most a VAD pad (0.4 s) after its speech: more after the last word was not heard
MAX_ROUNDS = 4  # tails of tails: past this, the sequential decoder takes what is left

log = logging.getLogger(__name__)


def pack(pieces: list[dict], max_seconds: float | None = None, round_: int = 0) -> list[Chunk]:
    """Pieces (sample ranges, in order) packed into chunks of at most `max_seconds` (default
    CHUNK_SECONDS) of audio; a chunk ends where a piece ends."""
    limit = int((max_seconds or CHUNK_SECONDS) * SAMPLE_RATE)
    chunks: list[Chunk] = []
    current: list[dict] = []
    length = 0
    for piece in pieces:
        n = piece["end"] - piece["start"]
        if current and length + n > limit:
            chunks.append(Chunk(current, round_))
            current, length = [], 0
        current.append(dict(piece))
        length += n
    if current:
        chunks.append(Chunk(current, round_))
    return chunks


def speech_chunks(audio: np.ndarray, max_seconds: float | None = None) -> list[Chunk]:
    """The sequential decoder's speech regions (its Silero VAD options, so the same audio is
    heard), cut at the pauses a finer pass finds (160 ms or more, as faster-whisper's batched
    pipeline cuts; in a stretch longer than a chunk, its last pause of 100 ms or more), and the
    pieces packed in order into chunks of at most `max_seconds`: every chunk ends in a pause."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    max_seconds = max_seconds or CHUNK_SECONDS
    regions = get_speech_timestamps(audio, VadOptions())
    if sum(r["end"] - r["start"] for r in regions) <= max_seconds * SAMPLE_RATE:
        return pack(regions, max_seconds)  # one window holds it all: no cut
    fine = get_speech_timestamps(audio, VadOptions(max_speech_duration_s=max_seconds, min_silence_duration_ms=160))
    pauses = [(a["end"] + b["start"]) // 2 for a, b in pairwise(fine)]
    pieces = []
    for region in regions:
        cuts = [p for p in pauses if region["start"] < p < region["end"]]
        edges = [region["start"], *cuts, region["end"]]
        pieces += [{"start": a, "end": b} for a, b in pairwise(edges)]
    return pack(pieces, max_seconds)


class LosslessBatchedPipeline:
    """Decodes pause-cut chunks `batch_size` at a time; see the module docstring.

    `make_options(tokenizer)`: the TranscriptionOptions of a decode (temperature 0, timestamps,
    word timestamps); `fallback(chunk_audio, language)`: the sequential decoder's segment dicts
    for a chunk, in chunk time, temperature fallback included.
    """

    def __init__(self, model, batch_size: int, make_options, fallback):
        self.model = model
        self.batch_size = max(1, batch_size)
        self.make_options = make_options
        self.fallback = fallback
        self.language: str | None = None
        self.probability = 1.0
        self.tokenizer = None
        self.options = None
        self.choose = None  # first window's language distribution -> the language (faster_whisper._Chooser)
        # chunk -> None: where set, a chunk the sequential decoder would retry hotter is kept as decoded
        # at temperature 0 and reported here (packing judges each file's share of a window on its own)
        self.on_doubt = None
        self.chunks: list[Chunk] = []

    def transcribe(self, audio: np.ndarray, language: str | None, multilingual: bool, on_progress=None,
                   chunks: list[Chunk] | None = None) -> tuple[list[dict], str, float]:
        """The window's segment dicts in time order, each with its "language"; the language
        (given, or detected on the first chunk) and its probability. `chunks`: the windows to
        decode (default: `audio`'s speech, cut in pauses; asr/packing.py gives several files')."""
        self.language, self.multilingual = language, multilingual and self.model.model.is_multilingual
        if language is None and not self.model.model.is_multilingual:
            self.language = "en"
        chunks = self.chunks = speech_chunks(audio) if chunks is None else chunks
        total, done = sum(c.samples for c in chunks) or 1, 0
        pending, decoded = list(chunks), []
        while pending:
            batch, pending = pending[: self.batch_size], pending[self.batch_size:]
            tails = []
            for item, tail, retry in self._decode(audio, batch):
                lang = item.language or self.language
                if retry and self.on_doubt is not None:
                    self.on_doubt(item.chunk)
                elif retry:  # what the sequential decoder would retry, it decodes, fallback and all
                    log.debug("chunk at %.2f s: sequential decoder (temperature fallback)", item.chunk.at)
                    found = self.fallback(item.chunk.audio(audio), lang)
                    tail = _tail(Decoded(item.chunk, found), float("inf"))  # speech after its last word: again
                    item = Decoded(item.chunk, to_window_time(found, item.chunk), lang)
                decoded.append(item)
                if tail is not None and (tail.round > MAX_ROUNDS or tail.samples >= item.chunk.samples):
                    decoded.append(Decoded(tail, to_window_time(self.fallback(tail.audio(audio), lang), tail), lang))  # no progress
                elif tail is not None:
                    tails.append(tail)
                done += item.chunk.samples - (tail.samples if tail in tails else 0)
            if tails:  # the rests of a round share windows, decoded with the chunks still waiting
                pending += pack(sorted((p for t in tails for p in t.pieces), key=lambda p: p["start"]), round_=max(t.round for t in tails))
            if on_progress:
                on_progress(min(done / total, 1.0))
        if self.multilingual:  # a chunk spanning a language switch: each segment its own language (switches.py)
            decoded = [part for item in decoded for part in switches.split_at_switches(self.model, audio, item, self.fallback)]
        segments = sorted(({**seg, "language": d.language or self.language} for d in decoded for seg in d.segments), key=lambda s: s["start"])
        return _drop_repeated_edge_words(segments), self.language or "en", self.probability if self.language else 0.0

    def _decode(self, audio: np.ndarray, batch: list[Chunk]) -> list[list]:
        """[Decoded, unfinished tail or None, needs the sequential decoder] for each chunk."""
        from faster_whisper.audio import pad_or_trim

        model = self.model
        pad = np.zeros(int(END_PAD_SECONDS * SAMPLE_RATE), np.float32)
        features = np.stack([pad_or_trim(model.feature_extractor(np.concatenate([c.audio(audio), pad]))[..., :-1]) for c in batch])
        encoder_output, outputs, languages = self._generate(features)
        tokenizer, options = self.tokenizer, self.options
        results, kept = [], []
        for i, (chunk, output, lang) in enumerate(zip(batch, outputs, languages)):
            verdict = _verdict(output, tokenizer.decode(output["tokens"]).strip(), options)
            keep = verdict == "keep" or (verdict == "retry" and self.on_doubt is not None)
            segments, ended = self._split(chunk, output) if keep else ([], None)
            results.append([Decoded(chunk, segments, lang), ended, verdict == "retry"])
            if keep:
                kept.append(i)
        for i in kept:  # one chunk at a time: the alignment's cost grows with a batch's padding
            model.add_word_timestamps([results[i][0].segments], tokenizer, _select(encoder_output, [i], len(batch)),
                                      [_frames(batch[i], model)], options.prepend_punctuations, options.append_punctuations, 0.0)
        for result in results:
            ended = result[1]
            result[1] = _tail(result[0], ended)
            log.debug("chunk at %.2f s: ended %s, last word %s, tail %s", result[0].chunk.at, ended,
                      [w["end"] for seg in result[0].segments for w in seg.get("words") or []][-1:], result[1] and result[1].at)
            result[0].segments = to_window_time(result[0].segments, result[0].chunk)
        return results

    def _generate(self, features: np.ndarray):
        """BatchedInferencePipeline.generate_segment_batched, but the language (when not given)
        and each chunk's language (code-switching) come from this batch's own encoder output."""
        from faster_whisper.tokenizer import Tokenizer

        model = self.model
        encoder_output = _encode(model, features)
        languages = [None] * len(features)
        if self.language is None or self.multilingual:
            rows = encoder_output if self.multilingual else _select(encoder_output, [0], len(features))
            ranked = model.model.detect_language(rows)  # per row: (token, probability), best first
            detected = [r[0] for r in ranked]
            if self.language is None:
                self.language, self.probability = detected[0][0][2:-2], float(detected[0][1])
                if self.choose is not None and not self.multilingual:  # more windows, allow-list, prior (language.py)
                    self.language = self.choose({token[2:-2]: float(p) for token, p in ranked[0]})
            if self.multilingual:
                languages = [token[2:-2] for token, _ in detected]
        if self.tokenizer is None:
            self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=self.language)
            self.options = self.make_options(self.tokenizer)
        tokenizer, options = self.tokenizer, self.options
        prompt = model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=False, hotwords=options.hotwords)
        prompts = [list(prompt) for _ in languages]
        if self.multilingual:
            at = prompt.index(tokenizer.language)
            for p, lang in zip(prompts, languages):
                p[at] = tokenizer.tokenizer.token_to_id(f"<|{lang}|>")
        results = model.model.generate(
            encoder_output, prompts, beam_size=options.beam_size, patience=options.patience, length_penalty=options.length_penalty,
            max_length=model.max_length, suppress_blank=options.suppress_blank, suppress_tokens=options.suppress_tokens,
            return_scores=True, return_no_speech_prob=True, repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
        )
        outputs = []
        for r in results:
            n = len(r.sequences_ids[0])
            outputs.append(dict(avg_logprob=r.scores[0] * (n ** options.length_penalty) / (n + 1), no_speech_prob=r.no_speech_prob, tokens=r.sequences_ids[0]))
        return encoder_output, outputs, languages

    def _split(self, chunk: Chunk, output: dict) -> tuple[list[dict], float]:
        """A chunk's tokens as segments (chunk time), and where its finished segments end."""
        model, tokenizer = self.model, self.tokenizer
        subsegments, seek, _ = model._split_segments_by_timestamps(
            tokenizer=tokenizer, tokens=output["tokens"], time_offset=0.0, segment_size=_frames(chunk, model),
            segment_duration=chunk.samples / SAMPLE_RATE, seek=0,
        )
        ended = seek / model.frames_per_second
        log.debug("chunk at %.2f s, %.2f s long, round %d: decoded to %.2f s: ...%r", chunk.at, chunk.samples / SAMPLE_RATE,
                  chunk.round, ended, tokenizer.decode(output["tokens"])[-60:])
        segments = [
            dict(text=tokenizer.decode(s["tokens"]), tokens=s["tokens"], start=s["start"], end=s["end"], seek=0,
                 avg_logprob=output["avg_logprob"], no_speech_prob=output["no_speech_prob"])
            for s in subsegments
        ]
        return segments, ended


def _frames(chunk: Chunk, model) -> int:
    from math import ceil

    return int(ceil(chunk.samples / SAMPLE_RATE) * model.frames_per_second)


def _tail(item: Decoded, ended: float | None) -> Chunk | None:
    """What of the chunk its decode left out, or None.

    Left out: the rest of a chunk whose decode stopped before its end (an unfinished last
    segment); or, where the last segment claims the chunk's end but its words stop more than
    UNHEARD_SECONDS before it, the speech after them (Whisper, told the wrong language, can
    close one segment over 20 s of speech it did not write down). Either rest starts at the last
    word's end, since the last timestamp can lie past a word the decode skipped.
    """
    if ended is None:
        return None
    duration = item.chunk.samples / SAMPLE_RATE
    words = [w for seg in item.segments for w in seg.get("words") or []]
    last = words[-1]["end"] if words else None
    if duration - ended >= MIN_TAIL_SECONDS and ended != float("inf"):
        return item.chunk.after(min(ended, last) if last is not None else ended)
    if last is not None and duration - last > UNHEARD_SECONDS:
        return item.chunk.after(last)
    return None


def _drop_repeated_edge_words(segments: list[dict], gap: float = 0.3) -> list[dict]:
    """A tail starts at its parent's last word's end as the alignment put it; where that end came
    early, the tail decodes the word again: keep it once (the parent's)."""
    for prev, seg in pairwise(segments):
        if not seg["round"] or not prev["words"] or not seg["words"]:
            continue
        a, b = prev["words"][-1], seg["words"][0]
        if _norm(a["word"]) == _norm(b["word"]) and b["start"] - a["end"] < gap:
            seg["words"] = seg["words"][1:]
            seg["text"] = seg["text"].lstrip()[len(b["word"].strip()):]
            if seg["words"]:
                seg["start"] = seg["words"][0]["start"]
    return segments


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


def _select(encoder_output, index: list[int], n: int):
    """The encoder output's rows for the chunks that were decoded (all of them, usually)."""
    if len(index) == n:
        return encoder_output
    import ctranslate2

    array = np.asarray(encoder_output)  # CPU storage: a view, no copy
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array[index]))


def _verdict(output: dict, text: str, options) -> str:
    """What the sequential decoder would do with this temperature-0 result: keep it, skip the
    window as silence, or retry at a higher temperature (generate_with_fallback's rules)."""
    from faster_whisper.transcribe import get_compression_ratio

    low = options.log_prob_threshold is not None and output["avg_logprob"] < options.log_prob_threshold
    if options.no_speech_threshold is not None and output["no_speech_prob"] > options.no_speech_threshold and low:
        return "silence"
    if not text:
        return "keep"
    if options.compression_ratio_threshold is not None and get_compression_ratio(text) > options.compression_ratio_threshold:
        return "retry"
    return "retry" if low else "keep"
