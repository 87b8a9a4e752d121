"""How the library speaker registry's link threshold was chosen: on the AMI trn clips only, checked
on the dev clips (never chosen on those).

    python -m bench.diarization_linking [--asr-model base] [--engine campp] [--oracle-only]

Uses the transcripts bench/diarization.py keeps in bench/.work (run it first). Each clip is a
file of one library, linked through a real registry (lingoflow/speakers/registry.py, in a
temporary OUT) in name order, as a library run links them. Scored over pairs of (file, speaker)
from different files, against the AMI speaker ids (consistent across clips):
- oracle speakers: each reference speaker's own speech (RTTM turns inside the UEM) embedded as
  the diarize stage embeds a speaker: what the threshold itself is worth;
- the pipeline's speakers: the diarize stage's speakers, each matched to the reference speaker it
  covers most (pyannote's optimal mapping), as bench/diarization.py scores them.
The threshold is the one with the best recall at precision >= 0.95 on trn's oracle speakers
(CAM++ embeddings, lingoflow/speakers/diarize/measure.py; --oracle-only needs no transcripts).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def pair_scores(items: list[tuple[str, str, str]]) -> tuple[float, float, int, int]:
    """(file, reference id, library id) -> precision, recall, true links, predicted links."""
    tp = fp = fn = 0
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a[0] == b[0]:
                continue
            truth, said = a[1] == b[1], a[2] == b[2]
            tp += truth and said
            fp += said and not truth
            fn += truth and not said
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), tp + fn, tp + fp


def link_all(files: list[tuple[str, list]], threshold: float) -> dict[str, dict[str, str]]:
    """Link each file's speakers through a fresh registry, in order: name -> {label: library id}."""
    from lingoflow.speakers import registry as reg
    from lingoflow.config import LocalizeOptions
    from lingoflow.speakers.diarization import Diarized, link
    from lingoflow.store.storage import LocalStore

    before = reg.LINK_THRESHOLD
    reg.LINK_THRESHOLD = threshold
    try:
        registry = reg.SpeakerRegistry(LocalStore(tempfile.mkdtemp(prefix="lingoflow-bench-registry-")))
        out = {}
        for name, speakers in files:
            linked = link(Diarized(None, speakers), registry, f"bench-{name}", name, LocalizeOptions())
            out[name] = linked.library_ids
        return out
    finally:
        reg.LINK_THRESHOLD = before


