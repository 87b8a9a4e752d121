"""Long recordings (issue 7): a 5-hour silent file goes through every stage quickly, and the
windowed transcription of long files keeps every sample and every timestamp right.
Time and memory are measured in bench/long_silence.py, not asserted here."""
from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from lingoflow.asr import longform

from .conftest import ROOT, ffmpeg, ffprobe_streams

HOURS = 5


def _write_wav(path: Path, pcm: np.ndarray, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())
    return path


def test_windows_cover_every_sample_once_and_cut_in_a_pause(tmp_path):
    rng = np.random.default_rng(0)
    pcm = (rng.standard_normal(16000 * 100) * 3000).astype(np.int16)
    pcm[16000 * 33 : 16000 * 34] = 0  # the only pause inside the first window's search region
    path = _write_wav(tmp_path / "noise.wav", pcm)
    wins = list(longform.windows(path, window_seconds=40, search_seconds=10))
    joined = np.concatenate([np.round(w.audio * 32768).astype(np.int32) for w in wins])
    assert np.array_equal(joined, pcm.astype(np.int32))
    assert 33.0 <= wins[1].offset <= 34.0  # cut inside the pause, not at 40 s through "speech"
    assert [w.offset for w in wins] == sorted(w.offset for w in wins) and not any(w.silent for w in wins)


def test_silent_windows_are_flagged(tmp_path):
    pcm = np.zeros(16000 * 30, dtype=np.int16)
    pcm[16000 * 12] = 2000  # one click in the second window
    wins = list(longform.windows(_write_wav(tmp_path / "s.wav", pcm), window_seconds=10, search_seconds=2))
    loud = [w for w in wins if not w.silent]
    assert len(loud) == 1 and loud[0].offset <= 12 < loud[0].offset + len(loud[0].audio) / 16000


def test_windowed_transcription_puts_every_sentence_at_its_time(tmp_path, monkeypatch):
    """A file cut into windows: each sentence is found once, at its place in the file."""
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.config import LocalizeOptions
    from lingoflow.samples import RATE, VOICE_A, make_media, speak

    line = speak(["Welcome to the course library."], [VOICE_A], tmp_path)  # 0.4 s lead-in
    gap = np.zeros(3 * RATE, dtype=np.float32)
    make_media(np.concatenate([line, gap, line, gap, line]), tmp_path / "three.wav")
    period = (len(line) + len(gap)) / RATE
    ingested = ingest(str(tmp_path / "three.wav"))
    # windows of one period whose search region holds the gap (the real ones: 600 s and 30 s)
    monkeypatch.setattr(longform, "WINDOW_SECONDS", period + 1.0)
    monkeypatch.setattr(longform, "SEARCH_SECONDS", 3.0)
    assert len(list(longform.windows(ingested.audio_wav))) == 3
    transcript = transcribe(ingested, LocalizeOptions(asr_model="tiny.en"))
    assert [s.id for s in transcript.segments] == list(range(len(transcript.segments)))
    found = [s for s in transcript.segments if "course" in s.text.lower()]
    assert len(found) == 3, [s.text for s in transcript.segments]
    for k, seg in enumerate(found):
        assert seg.start == pytest.approx(k * period + 0.4, abs=0.5)
        assert all(seg.start - 0.01 <= w.start <= w.end <= seg.end + 0.01 for w in seg.words)


def test_five_hours_of_silence_localizes_to_an_empty_transcript_and_a_silent_dub(tmp_path):
    lib, out = tmp_path / "lib", tmp_path / "out"
    lib.mkdir()
    seconds = HOURS * 3600
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono:nb_samples=32768", "-t", str(seconds), "-c:a", "flac", str(lib / "archive-tape.flac"))
    proc = subprocess.run(
        [sys.executable, "-m", "lingoflow.flows.cli", "localize", str(lib), "--to", "pt", "--asr-model", "tiny.en", "--out", str(out), "--quiet"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    item = json.loads((out / "report.json").read_text())["items"][0]
    assert item["status"] == "ok" and item["audio_seconds"] == pytest.approx(seconds, abs=1)
    folder = out / "archive-tape"
    assert json.loads((folder / "transcript.json").read_text())["segments"] == []
    assert (folder / "captions.pt.srt").read_text() == ""
    with wave.open(str(folder / "dub.pt.wav")) as w:
        assert w.getframerate() == 8000 and w.getnframes() == seconds * 8000
        while block := w.readframes(1 << 22):  # read in blocks: the check itself stays small
            assert not np.frombuffer(block, dtype="<i2").any()
    audio = [s for s in ffprobe_streams(folder / "archive-tape.localized.mka") if s["codec_type"] == "audio"]
    assert len(audio) == 2


def test_background_read_from_disk_mixes_like_the_array_across_chunks(tmp_path):
    """The dub's background streams from the cached WAV (longform.WavSamples), chunk by chunk:
    the track is the same as with the whole background in memory, across chunk boundaries."""
    from lingoflow.dub import track as dub
    from lingoflow.dub.background import Background

    rate, seconds = 16000, 70.0  # more than one 2^20-sample chunk
    t = np.arange(int(rate * seconds)) / rate
    tone = np.round(0.2 * np.sin(2 * np.pi * 220 * t) * 32768).astype(np.int16)
    wav = _write_wav(tmp_path / "bed.wav", tone)
    on_disk = longform.WavSamples(wav)
    assert len(on_disk) == len(tone) and np.array_equal(on_disk[1000:1010], tone[1000:1010] / 32768.0)
    clip = _write_wav(tmp_path / "clip.wav", (np.sin(np.arange(rate) / 5) * 8000).astype(np.int16))
    clips = [dub.DubClip(0, 60.0, 62.0, str(clip))]
    speech = [(60.0, 62.0)]
    dub.build_track(clips, seconds, rate, tmp_path / "a.wav", tmp_path, background=Background(on_disk, speech, 15.0))
    dub.build_track(clips, seconds, rate, tmp_path / "b.wav", tmp_path, background=Background(tone / 32768.0, speech, 15.0))
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    with wave.open(str(tmp_path / "a.wav")) as w:
        track = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert len(track) == len(tone) and np.abs(track[: rate * 50]).max() > 6000  # the bed is there, at full level
