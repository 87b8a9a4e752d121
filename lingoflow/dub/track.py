"""Build a dub track: each synthesized segment placed at its source start, fitted into its slot.

Fitting a line longer than its slot loses no speech unless nothing else is left, in this order:
trim its leading/trailing silence; tighten its internal pauses (down to MIN_PAUSE_MS each);
have the engine speak it faster by its own rate control (espeak-ng ``-s``, Piper
``length_scale``, Coqui's speed; at most the engine's ``max_rate_speed``), which stays natural
far beyond a time stretch; then FFmpeg's pitch-preserving ``atempo`` (in process) (at most ``max_speed``);
then borrow silence: the pause after the slot up to the next line, a start up to LEAD early into
the pause before it, and a push of the next line by up to MAX_DRIFT (recovered in a later pause:
a line never starts more than MAX_DRIFT after its source, and never overlaps another line). Only
what is still left over is cut, with a short fade, and reported with the words it removed. A
clip clearly shorter than its slot is slowed gently, never below ``min_speed`` (0.9x): it is not
stretched to fill the slot. The original sound, ducked while anyone speaks, can be mixed under
the dub (``background``).
"""
from __future__ import annotations

import math
import os
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from pydub import AudioSegment

from .silence import detect_silence, edge_silences
from ..store.atomic import atomic_path

MAX_SPEED = 1.35  # atempo's limit: beyond it a time stretch sounds processed
MAX_SPEEDUP = 1.4  # engine rate x time stretch together (--max-speedup; VideoLingo's cap, open-dubbing's is 1.3)
BORROW = 1.0  # a line may take this much of the silence after its slot before it is sped up (VideoLingo: ~1 s)
KEEP_PAUSE = 0.15  # ... leaving at least this much of it before the next line, so two lines do not run together
MIN_SPEED = 0.9
LEAD = 0.25  # a line may start this early, into the pause before it
MAX_DRIFT = 0.5  # a line may push the next one this much later than its source start
RATE_STEP = 0.05  # engine rates are asked for in steps (the sped-up clips are cached by rate)
FIT_TOLERANCE = 0.02  # seconds a clip may exceed its target before it is sped up
FADE_MS = 30
MIN_PAUSE_MS = 90  # an internal pause is never tightened below this
PAUSE_MIN_MS = 150  # silences at least this long inside a clip count as pauses
SLOW_BELOW = 0.95  # a clip shorter than this fraction of its slot is slowed (not below min_speed)


@dataclass
class Placement:
    segment_id: int
    start: float  # where the dub starts in the track (LEAD early to MAX_DRIFT late of source_start)
    end: float  # where the dub ends in the track
    source_end: float
    speed: float  # the time stretch (atempo): 1.0 = unchanged, >1 sped up, <1 slowed
    overflow: float  # seconds cut off because even the borrowed silence was too short
    tightened: float = 0.0  # seconds of internal pauses removed
    speaker: str | None = None
    source_start: float | None = None  # the source segment's start (None in fits made before drift existed)
    engine_speed: float = 1.0  # how much faster the engine itself spoke the line (its rate control)
    removed_words: list[str] = field(default_factory=list)  # what the cut removed (by character position)
    condensed: list[str] = field(default_factory=list)  # source words clean verbatim left out of the line (mt/condense.py)
    joined: list[int] = field(default_factory=list)  # later segments spoken in this line (a phrase re-flowed over both)

    @property
    def speedup(self) -> float:
        """Engine rate x time stretch: how much faster than the voice's own pace the line is heard."""
        return round(self.speed * self.engine_speed, 3)

    @property
    def drift(self) -> float:
        """Seconds the dub starts after its source (negative: early)."""
        return self.start - (self.start if self.source_start is None else self.source_start)


