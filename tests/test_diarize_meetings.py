"""Diarization on a real meeting (AMI, ../shared/eval/diar): more than one person found, the
caller's speaker bounds honoured; segments split at a speaker change keep every word and the
ASR's own text, and span their words."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from lingoflow.config import LocalizeOptions
from lingoflow.speakers.diarize import Turn, apply_turns
from lingoflow.schema import Segment, SourceInfo, Transcript, Word

AMI = Path(__file__).resolve().parents[2] / "shared" / "eval" / "diar" / "ami"
CLIP, START, END = "trn04", 14.0, 30.0  # three people speak in these 16 s (AMI reference)


@pytest.fixture(scope="module")
def meeting():
    if not AMI.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AMI} is missing (CI needs ../shared/eval)")
        pytest.skip(f"{AMI} is missing")
    from faster_whisper import decode_audio

    audio = decode_audio(str(AMI / f"{CLIP}.wav"))[int(START * 16000) : int(END * 16000)]
    turns = []
    for line in (AMI / "ami.rttm").read_text().splitlines():
        f = line.split()
        s, e = float(f[3]), float(f[3]) + float(f[4])
        if f[1] == CLIP and e > START and s < END:
            turns.append((max(s, START) - START, min(e, END) - START, f[7]))
    speech: list[list[float]] = []
    for s, e, _ in sorted(turns):
        if speech and s <= speech[-1][1] + 0.3:
            speech[-1][1] = max(speech[-1][1], e)
        else:
            speech.append([s, e])
    return audio, [(round(s, 2), round(e, 2)) for s, e in speech], {who for _, _, who in turns}


def test_a_real_meeting_has_more_than_one_speaker_and_about_the_right_count(meeting):
    from lingoflow.speakers.diarize import get_diarizer

    audio, speech, people = meeting
    found = {t.speaker for t in get_diarizer("campp").diarize(audio, 16000, speech)}
    assert len(found) > 1 and abs(len(found) - len(people)) <= 1, (found, people)


def test_min_and_max_speakers_are_honoured(meeting):
    from lingoflow.speakers.diarize import get_diarizer

    audio, speech, _ = meeting
    engine = get_diarizer("campp")
    alone = len({t.speaker for t in engine.diarize(audio, 16000, speech)})
    assert alone < 3  # left to itself it finds two of the three here (16 s, 4 windows) ...
    assert len({t.speaker for t in engine.diarize(audio, 16000, speech, min_speakers=3)}) == 3  # ... asked for three, three
    assert len({t.speaker for t in engine.diarize(audio, 16000, speech, max_speakers=1)}) == 1
    assert len({t.speaker for t in engine.diarize(audio, 16000, speech, num_speakers=2, max_speakers=8)}) == 2


def test_speaker_bounds_are_validated_and_key_the_diarize_cache():
    from lingoflow.speakers import diarization as speakers

    with pytest.raises(ValueError, match="min_speakers"):
        LocalizeOptions(min_speakers=3, max_speakers=2)
    t = Transcript(SourceInfo("a.wav", "0" * 64, 2.0), "en", 1.0, [Segment(0, 0.0, 1.0, "Hi.", words=[Word(0.0, 1.0, "Hi.")])])
    keys = {speakers._cache_key(t, "engine", LocalizeOptions(min_speakers=n)) for n in (1, 2)}
    assert len(keys) == 2


def _seg(i, text, words):
    ws = [Word(s, e, w) for s, e, w in words]
    return Segment(i, ws[0].start - 0.5, ws[-1].end + 2.0, text, words=ws)  # Whisper's span is wider than its words


def test_a_split_keeps_every_word_and_the_asr_text():
    # written without spaces between words: the split must not invent any
    seg = _seg(0, "はい、そうです。では始めましょう。", [(0.0, 0.4, "はい、"), (0.4, 1.0, "そうです。"), (1.5, 2.0, "では"), (2.0, 2.8, "始めましょう。")])
    out = apply_turns([seg], [Turn(0.0, 1.2, "SPEAKER_00"), Turn(1.2, 3.0, "SPEAKER_01")])
    assert [(s.speaker, s.text) for s in out] == [("SPEAKER_00", "はい、そうです。"), ("SPEAKER_01", "では始めましょう。")]
    assert [w for s in out for w in s.words] == seg.words
    # spaced text with punctuation keeps its own spacing
    seg = _seg(0, "Right, okay.  So what now?", [(0.0, 0.5, "Right,"), (0.5, 1.0, "okay."), (1.6, 1.9, "So"), (1.9, 2.2, "what"), (2.2, 2.8, "now?")])
    out = apply_turns([seg], [Turn(0.0, 1.3, "SPEAKER_00"), Turn(1.3, 3.0, "SPEAKER_01")])
    assert [s.text for s in out] == ["Right, okay.", "So what now?"]


def test_segments_span_their_words():
    seg = _seg(0, "Just three words.", [(9.5, 9.9, "Just"), (9.9, 10.2, "three"), (10.2, 10.8, "words.")])
    out = apply_turns([seg], [Turn(9.0, 28.0, "SPEAKER_00")])
    assert (out[0].start, out[0].end) == (9.5, 10.8)
