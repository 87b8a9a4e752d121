"""Language detection shares the first window's encoding with the decode (lingoflow/asr/detect.py):
one Whisper encoder pass fewer per file, the same transcript (decoded at temperature 0, so that
faster-whisper's sampling fallback cannot make two runs differ)."""
from __future__ import annotations

import copy

import pytest
from faster_whisper import decode_audio

from lingoflow.asr import detect
from lingoflow.asr.faster_whisper import load_model

SETTINGS = dict(language=None, beam_size=5, vad_filter=False, word_timestamps=True, condition_on_previous_text=False, temperature=0.0)


def _counting(model):
    """The model with its encoder passes counted."""
    counted, calls = copy.copy(model), []

    def encode(features):
        calls.append(features.shape)
        return model.encode(features)

    counted.encode = encode
    return counted, calls


def _result(segments, info) -> tuple:
    return info.language, [(s.start, s.end, s.text, [(w.start, w.end, w.word) for w in s.words]) for s in segments]


@pytest.mark.parametrize("clip", ["asr/en_jfk.flac", "asr/en+de_fw_multilingual.mp3"])  # 11 s; 60 s: two windows
def test_the_first_window_is_encoded_once_and_the_transcript_is_the_same(eval_dir, clip):
    model = load_model("base")
    audio = decode_audio(str(eval_dir / clip))
    plain_model, plain_calls = _counting(model)
    plain = _result(*_listed(plain_model.transcribe(audio, **SETTINGS)))
    once_model, once_calls = _counting(model)
    segments, info = detect.transcribe(once_model, audio, SETTINGS)
    once = _result(*_listed((segments, info)))
    assert once == plain
    assert plain[0] == "en" and 0.5 < info.language_probability <= 1
    assert len(once_calls) == len(plain_calls) - 1


def test_a_given_language_is_left_to_faster_whisper(eval_dir):
    model, calls = _counting(load_model("base"))
    audio = decode_audio(str(eval_dir / "asr" / "en_jfk.flac"))
    segments, info = detect.transcribe(model, audio, {**SETTINGS, "language": "en"})
    assert list(segments) and info.language_probability == 1 and len(calls) == 1


def _listed(result):
    segments, info = result
    return list(segments), info
