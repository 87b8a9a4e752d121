"""Speech the diarizer hears where the transcript has no words is decoded on its own
(lingoflow/speakers/diarize/redecode.py): words come back from real speech, none from music or silence."""
from __future__ import annotations

import numpy as np
import pytest

from lingoflow.speakers.diarize import Turn
from lingoflow.speakers.diarize.redecode import redecode, unheard
from lingoflow.schema import Segment, SourceInfo, Transcript, Word


def test_unheard_is_turn_time_without_words():
    turns = [Turn(0.0, 4.0, "A"), Turn(3.0, 6.0, "B"), Turn(10.0, 10.8, "A")]
    segs = [Segment(0, 1.0, 2.0, "hello there", words=[Word(1.0, 1.4, "hello"), Word(1.5, 2.0, "there")])]
    # 0-0.8 is under a second; 2.2-6.0 has no word; 10-10.8 is short
    assert unheard(turns, segs) == [(2.2, 6.0)]
    assert unheard(turns, []) == [(0.0, 6.0)]
    assert unheard([], segs) == []


def _transcribe_stretch(audio, turns):
    from lingoflow.asr import AsrOptions, get_transcriber

    empty = Transcript(SourceInfo("x", "x", len(audio) / 16000), "en", 1.0, [])
    return redecode(audio, empty, unheard(turns, []), get_transcriber("faster-whisper"), AsrOptions(model="tiny.en", language="en"))


def test_speech_without_words_is_decoded_and_music_gives_nothing(eval_dir):
    from faster_whisper import decode_audio

    from lingoflow.speakers.diarize import get_diarizer

    engine = get_diarizer("campp")
    speech = decode_audio(str(eval_dir / "diar" / "pyannote_sample.wav"))[: 12 * 16000]
    turns = engine.diarize(speech, 16000, [])
    found = _transcribe_stretch(speech, turns)
    words = [w for s in found for w in s.words]
    assert len(words) >= 5, found
    assert all(any(t.start - 0.3 <= (w.start + w.end) / 2 <= t.end + 0.3 for t in turns) for w in words)
    assert [s.id for s in found] == list(range(len(found))) and found == sorted(found, key=lambda s: s.start)
    music = decode_audio(str(eval_dir / "media" / "big_buck_bunny_small.mp4"))
    heard = engine.diarize(music, 16000, [])
    assert [w for s in _transcribe_stretch(music, heard) for w in s.words] == []
    silence = np.zeros(16000 * 12, dtype=np.float32)
    assert _transcribe_stretch(silence, engine.diarize(silence, 16000, [])) == []
