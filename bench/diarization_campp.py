"""How the campp engine's clustering threshold was chosen: swept on the AMI trn clips, checked
on the dev clips and pyannote_sample.wav (never chosen on those).

    python -m bench.diarization_campp [--threshold 0.6 0.65 ...] [--step 2.5] [--margin none 0 0.05 0.1] [--chunk 1.0]

Each clip is segmented and embedded once; each threshold is scored on the engine's own turns
(what speakers.rttm holds): DER (pyannote.metrics, inside the UEM) with a 0.25 s collar each
side and without, overlap scored, and the speaker count against the reference.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def annotation(turns, uri: str):
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for i, t in enumerate(turns):
        hyp[Segment(t.start, t.end), i] = t.speaker
    return hyp


def load(wav: Path):
    """The clip as the pipeline hears it (decoded to 16 kHz mono 16-bit by ffmpeg)."""
    import tempfile

    from lingoflow.io import media

    out = Path(tempfile.mkdtemp(prefix="lingoflow-bench-campp-")) / "a.wav"
    media.decode_audio(media.probe(wav), out)
    audio = media.load_wav(out)
    out.unlink()
    return audio


def campp_default(name: str) -> float:
    from lingoflow.speakers.diarize import campp

    return getattr(campp, name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, nargs="*", default=[0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85])
    ap.add_argument("--step", type=float, default=None)
    ap.add_argument("--reuse", action="store_true", help="reuse the segmentation and embeddings kept by an earlier run")
    ap.add_argument("--min-clean", type=float, nargs="*", default=[campp_default("MIN_CLEAN")])
    ap.add_argument("--min-cluster", type=float, nargs="*", default=[campp_default("MIN_CLUSTER_SECONDS")])
    ap.add_argument("--margin", nargs="*", default=[str(campp_default("REASSIGN_MARGIN"))],
                    help="re-assignment margins of the 1 s pieces ('none': no re-assignment)")
    ap.add_argument("--chunk", type=float, default=None, help="seconds a re-assigned piece (default CHUNK_SECONDS)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*uem.*")

    from pyannote.metrics.diarization import DiarizationErrorRate

    from lingoflow.speakers.diarize import campp
    from .diarization import WORK, clips, speaker_count

    engine = campp.CamppEngine()
    if args.chunk:
        campp.CHUNK_SECONDS, campp.CHUNKS = args.chunk, int(campp.WINDOW / args.chunk)
    if args.step:
        engine.step = args.step
    engine.check()
    prepared, took, audio_s = [], 0.0, 0.0
    for clip in clips(None):
        audio = load(clip["wav"])
        kept = WORK / f"campp-{clip['name']}-{engine.step}-{campp.CHUNK_SECONDS}.pkl"
        if kept.is_file() and args.reuse:
            heard = pickle.loads(kept.read_bytes())
        else:
            t0 = time.process_time()
            heard = campp.hear(audio, engine.step)
            took += time.process_time() - t0
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes(pickle.dumps(heard))
        audio_s += len(audio) / campp.RATE
        prepared.append((clip, heard, len(audio) / campp.RATE))
    print(f"segmentation + embedding: {took:.1f} s CPU for {audio_s:.0f} s of audio (step {engine.step} s)")
    print(f"{'threshold':>9} | {'set':6} {'DER.25':>7} {'DER0':>6} {'right':>5} {'w/in1':>5} | per clip: found/ref DER.25")
    import itertools

    margins = [None if m == "none" else float(m) for m in args.margin]
    for threshold, min_clean, min_cluster, margin in itertools.product(args.threshold, args.min_clean, args.min_cluster, margins):
        engine.threshold, engine.min_clean, engine.min_cluster, engine.margin = threshold, min_clean, min_cluster, margin
        print(f"min clean {min_clean}, min cluster {min_cluster} s, pieces {campp.CHUNK_SECONDS} s re-assigned at margin {margin}")
        sets: dict = {}
        detail = []
        for clip, heard, duration in prepared:
            turns = engine.turns(heard, duration, campp.Bounds())
            hyp = annotation(turns, clip["name"])
            m = sets.setdefault(clip["set"], {"d25": DiarizationErrorRate(collar=0.5), "d0": DiarizationErrorRate(collar=0.0),
                                              "n": 0, "right": 0, "w1": 0})
            d25 = m["d25"](clip["ref"], hyp, uem=clip["uem"])
            m["d0"](clip["ref"], hyp, uem=clip["uem"])
            n_ref, n_hyp = speaker_count(clip["ref"], clip["uem"]), len(hyp.labels())
            m["n"] += 1
            m["right"] += n_ref == n_hyp
            m["w1"] += abs(n_ref - n_hyp) <= 1
            detail.append(f"{clip['name'][-5:]}:{n_hyp}/{n_ref} {d25:.2f}")
        for name in ("trn", "dev", "sample"):
            m = sets[name]
            print(f"{threshold:>9.2f} | {name:6} {abs(m['d25']):>7.3f} {abs(m['d0']):>6.3f} {m['right']:>3}/{m['n']} {m['w1']:>3}/{m['n']}")
        print("           " + "  ".join(detail))


if __name__ == "__main__":
    main()
