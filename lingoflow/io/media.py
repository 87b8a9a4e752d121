"""Probe a container (libavformat via PyAV), pick its audio stream, decode to 16 kHz mono (ffmpeg), hash the bytes.

Every call passes an argument list (never a shell string) and absolute ``file:`` URLs, so a
name that starts with '-' or looks like a protocol is still read as a plain file.
"""
from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ffmpeg  # ffmpeg-python: builds the argument lists of our ffmpeg graphs
import numpy as np

from ..errors import InputError, OutputError, ToolError

SAMPLE_RATE = 16000
VIDEO_EXTENSIONS = {".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts"}
AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".m4a", ".mka", ".ogg", ".oga", ".opus", ".aac", ".wma", ".aiff", ".aif"}
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS


@dataclass
class AudioStream:
    index: int  # absolute stream index in the container
    audio_index: int  # index among the audio streams (ffmpeg's 0:a:N)
    codec: str
    channels: int
    sample_rate: int
    language: str | None
    default: bool
    duration: float | None = None  # what the container declares for this stream, when it does


@dataclass
class MediaInfo:
    path: str
    format_name: str
    duration: float
    has_video: bool
    audio_streams: list[AudioStream] = field(default_factory=list)
    subtitle_count: int = 0

    @property
    def audio(self) -> AudioStream:
        """The stream to localize: the default audio stream, else the first."""
        for s in self.audio_streams:
            if s.default:
                return s
        return self.audio_streams[0]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "MediaInfo":
        return cls(**{**d, "audio_streams": [AudioStream(**s) for s in d.get("audio_streams", [])]})


def file_url(path: str | os.PathLike) -> str:
    return "file:" + str(Path(path).absolute())


