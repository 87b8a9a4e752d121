"""Spurious segments before and after the fragment filter (lingoflow/asr/fragments.py), with WER.

    python -m bench.fragments            # also a section of `make eval` (python -m bench.eval)
    python -m bench.fragments --quick

One decoding per clip: the engine returns the segments it keeps and those it dropped, so
"before" (kept + dropped, what the engine gave without the filter) and "after" (kept) come
from the same run. Spurious, by the references only:
- the AMI and pyannote clips (RTTM speaker turns): a segment with reference speech under less
  than 20 % of its span;
- "speech, then no dialogue": each ASR clip followed by the soundtrack of big_buck_bunny (a real
  recording with music and effects, no words): a segment starting after the speech ends.
A dropped segment with reference speech under most of it counts as speech lost.
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path

import numpy as np

from .common import SHARED_EVAL, table
from .quality import wer

SPURIOUS_SHARE = 0.2
SPEECH_SHARE = 0.5


def _rttm() -> dict[str, list[tuple[float, float]]]:
    turns = collections.defaultdict(list)
    for path in (SHARED_EVAL / "diar" / "ami" / "ami.rttm", SHARED_EVAL / "diar" / "pyannote_sample.rttm"):
        for line in path.read_text().splitlines():
            parts = line.split()
            if parts and parts[0] == "SPEAKER":
                turns[parts[1]].append((float(parts[3]), float(parts[3]) + float(parts[4])))
    return turns


def _share(seg, turns) -> float:
    heard = sum(max(0.0, min(seg.end, b) - max(seg.start, a)) for a, b in turns)
    return heard / max(seg.end - seg.start, 1e-3)


def _asr_rows(quick: bool) -> list[tuple[str, Path, str | None, bool]]:
    """(name, file, reference or None, code-switching)."""
    from .eval import manifest

    rows = []
    for row in manifest():
        name, lang, ref = row["file"], row["language"], row["reference_transcript"]
        if "#ch" in name:
            continue  # the stereo clip's channels: one speaker each, a mix here would be overlap
        rows.append((name, SHARED_EVAL / "asr" / name, None if "+" in lang else ref, "+" in lang))
    return rows[:2] if quick else rows


def measure(quick: bool = False, model: str = "base") -> dict:
    from faster_whisper import decode_audio

    from lingoflow.asr.base import AsrOptions
    from lingoflow.asr.faster_whisper import FasterWhisperTranscriber

    engine = FasterWhisperTranscriber()
    bed = decode_audio(str(SHARED_EVAL / "media" / "big_buck_bunny_small.mp4"))
    turns = _rttm()
    counts = collections.Counter(dict.fromkeys(("segments_before", "spurious_before", "segments_after", "spurious_after", "dropped", "speech_lost"), 0))
    refs, before_text, after_text, examples = [], [], [], []

    def run(audio, multilingual=False):
        result = engine.transcribe(audio, AsrOptions(model=model, multilingual=multilingual))
        every = sorted(result.segments + [s for s, _ in result.dropped], key=lambda s: s.start)
        return result, every

    for name, path, ref, switching in _asr_rows(quick):
        speech = decode_audio(str(path))
        if ref is not None:
            result, every = run(speech)
            refs.append(ref)
            before_text.append(" ".join(s.text for s in every))
            after_text.append(" ".join(s.text for s in result.segments))
        end = len(speech) / 16000
        result, every = run(np.concatenate([speech, bed]), multilingual=switching)
        dropped = {id(s): why for s, why in result.dropped}
        for seg in every:
            spurious = seg.start >= end
            counts["segments_before"] += 1
            counts["spurious_before"] += spurious
            if id(seg) in dropped:
                counts["dropped"] += 1
                examples.append(f"{name} + no-dialogue bed {seg.start:.2f}-{seg.end:.2f} {seg.text!r} (speech ends {end:.2f}): {dropped[id(seg)]}")
            else:
                counts["segments_after"] += 1
                counts["spurious_after"] += spurious
            counts["speech_lost"] += id(seg) in dropped and seg.end <= end
    clips = sorted((SHARED_EVAL / "diar" / "ami").glob("*.wav"))[: 2 if quick else None]
    if not quick:
        clips.append(SHARED_EVAL / "diar" / "pyannote_sample.wav")
    for path in clips:
        result, every = run(decode_audio(str(path)))
        ref_turns = turns[path.stem if path.stem in turns else "sample"]
        dropped = {id(s): why for s, why in result.dropped}
        for seg in every:
            share = _share(seg, ref_turns)
            spurious = share < SPURIOUS_SHARE
            counts["segments_before"] += 1
            counts["spurious_before"] += spurious
            if id(seg) in dropped:
                counts["dropped"] += 1
                counts["speech_lost"] += share >= SPEECH_SHARE
                examples.append(f"{path.stem} {seg.start:.2f}-{seg.end:.2f} {seg.text!r} (reference speech {share:.0%}): {dropped[id(seg)]}")
            else:
                counts["segments_after"] += 1
                counts["spurious_after"] += spurious
    figures = {**counts, "wer_before": round(wer(refs, before_text), 4), "wer_after": round(wer(refs, after_text), 4),
               "clips_with_reference_text": len(refs), "dropped_examples": examples}
    print(f"## Spurious segments: Whisper {model} int8, before and after the fragment filter (asr/fragments.py)")
    table([("before", counts["segments_before"], counts["spurious_before"], "-", f"{figures['wer_before']:.3f}"),
           ("after", counts["segments_after"], counts["spurious_after"], counts["speech_lost"], f"{figures['wer_after']:.3f}")],
          ("", "segments", "spurious", "speech lost", f"WER ({len(refs)} clips)"))
    for line in examples:
        print(f"  dropped: {line}")
    print()
    return figures


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model", default="base")
    args = parser.parse_args(argv)
    return measure(args.quick, args.model)


if __name__ == "__main__":
    main()
