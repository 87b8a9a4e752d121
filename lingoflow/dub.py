"""Build a dub track: each synthesized segment placed at its source start, fitted into its slot.

Fitting, in order: trim the clip's leading/trailing silence; when it is longer than its source
segment, speed it up with ffmpeg's pitch-preserving ``atempo`` (at most ``max_speed``); if still
too long, let it run into the silence that follows, up to the next segment's start; what is
left over is cut with a short fade and reported. Clips are never slowed down or stretched.
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
from pydub.silence import detect_leading_silence

from .atomic import atomic_path
from .media import ffmpeg_args, file_url, run

MAX_SPEED = 1.35
FADE_MS = 30


@dataclass
class Placement:
    segment_id: int
    start: float  # where the dub starts (the source segment's start)
    end: float  # where the dub ends in the track
    source_end: float
    speed: float  # 1.0 = unchanged
    overflow: float  # seconds cut off because even the borrowed silence was too short


@dataclass
class FitStats:
    segments: int = 0
    sped_up: int = 0
    max_speed: float = 1.0
    overflowed: list[int] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["placements"] = [asdict(p) for p in self.placements]
        return d


@dataclass
class DubClip:
    segment_id: int
    start: float
    end: float
    wav: str  # synthesized speech for this segment


def _trim(seg: AudioSegment, threshold: float = -45.0) -> AudioSegment:
    lead = detect_leading_silence(seg, silence_threshold=threshold)
    trail = detect_leading_silence(seg.reverse(), silence_threshold=threshold)
    return seg[lead : max(lead, len(seg) - trail)]


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
) -> FitStats:
    """Write a mono 16-bit track of exactly round(duration * sample_rate) samples.

    Written front to back as clips are placed (clips never overlap: each ends by the next
    one's start), so memory holds one clip at a time, not the whole track: an hours-long
    recording with little speech costs what its speech costs.
    """
    workdir = Path(workdir)
    total = int(round(duration * sample_rate))
    stats = FitStats(segments=len(clips))
    ordered = sorted(clips, key=lambda c: c.start)
    with atomic_path(out_wav) as tmp, wave.open(str(tmp), "wb") as w:
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
            length = len(audio) / 1000
            speed = 1.0
            if length > slot + 0.02:
                speed = min(max_speed, length / slot)
                audio = _speed_up(audio, speed, workdir, clip.segment_id)
                stats.sped_up += 1
                stats.max_speed = max(stats.max_speed, round(speed, 3))
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
            stats.placements.append(
                Placement(clip.segment_id, round(clip.start, 3), round(clip.start + n / sample_rate, 3), clip.end, round(speed, 3), round(overflow, 3))
            )
        _write_silence(w, total - cursor)
    return stats