@dataclass
class FitStats:
    segments: int = 0
    sped_up: int = 0
    max_speed: float = 1.0
    overflowed: list[int] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    tightened: int = 0  # segments whose internal pauses were shortened
    slowed: int = 0
    min_speed: float = 1.0
    borrowed: int = 0  # segments that run into the silence after their slot
    background: str = "none"  # "ducked <dB> dB" or "none"
    voices: dict[str, str] = field(default_factory=dict)  # speaker -> voice identity
    resynthesized: list[int] = field(default_factory=list)  # segment ids spoken anew (not from the clip cache)
    rate_sped_up: int = 0  # segments the engine spoke faster by its own rate
    max_engine_speed: float = 1.0
    max_effective_speed: float = 1.0  # engine rate x time stretch
    lost_seconds: float = 0.0  # speech cut off, all segments together
    worst_drift: float = 0.0  # the latest a line started after its source start
    early: int = 0  # lines started early, into the pause before them
    pushed: int = 0  # lines that pushed the next one later
    max_speedup: float = MAX_SPEEDUP  # the cap on engine rate x time stretch

    def to_dict(self) -> dict:
        d = asdict(self)
        d["placements"] = [asdict(p) for p in self.placements]
        return d

    def summary(self) -> dict:
        """What report.json carries per language (`dub_fit`)."""
        return {
            "segments": self.segments, "sped_up": self.sped_up, "max_speed": self.max_speed,
            "overflowed": self.overflowed, "tightened": self.tightened, "slowed": self.slowed,
            "min_speed": self.min_speed, "borrowed": self.borrowed, "background": self.background,
            "voices": self.voices, "rate_sped_up": self.rate_sped_up, "max_engine_speed": self.max_engine_speed,
            "max_effective_speed": self.max_effective_speed, "lost_seconds": self.lost_seconds, "worst_drift": self.worst_drift,
            "early": self.early, "pushed": self.pushed,
            "removed_words": {str(p.segment_id): p.removed_words for p in self.placements if p.removed_words},
            **self.qc(),
        }

    def qc(self) -> dict:
        """The speed-up listeners hear (engine rate x stretch) over the lines, and the words condensed away."""
        ups = sorted(p.speedup for p in self.placements) or [1.0]
        return {"max_speedup": self.max_speedup, "speedup_median": _quantile(ups, 0.5), "speedup_p90": _quantile(ups, 0.9),
                "over_1_3x": sum(u > 1.3 + 1e-9 for u in ups), "words_condensed": sum(len(p.condensed) for p in self.placements)}


@dataclass
class DubClip:
    segment_id: int
    start: float
    end: float
    wav: str  # synthesized speech for this segment
    speaker: str | None = None
    text: str = ""  # what it says (a cut reports the words it removed)
    respeak: Callable[[float], str] | None = None  # the engine's rate control: speed -> a WAV of the text spoken that much faster
    max_rate_speed: float = 1.0  # how far respeak may go
    condensed: list[str] = field(default_factory=list)  # what clean verbatim left out (reported in the fit file)
    joined: list[int] = field(default_factory=list)  # later segments re-flowed into this clip (tts/reflow.py)


def _quantile(sorted_values: list[float], q: float) -> float:
    """The q-quantile by linear interpolation (numpy's default), rounded to the millisecond's scale."""
    return round(float(np.quantile(sorted_values, q)), 3)


def _trim(seg: AudioSegment, threshold: float = -45.0) -> AudioSegment:
    lead, trail = edge_silences(seg, threshold)
    return seg[lead : max(lead, len(seg) - trail)]


def _tighten(audio: AudioSegment, need_ms: int) -> tuple[AudioSegment, int]:
    """Shorten internal pauses (each kept >= MIN_PAUSE_MS) by up to need_ms in all; (audio, removed ms)."""
    if need_ms <= 0 or len(audio) < 2 * PAUSE_MIN_MS:
        return audio, 0
    threshold = max(audio.dBFS - 18, -60) if audio.dBFS != float("-inf") else -60
    pauses = [(a, b) for a, b in detect_silence(audio, min_silence_len=PAUSE_MIN_MS, silence_thresh=threshold) if 0 < a and b < len(audio)]
    spare = sum(b - a - MIN_PAUSE_MS for a, b in pauses)
    if spare <= 0:
        return audio, 0
    fraction = min(1.0, need_ms / spare)
    out, pos, removed = AudioSegment.empty(), 0, 0
    for a, b in pauses:
        cut = int((b - a - MIN_PAUSE_MS) * fraction)
        keep = (b - a - cut) // 2
        out += audio[pos : a + keep]
        pos = a + keep + cut
        removed += cut
    out += audio[pos:]
    return out, removed


def _stretch(clip: AudioSegment, speed: float) -> AudioSegment:
    """The clip played `speed` times as fast (above 1: faster; below 1: slower), pitch kept: FFmpeg's
    atempo filter run in process (PyAV's libavfilter; an ffmpeg process a line cost more CPU than the
    stretch itself, bench/stage_cpu.py)."""
    from fractions import Fraction

    import av

    clip = clip.set_sample_width(2)
    layout = {1: "mono", 2: "stereo"}.get(clip.channels)
    if layout is None:
        clip, layout = clip.set_channels(1), "mono"
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="s16", sample_rate=clip.frame_rate, layout=layout, time_base=Fraction(1, clip.frame_rate))
    tempo = graph.add("atempo", f"{speed:.4f}")
    sink = graph.add("abuffersink")
    source.link_to(tempo)
    tempo.link_to(sink)
    graph.configure()
    frame = av.AudioFrame.from_ndarray(np.frombuffer(clip.raw_data, dtype=np.int16).reshape(1, -1), format="s16", layout=layout)
    frame.sample_rate, frame.pts, frame.time_base = clip.frame_rate, 0, Fraction(1, clip.frame_rate)
    graph.push(frame)
    graph.push(None)  # the end: atempo gives what it holds back
    out = []
    while True:
        try:
            out.append(graph.pull().to_ndarray().reshape(-1).astype(np.int16, copy=False))
        except (av.BlockingIOError, av.EOFError):
            break
    samples = np.concatenate(out) if out else np.zeros(0, np.int16)
    return clip._spawn(samples.tobytes())


