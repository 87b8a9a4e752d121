"""Diarization, casting and per-speaker dubbing on real synthesized two-voice audio.

Voice A is Piper "joe" (a low male voice), voice B espeak-ng f3 at high pitch: two clearly
different voices. Which voice spoke each line is known, so the labels can be checked against it.
"""
from __future__ import annotations

import wave
from pathlib import Path

import pytest

from lingoflow import samples
from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.synthesize import synthesize
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.pipeline.translate import translate
from lingoflow.speakers import diarization as speakers
from lingoflow.config import LocalizeOptions
from lingoflow.samples import VOICE_A, VOICE_B

DIALOGUE_1 = [  # A, B, A, B
    "Good morning. Can you tell me what a delta is?",
    "A delta is the land that forms where a river meets the sea.",
    "Thank you. Where can we see a large delta?",
    "The Nile and the Amazon both have very large deltas.",
]
DIALOGUE_2 = [  # B, A, B, A: other words, other order
    "Mountains rise slowly when two plates of the earth push together.",
    "How long does it take for a mountain range to form?",
    "It takes many millions of years, far longer than a human life.",
    "That is hard to imagine, but the rocks keep the record.",
]
REFERENCE_B = ["This is a short recording of my voice, made for the library.", "I read it slowly and clearly, in a quiet room."]


def _make(lines, voices, path: Path, tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    return samples.make_media(samples.speak(lines, voices, tmp), path)


@pytest.fixture(scope="module")
def media_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("speakers")
    return {
        "one": _make(DIALOGUE_1, [VOICE_A, VOICE_B], root / "dialogue-1.wav", root / "w1"),
        "two": _make(DIALOGUE_2, [VOICE_B, VOICE_A], root / "dialogue-2.wav", root / "w2"),
        "ref": _make(REFERENCE_B, [VOICE_B], root / "refs" / "guest.wav", root / "w3"),
        "solo": _make(DIALOGUE_2, [VOICE_B], root / "solo.wav", root / "w4"),
        "root": root,
    }


ASR = dict(asr_model="tiny.en", source_language="en")


@pytest.fixture(scope="module")
def transcribed(media_files):
    out = {}
    for key in ("one", "two", "solo"):
        ingested = ingest(str(media_files[key]))
        out[key] = (ingested, transcribe(ingested, LocalizeOptions(**ASR)))
    return out


def _true_voice(segment_text: str, lines: list[str], voices: list[str]) -> str:
    """Which voice spoke a segment: the line sharing the most words with it."""
    words = set(segment_text.lower().replace(".", "").replace(",", "").replace("?", "").split())
    best = max(range(len(lines)), key=lambda i: len(words & set(lines[i].lower().replace(".", "").replace(",", "").replace("?", "").split())))
    return voices[best % len(voices)]


def _labels_by_voice(transcript, lines, voices) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for seg in transcript.segments:
        if len(seg.text.split()) >= 3:  # a one-word fragment cannot be attributed to a line
            seen.setdefault(_true_voice(seg.text, lines, voices), set()).add(seg.speaker)
    return seen


def _track(path):
    import numpy as np

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768, w.getframerate()


def _embed(audio, rate):
    import numpy as np

    from lingoflow.speakers.diarize import campplus

    n = int(len(audio) * campplus.RATE / rate)
    return campplus.embed(np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio).astype(np.float32))


