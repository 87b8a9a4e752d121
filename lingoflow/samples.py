"""A small sample library synthesized with the project's own TTS (for `make demo`, tests, bench).

Three short English "lessons": an MP4 with a generated picture, an MP3, and a WAV in which two
voices alternate. Nothing is committed as media; this script makes it on demand.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import ffmpeg
import numpy as np

from .store.atomic import atomic_path
from .io.media import ffmpeg_args, file_url, run
from .dub.tts import Voice, get_engine

LESSONS = {
    "lesson-1-welcome": [
        "Welcome to the course library. In this first lesson we look at how rivers shape the land.",
        "Water carries small stones downstream, and over many years it cuts deep valleys.",
    ],
    "lesson-2-review": [
        "Before the quiz, let us review the three main ideas of the last lesson.",
        "Rivers move sediment, valleys grow slowly, and floods change the plain.",
    ],
    "lesson-3-dialogue": [
        "Good morning. Can you tell me what a delta is?",
        "A delta is the land that forms where a river meets the sea.",
        "Thank you. Where can we see a large delta?",
        "The Nile and the Amazon both have very large deltas.",
    ],
}

# Piper's sampling noise off: the same sample audio every time, so tests and benches repeat
VOICE_A = Voice(engine="piper", language="en", noise_scale=0.0, noise_w_scale=0.0)
VOICE_B = Voice(engine="espeak-ng", language="en", variant="f3", pitch=70)
RATE = 22050
PAUSE = 0.6


def speak(lines: list[str], voices: list[Voice], workdir: Path) -> np.ndarray:
    """Lines spoken in turn by the voices, with a pause between them, as float32 mono at RATE."""
    parts = [np.zeros(int(0.4 * RATE), dtype=np.float32)]
    for i, line in enumerate(lines):
        voice = voices[i % len(voices)]
        raw = workdir / f"line{i}.wav"
        get_engine(voice.engine).synthesize(line, voice, raw)
        norm = workdir / f"line{i}.norm.wav"
        graph = ffmpeg.output(ffmpeg.input(file_url(raw)), file_url(norm), ac=1, ar=RATE, acodec="pcm_s16le")
        run(ffmpeg_args(graph), "normalize a sample line", raw)
        import wave

        with wave.open(str(norm), "rb") as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        parts += [pcm, np.zeros(int(PAUSE * RATE), dtype=np.float32)]
    return np.concatenate(parts)


def _write_wav(audio: np.ndarray, path: Path) -> None:
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def make_media(audio: np.ndarray, out: Path, video: bool = False) -> Path:
    """Encode audio to out (format from its suffix); with video, a generated test picture."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "a.wav"
        _write_wav(audio, wav)
        seconds = len(audio) / RATE
        with atomic_path(out) as part:
            if video:
                picture = ffmpeg.input(f"testsrc2=size=320x240:rate=15:duration={seconds:.3f}", f="lavfi")
                graph = ffmpeg.output(picture, ffmpeg.input(file_url(wav)), file_url(part), vcodec="libx264", pix_fmt="yuv420p", acodec="aac", shortest=None, f="mp4")
            elif out.suffix == ".wav":
                graph = ffmpeg.output(ffmpeg.input(file_url(wav)), file_url(part), acodec="pcm_s16le", f="wav")
            else:
                graph = ffmpeg.output(ffmpeg.input(file_url(wav)), file_url(part), f=out.suffix.lstrip(".").replace("mp3", "mp3"))
            run(ffmpeg_args(graph), f"write sample {out.name}", out)
    return out


def make_library(folder: str | os.PathLike) -> list[Path]:
    """Write the three sample lessons into folder (skipping those already there)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plan = [
        ("lesson-1-welcome", ".mp4", [VOICE_A], True),
        ("lesson-2-review", ".mp3", [VOICE_B], False),
        ("lesson-3-dialogue", ".wav", [VOICE_A, VOICE_B], False),
    ]
    made = []
    for name, suffix, voices, video in plan:
        target = folder / f"{name}{suffix}"
        if not target.exists():
            with tempfile.TemporaryDirectory() as tmp:
                make_media(speak(LESSONS[name], voices, Path(tmp)), target, video=video)
        made.append(target)
    return made


if __name__ == "__main__":
    import sys

    for path in make_library(sys.argv[1] if len(sys.argv) > 1 else "demo-library"):
        print(path)
