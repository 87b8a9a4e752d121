"""Bench inputs, built on demand into bench/.work: a speech-dense clip of a few minutes from
../shared/eval recordings and synthesized speech, and a long file (speech with silences)."""
from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from lingoflow.samples import LESSONS, RATE, VOICE_A, VOICE_B, make_media, speak

from .common import SHARED_EVAL, WORK

EXTRA = [
    "Every course in the library has a short quiz at the end of each chapter.",
    "The quiz checks that you understood the main ideas, not that you remember every detail.",
    "If you miss a question, the course library shows you the part of the lesson to review.",
    "Rivers begin as small streams high in the mountains, fed by rain and melting snow.",
    "As they flow downhill, they join other streams and grow wider and deeper.",
    "Near the coast the land is flat, so the river slows down and drops its sediment.",
    "Over time this sediment builds new land, and the river splits into many channels.",
    "Farmers have always settled near rivers, because the soil there is rich and water is close.",
    "Large cities grew on river banks, since boats could carry goods far inland.",
    "Today we also use rivers to make electricity, to water fields and to supply our homes.",
    "In the next lesson we will compare three famous rivers and the people who live along them.",
    "Please take a few minutes now to write down one question you would like answered.",
]
REAL_CLIPS = ["asr/en_jfk.flac", "asr/en_ljspeech_LJ002-0020.wav", "asr/en_ljspeech_LJ002-0035.wav"]


def _decode(path: Path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", f"file:{path}", "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768


def speech_dense(seconds_hint: float = 150.0) -> Path:
    """Real recordings then synthesized lessons, short pauses: ~2.5 minutes of near-continuous speech."""
    out = WORK / "speech-dense.wav"
    if out.is_file():
        return out
    WORK.mkdir(parents=True, exist_ok=True)
    pause = np.zeros(int(0.3 * RATE), dtype=np.float32)
    parts: list[np.ndarray] = []
    for rel in REAL_CLIPS:
        if (SHARED_EVAL / rel).is_file():
            parts += [_decode(SHARED_EVAL / rel), pause]
    with tempfile.TemporaryDirectory() as tmp:
        lines = [line for lesson in LESSONS.values() for line in lesson] + EXTRA
        parts.append(speak(lines, [VOICE_A, VOICE_B], Path(tmp)))
    audio = np.concatenate(parts)
    while len(audio) / RATE < seconds_hint:
        audio = np.concatenate([audio, pause, audio])
    make_media(audio[: int(seconds_hint * RATE)], out)
    return out


def long_file(minutes: float = 30.0) -> Path:
    """`minutes` long: the speech-dense clip three times, separated by long silences (FLAC)."""
    out = WORK / f"long-{int(minutes)}min.flac"
    if out.is_file():
        return out
    dense = _decode(speech_dense())
    total = int(minutes * 60 * RATE)
    gap = max(0, (total - 3 * len(dense)) // 3)
    audio = np.concatenate([np.concatenate([dense, np.zeros(gap, dtype=np.float32)]) for _ in range(3)])[:total]
    make_media(audio, out)
    return out


def duration(path: Path) -> float:
    if path.suffix == ".wav":
        with wave.open(str(path)) as w:
            return w.getnframes() / w.getframerate()
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", f"file:{path}"],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())
