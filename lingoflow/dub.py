"""Build a dub track: each synthesized segment placed at its source start, fitted into its slot.

Fitting, in order: trim the clip's leading/trailing silence; when it is longer than its source
segment, first tighten its internal pauses (down to MIN_PAUSE_MS each), then speed it up with
ffmpeg's pitch-preserving ``atempo`` (at most ``max_speed``); if still too long, let it run into
the silence that follows, up to the next segment's start; what is left over is cut with a short
fade and reported. A clip clearly shorter than its slot is slowed gently, never below
``min_speed`` (0.9x): it is not stretched to fill the slot. The original sound, ducked while
anyone speaks, can be mixed under the dub (``background``).
"""
from __future__ import annotations

import os
import tempfile
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_leading_silence, detect_silence

from .atomic import atomic_path
from .media import ffmpeg_args, file_url, run

MAX_SPEED = 1.35
MIN_SPEED = 0.9
FADE_MS = 30
MIN_PAUSE_MS = 90  # an internal pause is never tightened below this
PAUSE_MIN_MS = 150  # silences at least this long inside a clip count as pauses
SLOW_BELOW = 0.95  # a clip shorter than this fraction of its slot is slowed (not below min_speed)


@dataclass
class Placement:
    segment_id: int
    start: float  # where the dub starts (the source segment's start)
    end: float  # where the dub ends in the track
    source_end: float
    speed: float  # 1.0 = unchanged, >1 sped up, <1 slowed
    overflow: float  # seconds cut off because even the borrowed silence was too short
    tightened: float = 0.0  # seconds of internal pauses removed
    speaker: str | None = None


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
            "voices": self.voices,
        }


@dataclass
class DubClip:
    segment_id: int
    start: float
    end: float
    wav: str  # synthesized speech for this segment
    speaker: str | None = None


def _trim(seg: AudioSegment, threshold: float = -45.0) -> AudioSegment:
    lead = detect_leading_silence(seg, silence_threshold=threshold)
    trail = detect_leading_silence(seg.reverse(), silence_threshold=threshold)
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


def _speed_up(clip: AudioSegment, speed: float, workdir: Path, segment_id: int) -> AudioSegment:
    # a scratch folder of its own: files localized at the same time share the work folder
    with tempfile.TemporaryDirectory(prefix=f"fit-{segment_id}-", dir=workdir) as scratch:
        return _speed_up_in(clip, speed, Path(scratch), segment_id)


def _speed_up_in(clip: AudioSegment, speed: float, workdir: Path, segment_id: int) -> AudioSegment:
    src = workdir / f"fit-{segment_id}.in.wav"
    dst = workdir / f"fit-{segment_id}.out.wav"
    clip.export(src, format="wav")
    graph = ffmpeg.output(ffmpeg.input(file_url(src)).audio.filter("atempo", f"{speed:.4f}"), file_url(dst))
    run(ffmpeg_args(graph), "speed up a dubbed segment", src)
    out = AudioSegment.from_wav(dst)
    src.unlink(missing_ok=True)
    dst.unlink(missing_ok=True)
    return out


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
) -> FitStats:
    """Write a mono 16-bit track of exactly round(duration * sample_rate) samples.

    ``background``: a background.Background mixed under the dub (None: silence between clips).
    Written front to back as clips are placed (clips never overlap: each ends by the next
    one's start), then the background mixed in chunk by chunk, so memory holds one clip or
    one chunk at a time, never the whole track: hours of recording cost what their speech costs.
    """
    workdir = Path(workdir)
    total = int(round(duration * sample_rate))
    stats = FitStats(segments=len(clips))
    ordered = sorted(clips, key=lambda c: c.start)
    with atomic_path(out_wav) as tmp:
        if background is None:
            _write_clips(tmp, ordered, duration, total, sample_rate, workdir, max_speed, min_speed, stats)
        else:
            with tempfile.TemporaryDirectory(prefix="dry-", dir=workdir) as scratch:
                dry = Path(scratch) / "dry.wav"
                _write_clips(dry, ordered, duration, total, sample_rate, workdir, max_speed, min_speed, stats)
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


def _write_clips(path, ordered, duration, total, sample_rate, workdir, max_speed, min_speed, stats: FitStats) -> None:
    """The dub alone, clip after clip, silence between: a WAV of exactly `total` samples."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        cursor = 0  # samples written so far
        for i, clip in enumerate(ordered):
            limit = ordered[i + 1].start if i + 1 < len(ordered) else duration
            audio = _trim(AudioSegment.from_wav(clip.wav).set_channels(1))
            if len(audio) == 0:
                continue
            slot = max(clip.end - clip.start, 0.05)
            speed, removed = 1.0, 0
            if len(audio) / 1000 > slot + 0.02:
                audio, removed = _tighten(audio, int(round((len(audio) / 1000 - slot) * 1000)))
                stats.tightened += bool(removed)
            length = len(audio) / 1000
            if length > slot + 0.02:
                speed = min(max_speed, length / slot)
                stats.sped_up += 1
                stats.max_speed = max(stats.max_speed, round(speed, 3))
            elif length < slot * SLOW_BELOW and min_speed < 1.0:
                speed = max(min_speed, length / slot)
                stats.slowed += 1
                stats.min_speed = min(stats.min_speed, round(speed, 3))
            if speed != 1.0:
                audio = _speed_up(audio, speed, workdir, clip.segment_id)
            audio = audio.set_frame_rate(sample_rate).set_sample_width(2)
            room = max(limit - clip.start, 0.0)
            overflow = 0.0
            if len(audio) / 1000 > room:
                overflow = len(audio) / 1000 - room
                audio = audio[: int(room * 1000)].fade_out(FADE_MS)
                stats.overflowed.append(clip.segment_id)
            samples = np.array(audio.get_array_of_samples(), dtype=np.int16)
            first = int(round(clip.start * sample_rate))
            n = max(0, min(len(samples), total - first, int(round(limit * sample_rate)) - first))
            skip = max(0, cursor - first)  # never rewrites what is written (rounding guard)
            if n > skip:
                _write_silence(w, first + skip - cursor)
                w.writeframes(samples[skip:n].astype("<i2").tobytes())
                cursor = first + n
            end = clip.start + n / sample_rate
            stats.borrowed += end > clip.end + 0.02
            stats.placements.append(
                Placement(clip.segment_id, round(clip.start, 3), round(end, 3), clip.end, round(speed, 3), round(overflow, 3), round(removed / 1000, 3), clip.speaker)
            )
        _write_silence(w, total - cursor)
