"""Short files packed into full Whisper windows (--asr-pack) against one file at a time.

    python -m bench.packing             # recognition: 2 alternating rounds; end to end: 1 round each
    python -m bench.packing --quick     # a few cuts, recognition only (the test that keeps it alive)
    python -m bench.packing --no-e2e    # recognition only

The library of short cuts is cut here, not stored: every real recording of ../shared/eval with
speech, cut in its pauses into pieces of about CUT_SECONDS (the files shorter than that are taken
whole; those are the ones with word references). Recognition is the transcribe stage's engine
call, the model loaded beforehand, the language given (packing needs it: asr/packing.py): one
file at a time (what lingoflow did, and every peer does) against the packed call; words lost are the sequential transcript's words the packed one lacks;
WER is on the files with references. End to end: `lingoflow localize CUTS --to pt` against the
bare-components script (bench/bare.py), each a cold cache, alternating.
"""
from __future__ import annotations

import argparse
import bisect
import shutil
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from .common import SHARED_EVAL, header, median, save, table

CUT_SECONDS = 8.0
RATE = 16000


def _load(path: Path) -> np.ndarray:
    from lingoflow.io import media
    from lingoflow.pipeline.ingest import ingest

    return media.load_wav(ingest(str(path)).audio_wav)


def _write(path: Path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes())