_SILENCE_BLOCK = 1 << 20


def _write_silence(w: wave.Wave_write, samples: int) -> None:
    block = np.zeros(min(max(samples, 0), _SILENCE_BLOCK), dtype="<i2").tobytes()
    while samples > 0:
        take = min(samples, _SILENCE_BLOCK)
        w.writeframes(block[: take * 2])
        samples -= take


def build_track(
    clips: list[DubClip],
    duration: float,
    sample_rate: int,
    out_wav: str | os.PathLike,
    workdir: str | os.PathLike,
    max_speed: float = MAX_SPEED,
    min_speed: float = MIN_SPEED,
    background=None,
    max_speedup: float = MAX_SPEEDUP,
) -> FitStats:
    """Write a mono 16-bit track of exactly round(duration * sample_rate) samples.

    ``background``: a background.Background mixed under the dub (None: silence between clips).
    Written front to back as clips are placed (clips never overlap: each ends by the next
    one's start), then the background mixed in chunk by chunk, so memory holds one clip or
    one chunk at a time, never the whole track: hours of recording cost what their speech costs.
    """
    workdir = Path(workdir)
    total = int(round(duration * sample_rate))
    stats = FitStats(segments=len(clips), max_speedup=max_speedup)
    ordered = sorted(clips, key=lambda c: c.start)
    with atomic_path(out_wav) as tmp:
        if background is None:
            _write_clips(tmp, ordered, duration, total, sample_rate, workdir, (max_speed, max_speedup), min_speed, stats)
        else:
            with tempfile.TemporaryDirectory(prefix="dry-", dir=workdir) as scratch:
                dry = Path(scratch) / "dry.wav"
                _write_clips(dry, ordered, duration, total, sample_rate, workdir, (max_speed, max_speedup), min_speed, stats)
                times, gains = background.gain(total / sample_rate, [(p.start, p.end) for p in stats.placements])
                with wave.open(str(dry), "rb") as r, wave.open(str(tmp), "wb") as w:
                    w.setnchannels(1), w.setsampwidth(2), w.setframerate(sample_rate)
                    step = _SILENCE_BLOCK
                    for a in range(0, total, step):
                        chunk = np.frombuffer(r.readframes(step), dtype="<i2").astype(np.float32) / 32768.0
                        background.mix_chunk(chunk, a, sample_rate, times, gains)
                        w.writeframes((np.clip(chunk, -1.0, 1.0) * 32767).astype("<i2").tobytes())
            stats.background = f"ducked {background.duck_db:g} dB"
    return stats


