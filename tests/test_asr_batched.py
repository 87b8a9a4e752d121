"""The batched decoder (--asr-batch N) against the sequential one, on real recordings."""
from collections import Counter

import numpy as np
import pytest

from lingoflow.pipeline.ingest import ingest
from lingoflow.pipeline.transcribe import transcribe
from lingoflow.io import media
from lingoflow.pipeline import transcribe as transcribe_stage
from lingoflow.asr import batched
from lingoflow.asr.base import AsrOptions
from lingoflow.asr.faster_whisper import FasterWhisperTranscriber
from lingoflow.store.cache import settings_for
from lingoflow.config import LocalizeOptions

from .conftest import run_cli

JFK, LJ20, LJ35 = "asr/en_jfk.flac", "asr/en_ljspeech_LJ002-0020.wav", "asr/en_ljspeech_LJ002-0035.wav"
CLIPS = [JFK, LJ20, JFK, LJ35, JFK, LJ20, JFK]


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


@pytest.fixture(scope="module")
def joined(eval_dir) -> np.ndarray:
    """Real clips one after another with short pauses (0.15 s): 50 s of near-continuous speech,
    so chunks run full (faster-whisper's own batched pipeline loses about a tenth of it)."""
    pause = np.zeros(int(0.15 * media.SAMPLE_RATE), np.float32)
    parts = []
    for rel in CLIPS:
        parts += [media.load_wav(ingest(str(eval_dir / rel)).audio_wav), pause]
    return np.concatenate(parts)


def test_batched_keeps_every_word_of_the_sequential_decoder(joined):
    chunks = batched.speech_chunks(joined)
    assert len(chunks) >= 2
    engine = FasterWhisperTranscriber()
    sequential = engine.transcribe(joined, AsrOptions(model="tiny.en", batch_size=0))
    result = engine.transcribe(joined, AsrOptions(model="tiny.en", batch_size=4))

    seq_words = [_norm(w.text) for s in sequential.segments for w in s.words if _norm(w.text)]
    words = [w for s in result.segments for w in s.words if _norm(w.text)]
    found = Counter(_norm(w.text) for w in words)
    kept = sum((Counter(seq_words) & found).values())
    assert len(seq_words) >= 90
    assert kept >= 0.97 * len(seq_words), (seq_words, [w.text for w in words])
    assert len(words) <= len(seq_words) + 2  # nothing decoded twice
    # a word at a chunk edge is kept once: no word repeated across an edge
    for edge in [c.pieces[0]["start"] / media.SAMPLE_RATE for c in chunks[1:]]:
        before = [w for w in words if w.end <= edge + 0.05][-1:]
        after = [w for w in words if w.start >= edge - 0.05][:1]
        if before and after and before[0] is not after[0]:
            assert _norm(before[0].text) != _norm(after[0].text), edge
    # timings: in order, inside the audio, each word inside its segment
    duration = len(joined) / media.SAMPLE_RATE
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= duration for w in words)
    for seg in result.segments:
        assert seg.start <= seg.words[0].start and seg.words[-1].end <= seg.end + 1e-3
    # and the words are where the sequential decoder heard them (within 0.5 s)
    seq_by_word = {}
    for s in sequential.segments:
        for w in s.words:
            seq_by_word.setdefault(_norm(w.text), []).append(w.start)
    near = sum(1 for w in words if any(abs(w.start - t) < 0.5 for t in seq_by_word.get(_norm(w.text), [])))
    assert near >= 0.9 * len(words)


def test_asr_batch_selects_the_decoder(eval_dir, monkeypatch):
    calls = []
    real = batched.LosslessBatchedPipeline.transcribe
    monkeypatch.setattr(batched.LosslessBatchedPipeline, "transcribe", lambda self, *a, **k: calls.append("batched") or real(self, *a, **k))
    ingested = ingest(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    for batch in (0, 8):
        transcript = transcribe(ingested, LocalizeOptions(asr_model="tiny.en", asr_batch=batch))
        assert "PRESS" in transcript.text.upper()
    assert calls == ["batched"]  # --asr-batch 0: the sequential decoder only
    assert LocalizeOptions().asr_batch == 0  # sequential by default, until batched is lossless on real recordings


def test_asr_batch_enters_the_transcribe_key_only(eval_dir):
    ingested = ingest(str(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav"))
    sequential, batch8, batch4 = (LocalizeOptions(asr_batch=n) for n in (0, 8, 4))
    assert len({transcribe_stage.TranscribeStage.key_of({"ingested": ingested, "options": o}) for o in (sequential, batch8, batch4)}) == 3
    for stage in ("diarize", "translate", "synthesize"):
        assert settings_for(stage, sequential) == settings_for(stage, batch8)


def test_cli_rejects_a_bad_batch_size(tmp_path):
    proc = run_cli("localize", str(tmp_path), "--out", str(tmp_path / "out"), "--asr-batch", "-1")
    assert proc.returncode == 2
    assert "--asr-batch" in proc.stderr


def test_batched_code_switching_keeps_each_chunks_language(eval_dir):
    ingested = ingest(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3"))
    transcript = transcribe(ingested, LocalizeOptions(code_switching=True, asr_batch=8))
    langs = [s.language for s in transcript.segments]
    assert langs[0] == "en" and langs[-1] == "de"
    switch = next(s.start for s in transcript.segments if s.language == "de")
    assert 25 < switch < 35  # the German reading starts at about 30 s
    assert "Software" in " ".join(s.text for s in transcript.segments if s.language == "de")


def test_a_chunk_spanning_the_switch_is_split_there(eval_dir):
    """The clip from 18 s on: its first chunk (30 s of speech) holds 12 s of English and then the
    German reading, so it is mostly German and, labelled as one, the English came out "German"
    (what an Intel CPU's chunk edges did to the whole clip). Each segment keeps its own language."""
    audio = media.load_wav(ingest(str(eval_dir / "asr" / "en+de_fw_multilingual.mp3")).audio_wav)
    offset = 18.0
    audio = audio[int(offset * media.SAMPLE_RATE):]
    switch = 30.0 - offset  # the German reading starts at about 30 s of the clip
    spanning = [c for c in batched.speech_chunks(audio) if c.at < switch - 5 and c.pieces[-1]["end"] / media.SAMPLE_RATE > switch + 5]
    assert spanning  # the case under test: one chunk holds both languages
    result = FasterWhisperTranscriber().transcribe(audio, AsrOptions(model="base", batch_size=8, multilingual=True))
    before = [s for s in result.segments if s.end < switch - 0.5]
    after = [s for s in result.segments if s.start > switch + 0.5]
    assert len(before) >= 3 and len(after) >= 3
    assert [s.language for s in before] == ["en"] * len(before), [(s.start, s.language, s.text) for s in before]
    assert [s.language for s in after] == ["de"] * len(after), [(s.start, s.language, s.text) for s in after]
    assert "software" in " ".join(s.text for s in before).lower() and "Software" in " ".join(s.text for s in after)
