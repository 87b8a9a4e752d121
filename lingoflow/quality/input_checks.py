"""Input-quality checks: what in a recording's sound predicts a poor transcript, measured once
per file on the ingested 16 kHz mono audio (NumPy, streamed in one-minute blocks).

Speech and non-speech are told apart by the transcript's words (diarize.assign.speech_regions:
where the ASR, after its Silero VAD, heard speech), so no second VAD runs. Each figure:
- bandwidth_hz: the highest frequency where the speech's long-term spectrum stays within 50 dB
  of its peak (a telephone line upsampled to 16 kHz stays under ~4 kHz);
- clipped: the share of speech samples sitting at the file's peak in runs of 2+ samples (flat tops);
- speech_dbfs: the speech's level (RMS of the speech frames) and speech_peak_dbfs (its loudest 5 % of
  20 ms frames, the far-field measure of bench/vad_levels.py);
- snr_db: speech power over the non-speech frames' power (their quietest 20 %; None without enough of both);
- speech_share: the share of the file the transcript's words cover.
No cheap measure of music under speech was found reliable on the recordings at hand: not measured.
A figure beyond its level is a named warning with its figure; how strongly it warns comes from
calibration.json, written by bench/input_quality.py from WER on ../shared/eval (docs/quality.md).
"""
from __future__ import annotations

import functools
import json
import wave
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

RATE, FRAME, FFT = 16000, 320, 512  # 20 ms frames; spectra over 32 ms
BLOCK = RATE * 60
CALIBRATION = Path(__file__).with_name("calibration.json")
EXPECT_ERRORS, NOTE = "expect more errors", "note"

# the levels past which a figure is reported; how strongly is calibrated (calibration.json)
LEVELS = {
    "narrowband": ("bandwidth_hz", "<", 4750.0),  # an 8 kHz-sampled source tops out at 4 kHz (+ the resampler's slope)
    "clipped": ("clipped", ">", 0.001),
    "quiet": ("speech_peak_dbfs", "<", -30.0),
    "noisy": ("snr_db", "<", 15.0),
    "little speech": ("speech_share", "<", 0.2),
}


@dataclass
class Warning:
    name: str
    figure: float
    severity: str
    message: str


@dataclass
class InputQuality:
    bandwidth_hz: float | None = None
    clipped: float = 0.0
    speech_dbfs: float | None = None
    speech_peak_dbfs: float | None = None
    snr_db: float | None = None
    speech_share: float = 0.0
    score: float = 1.0  # 1 clean .. 0 poor: the figures' combined shortfall (see quality_score)
    warnings: list[Warning] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "InputQuality":
        d = dict(d)
        d["warnings"] = [Warning(**w) for w in d.get("warnings", [])]
        return cls(**d)

    def label(self) -> str:
        return "; ".join(w.message for w in self.warnings)


def _db(power: float) -> float:
    return float(10 * np.log10(max(power, 1e-12)))


