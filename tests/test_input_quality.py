"""Input-quality checks: the figures on signals with a known defect, and the warnings on real
recordings (clean studio speech: none; degraded copies and far-field meetings: named)."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from lingoflow.quality.input_checks import InputQuality, measure, warnings_of
from lingoflow.report import ItemReport

RATE = 16000


def _write(path: Path, audio: np.ndarray) -> str:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())
    return str(path)


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(RATE * seconds)) * 0.1


def _lowpass(audio: np.ndarray, hz: float) -> np.ndarray:
    spectrum = np.fft.rfft(audio)
    spectrum[np.fft.rfftfreq(len(audio), 1 / RATE) > hz] = 0
    return np.fft.irfft(spectrum, len(audio))


def test_bandwidth_clipping_and_snr_measured(tmp_path):
    speech = [(0.0, 3.0)]
    wide = measure(_write(tmp_path / "wide.wav", _noise(3)), speech)
    assert wide.bandwidth_hz >= 7500 and not {w.name for w in wide.warnings} & {"narrowband", "clipped"}
    phone = measure(_write(tmp_path / "phone.wav", _lowpass(_noise(3), 3400)), speech)
    assert phone.bandwidth_hz <= 4000 and [w.name for w in phone.warnings] == ["narrowband"]
    t = np.arange(3 * RATE) / RATE
    clipped = measure(_write(tmp_path / "clipped.wav", np.clip(2.0 * np.sin(2 * np.pi * 220 * t), -1, 1)), speech)
    assert clipped.clipped > 0.3
    warning = next(w for w in clipped.warnings if w.name == "clipped")
    assert warning.message.startswith(f"clipped: {100 * clipped.clipped:.1f} % of speech samples at full scale")
    # speech in the middle second at 20 dB over a steady background
    audio = _noise(3, 1) * 0.1  # background power 1e-4
    audio[RATE:2 * RATE] += np.sqrt(2 * 1e-4 * 100) * np.sin(2 * np.pi * 300 * t[:RATE])  # a tone 100 times stronger
    q = measure(_write(tmp_path / "snr.wav", audio), [(1.0, 2.0)])
    assert q.snr_db == pytest.approx(20, abs=2.5) and q.speech_share == pytest.approx(1 / 3, abs=0.02)
    silent = measure(_write(tmp_path / "silent.wav", np.zeros(RATE * 2)), [])
    assert silent.speech_share == 0 and [w.name for w in silent.warnings] == ["little speech"]


def test_report_keeps_the_figures():
    q = InputQuality(bandwidth_hz=4000.0, clipped=0.02, score=0.4)
    q.warnings = warnings_of(q)
    entry = ItemReport("a", "a.wav", input_quality=q)
    back = ItemReport.from_dict(entry.to_dict())
    assert back.input_quality == q and isinstance(back.input_quality, InputQuality)
    assert {w.name for w in back.input_quality.warnings} >= {"narrowband", "clipped"}


def test_warnings_on_real_recordings(eval_dir, tmp_path):
    """Clean studio speech gets no warning; each degraded copy (made here with ffmpeg / added
    noise) gets its own; a far-field AMI meeting is quiet; the nearly silent one has little speech."""
    from bench.input_quality import degrade
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.config import LocalizeOptions
    from lingoflow.pipeline.inputcheck import speech

    options = LocalizeOptions(asr_model="tiny.en", source_captions="ignore")

    def warnings(path: Path) -> set[str]:
        ingested = ingest(str(path))
        return {w.name for w in measure(ingested.audio_wav, speech(transcribe(ingested, options))).warnings}

    jfk = eval_dir / "asr" / "en_jfk.flac"
    assert warnings(jfk) == set()
    assert warnings(eval_dir / "asr" / "en_ljspeech_LJ002-0035.wav") == set()
    assert "clipped" in warnings(degrade(jfk, "clipped", tmp_path / "clipped.wav"))
    assert "narrowband" in warnings(degrade(jfk, "narrowband", tmp_path / "narrow.wav"))
    assert "noisy" in warnings(degrade(jfk, "noise5db", tmp_path / "noise.wav"))
    assert "quiet" in warnings(eval_dir / "diar" / "ami" / "dev00.wav")
    assert "little speech" in warnings(eval_dir / "diar" / "ami" / "trn01.wav")


def test_calibration_bench_quick_reports_correlation_and_severities(capsys, eval_dir):
    from bench import input_quality
    from lingoflow.quality.input_checks import CALIBRATION, LEVELS

    before = CALIBRATION.read_bytes()
    results = input_quality.main(["--quick", "--asr-model", "tiny.en", "--write-calibration"])
    printed = capsys.readouterr().out
    assert "Spearman rank correlation, quality score vs WER" in printed
    assert set(results["calibration"]["warnings"]) == set(LEVELS)
    assert {f["set"] for f in results["files"]} == {"clean", "degraded", "meeting"}
    assert CALIBRATION.read_bytes() == before  # a quick run never rewrites the calibration