def test_two_speakers_two_voices_one_voice_each(transcribed, tmp_path):
    ingested, transcript = transcribed["one"]
    options = LocalizeOptions(targets=["pt"], background="none", **ASR)  # the dub's voices alone
    diarized = speakers.diarize(transcript, ingested.audio_wav, options)
    labels = {s.label for s in diarized.speakers}
    assert len(labels) == 2, diarized.report()
    # each true voice maps to exactly one label, and the two labels differ
    by_voice = _labels_by_voice(diarized.transcript, DIALOGUE_1, ["A", "B"])
    assert len(by_voice["A"]) == 1 and len(by_voice["B"]) == 1 and by_voice["A"] != by_voice["B"], by_voice
    a, b = next(iter(by_voice["A"])), next(iter(by_voice["B"]))
    # pitch matching: the low male voice gets a low profile, the high voice a high one
    info = {s.label: s for s in diarized.speakers}
    assert info[a].pitch_range == "low" and info[b].pitch_range == "high", (info[a], info[b])
    library = speakers.library_for(options)
    assert library.profiles[diarized.casting[a].profile].pitch_range == "low"
    assert library.profiles[diarized.casting[b].profile].pitch_range == "high"
    # the dub: two different voices, each speaker the same voice in every segment
    translation = translate(diarized.transcript, "pt", options)
    stats = synthesize(translation, ingested, tmp_path, options, diarized=diarized)
    assert set(stats.voices) == {a, b} and stats.voices[a] != stats.voices[b]
    seg_speaker = {s.id: s.speaker for s in translation.segments}
    assert all(p.speaker == seg_speaker[p.segment_id] for p in stats.placements)
    assert {p.speaker for p in stats.placements} == {a, b}
    # and in the audio itself: every dubbed segment sounds like its speaker's other segments
    track, rate = _track(tmp_path / "dub.pt.wav")
    emb = {p.segment_id: _embed(track[int(p.start * rate) : int(p.end * rate)], rate) for p in stats.placements}
    for p in stats.placements:
        same = [emb[q.segment_id] for q in stats.placements if q.speaker == p.speaker and q is not p]
        other = [emb[q.segment_id] for q in stats.placements if q.speaker != p.speaker]
        if same:
            assert min(float(emb[p.segment_id] @ e) for e in same) > max(float(emb[p.segment_id] @ e) for e in other)
    # the track: full length at the source's rate, placed and fitted (the timing bars)
    with wave.open(str(tmp_path / "dub.pt.wav")) as w:
        assert w.getframerate() == ingested.info.audio.sample_rate
        assert abs(w.getnframes() / w.getframerate() - ingested.duration) <= 0.05
    placed = sorted(stats.placements, key=lambda p: p.start)
    starts = {s.id: s.start for s in translation.segments}
    for p in placed:
        assert abs(p.start - starts[p.segment_id]) <= 0.15
        assert 0.9 <= p.speed <= 1.35
    for x, y in zip(placed, placed[1:]):
        assert x.end <= y.start + 1e-3


def test_enrolled_speaker_gets_profile_in_two_files(media_files, transcribed, tmp_path):
    voices = tmp_path / "library.yaml"
    ref = media_files["ref"]
    voices.write_text(f"threshold: 0.75\nspeakers:\n  - name: guest\n    clips: [{ref}]\n    profile: light\n")
    options = LocalizeOptions(targets=["pt"], voices=str(voices), **ASR)
    for key, lines, order in (("one", DIALOGUE_1, ["A", "B"]), ("two", DIALOGUE_2, ["B", "A"])):
        ingested, transcript = transcribed[key]
        diarized = speakers.diarize(transcript, ingested.audio_wav, options)
        by_voice = _labels_by_voice(diarized.transcript, lines, order)
        b, a = next(iter(by_voice["B"])), next(iter(by_voice["A"]))
        assert diarized.casting[b].enrolled == "guest" and diarized.casting[b].profile == "light", (key, diarized.report())
        assert diarized.casting[a].enrolled is None and diarized.casting[a].profile != "light", (key, diarized.report())
        entry = next(e for e in diarized.report() if e["speaker"] == b)
        assert entry["similarity"] >= 0.75


def test_given_speaker_count_is_used(transcribed):
    ingested, transcript = transcribed["one"]
    diarized = speakers.diarize(transcript, ingested.audio_wav, LocalizeOptions(speakers=1, **ASR))
    assert {s.speaker for s in diarized.transcript.segments} == {"SPEAKER_00"}
    assert diarized.casting == {}  # no targets: nothing to cast


