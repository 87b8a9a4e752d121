"""Language detection that shares the first window's encoding with the decode.

faster-whisper 1.2.1's `transcribe(language=None)` detects the language by encoding the first
30 s window, then encodes that window again to decode it (it never passes the detection's
encoder output on): one Whisper encoder pass more per file, 0.75 s of a 1.8 s transcription of a
short clip on 2 cores. Here faster-whisper's own `detect_language` runs on the very features the
decode's first window is cut from (the decode drops the mel's last frame, the detection keeps
it), and the decode's encoding of that window is answered from the detection's: the same input,
so the same output. The mel of the audio is computed once too.
"""
from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np


class _FeaturesOnce:
    """Stands in for the model's feature extractor: the mel of `audio` is the one computed here."""

    def __init__(self, inner, audio: np.ndarray):
        self._inner, self._audio = inner, audio
        self.features = inner(audio)

    def __call__(self, waveform, padding=160, chunk_length=None):
        if waveform is self._audio and padding == 160 and chunk_length is None:
            return self.features
        return self._inner(waveform, padding=padding, chunk_length=chunk_length)

    def __getattr__(self, name):  # nb_max_frames, time_per_frame, sampling_rate, ...
        return getattr(self._inner, name)


class _EncoderOnce:
    """The model's `encode`, answering the call after the first (the decode's first window) with
    the first's output when its features are equal; every later call goes straight through."""

    def __init__(self, encode):
        self._encode, self._first, self._calls = encode, None, 0

    def __call__(self, features: np.ndarray):
        self._calls += 1
        if self._calls == 2:
            first, self._first = self._first, None
            if first[0].shape == features.shape and np.array_equal(first[0], features):
                return first[1]
        output = self._encode(features)
        if self._calls == 1:
            self._first = (np.array(features, copy=True), output)
        return output


def transcribe(model, audio: np.ndarray, settings: dict, choose=None):
    """`model.transcribe(audio, **settings)` with the first window encoded once when the language
    is detected (a given language, multilingual mode or an English-only model: as it is).
    `choose(first_window_distribution) -> language`: what decides (default: Whisper's best guess)."""
    if settings.get("language") or settings.get("multilingual") or not model.model.is_multilingual:
        return model.transcribe(audio, **settings)
    twin = copy.copy(model)  # per transcription: the shared model stays untouched (files in flight)
    twin.feature_extractor = _FeaturesOnce(model.feature_extractor, audio)
    twin.encode = _EncoderOnce(model.encode)
    features = twin.feature_extractor.features
    language, probability, ranked = twin.detect_language(features=features[..., : features.shape[-1] - 1])
    if choose is not None:
        language = choose(dict(ranked))
    segments, info = twin.transcribe(audio, **{**settings, "language": language})
    return segments, replace(info, language_probability=probability)