def _write_clips(path, ordered, duration, total, sample_rate, workdir, caps, min_speed, stats: FitStats) -> None:
    """The dub alone, clip after clip, silence between: a WAV of exactly `total` samples.
    ``caps``: (largest time stretch, largest engine rate x time stretch)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        cursor = 0  # samples written so far
        prev_source_end = 0.0
        for i, clip in enumerate(ordered):
            nxt = ordered[i + 1].start if i + 1 < len(ordered) else None
            written = cursor / sample_rate
            on_time = max(clip.start, written)  # a line pushed by the previous one starts late
            free_end = max(nxt, on_time) if nxt is not None else duration  # the silence after the slot is free
            latest_end = max(min(nxt + MAX_DRIFT, duration), on_time) if nxt is not None else duration
            pause_from = min(prev_source_end, clip.start)  # where the source's pause before this line starts
            prev_source_end = max(prev_source_end, clip.end)
            # the speed target: the slot, or what is left of it before the next line when this
            # one starts late and there is no pause after it to recover the delay in; before any
            # speed-up the line may take the silence after its slot (up to BORROW, leaving
            # KEEP_PAUSE before the next line)
            slot = max(clip.end - clip.start, 0.05)
            target = slot if free_end - on_time >= slot else max(free_end - on_time, 0.05)
            # (starting early, into the pause before, is left for what still does not fit: below)
            borrowed = max(target, min(free_end - (KEEP_PAUSE if nxt is not None else 0.0), max(clip.end, on_time) + BORROW) - on_time)
            fitted = _fit_audio(clip, target, caps, min_speed if on_time == clip.start else 1.0, workdir, stats, borrowed)
            if fitted is None:
                continue
            audio, speed, rate, removed = fitted
            audio = audio.set_frame_rate(sample_rate).set_sample_width(2)
            length = len(audio) / 1000
            begin = on_time
            if begin + length > free_end and on_time == clip.start:  # start early, into the pause before
                earliest = max(clip.start - LEAD, written, pause_from)
                begin = max(earliest, min(on_time, free_end - length))
            room = max(latest_end - begin, 0.0)
            overflow, lost_words = 0.0, []
            if length > room + 1e-3:
                overflow = length - room
                lost_words = _removed_words(clip.text, room / length)
                audio = audio[: int(room * 1000)].fade_out(FADE_MS)
                stats.overflowed.append(clip.segment_id)
            samples = np.array(audio.get_array_of_samples(), dtype=np.int16)
            first = max(int(round(begin * sample_rate)), cursor)  # never rewrites what is written
            n = max(0, min(len(samples), total - first, int(round(latest_end * sample_rate)) - first))
            if n > 0:
                _write_silence(w, first - cursor)
                w.writeframes(samples[:n].astype("<i2").tobytes())
                cursor = first + n
            start, end = first / sample_rate, (first + n) / sample_rate
            _count(stats, clip, start, end, nxt, speed, rate, overflow)
            stats.placements.append(
                Placement(clip.segment_id, round(start, 3), round(end, 3), clip.end, round(speed, 3), round(overflow, 3), round(removed / 1000, 3),
                          clip.speaker, round(clip.start, 3), round(rate, 3), lost_words, list(clip.condensed), list(clip.joined))
            )
        _write_silence(w, total - cursor)


def _count(stats: FitStats, clip: DubClip, start: float, end: float, nxt: float | None, speed: float, rate: float, overflow: float) -> None:
    stats.borrowed += end > clip.end + FIT_TOLERANCE
    stats.early += start < clip.start - 1e-3
    stats.pushed += nxt is not None and end > nxt + 1e-3
    stats.worst_drift = round(max(stats.worst_drift, start - clip.start), 3)
    stats.max_effective_speed = round(max(stats.max_effective_speed, speed * rate), 3)
    stats.lost_seconds = round(stats.lost_seconds + overflow, 3)


def _fit_audio(clip: DubClip, slot: float, caps: tuple[float, float], min_speed: float, workdir: Path, stats: FitStats,
               room: float | None = None):
    """The clip's speech fitted toward `room` seconds (the slot and the silence it may borrow; a clip
    shorter than `slot` itself may be slowed): (audio, time stretch, engine rate, ms of pauses
    removed), or None when it holds no sound. Pauses first, then the engine's rate, then atempo,
    rate x stretch never above the cap (caps: largest stretch, largest rate x stretch)."""
    max_speed, max_speedup = caps
    target = max(room or slot, slot)
    audio = _trim(AudioSegment.from_wav(clip.wav).set_channels(1))
    if len(audio) == 0:
        return None
    audio, removed = _tighten_to(audio, target)
    rate = 1.0
    rate_cap = min(clip.max_rate_speed, max_speedup)
    if len(audio) / 1000 > target + FIT_TOLERANCE and clip.respeak is not None and rate_cap > 1.0:
        rate = min(rate_cap, math.ceil(len(audio) / 1000 / target / RATE_STEP - 1e-9) * RATE_STEP)
        faster = _trim(AudioSegment.from_wav(clip.respeak(rate)).set_channels(1))
        if len(faster):
            audio, removed = _tighten_to(faster, target)
            stats.rate_sped_up += 1
            stats.max_engine_speed = max(stats.max_engine_speed, round(rate, 3))
        else:
            rate = 1.0
    stats.tightened += bool(removed)
    length = len(audio) / 1000
    speed = 1.0
    if length > target + FIT_TOLERANCE and max_speedup / rate > 1.0 + 1e-6:
        speed = min(max_speed, max_speedup / rate, length / target)
        stats.sped_up += 1
        stats.max_speed = max(stats.max_speed, round(speed, 3))
    elif rate == 1.0 and length < slot * SLOW_BELOW and min_speed < 1.0:
        speed = max(min_speed, length / slot)
        stats.slowed += 1
        stats.min_speed = min(stats.min_speed, round(speed, 3))
    if speed != 1.0:
        audio = _stretch(audio, speed)
    return audio, speed, rate, removed


def _tighten_to(audio: AudioSegment, target: float) -> tuple[AudioSegment, int]:
    if len(audio) / 1000 > target + FIT_TOLERANCE:
        return _tighten(audio, int(round((len(audio) / 1000 - target) * 1000)))
    return audio, 0


def _removed_words(text: str, kept: float) -> list[str]:
    """The words a cut keeping the `kept` share of the speech removes, by character position
    (speech is not uniform, so this is an estimate; a word partly cut counts as removed)."""
    words = text.split()
    total = sum(len(x) + 1 for x in words) or 1
    out, pos = [], 0
    for word in words:
        pos += len(word) + 1
        if pos / total > kept + 1e-9:
            out.append(word)
    return out
