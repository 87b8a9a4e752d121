"""The original sound under the dub: decoded at the dub's sample rate, ducked while anyone speaks."""
from __future__ import annotations

import wave
from dataclasses import dataclass

import numpy as np

from ..asr.longform import WavSamples
from ..store.atomic import atomic_path
from ..errors import InputError
from ..io.media import MediaInfo, file_url
from ..paths import cache_dir

RAMP = 0.15  # seconds over which the level glides down before speech and back up after it
CONTROL_RATE = 100  # gain points per second


def load(info: MediaInfo, sha256: str, rate: int) -> "WavSamples":
    """The localized audio stream as mono float32 at ``rate`` (cached by the source's bytes)."""
    wav = cache_dir() / "audio" / f"{sha256}.{rate}.wav"
    if not wav.is_file():
        with atomic_path(wav) as tmp:
            if not _copy_pcm(info.path, tmp, rate):
                decode(info, tmp, rate)
    return WavSamples(wav)  # read a chunk at a time: hours of background are never in memory


def _copy_pcm(path, out_wav, rate: int) -> bool:
    """A source that already is a 16-bit mono PCM WAV at ``rate`` (a meeting or phone recording at
    16 kHz) copied as its own background, frames unchanged (what decoding it gives, for a fraction
    of the CPU); False, nothing written, for any other source."""
    try:
        with wave.open(str(path), "rb") as source:
            if (source.getnchannels(), source.getsampwidth(), source.getframerate(), source.getcomptype()) != (1, 2, rate, "NONE"):
                return False
            with wave.open(str(out_wav), "wb") as out:
                out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
                while block := source.readframes(1 << 20):
                    out.writeframes(block)
        return True
    except (wave.Error, EOFError, OSError):  # not a WAV the wave module reads (compressed, WAVE_FORMAT_EXTENSIBLE...), or unreadable: decoded (its error names the file)
        return False


def decode(info: MediaInfo, out_wav, rate: int) -> None:
    """The chosen audio stream to a mono 16-bit WAV at ``rate``, decoded in process (PyAV: an
    ffmpeg process a file cost more CPU than decoding a short file), frame by frame."""
    import av

    try:
        with av.open(file_url(info.path)) as container, wave.open(str(out_wav), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
            stream = container.streams.get(audio=info.audio.audio_index)[0]
            # frames resampled in blocks of about a second: a frame is ~20 ms, and each write of
            # the wave module patches the header (a seek and two writes)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate, frame_size=rate)
            for frame in container.decode(stream):
                for piece in resampler.resample(frame):
                    out.writeframes(piece.to_ndarray().tobytes())
            for piece in resampler.resample(None):  # what the resampler still holds
                out.writeframes(piece.to_ndarray().tobytes())
    except (av.FFmpegError, ValueError) as exc:
        raise InputError(info.path, f"could not decode its audio for the dub background: {exc}") from exc


@dataclass
class Background:
    audio: np.ndarray  # mono float32 at the track's rate
    speech: list[tuple[float, float]]  # source speech spans (seconds); dub placements are added
    duck_db: float = 15.0

    def gain(self, duration: float, extra: list[tuple[float, float]] = ()) -> tuple[np.ndarray, np.ndarray]:
        """(times, gains) at CONTROL_RATE: 1.0 away from speech, 10^(-duck_db/20) during it."""
        n = int(np.ceil(duration * CONTROL_RATE)) + 1
        times = np.arange(n) / CONTROL_RATE
        ducked = np.zeros(n, dtype=bool)
        for s, e in [*self.speech, *extra]:
            ducked[max(0, int(s * CONTROL_RATE)) : min(n, int(np.ceil(e * CONTROL_RATE)) + 1)] = True
        low = 10 ** (-self.duck_db / 20)
        target = np.where(ducked, low, 1.0)
        # glide: the level starts falling RAMP before speech and rises over RAMP after it
        k = max(1, int(RAMP * CONTROL_RATE))
        padded = np.concatenate([np.full(k, target[0]), target, np.full(k, target[-1])])
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)
        smooth = windows.min(axis=1)  # any speech within RAMP lowers the level
        kernel = np.ones(k) / k
        smooth = np.convolve(np.concatenate([np.full(k, smooth[0]), smooth]), kernel, mode="valid")[: n]
        return times, smooth.astype(np.float32)

    def mix_chunk(self, chunk: np.ndarray, start: int, rate: int, times: np.ndarray, gains: np.ndarray) -> None:
        """Add the ducked background to chunk (the track's samples from `start` on), in place."""
        n = min(len(chunk), len(self.audio) - start)
        if n > 0:
            t = np.arange(start, start + n, dtype=np.float64) / rate
            chunk[:n] += np.asarray(self.audio[start : start + n], dtype=np.float32) * np.interp(t, times, gains).astype(np.float32)