def _speech_mask(n_frames: int, regions: list[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(n_frames, dtype=bool)
    for s, e in regions:
        mask[int(s * RATE) // FRAME: int(np.ceil(e * RATE / FRAME))] = True
    return mask


def _blocks(path: str):
    with wave.open(path, "rb") as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        while True:
            data = w.readframes(BLOCK)
            if not data:
                return
            yield np.frombuffer(data, dtype=np.int16).astype(np.float32) / 32768.0


def measure(audio_wav: str, regions: list[tuple[float, float]]) -> InputQuality:
    """The figures and warnings of one file (`regions`: speech spans in seconds)."""
    powers, peaks_at, spectra, n_speech_samples, peak = [], [], np.zeros(FFT // 2 + 1), 0, 0.0
    for block in _blocks(audio_wav):
        peak = max(peak, float(np.abs(block).max(initial=0.0)))
    clipped_runs, offset = 0, 0
    window = np.hanning(FFT).astype(np.float32)
    for block in _blocks(audio_wav):
        n = len(block) // FRAME
        frames = block[: n * FRAME].reshape(n, FRAME)
        powers.append(np.mean(frames.astype(np.float64) ** 2, axis=1))
        mask = _speech_mask(offset // FRAME + n, regions)[offset // FRAME:]
        speech = frames[mask]
        n_speech_samples += speech.size
        if peak > 0.25 and speech.size:  # flat tops at the file's own peak (clipping, whatever the gain after it)
            top = np.abs(speech) >= peak * 0.999
            clipped_runs += int(np.count_nonzero(top[:, 1:] & top[:, :-1]) + np.count_nonzero(top[:, :1] & top[:, 1:2]))
        if len(speech) >= 2:
            pairs = speech[: len(speech) // 2 * 2].reshape(-1, 2 * FRAME)[:, :FFT]  # every other 20 ms: plenty for a spectrum
            spectra += np.sum(np.abs(np.fft.rfft(pairs * window, axis=1)) ** 2, axis=0)
        offset += len(block)
    power = np.concatenate(powers) if powers else np.zeros(0)
    mask = _speech_mask(len(power), regions)
    q = InputQuality(speech_share=round(float(mask.mean()) if len(mask) else 0.0, 3))
    q.clipped = round(clipped_runs / n_speech_samples, 5) if n_speech_samples else 0.0
    if mask.any():
        q.speech_dbfs = round(_db(float(power[mask].mean())), 1)
        q.speech_peak_dbfs = round(_db(float(np.percentile(power[mask], 95))), 1)
    if mask.sum() >= 10 and (~mask).sum() >= 10:
        # the quiet end of the non-speech frames: word timings are loose, so the frames next to
        # speech carry some of it (a median there reads a clean studio file as noisy)
        noise = float(np.percentile(power[~mask], 20))
        q.snr_db = round(_db(max(float(power[mask].mean()) - noise, 1e-12)) - _db(noise), 1)
    if spectra.any():
        q.bandwidth_hz = _bandwidth(spectra)
    q.score = quality_score(q)
    q.warnings = warnings_of(q)
    return q


def _bandwidth(spectrum: np.ndarray) -> float:
    """Highest frequency whose 250 Hz band stays within 50 dB of the strongest band."""
    hz = np.fft.rfftfreq(FFT, 1 / RATE)
    bands = [spectrum[(hz >= lo) & (hz < lo + 250)].mean() for lo in range(0, RATE // 2, 250)]
    db = 10 * np.log10(np.maximum(bands, 1e-20))
    above = np.nonzero(db >= db.max() - 50)[0]
    return float((above.max() + 1) * 250)


def quality_score(q: InputQuality) -> float:
    """1 for a clean studio recording, towards 0 as figures fall short: the product of each
    figure's share of its clean value (bandwidth of 5 kHz, no clipping, speech peaks at -25 dBFS
    or louder, 25 dB SNR, speech heard over 30 % of the file), each raised to a weight from the
    calibration (how much more the files its warning flagged erred: 1 at calibration.json's
    `excess` or more, down to 0.25 for a defect that did not raise WER). Ranks files; its rank
    correlation with WER is measured in `make eval` (bench/input_quality.py)."""
    parts = {"narrowband": min((q.bandwidth_hz or 8000) / 5000, 1.0), "clipped": max(1.0 - 20 * q.clipped, 0.0),
             "little speech": min(q.speech_share / 0.3, 1.0),
             "quiet": float(np.clip(((q.speech_peak_dbfs if q.speech_peak_dbfs is not None else -25) + 50) / 25, 0.0, 1.0)),
             "noisy": float(np.clip(((q.snr_db if q.snr_db is not None else 30) - 5) / 20, 0.0, 1.0))}
    calib = calibration()
    return round(float(np.prod([value ** _weight(calib, name) for name, value in parts.items()])), 3)


def _weight(calib: dict, name: str) -> float:
    excess = calib.get("warnings", {}).get(name, {}).get("mean_error_excess")
    return 1.0 if excess is None else float(np.clip(excess / calib.get("excess", 0.05), 0.25, 1.0))


@functools.lru_cache(maxsize=1)
def calibration() -> dict:
    try:
        return json.loads(CALIBRATION.read_text())
    except (OSError, ValueError):
        return {}


def _message(name: str, value: float) -> str:
    return {
        "narrowband": f"narrowband: speech stops at {value / 1000:.1f} kHz (a telephone line?)",
        "clipped": f"clipped: {100 * value:.1f} % of speech samples at full scale",
        "quiet": f"quiet or far-field: speech peaks at {value:.0f} dBFS",
        "noisy": f"noisy: speech {value:.0f} dB above the background",
        "little speech": f"little speech heard: {100 * value:.0f} % of the file",
    }[name]


def warnings_of(q: InputQuality) -> list[Warning]:
    calib = calibration().get("warnings", {})
    out = []
    for name, (attr, op, level) in LEVELS.items():
        value = getattr(q, attr)
        if value is None or not (value < level if op == "<" else value > level):
            continue
        severity = calib.get(name, {}).get("severity", NOTE)
        out.append(Warning(name, value, severity, f"{_message(name, value)}; {severity}" if severity == EXPECT_ERRORS else _message(name, value)))
    return out