def cuts(audio: np.ndarray, seconds: float = CUT_SECONDS) -> list[np.ndarray]:
    """`audio` cut in the middle of the pause (160 ms or more) nearest each `seconds` mark, so no word is cut."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    regions = get_speech_timestamps(audio, VadOptions(min_silence_duration_ms=160, speech_pad_ms=0))  # pauses of 160 ms or more
    pauses = [(a["end"] + b["start"]) // 2 for a, b in zip(regions, regions[1:])] or [len(audio)]
    edges = [0]
    while edges[-1] + seconds * RATE < len(audio) - RATE * 2:
        mark = edges[-1] + seconds * RATE
        later = [p for p in pauses if p > edges[-1] + RATE]
        if not later:
            break
        edges.append(min(later, key=lambda p: abs(p - mark)))
    edges.append(len(audio))
    return [audio[a:b] for a, b in zip(edges, edges[1:]) if b - a > RATE // 2]


def short_library(folder: Path, quick: bool = False) -> tuple[list[Path], dict[str, str]]:
    """The cuts written to `folder`; the references of the files kept whole (file name -> text)."""
    from lingoflow.asr.packing import speech_regions, speech_seconds

    from .asr import real_recordings

    refs = {}
    manifest = (SHARED_EVAL / "asr" / "manifest.tsv").read_text().splitlines()
    head = manifest[0].split("\t")
    for line in manifest[1:]:
        row = dict(zip(head, line.split("\t")))
        kind = row.get("reference_type", "").lower()
        if row.get("reference_transcript") and "none" not in kind and "model" not in kind:
            refs[row["file"]] = row["reference_transcript"]
    files = []
    recordings = real_recordings()[:3] if quick else real_recordings()
    for src in recordings:
        audio = _load(src)
        pieces = [audio] if len(audio) <= CUT_SECONDS * 1.5 * RATE else cuts(audio)
        for i, piece in enumerate(pieces):
            if speech_seconds(speech_regions(piece)) < 1.0:  # a silent cut: nothing to recognize (and bench/bare.py cannot mux it)
                continue
            path = folder / f"{src.stem}-{i:02d}.wav"
            _write(path, piece)
            files.append(path)
        if len(pieces) == 1 and src.name in refs:
            refs[f"{src.stem}-00.wav"] = refs.pop(src.name)
    return files, {k: v for k, v in refs.items() if (folder / k).exists()}


def _words(result) -> str:
    return " ".join(s.text for s in result.segments)


def unheard_words(sequential, packed, margin: float = 0.25) -> int:
    """The sequential decode's words that no packed word overlaps in time (within ``margin`` s):
    speech the packed decode dropped, as against the same speech worded otherwise."""
    heard = sorted((w.start - margin, w.end + margin) for s in packed.segments for w in s.words)
    starts = [a for a, _ in heard]
    missing = 0
    for w in (w for s in sequential.segments for w in s.words):
        i = bisect.bisect_right(starts, w.end)  # packed words starting before this word ends ...
        missing += not any(b > w.start for _, b in heard[max(0, i - 8) : i])  # ... one of them ending after it starts
    return missing


def _normalized(text: str) -> bool:
    from lingoflow.quality.metrics import normalise

    return bool(normalise(text).split())


def recognition(files: list[Path], refs: dict[str, str], rounds: int) -> dict:
    from lingoflow.asr import AsrOptions, get_transcriber
    from lingoflow.io import media
    from lingoflow.quality.metrics import score


    engine, options = get_transcriber("faster-whisper"), AsrOptions(model="base", language="en")  # packing needs a known language
    engine.load(options)
    audios = [media.load_wav(str(p)) if p.suffix == ".wav" else _load(p) for p in files]

    def one_by_one():
        return [engine.transcribe(a, options) for a in audios]

    def packed():
        results = engine.transcribe_packed(audios, options)
        return [r if r is not None else engine.transcribe(a, options) for a, r in zip(audios, results)], sum(r is not None for r in results)

    times: dict[str, list[float]] = {"one file at a time": [], "packed": []}
    cpu: dict[str, list[float]] = {"one file at a time": [], "packed": []}
    outs = {}
    for r in range(rounds):
        for kind in (("one file at a time", "packed") if r % 2 == 0 else ("packed", "one file at a time")):
            t0, c0 = time.perf_counter(), time.process_time()
            outs[kind] = one_by_one() if kind == "one file at a time" else packed()
            times[kind].append(time.perf_counter() - t0)
            cpu[kind].append(time.process_time() - c0)
    sequential, (packed_results, packed_files) = outs["one file at a time"], outs["packed"]
    seq_words = sum(len(_words(x).split()) for x in sequential)
    lost = added = 0
    for s, p in zip(sequential, packed_results):
        said, heard = _words(s), _words(p)
        if not _normalized(said):  # nothing said (a silent cut): whatever the packed decode wrote is added
            added += len(heard.split())
        elif not _normalized(heard):
            lost += len(said.split())
        else:
            diff = score([said], [heard])
            lost, added = lost + diff.deletions, added + diff.insertions
    unheard = sum(unheard_words(s, p) for s, p in zip(sequential, packed_results))
    names = [p.name for p in files]
    with_refs = [i for i, n in enumerate(names) if n in refs]
    wer = {}
    for kind, results in (("one file at a time", sequential), ("packed", packed_results)):
        wer[kind] = round(score([refs[names[i]] for i in with_refs], [_words(results[i]) for i in with_refs]).wer, 4) if with_refs else None
    one, pk = median(times["one file at a time"]), median(times["packed"])
    return {"files": len(files), "packed_files": packed_files, "audio_seconds": round(sum(len(a) for a in audios) / RATE, 1),
            "seconds": {"one file at a time": round(one, 2), "packed": round(pk, 2)},
            "cpu_seconds": {k: round(median(v), 2) for k, v in cpu.items()}, "speedup": round(one / pk, 2),
            "sequential_words": seq_words, "words_lost": lost, "words_added": added, "words_lost_share": round(lost / max(seq_words, 1), 4),
            "words_unheard": unheard, "words_unheard_share": round(unheard / max(seq_words, 1), 4), "wer": wer, "wer_files": len(with_refs), "rounds": rounds}


def end_to_end(files: list[Path], tmp: Path) -> dict:
    import sys

    from .pipeline import CLI, cold_env, run, stop_shared_api, warm_prefect_home

    lib = tmp / "cuts"
    if not lib.exists():
        lib.mkdir()
        for f in files:
            (lib / f.name).symlink_to(f)
    kinds = {
        "lingoflow CLI --from en": lambda out: CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet", "--from", "en"],
        "lingoflow CLI --from en --asr-pack off": lambda out: CLI + [str(lib), "--to", "pt", "--out", str(out), "--quiet", "--from", "en", "--asr-pack", "off"],
        "bare components": lambda out: [sys.executable, "-m", "bench.bare", str(out), *sorted(map(str, lib.iterdir()))],
    }
    walls = {}
    home = tmp / "prefect-home"
    try:
        for kind, make in kinds.items():
            work = tmp / f"e2e-{len(walls)}"
            env = {**cold_env(work), "PREFECT_HOME": str(home), "LINGOFLOW_API_IDLE_SECONDS": "0"}
            if not home.exists():
                warm_prefect_home(lib, env, work)
            walls[kind] = round(run(make(work / "out"), env)[0], 2)
    finally:
        stop_shared_api(home)
    bare = walls["bare components"]
    return {"wall_seconds": walls, "speed_over_bare": {k: round(bare / v, 2) for k, v in walls.items()}}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument("--no-recognition", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    results = header("short files packed into full windows" + (" (quick)" if args.quick else ""))
    tmp = Path(tempfile.mkdtemp(prefix="lingoflow-packing-"))
    try:
        files, refs = short_library(tmp, args.quick)
        rec = None if args.no_recognition else recognition(files, refs, args.rounds or (1 if args.quick else 2))
        results["recognition"] = rec
        if rec:
            print(f"## Recognition: {rec['files']} short cuts of the real recordings ({rec['audio_seconds']} s), "
                  f"{rec['packed_files']} packed; median of {rec['rounds']}")
            table([(k, f"{rec['seconds'][k]:.2f}", f"{rec['cpu_seconds'][k]:.2f}", str(rec["wer"][k])) for k in rec["seconds"]],
                  ("run", "wall s", "cpu s", f"WER ({rec['wer_files']} files with references)"))
            print(f"packed: {rec['speedup']:.2f}x faster (goal >= 1.8x); {rec['words_lost']} of {rec['sequential_words']} sequential words lost "
                  f"({rec['words_lost_share'] * 100:.2f} %, goal <= 0.5 %), {rec['words_added']} words the sequential transcripts lack; "
                  f"{rec['words_unheard']} sequential words ({rec['words_unheard_share'] * 100:.2f} %) with no packed word at their time\n")
        if not (args.quick or args.no_e2e):
            e2e = results["end_to_end"] = end_to_end(files, tmp)
            print("## End to end, the same cuts to Portuguese, cold cache (lingoflow told --from en; the bare script detects each file's)")
            table([(k, f"{v:.1f}", f"{e2e['speed_over_bare'][k]:.2f}x") for k, v in e2e["wall_seconds"].items()],
                  ("run", "wall s", "speed / bare (goal CLI --from en >= 1.5x)"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    save("bench-packing-quick" if args.quick else "bench-packing", results, args.quick)
    return results


if __name__ == "__main__":
    main()