def oracle_speakers(clip: dict, audio) -> list:
    """The reference speakers of a clip, each embedded from their own speech inside the UEM."""
    from lingoflow.speakers.diarize import campplus
    from lingoflow.speakers.diarize.measure import SpeakerInfo, speaker_spans
    from lingoflow.schema import Segment

    ref = clip["ref"].crop(clip["uem"]) if clip["uem"] is not None else clip["ref"]
    # each speaker's speech where nobody else speaks (as the diarize stage measures a speaker)
    overlap = ref.get_overlap()
    segments = [Segment(i, part.start, part.end, "", speaker=label)
                for i, (turn, _, label) in enumerate(ref.itertracks(yield_label=True))
                for part in __import__("pyannote.core", fromlist=["Timeline"]).Timeline([turn]).extrude(overlap) if part.duration > 0]
    out = []
    for label in sorted(ref.labels()):
        spans = speaker_spans(segments, label)
        seconds = sum(b - a for a, b in spans)
        if seconds >= 0.5:  # half a second of speech at least
            out.append(SpeakerInfo(label, round(seconds, 2), 1, embedding=[float(v) for v in campplus.embed_spans(audio, spans)]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default="base")
    ap.add_argument("--engine", default="campp")
    ap.add_argument("--oracle-only", action="store_true", help="only the reference speakers (no transcripts needed)")
    ap.add_argument("--threshold", type=float, nargs="*", default=[round(t, 2) for t in np.arange(0.30, 0.86, 0.02)])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", message=".*uem.*")
    import os

    os.environ.setdefault("LINGOFLOW_CACHE", tempfile.mkdtemp(prefix="lingoflow-bench-link-"))
    from pyannote.metrics.diarization import DiarizationErrorRate

    from lingoflow.speakers import diarization as speakers
    from lingoflow.io import media
    from lingoflow.speakers import registry as reg
    from lingoflow.config import LocalizeOptions

    from .common import header
    from .diarization import clips, hypothesis, transcript_of

    header("speaker linking across a library (../shared/eval/diar/ami)")
    options = LocalizeOptions(diarize_engine=args.engine)
    oracle, hyp, mapping = {"trn": [], "dev": []}, {"trn": [], "dev": []}, {}
    for clip in clips(None):
        if clip["set"] == "sample":
            continue
        if args.oracle_only:
            from .diarization_campp import load

            oracle[clip["set"]].append((clip["name"], oracle_speakers(clip, load(clip["wav"]))))
            continue
        ingested, transcript = transcript_of(clip["wav"], args.asr_model)
        audio = media.load_wav(ingested.audio_wav)
        oracle[clip["set"]].append((clip["name"], oracle_speakers(clip, audio)))
        diarized = speakers.diarize(transcript, ingested.audio_wav, options)
        hyp[clip["set"]].append((clip["name"], diarized.speakers))
        if diarized.speakers:
            mapping[clip["name"]] = DiarizationErrorRate().optimal_mapping(clip["ref"], hypothesis(diarized.transcript, clip["name"]), uem=clip["uem"])
    # how alike the same person is across files, and two people are
    same, other = [], []
    for set_name in ("trn",):
        flat = [(name, s.label, np.asarray(s.embedding)) for name, sp in oracle[set_name] for s in sp]
        for i, a in enumerate(flat):
            for b in flat[i + 1 :]:
                if a[0] != b[0]:
                    (same if a[1] == b[1] else other).append(float(a[2] @ b[2]))
    q = lambda v: " / ".join(f"{np.quantile(v, p):.3f}" for p in (0.1, 0.5, 0.9)) if v else "-"
    print(f"trn oracle speakers, cosine across files (10% / median / 90%): same person {q(same)} ({len(same)} pairs), "
          f"different {q(other)} ({len(other)} pairs)")

    def scores(files, ids, by_map: bool):
        items = []
        for name, sp in files:
            for s in sp:
                ref = mapping.get(name, {}).get(s.label) if by_map else s.label
                if ref and s.label in ids.get(name, {}):
                    items.append((name, ref, ids[name][s.label]))
        return pair_scores(items)

    print(f"\n{'threshold':>9} {'trn P':>6} {'trn R':>6} {'links':>5} {'said':>5}")
    best = None
    for t in args.threshold:
        p, r, true_links, said = scores(oracle["trn"], link_all(oracle["trn"], t), False)
        print(f"{t:>9.2f} {p:>6.3f} {r:>6.3f} {true_links:>5} {said:>5}")
        if p >= 0.95 and (best is None or r > best[1]):
            best = (t, r)
    chosen = best[0] if best else reg.LINK_THRESHOLD
    print(f"\nchosen on trn (best recall at precision >= 0.95): {chosen:.2f}; in lingoflow: LINK_THRESHOLD = {reg.LINK_THRESHOLD:.2f}")
    print(f"\n{'speakers':10} {'set':6} {'threshold':>9} {'P':>6} {'R':>6} {'links':>5} {'said':>5}")
    for t in dict.fromkeys([chosen, reg.LINK_THRESHOLD]):
        for kind, files, by_map in (("oracle", oracle, False), ("pipeline", hyp, True))[: 1 if args.oracle_only else 2]:
            for set_name in ("trn", "dev"):
                p, r, true_links, said = scores(files[set_name], link_all(files[set_name], t), by_map)
                print(f"{kind:10} {set_name:6} {t:>9.2f} {p:>6.3f} {r:>6.3f} {true_links:>5} {said:>5}")
            every = files["trn"] + files["dev"]
            p, r, true_links, said = scores(every, link_all(sorted(every), t), by_map)
            print(f"{kind:10} {'all':6} {t:>9.2f} {p:>6.3f} {r:>6.3f} {true_links:>5} {said:>5}")


if __name__ == "__main__":
    main()
