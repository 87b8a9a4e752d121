"""Diarization on real meetings: lingoflow's diarize stage on ../shared/eval/diar (AMI + pyannote sample).

    python -m bench.diarization [--asr-model base] [--engines campp pyannote none] [--clips trn00 dev01 ...]
                                [--long-minutes 10 60] [--speakers N]

The pipeline's own path: the transcribe stage (faster-whisper words; transcripts are kept in
bench/.work so a rerun only re-diarizes) -> the diarize stage (speech regions, engine, a
speaker per word, segments split at speaker changes, speakers measured). The hypothesis is
what a user gets: the transcript's segments (from their first to their last word) with their
speaker labels; and speakers.rttm, the engine's own turns (overlap kept). Each engine of
--engines runs in the same run (the default: campp; the resemblyzer engines it replaced are
retired, their last figures are in docs/speakers.md, and the same-run baseline is one speaker).
Printed per clip and per set (trn: the clips the thresholds were calibrated
on, dev: held out, sample: pyannote_sample.wav):
- DER (pyannote.metrics, scored inside the UEM) with a 0.25 s forgiveness collar each side
  and without a collar, of the transcript's segments (DER.25, DER0) and of speakers.rttm
  (rttm.25, rttm0), and as a same-run baseline the DER of all the speech as one speaker;
- the speakers found against the reference count (right, and within one): in the transcript
  (count right, within 1) and in speakers.rttm (rttm n, w/in 1);
- cross-file linking: the AMI clips linked as one library through the speaker registry
  (lingoflow/speakers/registry.py); precision and recall over pairs of (file, speaker) from
  different files that got the same library speaker id, against the AMI speaker ids (which are consistent
  across clips: trn07/trn08 share four people, dev00/dev01 two);
- real-time factor of the diarize stage per clip, and on a long file (the clips strung
  together to --long-minutes) with the peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
import wave
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval" / "diar"
WORK = ROOT / "bench" / ".work" / "diarization"


def read_rttm(path: Path) -> dict:
    from lingoflow.quality.references import read_rttm as read

    return read(path)


def read_uem(path: Path) -> dict:
    from lingoflow.quality.references import read_uem as read

    return read(path)


def clips(names: list[str] | None) -> list[dict]:
    ami = EVAL / "ami"
    refs, uems = read_rttm(ami / "ami.rttm"), read_uem(ami / "ami.uem")
    out = []
    for wav in sorted(ami.glob("*.wav")):
        out.append({"name": wav.stem, "wav": wav, "ref": refs.get(wav.stem), "uem": uems.get(wav.stem),
                    "set": "dev" if wav.stem.startswith("dev") else "trn"})
    sample_ref = next(iter(read_rttm(EVAL / "pyannote_sample.rttm").values()))
    out.append({"name": "pyannote_sample", "wav": EVAL / "pyannote_sample.wav", "ref": sample_ref, "uem": None, "set": "sample"})
    for c in out:
        if c["ref"] is None:
            from pyannote.core import Annotation

            c["ref"] = Annotation(uri=c["name"])
    return [c for c in out if not names or c["name"] in names]


def transcript_of(wav: Path, asr_model: str):
    """The transcribe stage's transcript, kept in bench/.work by the file's bytes and the model."""
    from lingoflow.pipeline.ingest import ingest
    from lingoflow.pipeline.transcribe import transcribe
    from lingoflow.io import media
    from lingoflow.config import LocalizeOptions
    from lingoflow.schema import Transcript

    ingested = ingest(str(wav))
    kept = WORK / f"{ingested.sha256[:16]}-{asr_model}.json"
    if kept.is_file():
        return ingested, Transcript.from_dict(json.loads(kept.read_text()))
    transcript = transcribe(ingested, LocalizeOptions(asr_model=asr_model))
    WORK.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(transcript.to_dict()))
    assert media.SAMPLE_RATE == 16000
    return ingested, transcript


def hypothesis(transcript, uri: str):
    """What a user gets (lingoflow/quality/metrics.py, as `lingoflow evaluate` scores it)."""
    from lingoflow.quality.metrics import speaker_annotation

    return speaker_annotation(transcript, uri)


def one_speaker(transcript, uri: str):
    from pyannote.core import Annotation, Segment

    from lingoflow.speakers.diarize.assign import speech_regions

    one = Annotation(uri=uri)
    for s, e in speech_regions(transcript.segments):
        one[Segment(s, e)] = "one"
    return one


def speaker_count(ref, uem) -> int:
    return len((ref.crop(uem) if uem is not None else ref).labels())


def linking(rows: list[dict]) -> tuple[float, float, int, int]:
    """Precision and recall of cross-file links over (file, speaker) pairs.

    Each reference speaker of a file is matched to the hypothesis speaker that covers most of its
    speech (pyannote's optimal one-to-one mapping); two matched (file, speaker) items from
    different files are truly linked when they are the same AMI speaker id, and predicted linked
    when their hypothesis speakers got the same library id."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    items = []  # (file, reference id, library id)
    for r in rows:
        if r["set"] == "sample" or not r["library_ids"]:
            continue
        mapping = DiarizationErrorRate().optimal_mapping(r["ref"], r["hyp"], uem=r["uem"])  # hyp label -> ref label
        for hyp_label, ref_label in mapping.items():
            lib = r["library_ids"].get(hyp_label)
            if lib:
                items.append((r["name"], ref_label, lib))
    from .diarization_linking import pair_scores

    return pair_scores(items)


def write_wav(path: Path, audio) -> None:
    import numpy as np

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def long_file(done: list[tuple], minutes: float, options) -> dict:
    """The diarize stage on the clips strung together (repeated) to ``minutes``, in a fresh process
    (its peak RSS is the stage's alone: model loads, the audio, the engine's blocks)."""
    import numpy as np

    from lingoflow.io import media
    from lingoflow.schema import SourceInfo, Transcript

    from .common import peak_rss_mb_of

    audio_parts, segments, offset = [], [], 0.0
    while offset < minutes * 60:
        for ingested, transcript in done:
            audio = media.load_wav(ingested.audio_wav)
            audio_parts.append(audio)
            for seg in transcript.segments:
                words = [replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in seg.words]
                segments.append(replace(seg, id=len(segments), start=round(seg.start + offset, 3), end=round(seg.end + offset, 3), words=words))
            offset += len(audio) / media.SAMPLE_RATE
            if offset >= minutes * 60:
                break
    folder = Path(tempfile.mkdtemp(prefix="lingoflow-bench-long-"))
    write_wav(folder / "long.wav", np.concatenate(audio_parts))
    del audio_parts
    transcript = Transcript(SourceInfo(str(folder / "long.wav"), f"long-{minutes}-{len(segments)}", round(offset, 3)), "en", 1.0, segments)
    (folder / "transcript.json").write_text(json.dumps(transcript.to_dict()))
    (folder / "options.json").write_text(options.model_dump_json())
    wall, peak, rc = peak_rss_mb_of([sys.executable, "-m", "bench.diarization", "--stage-of", str(folder)], env={"PYTHONPATH": str(ROOT)})
    done_ = json.loads((folder / "result.json").read_text()) if rc == 0 else {}
    took = done_.get("seconds", float("nan"))
    print(f"long file: the clips strung together, {offset / 60:.1f} min: diarize stage {took:.1f} s "
          f"({offset / took:.0f}x real time), {done_.get('speakers')} speakers; the stage's process peak RSS {peak:.0f} MB")
    return {"minutes": round(offset / 60, 1), "seconds": round(took, 1), "peak_rss_mb": round(peak)}


def stage_of(folder: Path) -> None:
    """The diarize stage alone on a long file written by long_file (its own process): models loaded, then timed."""
    from lingoflow.config import LocalizeOptions
    from lingoflow.schema import Transcript
    from lingoflow.speakers import diarization as speakers
    from lingoflow.speakers.diarize import get_diarizer

    options = LocalizeOptions.model_validate_json((folder / "options.json").read_text())
    transcript = Transcript.from_dict(json.loads((folder / "transcript.json").read_text()))
    from lingoflow.asr import AsrOptions, get_transcriber

    get_diarizer(options.diarize_engine).warm()
    # loaded before timing, as in a library run (the transcribe stage loaded it): re-decoding uses it
    get_transcriber(options.asr_engine).load(AsrOptions(model=options.asr_model, compute_type=options.compute_type))
    t0 = time.perf_counter()
    diarized = speakers.diarize(transcript, str(folder / "long.wav"), options)
    (folder / "result.json").write_text(json.dumps({"seconds": time.perf_counter() - t0, "speakers": len(diarized.speakers)}))


def rttm_hypothesis(diarized, uri: str):
    """speakers.rttm as the diarize stage writes it (lingoflow/speakers/diarize/rttm.py), as an Annotation."""
    from pyannote.core import Annotation, Segment

    hyp = Annotation(uri=uri)
    for i, t in enumerate(diarized.heard_turns()):
        hyp[Segment(t.start, t.end), i] = t.speaker
    return hyp


def run_engine(engine: str, args, done: list) -> dict:
    """One engine over every clip: per clip and per set figures, linking, the long file."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    from lingoflow.speakers import diarization as speakers
    from lingoflow.quality.metrics import DER_COLLAR
    from lingoflow.config import LocalizeOptions
    from lingoflow.speakers.diarize import get_diarizer
    from lingoflow.speakers.diarize.assign import speech_regions
    from lingoflow.speakers.registry import LINK_THRESHOLD, SpeakerRegistry
    from lingoflow.store.storage import LocalStore

    options = LocalizeOptions(diarize_engine=engine, speakers=args.speakers)
    if engine != "none":
        diarizer = get_diarizer(engine)
        getattr(diarizer, "check", lambda: None)()
        getattr(diarizer, "warm", lambda: None)()  # models loaded before timing
    from lingoflow.speakers.diarize.weights import campp_sessions

    campp_sessions()  # every engine's speakers are measured with CAM++
    registry = SpeakerRegistry(LocalStore(Path(tempfile.mkdtemp(prefix="lingoflow-bench-registry-"))))
    metrics: dict = {}
    rows = []
    print(f"\n## engine {engine}: ASR {args.asr_model}" + (f", --speakers {args.speakers}" if args.speakers else ""))
    print(f"{'clip':16} {'set':6} {'ref':>3} {'found':>5} {'DER.25':>7} {'DER0':>6} {'rttm.25':>7} {'rttm0':>6} {'1spk.25':>8} {'speech s':>8} {'diar s':>6}")
    for clip, (ingested, transcript) in zip(clips(args.clips), done):
        t0 = time.perf_counter()
        diarized = speakers.diarize(transcript, ingested.audio_wav, options)
        took = time.perf_counter() - t0
        hyp, one = hypothesis(diarized.transcript, clip["name"]), one_speaker(transcript, clip["name"])
        heard = rttm_hypothesis(diarized, clip["name"])
        ref, uem = clip["ref"], clip["uem"]
        values = {}
        for set_name in (clip["set"], "ami" if clip["set"] != "sample" else None):
            if set_name is None:
                continue
            m = metrics.setdefault(set_name, {**{k: DiarizationErrorRate(collar=DER_COLLAR) for k in ("der25", "rttm25", "one25")},
                                              **{k: DiarizationErrorRate(collar=0.0) for k in ("der0", "rttm0", "one0")},
                                              "n": 0, "right": 0, "within1": 0, "heard_right": 0, "heard_within1": 0,
                                              "audio": 0.0, "seconds": 0.0})
            values = {k: m[k](ref, h, uem=uem) for k, h in (("der25", hyp), ("der0", hyp), ("rttm25", heard), ("rttm0", heard),
                                                              ("one25", one), ("one0", one))}
            n_ref, n_hyp = speaker_count(ref, uem), len(diarized.speakers)
            m["n"] += 1
            m["right"] += n_ref == n_hyp
            m["within1"] += abs(n_ref - n_hyp) <= 1
            n_heard = len(heard.labels())  # the speakers of speakers.rttm, words or not
            m["heard_right"] += n_ref == n_heard
            m["heard_within1"] += abs(n_ref - n_heard) <= 1
            m["audio"] += ingested.duration
            m["seconds"] += took
        speech = sum(e - s for s, e in speech_regions(transcript.segments))
        print(f"{clip['name']:16} {clip['set']:6} {speaker_count(ref, uem):>3} {len(diarized.speakers):>5} {values['der25']:>7.3f} "
              f"{values['der0']:>6.3f} {values['rttm25']:>7.3f} {values['rttm0']:>6.3f} {values['one25']:>8.3f} {speech:>8.1f} {took:>6.2f}")
        library_ids = {}
        if clip["set"] != "sample":  # the AMI clips are one library: linked in name order, as a library run links them
            library_ids = speakers.link(diarized, registry, ingested.sha256, clip["name"], options).library_ids
        rows.append({**clip, "hyp": hyp, "library_ids": library_ids})
    figures: dict = {}
    print(f"\n{'set':8} {'clips':>5} {'count right':>11} {'within 1':>8} {'rttm n':>6} {'w/in 1':>6} {'DER.25':>7} {'DER0':>6} {'rttm.25':>7} {'rttm0':>6} {'1spk.25':>8} {'x real time':>11}")
    for set_name in ("trn", "dev", "ami", "sample"):
        m = metrics.get(set_name)
        if not m:
            continue
        print(f"{set_name:8} {m['n']:>5} {m['right']:>11} {m['within1']:>8} {m['heard_right']:>6} {m['heard_within1']:>6} {abs(m['der25']):>7.3f} {abs(m['der0']):>6.3f} "
              f"{abs(m['rttm25']):>7.3f} {abs(m['rttm0']):>6.3f} {abs(m['one25']):>8.3f} {m['audio'] / max(m['seconds'], 1e-9):>11.0f}")
        figures[set_name] = {"clips": m["n"], "count_right": m["right"], "count_within1": m["within1"], "rttm_count_right": m["heard_right"],
                             "rttm_count_within1": m["heard_within1"], **{k: round(abs(m[k]), 3) for k in ("der25", "der0", "rttm25", "rttm0", "one25")},
                             "x_real_time": round(m["audio"] / max(m["seconds"], 1e-9), 1)}
    if any(r["library_ids"] for r in rows):
        p, r, true_links, said_links = linking(rows)
        print(f"\ncross-file linking (AMI, library speaker registry, threshold {LINK_THRESHOLD}): precision {p:.3f}, "
              f"recall {r:.3f} ({true_links} true links, {said_links} predicted)")
        figures["linking"] = {"precision": round(p, 3), "recall": round(r, 3), "true_links": true_links, "predicted": said_links}
        dev = [r for r in rows if r["set"] == "dev"]
        p, r, true_links, said_links = linking(dev)
        print(f"  dev clips only: precision {p:.3f}, recall {r:.3f} ({true_links} true links, {said_links} predicted)")
    if args.long_minutes:
        figures["long_files"] = [long_file(done, m, options) for m in args.long_minutes]
        if len(figures["long_files"]) > 1:
            first, last = figures["long_files"][0], figures["long_files"][-1]
            print(f"peak RSS {last['minutes']:g} min / {first['minutes']:g} min: {last['peak_rss_mb'] / first['peak_rss_mb']:.2f}x (goal <= 1.2x)")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--asr-model", default="base")
    ap.add_argument("--engines", nargs="*", default=["campp"], help="engines to compare in this run (campp, pyannote with its hub weights, none)")
    ap.add_argument("--speakers", type=int, default=None)
    ap.add_argument("--clips", nargs="*", default=None, help="only these clips (names without .wav)")
    ap.add_argument("--long-minutes", type=float, nargs="*", default=[10.0, 60.0],
                    help="also time long files of these many minutes, each in its own process (0 or none: skip)")
    ap.add_argument("--stage-of", type=Path, help=argparse.SUPPRESS)  # the child process of a long file
    args = ap.parse_args()
    if args.stage_of:
        return stage_of(args.stage_of)
    args.long_minutes = [m for m in args.long_minutes if m > 0]
    os.environ["LINGOFLOW_CACHE"] = tempfile.mkdtemp(prefix="lingoflow-bench-diar-")  # nothing diarized is reused
    warnings.filterwarnings("ignore", message=".*uem.*")

    from .common import header

    results = header("diarization on real meetings (../shared/eval/diar)")
    done, transcribe_seconds = [], 0.0
    for clip in clips(args.clips):
        t0 = time.perf_counter()
        done.append(transcript_of(clip["wav"], args.asr_model))
        transcribe_seconds += time.perf_counter() - t0
    print(f"transcribe stage: {transcribe_seconds:.1f} s for {len(done)} clips (0 when kept from an earlier run)")
    results["engines"] = {engine: run_engine(engine, args, done) for engine in args.engines}
    from .common import save

    save("bench-diarization", results, quick=bool(args.clips))  # a subset of the clips is not the set's figures


if __name__ == "__main__":
    main()
