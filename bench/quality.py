"""Quality measures used by `make eval`: WER, caption conformance, dub sync. Plain functions."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pysubs2

# WER: lingoflow's own scoring (lingoflow/quality/metrics.py: Whisper's English normaliser, jiwer),
# the code `lingoflow evaluate` uses, so both give the same figure for the same transcript.
# The normaliser spells numbers as digits: the LJSpeech references' "EIGHTEEN THIRTEEN" and a
# transcript's "1813" compare equal.
from lingoflow.quality.metrics import wer  # noqa: E402,F401


def caption_conformance(paths: list[Path], max_chars=42, max_lines=2, max_cps=17.0, min_dur=5 / 6, max_dur=7.0) -> dict:
    """Share of cues meeting each norm over every caption file; a cue may be shorter than
    min_dur when the next cue starts right where it ends (the speech left no more room)."""
    counts = {"cues": 0, "line_length": 0, "line_count": 0, "reading_speed": 0, "duration": 0, "all": 0}
    worst = {"max_line_chars": 0, "max_cps": 0.0, "max_duration": 0.0}
    for path in paths:
        events = [e for e in pysubs2.load(str(path)) if e.plaintext.strip()]
        for i, e in enumerate(events):
            lines = e.plaintext.split("\n")
            dur = (e.end - e.start) / 1000
            chars = sum(len(line) for line in lines)
            nxt = events[i + 1].start if i + 1 < len(events) else None
            squeezed = nxt is not None and nxt - e.end <= 1
            ok = {
                "line_length": max(map(len, lines)) <= max_chars,
                "line_count": len(lines) <= max_lines,
                "reading_speed": dur > 0 and chars / dur <= max_cps + 1e-6,
                "duration": dur <= max_dur + 1e-6 and (dur >= min_dur - 1e-3 or squeezed or nxt is None),
            }
            counts["cues"] += 1
            for k, v in ok.items():
                counts[k] += v
            counts["all"] += all(ok.values())
            worst["max_line_chars"] = max(worst["max_line_chars"], max(map(len, lines)))
            worst["max_cps"] = round(max(worst["max_cps"], chars / dur if dur else 0), 2)
            worst["max_duration"] = round(max(worst["max_duration"], dur), 3)
    n = counts["cues"] or 1
    return {"files": len(paths), "cues": counts["cues"], **{f"share_{k}": round(counts[k] / n, 4) for k in counts if k != "cues"}, **worst}


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        return pcm, w.getframerate()


def dub_sync(dub_wav: Path, segments: list[dict], threshold_db: float = -40.0) -> list[float]:
    """Measured start offset (s) of the dubbed speech for each segment: first 10 ms frame above
    the threshold from 0.5 s before the segment's start (or from ``after``, where the previous line's
    dub ends, when a segment gives it), measured on the track itself."""
    audio, rate = _read_wav(dub_wav)
    frame = int(0.01 * rate)
    level = 10 ** (threshold_db / 20)
    offsets = []
    for seg in segments:
        if not seg["text"].strip():
            continue
        # not before the previous line's dub ends ("after", when known): its tail is not this line's onset
        lo = max(0, int((seg["start"] - 0.5) * rate), int(seg.get("after", 0.0) * rate))
        hi = min(len(audio), int((seg["end"] + 1.0) * rate))
        window = audio[lo:hi]
        n = len(window) // frame
        if n == 0:
            continue
        rms = np.sqrt((window[: n * frame].reshape(n, frame) ** 2).mean(axis=1))
        loud = np.nonzero(rms > level)[0]
        if len(loud):
            offsets.append(round((lo + loud[0] * frame) / rate - seg["start"], 3))
    return offsets
