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


def test_a_files_stretches_are_decoded_in_one_window_and_put_back_in_place(eval_dir):
    # two stretches of real speech far apart in a file of silence: one decode, words back at their own times
    from faster_whisper import decode_audio

    from lingoflow.asr import AsrOptions, get_transcriber

    speech = decode_audio(str(eval_dir / "asr" / "en_jfk.flac"))
    audio = np.zeros(16000 * 40, dtype=np.float32)
    audio[16000 * 2 : 16000 * 5] = speech[: 16000 * 3]  # "And so my fellow Americans"
    audio[16000 * 30 : 16000 * 33] = speech[16000 * 8 : 16000 * 11]  # "what you can do for your country"
    transcriber = get_transcriber("faster-whisper")
    calls = []

    class Counting:
        def transcribe(self, piece, options):
            calls.append(len(piece) / 16000)
            return transcriber.transcribe(piece, options)

    empty = Transcript(SourceInfo("x", "x", 40.0), "en", 1.0, [])
    found = redecode(audio, empty, [(2.0, 5.0), (30.0, 33.0)], Counting(), AsrOptions(model="tiny.en", language="en"))
    assert len(calls) == 1 and calls[0] < 10  # both stretches (with context) and the silence between them: one window
    text = " ".join(s.text for s in found).lower()
    assert "americans" in text and "country" in text, found
    for w in (w for s in found for w in s.words):  # each word back in its own stretch
        assert type(w.start) is float and (2.0 <= (w.start + w.end) / 2 <= 5.0 or 30.0 <= (w.start + w.end) / 2 <= 33.0), w


def test_words_come_back_only_where_a_person_spoke(eval_dir):
    """Real far-field meetings (AMI dev00, dev01, trn07: each has a stretch the diarizer hears
    without transcript words): every word the re-decode adds lies inside the reference's speech.
    On one CPU's numerics dev01's stretch (no reference speech) decoded to a sentence at a log
    probability just over Whisper's retry bar while Whisper rated it likelier silence (no-speech
    0.66): a decode made on the off chance takes Whisper's no-speech verdict as final."""
    from lingoflow.asr import AsrOptions, get_transcriber
    from lingoflow.io import media
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.speakers.diarize import get_diarizer

    reference: dict[str, list[tuple[float, float]]] = {}
    for line in (eval_dir / "diar" / "ami" / "ami.rttm").read_text().splitlines():
        f = line.split()
        reference.setdefault(f[1], []).append((float(f[3]), float(f[3]) + float(f[4])))
    transcriber, added = get_transcriber("faster-whisper"), {}
    for name in ("dev00", "dev01", "trn07"):
        audio = media.load_wav(ingest(str(eval_dir / "diar" / "ami" / f"{name}.wav")).audio_wav)
        result = transcriber.transcribe(audio, AsrOptions(model="base"))
        transcript = Transcript(SourceInfo(name, name, len(audio) / 16000), result.language, 1.0, result.segments)
        turns = get_diarizer("campp").diarize(audio, 16000, [])
        before = {(w.start, w.text) for s in result.segments for w in s.words}
        found = redecode(audio, transcript, unheard(turns, result.segments), transcriber, AsrOptions(model="base", language=result.language))
        added[name] = [w for s in found for w in s.words if (w.start, w.text) not in before]
        outside = [w for w in added[name] if not any(a <= (w.start + w.end) / 2 <= b for a, b in reference[name])]
        assert outside == [], (name, outside)
    assert sum(map(len, added.values())) >= 2, added  # and speech nobody had written down comes back (trn07: "your marks")