def test_reference_clip_for_cloning_holds_only_that_speaker(transcribed):
    import numpy as np

    from lingoflow.io import media
    from lingoflow.speakers.diarize import campplus
    from lingoflow.speakers.registry import LINK_THRESHOLD

    ingested, transcript = transcribed["one"]
    diarized = speakers.diarize(transcript, ingested.audio_wav, LocalizeOptions(**ASR))
    by_voice = _labels_by_voice(diarized.transcript, DIALOGUE_1, ["A", "B"])
    a, b = next(iter(by_voice["A"])), next(iter(by_voice["B"]))
    ref = speakers.reference_clip(ingested.audio_wav, ingested.sha256, diarized.transcript, b)
    emb = campplus.embed(media.load_wav(ref))  # the space the speakers are measured in
    info = {s.label: np.asarray(s.embedding) for s in diarized.speakers}
    assert float(emb @ info[b]) > max(LINK_THRESHOLD, float(emb @ info[a]) + 0.2), (float(emb @ info[b]), float(emb @ info[a]))


def test_one_voice_is_one_speaker(transcribed):
    ingested, transcript = transcribed["solo"]
    diarized = speakers.diarize(transcript, ingested.audio_wav, LocalizeOptions(targets=["pt"], **ASR))
    assert {s.speaker for s in diarized.transcript.segments} == {"SPEAKER_00"}, diarized.report()
    assert len(diarized.casting) == 1


def test_a_short_single_voice_clip_is_one_speaker(eval_dir, tmp_path):
    """4.5 s of one reader (the left channel of faster-whisper's stereo test file): too few
    windows to tell speakers apart, so one speaker, not a voice split three ways."""
    import subprocess

    stereo = eval_dir / "asr" / "en_fw_stereo_diarization.wav"
    left = tmp_path / "left.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", f"file:{stereo}", "-af", "pan=mono|c0=c0", f"file:{left}"], check=True)
    ingested = ingest(str(left))
    transcript = transcribe(ingested, LocalizeOptions(**ASR))
    diarized = speakers.diarize(transcript, ingested.audio_wav, LocalizeOptions(**ASR))
    assert {s.speaker for s in diarized.transcript.segments} == {"SPEAKER_00"}, diarized.report()
    assert " ".join(s.text for s in diarized.transcript.segments).count(" ") >= 10  # words keep their spaces


def test_pitch_reads_the_loudest_half_seconds_in_their_order():
    """Voice casting's pitch comes from the loudest 0.5 s pieces of a speaker's speech (vowels), up to 5 s."""
    import numpy as np

    from lingoflow.speakers.diarize.measure import loudest

    rate = 16000
    t = np.arange(rate // 2) / rate
    quiet, low, high = 0.01 * np.sin(2 * np.pi * 300 * t), 0.5 * np.sin(2 * np.pi * 110 * t), 0.4 * np.sin(2 * np.pi * 220 * t)
    audio = np.concatenate([quiet, low, quiet, high, quiet]).astype(np.float32)
    picked = loudest(audio, 1.0)
    assert np.array_equal(picked, np.concatenate([low, high]).astype(np.float32))  # the loud pieces, in their order
    assert np.array_equal(loudest(audio, 10.0), audio)  # under the limit: all of it


def test_pitch_finds_the_fundamental_of_a_voice_like_tone_and_none_in_noise():
    """Casting's low / high rests on the median F0: a 110 Hz and a 220 Hz tone with harmonics (the
    2nd stronger than the 1st, as in many voices: no octave error) and noise, read right; noise alone
    is no voice."""
    import numpy as np

    from lingoflow.speakers.diarize.measure import LOW_PITCH_HZ, median_pitch

    rate, rng = 16000, np.random.default_rng(0)
    t = np.arange(3 * rate) / rate
    for f0 in (110.0, 220.0):
        tone = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(2 * np.pi * 2 * f0 * t) + 0.2 * np.sin(2 * np.pi * 3 * f0 * t)
        found = median_pitch((tone + 0.05 * rng.standard_normal(len(t))).astype(np.float32))
        assert found is not None and abs(found / f0 - 1) < 0.02, (f0, found)
        assert (found < LOW_PITCH_HZ) == (f0 < LOW_PITCH_HZ)
    assert median_pitch((0.3 * rng.standard_normal(len(t))).astype(np.float32)) is None
    assert median_pitch(np.zeros(rate // 8, np.float32)) is None  # too short