def run(args: list[str], what: str, path: str | os.PathLike, cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """Run a tool; a missing binary or a crash becomes a clear error naming the file."""
    try:
        proc = subprocess.run(args, capture_output=True, stdin=subprocess.DEVNULL, cwd=cwd)
    except FileNotFoundError as exc:
        raise ToolError(f"{args[0]} is not installed (needed to {what}); install it with 'apt-get install -y ffmpeg'") from exc
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace").strip()
        err = text.splitlines()
        cause = err[-1] if err else f"exit status {proc.returncode}"
        if "No space left on device" in text or "File too large" in text:
            raise OutputError(str(path), f"ffmpeg could not {what}: no space left on device")
        if proc.returncode < 0:  # killed by a signal (out of memory, ...): may work on a retry
            raise ToolError(f"{path}: {args[0]} was killed by signal {-proc.returncode} while trying to {what}")
        raise InputError(str(path), f"ffmpeg could not {what}: {cause}")
    return proc


def ffmpeg_args(stream) -> list[str]:
    """Compile an ffmpeg-python graph, with global options placed before the inputs."""
    args = stream.compile()
    return [args[0], "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args[1:]]


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def probe(path: str | os.PathLike) -> MediaInfo:
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the file ({exc.strerror})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise InputError(str(path), "not a regular file (a pipe, device or socket)")
    if st.st_size == 0:
        raise InputError(str(path), "the file is empty (0 bytes)")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:  # unreadable (permissions), or an I/O error on the medium
        raise InputError(str(path), f"cannot read the file ({exc.strerror})") from exc
    # libavformat in process (PyAV, already faster-whisper's decoder): an ffprobe process cost as
    # much CPU as decoding a short file (bench/stage_cpu.py)
    import av

    try:
        with av.open(file_url(path)) as container:
            fmt_name, duration = container.format.name, (container.duration or 0) / 1e6
            audio, has_video, subs = _streams(container)
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        cause = getattr(exc, "strerror", None) or str(exc)
        raise InputError(str(path), f"ffmpeg could not read it as media (not a media file, or damaged): {cause}") from exc
    if not audio:
        raise InputError(str(path), "no audio stream to localize" + (" (video only)" if has_video else ""))
    return MediaInfo(str(path), fmt_name, duration, has_video, audio, subs)


def _streams(container) -> tuple[list[AudioStream], bool, int]:
    """The audio streams, whether there is a picture (not a cover image), and how many subtitle streams."""
    from av.stream import Disposition

    audio: list[AudioStream] = []
    has_video, subs = False, 0
    for s in container.streams:
        if s.type == "audio":
            cc = s.codec_context
            audio.append(AudioStream(
                index=s.index, audio_index=len(audio), codec=cc.codec.canonical_name, channels=int(cc.channels or 0),
                sample_rate=int(cc.sample_rate or 0), language=s.metadata.get("language"), default=bool(s.disposition & Disposition.default),
                duration=round(float(s.duration * s.time_base), 6) if s.duration is not None and s.time_base is not None else None,
            ))
        elif s.type == "video" and not s.disposition & Disposition.attached_pic:
            has_video = True
        elif s.type == "subtitle":
            subs += 1
    return audio, has_video, subs


def decode_audio(info: MediaInfo, out_wav: str | os.PathLike) -> float:
    """Decode the chosen audio stream to 16 kHz mono 16-bit WAV; return its duration in seconds."""
    src = ffmpeg.input(file_url(info.path))
    graph = ffmpeg.output(
        src[f"a:{info.audio.audio_index}"], file_url(out_wav),
        ac=1, ar=SAMPLE_RATE, acodec="pcm_s16le", f="wav",
    )
    run(ffmpeg_args(graph), "decode its audio", info.path)
    with wave.open(str(out_wav), "rb") as w:
        frames = w.getnframes()
    if frames == 0:
        raise InputError(info.path, "the audio stream holds no decodable samples (truncated or damaged)")
    decoded = frames / SAMPLE_RATE
    declared = declared_duration(info)
    if declared and decoded < declared - max(0.5, 0.02 * declared):
        raise InputError(
            info.path,
            f"truncated or damaged: only {decoded:.1f} s of audio decode, but the file declares {declared:.1f} s "
            "(an incomplete upload or copy?)",
        )
    return decoded


def declared_duration(info: MediaInfo) -> float | None:
    """The audio stream's length as its container states it, where that is exact.

    MP3 and ADTS AAC durations are estimated from the bit rate by ffprobe, so a mismatch
    there proves nothing; FLAC, WAV, MP4/MOV and friends store the length.
    """
    if info.format_name.split(",")[0] in {"mp3", "aac"}:
        return None
    return info.audio.duration


def load_wav(path: str | os.PathLike) -> np.ndarray:
    """A 16-bit PCM WAV as float32 in [-1, 1] (mono: what decode_audio writes)."""
    with wave.open(str(path), "rb") as w:
        data = w.readframes(w.getnframes())
        channels = w.getnchannels()
    audio = np.frombuffer(data, dtype=np.int16).astype(np.float32)
    del data
    audio /= 32768.0  # in place: an hour of audio is 230 MB as float32, not twice that
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    return audio


class WavAudio:
    """A 16-bit PCM WAV read piece by piece: ``len()`` in samples, ``[a:b]`` a float32 slice in
    [-1, 1] (mono), ``np.asarray()`` all of it. What reads a long file window by window (the
    diarize stage) holds only its pieces, not hours of float32 (230 MB an hour)."""

    dtype = np.dtype(np.float32)
    ndim = 1

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        with wave.open(self.path, "rb") as w:
            self._frames, self._channels = w.getnframes(), w.getnchannels()

    def __len__(self) -> int:
        return self._frames

    @property
    def shape(self) -> tuple[int]:
        return (self._frames,)

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("WavAudio takes [start:stop] slices")
        start, stop, _ = key.indices(self._frames)
        if stop <= start:
            return np.zeros(0, dtype=np.float32)
        with wave.open(self.path, "rb") as w:
            w.setpos(start)
            audio = np.frombuffer(w.readframes(stop - start), dtype=np.int16).astype(np.float32)
        audio /= 32768.0
        return audio.reshape(-1, self._channels).mean(axis=1) if self._channels > 1 else audio

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        audio = load_wav(self.path)
        return audio if dtype is None else audio.astype(dtype, copy=False)
