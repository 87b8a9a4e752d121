"""How the resemblyzer-ahc engine's clustering thresholds were chosen: swept on the AMI trn clips,
checked on the dev clips and pyannote_sample.wav (never chosen on those).

    python -m bench.diarization_calibrate [--threshold 0.6 0.62 ...] [--min-seconds 1 2 3] [--distinct 0.4 0.5]

Uses the transcripts bench/diarization.py keeps in bench/.work (run it first). The windows are
embedded once per clip; each setting is scored as the pipeline scores it (turns -> a speaker per
word -> the transcript's segments), DER with a 0.25 s collar, and the speaker count.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default="base")
    ap.add_argument("--threshold", type=float, nargs="*", default=[0.7, 0.72, 0.74, 0.76, 0.78, 0.8])
    ap.add_argument("--min-seconds", type=float, nargs="*", default=[2.0, 4.0])
    ap.add_argument("--distinct", type=float, nargs="*", default=[0.45])
    ap.add_argument("--chunk", type=float, nargs="*", default=[3.0, 4.5])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*uem.*")

    from pyannote.metrics.diarization import DiarizationErrorRate

    from lingoflow.io import media
    from lingoflow.speakers.diarize import apply_turns, encoder
    from lingoflow.speakers.diarize.assign import speech_regions
    from lingoflow.speakers.diarize.clustering import Bounds
    from lingoflow.speakers.diarize.resemblyzer_ahc import AgglomerativeResemblyzerEngine
    from lingoflow.schema import Transcript

    from .diarization import clips, hypothesis, speaker_count, transcript_of

    prepared = []
    for clip in clips(None):
        ingested, transcript = transcript_of(clip["wav"], args.asr_model)
        speech = speech_regions(transcript.segments)
        emb, spans = encoder.speech_windows(media.load_wav(ingested.audio_wav), speech)
        prepared.append((clip, transcript, speech, emb, spans))
    engine = AgglomerativeResemblyzerEngine()
    print(f"{'chunk':>5} {'threshold':>9} {'min s':>5} {'distinct':>8} | {'trn DER':>7} {'right':>5} {'w/in1':>5} | {'dev DER':>7} {'right':>5} | {'sample':>6} {'n':>2}")
    for chunk, threshold, min_seconds, distinct in itertools.product(args.chunk, args.threshold, args.min_seconds, args.distinct):
        engine.chunk, engine.threshold, engine.min_seconds, engine.distinct = chunk, threshold, min_seconds, distinct
        scores = {s: [DiarizationErrorRate(collar=0.5), 0, 0] for s in ("trn", "dev", "sample")}
        found_sample = 0
        for clip, transcript, speech, emb, spans in prepared:
            turns = engine.turns(emb, spans, speech, Bounds()) if len(emb) else []
            segments = apply_turns(transcript.segments, turns)
            labelled = Transcript(transcript.source, transcript.language, transcript.language_probability, segments)
            hyp = hypothesis(labelled, clip["name"])
            found = len({s.speaker for s in segments if s.speaker})
            score = scores[clip["set"]]
            score[0](clip["ref"], hyp, uem=clip["uem"])
            n_ref = speaker_count(clip["ref"], clip["uem"])
            score[1] += found == n_ref
            score[2] += abs(found - n_ref) <= 1
            if clip["set"] == "sample":
                found_sample = found
        trn, dev, sample = scores["trn"], scores["dev"], scores["sample"]
        print(f"{chunk:>5.1f} {threshold:>9.2f} {min_seconds:>5.1f} {distinct:>8.2f} | {abs(trn[0]):>7.3f} {trn[1]:>5} {trn[2]:>5} | "
              f"{abs(dev[0]):>7.3f} {dev[1]:>5} | {abs(sample[0]):>6.3f} {found_sample:>2}")


if __name__ == "__main__":
    main()
